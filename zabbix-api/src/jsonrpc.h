// zabitan — the Zabbix API's JSON-RPC 2.0 envelope: building a request, reading its reply.
//
// Zabbix answers every call over HTTP 200 with either {"result": ...} or
// {"error": {"code", "message", "data"}}. ParseReply turns the second form, and every reply that
// is not what the API sends (HTTP errors, non-JSON, a wrong id), into a one-line Status that
// names the method: `host.create: Invalid params. Host "web01" already exists. (-32602)`.
// Pure functions: safe from any thread.
//
//   std::string body = zabitan::zabbix_api::MakeRequest("host.get", {{"output", {"host"}}},
//   session, 7); nlohmann::json result; zabitan::Status s =
//   zabitan::zabbix_api::ParseReply("host.get", http_status, reply, 7, &result);
#ifndef ZABITAN_ZABBIX_API_SRC_JSONRPC_H_
#define ZABITAN_ZABBIX_API_SRC_JSONRPC_H_

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "zabitan/common/status.h"

namespace zabitan::zabbix_api {

// {"jsonrpc":"2.0","method":M,"params":P,"id":N} plus "auth":A when `auth` is not empty
// (Zabbix 6.0 takes the session or API token in the body; 6.4-7.0 still accept it there).
std::string MakeRequest(std::string_view method, const nlohmann::json& params,
                        std::string_view auth, int64_t id);

// Reads the reply to request `id` of `method`. Sets *result and returns ok for a "result" reply;
// otherwise returns an error naming the method and, for an API error, Zabbix's message, data
// and code. Text from the server is made printable and cut (Printable), so the message stays
// one line whatever the server sent.
Status ParseReply(std::string_view method, long http_status, std::string_view body, int64_t id,
                  nlohmann::json* result);

}  // namespace zabitan::zabbix_api

#endif  // ZABITAN_ZABBIX_API_SRC_JSONRPC_H_
