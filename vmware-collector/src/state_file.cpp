#include "state_file.h"

#include <system_error>

#include "zabitan/common/whole_file.h"
#include "zabitan/vmware_collector/error.h"

namespace zabitan::vmware_collector {

Status ReadStateFile(const std::string& path, std::string* text) {
  Status s = ReadFileWhole(path, text);
  if (s.ok()) return s;
  // Only a file that is not there is a first run: any other errno (EACCES, ENOTDIR, ELOOP,
  // EISDIR) means something is in the way, which the admin must hear of.
  if (s.code() == std::errc::no_such_file_or_directory) {
    return Status::Error(path + ": none yet", Errc::kNotFound);
  }
  return Status::Error(s.message(), Errc::kUnreadable);
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
