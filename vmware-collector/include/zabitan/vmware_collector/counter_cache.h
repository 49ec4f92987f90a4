// zabitan — CounterCache: the perfCounter catalogue, cached in the state folder per endpoint.
//
// The catalogue is the largest reply of all and changes with the endpoint's build only, so it
// is kept per instanceUuid and API version (counter ids differ between builds). The cache
// serves a run when it holds every wanted path, or knew when it was written that the endpoint
// does not offer it (`absent`), so a counter an endpoint lacks does not cost a full read on
// every run. A cache that serves nothing says why by its code (error.h): none yet or a counter
// it lacks (the usual misses), or unreadable or damaged (worth a warning). Not thread-safe: one
// collector's.
//
// Example:
//   #include "zabitan/vsphere/perf.h"
//   namespace zv = zabitan::vsphere;
//   zv::Credentials credentials{"monitor@vsphere.local", "the password, read from a file"};
//   zv::Connection vc;  // session.h
//   zabitan::Status s = zv::Connect({.url = "https://vcenter.example.com/sdk"}, &credentials,
//                                   "/var/lib/zabitan/vmware", &vc);
//   zabitan::vmware_collector::CounterCache cache("/var/lib/zabitan/vmware", vc.content);
//   std::vector<std::string> wanted = {"cpu.usage.average", "mem.usage.average"};
//   std::map<std::string, zv::Counter> catalogue;
//   if (s.ok() && !cache.Lookup(wanted, &catalogue).ok()) {
//     s = zv::ReadCounters(*vc.client, vc.content, &catalogue);
//     if (s.ok()) s = cache.Store(catalogue, wanted);
//   }
#ifndef ZABITAN_VMWARE_COLLECTOR_COUNTER_CACHE_H_
#define ZABITAN_VMWARE_COLLECTOR_COUNTER_CACHE_H_

#include <map>
#include <string>
#include <vector>

#include "zabitan/common/status.h"
#include "zabitan/vmware_collector/error.h"
#include "zabitan/vsphere/session.h"
#include "zabitan/vsphere/types.h"

namespace zabitan::vmware_collector {

class CounterCache {
 public:
  CounterCache(const std::string& state_dir, const vsphere::ServiceContent& content);

  // Ok: the cached catalogue is in *catalogue and answers for every path of `wanted`. Otherwise
  // *catalogue is empty, the endpoint must be read, and the code says why: Errc::kNotFound
  // (nothing cached yet for this endpoint and version) or kCacheMiss (a wanted path neither
  // cached nor known absent) are no failure; kUnreadable and kDamaged are.
  Status Lookup(const std::vector<std::string>& wanted,
                std::map<std::string, vsphere::Counter>* catalogue) const;
  // Writes `catalogue`, with the paths of `wanted` it lacks as absent; a failure carries the
  // write's errno (std::errc).
  Status Store(const std::map<std::string, vsphere::Counter>& catalogue,
               const std::vector<std::string>& wanted) const;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace zabitan::vmware_collector

#endif  // ZABITAN_VMWARE_COLLECTOR_COUNTER_CACHE_H_
