// zabitan — Change: what provisioning did, or in a dry run would do, to one object, and the word
// zabitan-provision prints for it. Pure: safe from any thread.
//
// Example:
//   zabitan::zabbix_templates::Change c = zabitan::zabbix_templates::Change::kCreated;
//   std::string word = zabitan::zabbix_templates::ChangeWord(c, /*dry_run=*/true);
//   // "would be created"
#ifndef ZABITAN_ZABBIX_TEMPLATES_CHANGE_H_
#define ZABITAN_ZABBIX_TEMPLATES_CHANGE_H_

#include <string>

namespace zabitan::zabbix_templates {

enum class Change { kUnchanged, kCreated, kUpdated };

// "unchanged", "created", "updated"; in a dry run "unchanged", "would be created", "would be
// updated".
std::string ChangeWord(Change change, bool dry_run);

}  // namespace zabitan::zabbix_templates

#endif  // ZABITAN_ZABBIX_TEMPLATES_CHANGE_H_
