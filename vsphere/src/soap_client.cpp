#include "zabitan/vsphere/soap_client.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cassert>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string_view>
#include <vector>

#include "soap_reply.h"
#include "zabitan/common/curl_easy.h"
#include "zabitan/common/log.h"

namespace zabitan::vsphere {
namespace {

constexpr std::string_view kCookieName = "vmware_soap_session";

// What the headers of a reply say that matters here.
struct Reply {
  std::string cookie;
  time_t date = 0;  // the reply's Date header: the endpoint's clock
};

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

struct MultiCleanup {
  void operator()(CURLM* m) const { curl_multi_cleanup(m); }
};

struct SoapClient::Curl {
  // Easy handles are removed from the multi handle as soon as their transfer ends, so the two
  // can be cleaned up in any order (members go in reverse: lanes first).
  std::unique_ptr<CURLM, MultiCleanup> multi;
  std::vector<curl::Easy> lanes;
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
  if (Status s = curl::GlobalInit(); !s.ok()) return s;
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
  curl::Slist headers;
  std::string body;
  curl::Body reply_body{&body, 0};
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

  curl::AppendHeader(&t->headers, "Content-Type: text/xml; charset=\"utf-8\"");
  curl::AppendHeader(&t->headers, "SOAPAction: \"urn:vim25/" + api_version_ + "\"");
  curl::AppendHeader(&t->headers, "Expect:");
  if (!cookie_.empty())
    curl::AppendHeader(&t->headers, "Cookie: " + std::string(kCookieName) + "=" + cookie_);
  t->reply_body.limit = options_.max_reply_bytes;
  curl::SetUpPost(h, {options_.url, t->headers.get(), t->envelope, &t->reply_body,
                      options_.connect_timeout, options_.timeout, options_.ca_file, t->error});
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t->reply);
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
}

Status SoapClient::Complete(void* h, int curl_code, Transfer* t, SoapResult* result) {
  const auto rc = static_cast<CURLcode>(curl_code);
  result->body = pugi::xml_node();
  if (Status s = curl::Result(rc, options_.url, t->reply_body, t->error); !s.ok()) return s;
  if (!t->reply.cookie.empty()) cookie_ = t->reply.cookie;
  if (t->reply.date > 0 && t->reply.date <= 0xffffffff)
    server_clock_ = static_cast<uint32_t>(t->reply.date);
  long http = 0;
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &http);
  Status s = ParseSoapReply(t->body, http, result);
  return s.ok() ? s : s.Prefixed(options_.url);
}

Status SoapClient::Call(std::string_view body, SoapResult* result) {
  Batch batch(
      *this, 1, [body](size_t) { return std::string(body); }, 1);
  bool done = false;
  return batch.Next(result, &done);
}

struct SoapClient::Batch::State {
  // One lane: an easy handle and the call it carries.
  struct Lane {
    CURL* handle = nullptr;
    size_t index = 0;
    bool busy = false;
    bool done = false;  // finished, waiting for its turn to be handed over in order
    CURLcode rc = CURLE_OK;
    std::unique_ptr<Transfer> transfer;  // curl points into it: never moved
  };

  SoapClient& client;
  size_t count;
  std::function<std::string(size_t)> body_of;
  std::vector<Lane> lanes;
  size_t next_call = 0, next_reply = 0;
  Status failed;  // the batch is over after a failure

  void Start(Lane& lane) {
    lane.index = next_call++;
    lane.transfer = std::make_unique<Transfer>();
    client.Prepare(lane.handle, body_of(lane.index), lane.transfer.get());
    lane.busy = true;
    lane.done = false;
    curl_multi_add_handle(client.curl_->multi.get(), lane.handle);
  }
};

SoapClient::Batch::Batch(SoapClient& client, size_t count,
                         std::function<std::string(size_t)> body_of, size_t lanes)
    : state_(std::make_unique<State>(client, count, std::move(body_of))) {
  assert(!client.batch_open_ && "one SoapClient::Batch at a time");
  client.batch_open_ = true;
  lanes = std::max<size_t>(1, std::min(lanes, count));
  // One multi handle for every call: its connections, TLS sessions and CA store are shared by
  // all lanes and kept from one call to the next.
  auto& handles = client.curl_->lanes;
  while (handles.size() < lanes) {
    handles.emplace_back(curl_easy_init());
    if (!handles.back()) {
      handles.pop_back();
      state_->failed = Status::Error("curl_easy_init failed");
      return;
    }
  }
  state_->lanes.resize(count == 0 ? 0 : lanes);
  for (size_t l = 0; l < state_->lanes.size(); ++l) state_->lanes[l].handle = handles[l].get();
  for (State::Lane& lane : state_->lanes) {
    if (state_->next_call < count) state_->Start(lane);
  }
}

SoapClient::Batch::~Batch() {
  for (State::Lane& lane : state_->lanes) {  // what is still in flight is dropped
    if (lane.busy && !lane.done)
      curl_multi_remove_handle(state_->client.curl_->multi.get(), lane.handle);
  }
  state_->client.batch_open_ = false;
}

Status SoapClient::Batch::Next(SoapResult* result, bool* done) {
  State& st = *state_;
  *done = false;
  if (!st.failed.ok()) return st.failed;
  if (st.next_reply == st.count) {
    *done = true;
    return Status::Ok();
  }
  CURLM* multi = st.client.curl_->multi.get();
  const std::string& url = st.client.options_.url;
  for (;;) {
    // Hand over the reply whose turn it is, and start the next call on its lane at once.
    for (State::Lane& lane : st.lanes) {
      if (!lane.busy || !lane.done || lane.index != st.next_reply) continue;
      Status s = st.client.Complete(lane.handle, lane.rc, lane.transfer.get(), result);
      lane.busy = false;
      ++st.next_reply;
      if (!s.ok()) {
        st.failed = s;
        return s;
      }
      if (st.next_call < st.count) st.Start(lane);
      return Status::Ok();
    }
    int running = 0;
    if (CURLMcode mc = curl_multi_perform(multi, &running); mc != CURLM_OK) {
      return st.failed = Status::Error(url + ": " + curl_multi_strerror(mc));
    }
    int queued = 0;
    bool finished = false;
    while (CURLMsg* msg = curl_multi_info_read(multi, &queued)) {
      if (msg->msg != CURLMSG_DONE) continue;
      for (State::Lane& lane : st.lanes) {
        if (lane.busy && lane.handle == msg->easy_handle) {
          lane.rc = msg->data.result;
          lane.done = true;
          finished = true;
          curl_multi_remove_handle(multi, lane.handle);
        }
      }
    }
    if (finished) continue;
    // Every transfer has its own CURLOPT_TIMEOUT_MS: this wait cannot outlast them.
    if (CURLMcode mc = curl_multi_poll(multi, nullptr, 0, 1000, nullptr); mc != CURLM_OK) {
      return st.failed = Status::Error(url + ": " + curl_multi_strerror(mc));
    }
  }
}

}  // namespace zabitan::vsphere
