#include "zabitan/common/error.h"

#include <cstring>
#include <string>

namespace zabitan {
namespace {

class Category : public std::error_category {
 public:
  const char* name() const noexcept override { return "zabitan.common"; }
  std::string message(int value) const override {
    switch (static_cast<Errc>(value)) {
      case Errc::kInsecureFile:
        return "a file others may read or change";
      case Errc::kNotRegularFile:
        return "not a regular file";
      case Errc::kTooLarge:
        return "over its size limit";
      case Errc::kConfig:
        return "a configuration error";
      case Errc::kSpoolLocked:
        return "the spool is locked by another run";
      case Errc::kNoSpool:
        return "not a spool";
      case Errc::kSpoolDamaged:
        return "a damaged spool entry";
      case Errc::kCannotResolve:
        return "cannot resolve the host name";
      case Errc::kCannotConnect:
        return "cannot connect";
    }
    return "unknown common error " + std::to_string(value);
  }
};

}  // namespace

Status ErrnoError(const std::string& what, int err) {
  return Status::Error(what + ": " + std::strerror(err),
                       std::error_code(err, std::generic_category()));
}

const std::error_category& CommonCategory() {
  static const Category category;
  return category;
}

}  // namespace zabitan
