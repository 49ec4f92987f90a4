#include "zabitan/zabbix_api/error.h"

#include "zabitan/common/error_category.h"

namespace zabitan::zabbix_api {

const std::error_category& ErrorCategory() {
  static const TableErrorCategory category("zabitan.zabbix-api", "zabbix-api error",
                                           {{Errc::kBadUrl, "bad API URL"},
                                            {Errc::kTransport, "no HTTP exchange"},
                                            {Errc::kHttpStatus, "HTTP status other than 200"},
                                            {Errc::kNotJsonRpc, "not a JSON-RPC reply"},
                                            {Errc::kApiError, "API error"},
                                            {Errc::kBadReply, "unexpected JSON-RPC reply"},
                                            {Errc::kNotLoggedIn, "not logged in"},
                                            {Errc::kBadVersion, "unexpected API version"}});
  return category;
}

}  // namespace zabitan::zabbix_api
