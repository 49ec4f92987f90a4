// zabitan — the codes of the vSphere library's failures, carried by Status::code() beside the
// message people read.
//
// A SOAP fault the endpoint answered with has a code of ErrorCategory(): the faults callers act
// on by name (the session is gone, the login or a privilege refused, a name unknown), any other
// fault, and what the library found itself (nothing of that name, more than one, a reply it
// cannot use, a task that failed or ran out of time). A failed transfer carries libcurl's
// CURLcode instead (zabitan/common/curl_easy.h). So callers tell "not found" from "failed"
// without reading any wording. Constants and pure functions: thread-safe.
//
// Example:
//   #include "zabitan/vsphere/session.h"
//   #include "zabitan/vsphere/vm_power.h"
//   namespace zv = zabitan::vsphere;
//   zv::Credentials credentials{"monitor@vsphere.local", "the password, read from a file"};
//   zv::Connection vc;  // session.h
//   zabitan::Status s = zv::Connect({.url = "https://vcenter.example.com/sdk"}, &credentials,
//                                   "/var/lib/zabitan/vmware", &vc);
//   zv::ManagedObject folder;
//   if (s.ok()) s = zv::FindByName(*vc.client, vc.content, "Folder", "web", &folder);
//   if (s.code() == zv::Error::kNotFound) { /* make it */ }
//   if (zv::IsFault(s.code())) { /* the endpoint answered, and said no */ }
#ifndef ZABITAN_VSPHERE_ERROR_H_
#define ZABITAN_VSPHERE_ERROR_H_

#include <string_view>
#include <system_error>
#include <type_traits>

namespace zabitan::vsphere {

enum class Error {
  // SOAP faults (IsFault).
  kFault = 1,         // a fault not named below; its vim25 type is in the message
  kNotAuthenticated,  // the session is gone: log in again
  kInvalidLogin,      // user or password refused
  kNoPermission,      // the user lacks a privilege
  kInvalidName,       // a name the endpoint does not know (QueryOptions of an option never set)
  // Found by the library.
  kNotFound,    // no object of that name, nothing at that inventory path
  kAmbiguous,   // more than one object of that name
  kBadReply,    // a reply that is not SOAP, not HTTP 200, or lacks what the call returns
  kTaskFailed,  // a vSphere task ended in error (its localizedMessage in the message)
  kTimedOut,    // a task still running at the deadline
};

const std::error_category& ErrorCategory();
std::error_code make_error_code(Error e);

// The code of a SOAP fault of vim25 type `type` ("NotAuthenticated"; "" or unknown: kFault).
Error FaultCode(std::string_view type);
// Whether `code` is a SOAP fault: the endpoint answered, and refused.
bool IsFault(const std::error_code& code);

}  // namespace zabitan::vsphere

template <>
struct std::is_error_code_enum<zabitan::vsphere::Error> : std::true_type {};

#endif  // ZABITAN_VSPHERE_ERROR_H_
