#include "zabitan/vsphere/error.h"

#include "zabitan/common/error_category.h"

namespace zabitan::vsphere {

const std::error_category& ErrorCategory() {
  static const TableErrorCategory category("vsphere", "vsphere error",
                                           {{Error::kFault, "SOAP fault"},
                                            {Error::kNotAuthenticated, "not authenticated"},
                                            {Error::kInvalidLogin, "login refused"},
                                            {Error::kNoPermission, "permission missing"},
                                            {Error::kInvalidName, "invalid name"},
                                            {Error::kNotFound, "not found"},
                                            {Error::kAmbiguous, "ambiguous"},
                                            {Error::kBadReply, "bad reply"},
                                            {Error::kTaskFailed, "task failed"},
                                            {Error::kTimedOut, "timed out"}});
  return category;
}

std::error_code make_error_code(Error e) { return {static_cast<int>(e), ErrorCategory()}; }

Error FaultCode(std::string_view type) {
  if (type == "NotAuthenticated") return Error::kNotAuthenticated;
  if (type == "InvalidLogin") return Error::kInvalidLogin;
  if (type == "NoPermission") return Error::kNoPermission;
  if (type == "InvalidName") return Error::kInvalidName;
  return Error::kFault;
}

bool IsFault(const std::error_code& code) {
  return code.category() == ErrorCategory() && code.value() >= static_cast<int>(Error::kFault) &&
         code.value() <= static_cast<int>(Error::kInvalidName);
}

}  // namespace zabitan::vsphere
