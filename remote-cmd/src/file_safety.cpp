#include "zabitan/remote/file_safety.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace zabitan::remote {

// The messages say what is wrong and how to fix it, not "refusing": the caller says what it
// refuses ("refusing to run: …" for the config, "failed: …" for a group's password file).
Status CheckTrustedFile(const std::string& path, bool secret) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Status::Error(path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) return Status::Error(path + ": not a regular file");
  if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
    return Status::Error(path + ": owned by uid " + std::to_string(st.st_uid) +
                         ", neither root nor the running user (uid " + std::to_string(::geteuid()) + ")");
  }
  const mode_t forbidden = secret ? 077 : 022;
  if ((st.st_mode & forbidden) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::Error(path + ": mode " + mode +
                         (secret ? " lets group or others read it" : " lets group or others change it") + " (chmod " +
                         (secret ? "600" : "go-w") + " " + path + ")");
  }
  return Status::Ok();
}

}  // namespace zabitan::remote
