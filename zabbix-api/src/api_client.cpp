#include "zabitan/zabbix_api/api_client.h"

#include <cassert>
#include <charconv>
#include <system_error>

#include "jsonrpc.h"
#include "zabitan/common/log.h"
#include "zabitan/common/printable.h"
#include "zabitan/zabbix_api/error.h"

namespace zabitan::zabbix_api {

ApiClient::ApiClient(std::unique_ptr<Transport> transport) : transport_(std::move(transport)) {
  assert(transport_ != nullptr);
}

ApiClient::~ApiClient() {
  if (session_) {
    if (Status s = Logout(); !s.ok()) log::Debug(s.message());
  }
}

Status ApiClient::Exchange(std::string_view method, const nlohmann::json& params,
                           std::string_view auth, nlohmann::json* result) {
  const int64_t id = next_id_++;
  long http_status = 0;
  std::string reply;
  transport_->set_bearer(bearer_auth_ ? std::string(auth) : std::string());
  if (bearer_auth_) auth = {};
  if (Status s = transport_->Post(MakeRequest(method, params, auth, id), &http_status, &reply);
      !s.ok()) {
    // The transport's own code (libcurl's) when it has one: it tells the causes apart.
    return Status::Error(std::string(method) + ": " + s.message(),
                         s.code() ? s.code() : make_error_code(Errc::kTransport));
  }
  return ParseReply(method, http_status, reply, id, result);
}

Status ApiClient::Version(std::string* version) {
  nlohmann::json result;
  if (Status s = Exchange("apiinfo.version", nlohmann::json::array(), "", &result); !s.ok())
    return s;
  if (!result.is_string())
    return Status::Error("apiinfo.version: the result is not a string", Errc::kBadReply);
  *version = result.get<std::string>();
  int major = 0, minor = 0;
  if (ParseVersion(*version, &major, &minor).ok())
    bearer_auth_ = major > 6 || (major == 6 && minor >= 4);
  return Status::Ok();
}

Status ApiClient::Login(const std::string& user, const std::string& password) {
  nlohmann::json result;
  // 6.0 names it "username" ("user" is deprecated there and gone in 6.4).
  Status s = Exchange("user.login", {{"username", user}, {"password", password}}, "", &result);
  if (!s.ok()) return s;
  if (!result.is_string() || result.get<std::string>().empty()) {
    return Status::Error("user.login: the result is not a session id", Errc::kBadReply);
  }
  auth_ = result.get<std::string>();
  session_ = true;
  return Status::Ok();
}

void ApiClient::UseToken(std::string token) {
  auth_ = std::move(token);
  session_ = false;
}

Status ApiClient::Call(std::string_view method, const nlohmann::json& params,
                       nlohmann::json* result) {
  if (auth_.empty())
    return Status::Error(std::string(method) + ": not logged in", Errc::kNotLoggedIn);
  return Exchange(method, params, auth_, result);
}

Status ApiClient::Logout() {
  if (!session_) return Status::Ok();
  nlohmann::json result;
  Status s = Exchange("user.logout", nlohmann::json::array(), auth_, &result);
  // Whatever the answer, the session is not ours to end twice.
  session_ = false;
  auth_.clear();
  return s;
}

Status ParseVersion(std::string_view version, int* major, int* minor) {
  const char* p = version.data();
  const char* end = p + version.size();
  const Status bad =
      Status::Error("unexpected API version \"" + Printable(version, 40) + "\"", Errc::kBadVersion);
  auto [q, ec] = std::from_chars(p, end, *major);
  if (ec != std::errc() || q == end || *q != '.') return bad;
  auto [r, ec2] = std::from_chars(q + 1, end, *minor);
  if (ec2 != std::errc() || (r != end && *r != '.')) return bad;
  return Status::Ok();
}

}  // namespace zabitan::zabbix_api
