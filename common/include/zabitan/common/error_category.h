// zabitan — TableErrorCategory: a std::error_category made from a name and a table of
// code → message rows, so that each library's error.cpp is only its table (the category
// classes of common, sender, sstp-notify, vsphere, zabbix-api, zabbix-templates and remote-cmd
// were seven copies of one switch). A code missing from the table reads "UNKNOWN CODE"
// ("unknown sender error 42"), as those switches' fallbacks did.
//
// Thread-safety: immutable once constructed; name() and message() are safe from any thread.
// Construct it as a function-local static, whose initialisation C++ makes thread-safe.
//
// Example:
//   enum class Errc { kBroken = 1, kLost };
//   static const zabitan::TableErrorCategory category(
//       "zabitan.example", "unknown example error",
//       {{Errc::kBroken, "broken"}, {Errc::kLost, "lost"}});
//   std::error_code code(static_cast<int>(Errc::kLost), category);
//   if (code.message() != "lost") return 1;  // 99 would read "unknown example error 99"
#ifndef ZABITAN_COMMON_ERROR_CATEGORY_H_
#define ZABITAN_COMMON_ERROR_CATEGORY_H_

#include <initializer_list>
#include <string>
#include <system_error>
#include <type_traits>
#include <vector>

namespace zabitan {

class TableErrorCategory final : public std::error_category {
 public:
  // One row: an error enum's value and the message people read for it.
  struct Row {
    template <class Enum>
    requires std::is_enum_v<Enum>
    constexpr Row(Enum e, const char* text) : code(static_cast<int>(e)), message(text) {}
    int code;
    const char* message;
  };

  // name: what name() returns ("zabitan.sender"); unknown: the start of the message of a code
  // the table lacks. Both are kept as pointers: pass string literals. Each code at most once.
  TableErrorCategory(const char* name, const char* unknown, std::initializer_list<Row> rows);

  const char* name() const noexcept override { return name_; }
  std::string message(int code) const override;

 private:
  const char* name_;
  const char* unknown_;
  std::vector<Row> rows_;
};

}  // namespace zabitan

#endif  // ZABITAN_COMMON_ERROR_CATEGORY_H_
