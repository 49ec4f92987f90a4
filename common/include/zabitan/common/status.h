// zabitan — Status: the outcome of an operation that can fail, as a value.
//
// A Status is either ok or carries a one-line, human-readable message that names what failed
// and why ("zabitan.toml:3: sender.timeout: expected an integer"), and, where the failure has
// one, a std::error_code (a component's category, e.g. zabitan::sender::Errc): the message is
// for people, the code for the code that must tell failures apart. Functions of the public API
// return a Status and write their results through out-parameters, so callers never need to
// catch exceptions.
//
// Thread-safety: intentionally copyable; not thread-safe for concurrent writes.
//
// Example:
//   #include <iostream>
//   zabitan::Status s = zabitan::Status::Error("vc.password: no such file",
//                                              std::make_error_code(std::errc::no_such_file_or_directory));
//   if (s.code() == std::errc::no_such_file_or_directory) std::cerr << s.message() << "\n";
#ifndef ZABITAN_COMMON_STATUS_H_
#define ZABITAN_COMMON_STATUS_H_

#include <string>
#include <system_error>
#include <utility>

namespace zabitan {

class Status {
 public:
  Status() = default;  // ok

  static Status Ok() { return Status(); }
  static Status Error(std::string message) { return Status(std::move(message)); }
  // An error whose cause also has a code (a libcurl CURLcode, ...): the message is for people,
  // the code for the code that must tell causes apart without reading a library's wording
  // (vsphere::FailureReason).
  static Status Error(std::string message, std::error_code code) {
    Status s(std::move(message));
    s.code_ = code;
    return s;
  }

  bool ok() const { return !failed_; }
  const std::string& message() const { return message_; }
  // The code given to Error (empty, value 0, when none was).
  const std::error_code& code() const { return code_; }

  // Returns a copy whose message is "context: message", the code kept (ok stays ok).
  Status Prefixed(const std::string& context) const {
    return ok() ? *this : Error(context + ": " + message_, code_);
  }

 private:
  explicit Status(std::string message) : failed_(true), message_(std::move(message)) {}

  bool failed_ = false;
  std::string message_;
  std::error_code code_;
};

}  // namespace zabitan

#endif  // ZABITAN_COMMON_STATUS_H_
