// zabitan — why a vSphere call failed, in the words an operator acts on.
//
// zabitan-vmware ends a failed run with one line on stderr naming the cause: the endpoint
// refused the login, could not be reached, presented a certificate that is not the one
// expected, or the user lacks a privilege. FailureReason reads that cause off the code of the
// failed call's Status (its SOAP fault, error.h, or the libcurl code of a failed transfer,
// curl_easy.h) and prefixes it; anything else is passed through unchanged. Pure function,
// thread-safe.
//
// Example:
//   #include <cstdio>
//   #include "zabitan/vsphere/session.h"
//   namespace zv = zabitan::vsphere;
//   zv::Credentials credentials{"monitor@vsphere.local", "the password, read from a file"};
//   zv::Connection vc;  // session.h
//   zabitan::Status s = zv::Connect({.url = "https://vcenter.example.com/sdk"}, &credentials,
//                                   "/var/lib/zabitan/vmware", &vc);
//   if (!s.ok()) std::fprintf(stderr, "zabitan-vmware: %s\n", zv::FailureReason(s).c_str());
//   // "zabitan-vmware: login refused (InvalidLogin): https://vc/sdk: InvalidLogin: Login failure"
#ifndef ZABITAN_VSPHERE_FAILURE_H_
#define ZABITAN_VSPHERE_FAILURE_H_

#include <string>

#include "zabitan/common/status.h"

namespace zabitan::vsphere {

// "login refused (InvalidLogin): <message>", "permission missing (NoPermission): …",
// "unreachable: …", "TLS mismatch: …", or the message itself when none applies.
std::string FailureReason(const Status& status);

}  // namespace zabitan::vsphere

#endif  // ZABITAN_VSPHERE_FAILURE_H_
