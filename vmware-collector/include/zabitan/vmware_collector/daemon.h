// zabitan — how zabitan-vmware stops (StopSignals) and where it keeps its state (MakeStateDir).
//
// SIGTERM and SIGINT are blocked for the whole run and taken with sigtimedwait while the daemon
// waits for its next cycle: a cycle is never cut short (curl is not interrupted half-way through
// a call, the watermarks are saved), and the wait ends at once when one arrives. StopSignals
// changes the calling thread's signal mask: make it in main before any other thread starts.
//
// Example:
//   zabitan::vmware_collector::StopSignals stop;
//   zabitan::Status s = zabitan::vmware_collector::MakeStateDir("/var/lib/zabitan/vmware");
//   if (stop.Wait(std::chrono::seconds(60))) return 0;  // SIGTERM or SIGINT came
#ifndef ZABITAN_VMWARE_COLLECTOR_DAEMON_H_
#define ZABITAN_VMWARE_COLLECTOR_DAEMON_H_

#include <signal.h>

#include <chrono>
#include <string>

#include "zabitan/common/status.h"

namespace zabitan::vmware_collector {

class StopSignals {
 public:
  StopSignals();   // blocks SIGTERM and SIGINT
  ~StopSignals();  // restores the mask it found
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  // Waits up to `wait` (zero: only looks); true when a stop signal came.
  bool Wait(std::chrono::milliseconds wait);

 private:
  sigset_t set_, old_;
};

// Creates the state folder (0700) when it is missing, with its missing parents (0755) when
// their own parent is writable, as a first run without the package's folder needs; otherwise
// one line naming the option and the command that fixes it, with the errno as its code
// (std::errc::permission_denied, std::errc::not_a_directory).
Status MakeStateDir(const std::string& dir);

}  // namespace zabitan::vmware_collector

#endif  // ZABITAN_VMWARE_COLLECTOR_DAEMON_H_
