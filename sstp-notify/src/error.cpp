#include "zabitan/sstp_notify/error.h"

#include "zabitan/common/error_category.h"

namespace zabitan::sstp_notify {

const std::error_category& SstpCategory() {
  static const TableErrorCategory category("zabitan.sstp", "unknown sstp error",
                                           {{Errc::kUnsupportedCharset, "unsupported charset"},
                                            {Errc::kBadRequest, "the request cannot be encoded"},
                                            {Errc::kBadResponse, "not an SSTP response"},
                                            {Errc::kBusy, "the ghost cannot take it now"},
                                            {Errc::kRefused, "the ghost refused the message"},
                                            {Errc::kNoTimeLeft, "no time left to deliver"},
                                            {Errc::kStopped, "stopped by a signal"},
                                            {Errc::kSpoolDamaged, "a spooled message is damaged"},
                                            {Errc::kBadDestination, "not USER@HOST[:PORT]"}});
  return category;
}

}  // namespace zabitan::sstp_notify
