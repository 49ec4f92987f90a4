#include "zabitan/common/error_category.h"

#include <string>
#include <system_error>

#include <catch2/catch.hpp>

#include "zabitan/common/error.h"
#include "zabitan/remote_cmd/error.h"
#include "zabitan/sender/error.h"
#include "zabitan/sstp_notify/error.h"
#include "zabitan/vmware_collector/error.h"
#include "zabitan/vsphere/error.h"
#include "zabitan/zabbix_api/error.h"
#include "zabitan/zabbix_templates/error.h"

namespace {

enum class Fruit { kApple = 1, kPear = 7 };

// Every code from 1 to LAST has its own row: the switch each error.cpp had before warned
// (-Wswitch) about a code without a message; a table cannot, so this test does.
template <class Enum>
void CheckEveryCodeHasAMessage(const std::error_category& category, Enum last,
                               const std::string& unknown) {
  INFO(category.name());
  for (int code = 1; code <= static_cast<int>(last); ++code) {
    INFO("code " << code);
    CHECK(category.message(code).rfind(unknown, 0) == std::string::npos);
  }
  CHECK(category.message(static_cast<int>(last) + 1) ==
        unknown + " " + std::to_string(static_cast<int>(last) + 1));
}

}  // namespace

TEST_CASE("error category: name, rows and the fallback of a code the table lacks",
          "[error_category]") {
  const zabitan::TableErrorCategory category(
      "zabitan.fruit", "unknown fruit", {{Fruit::kApple, "an apple"}, {Fruit::kPear, "a pear"}});
  CHECK(std::string(category.name()) == "zabitan.fruit");
  CHECK(category.message(1) == "an apple");
  CHECK(category.message(7) == "a pear");
  CHECK(category.message(2) == "unknown fruit 2");
  CHECK(category.message(-3) == "unknown fruit -3");
  std::error_code code(static_cast<int>(Fruit::kPear), category);
  CHECK(code.message() == "a pear");
  CHECK(code.category() == category);
}

TEST_CASE("error category: the libraries' categories keep their names and cover every code",
          "[error_category]") {
  CHECK(std::string(zabitan::CommonCategory().name()) == "zabitan.common");
  CheckEveryCodeHasAMessage(zabitan::CommonCategory(), zabitan::Errc::kCannotConnect,
                            "unknown common error");
  CHECK(std::error_code(zabitan::Errc::kSpoolLocked).message() ==
        "the spool is locked by another run");

  CHECK(std::string(zabitan::sender::SenderCategory().name()) == "zabitan.sender");
  CheckEveryCodeHasAMessage(zabitan::sender::SenderCategory(), zabitan::sender::Errc::kPendingStore,
                            "unknown sender error");

  CHECK(std::string(zabitan::sstp_notify::SstpCategory().name()) == "zabitan.sstp");
  CheckEveryCodeHasAMessage(zabitan::sstp_notify::SstpCategory(),
                            zabitan::sstp_notify::Errc::kBadDestination, "unknown sstp error");

  CHECK(std::string(zabitan::vsphere::ErrorCategory().name()) == "vsphere");
  CheckEveryCodeHasAMessage(zabitan::vsphere::ErrorCategory(), zabitan::vsphere::Error::kTimedOut,
                            "vsphere error");

  CHECK(std::string(zabitan::vmware_collector::CollectorCategory().name()) ==
        "zabitan.vmware-collector");
  CheckEveryCodeHasAMessage(zabitan::vmware_collector::CollectorCategory(),
                            zabitan::vmware_collector::Errc::kCacheMiss,
                            "unknown vmware-collector error");

  CHECK(std::string(zabitan::zabbix_api::ErrorCategory().name()) == "zabitan.zabbix-api");
  CheckEveryCodeHasAMessage(zabitan::zabbix_api::ErrorCategory(),
                            zabitan::zabbix_api::Errc::kBadVersion, "zabbix-api error");

  CHECK(std::string(zabitan::zabbix_templates::ErrorCategory().name()) ==
        "zabitan.zabbix-templates");
  CheckEveryCodeHasAMessage(zabitan::zabbix_templates::ErrorCategory(),
                            zabitan::zabbix_templates::Errc::kUnexpectedResult,
                            "zabbix-templates error");

  CHECK(std::string(zabitan::remote_cmd::ErrorCategory().name()) == "zabitan.remote-cmd");
  CheckEveryCodeHasAMessage(zabitan::remote_cmd::ErrorCategory(),
                            zabitan::remote_cmd::Errc::kModuleFailed, "remote-cmd error");
}
