// zabitan — SSTP through an SSH tunnel opened by the notifier itself (libssh2).
//
// Logs in to the desktop's sshd and opens a `direct-tcpip` channel to 127.0.0.1:9801 on the
// desktop for each request; the session stays open for every message of a run (with
// keepalives), and is opened again when it died.
//
// The host key is checked against an OpenSSH known_hosts file (`[host]:port` entries for ports
// other than 22): an unknown or different key refuses the connection and names the key's
// SHA256 fingerprint, unless accept_new_host_key is set, which records an unknown key (never
// replaces a different one). Login with a private key file (ed25519 or ECDSA; it must not be
// readable by group or others) or, without one, through ssh-agent. Debian 12's libssh2 1.10
// cannot sign with rsa-sha2, which OpenSSH 8.8+ requires: an RSA key gets that explanation.
//
//   zabitan::sstp_notify::SshOptions o;
//   o.user = "alice"; o.host = "desk.example"; o.identity = "/etc/zabitan/id_ed25519";
//   o.known_hosts = "/etc/zabitan/known_hosts";
//   std::unique_ptr<zabitan::sstp_notify::Transport> t = zabitan::sstp_notify::MakeSshTransport(o);
#ifndef ZABITAN_SSTP_NOTIFY_SSH_TRANSPORT_H_
#define ZABITAN_SSTP_NOTIFY_SSH_TRANSPORT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "zabitan/common/status.h"
#include "zabitan/sstp_notify/transport.h"

namespace zabitan::sstp_notify {

struct SshOptions {
  std::string user;
  std::string host;
  uint16_t port = 22;
  std::string identity;     // private key file; empty: ssh-agent ($SSH_AUTH_SOCK)
  std::string known_hosts;  // OpenSSH format
  bool accept_new_host_key = false;
  std::string target_host = "127.0.0.1";  // where the desktop's sshd connects the channel
  uint16_t target_port = 9801;
  int keepalive_seconds = 15;
  Timeouts timeouts;
};

// Parses "user@host[:port]" and "user@[v6]:port"; the user is required.
Status ParseSshDestination(const std::string& text, SshOptions* options);

std::unique_ptr<Transport> MakeSshTransport(SshOptions options);

}  // namespace zabitan::sstp_notify

#endif  // ZABITAN_SSTP_NOTIFY_SSH_TRANSPORT_H_
