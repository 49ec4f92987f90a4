// zabitan — the JSON object of a zabitan-prom state file (rates-*.json, discovery-*.json).
#ifndef ZABITAN_PROM_BRIDGE_SRC_STATE_FILE_H_
#define ZABITAN_PROM_BRIDGE_SRC_STATE_FILE_H_

#include <string>
#include <system_error>

#include <nlohmann/json.hpp>

#include "zabitan/common/status.h"
#include "zabitan/common/whole_file.h"

namespace zabitan::prom_bridge {

// A missing file is an empty object (a first run); a file that cannot be read (EACCES, a folder
// in its place) or is anything but a JSON object is an error naming `what` and the file.
inline Status ReadStateObject(const std::string& path, const std::string& what,
                              nlohmann::json* doc) {
  *doc = nlohmann::json::object();
  std::string text;
  if (Status s = ReadFileWhole(path, &text); !s.ok()) {
    if (s.code() == std::errc::no_such_file_or_directory) return Status::Ok();
    return Status::Error(what + " " + s.message(), s.code());
  }
  *doc = nlohmann::json::parse(text, nullptr, false);
  if (doc->is_object()) return Status::Ok();
  *doc = nlohmann::json::object();
  return Status::Error(what + " " + path + ": not a JSON object");
}

}  // namespace zabitan::prom_bridge

#endif  // ZABITAN_PROM_BRIDGE_SRC_STATE_FILE_H_
