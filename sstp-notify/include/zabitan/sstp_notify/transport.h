// zabitan — how an SSTP request reaches the desktop: straight over TCP, or through SSH.
//
// SSP and ninix take SSTP on port 9801 of the desktop, from localhost only. Either something
// forwards that port to us (the desktop runs `ssh -R`, or the notifier runs on the desktop)
// and a direct TCP connection does it, or the notifier logs in to the desktop's sshd and opens
// a `direct-tcpip` channel to 127.0.0.1:9801 there (MakeTransport in settings.h builds either).
// Each Exchange carries one request and reads the response head; a connection is never reused
// for a second request (SSTP has no keep-alive), an SSH session is.
//
// Thread-safety: a Transport is not thread-safe; one exchange at a time.
//
// Example:
//   namespace zs = zabitan::sstp_notify;
//   std::unique_ptr<zs::Transport> t = zs::MakeDirectTransport("127.0.0.1", 9801, zs::Timeouts{});
//   zs::ExchangeResult r = t->Exchange("EXECUTE SSTP/1.0\r\nCommand: GetName\r\n\r\n");
//   if (!r.status.ok() && r.retryable) return 3;  // the desktop is away: try again later
#ifndef ZABITAN_SSTP_NOTIFY_TRANSPORT_H_
#define ZABITAN_SSTP_NOTIFY_TRANSPORT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "zabitan/common/status.h"

namespace zabitan::sstp_notify {

struct Timeouts {
  std::chrono::milliseconds connect{5000};    // per address (TCP), the whole SSH login
  std::chrono::milliseconds exchange{10000};  // write the request and read the response head
};

struct ExchangeResult {
  Status status;           // ok: `head` holds the response head
  bool retryable = false;  // on error: the desktop may take it later (away, busy, refused)
  std::string head;
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual ExchangeResult Exchange(std::string_view request) = 0;
  // Where requests go, for log lines and as the spool's destination: "127.0.0.1:9801",
  // "ssh:user@desk:22>127.0.0.1:9801".
  virtual std::string Describe() const = 0;
};

// Connects to every address `host` resolves to in turn (ninix listens on IPv4 only while
// "localhost" may resolve to ::1 first).
std::unique_ptr<Transport> MakeDirectTransport(std::string host, uint16_t port, Timeouts timeouts);

}  // namespace zabitan::sstp_notify

#endif  // ZABITAN_SSTP_NOTIFY_TRANSPORT_H_
