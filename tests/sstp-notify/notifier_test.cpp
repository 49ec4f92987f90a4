#include "zabitan/sstp_notify/notifier.h"

#include <deque>

#include <catch2/catch.hpp>

#include "../temp_files.h"
#include "zabitan/sstp_notify/error.h"

using namespace zabitan::sstp_notify;

namespace {

// A transport that answers from a script: a status line, or "" for "unreachable".
class ScriptedTransport : public Transport {
 public:
  std::deque<std::string> answers;
  std::vector<std::string> received;

  ExchangeResult Exchange(std::string_view request) override {
    ExchangeResult r;
    std::string answer = answers.empty() ? "" : answers.front();
    if (!answers.empty()) answers.pop_front();
    if (answer.empty()) {
      r.status = zabitan::Status::Error("connect to desk: Connection refused");
      r.retryable = true;
      return r;
    }
    received.emplace_back(request);
    r.head = answer + "\r\n\r\n";
    return r;
  }
  std::string Describe() const override { return "desk:9801"; }
};

Request Say(const std::string& text) {
  Request r;
  r.script = "\\0" + text + "\\e";
  return r;
}

std::string ScriptOf(const std::string& request) {
  size_t at = request.find("Script: ");
  return request.substr(at + 8, request.find("\r\n", at) - at - 8);
}

struct SpoolDir : zabitan::testing::TempDir {
  std::unique_ptr<zabitan::Spool> Open() {
    std::unique_ptr<zabitan::Spool> s;
    REQUIRE(zabitan::Spool::Open(path(), 1 << 20, std::chrono::milliseconds(100), &s).ok());
    return s;
  }
};

}  // namespace

TEST_CASE("notifier: status codes become outcomes", "[sstp][notifier]") {
  ScriptedTransport t;
  Notifier n(t, nullptr, {});
  t.answers = {"SSTP/1.4 200 OK", "SSTP/1.4 409 Conflict", "SSTP/1.4 400 Bad Request", ""};
  Delivery d = n.Deliver(Say("a"));
  CHECK(d.outcome == Delivery::kDelivered);
  CHECK(d.response == "SSTP/1.4 200 OK");
  d = n.Deliver(Say("b"));
  CHECK(d.outcome == Delivery::kRetryable);  // no spool: nothing keeps it
  CHECK(d.status.message() ==
        "desk:9801 answered 409 Conflict (the ghost is busy or in a no-interrupt state)");
  d = n.Deliver(Say("c"));
  CHECK(d.outcome == Delivery::kFailed);
  CHECK(d.code == 400);
  d = n.Deliver(Say("d"));
  CHECK(d.outcome == Delivery::kRetryable);
}

TEST_CASE("notifier: what the desktop cannot take waits, and goes first, in order",
          "[sstp][notifier]") {
  SpoolDir dir;
  auto spool = dir.Open();
  ScriptedTransport t;
  Notifier n(t, spool.get(), {});
  t.answers = {"", "SSTP/1.4 503 Service Unavailable"};
  CHECK(n.Deliver(Say("one")).outcome == Delivery::kSpooled);
  CHECK(n.Deliver(Say("two")).outcome == Delivery::kSpooled);  // the flush of "one" got 503
  t.answers = {""};
  CHECK(n.Deliver(Say("three")).outcome == Delivery::kSpooled);  // still away: not even tried
  CHECK(t.received.size() == 1);
  t.answers = {"SSTP/1.4 200 OK", "SSTP/1.4 200 OK", "SSTP/1.4 200 OK", "SSTP/1.4 204 No Content"};
  Delivery d = n.Deliver(Say("four"));
  CHECK(d.outcome == Delivery::kDelivered);
  REQUIRE(t.received.size() == 5);
  CHECK(ScriptOf(t.received[1]) == "\\0one\\e");
  CHECK(ScriptOf(t.received[2]) == "\\0two\\e");
  CHECK(ScriptOf(t.received[3]) == "\\0three\\e");
  CHECK(ScriptOf(t.received[4]) == "\\0four\\e");
  CHECK(spool->queued_values() == 0);
}

TEST_CASE("notifier: a refused spooled message is dropped, the rest delivered",
          "[sstp][notifier]") {
  SpoolDir dir;
  auto spool = dir.Open();
  ScriptedTransport t;
  Notifier n(t, spool.get(), {});
  t.answers = {"", ""};
  n.Deliver(Say("bad"));
  n.Deliver(Say("good"));
  t.answers = {"SSTP/1.4 413 Payload Too Large", "SSTP/1.4 200 OK"};
  FlushReport f = n.Flush();
  CHECK(f.refused == 1);
  CHECK(f.delivered == 1);
  CHECK(f.left == 0);
}

TEST_CASE("notifier: old spooled messages expire instead of being spoken late",
          "[sstp][notifier]") {
  SpoolDir dir;
  auto spool = dir.Open();
  ScriptedTransport t;
  // Spooled two hours ago, by an earlier run.
  REQUIRE(
      spool->Append("desk:9801", EncodeSpooled(Say("stale"), std::time(nullptr) - 7200), 1).ok());
  REQUIRE(spool->Append("desk:9801", EncodeSpooled(Say("fresh"), std::time(nullptr) - 60), 1).ok());
  Notifier n(t, spool.get(), {std::chrono::seconds(3600)});
  t.answers = {"SSTP/1.4 200 OK"};
  FlushReport f = n.Flush();
  CHECK(f.expired == 1);
  CHECK(f.delivered == 1);
  REQUIRE(t.received.size() == 1);
  CHECK(ScriptOf(t.received[0]) == "\\0fresh\\e");
}

TEST_CASE("notifier: the spool record keeps every field", "[sstp][notifier]") {
  Request r;
  r.method = Method::kNotify;
  r.event = "OnZabbixAlert";
  r.references = {"a", "日本"};
  r.options = {"nodescript"};
  r.charset = "EUC-JP";
  r.sender = "z";
  r.script = "\\0x\\e";
  Request back;
  int64_t created = 0;
  REQUIRE(DecodeSpooled(EncodeSpooled(r, 42), &back, &created).ok());
  CHECK(created == 42);
  CHECK(back.method == Method::kNotify);
  CHECK(back.event == r.event);
  CHECK(back.references == r.references);
  CHECK(back.options == r.options);
  CHECK(back.charset == r.charset);
  CHECK(back.sender == r.sender);
  CHECK(back.script == r.script);
  CHECK_FALSE(DecodeSpooled("{\"created\":1}", &back, &created).ok());
}

TEST_CASE("notifier: past its deadline nothing is sent, everything waits in order",
          "[sstp][notifier]") {
  SpoolDir dir;
  auto spool = dir.Open();
  ScriptedTransport t;
  NotifierOptions late;
  late.deadline = std::chrono::steady_clock::now() - std::chrono::seconds(1);
  Notifier n(t, spool.get(), late);
  t.answers = {"SSTP/1.4 200 OK", "SSTP/1.4 200 OK"};
  Delivery d = n.Deliver(Say("one"));
  CHECK(d.outcome == Delivery::kSpooled);
  CHECK(d.status.code() == zabitan::sstp_notify::Errc::kNoTimeLeft);
  CHECK(d.status.message().find("no time left") != std::string::npos);
  CHECK(n.Deliver(Say("two")).outcome == Delivery::kSpooled);
  CHECK(t.received.empty());
  CHECK(spool->queued_values() == 2);
  Notifier in_time(t, spool.get(), {});
  CHECK(in_time.Deliver(Say("three")).outcome == Delivery::kSpooled);  // "one", "two" went first
  t.answers = {"SSTP/1.4 200 OK", "SSTP/1.4 200 OK"};
  CHECK(in_time.Deliver(Say("four")).outcome == Delivery::kDelivered);
  REQUIRE(t.received.size() == 4);
  CHECK(ScriptOf(t.received[0]) == "\\0one\\e");
  CHECK(ScriptOf(t.received[2]) == "\\0three\\e");
  CHECK(ScriptOf(t.received[3]) == "\\0four\\e");
}
