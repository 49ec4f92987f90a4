#include "response_parser.h"

#include <charconv>

#include <nlohmann/json.hpp>

#include "zabitan/common/printable.h"
#include "zabitan/sender/error.h"

namespace zabitan::sender {
namespace {

// A reply is a flat object with one nested object at most; deeper input is hostile.
constexpr int kMaxDepth = 8;

bool TooDeep(std::string_view json) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < json.size(); ++i) {
    char c = json[i];
    if (in_string) {
      if (c == '\\')
        ++i;
      else if (c == '"')
        in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth) return true;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return false;
}

// Reads "<label>: <integer>" at the start of s and moves s past it and a following "; ".
bool ReadCounter(std::string_view label, std::string_view* s, int64_t* out) {
  if (s->substr(0, label.size()) != label) return false;
  s->remove_prefix(label.size());
  while (!s->empty() && s->front() == ' ') s->remove_prefix(1);
  auto [end, ec] = std::from_chars(s->data(), s->data() + s->size(), *out);
  if (ec != std::errc()) return false;
  s->remove_prefix(static_cast<size_t>(end - s->data()));
  if (s->substr(0, 1) == ";") s->remove_prefix(1);
  while (!s->empty() && s->front() == ' ') s->remove_prefix(1);
  return true;
}

void ParseInfo(const std::string& info, Response* r) {
  std::string_view s = info;
  int64_t processed, failed, total;
  if (!ReadCounter("processed:", &s, &processed) || !ReadCounter("failed:", &s, &failed)) return;
  r->processed = processed;
  r->failed = failed;
  if (ReadCounter("total:", &s, &total)) r->total = total;
}

}  // namespace

Status ParseResponse(std::string_view json, Response* response) {
  *response = Response();
  if (TooDeep(json)) return Status::Error("reply JSON is nested too deeply", Errc::kBadReply);
  nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return Status::Error("reply is not JSON", Errc::kBadReply);
  if (!doc.is_object()) return Status::Error("reply is not a JSON object", Errc::kBadReply);
  auto it = doc.find("response");
  if (it == doc.end() || !it->is_string())
    return Status::Error("reply has no \"response\"", Errc::kBadReply);
  const std::string& verdict = it->get_ref<const std::string&>();
  if (verdict != "success" && verdict != "failed") {
    return Status::Error("reply has unknown response \"" + Printable(verdict, 64) + "\"",
                         Errc::kBadReply);
  }
  response->success = verdict == "success";
  if (auto info = doc.find("info"); info != doc.end() && info->is_string()) {
    response->info = info->get<std::string>();
    ParseInfo(*response->info, response);
  }
  if (auto red = doc.find("redirect"); red != doc.end()) {
    if (!red->is_object()) return Status::Error("reply has a malformed redirect", Errc::kBadReply);
    Redirect r;
    if (auto reset = red->find("reset"); reset != red->end() && reset->is_boolean()) {
      r.reset = reset->get<bool>();
    }
    if (!r.reset) {
      auto rev = red->find("revision");
      auto addr = red->find("address");
      if (rev == red->end() || !rev->is_number_unsigned() || addr == red->end() ||
          !addr->is_string() || addr->get_ref<const std::string&>().empty()) {
        return Status::Error("reply has a malformed redirect", Errc::kBadReply);
      }
      r.revision = rev->get<uint64_t>();
      r.address = addr->get<std::string>();
    }
    response->redirect = std::move(r);
  }
  return Status::Ok();
}

}  // namespace zabitan::sender
