// zabitan — the JSON object of a zabitan-prom state file (rates-*.json, discovery-*.json).
#ifndef ZABITAN_PROM_BRIDGE_SRC_STATE_FILE_H_
#define ZABITAN_PROM_BRIDGE_SRC_STATE_FILE_H_

#include <fstream>
#include <iterator>
#include <string>

#include <nlohmann/json.hpp>

#include "zabitan/common/status.h"

namespace zabitan::prom_bridge {

// A missing file is an empty object (a first run); anything but a JSON object is an error
// naming `what` and the file.
inline Status ReadStateObject(const std::string& path, const std::string& what,
                              nlohmann::json* doc) {
  *doc = nlohmann::json::object();
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Ok();
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  *doc = nlohmann::json::parse(text, nullptr, false);
  if (doc->is_object()) return Status::Ok();
  *doc = nlohmann::json::object();
  return Status::Error(what + " " + path + ": not a JSON object");
}

}  // namespace zabitan::prom_bridge

#endif  // ZABITAN_PROM_BRIDGE_SRC_STATE_FILE_H_
