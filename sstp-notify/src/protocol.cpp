#include "zabitan/sstp_notify/protocol.h"

#include <algorithm>
#include <charconv>

#include "charset.h"
#include "zabitan/common/printable.h"
#include "zabitan/sstp_notify/error.h"
#include "zabitan/sstp_notify/script.h"

namespace zabitan::sstp_notify {
namespace {

void AddHeader(std::string* text, std::string_view name, std::string_view value, size_t limit) {
  *text += name;
  *text += ": ";
  *text += CleanHeaderValue(value, limit);
  *text += "\r\n";
}

}  // namespace

Status EncodeRequest(const Request& request, std::string* bytes, size_t* replaced) {
  std::string charset;
  if (Status s = CanonicalCharset(request.charset, &charset); !s.ok()) return s;
  if (request.method == Method::kNotify && request.event.empty()) {
    return Status::Error("NOTIFY needs an event name", Errc::kBadRequest);
  }
  std::string text = request.method == Method::kSend ? "SEND SSTP/1.4\r\n" : "NOTIFY SSTP/1.1\r\n";
  AddHeader(&text, "Charset", charset, 100);
  AddHeader(&text, "Sender", request.sender.empty() ? "zabitan" : request.sender, 200);
  if (request.method == Method::kNotify) {
    AddHeader(&text, "Event", request.event, 200);
    for (size_t i = 0; i < request.references.size(); ++i) {
      AddHeader(&text, "Reference" + std::to_string(i), request.references[i], kDefaultTextLimit);
    }
  }
  if (!request.script.empty()) AddHeader(&text, "Script", request.script, kMaxScriptBytes);
  std::string options;
  for (const std::string& o : request.options) options += (options.empty() ? "" : ",") + o;
  if (!options.empty()) AddHeader(&text, "Option", options, 200);
  text += "\r\n";
  return ConvertFromUtf8(text, charset, bytes, replaced);
}

size_t HeadEnd(std::string_view data) {
  // A line that is empty, ended by CRLF or LF (ninix tolerates LF; be as lenient reading).
  size_t line_start = 0;
  for (size_t i = 0; i < data.size(); ++i) {
    if (data[i] != '\n') continue;
    std::string_view line = data.substr(line_start, i - line_start);
    if ((line.empty() || line == "\r") && line_start > 0) return i + 1;
    line_start = i + 1;
  }
  return 0;
}

Status ParseResponse(std::string_view head, Response* response) {
  *response = Response();
  size_t eol = head.find('\n');
  std::string_view status = head.substr(0, eol);
  if (!status.empty() && status.back() == '\r') status.remove_suffix(1);
  // SSTP/1.4 200 OK
  size_t sp1 = status.find(' ');
  if (!status.starts_with("SSTP/") || sp1 == std::string_view::npos) {
    return Status::Error("not an SSTP response: \"" + Printable(status, 100) + "\"",
                         Errc::kBadResponse);
  }
  response->version = std::string(status.substr(0, sp1));
  std::string_view rest = status.substr(sp1 + 1);
  size_t sp2 = rest.find(' ');
  std::string_view code = rest.substr(0, sp2);
  // Three digits, as the protocol has them: from_chars alone takes "-05" or "+12" too.
  const bool digits = code.size() == 3 && std::all_of(code.begin(), code.end(),
                                                      [](char c) { return c >= '0' && c <= '9'; });
  auto [end, ec] = std::from_chars(code.data(), code.data() + code.size(), response->code);
  if (!digits || ec != std::errc() || end != code.data() + code.size()) {
    return Status::Error("bad SSTP status line: \"" + Printable(status, 100) + "\"",
                         Errc::kBadResponse);
  }
  if (sp2 != std::string_view::npos) response->phrase = Printable(rest.substr(sp2 + 1), 100);
  while (eol != std::string_view::npos) {
    size_t next = head.find('\n', eol + 1);
    std::string_view line =
        head.substr(eol + 1, next == std::string_view::npos ? next : next - eol - 1);
    eol = next;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) break;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // extra data some commands add
    std::string_view value = line.substr(colon + 1);
    while (value.starts_with(' ')) value.remove_prefix(1);
    response->headers.emplace_back(Printable(line.substr(0, colon), 100), Printable(value, 500));
  }
  return Status::Ok();
}

Outcome Classify(int code) {
  switch (code) {
    case 200:
    case 204:
    case 210:
      return Outcome::kDelivered;
    case 408:
    case 409:
    case 503:
    case 512:
      return Outcome::kRetryable;
    default:
      return Outcome::kPermanent;
  }
}

std::string Describe(int code) {
  const char* text = "unknown status";
  switch (code) {
    case 200:
      text = "OK";
      break;
    case 204:
      text = "No Content";
      break;
    case 210:
      text = "Break (delivered, the script was broken off)";
      break;
    case 400:
      text = "Bad Request (the ghost's server could not read the request)";
      break;
    case 404:
      text = "Not Found (the named ghost is not running)";
      break;
    case 408:
      text = "Request Timeout (the ghost did not answer in time)";
      break;
    case 409:
      text = "Conflict (the ghost is busy or in a no-interrupt state)";
      break;
    case 413:
      text = "Payload Too Large (the request is too long)";
      break;
    case 420:
      text = "Refuse (the ghost's settings refuse it)";
      break;
    case 500:
      text = "Internal Server Error";
      break;
    case 501:
      text = "Not Implemented (unknown method, version or command)";
      break;
    case 503:
      text = "Service Unavailable (cannot take SSTP right now)";
      break;
    case 505:
      text = "Version Not Supported";
      break;
    case 510:
      text = "Not Local IP (the server takes local requests only)";
      break;
    case 511:
      text = "In Black List";
      break;
    case 512:
      text = "Invisible (the ghost is minimized or hidden)";
      break;
  }
  return std::to_string(code) + " " + text;
}

}  // namespace zabitan::sstp_notify
