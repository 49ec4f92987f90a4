#include "zabitan/sender/pending_delivery.h"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "exchange.h"
#include "frame.h"
#include "request.h"
#include "response_parser.h"
#include "route.h"
#include "zabitan/common/printable.h"
#include "zabitan/common/spawn_status.h"

namespace zabitan::sender {

namespace {

namespace asio = boost::asio;

// Requests per journal append and SendAll call: bounds the memory of a cycle where thousands of
// hosts are new, and what a crash leaves uncertain.
constexpr size_t kSlice = 256;
// Values per request of round two (whole items; a group is one host's items, a few hundred).
constexpr size_t kMaxGroupRequestValues = 4000;

using ItemIt = PendingStore::ItemMap::iterator;

struct Request {
  std::vector<ItemIt> items;
  std::string payload;
  size_t values = 0;
};

// Moves each item's held values into `sending` and builds the request of them.
Request Build(const std::vector<ItemIt>& items) {
  Request r;
  r.items = items;
  RequestBuilder b;
  for (ItemIt it : items) {
    PendingItem& item = it->second;
    item.sending = std::move(item.held);
    item.held.clear();
    for (const HeldValue& v : item.sending)
      b.Add({it->first.first, it->first.second, v.value, v.clock, v.ns});
  }
  r.values = b.values();
  r.payload = b.Finish(std::nullopt);
  return r;
}

// What a reply means for every item of its request: whole items per request, so "failed: 0"
// is stored and "processed: 0" is refused for each; anything between cannot be told apart.
PendingStore::Outcome OutcomeOf(const PendingReply& reply, size_t values,
                                std::string* transport_error) {
  using Outcome = PendingStore::Outcome;
  switch (reply.kind) {
    case PendingReply::Kind::kNotSent:
      *transport_error = reply.error;
      return Outcome::kNotSent;
    case PendingReply::Kind::kUnknown:
      *transport_error = reply.error;
      return Outcome::kUnknown;
    case PendingReply::Kind::kAnswered:
      break;
  }
  if (!reply.success) {  // "response":"failed": the request as a whole was turned down
    *transport_error = reply.error;
    return Outcome::kNotSent;
  }
  if (reply.failed < 0) return Outcome::kUnknown;  // a success that does not count
  if (reply.failed == 0) return Outcome::kStored;
  if (static_cast<size_t>(reply.failed) >= values) return Outcome::kRefused;
  return Outcome::kAmbiguous;
}

// The proxy a 7.0 proxy-group "redirect" reply names, if `r` is one.
std::optional<Endpoint> RedirectTarget(const ExchangeResult& r) {
  Response response;
  if (r.stage != ExchangeStage::kDone || !ParseResponse(r.reply, &response).ok() ||
      !response.redirect) {
    return std::nullopt;
  }
  return RedirectEndpoint(*response.redirect);
}

}  // namespace

std::vector<PendingReply> TrapperTransport::SendAll(const std::vector<std::string>& requests) {
  std::vector<PendingReply> replies(requests.size());
  asio::io_context io{1};
  size_t next = 0;
  bool answered = false;  // some node answered some request of this call
  const size_t workers = std::max<size_t>(concurrency_, 1);
  std::vector<size_t> current(workers, requests.size());  // the request each worker is on
  auto worker = [&](size_t w) -> asio::awaitable<void> {
    while (next < requests.size()) {
      const size_t i = next++;
      current[w] = i;
      const std::string header = EncodeHeader(requests[i].size(), requests[i].size(), false);
      PendingReply& reply = replies[i];
      reply.kind = PendingReply::Kind::kNotSent;
      if (!unreachable_.empty()) {  // no node took a connection: the rest waits for the next run
        reply.error = unreachable_;
        continue;
      }
      for (size_t n = 0; n < destination_.nodes.size(); ++n) {
        const size_t index = (first_node_ + n) % destination_.nodes.size();
        ExchangeResult r =
            co_await Exchange(destination_.nodes[index], header, requests[i], options_);
        if (r.stage == ExchangeStage::kConnect) {
          reply.error = r.status.message();
          continue;  // nothing was sent: the next HA node
        }
        first_node_ = index;
        // A pending request holds one host's values (one item, or one group's): a proxy of a
        // 7.0 proxy group that does not monitor the host names the one that does. Asked once,
        // as zabbix_sender 7 does; its own redirect is a failure (success without counts).
        if (std::optional<Endpoint> to = RedirectTarget(r); to) {
          answered = true;
          r = co_await Exchange(*to, header, requests[i], options_);
          if (r.stage == ExchangeStage::kConnect) {
            reply.error = "redirected to " + to->ToString() + ": " + r.status.message();
            break;
          }
        }
        if (r.stage == ExchangeStage::kExchange) {
          reply.kind = PendingReply::Kind::kUnknown;
          reply.error = r.status.message();
          break;
        }
        Response response;
        if (Status s = ParseResponse(r.reply, &response); !s.ok()) {
          reply.kind = PendingReply::Kind::kUnknown;
          reply.error =
              "reply from " + r.peer + " [" + Printable(r.reply, 256) + "]: " + s.message();
          break;
        }
        reply.kind = PendingReply::Kind::kAnswered;
        answered = true;
        reply.success = response.success && !response.redirect;
        reply.processed = response.processed.value_or(-1);
        reply.failed = response.failed.value_or(-1);
        if (!reply.success)
          reply.error = r.peer + " answered \"failed\": " + response.info.value_or("");
        break;
      }
      if (reply.kind == PendingReply::Kind::kNotSent && !answered) unreachable_ = reply.error;
    }
  };
  for (size_t w = 0; w < workers; ++w) {
    // An exception must not vanish (asio::detached drops it): the request the worker was on
    // may have reached the server, so it is uncertain, never resent blindly; the other
    // workers take the rest.
    asio::co_spawn(io, worker(w), [&, w](std::exception_ptr e) {
      if (!e || current[w] >= replies.size()) return;
      Status why;
      StatusOnException(&why, "internal error")(e);
      replies[current[w]].kind = PendingReply::Kind::kUnknown;
      replies[current[w]].error = why.message();
    });
  }
  io.run();
  return replies;
}

Status DeliverPending(PendingTransport& transport, PendingStore* store,
                      std::string* transport_error) {
  PendingCounts& counts = store->counts();
  // Sends `requests` a slice at a time, journalled first; `settle` gets each reply.
  auto send =
      [&](std::vector<std::vector<ItemIt>> batches,
          const std::function<void(const Request&, PendingStore::Outcome)>& settle) -> Status {
    for (size_t start = 0; start < batches.size(); start += kSlice) {
      const size_t end = std::min(batches.size(), start + kSlice);
      std::vector<Request> slice;
      std::vector<ItemIt> journalled;
      for (size_t i = start; i < end; ++i) {
        slice.push_back(Build(batches[i]));
        journalled.insert(journalled.end(), batches[i].begin(), batches[i].end());
      }
      if (Status s = store->Journal(journalled); !s.ok()) {
        for (const Request& r : slice) {
          for (ItemIt it : r.items) store->Settle(it, PendingStore::Outcome::kNotSent);
        }
        return s;
      }
      std::vector<std::string> payloads;
      for (Request& r : slice) payloads.push_back(std::move(r.payload));
      std::vector<PendingReply> replies = transport.SendAll(payloads);
      counts.requests += slice.size();
      for (size_t i = 0; i < slice.size(); ++i)
        settle(slice[i], OutcomeOf(replies[i], slice[i].values, transport_error));
    }
    return Status::Ok();
  };

  // Round one.
  std::vector<std::vector<ItemIt>> singles;
  std::map<std::string, std::vector<ItemIt>> groups;  // group -> its items; the first is sent alone
  auto& items = store->mutable_items();
  for (ItemIt it = items.begin(); it != items.end(); ++it) {
    PendingItem& item = it->second;
    if (item.held.empty()) continue;
    if (!item.uncertain.empty() || item.uncertain_upto != std::pair<uint32_t, uint32_t>{0, 0}) {
      item.probe = true;  // its new values alone tell whether it exists (pending.h)
      singles.push_back({it});
    } else if (item.group.empty() || store->split_groups().count(item.group) > 0) {
      singles.push_back({it});
    } else {
      groups[item.group].push_back(it);
    }
  }
  std::map<std::string, PendingStore::Outcome> leader_outcome;
  std::map<const PendingItem*, std::string> leader_of;
  for (auto& [group, members] : groups) {
    leader_of[&members.front()->second] = group;
    singles.push_back({members.front()});
  }
  Status s = send(std::move(singles), [&](const Request& r, PendingStore::Outcome outcome) {
    ItemIt it = r.items.front();
    auto leader = leader_of.find(&it->second);
    if (leader != leader_of.end()) leader_outcome[leader->second] = outcome;
    if (outcome == PendingStore::Outcome::kAmbiguous)
      store->MarkKnown(it->first.first, it->first.second);
    store->Settle(it, outcome);
  });
  // Round two: the rest of each group whose first item was stored, whole items per request.
  std::vector<std::vector<ItemIt>> rest;
  for (auto& [group, members] : groups) {
    if (!s.ok() || leader_outcome[group] != PendingStore::Outcome::kStored) {
      for (size_t i = 1; i < members.size(); ++i) {
        // Not tried: kept for the next run (a discovery value, sent anew each run, is dropped).
        if (!members[i]->second.keep) members[i]->second.held.clear();
      }
      continue;
    }
    size_t values = kMaxGroupRequestValues;
    for (size_t i = 1; i < members.size(); ++i) {
      if (values + members[i]->second.held.size() > kMaxGroupRequestValues) {
        rest.emplace_back();
        values = 0;
      }
      rest.back().push_back(members[i]);
      values += members[i]->second.held.size();
    }
  }
  if (s.ok()) {
    s = send(std::move(rest), [&](const Request& r, PendingStore::Outcome outcome) {
      const std::string& group = r.items.front()->second.group;
      // A mixed reply for a group: some of its items exist and some do not. Its values are
      // dropped (never resent: some are stored) and its items go alone from now on.
      if (outcome == PendingStore::Outcome::kAmbiguous) store->split_groups().insert(group);
      for (ItemIt it : r.items) store->Settle(it, outcome);
    });
  }
  for (auto& [id, item] : items) {
    if (!item.keep) item.held.clear();  // refused or not tried: it comes again with the next run
  }
  store->Prune();
  return s;
}

}  // namespace zabitan::sender
