#include "zabitan/remote_cmd/error.h"

#include <string>

namespace zabitan::remote_cmd {
namespace {

class Category : public std::error_category {
 public:
  const char* name() const noexcept override { return "zabitan.remote-cmd"; }
  std::string message(int code) const override {
    switch (static_cast<Errc>(code)) {
      case Errc::kBadArgument:
        return "argument rejected";
      case Errc::kBadPolicy:
        return "unusable policy";
      case Errc::kUnsafeStateDir:
        return "unsafe state folder";
      case Errc::kDamagedState:
        return "damaged group state";
      case Errc::kGroupBusy:
        return "group busy";
      case Errc::kLockReplaced:
        return "group lock replaced";
      case Errc::kAmbiguousVm:
        return "ambiguous VM name";
      case Errc::kModuleNotFound:
        return "acting module not found";
      case Errc::kModuleFailed:
        return "acting module unusable";
    }
    return "remote-cmd error " + std::to_string(code);
  }
};

}  // namespace

const std::error_category& ErrorCategory() {
  static const Category category;
  return category;
}

}  // namespace zabitan::remote_cmd
