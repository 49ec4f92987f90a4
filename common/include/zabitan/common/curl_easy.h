// zabitan — what every libcurl client of zabitan sets up the same way: handles owned by
// unique_ptr, the one global init, a reply body with a size limit, and a POST with its
// timeouts, CA bundle and error buffer.
//
// Used by the vSphere client (SOAP) and the Zabbix API client (JSON-RPC); each adds what is its
// own (cookies, certificate pinning, a bearer header) after SetUpPost. A failed transfer's
// Status carries its CURLcode in ErrorCategory(), so callers tell "could not connect" from
// "certificate refused" without reading libcurl's wording. Thread safety as libcurl's: a handle
// is one thread's at a time; GlobalInit may be called from any thread.
//
// Example:
//   zabitan::curl::Easy h(curl_easy_init());
//   std::string reply;
//   zabitan::curl::Body body{&reply, 1 << 20};
//   zabitan::curl::Slist headers;
//   zabitan::curl::AppendHeader(&headers, "Content-Type: application/json");
//   char error[CURL_ERROR_SIZE] = "";
//   zabitan::curl::SetUpPost(h.get(), {"https://zbx/api_jsonrpc.php", headers.get(), "{}", &body,
//                                      std::chrono::seconds(10), std::chrono::seconds(60), "",
//                                      error});
//   zabitan::Status s =
//       zabitan::curl::Result(curl_easy_perform(h.get()), "https://zbx", body, error);
#ifndef ZABITAN_COMMON_CURL_EASY_H_
#define ZABITAN_COMMON_CURL_EASY_H_

#include <curl/curl.h>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "zabitan/common/status.h"

namespace zabitan::curl {

struct EasyCleanup {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistCleanup {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};
using Easy = std::unique_ptr<CURL, EasyCleanup>;
using Slist = std::unique_ptr<curl_slist, SlistCleanup>;

// curl_global_init, once per process (later calls return the first one's outcome).
Status GlobalInit();

// The error category of a failed transfer's code: its value is the CURLcode.
const std::error_category& ErrorCategory();

// Adds one header line ("Name: value") to *headers.
void AppendHeader(Slist* headers, const std::string& line);

// Where a reply's body goes; past `limit` bytes the transfer is stopped and too_big set.
struct Body {
  std::string* text;
  size_t limit;
  bool too_big = false;
};

struct Post {
  std::string_view url;  // must live until the transfer ends, as every field below
  const curl_slist* headers;
  std::string_view body;
  Body* reply;
  std::chrono::milliseconds connect_timeout;
  std::chrono::milliseconds timeout;
  std::string_view ca_file;  // an extra CA bundle (PEM); "" for the system's
  char* error;               // CURL_ERROR_SIZE bytes: libcurl's message of a failure
};

// Resets `easy` (its connection and TLS session stay for reuse) and sets it up for `post`: the
// body, the reply into post.reply, the timeouts, no signals (threads), gzip when offered, the
// CA bundle, the error buffer. The URL must be NUL-terminated.
void SetUpPost(CURL* easy, const Post& post);

// The Status of a finished transfer to `url`: a reply over its limit, libcurl's failure (with
// its CURLcode in ErrorCategory) or ok.
Status Result(CURLcode code, const std::string& url, const Body& reply, const char* error);

}  // namespace zabitan::curl

#endif  // ZABITAN_COMMON_CURL_EASY_H_
