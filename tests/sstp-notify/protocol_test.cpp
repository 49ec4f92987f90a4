#include "zabitan/sstp_notify/protocol.h"

#include <catch2/catch.hpp>

#include "zabitan/sstp_notify/error.h"

using namespace zabitan::sstp_notify;

TEST_CASE("protocol: SEND SSTP/1.4 bytes", "[sstp][protocol]") {
  Request r;
  r.script = "\\0\\s[0]hi\\e";
  std::string bytes;
  size_t replaced = 0;
  REQUIRE(EncodeRequest(r, &bytes, &replaced).ok());
  CHECK(bytes ==
        "SEND SSTP/1.4\r\nCharset: UTF-8\r\nSender: zabitan\r\nScript: \\0\\s[0]hi\\e\r\n\r\n");
  r.options = {"nodescript", "notranslate"};
  r.sender = "Zabbix";
  REQUIRE(EncodeRequest(r, &bytes, &replaced).ok());
  CHECK(bytes ==
        "SEND SSTP/1.4\r\nCharset: UTF-8\r\nSender: Zabbix\r\nScript: \\0\\s[0]hi\\e\r\n"
        "Option: nodescript,notranslate\r\n\r\n");
}

TEST_CASE("protocol: NOTIFY SSTP/1.1 with references and a fallback script", "[sstp][protocol]") {
  Request r;
  r.method = Method::kNotify;
  r.event = "OnZabbixAlert";
  r.references = {"web01", "CPU high\r\nScript: \\-"};
  r.script = "\\0fallback\\e";
  std::string bytes;
  size_t replaced = 0;
  REQUIRE(EncodeRequest(r, &bytes, &replaced).ok());
  CHECK(bytes ==
        "NOTIFY SSTP/1.1\r\nCharset: UTF-8\r\nSender: zabitan\r\nEvent: OnZabbixAlert\r\n"
        "Reference0: web01\r\nReference1: CPU high Script: \\-\r\nScript: \\0fallback\\e\r\n\r\n");
  r.event.clear();
  CHECK_FALSE(EncodeRequest(r, &bytes, &replaced).ok());
}

TEST_CASE("protocol: the whole request is in its charset", "[sstp][protocol]") {
  Request r;
  r.charset = "Shift_JIS";
  r.script = "日本";
  std::string bytes;
  size_t replaced = 0;
  REQUIRE(EncodeRequest(r, &bytes, &replaced).ok());
  CHECK(
      bytes ==
      "SEND SSTP/1.4\r\nCharset: Shift_JIS\r\nSender: zabitan\r\nScript: \x93\xfa\x96\x7b\r\n\r\n");
}

TEST_CASE("protocol: request bytes in EUC-JP and ISO-2022-JP", "[sstp][protocol]") {
  Request r;
  r.script = "日本";
  std::string bytes;
  size_t replaced = 0;
  r.charset = "EUC-JP";
  REQUIRE(EncodeRequest(r, &bytes, &replaced).ok());
  CHECK(bytes ==
        "SEND SSTP/1.4\r\nCharset: EUC-JP\r\nSender: zabitan\r\nScript: \xc6\xfc\xcb\xdc\r\n\r\n");
  // ISO-2022-JP shifts into JIS X 0208 and back to ASCII before the line ends.
  r.charset = "ISO-2022-JP";
  REQUIRE(EncodeRequest(r, &bytes, &replaced).ok());
  CHECK(bytes ==
        "SEND SSTP/1.4\r\nCharset: ISO-2022-JP\r\nSender: zabitan\r\n"
        "Script: \x1b$BF|K\\\x1b(B\r\n\r\n");
  CHECK(replaced == 0);
}

TEST_CASE("protocol: NOTIFY in Shift_JIS converts every header, not just the script",
          "[sstp][protocol]") {
  Request r;
  r.method = Method::kNotify;
  r.charset = "Shift_JIS";
  r.event = "OnZabbixAlert";
  r.sender = "ウェブ";
  r.references = {"日本"};
  r.script = "日本";
  std::string bytes;
  size_t replaced = 0;
  REQUIRE(EncodeRequest(r, &bytes, &replaced).ok());
  CHECK(bytes ==
        "NOTIFY SSTP/1.1\r\nCharset: Shift_JIS\r\nSender: \x83\x45\x83\x46\x83\x75\r\n"
        "Event: OnZabbixAlert\r\nReference0: \x93\xfa\x96\x7b\r\nScript: \x93\xfa\x96\x7b\r\n\r\n");
}

TEST_CASE("protocol: a script cannot end its header, whatever the caller put in",
          "[sstp][protocol]") {
  Request r;
  r.script = "a\r\nOption: x\r\n\r\nSEND SSTP/1.4";
  std::string bytes;
  size_t replaced = 0;
  REQUIRE(EncodeRequest(r, &bytes, &replaced).ok());
  CHECK(bytes.find("\r\n\r\n") == bytes.size() - 4);
  CHECK(bytes.find("\r\nOption") == std::string::npos);
}

TEST_CASE("protocol: the response head ends at the first blank line", "[sstp][protocol]") {
  CHECK(HeadEnd("SSTP/1.4 200 OK\r\n") == 0);
  CHECK(HeadEnd("SSTP/1.4 200 OK\r\n\r\n") == 19);
  CHECK(HeadEnd("SSTP/1.4 200 OK\n\nrest") == 17);
  CHECK(HeadEnd("SSTP/1.0 200 OK\r\nCharset: UTF-8\r\n\r\nSakura,Kero\r\n\r\n") == 35);
}

TEST_CASE("protocol: status line and headers", "[sstp][protocol]") {
  Response r;
  REQUIRE(
      ParseResponse("SSTP/1.4 200 OK\r\nCharset: UTF-8\r\nX-SSTP-PassThru-A: b\r\n\r\n", &r).ok());
  CHECK(r.version == "SSTP/1.4");
  CHECK(r.code == 200);
  CHECK(r.phrase == "OK");
  REQUIRE(r.headers.size() == 2);
  CHECK(r.headers[1].second == "b");
  REQUIRE(ParseResponse("SSTP/1.0 512 Invisible\r\n\r\n", &r).ok());
  CHECK(r.code == 512);
  CHECK_FALSE(ParseResponse("HTTP/1.1 400 Bad Request\r\n\r\n", &r).ok());
  CHECK_FALSE(ParseResponse("SSTP/1.4 2000 OK\r\n\r\n", &r).ok());
  CHECK_FALSE(ParseResponse("SSTP/1.0 -05\r\n\r\n", &r).ok());  // found by sstp_fuzz: a code of -5
  CHECK_FALSE(ParseResponse("SSTP/1.0 +20 OK\r\n\r\n", &r).ok());
  CHECK_FALSE(ParseResponse("SSTP/1.4\r\n\r\n", &r).ok());
  auto s = ParseResponse("garbage\x01\n\n", &r);
  CHECK(s.code() == zabitan::sstp_notify::Errc::kBadResponse);
  CHECK(s.message() == "not an SSTP response: \"garbage\\x01\"");
}

TEST_CASE("protocol: status codes decide delivered, retry later or refused", "[sstp][protocol]") {
  for (int code : {200, 204, 210}) CHECK(Classify(code) == Outcome::kDelivered);
  for (int code : {408, 409, 503, 512}) CHECK(Classify(code) == Outcome::kRetryable);
  for (int code : {400, 404, 413, 420, 501, 500, 999}) CHECK(Classify(code) == Outcome::kPermanent);
  CHECK(Describe(409) == "409 Conflict (the ghost is busy or in a no-interrupt state)");
  CHECK(Describe(512) == "512 Invisible (the ghost is minimized or hidden)");
}
