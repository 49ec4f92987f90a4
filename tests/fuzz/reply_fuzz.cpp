// Fuzz target: a trapper's reply, as Exchange() reads it and Sender parses it.
//
//   bytes → ParseHeader (kMaxReplySize, fed a growing buffer as the socket delivers it)
//         → DecodePayload (the data_len bytes after the header) → ParseResponse
//
// Properties (a violation aborts):
//  - ParseHeader decides by kLargeHeaderSize bytes at the latest, and more bytes never change
//    its verdict (an error stays the same error, a header the same header);
//  - an accepted header keeps data_len (and reserved, when compressed) within the limit;
//  - no single allocation of ParseHeader + DecodePayload exceeds the limit, and ParseResponse's
//    largest allocation is proportional to the reply (ASan and libFuzzer's -rss_limit_mb
//    catch anything that slips through);
//  - a decoded message is exactly data_len bytes, or exactly `reserved` when compressed;
//  - every error is a non-empty message of one line (no '\n');
//  - an accepted reply is one of the documented shapes.
// Tags for ZABITAN_FUZZ_TOLERATE: error-newline.
#include <sanitizer/allocator_interface.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "sender/src/frame.h"
#include "sender/src/response_parser.h"

namespace {

using zabitan::Status;

using namespace zabitan::sender;

// The largest single allocation while `g_tracking` is set.
bool g_tracking = false;
size_t g_largest = 0;
void OnMalloc(const volatile void*, size_t size) {
  if (g_tracking && size > g_largest) g_largest = size;
}
void OnFree(const volatile void*) {}

void Track() {
  g_largest = 0;
  g_tracking = true;
}
size_t Untrack() {
  g_tracking = false;
  return g_largest;
}

void CheckError(const Status& s) {
  CHECK(!s.ok());
  CHECK(!s.message().empty());
  if (s.message().find('\n') != std::string::npos && !Tolerated("error-newline")) {
    std::fprintf(stderr, "multi-line error: [%s]\n", s.message().c_str());
  }
  CHECK_OR_TOLERATE("error-newline", s.message().find('\n') == std::string::npos);
}

bool SameHeader(const FrameHeader& a, const FrameHeader& b) {
  return a.flags == b.flags && a.data_len == b.data_len && a.reserved == b.reserved &&
         a.header_size == b.header_size;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  __sanitizer_install_malloc_and_free_hooks(OnMalloc, OnFree);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Exchange keeps the bytes in a std::string; so does this target (never a null data()).
  const std::string bytes(reinterpret_cast<const char*>(data), size);

  std::optional<FrameHeader> header;
  Track();
  Status final_status = ParseHeader(bytes, kMaxReplySize, &header);
  CHECK(Untrack() <= 4096);  // a header is parsed without allocating (beyond an error text)
  if (!final_status.ok()) {
    CheckError(final_status);
    CHECK(!header);
  } else if (header) {
    CHECK(header->header_size == (header->flags & kFlagLarge ? kLargeHeaderSize : kHeaderSize));
    CHECK(header->header_size <= bytes.size());
    CHECK(header->flags & kFlagProtocol);
    CHECK((header->flags & ~(kFlagProtocol | kFlagCompressed | kFlagLarge)) == 0);
    CHECK(header->data_len <= kMaxReplySize);
    if (header->flags & kFlagCompressed) {
      CHECK(header->reserved >= 1 && header->reserved <= kMaxReplySize);
    }
  } else {
    CHECK(bytes.size() < kLargeHeaderSize);  // "more bytes needed" only before a full header
  }

  // The same bytes arriving a few at a time: every prefix is "need more" or already the final
  // verdict.
  for (size_t n = 0; n < std::min(bytes.size(), kLargeHeaderSize + 1); ++n) {
    std::optional<FrameHeader> h;
    Status s = ParseHeader(std::string_view(bytes).substr(0, n), kMaxReplySize, &h);
    if (!s.ok()) {
      CheckError(s);
      CHECK(!final_status.ok() && s.message() == final_status.message());
    } else if (h) {
      CHECK(final_status.ok() && header && SameHeader(*h, *header));
    }
  }
  if (!final_status.ok() || !header) return 0;

  // DecodePayload gets what the header announced (Exchange reads exactly data_len more bytes
  // and ignores anything after them), and, separately, whatever followed the header.
  const std::string_view rest = std::string_view(bytes).substr(header->header_size);
  std::string message;
  if (rest.size() != header->data_len) {
    Status s = DecodePayload(*header, rest, &message);
    CheckError(s);
  }
  if (rest.size() < header->data_len) return 0;  // Exchange would wait for the rest or fail
  message.clear();
  message.shrink_to_fit();
  Track();
  Status s = DecodePayload(*header, rest.substr(0, header->data_len), &message);
  size_t largest = Untrack();
  CHECK(largest <= kMaxReplySize + 1);
  if (!s.ok()) {
    CheckError(s);
    CHECK(header->flags & kFlagCompressed);  // a plain payload is taken as it is
    return 0;
  }
  if (header->flags & kFlagCompressed) {
    CHECK(message.size() == header->reserved);
  } else {
    CHECK(message == rest.substr(0, header->data_len));
  }

  Response response;
  Track();
  s = ParseResponse(message, &response);
  largest = Untrack();
  if (largest > 64 * message.size() + 65536) {
    std::fprintf(stderr, "ParseResponse allocated %zu bytes at once for a %zu-byte reply\n",
                 largest, message.size());
    CHECK(largest <= 64 * message.size() + 65536);
  }
  if (!s.ok()) {
    CheckError(s);
    return 0;
  }
  // An accepted reply: counters come together, from an info in zabbix's form.
  CHECK(response.processed.has_value() == response.failed.has_value());
  CHECK(!response.total || response.processed);
  CHECK(!response.processed || (response.info && response.info->starts_with("processed:")));
  if (response.redirect && !response.redirect->reset) CHECK(!response.redirect->address.empty());
  return 0;
}
