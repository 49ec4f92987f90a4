#include "request.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <utility>

namespace zabitan::sender {
namespace {

void AppendUint(uint32_t n, std::string* out) {
  char buf[16];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out->append(buf, end);
}

constexpr std::string_view kPrefix = R"({"request":"sender data","data":[)";

// The most one value takes besides its escaped text (6 bytes per byte at worst):
// ,{"host":"" ,"key":"" ,"value":"" ,"clock":4294967295 ,"ns":999999999 } = 70, rounded up.
// (64 was 2 short with clock, ns and all-control-character fields: found by input_line_fuzz.)
constexpr size_t kMostFixedBytes = 96;

// true for the bytes that need an escape: control characters, '"' and '\'.
constexpr auto kNeedsEscape = [] {
  std::array<bool, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = true;
  t['"'] = t['\\'] = true;
  return t;
}();

// Writes `s` as a JSON string literal at `out`, which has room for 2 + 6 * s.size() bytes;
// returns the end. Raw pointer writes: this runs three times per value and dominates the
// sender's CPU time.
char* WriteJsonString(std::string_view s, char* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  *out++ = '"';
  for (unsigned char c : s) {
    if (!kNeedsEscape[c]) {
      *out++ = static_cast<char>(c);
    } else if (c == '"' || c == '\\') {
      *out++ = '\\';
      *out++ = static_cast<char>(c);
    } else {
      const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      std::memcpy(out, esc, sizeof esc);
      out += sizeof esc;
    }
  }
  *out++ = '"';
  return out;
}

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  size_t used = out->size();
  out->resize(used + 2 + 6 * s.size());
  char* end = WriteJsonString(s, out->data() + used);
  out->resize(static_cast<size_t>(end - out->data()));
}

RequestBuilder::RequestBuilder() : json_(kPrefix) {}

void RequestBuilder::Add(const ValueView& v) {
  size_t most = kMostFixedBytes + 6 * (v.host.size() + v.key.size() + v.value.size());
  size_t used = json_.size();
  // Grow by a quarter, not by doubling: a lane holds one of these per batch, and memory is
  // meant to stay near the batch size.
  if (used + most > json_.capacity())
    json_.reserve(std::max(used + most, json_.capacity() * 5 / 4));
  json_.resize(used + most);
  char* out = json_.data() + used;
  auto put = [&out](std::string_view text) {
    std::memcpy(out, text.data(), text.size());
    out += text.size();
  };
  put(values_++ == 0 ? R"({"host":)" : R"(,{"host":)");
  out = WriteJsonString(v.host, out);
  put(R"(,"key":)");
  out = WriteJsonString(v.key, out);
  put(R"(,"value":)");
  out = WriteJsonString(v.value, out);
  if (v.clock) {
    put(R"(,"clock":)");
    out = std::to_chars(out, out + 10, *v.clock).ptr;
    if (v.ns) {
      put(R"(,"ns":)");
      out = std::to_chars(out, out + 10, *v.ns).ptr;
    }
  }
  *out++ = '}';
  json_.resize(static_cast<size_t>(out - json_.data()));
}

std::string RequestBuilder::Finish(std::optional<SendTime> send_time) {
  json_.push_back(']');
  if (send_time) {
    json_.append(R"(,"clock":)");
    AppendUint(send_time->clock, &json_);
    json_.append(R"(,"ns":)");
    AppendUint(send_time->ns, &json_);
  }
  json_.push_back('}');
  std::string done = std::exchange(json_, std::string());
  json_.reserve(done.size() + done.size() / 16);
  json_.append(kPrefix);
  values_ = 0;
  return done;
}

void AppendRequest(std::span<const Value> values, std::optional<SendTime> send_time,
                   std::string* out) {
  RequestBuilder builder;
  for (const Value& v : values) builder.Add(v);
  out->append(builder.Finish(send_time));
}

}  // namespace zabitan::sender
