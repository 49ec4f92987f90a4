// zabitan — a vim25 SOAP reply, parsed (internal to the vSphere library).
//
// The envelope of every reply SoapClient reads: the body element, or the SOAP fault and its
// vim25 type. No I/O, so that captured replies can be unit-tested and arbitrary bytes fuzzed
// (tests/fuzz/vsphere_xml_fuzz.cpp). Pure function; a SoapResult is one caller's.
//
//   zabitan::vsphere::SoapResult r;
//   zabitan::Status s = zabitan::vsphere::ParseSoapReply(http_body, 200, &r);
//   if (s.ok()) use(r.body);
#ifndef ZABITAN_VSPHERE_SOAP_REPLY_H_
#define ZABITAN_VSPHERE_SOAP_REPLY_H_

#include <string>
#include <string_view>

#include <pugixml.hpp>

#include "zabitan/common/status.h"

namespace zabitan::vsphere {

struct SoapResult {
  pugi::xml_document doc;
  pugi::xml_node body;  // the first element inside soapenv:Body (the ...Response)
};

// Parses an HTTP reply body into result->doc and points result->body at the first element
// inside soapenv:Body. A SOAP fault is an error with the code of its vim25 type (error.h:
// FaultCode); the message names the type and carries the faultstring (made printable, at most
// 300 bytes). Without a fault, a 200 is a success and anything else an error (kBadReply), as
// is a reply that is not XML or has no body.
Status ParseSoapReply(std::string_view reply, long http_status, SoapResult* result);

}  // namespace zabitan::vsphere

#endif  // ZABITAN_VSPHERE_SOAP_REPLY_H_
