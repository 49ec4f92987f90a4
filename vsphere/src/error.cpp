#include "zabitan/vsphere/error.h"

#include <string>

namespace zabitan::vsphere {
namespace {

class VsphereErrorCategory : public std::error_category {
 public:
  const char* name() const noexcept override { return "vsphere"; }
  std::string message(int code) const override {
    switch (static_cast<Error>(code)) {
      case Error::kFault:
        return "SOAP fault";
      case Error::kNotAuthenticated:
        return "not authenticated";
      case Error::kInvalidLogin:
        return "login refused";
      case Error::kNoPermission:
        return "permission missing";
      case Error::kInvalidName:
        return "invalid name";
      case Error::kNotFound:
        return "not found";
      case Error::kAmbiguous:
        return "ambiguous";
      case Error::kBadReply:
        return "bad reply";
      case Error::kTaskFailed:
        return "task failed";
      case Error::kTimedOut:
        return "timed out";
    }
    return "vsphere error " + std::to_string(code);
  }
};

}  // namespace

const std::error_category& ErrorCategory() {
  static const VsphereErrorCategory category;
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
