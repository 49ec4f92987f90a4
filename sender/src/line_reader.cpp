#include "line_reader.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace zabitan::sender {
namespace {
constexpr size_t kChunk = 1 << 16;
}

LineReader::Result LineReader::Next(std::string_view* line, int timeout_ms) {
  for (;;) {
    const char* data = buf_.data() + begin_;
    size_t avail = buf_.size() - begin_;
    if (const void* nl = std::memchr(data + scanned_, '\n', avail - scanned_)) {
      size_t len = static_cast<const char*>(nl) - data;
      *line = std::string_view(data, len);
      begin_ += len + 1;
      scanned_ = 0;
      return Result::kLine;
    }
    scanned_ = avail;
    if (eof_) {
      if (avail == 0) return Result::kEof;
      *line = std::string_view(data, avail);
      begin_ = buf_.size();
      scanned_ = 0;
      return Result::kLine;
    }
    Result r;
    if (!Fill(timeout_ms, &r)) return r;
  }
}

bool LineReader::Fill(int timeout_ms, Result* result) {
  // Drop consumed bytes so the buffer only ever holds the current line and one chunk.
  if (begin_ > 0) {
    buf_.erase(0, begin_);
    begin_ = 0;
  }
  if (timeout_ms >= 0 || stop_fd_ >= 0) {
    pollfd pfd[2] = {{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    int n;
    do n = ::poll(pfd, stop_fd_ >= 0 ? 2 : 1, timeout_ms);
    while (n < 0 && errno == EINTR);
    if (stop_fd_ >= 0 && (pfd[1].revents & POLLIN)) {
      *result = Result::kStopped;
      return false;
    }
    if (n == 0) {
      *result = Result::kTimeout;
      return false;
    }
  }
  size_t old = buf_.size();
  buf_.resize(old + kChunk);
  ssize_t n;
  do n = ::read(fd_, buf_.data() + old, kChunk);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    buf_.resize(old);
    error_ = std::strerror(errno);
    *result = Result::kError;
    return false;
  }
  buf_.resize(old + static_cast<size_t>(n));
  if (n == 0) eof_ = true;
  return true;
}

}  // namespace zabitan::sender
