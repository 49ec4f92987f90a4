#include "zabitan/sender/sender.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <ctime>
#include <map>
#include <string_view>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "exchange.h"
#include "frame.h"
#include "request.h"
#include "response_parser.h"
#include "sender_state.h"
#include "zabitan/common/log.h"
#include "zabitan/common/printable.h"
#include "zabitan/sender/error.h"

namespace zabitan::sender {

namespace asio = boost::asio;

using internal::DestinationState;
using internal::HashBytes;
using internal::Lane;
using internal::LaneOf;
using internal::Verdict;

class Sender::Impl {
 public:
  Impl(SenderOptions options, Observer observer)
      : options_(std::move(options)), observer_(std::move(observer)) {
    if (options_.connections == 0) options_.connections = 1;
    if (options_.batch_size == 0) options_.batch_size = 1;
    lanes_.resize(options_.connections);
    for (const Destination& d : options_.destinations) {
      DestinationState state;
      state.destination = &d;
      state.name = d.ToString();
      if (options_.spool) {
        state.first_node = options_.spool->preferred_node(state.name).value_or(0) % d.nodes.size();
      }
      destinations_.push_back(std::move(state));
    }
  }

  bool Add(const ValueView& value) {
    if (failed_) return false;
    if (options_.group_by_host) return AddGrouped(value);
    if (probe_ == Probe::kGathering) {
      // The first values go out alone, in input order, as one request of at most
      // kProbeBatchSize (zabbix_sender's batch): a server that refuses them costs one small
      // request, as it would with zabbix_sender, and an input that small is one request.
      lanes_[0].pending.Add(value);
      if (lanes_[0].pending.values() >= std::min(kProbeBatchSize, options_.batch_size)) EndProbe();
      return !failed_;
    }
    Lane& lane = lanes_[LaneOf(value, lanes_.size())];
    lane.pending.Add(value);
    if (lane.pending.values() >= options_.batch_size) Start(lane);
    if (++since_poll_ >= 256) Poll();
    return !failed_;
  }

  void Dispatch() {
    if (probe_ == Probe::kGathering && lanes_[0].pending.values() == 0 && groups_.empty() &&
        options_.spool) {
      // Nothing new to send: still deliver what earlier runs spooled (--flush).
      probe_ = Probe::kDone;
      asio::co_spawn(io_, DrainAll(), [this](std::exception_ptr e) {
        if (e) Threw(e, "delivering the spool", 0);
      });
    }
    // -g: every host's waiting values go out (the first of them as the probe).
    while (!groups_.empty()) StartGroup(groups_.begin());
    if (probe_ == Probe::kGathering) EndProbe();
    for (Lane& lane : lanes_) {
      if (lane.pending.values() > 0) Start(lane);
    }
    Poll();
  }

  void Poll() {
    since_poll_ = 0;
    io_.poll();
    io_.restart();
  }

  void Finish() {
    Dispatch();
    io_.run();
    io_.restart();
    // Count what the spool really holds if it failed or its folder went away under this run.
    if (options_.spool && (spool_failed_ || !options_.spool->Intact()))
      vanished_ += options_.spool->Reload();
  }

  RunStatus status() const {
    if (failed_) return RunStatus::kFailed;
    if (values_lost() > 0) return RunStatus::kLost;
    if (partial_) return RunStatus::kPartial;
    return spooled_ > 0 ? RunStatus::kSpooled : RunStatus::kSucceeded;
  }
  uint64_t values_sent() const { return values_sent_; }
  uint64_t values_spooled() const { return spooled_; }
  uint64_t values_unspooled() const { return unspooled_; }
  uint64_t values_lost() const {
    return lost_ + vanished_ + (options_.spool ? options_.spool->dropped_values() : 0);
  }

 private:
  // -g: the value waits with its host's others; a host's full batch goes out on the host's lane.
  bool AddGrouped(const ValueView& value) {
    auto it = groups_.find(value.host);
    if (it == groups_.end()) it = groups_.emplace(std::string(value.host), RequestBuilder()).first;
    it->second.Add(value);
    const size_t limit = probe_ == Probe::kGathering
                             ? std::min(kProbeBatchSize, options_.batch_size)
                             : options_.batch_size;
    if (it->second.values() >= limit) StartGroup(it);
    if (++since_poll_ >= 256) Poll();
    return !failed_;
  }

  // Sends one host's waiting values as a batch. The first batch of a run is the probe (lane 0,
  // alone); after it, a host always uses the same lane, so its items' values keep their order.
  // A lane's own builder is empty in this mode except between here and Start().
  void StartGroup(std::map<std::string, RequestBuilder, std::less<>>::iterator group) {
    const bool probe = probe_ == Probe::kGathering;
    Lane& lane = probe ? lanes_[0] : lanes_[HashBytes(group->first, 0) % lanes_.size()];
    lane.pending = std::move(group->second);
    lane.host = group->first;
    groups_.erase(group);
    if (probe) {
      EndProbe();
    } else {
      Start(lane);
    }
  }

  void EndProbe() {
    probe_ = Probe::kInFlight;
    if (lanes_[0].pending.values() == 0)
      probe_ = Probe::kDone;
    else
      Start(lanes_[0]);
  }

  // Waits for the lane to be free (and for the probe batch to be answered: until a server has
  // accepted one batch, nothing else is in flight), then sends its pending values as one batch.
  void Start(Lane& lane) {
    while (lane.busy || (probe_ == Probe::kInFlight && lanes_[0].busy)) {
      if (io_.stopped()) io_.restart();
      io_.run_one();
    }
    std::optional<SendTime> now;
    if (options_.send_time) {
      timespec ts;
      clock_gettime(CLOCK_REALTIME, &ts);
      now = SendTime{static_cast<uint32_t>(ts.tv_sec), static_cast<uint32_t>(ts.tv_nsec)};
    }
    size_t values = lane.pending.values();
    std::string payload = lane.pending.Finish(now);
    if (failed_) return;
    lane.busy = true;
    std::string host = options_.group_by_host ? lane.host : std::string();
    asio::co_spawn(io_, SendBatch(lane, std::move(payload), values, std::move(host)),
                   [this, &lane, values](std::exception_ptr e) {
                     if (!e) return;
                     // The lane must come free, or Start() would wait for it forever.
                     lane.busy = false;
                     if (probe_ == Probe::kInFlight) probe_ = Probe::kDone;
                     Threw(e, "sending a batch", values);
                   });
  }

  // A coroutine ended by an exception (Boost 1.74's asio::detached would have dropped it): the
  // run fails with its reason instead of hanging or claiming success; its values are lost.
  void Threw(std::exception_ptr e, const char* what, size_t values) {
    std::string why = "unknown exception";
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& ex) {
      why = ex.what();
    } catch (...) {
    }
    log::Error(std::string("internal error ") + what + ": " + why);
    lost_ += values;
    failed_ = true;
  }

  // `host`: the one host of the batch (group_by_host), or "".
  asio::awaitable<void> SendBatch(Lane& lane, std::string payload, size_t values,
                                  std::string host) {
    std::string compressed, header;
    std::string_view wire = Frame(payload, &compressed, &header);

    // A run told to stop with a spool sends nothing new: the batch waits in the spool.
    const bool hold = options_.spool && Stopping();
    size_t tried = 0, failed = 0;
    bool partial = false, spooled = false, lost = false;
    for (DestinationState& d : destinations_) {
      Verdict v = Verdict::kFailed;
      bool attempted = false;
      if (options_.spool && !hold && !d.draining && (!d.drained || (d.failed && RetryDue(d)))) {
        // Send what waits in the spool first (earlier runs', and this run's since a failure):
        // each item's values keep their order.
        co_await Drain(d);
      }
      if (!hold && !d.failed && !d.draining) {
        v = co_await Attempt(d, header, wire, values, host);
        attempted = true;
      }
      if (v == Verdict::kFailed && options_.spool) {
        bool kept = SpoolRequest(d, payload, values);
        spooled = spooled || kept;
        if (!kept && !attempted && !hold) {
          // The spool cannot keep it: the destination is its only chance, pause or not.
          v = co_await Attempt(d, header, wire, values, host);
          attempted = true;
        }
        if (v == Verdict::kFailed && !kept) lost = true;
      }
      if (attempted) {
        ++tried;
        if (v == Verdict::kFailed) ++failed;
        partial = partial || v == Verdict::kPartial;
      }
    }
    if (options_.spool) {
      // Nothing stops at a dead server: what it did not take waits in the spool.
      if (tried > failed) values_sent_ += values;
      if (spooled) spooled_ += values;
      if (lost) lost_ += values;
      partial_ = partial_ || partial;
    } else if (tried == 0 || failed == tried) {
      failed_ = true;
    } else {
      values_sent_ += values;
      if (partial || failed > 0) partial_ = true;
    }
    lane.busy = false;
    if (probe_ == Probe::kInFlight) probe_ = Probe::kDone;
  }

  asio::awaitable<Verdict> Attempt(DestinationState& d, std::string_view header,
                                   std::string_view wire, size_t values, const std::string& host) {
    Verdict v = co_await SendToDestination(d, header, wire, values, BatchOrigin::kInput, host);
    if (v == Verdict::kFailed)
      MarkFailed(d);
    else
      d.backoff = std::chrono::milliseconds(0);
    co_return v;
  }

  bool Stopping() const {
    return options_.stop && options_.stop->requested.load(std::memory_order_relaxed);
  }

  // A spool that cannot be read or emptied is not the destination's fault: say so once, count
  // what is really left in it, and stop reading from it for this run (new batches go to the
  // destination directly; what it does not take is still offered to the spool).
  void SpoolFailed(const Status& s) {
    if (!spool_failed_)
      log::Error("spool " + options_.spool->dir() + ": " + s.message() + "; sending without it");
    spool_failed_ = true;
    vanished_ += options_.spool->Reload();
  }

  // The wire form of a request: compressed when asked; `header` gets the ZBXD header.
  std::string_view Frame(const std::string& payload, std::string* compressed, std::string* header) {
    std::string_view wire = payload;
    if (options_.compress && Compress(payload, compressed).ok()) wire = *compressed;
    *header = EncodeHeader(wire.size(), payload.size(), wire.data() != payload.data());
    return wire;
  }

  bool SpoolRequest(const DestinationState& d, const std::string& payload, size_t values) {
    Status s = options_.spool->Append(d.name, payload, values);
    if (s.ok()) return true;
    log::Error("cannot spool " + std::to_string(values) + " values for " + d.name + ": " +
               s.message());
    return false;
  }

  // Sends the requests spooled for `d`, oldest first, until the spool is empty (then `d` is
  // usable again) or the destination fails (then the rest stays spooled, and so will what
  // comes after it until the next retry). Batches of other lanes that arrive meanwhile are
  // spooled behind and sent by this same loop.
  asio::awaitable<void> Drain(DestinationState& d) {
    d.drained = true;
    d.draining = true;
    d.failed = false;
    while (!spool_failed_ && !Stopping()) {
      std::optional<Spool::Entry> entry;
      if (Status s = options_.spool->Oldest(d.name, &entry); !s.ok()) {
        SpoolFailed(s);
        break;
      }
      if (!entry) break;
      d.disturbed = true;
      std::string compressed, header;
      std::string_view wire = Frame(entry->payload, &compressed, &header);
      // A spooled request's host is not kept: the destination's own route, and a redirect
      // followed once, take it where it belongs.
      Verdict v =
          co_await SendToDestination(d, header, wire, entry->values, BatchOrigin::kSpool, {});
      if (v == Verdict::kFailed) {
        MarkFailed(d);
        break;
      }
      partial_ = partial_ || v == Verdict::kPartial;
      unspooled_ += entry->values;
      if (Status s = options_.spool->Remove(d.name, entry->seq); !s.ok()) {
        SpoolFailed(s);
        break;
      }
    }
    d.draining = false;
  }

  void MarkFailed(DestinationState& d) {
    d.failed = true;
    d.backoff = std::min(std::max(d.backoff * 2, std::chrono::milliseconds(1000)),
                         std::chrono::milliseconds(60000));
    d.retry_at = std::chrono::steady_clock::now() + d.backoff;
  }

  static bool RetryDue(const DestinationState& d) {
    return std::chrono::steady_clock::now() >= d.retry_at;
  }

  asio::awaitable<void> DrainAll() {
    for (DestinationState& d : destinations_) {
      if (!d.drained && !d.draining) co_await Drain(d);
    }
  }

  asio::awaitable<Verdict> SendToDestination(DestinationState& d, std::string_view header,
                                             std::string_view wire, size_t values,
                                             BatchOrigin origin, const std::string& host) {
    BatchOutcome outcome;
    outcome.values = values;
    outcome.origin = origin;
    Route& route = host.empty() ? d.route : d.hosts[host];
    std::chrono::milliseconds pause(250);
    for (;;) {
      Status redirect_failure;
      co_await SendToNodes(d, route, header, wire, &outcome, &redirect_failure);
      // A proxy of a 7.0 proxy group that does not monitor the host answers with a redirect:
      // follow it once, as zabbix_sender 7 does; a second redirect in a row is an error.
      if (outcome.response && outcome.response->redirect) {
        route.Follow(*outcome.response->redirect);
        redirect_failure = Status::Ok();
        co_await SendToNodes(d, route, header, wire, &outcome, &redirect_failure);
        if (outcome.response && outcome.response->redirect) {
          // Either the proxy named is down (the group has not failed over yet, so the nodes
          // redirect there again) or the target itself redirected: say which.
          outcome.status =
              redirect_failure.ok()
                  ? Status::Error("sequential redirect responses from " + outcome.node->ToString(),
                                  Errc::kRedirectLoop)
                  : Status::Error(redirect_failure.message(), Errc::kRedirectTargetDown);
          outcome.response.reset();
        }
      }
      if (!options_.group_by_host || !d.disturbed || !RefusedWhole(outcome.response, values)) break;
      const auto now = std::chrono::steady_clock::now();
      if (!d.refused_retry_until) d.refused_retry_until = now + kRefusedRetryWindow;
      if (now + pause > *d.refused_retry_until) break;
      log::Debug("every value of a request" + (host.empty() ? "" : " for " + Printable(host, 100)) +
                 " refused by " + outcome.node->ToString() + " after a failover: trying again in " +
                 std::to_string(pause.count()) + " ms");
      asio::steady_timer timer(io_, pause);
      co_await timer.async_wait(asio::use_awaitable);
      pause = std::min(pause * 2, std::chrono::milliseconds(2000));
    }
    observer_(outcome);
    if (!outcome.response || !outcome.response->success) co_return Verdict::kFailed;
    if (outcome.response->failed.value_or(0) > 0) co_return Verdict::kPartial;
    co_return Verdict::kSucceeded;
  }

  // One exchange with the destination: the redirect target if there is one, then the HA nodes
  // from the one that answered last, moving on when a node cannot be reached. A redirect target
  // that cannot be reached sets *redirect_failure ("redirected to ADDR, which did not answer").
  asio::awaitable<void> SendToNodes(DestinationState& d, const Route& route,
                                    std::string_view header, std::string_view wire,
                                    BatchOutcome* outcome, Status* redirect_failure) {
    const std::vector<Endpoint>& nodes = d.destination->nodes;
    outcome->response.reset();
    for (size_t i = route.redirect ? 0 : 1; i <= nodes.size(); ++i) {
      size_t index = (d.first_node + i - 1) % nodes.size();
      const Endpoint& node = i == 0 ? *route.redirect : nodes[index];
      outcome->node = &node;
      ExchangeOptions exchange = options_.exchange;
      if (Stopping()) {
        // Told to stop (without a spool, or in flight): every exchange ends within the timeout
        // of the request.
        auto asked = std::chrono::steady_clock::time_point(
            std::chrono::nanoseconds(options_.stop->at_ns.load()));
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            asked + options_.exchange.timeout - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
          outcome->status =
              Status::Error("not sent: the run was stopped and its time is up", Errc::kNotSent);
          co_return;
        }
        exchange.timeout = std::min(exchange.timeout, left);
        exchange.connect_timeout = std::min(exchange.connect_timeout, left);
      }
      ExchangeResult r = co_await Exchange(node, header, wire, exchange);
      if (r.stage == ExchangeStage::kConnect) {
        outcome->status = r.status;
        d.disturbed = true;
        if (i == 0) {
          *redirect_failure = Status::Error(
              "redirected to " + node.ToString() + ", which did not answer: " + r.status.message(),
              Errc::kRedirectTargetDown);
        }
        continue;  // fail over to the next HA node
      }
      if (i > 0 && index != d.first_node && options_.spool) {
        if (Status s = options_.spool->set_preferred_node(d.name, index); !s.ok())
          log::Warning(s.message());
      }
      if (i > 0) d.first_node = index;
      outcome->status = r.status;
      if (r.stage == ExchangeStage::kDone) {
        Response response;
        outcome->status = ParseResponse(r.reply, &response);
        if (outcome->status.ok())
          outcome->response = std::move(response);
        else
          outcome->status = outcome->status.Prefixed("reply from " + r.peer + " [" +
                                                     Printable(r.reply, 256) + "]");
      }
      co_return;
    }
  }

  SenderOptions options_;
  Observer observer_;
  asio::io_context io_{1};
  std::vector<Lane> lanes_;
  std::vector<DestinationState> destinations_;
  // The first batch is gathered in lane 0 in input order, then sent alone; see kProbeBatchSize.
  // -g: the values waiting per host, by host (std::less<>: looked up by string_view).
  std::map<std::string, RequestBuilder, std::less<>> groups_;
  enum class Probe { kGathering, kInFlight, kDone } probe_ = Probe::kGathering;
  size_t since_poll_ = 0;
  bool failed_ = false;
  bool partial_ = false;
  uint64_t values_sent_ = 0;
  uint64_t spooled_ = 0;    // values of this run written to the spool
  uint64_t unspooled_ = 0;  // spooled values of earlier runs delivered now
  uint64_t lost_ = 0;       // values of this run the spool could not take
  uint64_t vanished_ = 0;   // queued values gone from the spool's folder under this run
  bool spool_failed_ = false;
};

Sender::Sender(SenderOptions options, Observer observer)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(observer))) {}
Sender::~Sender() = default;
bool Sender::Add(const ValueView& value) { return impl_->Add(value); }
void Sender::Dispatch() { impl_->Dispatch(); }
void Sender::Poll() { impl_->Poll(); }
void Sender::Finish() { impl_->Finish(); }
RunStatus Sender::status() const { return impl_->status(); }
uint64_t Sender::values_sent() const { return impl_->values_sent(); }
uint64_t Sender::values_spooled() const { return impl_->values_spooled(); }
uint64_t Sender::values_unspooled() const { return impl_->values_unspooled(); }
uint64_t Sender::values_lost() const { return impl_->values_lost(); }

}  // namespace zabitan::sender
