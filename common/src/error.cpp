#include "zabitan/common/error.h"

#include <cstring>

#include "zabitan/common/error_category.h"

namespace zabitan {

Status ErrnoError(const std::string& what, int err) {
  return Status::Error(what + ": " + std::strerror(err),
                       std::error_code(err, std::generic_category()));
}

const std::error_category& CommonCategory() {
  static const TableErrorCategory category(
      "zabitan.common", "unknown common error",
      {{Errc::kInsecureFile, "a file others may read or change"},
       {Errc::kNotRegularFile, "not a regular file"},
       {Errc::kTooLarge, "over its size limit"},
       {Errc::kConfig, "a configuration error"},
       {Errc::kSpoolLocked, "the spool is locked by another run"},
       {Errc::kNoSpool, "not a spool"},
       {Errc::kSpoolDamaged, "a damaged spool entry"},
       {Errc::kCannotResolve, "cannot resolve the host name"},
       {Errc::kCannotConnect, "cannot connect"}});
  return category;
}

}  // namespace zabitan
