#include "zabitan/zabbix_templates/error.h"

#include <string>

namespace zabitan::zabbix_templates {
namespace {

class Category : public std::error_category {
 public:
  const char* name() const noexcept override { return "zabitan.zabbix-templates"; }
  std::string message(int code) const override {
    switch (static_cast<Errc>(code)) {
      case Errc::kBadOption:
        return "bad option";
      case Errc::kSeverityNames:
        return "trigger severities renamed";
      case Errc::kUnsupportedVersion:
        return "unsupported Zabbix version";
      case Errc::kTemplateFile:
        return "template file unusable";
      case Errc::kNotFound:
        return "not found";
      case Errc::kAmbiguous:
        return "ambiguous name";
      case Errc::kConflict:
        return "name taken by another kind of object";
      case Errc::kUnexpectedResult:
        return "unexpected API result";
    }
    return "zabbix-templates error " + std::to_string(code);
  }
};

}  // namespace

const std::error_category& ErrorCategory() {
  static const Category category;
  return category;
}

}  // namespace zabitan::zabbix_templates
