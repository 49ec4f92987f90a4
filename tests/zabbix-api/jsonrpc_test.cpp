#include "jsonrpc.h"

#include <catch2/catch.hpp>

#include "zabitan/zabbix_api/error.h"

using namespace zabitan;
using namespace zabitan::zabbix_api;
using nlohmann::json;

TEST_CASE("zabbix-api/jsonrpc: a request carries method, params, id, and auth only when given",
          "[zabbix-api]") {
  json r = json::parse(MakeRequest("host.get", {{"output", {"host"}}}, "", 7));
  CHECK(r == json{{"jsonrpc", "2.0"},
                  {"method", "host.get"},
                  {"params", {{"output", {"host"}}}},
                  {"id", 7}});
  r = json::parse(MakeRequest("host.get", json::array(), "0123abcd", 8));
  CHECK(r["auth"] == "0123abcd");
  CHECK(r["params"] == json::array());
}

TEST_CASE("zabbix-api/jsonrpc: a request with invalid UTF-8 from a file is still sent",
          "[zabbix-api]") {
  json r = json::parse(MakeRequest("configuration.import",
                                   {{"source", std::string("a\xff"
                                                           "b")}},
                                   "s", 1));
  CHECK(r["params"]["source"] ==
        "a\xEF\xBF\xBD"
        "b");
}

TEST_CASE("zabbix-api/jsonrpc: a result reply", "[zabbix-api]") {
  json result;
  REQUIRE(ParseReply("host.get", 200, R"({"jsonrpc":"2.0","result":[{"hostid":"1"}],"id":3})", 3,
                     &result)
              .ok());
  CHECK(result == json::parse(R"([{"hostid":"1"}])"));
  REQUIRE(
      ParseReply("user.logout", 200, R"({"jsonrpc":"2.0","result":true,"id":4})", 4, &result).ok());
  CHECK(result == true);
}

TEST_CASE("zabbix-api/jsonrpc: an API error names the method, Zabbix's message, data and code",
          "[zabbix-api]") {
  json result;
  Status s = ParseReply("hostgroup.create", 200,
                        R"({"jsonrpc":"2.0","error":{"code":-32602,"message":"Invalid params.",)"
                        R"("data":"Host group \"Linux servers\" already exists."},"id":2})",
                        2, &result);
  CHECK(s.code() == Errc::kApiError);
  CHECK(s.message() ==
        R"(hostgroup.create: Invalid params. Host group "Linux servers" already exists. (-32602))");
  s = ParseReply("x.get", 200, R"({"error":{"code":-32500,"message":"Application error."},"id":1})",
                 1, &result);
  CHECK(s.message() == "x.get: Application error. (-32500)");
  s = ParseReply("x.get", 200, R"({"error":{},"id":1})", 1, &result);
  CHECK(s.code() == Errc::kApiError);
  CHECK(s.message() == "x.get: error without a message");
}

TEST_CASE("zabbix-api/jsonrpc: the server's text stays on one line and is cut", "[zabbix-api]") {
  json result;
  Status s = ParseReply("x.get", 200, R"({"error":{"message":"line1\nline2\u001b[31m"},"id":1})", 1,
                        &result);
  CHECK(s.message() == "x.get: line1\\x0aline2\\x1b[31m");
  std::string big(5000, 'a');
  s = ParseReply("x.get", 200, json{{"error", {{"message", big}}}, {"id", 1}}.dump(), 1, &result);
  CHECK(s.message().size() < 450);
  CHECK(s.message().ends_with("..."));
}

TEST_CASE("zabbix-api/jsonrpc: replies that are not the API's", "[zabbix-api]") {
  json result;
  Status s = ParseReply("user.login", 500, "Internal Server Error\nmore", 1, &result);
  CHECK(s.code() == Errc::kHttpStatus);
  CHECK(s.message() == "user.login: HTTP 500: Internal Server Error");
  s = ParseReply("user.login", 200, "<!DOCTYPE html><html>", 1, &result);
  CHECK(s.code() == Errc::kNotJsonRpc);
  CHECK(s.message().starts_with(
      "user.login: the reply is not a JSON-RPC object: \"<!DOCTYPE html><html>\""));
  CHECK(ParseReply("user.login", 200, "[1,2]", 1, &result).code() == Errc::kNotJsonRpc);
  CHECK(ParseReply("user.login", 200, R"({"jsonrpc":"2.0","id":1})", 1, &result).code() ==
        Errc::kBadReply);
  s = ParseReply("user.login", 200, R"({"jsonrpc":"2.0","result":"x","id":2})", 1, &result);
  CHECK(s.code() == Errc::kBadReply);
  CHECK(s.message() == "user.login: the reply's id 2 is not the request's 1");
  CHECK(ParseReply("user.login", 200, R"({"jsonrpc":"2.0","result":"x"})", 1, &result).code() ==
        Errc::kBadReply);
}
