#include "zabitan/zabbix_api/api_client.h"

#include <catch2/catch.hpp>

#include "fake_transport.h"
#include "zabitan/zabbix_api/error.h"

using namespace zabitan;
using namespace zabitan::zabbix_api;
using nlohmann::json;
using zabitan::testing::FakeZabbix;

namespace {

void ServeLogin(FakeZabbix* zbx) {
  zbx->On("user.login", [](const json& p) -> json {
    if (p.value("username", "") == "Admin" && p.value("password", "") == "s3cret")
      return "session-1";
    throw json{{"code", -32500},
               {"message", "Application error."},
               {"data", "Incorrect user name or password."}};
  });
  zbx->OnResult("user.logout", true);
  zbx->OnResult("host.get", json::array({{{"hostid", "10084"}}}));
}

}  // namespace

TEST_CASE("zabbix-api/api client: login, calls with the session, logout", "[zabbix-api]") {
  FakeZabbix zbx;
  ServeLogin(&zbx);
  ApiClient api(zbx.NewTransport());
  REQUIRE(api.Login("Admin", "s3cret").ok());
  CHECK(api.has_session());
  json hosts;
  REQUIRE(api.Call("host.get", {{"output", {"hostid"}}}, &hosts).ok());
  CHECK(hosts[0]["hostid"] == "10084");
  REQUIRE(api.Logout().ok());
  CHECK_FALSE(api.has_session());
  REQUIRE(zbx.requests.size() == 3);
  CHECK_FALSE(zbx.requests[0].contains("auth"));  // user.login goes without
  CHECK(zbx.requests[1]["auth"] == "session-1");
  CHECK(zbx.requests[2]["method"] == "user.logout");
  CHECK(zbx.requests[2]["auth"] == "session-1");
  CHECK(zbx.requests[1]["id"] != zbx.requests[2]["id"]);
  // Logged out: nothing more is sent.
  CHECK_FALSE(api.Call("host.get", json::object(), &hosts).ok());
  REQUIRE(api.Logout().ok());
  CHECK(zbx.requests.size() == 3);
}

TEST_CASE("zabbix-api/api client: the destructor ends a session left open", "[zabbix-api]") {
  FakeZabbix zbx;
  ServeLogin(&zbx);
  {
    ApiClient api(zbx.NewTransport());
    REQUIRE(api.Login("Admin", "s3cret").ok());
  }
  CHECK(zbx.Methods() == std::vector<std::string>{"user.login", "user.logout"});
}

TEST_CASE("zabbix-api/api client: a failed login says why and never shows the password",
          "[zabbix-api]") {
  FakeZabbix zbx;
  ServeLogin(&zbx);
  {
    ApiClient api(zbx.NewTransport());
    Status s = api.Login("Admin", "wrong-password");
    REQUIRE_FALSE(s.ok());
    CHECK(s.code() == Errc::kApiError);
    CHECK(s.message() ==
          "user.login: Application error. Incorrect user name or password. (-32500)");
    CHECK(s.message().find("wrong-password") == std::string::npos);
    json r;
    CHECK(api.Call("host.get", json::object(), &r).code() == Errc::kNotLoggedIn);
  }
  CHECK(zbx.Methods() == std::vector<std::string>{"user.login"});  // no logout of nothing
}

TEST_CASE("zabbix-api/api client: an API token is used as it is and never logged out",
          "[zabbix-api]") {
  FakeZabbix zbx;
  ServeLogin(&zbx);
  {
    ApiClient api(zbx.NewTransport());
    api.UseToken("tok-123");
    json r;
    REQUIRE(api.Call("host.get", json::object(), &r).ok());
    REQUIRE(api.Logout().ok());
  }
  CHECK(zbx.Methods() == std::vector<std::string>{"host.get"});
  CHECK(zbx.requests[0]["auth"] == "tok-123");
}

TEST_CASE("zabbix-api/api client: apiinfo.version goes without auth", "[zabbix-api]") {
  FakeZabbix zbx;
  ServeLogin(&zbx);
  zbx.OnResult("apiinfo.version", "6.0.14");
  ApiClient api(zbx.NewTransport());
  api.UseToken("tok");
  std::string version;
  REQUIRE(api.Version(&version).ok());
  CHECK(version == "6.0.14");
  CHECK_FALSE(zbx.requests[0].contains("auth"));
}

// From 6.4 the body's "auth" is deprecated (gone in 7.2): once Version says 6.4 or later, the
// session travels in "Authorization: Bearer"; a 6.0 server keeps getting it in the body.
TEST_CASE("zabbix-api/api client: the session goes in a Bearer header from Zabbix 6.4",
          "[zabbix-api]") {
  for (const char* version : {"6.0.14", "7.0.22"}) {
    CAPTURE(version);
    FakeZabbix zbx;
    ServeLogin(&zbx);
    zbx.OnResult("apiinfo.version", version);
    zbx.OnResult("host.get", json::array());
    {
      ApiClient api(zbx.NewTransport());
      REQUIRE(api.Login("Admin", "s3cret").ok());
      std::string got;
      REQUIRE(api.Version(&got).ok());
      json r;
      REQUIRE(api.Call("host.get", json::object(), &r).ok());
    }
    REQUIRE(zbx.Methods() ==
            std::vector<std::string>{"user.login", "apiinfo.version", "host.get", "user.logout"});
    const bool header = std::string(version) == "7.0.22";
    for (size_t i : {size_t{2}, size_t{3}}) {
      CHECK(zbx.requests[i].contains("auth") == !header);
      CHECK(zbx.bearers[i] == (header ? "session-1" : ""));
    }
    CHECK(zbx.bearers[1].empty());  // apiinfo.version goes without either
  }
}

TEST_CASE("zabbix-api/api client: a transport failure names the method", "[zabbix-api]") {
  struct Down : Transport {
    Status Post(const std::string&, long*, std::string*) override {
      return Status::Error("https://zbx/api_jsonrpc.php: Could not resolve host: zbx");
    }
  };
  ApiClient api(std::make_unique<Down>());
  Status s = api.Login("Admin", "x");
  CHECK(s.code() == Errc::kTransport);
  CHECK(s.message() == "user.login: https://zbx/api_jsonrpc.php: Could not resolve host: zbx");

  // A transport's own code (libcurl's) is kept: it tells the causes apart.
  struct Refused : Transport {
    Status Post(const std::string&, long*, std::string*) override {
      return Status::Error("https://zbx/api_jsonrpc.php: Connection refused",
                           std::make_error_code(std::errc::connection_refused));
    }
  };
  ApiClient refused(std::make_unique<Refused>());
  CHECK(refused.Login("Admin", "x").code() == std::errc::connection_refused);
}

TEST_CASE("zabbix-api/api client: API versions", "[zabbix-api]") {
  int major = 0, minor = 0;
  REQUIRE(ParseVersion("6.0.14", &major, &minor).ok());
  CHECK((major == 6 && minor == 0));
  REQUIRE(ParseVersion("7.0", &major, &minor).ok());
  CHECK((major == 7 && minor == 0));
  for (const char* bad : {"", "6", "six.0", "6.x", "6.0beta"})
    CHECK(ParseVersion(bad, &major, &minor).code() == Errc::kBadVersion);
}
