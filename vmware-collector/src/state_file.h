// zabitan — reading one of the collector's state files back (internal to the collector).
//
// The three loaders (inventory_file.cpp, counter_cache.cpp, watermarks.cpp) share what a state
// file may be on disk: absent (Errc::kNotFound: a first run), there but unreadable
// (Errc::kUnreadable: permission, a folder in its place, an I/O error), or read but not JSON
// (Errc::kDamaged: empty, cut short, overwritten). Each message names the file. Thread-safe
// (functions of their arguments).
#ifndef ZABITAN_VMWARE_COLLECTOR_SRC_STATE_FILE_H_
#define ZABITAN_VMWARE_COLLECTOR_SRC_STATE_FILE_H_

#include <string>

#include <nlohmann/json.hpp>

#include "zabitan/common/status.h"

namespace zabitan::vmware_collector {

// The file's bytes into *text: ok, kNotFound or kUnreadable.
Status ReadStateFile(const std::string& path, std::string* text);
// The file parsed into *json: ok, kNotFound, kUnreadable, or kDamaged (empty, or not JSON).
Status ReadStateJson(const std::string& path, nlohmann::json* json);
// "PATH: damaged (WHY)", kDamaged: the file parses but is not what the collector writes.
Status Damaged(const std::string& path, const std::string& why);

}  // namespace zabitan::vmware_collector

#endif  // ZABITAN_VMWARE_COLLECTOR_SRC_STATE_FILE_H_
