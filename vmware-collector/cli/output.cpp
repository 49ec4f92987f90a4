#include "output.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "zabitan/common/log.h"
#include "zabitan/common/printable.h"
#include "zabitan/sender/pending_delivery.h"
#include "zabitan/vsphere/session.h"

namespace zabitan::vmware {

namespace {

bool EndsWith(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

// The graver of two exit codes: a failure over values refused over values waiting over none.
int Worse(int a, int b) {
  auto rank = [](int code) {
    return code == kExitFailure ? 3 : code == kExitPartial ? 2 : code == kExitSpooled ? 1 : 0;
  };
  return rank(a) >= rank(b) ? a : b;
}

unsigned long long U(uint64_t n) { return static_cast<unsigned long long>(n); }

}  // namespace

Output::Output(OutputOptions options) : options_(std::move(options)) {}
Output::~Output() = default;

Status Output::Open(OutputOptions options, std::unique_ptr<Output>* output) {
  std::unique_ptr<Output> o(new Output(std::move(options)));
  for (const sender::Destination& d : o->options_.destinations) {
    std::unique_ptr<sender::PendingStore> store;
    std::string prefix = o->options_.state_dir + "/pending-" + vsphere::StateKey(o->options_.url) +
                         "-" + vsphere::StateKey(d.ToString());
    if (Status s = sender::PendingStore::Open(prefix, {o->options_.max_pending, o->options_.window},
                                              &store);
        !s.ok()) {
      return s;
    }
    o->stores_.push_back(std::move(store));
  }
  sender::SenderOptions so;
  so.spool = o->options_.spool;
  so.destinations = o->options_.destinations;
  Output* self = o.get();
  o->out_ = std::make_unique<sender::Sender>(so, [self](const sender::BatchOutcome& b) {
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

// Items Zabbix creates together: one host's template items (the host from a host prototype),
// the items of one discovery rule on one host (perf[COUNTER,INSTANCE] per counter group,
// datastore.size[UUID,…]). A counter given by name may have no item at all: it goes alone.
std::string Output::GroupOf(const std::string& host, const std::string& key) const {
  const size_t open = key.find('[');
  if (open == std::string::npos) return host + "\n";
  const std::string name = key.substr(0, open);
  const size_t comma = key.find(',', open);
  if (EndsWith(name, ".perf")) {
    const std::string path =
        key.substr(open + 1, (comma == std::string::npos ? key.size() - 1 : comma) - open - 1);
    if (options_.extra_paths.count(path) > 0) return "";
    if (comma == std::string::npos) return host + "\n";
    return host + "\n" + name + ":" + path.substr(0, path.find('.'));
  }
  return comma == std::string::npos ? host + "\n" : host + "\n" + name;
}

bool Output::Add(const sender::Value& v, uint32_t now) {
  if (!sending_) return false;
  if (v.host != last_host_ || v.key != last_key_) {
    last_host_ = v.host;
    last_key_ = v.key;
    last_known_ = true;
    const bool endpoint_template =
        v.host == options_.endpoint_host && v.key.find('[') == std::string::npos;
    for (auto& store : stores_) {
      if (endpoint_template) break;
      if (store->IsKnown(v.host, v.key)) continue;
      if (store->fresh() && options_.sent_before && options_.sent_before(v.host)) {
        store->MarkKnown(v.host, v.key);  // an upgrade: sent as before, without asking again
        continue;
      }
      last_known_ = false;
    }
  }
  if (last_known_) {
    sending_ = out_->Add(v);
    return sending_;
  }
  // A discovery value is sent anew each run: it is not kept for the next.
  const bool keep = !EndsWith(v.key, ".discovery");
  const std::string group = GroupOf(v.host, v.key);
  for (auto& store : stores_) store->Add(v, group, keep, now);
  return true;
}

bool Output::failed() const {
  return out_->status() == sender::RunStatus::kFailed || out_->status() == sender::RunStatus::kLost;
}

int Output::Finish(size_t entities, uint64_t made, bool collected,
                   const std::function<void()>& save_state) {
  out_->Finish();
  // Then the values of new items, after the discovery the fast batches carried.
  const uint32_t now = static_cast<uint32_t>(std::time(nullptr));
  std::string pending_error, transport_error;
  sender::PendingCounts total;
  uint64_t waiting = 0, waiting_items = 0;
  for (size_t i = 0; i < stores_.size(); ++i) {
    sender::PendingStore& store = *stores_[i];
    // Not when Zabbix could not be reached this run: the values wait, as the spooled ones do.
    if (out_->status() == sender::RunStatus::kSucceeded ||
        out_->status() == sender::RunStatus::kPartial) {
      // On disk before anything is sent: a crash from here on re-collects nothing the
      // store does not already hold (the watermarks move on below).
      if (Status s = store.items() > 0 ? store.Save() : Status::Ok(); !s.ok()) {
        log::Error(s.message());
        return kExitFailure;
      }
      sender::TrapperTransport trapper(options_.destinations[i], {}, options_.concurrency);
      if (Status s = sender::DeliverPending(trapper, &store, &transport_error); !s.ok())
        pending_error = s.message();
    }
    // After the delivery: what is given up (too old, beyond the bound) had its last chance.
    store.Trim(now);
    const sender::PendingCounts& c = store.counts();
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
    for (auto& store : stores_) {
      if (Status s = store->Save(); !s.ok()) log::Error(s.message());
    }
    return kExitFailure;
  }
  std::printf("%zu entities, %llu values sent, %llu refused by Zabbix\n", entities, U(made),
              U(refused));
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
    case sender::RunStatus::kFailed:
      log::Error(send_error_.empty() ? "sending failed" : send_error_);
      return kExitFailure;  // the watermarks and the stores stay as they were: all is sent again
    case sender::RunStatus::kLost:
      // Neither taken nor kept (the spool failed too): the watermarks stay, so the next run
      // sends these samples again rather than never.
      log::Error("values neither delivered nor spooled: " +
                 (send_error_.empty() ? std::string("spool failed") : send_error_));
      return kExitFailure;
    case sender::RunStatus::kPartial:
      log::Error("partly delivered: " +
                 (send_error_.empty() ? std::to_string(fast_failed_) +
                                            " values of items Zabbix had taken before were refused"
                                      : send_error_));
      code = kExitPartial;
      break;
    case sender::RunStatus::kSpooled:
      log::Error("Zabbix unreachable, values kept in the spool for the next run: " + send_error_);
      code = kExitSpooled;
      break;
    case sender::RunStatus::kSucceeded:
      break;
  }
  if (total.ambiguous > 0) {
    log::Error(std::to_string(total.ambiguous) +
               " values of new items refused in part (some of their items "
               "exist, some not): not sent again, so none is stored twice");
    code = Worse(code, kExitPartial);
  }
  if (total.given_up > 0) {
    log::Error("gave up " + std::to_string(total.given_up) + " values of " +
               std::to_string(total.given_up_items) + " items that Zabbix did not create within " +
               std::to_string(options_.window / 60) + " minutes (e.g. " +
               Printable(total.given_up_example, 200) + "): check the templates and discovery");
    code = Worse(code, kExitPartial);
  }
  if (total.unresolved > 0) {
    log::Error(std::to_string(total.unresolved) +
               " values were in a request whose reply was lost: not sent again, "
               "they may be missing from history");
    code = Worse(code, kExitPartial);
  }
  if (!transport_error.empty() && code == kExitOk) {
    log::Error("values of new items kept for the next run: " + transport_error);
    code = kExitSpooled;
  }
  // The samples were delivered, held or spooled: the next run starts after them (the
  // watermarks first, then the stores, so a crash in between re-collects nothing they dropped).
  save_state();
  for (auto& store : stores_) {
    if (Status s = store->Save(); !s.ok()) {
      log::Error(s.message());
      return kExitFailure;
    }
  }
  if (!pending_error.empty()) {
    log::Error(pending_error);
    return kExitFailure;
  }
  return code;
}

}  // namespace zabitan::vmware
