// zabitan — the acting half of zabitan-remote-cmd: everything an admitted call does.
//
// It makes the state folder, runs Execute (lock, decide, act on vSphere), reports to Zabbix,
// tells the mascot and audits the outcome. It lives in a module of its own
// (acting_module.h) that the program loads only after Admit() has accepted the call, so the
// libraries behind it (libcurl, OpenSSL, libssh2 and the ~30 they pull in) are neither loaded
// nor initialised for input that is rejected.
//
//   zabitan::remote_cmd::Admission a;
//   if (zabitan::remote_cmd::Admit(argc, argv, &a)) return zabitan::remote_cmd::Act(a, start);
#ifndef ZABITAN_REMOTE_CMD_SRC_ACTING_H_
#define ZABITAN_REMOTE_CMD_SRC_ACTING_H_

#include <chrono>

#include "zabitan/remote_cmd/admission.h"

namespace zabitan::remote_cmd {

// Carries out an admitted call; `start` is when the program started (the time budget counts
// from it). Prints the one line, audits it, and returns the exit code.
int Act(Admission& admission, std::chrono::steady_clock::time_point start);

}  // namespace zabitan::remote_cmd

#endif  // ZABITAN_REMOTE_CMD_SRC_ACTING_H_
