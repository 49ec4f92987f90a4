#include "zabitan/vsphere/failure.h"

#include <curl/curl.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "captured.h"
#include "soap_reply.h"
#include "zabitan/common/curl_easy.h"
#include "zabitan/vsphere/error.h"
#include "zabitan/vsphere/soap_client.h"

using zabitan::Status;
using zabitan::vsphere::FailureReason;
using zabitan::vsphere::SoapClient;
using zabitan::vsphere::SoapOptions;
using zabitan::vsphere::SoapResult;

namespace {

// A TCP socket on 127.0.0.1, a free port: bound only (connections refused), or listening.
class Socket {
 public:
  explicit Socket(bool listening) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    REQUIRE(fd_ >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
    if (listening) REQUIRE(::listen(fd_, 8) == 0);
  }
  ~Socket() { ::close(fd_); }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;
  int fd() const { return fd_; }
  std::string Url(const char* scheme) const {
    return std::string(scheme) + "://127.0.0.1:" + std::to_string(port_) + "/sdk";
  }

 private:
  int fd_;
  int port_ = 0;
};

// Serves the first connection to `listener` on a thread with `serve(fd)`; joined on destruction
// (the accept gives up after 10 s, so a client that never comes cannot hang the test).
class OneConnection {
 public:
  template <typename F>
  OneConnection(const Socket& listener, F serve)
      : thread_([fd = listener.fd(), serve] {
          pollfd p{fd, POLLIN, 0};
          if (::poll(&p, 1, 10000) != 1) return;
          const int c = ::accept(fd, nullptr, nullptr);
          if (c < 0) return;
          serve(c);
          ::close(c);
        }) {}
  ~OneConnection() { thread_.join(); }
  OneConnection(const OneConnection&) = delete;
  OneConnection& operator=(const OneConnection&) = delete;

 private:
  std::thread thread_;
};

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct SslCtxFree {
  void operator()(SSL_CTX* c) const { SSL_CTX_free(c); }
};
struct SslFree {
  void operator()(SSL* s) const { SSL_free(s); }
};

// A TLS server context with a fresh self-signed certificate for 127.0.0.1 (trusted by nobody).
std::shared_ptr<SSL_CTX> SelfSignedServer() {
  std::unique_ptr<EVP_PKEY, PkeyFree> key(EVP_EC_gen("P-256"));
  REQUIRE(key);
  std::unique_ptr<X509, X509Free> cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("127.0.0.1"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  REQUIRE(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0);
  std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_server_method()), SslCtxFree());
  REQUIRE(ctx);
  REQUIRE(SSL_CTX_use_certificate(ctx.get(), cert.get()) == 1);
  REQUIRE(SSL_CTX_use_PrivateKey(ctx.get(), key.get()) == 1);
  return ctx;
}

// One call through the real SoapClient (libcurl) to `url`; its failed Status.
Status CallFails(SoapOptions options) {
  std::unique_ptr<SoapClient> client;
  REQUIRE(SoapClient::Create(options, &client).ok());
  SoapResult r;
  Status s = client->Call("<RetrieveServiceContent xmlns=\"urn:vim25\"/>", &r);
  INFO(s.message());
  REQUIRE_FALSE(s.ok());
  return s;
}

SoapOptions To(std::string url) {
  SoapOptions o;
  o.url = std::move(url);
  o.connect_timeout = std::chrono::milliseconds(5000);
  o.timeout = std::chrono::milliseconds(5000);
  return o;
}

// FailureReason's reading of `s`, checked against the prefix it must have and the CURLcode the
// status must carry; the message is libcurl's, whatever its wording.
void Reads(const Status& s, CURLcode code, const std::string& prefix) {
  INFO(s.message() << " (code " << s.code().value() << " " << s.code().category().name() << ")");
  CHECK(s.code() == std::error_code(code, zabitan::curl::ErrorCategory()));
  CHECK(FailureReason(s) == prefix + s.message());
}

}  // namespace

// The fault a reply holds, with the context a call adds, as FailureReason gets it.
Status Fault(const std::string& type, const std::string& text, const std::string& context) {
  zabitan::vsphere::SoapResult r;
  Status s = zabitan::vsphere::ParseSoapReply(
      zabitan::testing::Envelope(
          "<soapenv:Fault><faultcode>ServerFaultCode</faultcode><faultstring>" + text +
          "</faultstring><detail><" + type +
          "Fault xmlns=\"urn:vim25\"/></detail>"
          "</soapenv:Fault>"),
      500, &r);
  REQUIRE_FALSE(s.ok());
  return s.Prefixed(context);
}

TEST_CASE("vsphere/failure: a refused login names InvalidLogin", "[vsphere]") {
  const Status s = Fault("InvalidLogin", "Login failure", "https://vc/sdk");
  CHECK(s.code() == zabitan::vsphere::Error::kInvalidLogin);
  CHECK(FailureReason(s) ==
        "login refused (InvalidLogin): https://vc/sdk: InvalidLogin: Login failure");
}

TEST_CASE("vsphere/failure: a missing privilege names NoPermission", "[vsphere]") {
  const Status s =
      Fault("NoPermission", "Permission to perform this operation was denied.", "QueryPerf");
  CHECK(s.code() == zabitan::vsphere::Error::kNoPermission);
  CHECK(FailureReason(s) == "permission missing (NoPermission): " + s.message());
}

// The cases below are real libcurl failures of the real SoapClient against local sockets.

TEST_CASE("vsphere/failure: a closed port reads as unreachable", "[vsphere]") {
  Socket closed(false);  // bound, not listening: the connection is refused
  Reads(CallFails(To(closed.Url("https"))), CURLE_COULDNT_CONNECT, "unreachable: ");
}

TEST_CASE("vsphere/failure: a listener that never answers reads as unreachable, over TLS too",
          "[vsphere]") {
  // The kernel completes the TCP handshake; nothing reads the request or the TLS hello.
  Socket silent(true);
  SoapOptions o = To(silent.Url("https"));
  o.connect_timeout = o.timeout = std::chrono::milliseconds(300);
  Reads(CallFails(o), CURLE_OPERATION_TIMEDOUT, "unreachable: ");
  o.url = silent.Url("http");
  Reads(CallFails(o), CURLE_OPERATION_TIMEDOUT, "unreachable: ");
}

TEST_CASE("vsphere/failure: TLS to an endpoint that speaks plain HTTP reads as TLS mismatch",
          "[vsphere]") {
  Socket plain(true);
  OneConnection server(plain, [](int fd) {
    char hello[512];
    (void)::recv(fd, hello, sizeof hello, 0);
    const std::string reply =
        "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    (void)::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
  });
  Reads(CallFails(To(plain.Url("https"))), CURLE_SSL_CONNECT_ERROR, "TLS mismatch: ");
}

TEST_CASE("vsphere/failure: an untrusted certificate, or not the pinned one, reads as TLS mismatch",
          "[vsphere]") {
  const std::shared_ptr<SSL_CTX> ctx = SelfSignedServer();
  auto handshake = [ctx](int fd) {
    std::unique_ptr<SSL, SslFree> ssl(SSL_new(ctx.get()));
    SSL_set_fd(ssl.get(), fd);
    (void)SSL_accept(ssl.get());  // the client gives up on the certificate
  };
  {
    Socket tls(true);
    OneConnection server(tls, handshake);
    Reads(CallFails(To(tls.Url("https"))), CURLE_PEER_FAILED_VERIFICATION, "TLS mismatch: ");
  }
  {
    Socket tls(true);
    OneConnection server(tls, handshake);
    SoapOptions o = To(tls.Url("https"));
    o.thumbprint = std::string(64, '0');
    Reads(CallFails(o), CURLE_PEER_FAILED_VERIFICATION, "TLS mismatch: ");
  }
}

TEST_CASE("vsphere/failure: the URL's words do not decide (a host named ssl-… that refuses)",
          "[vsphere]") {
  Socket closed(false);
  Status s = CallFails(To(closed.Url("https")));
  // As if the endpoint's name held the words the classifier once searched for.
  Status renamed = Status::Error(
      "https://ssl-certificate-vc:443/sdk" + s.message().substr(s.message().find("/sdk") + 4),
      s.code());
  CHECK(FailureReason(renamed).rfind("unreachable: ", 0) == 0);
}

TEST_CASE("vsphere/failure: anything else is passed through", "[vsphere]") {
  CHECK(FailureReason(Status::Error("RetrievePropertiesEx: bad reply")) ==
        "RetrievePropertiesEx: bad reply");
  const Status other = Fault("InvalidArgument", "no", "QueryPerf");
  CHECK(FailureReason(other) == other.message());
  // Words without their code decide nothing: libcurl's, or a fault's name in an endpoint's.
  CHECK(FailureReason(Status::Error("x: SSL certificate problem: timed out")) ==
        "x: SSL certificate problem: timed out");
  CHECK(FailureReason(Status::Error("https://InvalidLogin/sdk: HTTP 500")) ==
        "https://InvalidLogin/sdk: HTTP 500");
}
