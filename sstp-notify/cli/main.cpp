// zabitan-sstp: makes the 伺か/SSP desktop mascot speak Zabbix alerts over SSTP, directly or
// through an SSH tunnel, keeping what the desktop cannot take now for later.
#include <signal.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "charset.h"
#include "zabitan/common/config.h"
#include "zabitan/common/exit_codes.h"
#include "zabitan/common/log.h"
#include "zabitan/common/printable.h"
#include "zabitan/common/spool.h"
#include "zabitan/sstp_notify/alert.h"
#include "zabitan/sstp_notify/notifier.h"
#include "zabitan/sstp_notify/script.h"
#include "zabitan/sstp_notify/settings.h"
#include "zabitan/sstp_notify/transport.h"

namespace zabitan::sstp_notify {
namespace {

struct Options {
  std::string config = "/etc/zabitan/zabitan.toml";
  Settings settings;
  bool flush = false;
  std::optional<int64_t> every;  // --flush --every N: again every N seconds until SIGTERM
  int verbose = 0;
  std::vector<std::string> message;
  std::vector<std::string> media;  // SENDTO SUBJECT MESSAGE
};

Status BuildRequest(const Options& o, Request* r) {
  r->charset = o.settings.charset.empty() ? "UTF-8" : o.settings.charset;
  if (Status s = CanonicalCharset(r->charset, &r->charset); !s.ok()) return s;
  if (!o.settings.sender.empty()) r->sender = o.settings.sender;
  r->options = o.settings.options;
  std::map<std::string, std::string> values;
  std::string speech_template;
  int surface = o.settings.surfaces.fallback;
  if (!o.media.empty()) {
    Alert alert = ParseMediaAlert(o.media[0], o.media[1], o.media[2]);
    values = alert.Placeholders();
    surface = o.settings.surfaces.For(alert);
    speech_template =
        o.settings.media_template.empty() ? kDefaultMediaTemplate : o.settings.media_template;
    r->references = {alert.subject, alert.message,  alert.host,
                     alert.trigger, alert.severity, alert.status};
  } else {
    std::string text;
    for (const std::string& word : o.message) text += (text.empty() ? "" : " ") + word;
    if (text.empty())
      return Status::Error("nothing to say: give a MESSAGE (or --flush, or --media-type)");
    values["message"] = text;
    speech_template =
        o.settings.speech_template.empty() ? kDefaultTemplate : o.settings.speech_template;
    r->references = {text};
  }
  if (o.settings.surface) surface = *o.settings.surface;
  values["surface"] = std::to_string(surface);
  r->script = Speech(speech_template).Render(values);
  if (!o.settings.notify.empty()) {
    r->method = Method::kNotify;
    r->event = o.settings.notify;
  }
  return Status::Ok();
}

// SIGTERM and SIGINT, blocked for the whole run: they wait until the exchange in progress is
// over (each of its steps has a deadline, --timeout at most), so a message is delivered or
// spooled, never lost half-sent; no new exchange starts once one is pending.
sigset_t StopSignals() {
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  return stop;
}

bool StopPending() {
  sigset_t pending;
  sigpending(&pending);
  return sigismember(&pending, SIGTERM) == 1 || sigismember(&pending, SIGINT) == 1;
}

// --flush --every N: the small daemon of zabitan-sstp-flush.service. A message spooled while
// the desktop was away is delivered within N seconds of its coming back, not by whichever alert
// comes next (which may be hours later, past --expire). The spool is opened for each round and
// closed between them: its lock is held only while delivering, so alerts run meanwhile
// (the media type) are not held up. SIGTERM or SIGINT ends it after the round in progress.
int FlushEvery(const Settings& settings, Transport& transport, const NotifierOptions& options,
               std::chrono::seconds every) {
  const sigset_t stop = StopSignals();
  for (;;) {
    std::unique_ptr<Spool> spool;
    if (Status s = OpenSpool(settings, &spool); !s.ok()) {
      log::Error(s.message());  // a lock held too long, a full disk: the next round tries again
    } else {
      Notifier notifier(transport, spool.get(), options);
      FlushReport f = notifier.Flush();
      if (f.delivered + f.expired + f.refused > 0) {
        std::printf("%s: %zu delivered, %zu expired, %zu refused, %zu left\n",
                    transport.Describe().c_str(), f.delivered, f.expired, f.refused, f.left);
        std::fflush(stdout);
      }
    }
    spool.reset();
    const timespec wait{static_cast<time_t>(every.count()), 0};
    const int signal = sigtimedwait(&stop, nullptr, &wait);  // a pending one returns at once
    if (signal == SIGTERM || signal == SIGINT) return kExitOk;
  }
}

int Run(int argc, char** argv) {
  Options o;
  // --media-type SENDTO SUBJECT MESSAGE must end the command line and its three values are
  // taken as they are: alert text can look like an option ("--ssh …") and must not become one.
  for (int i = 1; i < argc; ++i) {
    if (std::string_view(argv[i]) == "--media-type") {
      if (argc - i != 4) {
        std::fprintf(
            stderr, "zabitan-sstp: --media-type takes SENDTO SUBJECT MESSAGE and must come last\n");
        return kExitFailure;
      }
      o.media = {argv[i + 1], argv[i + 2], argv[i + 3]};
      argc = i;
      break;
    }
  }
  CLI::App app{"zabitan-sstp: makes the desktop mascot speak over SSTP, directly or through SSH"};
  auto* config_opt = app.add_option("--config", o.config, "zabitan config file ([sstp] section)");
  app.add_option("--to", o.settings.to,
                 "the SSTP server, HOST:PORT (default 127.0.0.1:9801; with --ssh: on the desktop)");
  app.add_option("--ssh", o.settings.ssh, "tunnel through the desktop's sshd: USER@HOST[:PORT]");
  app.add_option("--identity", o.settings.identity,
                 "private key for --ssh (ed25519/ECDSA, mode 0600); default: ssh-agent");
  app.add_option("--known-hosts", o.settings.known_hosts,
                 "known_hosts file for --ssh (default ~/.ssh/known_hosts)");
  app.add_flag("--accept-new-host-key", o.settings.accept_new_host_key,
               "record an unknown host key (never a changed one)");
  app.add_option("--sender", o.settings.sender, "the Sender header (default zabitan)");
  app.add_option("--charset", o.settings.charset,
                 "UTF-8 (default), Shift_JIS, EUC-JP or ISO-2022-JP");
  app.add_option("--notify", o.settings.notify,
                 "send NOTIFY SSTP/1.1 with this event (the speech is the fallback Script)");
  app.add_option("--surface", o.settings.surface, "the ghost's surface (expression) number")
      ->check(CLI::Range(0, 9999));
  app.add_option("--option", o.settings.options, "SSTP Option: nodescript, notranslate, nobreak");
  app.add_option("--spool", o.settings.spool, "keep undelivered messages in this folder for later");
  app.add_option("--expire", o.settings.expire,
                 "drop spooled messages older than this many seconds (default 3600)")
      ->check(CLI::Range(int64_t{1}, int64_t{30} * 86400));
  app.add_option("--timeout", o.settings.timeout, "seconds to wait for the answer (default 10)")
      ->check(CLI::Range(int64_t{1}, int64_t{300}));
  app.add_flag("--flush", o.flush, "deliver what the spool holds, then exit");
  app.add_option("--every", o.every,
                 "with --flush: flush again every this many seconds until SIGTERM (1-3600)")
      ->check(CLI::Range(int64_t{1}, int64_t{3600}));
  app.add_flag("-v", o.verbose, "more output (-vv for debug)");
  // Options end at the first word of the message (or at "--"): alert text such as
  // "disk full on --config=/tmp/x.toml" is spoken, never read as an option.
  app.prefix_command();
  app.footer(
      "MESSAGE...  what the ghost says (escaped: it cannot run SakuraScript); options end at its "
      "first word");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  o.message = app.remaining();
  if (!o.message.empty() && o.message.front() == "--") {
    o.message.erase(o.message.begin());
  } else if (!o.message.empty() && o.message.front().starts_with("-") && o.message.front() != "-") {
    std::fprintf(
        stderr,
        "zabitan-sstp: unknown option \"%s\" (a message starting with '-' goes after \"--\")\n",
        Printable(o.message.front(), 100).c_str());
    return kExitFailure;
  }
  log::Init("zabitan-sstp", std::max(o.verbose, 0), false);
  const sigset_t stop = StopSignals();
  sigprocmask(SIG_BLOCK, &stop, nullptr);
  if (o.every && !o.flush) {
    log::Error("--every needs --flush");
    return kExitFailure;
  }
  Config config;
  // The config chooses the desktop, the SSH key and the speech template: trusted like
  // remote-cmd's (an explicit --config that others could write is refused).
  Status cs = Config::LoadTrusted(o.config, config_opt->count() > 0, &config);
  if (cs.ok()) cs = ApplyConfig(config, &o.settings);
  if (!cs.ok()) {
    log::Error(cs.message());
    return kExitFailure;
  }
  Request request;
  if (!o.flush) {
    if (Status s = BuildRequest(o, &request); !s.ok()) {
      log::Error(s.message());
      return kExitFailure;
    }
  }
  std::unique_ptr<Transport> transport;
  if (Status s = MakeTransport(o.settings, &transport); !s.ok()) {
    log::Error(s.message());
    return kExitFailure;
  }
  NotifierOptions no;
  if (o.settings.expire) no.expire = std::chrono::seconds(*o.settings.expire);
  no.stop_requested = StopPending;
  if (o.flush && o.settings.spool.empty()) {
    log::Error("--flush needs --spool DIR (or spool in [sstp])");
    return kExitFailure;
  }
  if (o.every) return FlushEvery(o.settings, *transport, no, std::chrono::seconds(*o.every));
  std::unique_ptr<Spool> spool;
  if (Status s = OpenSpool(o.settings, &spool); !s.ok()) {
    log::Error(s.message());
    return kExitFailure;
  }
  Notifier notifier(*transport, spool.get(), no);
  if (o.flush) {
    FlushReport f = notifier.Flush();
    std::printf("%s: %zu delivered, %zu expired, %zu refused, %zu left\n",
                transport->Describe().c_str(), f.delivered, f.expired, f.refused, f.left);
    if (f.left > 0) {
      log::Warning(f.status.message());
      return kExitSpooled;
    }
    if (!f.status.ok()) {
      log::Error(f.status.message());
      return kExitFailure;
    }
    return kExitOk;
  }
  Delivery d = notifier.Deliver(request);
  switch (d.outcome) {
    case Delivery::kDelivered:
      std::printf("delivered to %s: %s\n", transport->Describe().c_str(), d.response.c_str());
      return kExitOk;
    case Delivery::kSpooled:
      std::printf("spooled for later in %s: %s\n", o.settings.spool.c_str(),
                  d.status.message().c_str());
      return kExitSpooled;
    case Delivery::kRetryable:
    case Delivery::kFailed:
      log::Error(d.status.message());
      return kExitFailure;
  }
  return kExitFailure;
}

}  // namespace
}  // namespace zabitan::sstp_notify

int main(int argc, char** argv) {
  return zabitan::GuardedMain("zabitan-sstp",
                              [&] { return zabitan::sstp_notify::Run(argc, argv); });
}
