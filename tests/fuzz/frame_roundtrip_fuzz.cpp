// Fuzz target: a request payload framed as the sender frames it, then read back as a reply.
//
//   payload → [Compress when the first byte is odd] → EncodeHeader → ParseHeader → DecodePayload
//
// Properties (a violation aborts):
//  - the frame reads back as exactly the payload, plain or compressed, with a 13-byte header
//    (and with the same payload in an 8-byte-length "large" header, flags 0x05 / 0x07);
//  - the header alone is enough for ParseHeader, and flags/lengths are the ones written;
//  - a frame that lost its last byte, or whose announced uncompressed size is off by one,
//    is an error (one line), never a wrong message.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "sender/src/frame.h"

namespace {

using zabitan::Status;
using namespace zabitan::sender;

void CheckError(const Status& s) {
  CHECK(!s.ok());
  CHECK(!s.message().empty());
  CHECK(s.message().find('\n') == std::string::npos);
}

std::string LargeHeader(uint8_t flags, uint64_t len, uint64_t reserved) {
  std::string h = "ZBXD";
  h.push_back(static_cast<char>(flags));
  for (int i = 0; i < 8; ++i) h.push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  for (int i = 0; i < 8; ++i) h.push_back(static_cast<char>((reserved >> (8 * i)) & 0xff));
  return h;
}

// Parses `frame` whole and decodes its data; returns the message.
std::string ReadBack(const std::string& frame, size_t header_size, uint8_t flags, size_t data_len) {
  std::optional<FrameHeader> fh;
  Status s = ParseHeader(frame, kMaxReplySize, &fh);
  CHECK(s.ok() && fh);
  CHECK(fh->header_size == header_size && fh->flags == flags && fh->data_len == data_len);
  // The header alone decides.
  std::optional<FrameHeader> alone;
  CHECK(ParseHeader(std::string_view(frame).substr(0, header_size), kMaxReplySize, &alone).ok());
  CHECK(alone && alone->data_len == fh->data_len && alone->reserved == fh->reserved);
  std::string message;
  s = DecodePayload(*fh, std::string_view(frame).substr(header_size), &message);
  CHECK(s.ok());
  return message;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxReplySize) return 0;  // ParseHeader would rightly refuse it
  const std::string payload(reinterpret_cast<const char*>(data), size);
  const bool compressed = size > 0 && (data[0] & 1);
  const uint8_t flags = compressed ? (kFlagProtocol | kFlagCompressed) : kFlagProtocol;

  std::string wire;
  if (compressed) {
    Status s = Compress(payload, &wire);
    CHECK(s.ok());
  } else {
    wire = payload;
  }

  const std::string header = EncodeHeader(wire.size(), payload.size(), compressed);
  CHECK(header.size() == kHeaderSize);
  CHECK(header.compare(0, 4, "ZBXD") == 0 && static_cast<uint8_t>(header[4]) == flags);
  CHECK(ReadBack(header + wire, kHeaderSize, flags, wire.size()) == payload);

  // The same payload in a large (8-byte length) frame.
  const std::string large = LargeHeader(flags | kFlagLarge, wire.size(), compressed ? size : 0);
  CHECK(ReadBack(large + wire, kLargeHeaderSize, flags | kFlagLarge, wire.size()) == payload);

  // Damaged frames are errors, never a different message.
  std::optional<FrameHeader> fh;
  CHECK(ParseHeader(header, kMaxReplySize, &fh).ok() && fh);
  std::string message;
  if (!wire.empty()) {
    CheckError(DecodePayload(*fh, std::string_view(wire).substr(0, wire.size() - 1), &message));
  }
  CheckError(DecodePayload(*fh, wire + "x", &message));
  if (compressed) {
    FrameHeader off = *fh;
    off.reserved = fh->reserved + 1;
    CheckError(DecodePayload(off, wire, &message));
    off.reserved = fh->reserved - 1;  // >= 0: a compressed payload has at least one byte
    if (off.reserved > 0) CheckError(DecodePayload(off, wire, &message));
  }
  return 0;
}
