// zabitan — scraping one Prometheus target: HTTP(S) through libcurl, or HTTP over a Unix socket,
// the body streamed into the parser (parser.h) as it arrives, never held whole.
//
// Every address a name resolves to is tried in turn (IPv6 and IPv4; libcurl's happy eyeballs),
// within one deadline for the whole scrape. TLS is verified unless `insecure` is set. Secrets
// (basic-auth password, bearer token) are read from files only their owner can read
// (common/secret_file.h). The response is negotiated: OpenMetrics 1.0 preferred, then the text
// format 0.0.4; gzip is accepted. Bounds: the body (after decompression), the time, and the
// parser's (ParseLimits). Thread-compatible: one Scrape per thread at a time is safe.
//
// Example:
//   namespace zp = zabitan::prom_bridge;
//   struct Count : zp::Sink {
//     size_t samples = 0;
//     void OnSample(const zp::Family&, const zp::Sample&) override { ++samples; }
//   } sink;
//   zabitan::prom_bridge::TargetOptions t;
//   t.url = "unix:/run/node_exporter.sock:/metrics";
//   zabitan::prom_bridge::ScrapeResult r = zabitan::prom_bridge::Scrape(t, {}, &sink);
//   if (!r.ok()) std::fprintf(stderr, "%s\n", r.message.c_str());  // one line naming the target
#ifndef ZABITAN_PROM_BRIDGE_SCRAPER_H_
#define ZABITAN_PROM_BRIDGE_SCRAPER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "zabitan/prom_bridge/parser.h"

namespace zabitan::prom_bridge {

struct TargetOptions {
  // http://HOST[:PORT]/PATH, https://..., or unix:SOCKET[:/PATH] (PATH defaults to /metrics).
  std::string url;
  std::chrono::milliseconds timeout{10'000};         // the whole scrape, all addresses included
  std::chrono::milliseconds connect_timeout{3'000};  // connecting (per address with PROXY headers)
  size_t max_body_bytes = 64 << 20;                  // decompressed
  std::string ca_file;                               // empty: the system's CAs
  std::string cert_file, key_file;                   // a client certificate (PEM)
  bool insecure = false;                             // do not verify the server's certificate
  std::string username, password_file;               // HTTP basic auth (password file mode 0600)
  std::string bearer_token_file;                     // "Authorization: Bearer" (mode 0600)
  int proxy_protocol = 0;                            // 0: none, 1 or 2: that PROXY version first
  // Pinned addresses in curl's --resolve form "HOST:PORT:ADDR[,ADDR...]", tried in that order.
  std::vector<std::string> resolve;
};

enum class ScrapeCode {
  kOk = 0,
  kBadTarget,     // the options: an unknown scheme, PROXY over a Unix socket, ...
  kSecret,        // a password or token file missing or readable by others
  kConnect,       // no address accepted (or the name did not resolve)
  kTls,           // certificate verification or handshake
  kHttpStatus,    // anything but 200
  kTimeout,       // the deadline passed (also: a slow drip)
  kBodyTooLarge,  // bound: TargetOptions::max_body_bytes
  kParse,         // the body: see parse_code
  kTransfer,      // any other libcurl error
};
std::string_view ScrapeCodeName(ScrapeCode code);

struct ScrapeResult {
  ScrapeCode code = ScrapeCode::kOk;
  ParseCode parse_code = ParseCode::kOk;
  std::string message;  // one line, starting with the target: "unix:/run/x.sock: line 3: ..."
  Format format = Format::kText004;
  long http_status = 0;
  uint64_t body_bytes = 0;  // decompressed
  uint64_t wire_bytes = 0;  // as received (gzip: compressed)
  uint64_t series = 0;
  std::string peer;  // the address that answered ("127.0.0.1", "::1", the socket path)
  bool ok() const { return code == ScrapeCode::kOk; }
};

// Scrapes `target`, handing every sample to `sink` as it is parsed (on failure the sink has
// seen the samples before it: a caller wanting all or nothing keeps them until ok()).
ScrapeResult Scrape(const TargetOptions& target, const ParseLimits& limits, Sink* sink);

// The Accept header of a scrape (OpenMetrics first, then 0.0.4).
extern const char* const kAcceptHeader;

}  // namespace zabitan::prom_bridge

#endif  // ZABITAN_PROM_BRIDGE_SCRAPER_H_
