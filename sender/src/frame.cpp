#include "frame.h"

#include <zlib.h>

#include <cstring>

#include "zabitan/sender/error.h"

namespace zabitan::sender {
namespace {

constexpr char kMagic[4] = {'Z', 'B', 'X', 'D'};

uint64_t ReadLe(const char* p, size_t width) {
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v |= uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
  return v;
}

void WriteLe32(uint32_t v, char* p) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

}  // namespace

std::string EncodeHeader(uint64_t data_len, uint64_t uncompressed_len, bool compressed) {
  std::string h(kHeaderSize, '\0');
  std::memcpy(h.data(), kMagic, 4);
  h[4] = static_cast<char>(kFlagProtocol | (compressed ? kFlagCompressed : 0));
  WriteLe32(static_cast<uint32_t>(data_len), h.data() + 5);
  WriteLe32(compressed ? static_cast<uint32_t>(uncompressed_len) : 0, h.data() + 9);
  return h;
}

Status Compress(std::string_view payload, std::string* out) {
  uLongf len = compressBound(payload.size());
  out->resize(len);
  int rc = compress(reinterpret_cast<Bytef*>(out->data()), &len,
                    reinterpret_cast<const Bytef*>(payload.data()), payload.size());
  if (rc != Z_OK)
    return Status::Error("zlib compress failed: " + std::to_string(rc), Errc::kBadFrame);
  out->resize(len);
  return Status::Ok();
}

Status ParseHeader(std::string_view bytes, uint64_t max_size, std::optional<FrameHeader>* header) {
  header->reset();
  size_t have_magic = std::min(bytes.size(), sizeof kMagic);
  if (std::memcmp(bytes.data(), kMagic, have_magic) != 0) {
    return Status::Error("reply does not start with ZBXD (not a Zabbix protocol message)",
                         Errc::kBadFrame);
  }
  if (bytes.size() < 5) return Status::Ok();
  FrameHeader h;
  h.flags = static_cast<uint8_t>(bytes[4]);
  if ((h.flags & kFlagProtocol) == 0 ||
      (h.flags & ~(kFlagProtocol | kFlagCompressed | kFlagLarge))) {
    return Status::Error("reply has unknown header flags 0x" +
                             std::string(1, "0123456789abcdef"[h.flags >> 4]) +
                             std::string(1, "0123456789abcdef"[h.flags & 15]),
                         Errc::kBadFrame);
  }
  size_t width = (h.flags & kFlagLarge) ? 8 : 4;
  h.header_size = 5 + 2 * width;
  if (bytes.size() < h.header_size) return Status::Ok();
  h.data_len = ReadLe(bytes.data() + 5, width);
  h.reserved = ReadLe(bytes.data() + 5 + width, width);
  if (h.data_len > max_size) {
    return Status::Error("reply length " + std::to_string(h.data_len) + " exceeds the limit of " +
                             std::to_string(max_size) + " bytes",
                         Errc::kBadFrame);
  }
  if ((h.flags & kFlagCompressed) && (h.reserved > max_size || h.reserved == 0)) {
    return Status::Error("reply uncompressed length " + std::to_string(h.reserved) +
                             " is outside 1.." + std::to_string(max_size),
                         Errc::kBadFrame);
  }
  *header = h;
  return Status::Ok();
}

Status DecodePayload(const FrameHeader& header, std::string_view data, std::string* message) {
  if (data.size() != header.data_len) return Status::Error("reply truncated", Errc::kBadFrame);
  if ((header.flags & kFlagCompressed) == 0) {
    message->assign(data);
    return Status::Ok();
  }
  message->resize(header.reserved);
  uLongf len = header.reserved;
  int rc = uncompress(reinterpret_cast<Bytef*>(message->data()), &len,
                      reinterpret_cast<const Bytef*>(data.data()), data.size());
  if (rc != Z_OK || len != header.reserved) {
    return Status::Error("reply is not valid zlib data of the announced size", Errc::kBadFrame);
  }
  return Status::Ok();
}

}  // namespace zabitan::sender
