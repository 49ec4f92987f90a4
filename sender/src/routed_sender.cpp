#include "zabitan/sender/routed_sender.h"

#include <cstdio>
#include <ctime>

#include "zabitan/common/log.h"
#include "zabitan/common/printable.h"

namespace zabitan::sender {

namespace {

unsigned long long U(uint64_t n) { return static_cast<unsigned long long>(n); }

// FNV-1a: file names that stay the same across versions (zabitan-vmware's stores predate this).
std::string Hash(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ULL;
  char name[24];
  std::snprintf(name, sizeof name, "%016llx", U(h));
  return name;
}

}  // namespace

int WorseExit(int a, int b) {
  auto rank = [](int code) {
    return code == kExitFailure ? 3 : code == kExitPartial ? 2 : code == kExitSpooled ? 1 : 0;
  };
  return rank(a) >= rank(b) ? a : b;
}

bool IsDiscoveryKey(std::string_view key) {
  const std::string_view name = key.substr(0, key.find('['));
  constexpr std::string_view kTail = ".discovery";
  return name.size() >= kTail.size() && name.substr(name.size() - kTail.size()) == kTail;
}

std::string PendingStorePrefix(const std::string& state_dir, std::string_view scope,
                               const Destination& destination) {
  return state_dir + "/pending-" + Hash(scope) + "-" + Hash(destination.ToString());
}

RoutedSender::RoutedSender(Passkey, RoutedSenderOptions options) : options_(std::move(options)) {}
RoutedSender::~RoutedSender() = default;

Status RoutedSender::OpenStores(const std::string& scope, std::vector<PendingStore*>* opened) {
  for (size_t i = 0; i < options_.destinations.size(); ++i) {
    std::unique_ptr<PendingStore> store;
    if (Status s = PendingStore::Open(
            PendingStorePrefix(options_.state_dir, scope, options_.destinations[i]),
            options_.limits, &store);
        !s.ok()) {
      return s;
    }
    opened->push_back(store.get());
    stores_.emplace_back(i, std::move(store));
  }
  return Status::Ok();
}

const std::vector<PendingStore*>* RoutedSender::StoresOf(const std::string& host) {
  if (!options_.scope_per_host) return &scope_stores_[""];
  auto [it, added] = scope_stores_.try_emplace(host);
  if (added) {
    if (Status s = OpenStores(options_.scope + "\n" + host, &it->second); !s.ok()) {
      open_error_ = s.message();
      scope_stores_.erase(it);  // asked again next time, failing again: the run stops first
      return nullptr;
    }
  }
  return &it->second;
}

Status RoutedSender::Open(RoutedSenderOptions options, std::unique_ptr<RoutedSender>* output) {
  auto o = std::make_unique<RoutedSender>(Passkey{}, std::move(options));
  if (!o->options_.scope_per_host) {
    if (Status s = o->OpenStores(o->options_.scope, &o->scope_stores_[""]); !s.ok()) return s;
  }
  SenderOptions so;
  so.spool = o->options_.spool;
  so.destinations = o->options_.destinations;
  so.exchange = o->options_.exchange;
  // A collector's values span many hosts (an endpoint's hypervisors and VMs), which a 7.0 proxy
  // group spreads over its proxies: one host per request, so each reaches the proxy that
  // monitors its host (e2e.scale_out).
  so.group_by_host = true;
  RoutedSender* self = o.get();
  o->out_ = std::make_unique<Sender>(so, [self](const BatchOutcome& b) {
    if (!b.response || !b.response->success) {
      self->send_error_ = "sending to " + b.node->ToString() + " failed: " + b.status.message();
      log::Warning(self->send_error_);  // the run's outcome is told once, in Finish
    } else {
      self->fast_failed_ += static_cast<uint64_t>(b.response->failed.value_or(0));
    }
  });
  *output = std::move(o);
  return Status::Ok();
}

bool RoutedSender::Known(const Value& v, const std::vector<PendingStore*>& stores) {
  if (v.host == last_host_ && v.key == last_key_) return last_known_;
  last_host_ = v.host;
  last_key_ = v.key;
  last_known_ = true;
  if (options_.known_from_start && options_.known_from_start(v.host, v.key)) return true;
  for (PendingStore* store : stores) {
    if (store->IsKnown(v.host, v.key)) continue;
    if (store->fresh() && options_.sent_before && options_.sent_before(v.host)) {
      store->MarkKnown(v.host, v.key);  // an upgrade: sent as before, without asking again
      continue;
    }
    last_known_ = false;
  }
  return last_known_;
}

bool RoutedSender::Add(const Value& v, uint32_t now, std::string_view group) {
  const std::vector<PendingStore*>* stores = sending_ ? StoresOf(v.host) : nullptr;
  if (stores == nullptr) {
    sending_ = false;
    return false;
  }
  if (Known(v, *stores)) {
    sending_ = out_->Add(v);
    return sending_;
  }
  // A discovery value is sent anew each run: it is not kept for the next.
  const bool keep = !IsDiscoveryKey(v.key);
  for (PendingStore* store : *stores) store->Add(v, group, keep, now);
  return true;
}

bool RoutedSender::Add(const Value& v, uint32_t now) {
  const std::vector<PendingStore*>* stores = sending_ ? StoresOf(v.host) : nullptr;
  if (stores == nullptr) {
    sending_ = false;
    return false;
  }
  if (Known(v, *stores)) return Add(v, now, "");
  return Add(v, now, options_.group_of ? options_.group_of(v.host, v.key) : std::string());
}

bool RoutedSender::failed() const {
  return out_->status() == RunStatus::kFailed || out_->status() == RunStatus::kLost;
}

int RoutedSender::Finish(const std::string& what, bool collected,
                         const std::function<void()>& save_state) {
  out_->Finish();
  // Then the values of new items, after the discovery the fast batches carried.
  const uint32_t now = static_cast<uint32_t>(std::time(nullptr));
  std::string pending_error, transport_error;
  PendingCounts total;
  uint64_t waiting = 0, waiting_items = 0;
  for (auto& [destination, owned] : stores_) {
    PendingStore& store = *owned;
    // Not when Zabbix could not be reached this run: the values wait, as the spooled ones do.
    if (out_->status() == RunStatus::kSucceeded || out_->status() == RunStatus::kPartial) {
      // On disk before anything is sent: a crash from here on re-collects nothing the
      // store does not already hold (the caller's state moves on below).
      if (Status s = store.items() > 0 ? store.Save() : Status::Ok(); !s.ok()) {
        log::Error(s.message());
        return kExitFailure;
      }
      std::unique_ptr<PendingTransport> transport =
          options_.transport
              ? options_.transport(options_.destinations[destination])
              : std::make_unique<TrapperTransport>(options_.destinations[destination],
                                                   options_.exchange, options_.concurrency);
      if (Status s = DeliverPending(*transport, &store, &transport_error); !s.ok())
        pending_error = s.message();
    }
    // After the delivery: what is given up (too old, beyond the bound) had its last chance.
    store.Trim(now);
    const PendingCounts& c = store.counts();
    total.delivered += c.delivered;
    total.given_up += c.given_up;
    total.given_up_items += c.given_up_items;
    total.unresolved += c.unresolved;
    total.ambiguous += c.ambiguous;
    total.requests += c.requests;
    if (total.given_up_example.empty()) total.given_up_example = c.given_up_example;
    waiting += store.held_values();
    for (const auto& [id, item] : store.item_map())
      waiting_items += item.held.empty() && item.uncertain.empty() ? 0 : 1;
  }
  const uint64_t refused = fast_failed_ + total.ambiguous;
  if (!collected) {
    if (failed()) return kExitFailure;
    save_state();
    for (auto& [destination, store] : stores_) {
      if (Status s = store->Save(); !s.ok()) log::Error(s.message());
    }
    return kExitFailure;
  }
  std::printf("%s, %llu refused by Zabbix\n", what.c_str(), U(refused));
  if (waiting > 0) {
    std::printf(
        "%llu values of %llu new items wait until Zabbix has created the items from discovery "
        "(kept in %s, sent with their own timestamps next run)\n",
        U(waiting), U(waiting_items), options_.state_dir.c_str());
  }
  if (total.requests > 0) {
    log::Warning(std::to_string(total.requests) + " requests for values of new items, " +
                 std::to_string(total.delivered) + " values of them stored");
  }
  if (options_.spool != nullptr) {
    std::printf("spool \"%s\": spooled: %llu; delivered from spool: %llu; waiting: %llu\n",
                options_.spool->dir().c_str(), U(out_->values_spooled()),
                U(out_->values_unspooled()), U(options_.spool->queued_values()));
  }
  std::fflush(stdout);
  int code = kExitOk;
  switch (out_->status()) {
    case RunStatus::kFailed:
      log::Error(send_error_.empty() ? "sending failed" : send_error_);
      return kExitFailure;  // the caller's state and the stores stay as they were
    case RunStatus::kLost:
      // Neither taken nor kept (the spool failed too): the caller's state stays, so the next
      // run sends these values again rather than never.
      log::Error("values neither delivered nor spooled: " +
                 (send_error_.empty() ? std::string("spool failed") : send_error_));
      return kExitFailure;
    case RunStatus::kPartial:
      log::Error("partly delivered: " +
                 (send_error_.empty() ? std::to_string(fast_failed_) +
                                            " values of items Zabbix had taken before were refused"
                                      : send_error_));
      code = kExitPartial;
      break;
    case RunStatus::kSpooled:
      log::Error("Zabbix unreachable, values kept in the spool for the next run: " + send_error_);
      code = kExitSpooled;
      break;
    case RunStatus::kSucceeded:
      break;
  }
  if (total.ambiguous > 0) {
    log::Error(std::to_string(total.ambiguous) +
               " values of new items refused in part (some of their items "
               "exist, some not): not sent again, so none is stored twice");
    code = WorseExit(code, kExitPartial);
  }
  if (total.given_up > 0) {
    log::Error("gave up " + std::to_string(total.given_up) + " values of " +
               std::to_string(total.given_up_items) + " items that Zabbix did not create within " +
               std::to_string(options_.limits.window / 60) + " minutes (e.g. " +
               Printable(total.given_up_example, 200) + "): check the templates and discovery");
    code = WorseExit(code, kExitPartial);
  }
  if (total.unresolved > 0) {
    log::Error(std::to_string(total.unresolved) +
               " values were in a request whose reply was lost: not sent again, "
               "they may be missing from history");
    code = WorseExit(code, kExitPartial);
  }
  if (!transport_error.empty() && code == kExitOk) {
    log::Error("values of new items kept for the next run: " + transport_error);
    code = kExitSpooled;
  }
  // The values were delivered, held or spooled: the caller's state first, then the stores, so
  // a crash in between re-collects nothing they dropped.
  save_state();
  for (auto& [destination, store] : stores_) {
    if (Status s = store->Save(); !s.ok()) {
      log::Error(s.message());
      return kExitFailure;
    }
  }
  if (!open_error_.empty()) {  // the values of that host were not collected
    log::Error(open_error_);
    return kExitFailure;
  }
  if (!pending_error.empty()) {
    log::Error(pending_error);
    return kExitFailure;
  }
  return code;
}

}  // namespace zabitan::sender
