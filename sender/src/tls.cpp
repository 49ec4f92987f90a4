#include "zabitan/sender/tls.h"

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstring>

#include "zabitan/common/secret_file.h"
#include "zabitan/sender/error.h"

namespace zabitan::sender {
namespace {

// Zabbix's defaults (src/libs/zbxcomms/tls_openssl.c): servers accept AES128 suites only.
constexpr const char* kPskCiphers12 = "kECDHEPSK+AES128:kPSK+AES128";
constexpr const char* kPskCiphers13 = "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256";
constexpr const char* kCertCiphers12 = "EECDH+aRSA+AES128:RSA+aRSA+AES128";
constexpr size_t kMaxIdentityBytes = 127;  // OpenSSL's limit (Zabbix allows 128 characters)

std::string OpenSslError() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  ERR_clear_error();
  return buf;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Wipes a string holding key material when it goes out of scope.
struct Wiped {
  std::string text;
  ~Wiped() { OPENSSL_cleanse(text.data(), text.size()); }
};

Status ReadPsk(const std::string& path, std::vector<unsigned char>* key) {
  Wiped file;
  if (Status s = ReadSecretFile(path, &file.text); !s.ok()) return s.Prefixed("--tls-psk-file");
  Wiped first_line{file.text.substr(0, file.text.find('\n'))};
  std::string& line = first_line.text;
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  if (line.size() < 32 || line.size() > 512 || line.size() % 2 != 0) {
    return Status::Error("--tls-psk-file " + path +
                             ": the key must be 32-512 hex digits, an even number (found " +
                             std::to_string(line.size()) + " characters)",
                         Errc::kTlsConfig);
  }
  key->clear();
  for (size_t i = 0; i < line.size(); i += 2) {
    int hi = HexDigit(line[i]), lo = HexDigit(line[i + 1]);
    if (hi < 0 || lo < 0)
      return Status::Error("--tls-psk-file " + path + ": not a hex string", Errc::kTlsConfig);
    key->push_back(static_cast<unsigned char>(hi * 16 + lo));
  }
  return Status::Ok();
}

// The RFC 4514 text of a name, as Zabbix prints it for --tls-server-cert-issuer/-subject.
std::string NameText(X509_NAME* name) {
  BIO* bio = BIO_new(BIO_s_mem());
  X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  std::string text(data, static_cast<size_t>(n));
  BIO_free(bio);
  return text;
}

// Where the PSK callback finds its TlsContext. Not SSL_CTX's "app data": Asio keeps its own
// verify callback there and deletes it with the context.
int ContextIndex() {
  static const int index = SSL_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  return index;
}

}  // namespace

Status ParseTlsMode(const std::string& text, TlsMode* mode) {
  if (text == "unencrypted")
    *mode = TlsMode::kUnencrypted;
  else if (text == "psk")
    *mode = TlsMode::kPsk;
  else if (text == "cert")
    *mode = TlsMode::kCert;
  else
    return Status::Error("invalid --tls-connect \"" + text + "\" (unencrypted, psk or cert)",
                         Errc::kTlsConfig);
  return Status::Ok();
}

TlsContext::TlsContext(Passkey) : ssl_(boost::asio::ssl::context::tls_client) {}

TlsContext::~TlsContext() { OPENSSL_cleanse(psk_.data(), psk_.size()); }

Status TlsContext::PrepareConnection(SSL* ssl, const std::string& host) const {
  if (!check_host_) return Status::Ok();
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  // An address is compared with the certificate's IP entries, a name with its DNS entries.
  int ok = X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
  if (ok != 1) {
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    ok = X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size());
  }
  return ok == 1 ? Status::Ok()
                 : Status::Error("--tls-check-host: cannot check the name \"" + host + "\"",
                                 Errc::kTlsConfig);
}

Status TlsContext::Create(const TlsOptions& o, std::shared_ptr<TlsContext>* out) {
  auto ctx = std::make_shared<TlsContext>(Passkey{});
  ctx->mode_ = o.mode;
  SSL_CTX* native = ctx->ssl_.native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  // Like Zabbix: no session tickets or cache, every connection a full handshake.
  SSL_CTX_set_options(native, SSL_OP_NO_TICKET);
  SSL_CTX_set_session_cache_mode(native, SSL_SESS_CACHE_OFF);

  if (o.mode == TlsMode::kPsk) {
    if (o.psk_identity.empty())
      return Status::Error("--tls-connect psk needs --tls-psk-identity", Errc::kTlsConfig);
    if (o.psk_file.empty())
      return Status::Error("--tls-connect psk needs --tls-psk-file", Errc::kTlsConfig);
    if (o.psk_identity.size() > kMaxIdentityBytes) {
      return Status::Error("--tls-psk-identity is longer than 127 bytes", Errc::kTlsConfig);
    }
    if (!o.cert_file.empty() || !o.ca_file.empty()) {
      return Status::Error("--tls-connect psk does not take certificate options", Errc::kTlsConfig);
    }
    ctx->psk_identity_ = o.psk_identity;
    if (Status s = ReadPsk(o.psk_file, &ctx->psk_); !s.ok()) return s;
    std::string c12 = o.cipher.empty() ? kPskCiphers12 : o.cipher;
    std::string c13 = o.cipher13.empty() ? kPskCiphers13 : o.cipher13;
    if (SSL_CTX_set_cipher_list(native, c12.c_str()) != 1) {
      return Status::Error("--tls-cipher \"" + c12 + "\": " + OpenSslError(), Errc::kTlsConfig);
    }
    if (SSL_CTX_set_ciphersuites(native, c13.c_str()) != 1) {
      return Status::Error("--tls-cipher13 \"" + c13 + "\": " + OpenSslError(), Errc::kTlsConfig);
    }
    SSL_CTX_set_ex_data(native, ContextIndex(), ctx.get());
    SSL_CTX_set_psk_client_callback(native, &TlsContext::PskCallback);
  } else if (o.mode == TlsMode::kCert) {
    if (o.ca_file.empty())
      return Status::Error("--tls-connect cert needs --tls-ca-file", Errc::kTlsConfig);
    if (o.cert_file.empty() || o.key_file.empty()) {
      return Status::Error("--tls-connect cert needs --tls-cert-file and --tls-key-file",
                           Errc::kTlsConfig);
    }
    if (!o.psk_identity.empty() || !o.psk_file.empty()) {
      return Status::Error("--tls-connect cert does not take PSK options", Errc::kTlsConfig);
    }
    if (Status s = CheckSecretFileMode(o.key_file); !s.ok()) return s.Prefixed("--tls-key-file");
    if (SSL_CTX_load_verify_locations(native, o.ca_file.c_str(), nullptr) != 1) {
      return Status::Error("--tls-ca-file " + o.ca_file + ": " + OpenSslError(), Errc::kTlsConfig);
    }
    if (!o.crl_file.empty()) {
      X509_STORE* store = SSL_CTX_get_cert_store(native);
      if (X509_STORE_load_file(store, o.crl_file.c_str()) != 1) {
        return Status::Error("--tls-crl-file " + o.crl_file + ": " + OpenSslError(),
                             Errc::kTlsConfig);
      }
      X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL);
    }
    if (SSL_CTX_use_certificate_chain_file(native, o.cert_file.c_str()) != 1) {
      return Status::Error("--tls-cert-file " + o.cert_file + ": " + OpenSslError(),
                           Errc::kTlsConfig);
    }
    if (SSL_CTX_use_PrivateKey_file(native, o.key_file.c_str(), SSL_FILETYPE_PEM) != 1 ||
        SSL_CTX_check_private_key(native) != 1) {
      return Status::Error("--tls-key-file " + o.key_file + ": " + OpenSslError(),
                           Errc::kTlsConfig);
    }
    std::string c12 = o.cipher.empty() ? kCertCiphers12 : o.cipher;
    if (SSL_CTX_set_cipher_list(native, c12.c_str()) != 1) {
      return Status::Error("--tls-cipher \"" + c12 + "\": " + OpenSslError(), Errc::kTlsConfig);
    }
    if (!o.cipher13.empty() && SSL_CTX_set_ciphersuites(native, o.cipher13.c_str()) != 1) {
      return Status::Error("--tls-cipher13 \"" + o.cipher13 + "\": " + OpenSslError(),
                           Errc::kTlsConfig);
    }
    SSL_CTX_set_verify(native, SSL_VERIFY_PEER, nullptr);
    ctx->issuer_ = o.server_cert_issuer;
    ctx->subject_ = o.server_cert_subject;
    ctx->check_host_ = o.check_host;
  } else {
    return Status::Error("TLS context asked for an unencrypted connection", Errc::kTlsConfig);
  }
  if (o.check_host && o.mode != TlsMode::kCert) {
    return Status::Error("--tls-check-host needs --tls-connect cert", Errc::kTlsConfig);
  }
  *out = std::move(ctx);
  return Status::Ok();
}

unsigned int TlsContext::PskCallback(SSL* ssl, const char* /*hint*/, char* identity,
                                     unsigned int max_identity_len, unsigned char* psk,
                                     unsigned int max_psk_len) {
  auto* self = static_cast<TlsContext*>(SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ContextIndex()));
  if (self == nullptr || self->psk_identity_.size() + 1 > max_identity_len ||
      self->psk_.size() > max_psk_len) {
    return 0;  // aborts the handshake
  }
  std::memcpy(identity, self->psk_identity_.c_str(), self->psk_identity_.size() + 1);
  std::memcpy(psk, self->psk_.data(), self->psk_.size());
  return static_cast<unsigned int>(self->psk_.size());
}

Status TlsContext::CheckPeer(SSL* ssl) const {
  if (mode_ != TlsMode::kCert || (issuer_.empty() && subject_.empty())) return Status::Ok();
  X509* cert = SSL_get1_peer_certificate(ssl);
  if (cert == nullptr) return Status::Error("the server sent no certificate", Errc::kTlsHandshake);
  std::string issuer = NameText(X509_get_issuer_name(cert));
  std::string subject = NameText(X509_get_subject_name(cert));
  X509_free(cert);
  if (!issuer_.empty() && issuer != issuer_) {
    return Status::Error("server certificate issuer \"" + issuer + "\" is not \"" + issuer_ + "\"",
                         Errc::kTlsHandshake);
  }
  if (!subject_.empty() && subject != subject_) {
    return Status::Error(
        "server certificate subject \"" + subject + "\" is not \"" + subject_ + "\"",
        Errc::kTlsHandshake);
  }
  return Status::Ok();
}

}  // namespace zabitan::sender
