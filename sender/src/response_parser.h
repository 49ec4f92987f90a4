// zabitan — parsing the trapper's reply to "sender data" (Response, zabitan/sender/response.h).
//
//   {"response":"success","info":"processed: 3; failed: 1; total: 4; seconds spent: 0.000055"}
//   {"response":"failed","info":"..."}
//   {"response":"failed","redirect":{"revision":7,"address":"10.0.0.2:10051"}}   (7.0 proxy groups)
//
// ParseResponse accepts exactly these shapes; anything else (non-JSON, another "response",
// a JSON document nested deeper than a reply ever is) is an error naming the reason.
// The counters are read as zabbix_sender reads them: "processed: N; failed: M" at the start of
// info; a success without info, or with info in another form, is a plain success.
//
//   zabitan::sender::Response r;
//   zabitan::Status s = zabitan::sender::ParseResponse(json, &r);
//   if (s.ok() && r.success && r.failed > 0) { /* partial */ }
#ifndef ZABITAN_SENDER_SRC_RESPONSE_PARSER_H_
#define ZABITAN_SENDER_SRC_RESPONSE_PARSER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "zabitan/common/status.h"
#include "zabitan/sender/response.h"

namespace zabitan::sender {

Status ParseResponse(std::string_view json, Response* response);

}  // namespace zabitan::sender

#endif  // ZABITAN_SENDER_SRC_RESPONSE_PARSER_H_
