// Fuzz target: one line of zabbix_sender's -i input, then the JSON the sender makes of it.
//
// The first byte selects the InputFormat, the rest is the line:
//   bit 0  -T (with_timestamps)        bit 2  a default host is set (-s)
//   bit 1  -N (with_ns)                bit 3  which one: "web01" or a host with quotes/blanks
//   bit 4  the request carries its own send time (as with -T)
//   bit 5  control mode: the letters a..z of the line become the bytes 0x01..0x1a, so that
//          lines made mostly of control characters (the costliest to escape) are as easy to
//          reach as ordinary ones
//   bit 6  format mode: the rest is not a line but a Value, "host\0key\0value" (clock
//          1700000000 with bit 0, ns 123456789 with bits 0 and 1), for FormatInputLine
//
// Properties (a violation aborts):
//  - on success, host and key are non-empty; clock is there exactly with -T, ns exactly with
//    -T -N, within uint31 and 0..999999999;
//  - parsing the line again with the same parser (its buffers reused) gives the same value,
//    and ParseInputLine (the owning form) agrees;
//  - the request RequestBuilder makes of an ordinary value, then of the parsed one twice, has
//    no raw control byte (and ASan watches its writes); whenever host, key and value are valid
//    UTF-8, nlohmann::json accepts it and its host/key/value strings equal the parsed views
//    byte for byte, with the same clock/ns and nothing else in the objects;
//  - an error has a non-empty message;
//  - FormatInputLine writes a line that parses back (with -T / -N as the value has clock / ns)
//    to the same value: any parsed value, and in format mode any value with a non-empty host
//    other than "-" (which always means the default host) and a non-empty key.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "fuzz_check.h"
#include "sender/src/request.h"
#include "zabitan/sender/input_line.h"
#include "zabitan/sender/value.h"

namespace {

using zabitan::Status;

using namespace zabitan::sender;

bool SameView(const ValueView& a, const ValueView& b) {
  return a.host == b.host && a.key == b.key && a.value == b.value && a.clock == b.clock &&
         a.ns == b.ns;
}

void CheckObject(const nlohmann::json& o, const ValueView& v) {
  CHECK(o.is_object());
  CHECK(o.size() == 3 + (v.clock ? 1 : 0) + (v.clock && v.ns ? 1 : 0));
  CHECK(o.contains("host") && o["host"].is_string());
  CHECK(o.contains("key") && o["key"].is_string());
  CHECK(o.contains("value") && o["value"].is_string());
  CHECK(o["host"].get_ref<const std::string&>() == v.host);
  CHECK(o["key"].get_ref<const std::string&>() == v.key);
  CHECK(o["value"].get_ref<const std::string&>() == v.value);
  if (v.clock) {
    CHECK(o.contains("clock") && o["clock"].is_number_unsigned());
    CHECK(o["clock"].get<uint64_t>() == *v.clock);
  }
  if (v.clock && v.ns) {
    CHECK(o.contains("ns") && o["ns"].is_number_unsigned());
    CHECK(o["ns"].get<uint64_t>() == *v.ns);
  }
}

// FormatInputLine(v), parsed back, is v.
void CheckFormatRoundTrip(const Value& v) {
  const std::string line = FormatInputLine(v);
  InputFormat format;
  format.with_timestamps = v.clock.has_value();
  format.with_ns = v.clock && v.ns;
  Value back;
  Status s = ParseInputLine(line, format, &back);
  if (!s.ok()) std::fprintf(stderr, "FormatInputLine wrote a bad line: %s\n", s.message().c_str());
  CHECK(s.ok());
  CHECK(back.host == v.host && back.key == v.key && back.value == v.value);
  CHECK(back.clock == v.clock && back.ns == (v.clock ? v.ns : std::nullopt));
}

void FormatMode(uint8_t select, std::string_view rest) {
  size_t a = rest.find('\0');
  if (a == std::string_view::npos) return;
  size_t b = rest.find('\0', a + 1);
  if (b == std::string_view::npos) return;
  Value v;
  v.host = rest.substr(0, a);
  v.key = rest.substr(a + 1, b - a - 1);
  v.value = rest.substr(b + 1);
  if (select & 1) v.clock = 1700000000;
  if ((select & 1) && (select & 2)) v.ns = 123456789;
  if (v.host.empty() || v.host == "-" || v.key.empty()) return;  // no line can say these
  CheckFormatRoundTrip(v);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const uint8_t select = data[0];
  if (select & 64) {
    FormatMode(select, std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
    return 0;
  }
  InputFormat format;
  format.with_timestamps = select & 1;
  format.with_ns = select & 2;
  if (select & 4) format.default_host = (select & 8) ? "host \"with\" \\ blanks\tand ü" : "web01";
  const std::optional<SendTime> send_time =
      (select & 16) ? std::optional<SendTime>(SendTime{1700000000, 123456789}) : std::nullopt;
  // The line lives in its own allocation, so ASan sees a read past its end.
  std::string line(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (select & 32) {
    for (char& c : line) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 1);
    }
  }

  InputLineParser parser(format);
  ValueView v;
  Status s = parser.Parse(line, &v);
  Value owned;
  Status owned_status = ParseInputLine(line, format, &owned);
  CHECK(s.ok() == owned_status.ok());
  if (!s.ok()) {
    CHECK(!s.message().empty());
    CHECK(s.message() == owned_status.message());
    return 0;
  }
  CHECK(!v.host.empty());
  CHECK(!v.key.empty());
  CHECK(v.clock.has_value() == format.with_timestamps);
  CHECK(v.ns.has_value() == (format.with_timestamps && format.with_ns));
  if (v.clock) CHECK(*v.clock <= kMaxClock);
  if (v.ns) CHECK(*v.ns <= kMaxNs);
  CHECK(SameView(v, owned));

  // Same parser again: reused buffers give the same value.
  const Value first{std::string(v.host), std::string(v.key), std::string(v.value), v.clock, v.ns};
  ValueView again;
  CHECK(parser.Parse(line, &again).ok());
  CHECK(SameView(again, first));
  CheckFormatRoundTrip(first);

  // After an ordinary value, as in a batch (the string then grows by what Add reserves).
  const ValueView ordinary("h", "k", "v", first.clock ? std::optional<uint32_t>(1) : std::nullopt,
                           first.ns ? std::optional<uint32_t>(2) : std::nullopt);
  RequestBuilder builder;
  builder.Add(ordinary);
  builder.Add(again);
  builder.Add(first);
  CHECK(builder.values() == 3);
  const std::string json = builder.Finish(send_time);
  CHECK(builder.values() == 0);
  // Every control byte is escaped; a NUL here is a byte RequestBuilder wrote past its string.
  const bool raw_control = std::any_of(json.begin(), json.end(),
                                       [](char c) { return static_cast<unsigned char>(c) < 0x20; });
  CHECK(!raw_control);

  if (!ValidUtf8(first.host) || !ValidUtf8(first.key) || !ValidUtf8(first.value)) return 0;
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) {
    std::fprintf(stderr, "rejected JSON: %s\n", json.c_str());
    CHECK(!doc.is_discarded());
  }
  CHECK(doc.is_object());
  CHECK(doc.size() == (send_time ? 4u : 2u));
  CHECK(doc["request"] == "sender data");
  CHECK(doc["data"].is_array() && doc["data"].size() == 3);
  CheckObject(doc["data"][0], ordinary);
  CheckObject(doc["data"][1], first);
  CheckObject(doc["data"][2], first);
  if (send_time) {
    CHECK(doc["clock"].get<uint64_t>() == send_time->clock);
    CHECK(doc["ns"].get<uint64_t>() == send_time->ns);
  }
  return 0;
}
