// The acting module's one exported function (acting_module.h). Everything else in the module
// is hidden (-Wl,--exclude-libs,ALL), so nothing in it can stand in for the program's symbols.
#include <cstring>

#include "acting.h"
#include "zabitan/common/log.h"
#include "zabitan/remote_cmd/acting_module.h"

extern "C" __attribute__((visibility("default"))) int zabitan_remote_act(
    const zabitan::remote_cmd::ActingCall* call) {
  using namespace zabitan::remote_cmd;
  if (std::strcmp(call->version, ZABITAN_VERSION) != 0 ||
      call->admission_size != sizeof(Admission)) {
    return kActingBuildMismatch;
  }
  // The module has a logger of its own (common is linked into it, not shared with the program).
  zabitan::log::Init("zabitan-remote-cmd", 0, false);
  return Act(*call->admission, call->start);
}
