#include "zabitan/sstp_notify/error.h"

#include <string>

namespace zabitan::sstp_notify {
namespace {

class Category : public std::error_category {
 public:
  const char* name() const noexcept override { return "zabitan.sstp"; }
  std::string message(int value) const override {
    switch (static_cast<Errc>(value)) {
      case Errc::kUnsupportedCharset:
        return "unsupported charset";
      case Errc::kBadRequest:
        return "the request cannot be encoded";
      case Errc::kBadResponse:
        return "not an SSTP response";
      case Errc::kBusy:
        return "the ghost cannot take it now";
      case Errc::kRefused:
        return "the ghost refused the message";
      case Errc::kNoTimeLeft:
        return "no time left to deliver";
      case Errc::kStopped:
        return "stopped by a signal";
      case Errc::kSpoolDamaged:
        return "a spooled message is damaged";
    }
    return "unknown sstp error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& SstpCategory() {
  static const Category category;
  return category;
}

}  // namespace zabitan::sstp_notify
