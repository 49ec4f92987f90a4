#include "zabitan/zabbix_templates/change.h"

namespace zabitan::zabbix_templates {

std::string ChangeWord(Change change, bool dry_run) {
  switch (change) {
    case Change::kUnchanged:
      return "unchanged";
    case Change::kCreated:
      return dry_run ? "would be created" : "created";
    case Change::kUpdated:
      return dry_run ? "would be updated" : "updated";
  }
  return "?";
}

}  // namespace zabitan::zabbix_templates
