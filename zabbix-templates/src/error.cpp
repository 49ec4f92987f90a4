#include "zabitan/zabbix_templates/error.h"

#include "zabitan/common/error_category.h"

namespace zabitan::zabbix_templates {

const std::error_category& ErrorCategory() {
  static const TableErrorCategory category(
      "zabitan.zabbix-templates", "zabbix-templates error",
      {{Errc::kBadOption, "bad option"},
       {Errc::kSeverityNames, "trigger severities renamed"},
       {Errc::kUnsupportedVersion, "unsupported Zabbix version"},
       {Errc::kTemplateFile, "template file unusable"},
       {Errc::kNotFound, "not found"},
       {Errc::kAmbiguous, "ambiguous name"},
       {Errc::kConflict, "name taken by another kind of object"},
       {Errc::kUnexpectedResult, "unexpected API result"}});
  return category;
}

}  // namespace zabitan::zabbix_templates
