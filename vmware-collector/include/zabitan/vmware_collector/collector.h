// zabitan — Collector: one zabitan-vmware collection, or a daemon of them.
//
// A cycle makes sure of the session (reusing the saved one, logging in again when the endpoint
// ended it), brings the inventory up to date, and sends, through the sender library (or to
// stdout with dry_run): low-level discovery with datastore sizes, power states and uptimes
// (discovery.h), then the realtime samples of every host and VM newer than their watermarks
// (perf_values.h), each QueryPerf reply as it is read. The watermarks and inventory are saved
// in the state folder. A Collector keeps the inventory and watermarks in memory between the
// cycles of a daemon. Not thread-safe: one per process.
//
// Example:
//   #include "zabitan/vsphere/session.h"
//   namespace zv = zabitan::vsphere;
//   zv::Credentials credentials{"monitor@vsphere.local", "the password, read from a file"};
//   zv::Connection vc;  // session.h
//   zabitan::Status s = zv::Connect({.url = "https://vcenter.example.com/sdk"}, &credentials,
//                                   "/var/lib/zabitan/vmware", &vc);
//   zabitan::vmware_collector::Settings settings;
//   settings.url = "https://vcenter.example.com/sdk";
//   if (s.ok()) s = zabitan::vmware_collector::ApplyConfig(&settings, false);
//   zabitan::vmware_collector::Collector collector(settings, *vc.client, vc.content, credentials,
//                                                  nullptr);  // no spool
//   int code = collector.Cycle();  // zabitan-sender's exit codes (sender::kExit*)
#ifndef ZABITAN_VMWARE_COLLECTOR_COLLECTOR_H_
#define ZABITAN_VMWARE_COLLECTOR_COLLECTOR_H_

#include <string>
#include <vector>

#include "zabitan/common/spool.h"
#include "zabitan/common/status.h"
#include "zabitan/vmware_collector/daemon.h"
#include "zabitan/vmware_collector/settings.h"
#include "zabitan/vmware_collector/sink.h"
#include "zabitan/vmware_collector/watermarks.h"
#include "zabitan/vsphere/session.h"
#include "zabitan/vsphere/soap_client.h"
#include "zabitan/vsphere/types.h"

namespace zabitan::vmware_collector {

class Collector {
 public:
  // `settings` have been through ApplyConfig; client, content and spool (may be null) outlive
  // the Collector. Loads the inventory's state file (a damaged one is read whole again).
  Collector(Settings settings, vsphere::SoapClient& client, const vsphere::ServiceContent& content,
            vsphere::Credentials credentials, Spool* spool);
  Collector(const Collector&) = delete;
  Collector& operator=(const Collector&) = delete;

  // One cycle. Exit codes as zabitan-sender's: 0 delivered, 2 partial, 3 spooled, 1 failed
  // (each failure said on stderr in one line).
  int Cycle();
  // A cycle every settings.interval seconds, counted from the start of the previous one (a
  // cycle that overran starts the next at once, and says so), until a stop signal. Returns
  // the last cycle's code.
  int Daemon(StopSignals* stop);

 private:
  int Collect();
  Status AddPerformance(const std::vector<vsphere::Entity>& entities, ValueSink* sink);

  Settings settings_;
  vsphere::SoapClient& client_;
  const vsphere::ServiceContent& sc_;
  vsphere::Credentials credentials_;
  Spool* spool_;
  std::string session_file_, inventory_file_;
  vsphere::Inventory inventory_;
  // As long as the process: a daemon whose state folder cannot be written goes on from what it
  // delivered instead of sending it again every cycle.
  Watermarks watermarks_;
};

}  // namespace zabitan::vmware_collector

#endif  // ZABITAN_VMWARE_COLLECTOR_COLLECTOR_H_
