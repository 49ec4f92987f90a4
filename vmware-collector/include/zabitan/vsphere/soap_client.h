// zabitan — SoapClient: vim25 SOAP calls over one kept-alive libcurl handle.
//
// Each Call wraps a body in a SOAP envelope, POSTs it to the endpoint's /sdk URL with the
// session cookie (vmware_soap_session), and parses the reply with pugixml (ParseSoapReply in
// replies.h). A SOAP fault comes back as an error whose `fault` names the vim25 fault type
// ("NotAuthenticated", "InvalidLogin"), so callers can react to the ones that mean "log in again".
// TLS is verified (system CAs, or --ca-file); plain http:// only when the URL says so.
// Not thread-safe: one client per thread of calls.
//
//   std::unique_ptr<zabitan::vsphere::SoapClient> client;
//   zabitan::Status s = zabitan::vsphere::SoapClient::Create(options, &client);
//   zabitan::vsphere::SoapResult r;
//   s = client->Call("<RetrieveServiceContent xmlns=\"urn:vim25\">...</RetrieveServiceContent>",
//   &r);
#ifndef ZABITAN_VSPHERE_SOAP_CLIENT_H_
#define ZABITAN_VSPHERE_SOAP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include <pugixml.hpp>

#include "zabitan/common/status.h"

namespace zabitan::vsphere {

// The category of the code a failed transfer's Status carries (Status::code()): its value is
// libcurl's CURLcode, so callers tell "could not connect" from "certificate refused" without
// reading libcurl's wording.
const std::error_category& CurlCategory();

struct SoapOptions {
  std::string url;      // https://vcenter.example.com/sdk
  std::string ca_file;  // extra CA bundle (PEM) for a self-signed endpoint; system CAs otherwise
  // SHA-256 fingerprint of the endpoint's certificate (hex, colons optional): when set, that
  // certificate and no other is accepted, CA or not (a self-signed ESXi host).
  std::string thumbprint;
  bool insecure = false;  // accept any certificate: only when asked for by name
  std::chrono::milliseconds connect_timeout{10000};
  std::chrono::milliseconds timeout{60000};  // per call
  size_t max_reply_bytes = 256u << 20;
};

struct SoapResult {
  pugi::xml_document doc;
  pugi::xml_node body;  // the first element inside soapenv:Body (the ...Response)
  std::string fault;    // the vim25 fault type when the call failed with a SOAP fault
};

class SoapClient {
 public:
  struct Passkey {};
  explicit SoapClient(Passkey);
  ~SoapClient();
  SoapClient(const SoapClient&) = delete;
  SoapClient& operator=(const SoapClient&) = delete;

  static Status Create(SoapOptions options, std::unique_ptr<SoapClient>* client);

  // Calls one method. `body` is the method element (namespace urn:vim25).
  Status Call(std::string_view body, SoapResult* result);

  // Makes `count` calls, body_of(i) for the i-th, up to `lanes` at once on connections of their
  // own (a curl multi handle; kept for the next CallEach), and hands each reply to on_reply in
  // call order, whatever order they arrive in. Stops at the first failed call or on_reply error
  // and returns it. Bodies are made only when their call starts, and at most `lanes` replies
  // are held at a time, so a large batch never sits in memory whole.
  Status CallEach(size_t count, const std::function<std::string(size_t)>& body_of, size_t lanes,
                  const std::function<Status(size_t, SoapResult&)>& on_reply);

  // The session cookie's value ("" when none), as received: opaque, quotes and all.
  const std::string& cookie() const { return cookie_; }
  // SOAP calls made so far (answered or not): what a run costs the endpoint.
  uint64_t calls() const { return calls_; }
  // The same, by method ("QueryPerf", "WaitForUpdatesEx", ...).
  const std::map<std::string, uint64_t>& calls_by_method() const { return calls_by_method_; }
  // The endpoint's clock (Unix seconds) from the Date header of the last reply that had one; 0
  // before any.
  uint32_t server_clock() const { return server_clock_; }
  void set_cookie(std::string cookie) { cookie_ = std::move(cookie); }
  // SOAPAction "urn:vim25/<version>"; set from the endpoint's about.apiVersion.
  void set_api_version(std::string version) { api_version_ = std::move(version); }

 private:
  struct Curl;
  struct Transfer;
  // `easy` is a CURL* (curl.h stays out of this header); `curl_code` a CURLcode.
  void Prepare(void* easy, std::string_view body, Transfer* transfer);
  Status Complete(void* easy, int curl_code, Transfer* transfer, SoapResult* result);
  // Call and CallEach: on_reply gets every call's status with its result (in *result when given,
  // which is then for every call), in call order; its error stops the run.
  Status Run(size_t count, const std::function<std::string(size_t)>& body_of, size_t lanes,
             const std::function<Status(size_t, Status, SoapResult&)>& on_reply,
             SoapResult* result);

  SoapOptions options_;
  std::unique_ptr<Curl> curl_;
  std::string cookie_;
  std::string api_version_ = "6.5";
  uint64_t calls_ = 0;
  uint32_t server_clock_ = 0;
  std::map<std::string, uint64_t> calls_by_method_;
};

}  // namespace zabitan::vsphere

#endif  // ZABITAN_VSPHERE_SOAP_CLIENT_H_
