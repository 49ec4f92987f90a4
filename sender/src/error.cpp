#include "zabitan/sender/error.h"

#include <string>

namespace zabitan::sender {
namespace {

class Category : public std::error_category {
 public:
  const char* name() const noexcept override { return "zabitan.sender"; }
  std::string message(int value) const override {
    switch (static_cast<Errc>(value)) {
      case Errc::kRedirectTargetDown:
        return "the redirect target did not answer";
      case Errc::kRedirectLoop:
        return "a redirect answered by another redirect";
    }
    return "unknown sender error " + std::to_string(value);
  }
};

}  // namespace

const std::error_category& SenderCategory() {
  static const Category category;
  return category;
}

}  // namespace zabitan::sender
