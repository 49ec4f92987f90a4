// zabitan — the ZBXD frame that wraps every Zabbix protocol message.
//
//   frame   := "ZBXD" flags datalen reserved payload
//   flags   := 0x01 (protocol, always set) | 0x02 (zlib) | 0x04 (large: 8-byte lengths)
//   datalen := payload bytes on the wire, u32 LE (u64 LE with 0x04)
//   reserved:= uncompressed payload size when 0x02 is set, else 0; same width as datalen
//
// Requests are framed with EncodeHeader (+ Compress for 0x02). Replies are decoded with
// ParseHeader then DecodePayload; both treat the bytes as hostile: every length is checked
// against a limit before anything is allocated. Thread-compatible.
//
//   std::string payload = ..., wire;
//   zabitan::sender::Compress(payload, &wire);
//   auto header = zabitan::sender::EncodeHeader(wire.size(), payload.size(), true);
#ifndef ZABITAN_SENDER_FRAME_H_
#define ZABITAN_SENDER_FRAME_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "zabitan/common/status.h"

namespace zabitan::sender {

inline constexpr uint8_t kFlagProtocol = 0x01;
inline constexpr uint8_t kFlagCompressed = 0x02;
inline constexpr uint8_t kFlagLarge = 0x04;
inline constexpr size_t kHeaderSize = 13;       // "ZBXD" + flags + u32 + u32
inline constexpr size_t kLargeHeaderSize = 21;  // "ZBXD" + flags + u64 + u64
// A trapper's reply is a short JSON object; anything near this size is not one.
inline constexpr uint64_t kMaxReplySize = 16 << 20;

struct FrameHeader {
  uint8_t flags = 0;
  uint64_t data_len = 0;   // bytes that follow the header
  uint64_t reserved = 0;   // uncompressed size when compressed
  size_t header_size = 0;  // kHeaderSize or kLargeHeaderSize
};

// The 13-byte header for a request whose wire payload is `data_len` bytes (4 GiB at most).
std::string EncodeHeader(uint64_t data_len, uint64_t uncompressed_len, bool compressed);

// zlib-compresses `payload` (RFC 1950, as zlib's compress() writes) into *out.
Status Compress(std::string_view payload, std::string* out);

// Reads a header from the start of `bytes`. Returns ok with *header empty when more bytes are
// needed (at most kLargeHeaderSize), ok with *header set when complete, and an error for a
// missing "ZBXD", unknown flags, or a length above `max_size`.
Status ParseHeader(std::string_view bytes, uint64_t max_size, std::optional<FrameHeader>* header);

// Turns the `header.data_len` bytes that followed the header into the message (inflating when
// compressed; the result must be exactly `header.reserved` bytes).
Status DecodePayload(const FrameHeader& header, std::string_view data, std::string* message);

}  // namespace zabitan::sender

#endif  // ZABITAN_SENDER_FRAME_H_
