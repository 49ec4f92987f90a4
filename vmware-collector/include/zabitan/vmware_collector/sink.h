// zabitan — where the collector's values go as they are made: Zabbix (through the sender's
// RoutedSender) or stdout (--dry-run, as zabbix_sender -T -N input lines).
//
// The collector hands every value down to one ValueSink as soon as it is made, so a QueryPerf
// reply goes to the sender in one pass, never held whole. Not thread-safe: one collection's.
//
// Example:
//   zabitan::vmware_collector::PrintSink out(stdout);
//   out.Add({"vcenter01", "zabitan.vmware.vm.discovery", "[]", 1764000000, 0});
//   // prints: "vcenter01" zabitan.vmware.vm.discovery 1764000000 0 "[]"
#ifndef ZABITAN_VMWARE_COLLECTOR_SINK_H_
#define ZABITAN_VMWARE_COLLECTOR_SINK_H_

#include <cstdint>
#include <cstdio>

#include "zabitan/sender/routed_sender.h"
#include "zabitan/sender/value.h"

namespace zabitan::vmware_collector {

class ValueSink {
 public:
  virtual ~ValueSink() = default;
  void Add(const sender::Value& v) {
    ++count_;
    Put(v);
  }
  uint64_t count() const { return count_; }  // values added so far

 protected:
  virtual void Put(const sender::Value& v) = 0;

 private:
  uint64_t count_ = 0;
};

// One zabbix_sender -T -N input line per value (sender::FormatInputLine).
class PrintSink : public ValueSink {
 public:
  explicit PrintSink(std::FILE* out) : out_(out) {}

 protected:
  void Put(const sender::Value& v) override;

 private:
  std::FILE* out_;
};

// To Zabbix: known items to the fast batches, new ones to the pending store (routed_sender.h).
class RoutedSink : public ValueSink {
 public:
  explicit RoutedSink(sender::RoutedSender& out) : out_(out) {}

 protected:
  void Put(const sender::Value& v) override;

 private:
  sender::RoutedSender& out_;
};

}  // namespace zabitan::vmware_collector

#endif  // ZABITAN_VMWARE_COLLECTOR_SINK_H_
