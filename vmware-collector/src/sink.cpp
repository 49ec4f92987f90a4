#include "zabitan/vmware_collector/sink.h"

#include <ctime>

#include "zabitan/sender/input_line.h"

namespace zabitan::vmware_collector {

void PrintSink::Put(const sender::Value& v) {
  std::fprintf(out_, "%s\n", sender::FormatInputLine(v).c_str());
}

void RoutedSink::Put(const sender::Value& v) {
  out_.Add(v, static_cast<uint32_t>(std::time(nullptr)));
}

}  // namespace zabitan::vmware_collector
