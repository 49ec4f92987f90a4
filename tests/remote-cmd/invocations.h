// Invocations as the grammar admits them, for the remote-cmd unit tests.
#ifndef ZABITAN_TESTS_REMOTE_CMD_INVOCATIONS_H_
#define ZABITAN_TESTS_REMOTE_CMD_INVOCATIONS_H_

#include <string>

#include "zabitan/remote_cmd/invocation.h"

namespace zabitan::testing {

// scale-up for a PROBLEM of host vm-web01, trigger 2.
inline remote_cmd::Invocation Up(const std::string& event) {
  remote_cmd::Invocation inv;
  inv.action = remote_cmd::Action::kScaleUp;
  inv.host = "vm-web01";
  inv.event_id = event;
  inv.trigger_id = "2";
  inv.status = "PROBLEM";
  return inv;
}

// The same for the recovery (--status OK): a scale-down.
inline remote_cmd::Invocation Down(const std::string& event) {
  remote_cmd::Invocation inv = Up(event);
  inv.status = "OK";
  return inv;
}

}  // namespace zabitan::testing

#endif  // ZABITAN_TESTS_REMOTE_CMD_INVOCATIONS_H_
