#include "soap_reply.h"

#include <catch2/catch.hpp>

#include "captured.h"
#include "xml.h"
#include "zabitan/vsphere/error.h"

using namespace zabitan::vsphere;
using zabitan::testing::Captured;
using zabitan::testing::Envelope;

TEST_CASE("vsphere/soap reply: a reply's body element", "[vsphere]") {
  SoapResult r;
  REQUIRE(ParseSoapReply(Captured("service_content.xml"), 200, &r).ok());
  CHECK(LocalName(r.body.name()) == "RetrieveServiceContentResponse");
}

TEST_CASE("vsphere/soap reply: faults carry the code of their vim25 type and name it",
          "[vsphere]") {
  SoapResult r;
  zabitan::Status s = ParseSoapReply(Captured("not_authenticated.xml"), 500, &r);
  CHECK_FALSE(s.ok());
  CHECK(s.code() == Error::kNotAuthenticated);
  CHECK(IsFault(s.code()));
  CHECK(s.message() == "NotAuthenticated");
  CHECK_FALSE(r.body);

  s = ParseSoapReply(Captured("query_options_invalid_name.xml"), 500, &r);
  CHECK(s.code() == Error::kInvalidName);

  s = ParseSoapReply(Captured("query_perf_restricted.xml"), 500, &r);
  CHECK(s.code() == Error::kFault);  // a fault no caller acts on by name
  CHECK(IsFault(s.code()));
  CHECK(s.message() ==
        "InvalidArgument: This operation is restricted by the administrator - "
        "'vpxd.stats.maxQueryMetrics'. "
        "Contact your system administrator.");

  // No xsi:type: the element name, without "Fault"; a faultstring with a newline stays on one line.
  s = ParseSoapReply(
      Envelope("<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>bad\nthing"
               "</faultstring><detail><InvalidLoginFault xmlns=\"urn:vim25\"/></detail>"
               "</soapenv:Fault>"),
      500, &r);
  CHECK(s.code() == Error::kInvalidLogin);
  CHECK(s.message() == "InvalidLogin: bad\\x0athing");
  CHECK(s.Prefixed("Login as u").code() == Error::kInvalidLogin);  // the code survives context
}

TEST_CASE("vsphere/soap reply: what is not a SOAP reply", "[vsphere]") {
  SoapResult r;
  zabitan::Status s = ParseSoapReply("<html>Service Unavailable", 503, &r);
  CHECK(s.code() == Error::kBadReply);
  CHECK_FALSE(IsFault(s.code()));  // not an answer: no reason to, say, read the inventory whole
  CHECK(s.message().starts_with("HTTP 503, reply is not XML"));
  CHECK(ParseSoapReply(Envelope(""), 200, &r).code() == Error::kBadReply);
  CHECK(ParseSoapReply(Envelope("<LogoutResponse xmlns=\"urn:vim25\"/>"), 500, &r).code() ==
        Error::kBadReply);
  CHECK(ParseSoapReply(Envelope(""), 200, &r).message() == "HTTP 200, no SOAP body");
  CHECK(ParseSoapReply(Envelope("<LogoutResponse xmlns=\"urn:vim25\"/>"), 500, &r).message() ==
        "HTTP 500");
  CHECK(ParseSoapReply("", 200, &r).message().starts_with("HTTP 200, reply is not XML"));
}
