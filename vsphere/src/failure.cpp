// Reads the cause off the code a failed call's Status carries (Status::code()): the fault's
// (error.h) or the libcurl code of a failed transfer (curl_easy.h). Never off the wording:
// libcurl's changes between versions and backends, and its words ("SSL", "certificate", "timed
// out") or a fault's name may as well be in the endpoint's name, which every message starts with.
#include "zabitan/vsphere/failure.h"

#include <curl/curl.h>

#include "zabitan/common/curl_easy.h"
#include "zabitan/vsphere/error.h"

namespace zabitan::vsphere {
namespace {

enum class Cause { kOther, kUnreachable, kTls };

Cause CurlCause(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:  // also a TLS handshake the endpoint never answers
      return Cause::kUnreachable;
    case CURLE_SSL_CONNECT_ERROR:  // e.g. the endpoint speaks plain text, or no common cipher
    case CURLE_PEER_FAILED_VERIFICATION:  // a certificate not trusted, or not the --thumbprint's
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
      return Cause::kTls;
    default:
      return Cause::kOther;
  }
}

}  // namespace

std::string FailureReason(const Status& status) {
  const std::string& m = status.message();
  if (status.code() == Error::kInvalidLogin) return "login refused (InvalidLogin): " + m;
  if (status.code() == Error::kNoPermission) return "permission missing (NoPermission): " + m;
  if (status.code().category() == curl::ErrorCategory()) {
    switch (CurlCause(static_cast<CURLcode>(status.code().value()))) {
      case Cause::kUnreachable:
        return "unreachable: " + m;
      case Cause::kTls:
        return "TLS mismatch: " + m;
      case Cause::kOther:
        break;
    }
  }
  return m;
}

}  // namespace zabitan::vsphere
