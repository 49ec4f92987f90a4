#include "zabitan/sender/request.h"

#include <charconv>

namespace zabitan::sender {
namespace {

void AppendUint(uint32_t n, std::string* out) {
  char buf[16];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, n);
  out->append(buf, end);
}

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // start of the current run of bytes that need no escaping
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else {
      const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
      out->append(esc, sizeof esc);
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

void AppendRequest(std::span<const Value> values, std::optional<SendTime> send_time,
                   std::string* out) {
  out->append(R"({"request":"sender data","data":[)");
  bool first = true;
  for (const Value& v : values) {
    out->append(first ? R"({"host":)" : R"(,{"host":)");
    first = false;
    AppendJsonString(v.host, out);
    out->append(R"(,"key":)");
    AppendJsonString(v.key, out);
    out->append(R"(,"value":)");
    AppendJsonString(v.value, out);
    if (v.clock) {
      out->append(R"(,"clock":)");
      AppendUint(*v.clock, out);
      if (v.ns) {
        out->append(R"(,"ns":)");
        AppendUint(*v.ns, out);
      }
    }
    out->push_back('}');
  }
  out->push_back(']');
  if (send_time) {
    out->append(R"(,"clock":)");
    AppendUint(send_time->clock, out);
    out->append(R"(,"ns":)");
    AppendUint(send_time->ns, out);
  }
  out->push_back('}');
}

}  // namespace zabitan::sender
