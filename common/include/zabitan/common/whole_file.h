// zabitan — writing a state file whole: a reader sees the old file or the new one, never half.
//
// Mode 0600 from the start (state files hold session cookies and values), written to PATH.tmp,
// fsync'd, renamed over PATH. A write that fails (a full disk: a write of nothing counts as
// ENOSPC) removes its partial .tmp, so it takes none of the room left, and the error names PATH
// and carries the errno as its code (ErrnoError: comparable with std::errc).
// Large files are written a piece at a time through buffer() and Flush(). ReadFileWhole reads
// one back: its errno code tells a file not there yet (std::errc::no_such_file_or_directory, a
// first run) from one that is there and cannot be read (EACCES, EISDIR: an admin must hear of it).
//
// Thread-safety: not thread-safe; one writer per path at a time (callers hold their folder's
// lock).
//
// Example:
//   zabitan::Status s = zabitan::WriteFileWhole("/var/lib/zabitan/vmware/perf-x.json", "{}");
//   zabitan::WholeFileWriter w("/var/lib/zabitan/vmware/known");
//   for (int i = 0; i < 3; ++i) {
//     w.buffer() += "line\n";
//     w.Flush();  // written out once the buffer is large
//   }
//   if (s.ok()) s = w.Commit();
//   std::string text;
//   zabitan::Status r = zabitan::ReadFileWhole("/var/lib/zabitan/vmware/known", &text);
//   bool first_run = r.code() == std::errc::no_such_file_or_directory;
#ifndef ZABITAN_COMMON_WHOLE_FILE_H_
#define ZABITAN_COMMON_WHOLE_FILE_H_

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include "zabitan/common/error.h"
#include "zabitan/common/status.h"
#include "zabitan/common/unique_fd.h"

namespace zabitan {

class WholeFileWriter {
 public:
  explicit WholeFileWriter(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp") {
    fd_.reset(::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!fd_ || ::fchmod(fd_.get(), 0600) != 0) error_ = errno;
  }
  std::string& buffer() { return buffer_; }
  // Writes the buffer out once it is large.
  void Flush(bool all = false) {
    if (error_ != 0 || (!all && buffer_.size() < (1 << 20))) return;
    size_t done = 0;
    while (done < buffer_.size()) {
      ssize_t n = ::write(fd_.get(), buffer_.data() + done, buffer_.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        error_ = n < 0 ? errno : ENOSPC;  // a write of nothing: the disk is full
        return;
      }
      done += static_cast<size_t>(n);
    }
    buffer_.clear();
  }
  Status Commit() {
    Flush(true);
    if (error_ == 0 && ::fsync(fd_.get()) != 0) error_ = errno;
    if (error_ != 0) {
      fd_.reset();
      ::unlink(tmp_.c_str());  // a partial file must not take what room is left
      return ErrnoError(path_, error_);
    }
    fd_.reset();
    if (::rename(tmp_.c_str(), path_.c_str()) != 0) {
      int err = errno;
      ::unlink(tmp_.c_str());  // PATH cannot be replaced (a folder in its place): no stray .tmp
      return ErrnoError(path_, err);
    }
    return Status::Ok();
  }

 private:
  std::string path_, tmp_, buffer_;
  UniqueFd fd_;
  int error_ = 0;
};

// WholeFileWriter for data already in memory.
inline Status WriteFileWhole(const std::string& path, std::string_view data) {
  WholeFileWriter w(path);
  w.buffer().assign(data);
  return w.Commit();
}

// The whole of `path` into `text` (cleared on error); the error carries the errno.
inline Status ReadFileWhole(const std::string& path, std::string* text) {
  text->clear();
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  int err = fd ? 0 : errno;
  char buf[1 << 16];
  while (err == 0) {
    const ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n > 0) {
      text->append(buf, static_cast<size_t>(n));
    } else if (n == 0) {
      return Status::Ok();
    } else if (errno != EINTR) {
      err = errno;  // EISDIR: a folder in the file's place opens, but does not read
    }
  }
  text->clear();
  return ErrnoError(path, err);
}

}  // namespace zabitan

#endif  // ZABITAN_COMMON_WHOLE_FILE_H_
