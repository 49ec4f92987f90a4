#include "ssh_transport.h"

#include <fcntl.h>
#include <libssh2.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include "zabitan/common/connect.h"
#include "zabitan/common/log.h"
#include "zabitan/common/printable.h"
#include "zabitan/common/secret_file.h"
#include "zabitan/common/spawn_status.h"
#include "zabitan/common/unique_fd.h"
#include "zabitan/sstp_notify/protocol.h"

namespace zabitan::sstp_notify {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;

struct SessionFree {
  void operator()(LIBSSH2_SESSION* s) const {
    libssh2_session_disconnect(s, "zabitan-sstp done");
    libssh2_session_free(s);
  }
};
struct ChannelFree {
  void operator()(LIBSSH2_CHANNEL* c) const {
    libssh2_channel_close(c);
    libssh2_channel_free(c);
  }
};
struct KnownHostsFree {
  void operator()(LIBSSH2_KNOWNHOSTS* k) const { libssh2_knownhost_free(k); }
};
struct AgentFree {
  void operator()(LIBSSH2_AGENT* a) const {
    libssh2_agent_disconnect(a);
    libssh2_agent_free(a);
  }
};
using Session = std::unique_ptr<LIBSSH2_SESSION, SessionFree>;
using Channel = std::unique_ptr<LIBSSH2_CHANNEL, ChannelFree>;
using KnownHosts = std::unique_ptr<LIBSSH2_KNOWNHOSTS, KnownHostsFree>;
using Agent = std::unique_ptr<LIBSSH2_AGENT, AgentFree>;

void InitLibssh2Once() {
  static std::once_flag once;
  std::call_once(once, [] { libssh2_init(0); });
}

std::string LastError(LIBSSH2_SESSION* s) {
  char* msg = nullptr;
  int len = 0;
  int code = libssh2_session_last_error(s, &msg, &len, 0);
  return (msg != nullptr ? Printable(std::string_view(msg, len), 200) : std::string("error")) +
         " (" + std::to_string(code) + ")";
}

// "SHA256:…" as ssh-keygen -l prints it.
std::string Fingerprint(LIBSSH2_SESSION* s) {
  const char* hash = libssh2_hostkey_hash(s, LIBSSH2_HOSTKEY_HASH_SHA256);
  if (hash == nullptr) return "SHA256:?";
  unsigned char b64[64];
  int n = EVP_EncodeBlock(b64, reinterpret_cast<const unsigned char*>(hash), 32);
  std::string text(reinterpret_cast<char*>(b64), n);
  while (!text.empty() && text.back() == '=') text.pop_back();
  return "SHA256:" + text;
}

int KnownHostKeyBit(int hostkey_type) {
  switch (hostkey_type) {
    case LIBSSH2_HOSTKEY_TYPE_RSA:
      return LIBSSH2_KNOWNHOST_KEY_SSHRSA;
    case LIBSSH2_HOSTKEY_TYPE_DSS:
      return LIBSSH2_KNOWNHOST_KEY_SSHDSS;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_256:
      return LIBSSH2_KNOWNHOST_KEY_ECDSA_256;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_384:
      return LIBSSH2_KNOWNHOST_KEY_ECDSA_384;
    case LIBSSH2_HOSTKEY_TYPE_ECDSA_521:
      return LIBSSH2_KNOWNHOST_KEY_ECDSA_521;
    case LIBSSH2_HOSTKEY_TYPE_ED25519:
      return LIBSSH2_KNOWNHOST_KEY_ED25519;
    default:
      return LIBSSH2_KNOWNHOST_KEY_UNKNOWN;
  }
}

// The known_hosts key types libssh2 1.10 reads, with the host key method that negotiates each.
struct KeyKind {
  int bit;
  const char* method;
};
constexpr KeyKind kKeyKinds[] = {
    {LIBSSH2_KNOWNHOST_KEY_ED25519, "ssh-ed25519"},
    {LIBSSH2_KNOWNHOST_KEY_ECDSA_256, "ecdsa-sha2-nistp256"},
    {LIBSSH2_KNOWNHOST_KEY_ECDSA_384, "ecdsa-sha2-nistp384"},
    {LIBSSH2_KNOWNHOST_KEY_ECDSA_521, "ecdsa-sha2-nistp521"},
    {LIBSSH2_KNOWNHOST_KEY_SSHRSA, "ssh-rsa"},
    {LIBSSH2_KNOWNHOST_KEY_SSHDSS, "ssh-dss"},
};

// Whether a private key file holds an RSA key (PEM "RSA PRIVATE KEY", or an OpenSSH-format key
// whose public part says ssh-rsa).
bool IsRsaKey(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string s = text.str();
  if (s.find("BEGIN RSA PRIVATE KEY") != std::string::npos) return true;
  size_t begin = s.find("BEGIN OPENSSH PRIVATE KEY-----");
  if (begin == std::string::npos) return false;
  std::string b64;
  for (size_t i = s.find('\n', begin); i < s.size() && s[i] != '-'; ++i) {
    if (!std::isspace(static_cast<unsigned char>(s[i]))) b64 += s[i];
  }
  std::string raw(b64.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(raw.data()),
                          reinterpret_cast<const unsigned char*>(b64.data()),
                          static_cast<int>(b64.size()));
  return n > 0 && raw.find("ssh-rsa") != std::string::npos;
}

class SshTransport : public Transport {
 public:
  explicit SshTransport(SshOptions options) : options_(std::move(options)) { InitLibssh2Once(); }

  ~SshTransport() override {
    session_.reset();  // before the socket it uses
  }

  std::string Describe() const override {
    bool v6 = options_.host.find(':') != std::string::npos;
    return "ssh:" + options_.user + "@" + (v6 ? "[" + options_.host + "]" : options_.host) + ":" +
           std::to_string(options_.port) + ">" + options_.target_host + ":" +
           std::to_string(options_.target_port);
  }

  ExchangeResult Exchange(std::string_view request) override {
    ExchangeResult result;
    if (session_ && libssh2_keepalive_send(session_.get(), nullptr) != 0) {
      log::Debug("ssh session to " + options_.host + " is gone; logging in again");
      Close();
    }
    if (!session_) {
      result.status = Open(&result.retryable);
      if (!result.status.ok()) {
        Close();
        return result;
      }
    }
    Channel channel(libssh2_channel_direct_tcpip_ex(session_.get(), options_.target_host.c_str(),
                                                    options_.target_port, "127.0.0.1", 0));
    if (!channel) {
      int code = libssh2_session_last_errno(session_.get());
      result.retryable = true;
      if (code == LIBSSH2_ERROR_CHANNEL_FAILURE) {
        result.status = Status::Error("ssh " + options_.host + " refused a tunnel to " + Target() +
                                      " (nothing listening there — is the ghost running? — or not "
                                      "allowed by the sshd's PermitOpen)");
      } else {
        result.status = Status::Error("ssh " + options_.host + ": opening a tunnel to " + Target() +
                                      ": " + LastError(session_.get()));
        Close();
      }
      return result;
    }
    return Talk(channel.get(), request);
  }

 private:
  std::string Target() const {
    return options_.target_host + ":" + std::to_string(options_.target_port);
  }
  std::string Where() const {
    return "ssh " + options_.user + "@" + options_.host + ":" + std::to_string(options_.port);
  }

  void Close() {
    session_.reset();
    stream_.reset();
  }

  Status Connect() {
    Status status;
    asio::co_spawn(
        io_,
        [this, &status]() -> asio::awaitable<void> {
          asio::ip::tcp::resolver::results_type addresses;
          status = co_await Resolve(options_.host, options_.port, &addresses);
          if (!status.ok()) co_return;
          stream_.emplace(co_await asio::this_coro::executor);
          std::string peer;
          status = co_await ConnectAny(*stream_, addresses, options_.timeouts.connect, std::nullopt,
                                       &peer);
        },
        StatusOnException(&status, Where() + ": connect"));
    io_.restart();
    io_.run();
    return status;
  }

  // Connects, checks the host key, logs in. `retryable` says whether trying later may help
  // (the desktop unreachable) or not (a host key or login refused).
  Status Open(bool* retryable) {
    *retryable = true;
    if (Status s = Connect(); !s.ok()) return s.Prefixed(Where());
    session_.reset(libssh2_session_init());
    if (!session_) return Status::Error(Where() + ": cannot create an SSH session");
    libssh2_session_set_blocking(session_.get(), 1);
    // The handshake and the login share one deadline (each libssh2 call gets what is left).
    const auto login_deadline = std::chrono::steady_clock::now() + options_.timeouts.connect;
    TimeLeft(login_deadline);
    if (Status s = PreferRecordedKeyTypes(); !s.ok()) return s;
    if (libssh2_session_handshake(session_.get(), stream_->socket().native_handle()) != 0) {
      return Status::Error(Where() + ": SSH handshake: " + LastError(session_.get()));
    }
    *retryable = false;
    if (Status s = CheckHostKey(); !s.ok()) return s;
    if (!TimeLeft(login_deadline)) {
      *retryable = true;
      return Status::Error(Where() + ": SSH login: timed out");
    }
    if (Status s = Login(); !s.ok()) return s;
    *retryable = true;
    libssh2_session_set_timeout(session_.get(),
                                static_cast<long>(options_.timeouts.exchange.count()));
    libssh2_keepalive_config(session_.get(), 1, static_cast<unsigned>(options_.keepalive_seconds));
    log::Debug(Where() + ": logged in");
    return Status::Ok();
  }

  // known_hosts read into `known` (an absent file is an empty one).
  Status ReadKnownHosts(KnownHosts* known) {
    known->reset(libssh2_knownhost_init(session_.get()));
    if (!*known) return Status::Error(Where() + ": cannot read known hosts");
    struct stat st;
    bool exists = ::stat(options_.known_hosts.c_str(), &st) == 0;
    if (exists && libssh2_knownhost_readfile(known->get(), options_.known_hosts.c_str(),
                                             LIBSSH2_KNOWNHOST_FILE_OPENSSH) < 0) {
      return Status::Error(Where() + ": cannot read known_hosts " + options_.known_hosts + ": " +
                           LastError(session_.get()));
    }
    return Status::Ok();
  }

  // The key types known_hosts holds for this host. libssh2 compares a key only with entries of
  // its own type, so asking with a key that matches nothing says MISMATCH exactly when the host
  // is recorded under that type (hashed entries included).
  std::vector<const KeyKind*> RecordedKeyKinds(LIBSSH2_KNOWNHOSTS* known) const {
    std::vector<const KeyKind*> kinds;
    const char nothing[] = "\0";
    for (const KeyKind& kind : kKeyKinds) {
      struct libssh2_knownhost* entry = nullptr;
      const int mask = LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | kind.bit;
      if (libssh2_knownhost_checkp(known, options_.host.c_str(), options_.port, nothing, 1, mask,
                                   &entry) == LIBSSH2_KNOWNHOST_CHECK_MISMATCH) {
        kinds.push_back(&kind);
      }
    }
    return kinds;
  }

  // Asks the server for a host key of a type known_hosts already holds for it first, then the
  // others libssh2 knows: a desktop with ed25519 and ECDSA keys would otherwise offer the one
  // libssh2 likes best, and a recorded host answering with an unrecorded type is refused below.
  Status PreferRecordedKeyTypes() {
    KnownHosts known;
    if (Status s = ReadKnownHosts(&known); !s.ok()) return s;
    std::vector<std::string> methods;
    for (const KeyKind* kind : RecordedKeyKinds(known.get())) methods.emplace_back(kind->method);
    if (methods.empty()) return Status::Ok();
    const char** supported = nullptr;
    int n = libssh2_session_supported_algs(session_.get(), LIBSSH2_METHOD_HOSTKEY, &supported);
    for (int i = 0; i < n; ++i) {
      if (std::find(methods.begin(), methods.end(), supported[i]) == methods.end())
        methods.emplace_back(supported[i]);
    }
    if (n > 0) libssh2_free(session_.get(), supported);
    std::string list;
    for (const std::string& m : methods) list += (list.empty() ? "" : ",") + m;
    if (libssh2_session_method_pref(session_.get(), LIBSSH2_METHOD_HOSTKEY, list.c_str()) != 0) {
      log::Debug(Where() + ": libssh2 refused the host key preference " + list);
    }
    return Status::Ok();
  }

  Status CheckHostKey() {
    size_t len = 0;
    int type = 0;
    const char* key = libssh2_session_hostkey(session_.get(), &len, &type);
    if (key == nullptr) return Status::Error(Where() + ": no host key");
    KnownHosts known;
    if (Status s = ReadKnownHosts(&known); !s.ok()) return s;
    const int mask =
        LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | KnownHostKeyBit(type);
    struct libssh2_knownhost* entry = nullptr;
    int check = libssh2_knownhost_checkp(known.get(), options_.host.c_str(), options_.port, key,
                                         len, mask, &entry);
    const std::string fingerprint = Fingerprint(session_.get());
    // A host recorded under other key types only is not new: its key changed (OpenSSH says the
    // same). Accepting it as new would let a man in the middle offer a type we have no entry for.
    if (check == LIBSSH2_KNOWNHOST_CHECK_NOTFOUND && !RecordedKeyKinds(known.get()).empty()) {
      check = LIBSSH2_KNOWNHOST_CHECK_MISMATCH;
    }
    switch (check) {
      case LIBSSH2_KNOWNHOST_CHECK_MATCH:
        return Status::Ok();
      case LIBSSH2_KNOWNHOST_CHECK_MISMATCH:
        return Status::Error(Where() + ": the host key " + fingerprint + " does not match " +
                             options_.known_hosts + " — refusing (a changed key may be an attack)");
      case LIBSSH2_KNOWNHOST_CHECK_NOTFOUND:
        if (!options_.accept_new_host_key) {
          return Status::Error(Where() + ": unknown host key " + fingerprint + ", not in " +
                               options_.known_hosts +
                               " — refusing (check it, then add it or use "
                               "--accept-new-host-key once)");
        }
        return Remember(known.get(), key, len, mask, fingerprint);
      default:
        return Status::Error(Where() + ": checking the host key: " + LastError(session_.get()));
    }
  }

  // Appends the new key to known_hosts, as OpenSSH would record it.
  Status Remember(LIBSSH2_KNOWNHOSTS* known, const char* key, size_t len, int mask,
                  const std::string& fingerprint) {
    std::string name = options_.port == 22
                           ? options_.host
                           : "[" + options_.host + "]:" + std::to_string(options_.port);
    struct libssh2_knownhost* added = nullptr;
    if (libssh2_knownhost_addc(known, name.c_str(), nullptr, key, len, nullptr, 0, mask, &added) !=
        0) {
      return Status::Error(Where() + ": cannot record the host key: " + LastError(session_.get()));
    }
    char line[4096];
    size_t n = 0;
    if (libssh2_knownhost_writeline(known, added, line, sizeof(line), &n,
                                    LIBSSH2_KNOWNHOST_FILE_OPENSSH) != 0) {
      return Status::Error(Where() + ": cannot format the host key: " + LastError(session_.get()));
    }
    UniqueFd fd(
        ::open(options_.known_hosts.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
    if (!fd || ::write(fd.get(), line, n) != static_cast<ssize_t>(n) || ::fsync(fd.get()) != 0) {
      return Status::Error(Where() + ": cannot append to " + options_.known_hosts + ": " +
                           std::strerror(errno));
    }
    log::Warning(Where() + ": accepted the new host key " + fingerprint + " into " +
                 options_.known_hosts);
    return Status::Ok();
  }

  Status Login() {
    const std::string& user = options_.user;
    if (!options_.identity.empty()) {
      if (Status s = CheckSecretFileMode(options_.identity); !s.ok()) return s;
      int rc = libssh2_userauth_publickey_fromfile_ex(session_.get(), user.c_str(),
                                                      static_cast<unsigned>(user.size()), nullptr,
                                                      options_.identity.c_str(), nullptr);
      if (rc == 0) return Status::Ok();
      std::string why = LastError(session_.get());
      if (IsRsaKey(options_.identity)) {
        why += "; " + options_.identity +
               " is an RSA key, and Debian 12's libssh2 1.10 cannot sign "
               "with rsa-sha2, which OpenSSH 8.8+ requires: use an ed25519 or ECDSA key";
      }
      return Status::Error(Where() + ": login with " + options_.identity + " refused: " + why);
    }
    Agent agent(libssh2_agent_init(session_.get()));
    if (!agent || libssh2_agent_connect(agent.get()) != 0) {
      return Status::Error(Where() +
                           ": no identity file given and no ssh-agent to ask ($SSH_AUTH_SOCK)");
    }
    if (libssh2_agent_list_identities(agent.get()) != 0) {
      return Status::Error(Where() + ": ssh-agent: " + LastError(session_.get()));
    }
    struct libssh2_agent_publickey* identity = nullptr;
    struct libssh2_agent_publickey* prev = nullptr;
    while (libssh2_agent_get_identity(agent.get(), &identity, prev) == 0) {
      if (libssh2_agent_userauth(agent.get(), user.c_str(), identity) == 0) return Status::Ok();
      prev = identity;
    }
    return Status::Error(Where() + ": none of ssh-agent's keys was accepted for " + user);
  }

  // libssh2's timeout covers one blocking call; the exchange as a whole has a deadline, so a
  // desktop that trickles a byte now and then cannot hold the run: before each call the
  // timeout is what is left. False once nothing is left.
  bool TimeLeft(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    libssh2_session_set_timeout(session_.get(), static_cast<long>(left.count()));
    return true;
  }

  ExchangeResult Talk(LIBSSH2_CHANNEL* channel, std::string_view request) {
    ExchangeResult result;
    result.retryable = true;
    const std::string where = Where() + " > " + Target();
    const auto deadline = std::chrono::steady_clock::now() + options_.timeouts.exchange;
    // The whole request before reading: ninix freezes on a half-sent request.
    for (size_t sent = 0; sent < request.size();) {
      if (!TimeLeft(deadline)) {
        result.status = Status::Error(where + ": send: timed out");
        return result;
      }
      ssize_t n = libssh2_channel_write(channel, request.data() + sent, request.size() - sent);
      if (n < 0) {
        result.status = Status::Error(where + ": send: " + LastError(session_.get()));
        return result;
      }
      sent += static_cast<size_t>(n);
    }
    std::string data;
    char chunk[1024];
    const std::string timed_out = where + ": timed out (no whole response in " +
                                  std::to_string(options_.timeouts.exchange.count() / 1000) + " s)";
    for (;;) {
      if (!TimeLeft(deadline)) {
        result.status = Status::Error(timed_out);
        return result;
      }
      ssize_t n = libssh2_channel_read(channel, chunk, sizeof(chunk));
      if (n > 0) data.append(chunk, static_cast<size_t>(n));
      if (size_t end = HeadEnd(data)) {
        data.resize(end);
        break;
      }
      if (data.size() > kMaxResponseHead) {
        result.status = Status::Error(where + ": no end of the response head in " +
                                      std::to_string(kMaxResponseHead) + " bytes");
        result.retryable = false;
        return result;
      }
      if (n == 0 && libssh2_channel_eof(channel)) {
        result.status = Status::Error(where + ": connection closed before a complete response");
        return result;
      }
      if (n < 0) {
        result.status = Status::Error(
            n == LIBSSH2_ERROR_TIMEOUT ? timed_out : where + ": " + LastError(session_.get()));
        return result;
      }
    }
    result.head = std::move(data);
    result.retryable = false;
    return result;
  }

  SshOptions options_;
  asio::io_context io_;
  std::optional<beast::tcp_stream> stream_;
  Session session_;
};

}  // namespace

std::unique_ptr<Transport> MakeSshTransport(SshOptions options) {
  return std::make_unique<SshTransport>(std::move(options));
}

}  // namespace zabitan::sstp_notify
