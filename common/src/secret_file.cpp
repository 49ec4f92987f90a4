#include "zabitan/common/secret_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "zabitan/common/error.h"
#include "zabitan/common/unique_fd.h"

namespace zabitan {
namespace {

constexpr off_t kMaxSecretSize = 1 << 20;

std::string OctalMode(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

Status CheckStat(const std::string& path, const struct stat& st) {
  if (!S_ISREG(st.st_mode))
    return Status::Error(path + ": not a regular file", Errc::kNotRegularFile);
  if ((st.st_mode & 077) != 0) {
    return Status::Error(path + ": mode " + OctalMode(st.st_mode) +
                             " gives group/others access to a secret; run chmod 600 " + path,
                         Errc::kInsecureFile);
  }
  return Status::Ok();
}

}  // namespace

Status CheckSecretFileMode(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoError(path);
  return CheckStat(path, st);
}

Status ReadSecretFile(const std::string& path, std::string* contents) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return ErrnoError(path);
  // Check the file we opened, not the name: the name could be swapped between the two calls.
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoError(path);
  if (Status s = CheckStat(path, st); !s.ok()) return s;
  if (st.st_size > kMaxSecretSize)
    return Status::Error(path + ": larger than 1 MiB", Errc::kTooLarge);
  contents->clear();
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(path);
    if (n == 0) break;
    contents->append(buf, static_cast<size_t>(n));
    if (contents->size() > static_cast<size_t>(kMaxSecretSize)) {
      return Status::Error(path + ": larger than 1 MiB", Errc::kTooLarge);
    }
  }
  return Status::Ok();
}

void StripLineEnd(std::string* text) {
  while (!text->empty() && (text->back() == '\n' || text->back() == '\r')) text->pop_back();
}

Status ReadSecretLine(const std::string& path, std::string* secret) {
  Status s = ReadSecretFile(path, secret);
  if (s.ok()) StripLineEnd(secret);
  return s;
}

}  // namespace zabitan
