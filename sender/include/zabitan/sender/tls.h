// zabitan — TLS for the trapper protocol, as Zabbix does it: PSK or certificates, TLS 1.2+.
//
// One TlsContext serves every connection of a Sender. PSK mode sends the identity and the key
// (from a hex file of 32-512 digits that only its owner may read) through OpenSSL's PSK client
// callback, with the suites a Zabbix server accepts by default (AES128 for TLS 1.2;
// TLS_CHACHA20_POLY1305_SHA256 and TLS_AES_128_GCM_SHA256 for TLS 1.3). Certificate mode
// verifies the server against the CA file (and CRL), then, like Zabbix, compares the server
// certificate's issuer and subject (RFC 4514 text) with --tls-server-cert-issuer/-subject;
// with check_host (zabitan's own --tls-check-host) the certificate must also name the host
// each connection goes to (every HA node and redirect target by its own name or address). The
// PSK is wiped (OPENSSL_cleanse) when the context goes, and so is the file text it came from.
//
// Thread-safety: thread-compatible; the context is immutable once created.
//
// Example:
//   zabitan::sender::TlsOptions tls;
//   tls.mode = zabitan::sender::TlsMode::kPsk;
//   tls.psk_identity = "web01";
//   tls.psk_file = "/etc/zabitan/web01.psk";
//   std::shared_ptr<zabitan::sender::TlsContext> ctx;
//   zabitan::Status s = zabitan::sender::TlsContext::Create(tls, &ctx);
#ifndef ZABITAN_SENDER_TLS_H_
#define ZABITAN_SENDER_TLS_H_

#include <memory>
#include <string>
#include <utility>  // before Asio: Boost 1.74 needs std::exchange declared
#include <vector>

#include <boost/asio/ssl/context.hpp>

#include "zabitan/common/status.h"

namespace zabitan::sender {

enum class TlsMode { kUnencrypted, kPsk, kCert };

struct TlsOptions {
  TlsMode mode = TlsMode::kUnencrypted;
  std::string ca_file, crl_file, server_cert_issuer, server_cert_subject, cert_file, key_file;
  std::string psk_identity, psk_file;
  std::string cipher;       // OpenSSL cipher string for TLS 1.2 (replaces the default)
  std::string cipher13;     // OpenSSL TLS 1.3 ciphersuites (replaces the default)
  bool check_host = false;  // certificate mode: the certificate must name the host connected to
};

// Parses "unencrypted", "psk" or "cert".
Status ParseTlsMode(const std::string& text, TlsMode* mode);

class TlsContext {
 public:
  struct Passkey {};
  explicit TlsContext(Passkey);
  ~TlsContext();
  TlsContext(const TlsContext&) = delete;
  TlsContext& operator=(const TlsContext&) = delete;

  // Reads and checks every file named in `options` (a PSK or key file readable by group or
  // others is refused). Errors name the option and the file.
  static Status Create(const TlsOptions& options, std::shared_ptr<TlsContext>* context);

  boost::asio::ssl::context& ssl() { return ssl_; }
  // Before the handshake: asks OpenSSL to check that the certificate names `host` (a DNS name
  // or an IP address), when check_host was set.
  Status PrepareConnection(SSL* ssl, const std::string& host) const;
  // Certificate mode with nothing but the CA to check (no issuer, subject or check_host): any
  // certificate the CA signed passes, whoever presents it. Callers warn about it.
  bool AcceptsAnyCertificate() const {
    return mode_ == TlsMode::kCert && issuer_.empty() && subject_.empty() && !check_host_;
  }
  // After the handshake: the issuer/subject checks of certificate mode.
  Status CheckPeer(SSL* ssl) const;

 private:
  static unsigned int PskCallback(SSL* ssl, const char* hint, char* identity,
                                  unsigned int max_identity_len, unsigned char* psk,
                                  unsigned int max_psk_len);

  boost::asio::ssl::context ssl_;
  TlsMode mode_ = TlsMode::kUnencrypted;
  std::string issuer_, subject_;
  bool check_host_ = false;
  std::string psk_identity_;
  std::vector<unsigned char> psk_;
};

}  // namespace zabitan::sender

#endif  // ZABITAN_SENDER_TLS_H_
