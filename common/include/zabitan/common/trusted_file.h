// zabitan — opening a file that decides what a program may do (a config, a password, a module
// to load) so that what is checked is what is used.
//
// A check by path then an open by path can be raced: the file trusted at stat(2) is swapped
// for a symbolic link before open(2). Here the path is walked from "/" one folder at a time,
// each opened with O_NOFOLLOW and checked on its descriptor, and the file itself is opened with
// O_NOFOLLOW | O_NONBLOCK (a FIFO cannot hold the caller) and checked on its descriptor: a
// regular file, owned by root or the running user, not writable by group or others (a secret:
// not even readable). Every folder on the way must be owned by root or the running user and
// not writable by group or others, unless it has the sticky bit (/tmp: no one else can then
// rename or remove what is in it). A symbolic link anywhere on the path is refused: name the
// real path. The caller reads the checked descriptor (at most kTrustedFileMaxBytes) or, for a
// module, loads it through /proc/self/fd/N.
//
// Thread-safety: the functions keep no state and are safe to call from several threads.
//
// Example:
//   std::string text;
//   zabitan::Status s = zabitan::ReadTrustedFile("/etc/zabitan/zabitan.toml", false, &text);
//   // "/etc/zabitan/zabitan.toml: mode 0666 lets group or others change it (chmod go-w …)"
#ifndef ZABITAN_COMMON_TRUSTED_FILE_H_
#define ZABITAN_COMMON_TRUSTED_FILE_H_

#include <cstddef>
#include <string>

#include "zabitan/common/status.h"
#include "zabitan/common/unique_fd.h"

namespace zabitan {

inline constexpr size_t kTrustedFileMaxBytes = size_t{1} << 20;

// Opens `path` (absolute) read-only after the checks above; the error names `path` and says
// what is wrong and how to fix it, in one line.
Status OpenTrustedFile(const std::string& path, bool secret, UniqueFd* fd);

// OpenTrustedFile, then reads what that descriptor holds, refusing more than `max_bytes`.
Status ReadTrustedFile(const std::string& path, bool secret, std::string* text,
                       size_t max_bytes = kTrustedFileMaxBytes);

}  // namespace zabitan

#endif  // ZABITAN_COMMON_TRUSTED_FILE_H_
