// zabitan — Transport: how a JSON-RPC request reaches the Zabbix API (an HTTP POST).
//
// ApiClient speaks through this interface, so tests can put a scripted server behind it
// (no network); NewCurlTransport gives the real one: libcurl, one kept-alive handle,
// TLS verified against the system CAs or --ca-file, plain http:// only when the URL says so.
// Not thread-safe: one transport per thread of calls.
//
// Example:
//   std::unique_ptr<zabitan::zabbix_api::Transport> http;
//   zabitan::Status s =
//       zabitan::zabbix_api::NewCurlTransport({.url = "https://zbx/api_jsonrpc.php"}, &http);
//   long status = 0;
//   std::string reply;
//   if (s.ok())
//     s = http->Post(R"({"jsonrpc":"2.0","method":"apiinfo.version","params":[],"id":1})",
//                    &status, &reply);
#ifndef ZABITAN_ZABBIX_API_TRANSPORT_H_
#define ZABITAN_ZABBIX_API_TRANSPORT_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "zabitan/common/status.h"

namespace zabitan::zabbix_api {

class Transport {
 public:
  virtual ~Transport() = default;

  // POSTs `body` as application/json-rpc. Returns ok with *http_status and *reply set when an
  // HTTP exchange took place (whatever the status); an error naming the URL when none did
  // (connect, TLS, timeout, a reply over the size limit).
  virtual Status Post(const std::string& body, long* http_status, std::string* reply) = 0;

  // From Zabbix 6.4 the session or token goes in an "Authorization: Bearer" header (the body's
  // "auth" is deprecated, and gone in 7.2); empty: no header.
  void set_bearer(std::string token) { bearer_ = std::move(token); }
  const std::string& bearer() const { return bearer_; }

 private:
  std::string bearer_;
};

struct HttpOptions {
  std::string url;      // https://zabbix.example.com/api_jsonrpc.php
  std::string ca_file;  // extra CA bundle (PEM); the system CAs otherwise
  std::chrono::milliseconds connect_timeout{10000};
  // Per request: a configuration.import of the VMware templates takes a few seconds on a busy
  // server, so this is generous.
  std::chrono::milliseconds timeout{300000};
  size_t max_reply_bytes = 64u << 20;
};

// A libcurl transport. Fails on a URL that is neither https:// nor http:// (http:// is accepted
// with a warning: the password would travel in clear).
Status NewCurlTransport(HttpOptions options, std::unique_ptr<Transport>* transport);

}  // namespace zabitan::zabbix_api

#endif  // ZABITAN_ZABBIX_API_TRANSPORT_H_
