#include "zabitan/zabbix_api/error.h"

#include <string>

namespace zabitan::zabbix_api {
namespace {

class Category : public std::error_category {
 public:
  const char* name() const noexcept override { return "zabitan.zabbix-api"; }
  std::string message(int code) const override {
    switch (static_cast<Errc>(code)) {
      case Errc::kBadUrl:
        return "bad API URL";
      case Errc::kTransport:
        return "no HTTP exchange";
      case Errc::kHttpStatus:
        return "HTTP status other than 200";
      case Errc::kNotJsonRpc:
        return "not a JSON-RPC reply";
      case Errc::kApiError:
        return "API error";
      case Errc::kBadReply:
        return "unexpected JSON-RPC reply";
      case Errc::kNotLoggedIn:
        return "not logged in";
      case Errc::kBadVersion:
        return "unexpected API version";
    }
    return "zabbix-api error " + std::to_string(code);
  }
};

}  // namespace

const std::error_category& ErrorCategory() {
  static const Category category;
  return category;
}

}  // namespace zabitan::zabbix_api
