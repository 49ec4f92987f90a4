// zabitan — Status: the outcome of an operation that can fail, as a value.
//
// A Status is either ok or carries a one-line, human-readable message that names what failed
// and why ("zabitan.toml:3: sender.timeout: expected an integer"). Functions of the public API
// return a Status and write their results through out-parameters, so callers never need to
// catch exceptions. Intentionally copyable. Not thread-safe for concurrent writes.
//
//   zabitan::Status s = zabitan::ReadSecretFile("/etc/zabitan/vc.password", &password);
//   if (!s.ok()) { std::cerr << s.message() << "\n"; return 1; }
#ifndef ZABITAN_COMMON_STATUS_H_
#define ZABITAN_COMMON_STATUS_H_

#include <string>
#include <utility>

namespace zabitan {

class Status {
 public:
  Status() = default;  // ok

  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message)); }

  bool ok() const { return !failed_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "context: message" (ok stays ok).
  Status Prefixed(const std::string& context) const {
    return ok() ? *this : Status(context + ": " + message_);
  }

 private:
  explicit Status(std::string message) : failed_(true), message_(std::move(message)) {}

  bool failed_ = false;
  std::string message_;
};

}  // namespace zabitan

#endif  // ZABITAN_COMMON_STATUS_H_
