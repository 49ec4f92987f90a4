// zabitan-sender: a drop-in for zabbix_sender 7.0 and 6.0 (same flags, input format, output lines
// and exit codes; --compat picks the version where they differ) that sends in parallel batches
// while keeping each item's values in order.
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "line_reader.h"
#include "options.h"
#include "zabitan/common/exit_codes.h"
#include "zabitan/common/log.h"
#include "zabitan/common/printable.h"
#include "zabitan/common/spool.h"
#include "zabitan/common/unique_fd.h"
#include "zabitan/sender/input_line.h"
#include "zabitan/sender/sender.h"

namespace zabitan::sender::cli {
namespace {

// SIGTERM/SIGINT: stop reading, keep (or, without a spool, still send) what was read, print the
// summary and exit by the usual rule. The handler only sets atomics and writes to a pipe the
// reader polls; SA_RESETHAND lets a second signal end the process at once.
StopRequest g_stop;
volatile sig_atomic_t g_stop_signal = 0;
int g_stop_pipe[2] = {-1, -1};

void OnStopSignal(int sig) {
  int saved = errno;
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  g_stop.at_ns.store(int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec);
  g_stop_signal = sig;
  g_stop.requested.store(true);
  char byte = 1;
  [[maybe_unused]] ssize_t n = ::write(g_stop_pipe[1], &byte, 1);
  errno = saved;
}

void CatchStopSignals() {
  if (::pipe2(g_stop_pipe, O_CLOEXEC | O_NONBLOCK) != 0) return;  // then the default: killed
  struct sigaction sa {};
  sa.sa_handler = OnStopSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESETHAND | SA_RESTART;
  ::sigaction(SIGTERM, &sa, nullptr);
  ::sigaction(SIGINT, &sa, nullptr);
}

// zabbix_sender's -r: send when no line came for 0.2 s, and at least once a second.
constexpr int kRealTimeIdleMs = 200;
constexpr auto kRealTimeMaxDelay = std::chrono::seconds(1);

void PrintOutcome(const BatchOutcome& o) {
  if (o.response && o.response->success && o.origin == BatchOrigin::kSpool) {
    std::printf("Response from \"%s\" (spooled earlier): \"%s\"\n", o.node->ToString().c_str(),
                o.response->info.value_or("success").c_str());
    return;
  }
  if (o.response && o.response->success) {
    if (o.response->info) {
      std::printf("Response from \"%s\": \"%s\"\n", o.node->ToString().c_str(),
                  o.response->info->c_str());
    }
    return;
  }
  if (o.response) {
    log::Warning("incorrect answer from \"" + o.node->ToString() + "\": \"failed\"" +
                 (o.response->info ? ": " + *o.response->info : std::string()));
  } else {
    log::Warning("sending to \"" + o.node->ToString() + "\" failed: " + o.status.message());
  }
}

struct Input {
  uint64_t accepted = 0;  // values handed to the sender
  bool bad = false;       // stopped at an unreadable or malformed line
  bool bad_line = false;  // ... at a malformed line (which zabbix_sender 7.0 counts as skipped)
  bool stopped = false;   // stopped by a signal
};

// Feeds the lines of `path` to the sender; stops at the first bad line, keeping the values
// already accepted (they are still delivered).
Input ReadInput(const Options& o, Sender* sender) {
  Input in;
  const std::string& path = *o.input_file;
  UniqueFd owned;
  int fd = STDIN_FILENO;
  if (path != "-") {
    owned.reset(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (!owned) {
      log::Error("cannot open \"" + path + "\": " + std::strerror(errno));
      in.bad = true;
      return in;
    }
    fd = owned.get();
  }
  const std::string name = path == "-" ? "(stdin)" : path;
  LineReader reader(fd, g_stop_pipe[0]);
  std::string_view line;
  uint64_t line_no = 0;
  auto last_dispatch = std::chrono::steady_clock::now();
  InputLineParser parser(o.format);
  ValueView value;
  for (;;) {
    LineReader::Result r = reader.Next(&line, o.real_time ? kRealTimeIdleMs : -1);
    if (r == LineReader::Result::kTimeout) {
      sender->Dispatch();
      last_dispatch = std::chrono::steady_clock::now();
      continue;
    }
    if (r == LineReader::Result::kEof) break;
    if (r == LineReader::Result::kStopped) {
      in.stopped = true;
      break;
    }
    if (r == LineReader::Result::kError) {
      log::Error(name + ": " + reader.error());
      in.bad = true;
      break;
    }
    ++line_no;
    if (Status s = parser.Parse(line, &value); !s.ok()) {
      log::Error(name + ":" + std::to_string(line_no) + ": " + s.message());
      in.bad = true;
      in.bad_line = true;
      break;
    }
    ++in.accepted;
    if (!sender->Add(value)) break;
    if (o.real_time && std::chrono::steady_clock::now() - last_dispatch >= kRealTimeMaxDelay) {
      sender->Dispatch();
      last_dispatch = std::chrono::steady_clock::now();
    }
  }
  return in;
}

void PrintSpool(const Sender& sender, const Spool& spool) {
  std::printf(
      "spool \"%s\": spooled: %llu; delivered from spool: %llu; waiting: %llu; lost: %llu\n",
      spool.dir().c_str(), static_cast<unsigned long long>(sender.values_spooled()),
      static_cast<unsigned long long>(sender.values_unspooled()),
      static_cast<unsigned long long>(spool.queued_values()),
      static_cast<unsigned long long>(sender.values_lost()));
}

// The one rule (README, "Exit codes"): the first that applies.
int ExitCode(const Sender& sender, const Spool* spool, bool bad_input) {
  if (bad_input || sender.status() == RunStatus::kFailed || sender.values_lost() > 0)
    return kExitFailure;
  if (sender.status() == RunStatus::kPartial) return kExitPartial;
  if (spool && spool->queued_values() > 0) return kExitSpooled;
  return kExitOk;
}

std::string StopSignalName() { return g_stop_signal == SIGINT ? "SIGINT" : "SIGTERM"; }

// --flush: delivers what earlier runs spooled, reads no input.
int Flush(const Options& o, Spool* spool) {
  Sender sender(o.sender, PrintOutcome);
  sender.Finish();
  if (g_stop.requested)
    log::Error("stopped by " + StopSignalName() + "; the rest stays in the spool");
  PrintSpool(sender, *spool);
  return ExitCode(sender, spool, false);
}

int Run(int argc, char** argv) {
  Options o;
  if (Status s = ParseOptions(argc, argv, &o); !s.ok()) {
    std::fprintf(stderr, "zabitan-sender: %s\n", s.message().c_str());
    return kExitFailure;
  }
  if (o.help) {
    std::fputs(kUsage, stdout);
    return kExitOk;
  }
  if (o.version) {
    std::printf(
        "zabitan-sender (zabitan) %s\ncompatible with zabbix_sender 7.0 and 6.0 (--compat, "
        "default 7.0)\n",
        ZABITAN_VERSION);
    return kExitOk;
  }
  log::Init("zabitan-sender", o.verbosity, o.syslog);
  if (o.sender.exchange.tls && o.sender.exchange.tls->AcceptsAnyCertificate()) {
    log::Warning(
        "--tls-connect cert without --tls-server-cert-issuer, --tls-server-cert-subject or "
        "--tls-check-host: any certificate the CA signed is accepted, whoever presents it");
  }
  CatchStopSignals();
  o.sender.stop = &g_stop;

  std::unique_ptr<Spool> spool;
  if (o.spool_dir) {
    auto lock_wait =
        std::chrono::duration_cast<std::chrono::milliseconds>(o.sender.exchange.timeout);
    if (Status s = Spool::Open(*o.spool_dir, o.spool_max_bytes, lock_wait, &spool, !o.flush_only);
        !s.ok()) {
      if (o.flush_only) {
        log::Error("--flush " + s.message());
        return kExitFailure;
      }
      // An unusable spool must not keep values from a server that is up.
      log::Error("--spool " + s.message() + "; sending without the spool");
      spool.reset();
    }
  }
  if (spool) {
    o.sender.spool = spool.get();
    if (o.flush_only && !o.sender.destinations.empty()) {
      // --flush -z: everything spooled goes to the -z destinations, whoever it was meant for.
      std::vector<std::string> to;
      for (const Destination& d : o.sender.destinations) to.push_back(d.ToString());
      for (const std::string& from : spool->destinations()) {
        if (std::find(to.begin(), to.end(), from) != to.end() || spool->queued_values(from) == 0)
          continue;
        uint64_t n = spool->queued_values(from);
        if (Status s = spool->Move(from, to); !s.ok()) {
          log::Error(s.message());
          return kExitFailure;
        }
        log::Warning("sending " + std::to_string(n) + " values spooled for " + from + " to -z");
      }
    }
    if (o.sender.destinations.empty()) {  // --flush without -z: where the values were going
      for (const std::string& text : spool->destinations()) {
        std::vector<Destination> parsed;
        // Only what Append could have written: one destination, in its own spelling.
        if (ParseDestinations(text, kDefaultPort, &parsed).ok() && parsed.size() == 1 &&
            parsed.front().ToString() == text) {
          o.sender.destinations.push_back(parsed.front());
        } else {
          log::Error("--flush " + spool->dir() + ": ignoring a queue for \"" + Printable(text, 80) +
                     "\"");
        }
      }
    }
  }
  if (o.flush_only) return Flush(o, spool.get());

  Sender sender(o.sender, PrintOutcome);
  Input in;
  if (o.input_file) {
    in = ReadInput(o, &sender);
  } else {
    in.accepted = 1;
    sender.Add(Value{*o.format.default_host, *o.key, *o.value, std::nullopt, std::nullopt});
  }
  sender.Finish();
  if (in.stopped || g_stop.requested) {
    log::Error("stopped by " + StopSignalName() + " after reading " + std::to_string(in.accepted) +
               " values");
  }

  // zabbix_sender 7.0 ends a bad input line's run as a success that skipped the line: the
  // values before it are sent and counted, the line is "skipped: 1", the exit code is what
  // sending made it (0 if every value was taken). 6.0 ends it with "Sending failed" (nothing
  // read) or exit 1. The error line naming file and line is printed either way.
  const bool skip_bad_line = o.compat == Compat::k70 && in.bad_line;
  const uint64_t skipped_lines = skip_bad_line ? 1 : 0;

  // Nothing read (a bad first line, an unreadable file): zabbix_sender 6.0's closing line too.
  if (sender.status() == RunStatus::kFailed || (in.bad && in.accepted == 0 && !skip_bad_line)) {
    std::printf("Sending failed.%s\n",
                o.verbosity < 2 ? " Use option -vv for more detailed output." : "");
    if (spool) PrintSpool(sender, *spool);
    return kExitFailure;
  }
  std::printf("sent: %llu; skipped: %llu; total: %llu\n",
              static_cast<unsigned long long>(sender.values_sent()),
              static_cast<unsigned long long>(in.accepted - sender.values_sent() + skipped_lines),
              static_cast<unsigned long long>(in.accepted + skipped_lines));
  if (spool) PrintSpool(sender, *spool);
  return ExitCode(sender, spool.get(), in.bad && !skip_bad_line);
}

}  // namespace
}  // namespace zabitan::sender::cli

int main(int argc, char** argv) {
  // Request buffers (a few hundred KB each) are mmapped and go back to the system when freed:
  // glibc would otherwise raise its mmap threshold after the first free and keep them on the
  // heap, and peak memory would drift above what is in use (README, Benchmarks).
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
  return zabitan::sender::cli::Run(argc, argv);
}
