// zabitan — the notifier's settings: the [sstp] section of the toolkit's config, and what they
// build (the transport, the spool). zabitan-sstp fills them from its flags first (a flag wins);
// zabitan-remote-cmd takes them from the config as they are, to tell the mascot what it did.
//
// Thread-safety: plain values and functions without state, safe from any thread.
//
// Example:
//   zabitan::Config config;
//   zabitan::Status s = zabitan::Config::Load("/etc/zabitan/zabitan.toml", false, &config);
//   zabitan::sstp_notify::Settings settings;
//   if (s.ok()) s = zabitan::sstp_notify::ApplyConfig(config, &settings);  // [sstp]
//   std::unique_ptr<zabitan::sstp_notify::Transport> transport;
//   if (s.ok()) s = zabitan::sstp_notify::MakeTransport(settings, &transport);
#ifndef ZABITAN_SSTP_NOTIFY_SETTINGS_H_
#define ZABITAN_SSTP_NOTIFY_SETTINGS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "zabitan/common/config.h"
#include "zabitan/common/spool.h"
#include "zabitan/common/status.h"
#include "zabitan/sstp_notify/alert.h"
#include "zabitan/sstp_notify/transport.h"

namespace zabitan::sstp_notify {

inline constexpr const char* kDefaultTemplate = "\\0\\s[{surface}]{message}\\e";
inline constexpr const char* kDefaultMediaTemplate = "\\0\\s[{surface}]{subject}\\n{message}\\e";
inline constexpr uint64_t kDefaultSpoolMaxBytes = uint64_t{64} << 20;

struct Settings {
  std::string to;   // HOST:PORT of the SSTP server (default 127.0.0.1:9801)
  std::string ssh;  // USER@HOST[:PORT]: through the desktop's sshd
  std::string identity;
  std::string known_hosts;  // default ~/.ssh/known_hosts
  bool accept_new_host_key = false;
  std::string sender;
  std::string charset;
  std::string notify;  // NOTIFY event; empty: SEND
  std::optional<int> surface;
  std::vector<std::string> options;
  std::string spool;
  std::optional<int64_t> spool_max_bytes;
  std::optional<int64_t> expire;   // seconds
  std::optional<int64_t> timeout;  // seconds
  std::string speech_template;
  std::string media_template;
  Surfaces surfaces;
};

// Fills what is still unset in `settings` from the [sstp] section; unknown keys are errors.
Status ApplyConfig(const Config& config, Settings* settings);

// With `budget`, connecting (the SSH login included) and each exchange take at most half of it.
Status MakeTransport(const Settings& settings, std::unique_ptr<Transport>* transport,
                     std::optional<std::chrono::milliseconds> budget = std::nullopt);

// Opens the spool when one is set (else leaves `spool` empty).
Status OpenSpool(const Settings& settings, std::unique_ptr<Spool>* spool);

}  // namespace zabitan::sstp_notify

#endif  // ZABITAN_SSTP_NOTIFY_SETTINGS_H_
