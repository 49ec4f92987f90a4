#include "zabitan/vmware_collector/sink.h"

#include <cstdio>
#include <memory>
#include <string>

#include <catch2/catch.hpp>

using namespace zabitan::vmware_collector;

namespace {

struct FileClose {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

TEST_CASE("vmware-collector/sink: --dry-run prints zabbix_sender -T -N input lines and counts them",
          "[vmware-collector]") {
  std::unique_ptr<std::FILE, FileClose> f(std::tmpfile());
  REQUIRE(f);
  PrintSink out(f.get());
  out.Add({"vcenter01", "zabitan.vmware.vm.discovery", "[]", 1764000000, 0});
  out.Add({"5001-aa", "zabitan.vmware.vm.perf[cpu.usage.average]", "5.29", 1764000020, 7});
  CHECK(out.count() == 2);
  std::rewind(f.get());
  char buf[512];
  std::string text;
  while (std::fgets(buf, sizeof buf, f.get()) != nullptr) text += buf;
  CHECK(text ==
        "vcenter01 zabitan.vmware.vm.discovery 1764000000 0 []\n"
        "5001-aa zabitan.vmware.vm.perf[cpu.usage.average] 1764000020 7 5.29\n");
}
