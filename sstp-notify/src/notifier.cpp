#include "zabitan/sstp_notify/notifier.h"

#include <ctime>

#include <nlohmann/json.hpp>

#include "zabitan/common/log.h"
#include "zabitan/sstp_notify/error.h"

namespace zabitan::sstp_notify {

using nlohmann::json;

std::string EncodeSpooled(const Request& request, int64_t created) {
  json j = {{"created", created},
            {"method", request.method == Method::kSend ? "SEND" : "NOTIFY"},
            {"charset", request.charset},
            {"sender", request.sender},
            {"script", request.script},
            {"event", request.event},
            {"references", request.references},
            {"options", request.options}};
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

Status DecodeSpooled(std::string_view payload, Request* request, int64_t* created) {
  try {
    json j = json::parse(payload);
    *created = j.at("created").get<int64_t>();
    request->method =
        j.at("method").get<std::string>() == "NOTIFY" ? Method::kNotify : Method::kSend;
    request->charset = j.at("charset").get<std::string>();
    request->sender = j.at("sender").get<std::string>();
    request->script = j.at("script").get<std::string>();
    request->event = j.at("event").get<std::string>();
    request->references = j.at("references").get<std::vector<std::string>>();
    request->options = j.at("options").get<std::vector<std::string>>();
  } catch (const json::exception& e) {
    return Status::Error(std::string("a spooled message is damaged: ") + e.what(),
                         Errc::kSpoolDamaged);
  }
  return Status::Ok();
}

Delivery Notifier::Send(const Request& request) {
  Delivery d;
  std::string bytes;
  size_t replaced = 0;
  d.status = EncodeRequest(request, &bytes, &replaced);
  if (!d.status.ok()) return d;
  if (replaced > 0) {
    log::Warning(std::to_string(replaced) + " character(s) cannot be written in " +
                 request.charset + "; replaced by \xe3\x80\x93");
  }
  ExchangeResult r = transport_.Exchange(bytes);
  if (!r.status.ok()) {
    d.status = r.status;
    d.outcome = r.retryable ? Delivery::kRetryable : Delivery::kFailed;
    return d;
  }
  Response response;
  d.status = ParseResponse(r.head, &response);
  if (!d.status.ok()) {
    d.status = d.status.Prefixed(transport_.Describe());
    return d;
  }
  d.code = response.code;
  d.response = response.version + " " + std::to_string(response.code) + " " + response.phrase;
  switch (Classify(response.code)) {
    case Outcome::kDelivered:
      d.outcome = Delivery::kDelivered;
      d.status = Status::Ok();
      break;
    case Outcome::kRetryable:
      d.outcome = Delivery::kRetryable;
      d.status = Status::Error(transport_.Describe() + " answered " + Describe(response.code),
                               Errc::kBusy);
      break;
    case Outcome::kPermanent:
      d.outcome = Delivery::kFailed;
      d.status = Status::Error(transport_.Describe() + " answered " + Describe(response.code),
                               Errc::kRefused);
      break;
  }
  return d;
}

Delivery Notifier::Spool(const Request& request, Delivery why) {
  if (spool_ == nullptr) return why;
  Status s = spool_->Append(transport_.Describe(), EncodeSpooled(request, std::time(nullptr)), 1);
  if (!s.ok()) {
    why.outcome = Delivery::kFailed;
    why.status = Status::Error(why.status.message() + "; and it cannot be spooled: " + s.message(),
                               why.status.code());
    return why;
  }
  why.outcome = Delivery::kSpooled;
  return why;
}

Delivery Notifier::Deliver(const Request& request) {
  if (spool_ != nullptr) {
    FlushReport f = Flush();
    if (f.left > 0) {
      Delivery d;
      d.outcome = Delivery::kRetryable;
      d.status = f.status;
      return Spool(request, d);  // behind the older ones, to keep the order
    }
  }
  if (std::chrono::steady_clock::now() >= options_.deadline) {
    Delivery d;
    d.outcome = Delivery::kRetryable;
    d.status =
        Status::Error(transport_.Describe() + ": no time left to deliver", Errc::kNoTimeLeft);
    return Spool(request, d);
  }
  if (options_.stop_requested && options_.stop_requested()) {
    Delivery d;
    d.outcome = Delivery::kRetryable;
    d.status = Status::Error(transport_.Describe() + ": stopped by a signal before delivering",
                             Errc::kStopped);
    return Spool(request, d);
  }
  Delivery d = Send(request);
  if (d.outcome == Delivery::kRetryable) return Spool(request, d);
  return d;
}

FlushReport Notifier::Flush() {
  FlushReport report;
  if (spool_ == nullptr) return report;
  const std::string destination = transport_.Describe();
  for (;;) {
    if (std::chrono::steady_clock::now() >= options_.deadline) {
      report.status = Status::Error(destination + ": no time left to deliver", Errc::kNoTimeLeft);
      break;  // the rest waits for the next run
    }
    if (options_.stop_requested && options_.stop_requested()) {
      report.status = Status::Error(destination + ": stopped by a signal", Errc::kStopped);
      break;
    }
    std::optional<zabitan::Spool::Entry> entry;
    report.status = spool_->Oldest(destination, &entry);
    if (!report.status.ok() || !entry) break;
    Request request;
    int64_t created = 0;
    if (Status s = DecodeSpooled(entry->payload, &request, &created); !s.ok()) {
      log::Error(s.message() + "; dropped");
      ++report.refused;
    } else if (std::time(nullptr) - created > options_.expire.count()) {
      log::Warning("a spooled message from " + std::to_string(std::time(nullptr) - created) +
                   " s ago is older than " + std::to_string(options_.expire.count()) +
                   " s; dropped, not spoken late");
      ++report.expired;
    } else {
      Delivery d = Send(request);
      if (d.outcome == Delivery::kRetryable) {
        report.status = d.status;
        break;  // the desktop is away or busy: keep it and everything behind it
      }
      if (d.outcome == Delivery::kFailed) {
        log::Error("a spooled message was refused for good: " + d.status.message() + "; dropped");
        ++report.refused;
      } else {
        ++report.delivered;
      }
    }
    if (Status s = spool_->Remove(destination, entry->seq); !s.ok()) {
      report.status = s;
      break;
    }
  }
  report.left = spool_->queued_values(destination);
  return report;
}

}  // namespace zabitan::sstp_notify
