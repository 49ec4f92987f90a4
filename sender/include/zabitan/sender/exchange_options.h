// zabitan — ExchangeOptions: how each request/reply exchange with a trapper node goes (timeouts,
// the source address, TLS), for the Sender, the RoutedSender and the pending values.
//
// Thread-safety: a plain value, intentionally copyable; the TlsContext it shares is immutable.
//
// Example:
//   zabitan::sender::ExchangeOptions options;
//   options.timeout = std::chrono::seconds(30);  // -t 30
//   options.source_address = "192.0.2.10";       // -I
#ifndef ZABITAN_SENDER_EXCHANGE_OPTIONS_H_
#define ZABITAN_SENDER_EXCHANGE_OPTIONS_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "zabitan/sender/tls.h"

namespace zabitan::sender {

struct ExchangeOptions {
  std::chrono::milliseconds connect_timeout{3000};  // per address, as zabbix_sender
  std::chrono::milliseconds timeout{60000};         // write + read of the whole exchange (-t)
  std::optional<std::string> source_address;        // -I: bind before connecting
  uint64_t max_reply_size = 16 << 20;
  std::shared_ptr<TlsContext> tls;  // PSK or certificate TLS; none: plain TCP
};

}  // namespace zabitan::sender

#endif  // ZABITAN_SENDER_EXCHANGE_OPTIONS_H_
