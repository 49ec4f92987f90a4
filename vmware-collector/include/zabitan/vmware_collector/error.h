// zabitan — the collector's error codes (category "zabitan.vmware-collector"): what became of a
// state file zabitan-vmware keeps between runs (the inventory, the counter cache, the
// watermarks), so that callers tell "not there yet" (a first run: start empty, say nothing)
// from "failed" (there, but unreadable or damaged: start empty, and say so) by the code and
// leave the message, which names the file, to people. A failed save carries the errno of the
// write (std::errc), as common's WriteFileWhole gives it.
//
// Thread-safety: the category is a constant singleton; everything here is safe from any thread.
//
// Example:
//   #include "zabitan/vmware_collector/inventory_file.h"
//   namespace vc = zabitan::vmware_collector;
//   zabitan::vsphere::Inventory inventory;
//   zabitan::Status s = vc::LoadInventory("/var/lib/zabitan/vmware/inventory-x.json", &inventory);
//   if (s.code() == vc::Errc::kNotFound) return 0;  // a first run: read it whole
//   if (!s.ok()) return 1;  // kUnreadable or kDamaged: say so, then read it whole
#ifndef ZABITAN_VMWARE_COLLECTOR_ERROR_H_
#define ZABITAN_VMWARE_COLLECTOR_ERROR_H_

#include <system_error>
#include <type_traits>

namespace zabitan::vmware_collector {

enum class Errc {
  // Absent: no such state file yet (a first run, or nothing saved). Not a failure.
  kNotFound = 1,
  // The file is there but cannot be read: permission, a folder in its place, an I/O error
  // (strerror in the message).
  kUnreadable,
  // The file was read but is not what zabitan-vmware writes: not JSON, the wrong shape, empty.
  kDamaged,
  // The counter cache is good but lacks a counter the run wants (and did not know it absent):
  // the endpoint's catalogue must be read. Not a failure.
  kCacheMiss,
};

const std::error_category& CollectorCategory();

inline std::error_code make_error_code(Errc e) {
  return {static_cast<int>(e), CollectorCategory()};
}

}  // namespace zabitan::vmware_collector

template <>
struct std::is_error_code_enum<zabitan::vmware_collector::Errc> : std::true_type {};

#endif  // ZABITAN_VMWARE_COLLECTOR_ERROR_H_
