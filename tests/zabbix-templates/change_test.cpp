#include "zabitan/zabbix_templates/change.h"

#include <catch2/catch.hpp>

using zabitan::zabbix_templates::Change;
using zabitan::zabbix_templates::ChangeWord;

TEST_CASE("zabbix-templates/change: the words printed, real and dry run", "[zabbix-templates]") {
  CHECK(ChangeWord(Change::kUnchanged, false) == "unchanged");
  CHECK(ChangeWord(Change::kCreated, false) == "created");
  CHECK(ChangeWord(Change::kUpdated, false) == "updated");
  CHECK(ChangeWord(Change::kUnchanged, true) == "unchanged");
  CHECK(ChangeWord(Change::kCreated, true) == "would be created");
  CHECK(ChangeWord(Change::kUpdated, true) == "would be updated");
}
