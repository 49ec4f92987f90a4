#include "zabitan/common/trusted_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>
#include <vector>

#include "zabitan/common/error.h"

namespace zabitan {
namespace {

std::string Mode(mode_t mode) {
  char text[8];
  std::snprintf(text, sizeof(text), "%04o", static_cast<unsigned>(mode & 07777));
  return text;
}

Status Owner(const std::string& path, const std::string& what, const struct stat& st) {
  if (st.st_uid == 0 || st.st_uid == ::geteuid()) return Status::Ok();
  return Status::Error(path + ": " + what + "owned by uid " + std::to_string(st.st_uid) +
                           ", neither root nor the running user (uid " +
                           std::to_string(::geteuid()) + ")",
                       Errc::kInsecureFile);
}

// A folder on the way: whoever may write in it could swap what comes next.
Status CheckFolder(const std::string& path, const std::string& folder, const struct stat& st) {
  if (Status s = Owner(path, "folder " + folder + " is ", st); !s.ok()) return s;
  if ((st.st_mode & 022) != 0 && (st.st_mode & S_ISVTX) == 0) {
    return Status::Error(path + ": folder " + folder + " has mode " + Mode(st.st_mode) +
                             ": group or others can replace what is in it (chmod go-w " + folder +
                             ")",
                         Errc::kInsecureFile);
  }
  return Status::Ok();
}

Status CheckFile(const std::string& path, bool secret, const struct stat& st) {
  if (!S_ISREG(st.st_mode))
    return Status::Error(path + ": not a regular file", Errc::kNotRegularFile);
  if (Status s = Owner(path, "", st); !s.ok()) return s;
  const mode_t forbidden = secret ? 077 : 022;
  if ((st.st_mode & forbidden) != 0) {
    return Status::Error(
        path + ": mode " + Mode(st.st_mode) +
            (secret ? " lets group or others read it" : " lets group or others change it") +
            " (chmod " + (secret ? "600" : "go-w") + " " + path + ")",
        Errc::kInsecureFile);
  }
  return Status::Ok();
}

Status OpenError(const std::string& path, const std::string& name, int err) {
  if (err == ELOOP || err == ENOTDIR) {
    // O_NOFOLLOW answers ELOOP for a link as the last part, O_DIRECTORY ENOTDIR for one before it.
    struct stat st;
    if (::lstat(name.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
      return Status::Error(
          path + ": " + (name == path ? "" : name + " ") + "is a symbolic link: name the real path",
          Errc::kNotRegularFile);
    }
  }
  return ErrnoError(path, err);
}

}  // namespace

Status OpenTrustedFile(const std::string& path, bool secret, UniqueFd* fd) {
  fd->reset();
  if (path.empty() || path.front() != '/')
    return Status::Error(path + ": expected an absolute path", Errc::kNotRegularFile);
  std::vector<std::string_view> parts;
  for (size_t at = 1; at <= path.size();) {
    size_t slash = path.find('/', at);
    if (slash == std::string::npos) slash = path.size();
    std::string_view part(path.data() + at, slash - at);
    if (part == "..") return Status::Error(path + ": \"..\" is not allowed", Errc::kNotRegularFile);
    if (!part.empty() && part != ".") parts.push_back(part);
    at = slash + 1;
  }
  if (parts.empty()) return Status::Error(path + ": not a regular file", Errc::kNotRegularFile);
  UniqueFd dir(::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC));
  std::string walked = "/";
  struct stat st;
  if (!dir || ::fstat(dir.get(), &st) != 0) return OpenError(path, walked, errno);
  if (Status s = CheckFolder(path, walked, st); !s.ok()) return s;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    walked += (walked.size() > 1 ? "/" : "") + std::string(parts[i]);
    UniqueFd next(::openat(dir.get(), std::string(parts[i]).c_str(),
                           O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
    if (!next || ::fstat(next.get(), &st) != 0) return OpenError(path, walked, errno);
    if (Status s = CheckFolder(path, walked, st); !s.ok()) return s;
    dir = std::move(next);
  }
  UniqueFd file(::openat(dir.get(), std::string(parts.back()).c_str(),
                         O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  if (!file) return OpenError(path, path, errno);
  if (::fstat(file.get(), &st) != 0) return OpenError(path, path, errno);
  if (Status s = CheckFile(path, secret, st); !s.ok()) return s;
  *fd = std::move(file);
  return Status::Ok();
}

Status ReadTrustedFile(const std::string& path, bool secret, std::string* text, size_t max_bytes) {
  text->clear();
  UniqueFd fd;
  if (Status s = OpenTrustedFile(path, secret, &fd); !s.ok()) return s;
  // One byte more than allowed tells a file at the cap from one over it.
  std::string buffer(max_bytes + 1, '\0');
  size_t have = 0;
  while (have < buffer.size()) {
    const ssize_t n = ::read(fd.get(), buffer.data() + have, buffer.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(path);
    if (n == 0) break;
    have += static_cast<size_t>(n);
  }
  if (have > max_bytes) {
    return Status::Error(path + ": larger than " + std::to_string(max_bytes) + " bytes",
                         Errc::kTooLarge);
  }
  buffer.resize(have);
  *text = std::move(buffer);
  return Status::Ok();
}

}  // namespace zabitan
