#include "state_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "zabitan/common/unique_fd.h"
#include "zabitan/vmware_collector/error.h"

namespace zabitan::vmware_collector {

Status ReadStateFile(const std::string& path, std::string* text) {
  text->clear();
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  // Only a file that is not there is a first run: any other errno (EACCES, ENOTDIR, ELOOP)
  // means something is in the way, which the admin must hear of.
  if (!fd && errno == ENOENT) return Status::Error(path + ": none yet", Errc::kNotFound);
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
  return Status::Error(path + ": " + std::strerror(err), Errc::kUnreadable);
}

Status ReadStateJson(const std::string& path, nlohmann::json* json) {
  *json = nullptr;
  std::string text;
  if (Status s = ReadStateFile(path, &text); !s.ok()) return s;
  // The collector writes its files whole and renames them into place (WriteFileWhole): an
  // empty one was not written by it (a crash before the data reached the disk, a `> file`).
  if (text.empty()) return Damaged(path, "empty");
  *json = nlohmann::json::parse(text, nullptr, false);
  if (json->is_discarded()) {
    *json = nullptr;
    return Damaged(path, "not JSON");
  }
  return Status::Ok();
}

Status Damaged(const std::string& path, const std::string& why) {
  return Status::Error(path + ": damaged (" + why + ")", Errc::kDamaged);
}

}  // namespace zabitan::vmware_collector
