#include "zabitan/sender/tls.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include <catch2/catch.hpp>

#include "../temp_files.h"
#include "zabitan/common/error.h"
#include "zabitan/sender/error.h"

using namespace zabitan::sender;

namespace {
using KeyFile = zabitan::testing::TempFile;

zabitan::Status Psk(const std::string& identity, const std::string& file) {
  TlsOptions o;
  o.mode = TlsMode::kPsk;
  o.psk_identity = identity;
  o.psk_file = file;
  std::shared_ptr<TlsContext> ctx;
  return TlsContext::Create(o, &ctx);
}
}  // namespace

TEST_CASE("tls: modes", "[tls]") {
  TlsMode m;
  CHECK((ParseTlsMode("psk", &m).ok() && m == TlsMode::kPsk));
  CHECK((ParseTlsMode("cert", &m).ok() && m == TlsMode::kCert));
  CHECK((ParseTlsMode("unencrypted", &m).ok() && m == TlsMode::kUnencrypted));
  CHECK_FALSE(ParseTlsMode("PSK", &m).ok());
}

TEST_CASE("tls: a good PSK file", "[tls]") {
  KeyFile key(std::string(64, 'a') + "\n", 0600);
  CHECK(Psk("web01", key.path()).ok());
  KeyFile longest(std::string(512, 'F'), 0600);
  CHECK(Psk("web01", longest.path()).ok());
}

TEST_CASE("tls: PSK rules", "[tls]") {
  KeyFile short_key(std::string(30, 'a'), 0600);
  CHECK(Psk("web01", short_key.path()).message().find("32-512 hex digits") != std::string::npos);
  KeyFile odd(std::string(33, 'a'), 0600);
  CHECK_FALSE(Psk("web01", odd.path()).ok());
  KeyFile too_long(std::string(514, 'a'), 0600);
  CHECK_FALSE(Psk("web01", too_long.path()).ok());
  KeyFile not_hex(std::string(32, 'g'), 0600);
  CHECK(Psk("web01", not_hex.path()).message().find("not a hex string") != std::string::npos);
  CHECK(Psk("web01", not_hex.path()).code() == Errc::kTlsConfig);
  KeyFile readable(std::string(64, 'a'), 0640);
  // The file, not the key, is what failed: the common library's code, and the fix in the line.
  CHECK(Psk("web01", readable.path()).code() == zabitan::Errc::kInsecureFile);
  CHECK(Psk("web01", readable.path()).message().find("chmod 600") != std::string::npos);
  KeyFile good(std::string(64, 'a'), 0600);
  CHECK(Psk("", good.path()).message().find("--tls-psk-identity") != std::string::npos);
  CHECK(Psk(std::string(128, 'i'), good.path()).message().find("127 bytes") != std::string::npos);
}

TEST_CASE("tls: certificate mode needs its files", "[tls]") {
  TlsOptions o;
  o.mode = TlsMode::kCert;
  std::shared_ptr<TlsContext> ctx;
  CHECK(TlsContext::Create(o, &ctx).message().find("--tls-ca-file") != std::string::npos);
  o.ca_file = "/nonexistent/ca.crt";
  o.cert_file = "/nonexistent/c.crt";
  KeyFile key("not a key", 0600);
  o.key_file = key.path();
  CHECK(TlsContext::Create(o, &ctx).message().find("/nonexistent/ca.crt") != std::string::npos);
}

TEST_CASE("tls: --tls-check-host belongs to certificate mode", "[tls]") {
  TlsOptions o;
  o.mode = TlsMode::kPsk;
  o.psk_identity = "web01";
  KeyFile key(std::string(64, 'a'), 0600);
  o.psk_file = key.path();
  o.check_host = true;
  std::shared_ptr<TlsContext> ctx;
  CHECK(TlsContext::Create(o, &ctx).message() == "--tls-check-host needs --tls-connect cert");
  o.check_host = false;
  REQUIRE(TlsContext::Create(o, &ctx).ok());
  CHECK_FALSE(ctx->AcceptsAnyCertificate());  // PSK: the key is the check
}
