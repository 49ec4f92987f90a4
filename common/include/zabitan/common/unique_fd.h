// zabitan — UniqueFd: owns a POSIX file descriptor and closes it when it goes away.
//
// Thread-safety: thread-compatible, like the int it holds: one owner at a time.
//
// Example:
//   #include <fcntl.h>
//   zabitan::UniqueFd fd(::open("/etc/hostname", O_RDONLY | O_CLOEXEC));
//   if (!fd) return 1;
//   char buf[64];
//   ssize_t n = ::read(fd.get(), buf, sizeof buf);
#ifndef ZABITAN_COMMON_UNIQUE_FD_H_
#define ZABITAN_COMMON_UNIQUE_FD_H_

#include <unistd.h>

#include <utility>

namespace zabitan {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace zabitan

#endif  // ZABITAN_COMMON_UNIQUE_FD_H_
