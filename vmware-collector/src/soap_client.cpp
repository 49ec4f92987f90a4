#include "zabitan/vsphere/soap_client.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string_view>
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
  time_t date = 0;  // the reply's Date header: the endpoint's clock
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

// The value of the header `name` (lower case, colon included) when `line` is that header, with
// the blanks after the colon skipped.
std::optional<std::string_view> HeaderValue(std::string_view line, std::string_view name) {
  if (line.size() <= name.size()) return std::nullopt;
  for (size_t i = 0; i < name.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(line[i])) != name[i]) return std::nullopt;
  }
  std::string_view v = line.substr(name.size());
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  return v;
}

// Picks "Set-Cookie: vmware_soap_session=VALUE; ..." and "Date: ..." out of the response headers.
size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  const std::string_view line(data, size * n);
  auto* reply = static_cast<Reply*>(user);
  if (auto v = HeaderValue(line, "date:"); v && v->size() < 128) {
    const time_t t = curl_getdate(std::string(*v).c_str(), nullptr);
    if (t > 0) reply->date = t;
  } else if (auto c = HeaderValue(line, "set-cookie:"); c && c->starts_with(kCookieName) &&
                                                        c->size() > kCookieName.size() &&
                                                        (*c)[kCookieName.size()] == '=') {
    std::string_view value = c->substr(kCookieName.size() + 1);
    reply->cookie = std::string(value.substr(0, value.find_first_of(";\r\n")));
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
    if (std::sscanf(hex.substr(i, 2).c_str(), "%2x", &v) != 1 ||
        !std::isxdigit(static_cast<unsigned char>(hex[i])) ||
        !std::isxdigit(static_cast<unsigned char>(hex[i + 1]))) {
      return false;
    }
    out->push_back(static_cast<unsigned char>(v));
  }
  return true;
}

}  // namespace

class CurlErrorCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "curl"; }
  std::string message(int code) const override {
    return curl_easy_strerror(static_cast<CURLcode>(code));
  }
};

const std::error_category& CurlCategory() {
  static const CurlErrorCategory category;
  return category;
}

struct MultiCleanup {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};

struct SoapClient::Curl {
  // Easy handles are removed from the multi handle as soon as their transfer ends, so the two
  // can be cleaned up in any order (members go in reverse: lanes first).
  std::unique_ptr<CURLM, MultiCleanup> multi;
  std::vector<std::unique_ptr<CURL, CurlCleanup>> lanes;
  std::vector<unsigned char> pin;  // SHA-256 of the pinned certificate
};

SoapClient::SoapClient(Passkey) : curl_(std::make_unique<Curl>()) {}
SoapClient::~SoapClient() = default;

Status SoapClient::Create(SoapOptions options, std::unique_ptr<SoapClient>* client) {
  if (!options.url.starts_with("https://") && !options.url.starts_with("http://")) {
    return Status::Error("vSphere URL \"" + options.url +
                         "\" must start with https:// (or http://)");
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
  c->curl_->multi.reset(curl_multi_init());
  if (!c->curl_->multi) return Status::Error("curl_multi_init failed");
  *client = std::move(c);
  return Status::Ok();
}

// One transfer of a call: the request, the reply as it arrives, and the handle doing it.
struct SoapClient::Transfer {
  std::string envelope;
  std::unique_ptr<curl_slist, SlistCleanup> headers;
  Reply reply;
  char error[CURL_ERROR_SIZE] = "";
};

void SoapClient::Prepare(void* h, std::string_view body, Transfer* t) {
  ++calls_;
  // The method is the body's first element: "<QueryPerf xmlns=...".
  std::string_view method = body.substr(body.starts_with('<') ? 1 : 0);
  ++calls_by_method_[std::string(
      method.substr(0, std::min(method.find_first_of(" >/"), size_t{64})))];
  t->envelope = R"(<?xml version="1.0" encoding="UTF-8"?>)"
                R"(<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" )"
                R"(xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>)";
  t->envelope.append(body);
  t->envelope.append("</soapenv:Body></soapenv:Envelope>");

  curl_easy_reset(h);  // keeps the connection (and TLS session) alive between calls
  auto add = [t](const std::string& line) {
    t->headers.reset(curl_slist_append(t->headers.release(), line.c_str()));
  };
  add("Content-Type: text/xml; charset=\"utf-8\"");
  add("SOAPAction: \"urn:vim25/" + api_version_ + "\"");
  add("Expect:");
  if (!cookie_.empty()) add("Cookie: " + std::string(kCookieName) + "=" + cookie_);
  t->reply.limit = options_.max_reply_bytes;
  curl_easy_setopt(h, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, t->headers.get());
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, t->envelope.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(t->envelope.size()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t->reply);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t->reply);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.timeout.count()));
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");  // gzip when the server offers it
  if (!options_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (!curl_->pin.empty()) {
    // The fingerprint is the identity: the certificate's names need not match the URL.
    curl_easy_setopt(h, CURLOPT_SSL_CTX_FUNCTION, InstallPin);
    curl_easy_setopt(h, CURLOPT_SSL_CTX_DATA, &curl_->pin);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
    // No CA store either: the pin decides alone, and parsing the system's ~140 CAs for every
    // connection cost more CPU than the whole collection (a context callback disables curl's
    // CA cache).
    curl_easy_setopt(h, CURLOPT_CAINFO, nullptr);
    curl_easy_setopt(h, CURLOPT_CAPATH, nullptr);
  } else if (options_.insecure) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t->error);
}

Status SoapClient::Complete(void* h, int curl_code, Transfer* t, SoapResult* result) {
  const auto rc = static_cast<CURLcode>(curl_code);
  result->fault.clear();
  result->body = pugi::xml_node();
  if (t->reply.too_big) {
    return Status::Error(options_.url + ": reply larger than " + std::to_string(t->reply.limit) +
                         " bytes");
  }
  if (rc != CURLE_OK) {
    return Status::Error(options_.url + ": " + (t->error[0] ? t->error : curl_easy_strerror(rc)),
                         std::error_code(rc, CurlCategory()));
  }
  if (!t->reply.cookie.empty()) cookie_ = t->reply.cookie;
  if (t->reply.date > 0 && t->reply.date <= 0xffffffff)
    server_clock_ = static_cast<uint32_t>(t->reply.date);
  long http = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http);
  Status s = ParseSoapReply(t->reply.body, http, result);
  return s.ok() ? s : s.Prefixed(options_.url);
}

Status SoapClient::Call(std::string_view body, SoapResult* result) {
  return Run(
      1, [body](size_t) { return std::string(body); }, 1,
      [](size_t, Status s, SoapResult&) { return s; }, result);
}

Status SoapClient::CallEach(size_t count, const std::function<std::string(size_t)>& body_of,
                            size_t lanes,
                            const std::function<Status(size_t, SoapResult&)>& on_reply) {
  return Run(
      count, body_of, lanes,
      [&on_reply](size_t i, Status s, SoapResult& r) { return s.ok() ? on_reply(i, r) : s; },
      nullptr);
}

Status SoapClient::Run(size_t count, const std::function<std::string(size_t)>& body_of,
                       size_t lanes,
                       const std::function<Status(size_t, Status, SoapResult&)>& on_reply,
                       SoapResult* result) {
  if (count == 0) return Status::Ok();
  lanes = std::max<size_t>(1, std::min(lanes, count));
  // One multi handle for every call: its connections, TLS sessions and CA store are shared by
  // all lanes and kept from one call to the next.
  while (curl_->lanes.size() < lanes) {
    curl_->lanes.emplace_back(curl_easy_init());
    if (!curl_->lanes.back()) {
      curl_->lanes.pop_back();
      return Status::Error("curl_easy_init failed");
    }
  }
  CURLM* multi = curl_->multi.get();
  struct Lane {
    CURL* handle = nullptr;
    size_t index = 0;
    bool busy = false;
    bool done = false;  // finished, waiting for its turn to be handed over in order
    CURLcode rc = CURLE_OK;
    Transfer transfer;
  };
  std::vector<Lane> slots(lanes);
  for (size_t l = 0; l < lanes; ++l) slots[l].handle = curl_->lanes[l].get();
  size_t next_call = 0, next_reply = 0;
  Status failed = Status::Ok();
  // Calls run `lanes` at a time; replies are handed over in call order, so a call is started
  // only while it is within `lanes` of the oldest unanswered one (what is buffered stays small).
  auto start = [&](Lane& lane) {
    lane.index = next_call++;
    lane.transfer = Transfer{};
    Prepare(lane.handle, body_of(lane.index), &lane.transfer);
    lane.busy = true;
    lane.done = false;
    curl_multi_add_handle(multi, lane.handle);
  };
  for (Lane& lane : slots) {
    if (next_call < count) start(lane);
  }
  while (next_reply < count) {
    int running = 0;
    if (CURLMcode mc = curl_multi_perform(multi, &running); mc != CURLM_OK) {
      failed = Status::Error(options_.url + ": " + curl_multi_strerror(mc));
      break;
    }
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      for (Lane& lane : slots) {
        if (lane.busy && lane.handle == msg->easy_handle) {
          lane.rc = msg->data.result;
          lane.done = true;
          curl_multi_remove_handle(multi, lane.handle);
        }
      }
    }
    // Hand over every reply whose turn it is, and start the next calls on the freed lanes.
    for (bool progress = true; progress && failed.ok();) {
      progress = false;
      for (Lane& lane : slots) {
        if (!lane.busy || !lane.done || lane.index != next_reply) continue;
        SoapResult own;
        SoapResult& r =
            result != nullptr ? *result : own;  // a parsed reply points into itself: not moved
        Status s = Complete(lane.handle, lane.rc, &lane.transfer, &r);
        failed = on_reply(lane.index, std::move(s), r);
        lane.busy = false;
        ++next_reply;
        progress = true;
        if (failed.ok() && next_call < count) start(lane);
      }
    }
    if (!failed.ok()) break;
    if (next_reply < count) {
      // Every transfer has its own CURLOPT_TIMEOUT_MS: this wait cannot outlast them.
      if (CURLMcode mc = curl_multi_poll(multi, nullptr, 0, 1000, nullptr); mc != CURLM_OK) {
        failed = Status::Error(options_.url + ": " + curl_multi_strerror(mc));
        break;
      }
    }
  }
  for (Lane& lane : slots) {  // after a failure: drop what is still in flight
    if (lane.busy && !lane.done) curl_multi_remove_handle(multi, lane.handle);
  }
  return failed;
}

}  // namespace zabitan::vsphere
