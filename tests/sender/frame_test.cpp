#include "sender/src/frame.h"

#include <catch2/catch.hpp>

#include "zabitan/sender/error.h"

using namespace zabitan::sender;

namespace {
std::string Frame(uint8_t flags, uint64_t len, uint64_t reserved, bool large = false) {
  std::string h = "ZBXD";
  h.push_back(static_cast<char>(flags));
  int width = large ? 8 : 4;
  for (int i = 0; i < width; ++i) h.push_back(static_cast<char>((len >> (8 * i)) & 0xff));
  for (int i = 0; i < width; ++i) h.push_back(static_cast<char>((reserved >> (8 * i)) & 0xff));
  return h;
}
}  // namespace

TEST_CASE("frame: header bytes of a plain request", "[frame]") {
  CHECK(EncodeHeader(0x5b, 0x5b, false) == std::string("ZBXD\x01\x5b\0\0\0\0\0\0\0", 13));
}

TEST_CASE("frame: compressed request round-trips", "[frame]") {
  std::string payload(5000, 'x'), wire;
  REQUIRE(Compress(payload, &wire).ok());
  std::string header = EncodeHeader(wire.size(), payload.size(), true);
  CHECK(header[4] == 0x03);
  std::optional<FrameHeader> fh;
  REQUIRE(ParseHeader(header, kMaxReplySize, &fh).ok());
  REQUIRE(fh);
  std::string message;
  REQUIRE(DecodePayload(*fh, wire, &message).ok());
  CHECK(message == payload);
}

TEST_CASE("frame: accepts flags 0x01 0x03 0x05 0x07", "[frame]") {
  std::optional<FrameHeader> fh;
  REQUIRE(ParseHeader(Frame(0x01, 10, 0), kMaxReplySize, &fh).ok());
  CHECK(fh->data_len == 10);
  REQUIRE(ParseHeader(Frame(0x03, 10, 20), kMaxReplySize, &fh).ok());
  CHECK(fh->reserved == 20);
  REQUIRE(ParseHeader(Frame(0x05, 10, 0, true), kMaxReplySize, &fh).ok());
  CHECK(fh->header_size == kLargeHeaderSize);
  CHECK(fh->data_len == 10);
  REQUIRE(ParseHeader(Frame(0x07, 10, 30, true), kMaxReplySize, &fh).ok());
  CHECK(fh->reserved == 30);
}

TEST_CASE("frame: rejects hostile headers", "[frame]") {
  std::optional<FrameHeader> fh;
  CHECK_FALSE(ParseHeader("HTTP/1.1 400", kMaxReplySize, &fh).ok());
  CHECK_FALSE(ParseHeader(Frame(0x00, 1, 0), kMaxReplySize, &fh).ok());
  CHECK_FALSE(ParseHeader(Frame(0x09, 1, 0), kMaxReplySize, &fh).ok());
  auto s = ParseHeader(Frame(0x01, 0xffffffffu, 0), kMaxReplySize, &fh);
  CHECK_FALSE(s.ok());
  CHECK(s.code() == Errc::kBadFrame);
  CHECK(s.message().find("exceeds") != std::string::npos);
  CHECK_FALSE(ParseHeader(Frame(0x03, 10, 0xffffffffu), kMaxReplySize, &fh).ok());
}

TEST_CASE("frame: every truncation of a header asks for more or completes", "[frame]") {
  std::string full = Frame(0x05, 3, 0, true);
  for (size_t n = 0; n < full.size(); ++n) {
    std::optional<FrameHeader> fh;
    REQUIRE(ParseHeader(full.substr(0, n), kMaxReplySize, &fh).ok());
    CHECK_FALSE(fh);
  }
}

TEST_CASE("frame: truncated or corrupt payloads are errors", "[frame]") {
  FrameHeader h{0x01, 10, 0, kHeaderSize};
  std::string message;
  CHECK_FALSE(DecodePayload(h, "short", &message).ok());
  FrameHeader z{0x03, 5, 100, kHeaderSize};
  CHECK_FALSE(DecodePayload(z, "notzl", &message).ok());
}
