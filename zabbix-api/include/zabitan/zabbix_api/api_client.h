// zabitan — ApiClient: a small client of the Zabbix JSON-RPC API (6.0; 6.2-7.0 should work).
//
// Authenticates once, either with a user and password (user.login opens a session, which
// Logout, or the destructor, ends with user.logout) or with an API token (used as it is, never
// logged out). Then Call(method, params) returns the method's result, or a one-line error
// naming the method and Zabbix's message ("host.create: Invalid params. ... (-32602)").
// The password is never part of a message. Not thread-safe: one client per thread of calls.
//
// Example:
//   namespace zapi = zabitan::zabbix_api;
//   std::unique_ptr<zapi::Transport> http;
//   zabitan::Status s = zapi::NewCurlTransport({.url = "https://zbx/api_jsonrpc.php"}, &http);
//   zapi::ApiClient api(std::move(http));
//   std::string version;
//   s = api.Version(&version);  // first: it decides where the session goes (6.4: a header)
//   s = api.Login("Admin", "the password, read from a file");
//   nlohmann::json hosts;
//   s = api.Call("host.get", {{"output", {"host"}}}, &hosts);
//   s = api.Logout();
#ifndef ZABITAN_ZABBIX_API_API_CLIENT_H_
#define ZABITAN_ZABBIX_API_API_CLIENT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "zabitan/common/status.h"
#include "zabitan/zabbix_api/transport.h"

namespace zabitan::zabbix_api {

class ApiClient {
 public:
  explicit ApiClient(std::unique_ptr<Transport> transport);
  // Ends a session that Login opened and Logout did not (best effort, errors ignored).
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // apiinfo.version (called without authentication, as the API requires): "6.0.14".
  Status Version(std::string* version);

  // user.login {"username", "password"}: the session is used by every later Call.
  Status Login(const std::string& user, const std::string& password);

  // Uses an API token (Administration → General → API tokens) instead of a session.
  void UseToken(std::string token);

  // Calls `method` with `params` and sets *result to its result. Fails when no Login or
  // UseToken came first.
  Status Call(std::string_view method, const nlohmann::json& params, nlohmann::json* result);

  // user.logout of the session Login opened; nothing to do (ok) for a token or no session.
  Status Logout();

  bool has_session() const { return session_; }

 private:
  Status Exchange(std::string_view method, const nlohmann::json& params, std::string_view auth,
                  nlohmann::json* result);

  std::unique_ptr<Transport> transport_;
  std::string auth_;          // session id or API token
  bool bearer_auth_ = false;  // the server is 6.4 or later (Version said so): auth in a header
  bool session_ = false;      // auth_ is a session Login opened (to be logged out)
  int64_t next_id_ = 1;
};

// "6.0.14" → 6, 0 (apiinfo.version's answer). An error for anything else.
Status ParseVersion(std::string_view version, int* major, int* minor);

}  // namespace zabitan::zabbix_api

#endif  // ZABITAN_ZABBIX_API_API_CLIENT_H_
