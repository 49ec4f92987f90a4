// Zabbix 7.0 proxy groups, as the Sender and the pending values' transport meet them: where a
// "redirect" reply sends a request, and a proxy that refuses a host it has just taken over.
// Internal to the sender library.
#ifndef ZABITAN_SENDER_SRC_ROUTE_H_
#define ZABITAN_SENDER_SRC_ROUTE_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "zabitan/common/log.h"
#include "zabitan/sender/destination.h"
#include "zabitan/sender/response.h"

namespace zabitan::sender {

// The one node a redirect names ("host:port"), or nothing for a reset or an address that is
// not one node.
inline std::optional<Endpoint> RedirectEndpoint(const Redirect& r) {
  std::vector<Destination> parsed;
  if (r.reset || !ParseDestinations(r.address, kDefaultPort, &parsed).ok() || parsed.size() != 1 ||
      parsed[0].nodes.size() != 1) {
    return std::nullopt;
  }
  return parsed[0].nodes[0];
}

// The proxy a redirect named, tried before a destination's nodes: one per destination, or one
// per host with group_by_host (the proxy of the group that monitors it).
struct Route {
  std::optional<Endpoint> redirect;
  uint64_t revision = 0;

  // The newest redirect wins (higher revision); "reset" returns to the configured nodes.
  void Follow(const Redirect& r) {
    if (r.reset) {
      redirect.reset();
      return;
    }
    if (redirect && r.revision < revision) return;
    std::optional<Endpoint> to = RedirectEndpoint(r);
    if (!to) {
      log::Warning("ignoring a redirect to \"" + r.address + "\"");
      return;
    }
    redirect = std::move(to);
    revision = r.revision;
    log::Debug("redirected to " + redirect->ToString() + " (revision " + std::to_string(revision) +
               ")");
  }
};

// After a failover, the proxy that takes a host over refuses its values until its
// configuration holds the host (its ProxyConfigFrequency, 10 s by default; seen for 80 ms with
// 1 s in e2e.scale_out). A one-host request refused whole while the destination is disturbed (a
// node unreachable, or the spool of an earlier run to send) is tried again, after a pause
// doubling from 250 ms, for up to this long per run.
inline constexpr std::chrono::seconds kRefusedRetryWindow{20};

// Every value of the request refused: what such a proxy answers for a host it does not hold.
inline bool RefusedWhole(const std::optional<Response>& response, size_t values) {
  return response && response->success && response->processed.value_or(-1) == 0 &&
         response->failed.value_or(0) == static_cast<int64_t>(values) && values > 0;
}

}  // namespace zabitan::sender

#endif  // ZABITAN_SENDER_SRC_ROUTE_H_
