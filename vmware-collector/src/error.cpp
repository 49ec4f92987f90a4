#include "zabitan/vmware_collector/error.h"

#include "zabitan/common/error_category.h"

namespace zabitan::vmware_collector {

const std::error_category& CollectorCategory() {
  static const TableErrorCategory category(
      "zabitan.vmware-collector", "unknown vmware-collector error",
      {{Errc::kNotFound, "no state file yet"},
       {Errc::kUnreadable, "an unreadable state file"},
       {Errc::kDamaged, "a damaged state file"},
       {Errc::kCacheMiss, "a counter the cache does not hold"}});
  return category;
}

}  // namespace zabitan::vmware_collector
