// The libcurl Transport. One easy handle per transport, reset between requests so the
// connection (and TLS session) is reused; the setup shared with the vSphere client (owned
// handles, the POST, its limits and errors) is common's curl_easy.h.
#include <curl/curl.h>

#include "zabitan/common/curl_easy.h"
#include "zabitan/common/log.h"
#include "zabitan/zabbix_api/error.h"
#include "zabitan/zabbix_api/transport.h"

namespace zabitan::zabbix_api {
namespace {

class CurlTransport : public Transport {
 public:
  CurlTransport(HttpOptions options, curl::Easy handle)
      : options_(std::move(options)), handle_(std::move(handle)) {}

  Status Post(const std::string& body, long* http_status, std::string* reply) override {
    CURL* h = handle_.get();
    curl::Slist headers;
    for (const char* line : {"Content-Type: application/json-rpc", "Expect:"})
      curl::AppendHeader(&headers, line);
    if (!bearer().empty()) curl::AppendHeader(&headers, "Authorization: Bearer " + bearer());
    reply->clear();
    curl::Body sink{reply, options_.max_reply_bytes};
    char error[CURL_ERROR_SIZE] = "";
    curl::SetUpPost(h, {options_.url, headers.get(), body, &sink, options_.connect_timeout,
                        options_.timeout, options_.ca_file, error});
    // The API never redirects; a redirect would re-send the password elsewhere.
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);

    if (Status s = curl::Result(curl_easy_perform(h), options_.url, sink, error); !s.ok()) return s;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, http_status);
    return Status::Ok();
  }

 private:
  HttpOptions options_;
  curl::Easy handle_;
};

}  // namespace

Status NewCurlTransport(HttpOptions options, std::unique_ptr<Transport>* transport) {
  if (!options.url.starts_with("https://") && !options.url.starts_with("http://")) {
    return Status::Error("API URL \"" + options.url + "\" must start with https:// (or http://)",
                         Errc::kBadUrl);
  }
  if (options.url.starts_with("http://")) {
    log::Warning("API URL " + options.url + " is plain http: the password travels unencrypted");
  }
  if (Status s = curl::GlobalInit(); !s.ok()) return s;
  curl::Easy handle(curl_easy_init());
  if (!handle) return Status::Error("curl_easy_init failed");
  *transport = std::make_unique<CurlTransport>(std::move(options), std::move(handle));
  return Status::Ok();
}

}  // namespace zabitan::zabbix_api
