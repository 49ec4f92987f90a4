// The libcurl Transport. One easy handle per transport, reset between requests so the
// connection (and TLS session) is reused; every handle and header list is owned by a
// unique_ptr with its libcurl deleter.
#include <curl/curl.h>

#include "zabitan/common/log.h"
#include "zabitan/zabbix_api/error.h"
#include "zabitan/zabbix_api/transport.h"

namespace zabitan::zabbix_api {
namespace {

struct CurlCleanup {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistCleanup {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct Sink {
  std::string* body;
  size_t limit;
  bool too_big = false;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  if (sink->body->size() + size * n > sink->limit) {
    sink->too_big = true;
    return 0;  // aborts the transfer
  }
  sink->body->append(data, size * n);
  return size * n;
}

class CurlTransport : public Transport {
 public:
  CurlTransport(HttpOptions options, std::unique_ptr<CURL, CurlCleanup> handle)
      : options_(std::move(options)), handle_(std::move(handle)) {}

  Status Post(const std::string& body, long* http_status, std::string* reply) override {
    CURL* h = handle_.get();
    curl_easy_reset(h);
    std::unique_ptr<curl_slist, SlistCleanup> headers;
    for (const char* line : {"Content-Type: application/json-rpc", "Expect:"}) {
      headers.reset(curl_slist_append(headers.release(), line));
    }
    if (!bearer().empty()) {
      const std::string line = "Authorization: Bearer " + bearer();
      headers.reset(curl_slist_append(headers.release(), line.c_str()));
    }
    reply->clear();
    Sink sink{reply, options_.max_reply_bytes};
    curl_easy_setopt(h, CURLOPT_URL, options_.url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(options_.connect_timeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    // The API never redirects; a redirect would re-send the password elsewhere.
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    if (!options_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
    char error[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);

    CURLcode rc = curl_easy_perform(h);
    if (sink.too_big) {
      return Status::Error(options_.url + ": reply larger than " + std::to_string(sink.limit) +
                           " bytes");
    }
    if (rc != CURLE_OK)
      return Status::Error(options_.url + ": " + (error[0] ? error : curl_easy_strerror(rc)));
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, http_status);
    return Status::Ok();
  }

 private:
  HttpOptions options_;
  std::unique_ptr<CURL, CurlCleanup> handle_;
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
  static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (global != CURLE_OK) return Status::Error("curl_global_init failed");
  std::unique_ptr<CURL, CurlCleanup> handle(curl_easy_init());
  if (!handle) return Status::Error("curl_easy_init failed");
  *transport = std::make_unique<CurlTransport>(std::move(options), std::move(handle));
  return Status::Ok();
}

}  // namespace zabitan::zabbix_api
