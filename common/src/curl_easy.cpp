#include "zabitan/common/curl_easy.h"

namespace zabitan::curl {
namespace {

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* body = static_cast<Body*>(user);
  if (body->text->size() + size * n > body->limit) {
    body->too_big = true;
    return 0;  // aborts the transfer
  }
  body->text->append(data, size * n);
  return size * n;
}

class CurlErrorCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "curl"; }
  std::string message(int code) const override {
    return curl_easy_strerror(static_cast<CURLcode>(code));
  }
};

}  // namespace

Status GlobalInit() {
  static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
  return global == CURLE_OK ? Status::Ok() : Status::Error("curl_global_init failed");
}

const std::error_category& ErrorCategory() {
  static const CurlErrorCategory category;
  return category;
}

void AppendHeader(Slist* headers, const std::string& line) {
  headers->reset(curl_slist_append(headers->release(), line.c_str()));
}

void SetUpPost(CURL* h, const Post& p) {
  curl_easy_reset(h);  // keeps the connection (and TLS session) alive between calls
  curl_easy_setopt(h, CURLOPT_URL, p.url.data());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, p.headers);
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, p.body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(p.body.size()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, p.reply);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(p.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(p.timeout.count()));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // gzip when the server offers it
  if (!p.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, p.ca_file.data());
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, p.error);
}

Status Result(CURLcode code, const std::string& url, const Body& reply, const char* error) {
  if (reply.too_big) {
    return Status::Error(url + ": reply larger than " + std::to_string(reply.limit) + " bytes");
  }
  if (code != CURLE_OK) {
    return Status::Error(url + ": " + (error[0] ? error : curl_easy_strerror(code)),
                         std::error_code(code, ErrorCategory()));
  }
  return Status::Ok();
}

}  // namespace zabitan::curl
