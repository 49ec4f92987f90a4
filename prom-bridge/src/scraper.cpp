// zabitan — one scrape through libcurl (scraper.h).
//
// The body goes from libcurl's write callback straight into the Parser; a breach (body size,
// parse error) returns 0 from the callback, which makes libcurl abort the transfer at once.
// With a PROXY header the connection is ours: libcurl's open-socket callback connects each
// address it would try (with our own per-address deadline), writes the header, and hands the
// connected socket over (CURL_SOCKOPT_ALREADY_CONNECTED); returning CURL_SOCKET_BAD makes it go
// on to the next address. One path for both versions, so v1 and v2 are tested the same way.
#include "zabitan/prom_bridge/scraper.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "zabitan/common/printable.h"
#include "zabitan/common/secret_file.h"
#include "zabitan/common/unique_fd.h"
#include "zabitan/prom_bridge/proxy_protocol.h"

namespace zabitan::prom_bridge {

const char* const kAcceptHeader =
    "Accept: application/openmetrics-text;version=1.0.0;q=0.9,"
    "text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

namespace {

constexpr size_t kErrorBodyBytes = 200;  // of a non-200 reply, for its message
constexpr const char* kDefaultPath = "/metrics";

struct CurlCleanup {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistCleanup {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

struct Transfer {
  Transfer(const TargetOptions* t, const ParseLimits* l, Sink* s) : target(t), limits(l), sink(s) {}
  const TargetOptions* target;
  const ParseLimits* limits;
  Sink* sink;
  std::unique_ptr<Parser> parser;
  Format format = Format::kText004;
  std::string content_type;
  long status = 0;
  uint64_t body = 0;
  std::string error_body;
  ScrapeCode abort_code = ScrapeCode::kOk;  // why a callback stopped the transfer
  std::string abort_message;
  std::string connect_errors;  // PROXY path: each address that failed, and why
};

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

std::string_view Trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() &&
         (s.back() == '\r' || s.back() == '\n' || s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

size_t OnHeader(char* data, size_t size, size_t n, void* p) {
  auto* t = static_cast<Transfer*>(p);
  std::string_view line(data, size * n);
  if (line.starts_with("HTTP/")) {  // a new response (after 100 Continue, say)
    t->content_type.clear();
    size_t sp = line.find(' ');
    t->status =
        sp == std::string_view::npos ? 0 : std::atol(std::string(line.substr(sp + 1, 3)).c_str());
  } else if (StartsWithNoCase(line, "content-type:")) {
    t->content_type = std::string(Trimmed(line.substr(13)));
  }
  return size * n;
}

// The format the reply's Content-Type names (0.0.4 for anything but OpenMetrics).
void StartParser(Transfer* t) {
  t->format = StartsWithNoCase(t->content_type, "application/openmetrics-text")
                  ? Format::kOpenMetrics
                  : Format::kText004;
  t->parser = std::make_unique<Parser>(t->format, *t->limits, t->sink);
}

size_t OnBody(char* data, size_t size, size_t n, void* p) {
  auto* t = static_cast<Transfer*>(p);
  size_t len = size * n;
  t->body += len;
  if (t->body > t->target->max_body_bytes) {
    t->abort_code = ScrapeCode::kBodyTooLarge;
    t->abort_message = "body larger than " + std::to_string(t->target->max_body_bytes) + " bytes";
    return 0;
  }
  if (t->status != 200) {
    t->error_body.append(
        data, std::min(len, kErrorBodyBytes - std::min(kErrorBodyBytes, t->error_body.size())));
    return len;
  }
  if (!t->parser) StartParser(t);
  const ParseResult& r = t->parser->Feed(std::string_view(data, len));
  if (!r.ok()) {
    t->abort_code = ScrapeCode::kParse;
    return 0;
  }
  return len;
}

std::string AddressString(const sockaddr* a) {
  char text[INET6_ADDRSTRLEN] = "?";
  if (a->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(a)->sin6_addr, text, sizeof text);
    return "[" + std::string(text) +
           "]:" + std::to_string(ntohs(reinterpret_cast<const sockaddr_in6*>(a)->sin6_port));
  }
  inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(a)->sin_addr, text, sizeof text);
  return std::string(text) + ":" +
         std::to_string(ntohs(reinterpret_cast<const sockaddr_in*>(a)->sin_port));
}

// Waits until `fd` is ready for `events` or `ms` pass; false on timeout or error.
bool WaitFor(int fd, short events, int ms) {
  pollfd pfd{fd, events, 0};
  int rc;
  do {
    rc = poll(&pfd, 1, ms);
  } while (rc < 0 && errno == EINTR);
  return rc > 0;
}

// Connects to one address, then writes the PROXY header on it (the PROXY path only).
curl_socket_t OpenWithProxyHeader(void* p, curlsocktype purpose, curl_sockaddr* a) {
  auto* t = static_cast<Transfer*>(p);
  if (purpose != CURLSOCKTYPE_IPCXN) return CURL_SOCKET_BAD;
  const sockaddr* peer = &a->addr;
  std::string where = AddressString(peer);
  auto failed = [&](const std::string& why) {
    t->connect_errors += (t->connect_errors.empty() ? "" : "; ") + where + ": " + why;
    return CURL_SOCKET_BAD;
  };
  UniqueFd fd(socket(a->family, a->socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->protocol));
  if (!fd) return failed(std::strerror(errno));
  int ms = static_cast<int>(t->target->connect_timeout.count());
  if (connect(fd.get(), peer, a->addrlen) != 0) {
    if (errno != EINPROGRESS) return failed(std::strerror(errno));
    if (!WaitFor(fd.get(), POLLOUT, ms)) return failed("connect timed out");
    int err = 0;
    socklen_t err_len = sizeof err;
    getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &err_len);
    if (err != 0) return failed(std::strerror(err));
  }
  sockaddr_storage local{};
  socklen_t local_len = sizeof local;
  if (getsockname(fd.get(), reinterpret_cast<sockaddr*>(&local), &local_len) != 0)
    return failed(std::strerror(errno));
  std::string header =
      ProxyHeader(t->target->proxy_protocol, reinterpret_cast<sockaddr*>(&local), peer);
  if (header.empty()) return failed("no PROXY header for this address family");
  for (size_t sent = 0; sent < header.size();) {
    if (!WaitFor(fd.get(), POLLOUT, ms)) return failed("sending the PROXY header timed out");
    ssize_t w = send(fd.get(), header.data() + sent, header.size() - sent, MSG_NOSIGNAL);
    if (w < 0 && errno != EAGAIN && errno != EINTR) return failed(std::strerror(errno));
    if (w > 0) sent += static_cast<size_t>(w);
  }
  return fd.release();
}

int AlreadyConnected(void*, curl_socket_t, curlsocktype) { return CURL_SOCKOPT_ALREADY_CONNECTED; }

ScrapeCode CodeOf(CURLcode rc) {
  switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
      return ScrapeCode::kConnect;
    case CURLE_OPERATION_TIMEDOUT:
      return ScrapeCode::kTimeout;
    case CURLE_FILESIZE_EXCEEDED:
      return ScrapeCode::kBodyTooLarge;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
      return ScrapeCode::kTls;
    default:
      return ScrapeCode::kTransfer;
  }
}

// A secret from a file only its owner can read, without its line end.
bool ReadSecret(const TargetOptions& target, const std::string& path, std::string* secret,
                ScrapeResult* result) {
  Status s = ReadSecretFile(path, secret);
  if (!s.ok()) {
    result->code = ScrapeCode::kSecret;
    result->message = Printable(target.url, 200) + ": " + s.message();
    return false;
  }
  *secret = std::string(Trimmed(*secret));
  return true;
}

}  // namespace

std::string_view ScrapeCodeName(ScrapeCode code) {
  switch (code) {
    case ScrapeCode::kOk:
      return "ok";
    case ScrapeCode::kBadTarget:
      return "bad-target";
    case ScrapeCode::kSecret:
      return "secret";
    case ScrapeCode::kConnect:
      return "connect";
    case ScrapeCode::kTls:
      return "tls";
    case ScrapeCode::kHttpStatus:
      return "http-status";
    case ScrapeCode::kTimeout:
      return "timeout";
    case ScrapeCode::kBodyTooLarge:
      return "body-too-large";
    case ScrapeCode::kParse:
      return "parse";
    case ScrapeCode::kTransfer:
      return "transfer";
  }
  return "unknown";
}

ScrapeResult Scrape(const TargetOptions& target, const ParseLimits& limits, Sink* sink) {
  ScrapeResult result;
  auto fail = [&](ScrapeCode code, const std::string& why) {
    result.code = code;
    result.message = Printable(target.url, 200) + ": " + why;
    return result;
  };
  static const CURLcode global = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (global != CURLE_OK) return fail(ScrapeCode::kTransfer, "curl_global_init failed");

  // unix:SOCKET[:/PATH] — the last ":/" separates the HTTP path.
  std::string url = target.url, socket_path;
  if (url.starts_with("unix:")) {
    std::string rest = url.substr(5);
    size_t split = rest.rfind(":/");
    socket_path = split == std::string::npos ? rest : rest.substr(0, split);
    url = "http://localhost" +
          (split == std::string::npos ? std::string(kDefaultPath) : rest.substr(split + 1));
    if (!socket_path.starts_with("/"))
      return fail(ScrapeCode::kBadTarget, "a Unix socket needs an absolute path");
    if (target.proxy_protocol)
      return fail(ScrapeCode::kBadTarget, "no PROXY header on a Unix socket");
  } else if (!url.starts_with("http://") && !url.starts_with("https://")) {
    return fail(ScrapeCode::kBadTarget, "not an http://, https:// or unix: target");
  }
  if (target.proxy_protocol != 0 && target.proxy_protocol != 1 && target.proxy_protocol != 2) {
    return fail(ScrapeCode::kBadTarget, "PROXY protocol version must be 1 or 2");
  }
  std::string password, token;
  if (!target.password_file.empty() &&
      !ReadSecret(target, target.password_file, &password, &result))
    return result;
  if (!target.bearer_token_file.empty() &&
      !ReadSecret(target, target.bearer_token_file, &token, &result))
    return result;

  std::unique_ptr<CURL, CurlCleanup> curl(curl_easy_init());
  if (!curl) return fail(ScrapeCode::kTransfer, "curl_easy_init failed");
  CURL* h = curl.get();
  std::unique_ptr<curl_slist, SlistCleanup> headers, pins;
  auto add = [](std::unique_ptr<curl_slist, SlistCleanup>* list, const std::string& line) {
    list->reset(curl_slist_append(list->release(), line.c_str()));
  };
  add(&headers, kAcceptHeader);
  add(&headers,
      "X-Prometheus-Scrape-Timeout-Seconds: " + std::to_string(target.timeout.count() / 1000.0));
  if (!token.empty()) add(&headers, "Authorization: Bearer " + token);
  for (const std::string& r : target.resolve) add(&pins, r);

  Transfer t(&target, &limits, sink);
  char error[CURL_ERROR_SIZE] = "";
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(h, CURLOPT_USERAGENT, "zabitan-prom");
  curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "gzip");
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(target.timeout.count()));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(target.connect_timeout.count()));
  curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(target.max_body_bytes));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, OnBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &t);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  if (!socket_path.empty()) curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, socket_path.c_str());
  if (pins) curl_easy_setopt(h, CURLOPT_RESOLVE, pins.get());
  if (!target.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, target.ca_file.c_str());
  if (!target.cert_file.empty()) curl_easy_setopt(h, CURLOPT_SSLCERT, target.cert_file.c_str());
  if (!target.key_file.empty()) curl_easy_setopt(h, CURLOPT_SSLKEY, target.key_file.c_str());
  if (target.insecure) {
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (!target.username.empty()) {
    curl_easy_setopt(h, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(h, CURLOPT_USERNAME, target.username.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, password.c_str());
  }
  if (target.proxy_protocol) {
    curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, OpenWithProxyHeader);
    curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, &t);
    curl_easy_setopt(h, CURLOPT_SOCKOPTFUNCTION, AlreadyConnected);
  }

  CURLcode rc = curl_easy_perform(h);
  result.http_status = t.status;
  result.body_bytes = t.body;
  curl_off_t wire = 0;
  if (curl_easy_getinfo(h, CURLINFO_SIZE_DOWNLOAD_T, &wire) == CURLE_OK)
    result.wire_bytes = static_cast<uint64_t>(wire);
  result.format = t.format;
  // libcurl's PRIMARY_IP holds a Unix socket's path cut to the length of an IPv6 address.
  if (const char* ip = nullptr;
      socket_path.empty() && curl_easy_getinfo(h, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip) {
    result.peer = ip;
  } else {
    result.peer = socket_path;
  }
  if (t.parser) result.series = t.parser->series();
  if (t.abort_code == ScrapeCode::kParse) {
    result.parse_code = t.parser->Finish().code;
    return fail(ScrapeCode::kParse, t.parser->Finish().message);
  }
  if (t.abort_code != ScrapeCode::kOk) return fail(t.abort_code, t.abort_message);
  if (rc != CURLE_OK) {
    std::string why = error[0] ? error : curl_easy_strerror(rc);
    if (!socket_path.empty() && rc == CURLE_COULDNT_CONNECT)
      why = "cannot connect to the Unix socket " + socket_path;
    if (!t.connect_errors.empty()) why += " (" + t.connect_errors + ")";
    return fail(CodeOf(rc), Printable(why, 400));
  }
  if (t.status != 200) {
    return fail(ScrapeCode::kHttpStatus, "HTTP status " + std::to_string(t.status) + ": \"" +
                                             Printable(Trimmed(t.error_body), kErrorBodyBytes) +
                                             "\"");
  }
  if (!t.parser) StartParser(&t);  // an empty body
  result.format = t.format;
  const ParseResult& r = t.parser->Finish();
  result.series = t.parser->series();
  if (!r.ok()) {
    result.parse_code = r.code;
    return fail(ScrapeCode::kParse, r.message);
  }
  return result;
}

}  // namespace zabitan::prom_bridge
