// zabitan — SoapClient: vim25 SOAP calls over kept-alive libcurl connections.
//
// Each call wraps a body in a SOAP envelope, POSTs it to the endpoint's /sdk URL with the
// session cookie (vmware_soap_session), and parses the reply with pugixml. A SOAP fault comes
// back as an error naming the vim25 fault type ("NotAuthenticated", "InvalidLogin"). TLS is
// verified (system CAs, or ca_file; or a pinned thumbprint); plain http:// only when the URL
// says so. Users make a client and hand it to the operations (session.h, inventory.h, perf.h,
// vm_power.h); the calls themselves and their parsed replies (SoapResult) are the library's own.
// Not thread-safe: one client per thread of calls.
//
// Example:
//   #include "zabitan/vsphere/session.h"
//   zabitan::vsphere::SoapOptions options;
//   options.url = "https://vcenter.example.com/sdk";
//   std::unique_ptr<zabitan::vsphere::SoapClient> client;
//   zabitan::Status s = zabitan::vsphere::SoapClient::Create(options, &client);
//   zabitan::vsphere::ServiceContent sc;  // session.h
//   if (s.ok()) s = zabitan::vsphere::RetrieveServiceContent(*client, &sc);
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

#include "zabitan/common/status.h"

namespace zabitan::vsphere {

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

// A parsed reply (src/soap_reply.h): internal, so that pugixml stays out of this header.
struct SoapResult;

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

  // `count` calls, body_of(i) for the i-th, made up to `lanes` at once on connections of their
  // own (a curl multi handle, kept for the next batch), whose replies are taken with Next in
  // call order, whatever order they arrive in. Bodies are made only when their call starts,
  // and at most `lanes` replies are held at a time, so a large batch never sits in memory
  // whole. One batch at a time per client; the client must outlive it.
  class Batch {
   public:
    Batch(SoapClient& client, size_t count, std::function<std::string(size_t)> body_of,
          size_t lanes);
    ~Batch();  // drops the calls still in flight
    Batch(const Batch&) = delete;
    Batch& operator=(const Batch&) = delete;

    // The next reply into *result: ok, or the call's failure (a SOAP fault named in the
    // result, or a failed transfer), after which the batch is over. *done (and ok) once every
    // reply was taken.
    Status Next(SoapResult* result, bool* done);

   private:
    struct State;
    std::unique_ptr<State> state_;
  };

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

  SoapOptions options_;
  std::unique_ptr<Curl> curl_;
  std::string cookie_;
  std::string api_version_ = "6.5";
  uint64_t calls_ = 0;
  bool batch_open_ = false;  // one Batch at a time: they share the lanes
  uint32_t server_clock_ = 0;
  std::map<std::string, uint64_t> calls_by_method_;
};

}  // namespace zabitan::vsphere

#endif  // ZABITAN_VSPHERE_SOAP_CLIENT_H_
