#include "zabitan/remote_cmd/error.h"

#include "zabitan/common/error_category.h"

namespace zabitan::remote_cmd {

const std::error_category& ErrorCategory() {
  static const TableErrorCategory category("zabitan.remote-cmd", "remote-cmd error",
                                           {{Errc::kBadArgument, "argument rejected"},
                                            {Errc::kBadPolicy, "unusable policy"},
                                            {Errc::kUnsafeStateDir, "unsafe state folder"},
                                            {Errc::kDamagedState, "damaged group state"},
                                            {Errc::kGroupBusy, "group busy"},
                                            {Errc::kLockReplaced, "group lock replaced"},
                                            {Errc::kAmbiguousVm, "ambiguous VM name"},
                                            {Errc::kModuleNotFound, "acting module not found"},
                                            {Errc::kModuleFailed, "acting module unusable"}});
  return category;
}

}  // namespace zabitan::remote_cmd
