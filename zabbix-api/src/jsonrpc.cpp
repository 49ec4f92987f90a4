#include "jsonrpc.h"

#include "zabitan/common/printable.h"
#include "zabitan/zabbix_api/error.h"

namespace zabitan::zabbix_api {
namespace {

// How much of the server's own text goes into a message.
constexpr size_t kMaxQuoted = 400;

std::string Text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

std::string MakeRequest(std::string_view method, const nlohmann::json& params,
                        std::string_view auth, int64_t id) {
  nlohmann::json request = {{"jsonrpc", "2.0"}, {"method", method}, {"params", params}, {"id", id}};
  if (!auth.empty()) request["auth"] = auth;
  // Strings from files (templates) may hold invalid UTF-8: replace rather than throw.
  return request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Status ParseReply(std::string_view method, long http_status, std::string_view body, int64_t id,
                  nlohmann::json* result) {
  const std::string m(method);
  if (http_status != 200) {
    std::string first = std::string(body.substr(0, body.find('\n')));
    return Status::Error(m + ": HTTP " + std::to_string(http_status) +
                             (first.empty() ? "" : ": " + Printable(first, kMaxQuoted)),
                         Errc::kHttpStatus);
  }
  nlohmann::json reply = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (reply.is_discarded() || !reply.is_object()) {
    return Status::Error(m + ": the reply is not a JSON-RPC object: \"" + Printable(body, 100) +
                             "\" (is the URL the API's, .../api_jsonrpc.php?)",
                         Errc::kNotJsonRpc);
  }
  if (auto e = reply.find("error"); e != reply.end()) {
    std::string text = e->is_object() ? Text(e->value("message", nlohmann::json())) : Text(*e);
    if (e->is_object()) {
      std::string data = Text(e->value("data", nlohmann::json()));
      if (!data.empty()) text += (text.empty() ? "" : " ") + data;
      if (auto code = e->find("code"); code != e->end() && code->is_number_integer()) {
        text += " (" + std::to_string(code->get<int64_t>()) + ")";
      }
    }
    return Status::Error(
        m + ": " + Printable(text.empty() ? "error without a message" : text, kMaxQuoted),
        Errc::kApiError);
  }
  auto r = reply.find("result");
  if (r == reply.end())
    return Status::Error(m + ": the reply has neither a result nor an error", Errc::kBadReply);
  if (auto i = reply.find("id");
      i == reply.end() || !i->is_number_integer() || i->get<int64_t>() != id) {
    return Status::Error(m + ": the reply's id " +
                             Printable(i == reply.end() ? "(none)" : Text(*i), 40) +
                             " is not the request's " + std::to_string(id),
                         Errc::kBadReply);
  }
  *result = std::move(*r);
  return Status::Ok();
}

}  // namespace zabitan::zabbix_api
