// zabitan — loading the acting half (src/acting.h) into zabitan-remote-cmd once a call is admitted.
//
// The module is installed at a fixed place relative to the program, bin/../lib/zabitan/
// (kActingModuleFromProgram), and found from /proc/self/exe, not through a search path: no
// environment variable or argument can name another file. It must pass the same trust check as
// the config (owned by root or the running user, not writable by group or others) before it is
// mapped. Loading a module is not exec: no other program runs, and nothing the caller passed
// chooses what is loaded.
//
// The module exports one C function, kActingEntry, taking an ActingCall. The call carries the
// program's version and its size of Admission, so a program and a module from different builds
// refuse to talk instead of misreading each other's structures.
//
// Not thread-safe: loaded and called once, by the program's one thread.
//
// Example:
//   const auto start = std::chrono::steady_clock::now();
//   zabitan::remote_cmd::Admission admission;  // Admit() accepted the call
//   zabitan::remote_cmd::ActingModule module;
//   if (zabitan::Status s = zabitan::remote_cmd::ActingModule::Load(&module); !s.ok()) return 1;
//   int code = module.Act(&admission, start);  // Act() of src/acting.h, in the module
#ifndef ZABITAN_REMOTE_CMD_ACTING_MODULE_H_
#define ZABITAN_REMOTE_CMD_ACTING_MODULE_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "zabitan/common/status.h"
#include "zabitan/remote_cmd/admission.h"

namespace zabitan::remote_cmd {

struct ActingCall {
  const char* version;    // ZABITAN_VERSION of the program
  size_t admission_size;  // its sizeof(Admission)
  Admission* admission;
  std::chrono::steady_clock::time_point start;
};

// The exit code, or kActingBuildMismatch (the module has not touched `admission`).
using ActingEntry = int (*)(const ActingCall* call);
inline constexpr int kActingBuildMismatch = -1;
inline constexpr char kActingEntry[] = "zabitan_remote_act";
inline constexpr char kActingModuleFromProgram[] = "../lib/zabitan/zabitan-remote-cmd-acting.so";

// The loaded module. Destroying it dlclose()s the handle; the code stays mapped (RTLD_NODELETE),
// since libraries behind it, OpenSSL among them, leave exit handlers in the process.
class ActingModule {
 public:
  // Finds the module next to /proc/self/exe, checks it, loads it and looks up its entry.
  static Status Load(ActingModule* module);

  // The module's exit code for the admitted call; a module from another build is a failure
  // that is printed and audited here.
  int Act(Admission* admission, std::chrono::steady_clock::time_point start) const;

 private:
  struct Close {
    void operator()(void* handle) const;
  };
  std::unique_ptr<void, Close> handle_;
  ActingEntry entry_ = nullptr;
  std::string path_;
};

}  // namespace zabitan::remote_cmd

#endif  // ZABITAN_REMOTE_CMD_ACTING_MODULE_H_
