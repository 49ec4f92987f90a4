#include "zabitan/vsphere/soap_client.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cctype>
#include <cstdio>
#include <cstring>
#include <vector>

#include "zabitan/common/log.h"
#include "zabitan/vsphere/replies.h"

namespace zabitan::vsphere {
namespace {

constexpr std::string_view kCookieName = "vmware_soap_session";

struct CurlCleanup {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistCleanup {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct Reply {
  std::string body;
  std::string cookie;
  size_t limit;
  bool too_big = false;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* r = static_cast<Reply*>(user);
  if (r->body.size() + size * n > r->limit) {
    r->too_big = true;
    return 0;  // aborts the transfer
  }
  r->body.append(data, size * n);
  return size * n;
}

// Picks "Set-Cookie: vmware_soap_session=VALUE; ..." out of the response headers.
size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  std::string_view line(data, size * n);
  constexpr std::string_view kSetCookie = "set-cookie:";
  if (line.size() > kSetCookie.size()) {
    std::string head(line.substr(0, kSetCookie.size()));
    for (char& c : head) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (head == kSetCookie) {
      std::string_view v = line.substr(kSetCookie.size());
      while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
      if (v.starts_with(kCookieName) && v.size() > kCookieName.size() && v[kCookieName.size()] == '=') {
        v.remove_prefix(kCookieName.size() + 1);
        size_t end = v.find_first_of(";\r\n");
        static_cast<Reply*>(user)->cookie = std::string(v.substr(0, end));
      }
    }
  }
  return size * n;
}

// Pinning: the server's own certificate must have this SHA-256 fingerprint; the chain and the
// name do not matter (that is the point of pinning a self-signed certificate).
int VerifyPinned(X509_STORE_CTX* store, void* arg) {
  const auto* expected = static_cast<const std::vector<unsigned char>*>(arg);
  X509* cert = X509_STORE_CTX_get0_cert(store);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (cert == nullptr || X509_digest(cert, EVP_sha256(), digest, &len) != 1) return 0;
  return len == expected->size() && std::memcmp(digest, expected->data(), len) == 0 ? 1 : 0;
}

CURLcode InstallPin(CURL*, void* ssl_ctx, void* arg) {
  SSL_CTX_set_cert_verify_callback(static_cast<SSL_CTX*>(ssl_ctx), VerifyPinned, arg);
  return CURLE_OK;
}

bool ParseThumbprint(const std::string& text, std::vector<unsigned char>* out) {
  std::string hex;
  for (char c : text) {
    if (c != ':') hex += c;
  }
  if (hex.size() != 64) return false;
  out->clear();
  for (size_t i = 0; i < hex.size(); i += 2) {
    unsigned v = 0;
    if (std::sscanf(hex.substr(i, 2).c_str(), "%2x", &v) != 1 || !std::isxdigit(static_cast<unsigned char>(hex[i])) ||
        !std::isxdigit(static_cast<unsigned char>(hex[i + 1]))) {
      return false;
    }
    out->push_back(static_cast<unsigned char>(v));
  }
  return true;
}

}  // namespace

struct SoapClient::Curl {
  std::unique_ptr<CURL, CurlCleanup> handle;
  std::vector<unsigned char> pin;  // SHA-256 of the pinned certificate
};

SoapClient::SoapClient(Passkey) : curl_(std::make_unique<Curl>()) {}
SoapClient::~SoapClient() = default;

Status SoapClient::Create(SoapOptions options, std::unique_ptr<SoapClient>* client) {
  if (!options.url.starts_with("https://") && !options.url.starts_with("http://")) {
    return Status::Error("vSphere URL \"" + options.url + "\" must start with https:// (or http://)");
  }
  if (options.url.starts_with("http://")) {
    log::Warning("vSphere URL " + options.url + " is plain http: credentials travel unencrypted");
  }
  static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (global != CURLE_OK) return Status::Error("curl_global_init failed");
  auto c = std::make_unique<SoapClient>(Passkey{});
  if (!options.thumbprint.empty() && !ParseThumbprint(options.thumbprint, &c->curl_->pin)) {
    return Status::Error("--thumbprint \"" + options.thumbprint +
                         "\": expected a SHA-256 fingerprint (64 hex digits, colons optional)");
  }
  if (options.insecure) {
    // Shown at every verbosity: this is a choice the admin must keep seeing.
    log::Error("--insecure: the certificate of " + options.url +
               " is not checked; anyone on the path can read the password");
  }
  c->options_ = std::move(options);
  c->curl_->handle.reset(curl_easy_init());
  if (!c->curl_->handle) return Status::Error("curl_easy_init failed");
  *client = std::move(c);
  return Status::Ok();
}

Status SoapClient::Call(std::string_view body, SoapResult* result) {
  ++calls_;
  result->fault.clear();
  result->body = pugi::xml_node();
  std::string envelope =
      R"(<?xml version="1.0" encoding="UTF-8"?>)"
      R"(<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" )"
      R"(xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>)";
  envelope.append(body);
  envelope.append("</soapenv:Body></soapenv:Envelope>");

  CURL* h = curl_->handle.get();
  curl_easy_reset(h);  // keeps the connection (and TLS session) alive between calls
  std::unique_ptr<curl_slist, SlistCleanup> headers;
  auto add = [&headers](const std::string& line) {
    headers.reset(curl_slist_append(headers.release(), line.c_str()));
  };
  add("Content-Type: text/xml; charset=\"utf-8\"");
  add("SOAPAction: \"urn:vim25/" + api_version_ + "\"");
  add("Expect:");
  if (!cookie_.empty()) add("Cookie: " + std::string(kCookieName) + "=" + cookie_);
  Reply reply;
  reply.limit = options_.max_reply_bytes;
  curl_easy_setopt(h, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, envelope.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(envelope.size()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &reply);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // gzip when the server offers it
  if (!options_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (!curl_->pin.empty()) {
    // The fingerprint is the identity: the certificate's names need not match the URL.
    curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, InstallPin);
    curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, &curl_->pin);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  } else if (options_.insecure) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);

  CURLcode rc = curl_easy_perform(h);
  if (reply.too_big) {
    return Status::Error(options_.url + ": reply larger than " + std::to_string(reply.limit) + " bytes");
  }
  if (rc != CURLE_OK) {
    return Status::Error(options_.url + ": " + (error[0] ? error : curl_easy_strerror(rc)));
  }
  if (!reply.cookie.empty()) cookie_ = reply.cookie;
  long http = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http);

  Status s = ParseSoapReply(reply.body, http, result);
  return s.ok() ? s : s.Prefixed(options_.url);
}

}  // namespace zabitan::vsphere
