// zabitan-sender's settings: zabbix_sender 6.0's command line, the [sender] section of the
// toolkit's config file, and the agentd config of -c, merged with the flag winning.
#ifndef ZABITAN_SENDER_CLI_OPTIONS_H_
#define ZABITAN_SENDER_CLI_OPTIONS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "zabitan/common/status.h"
#include "zabitan/sender/input_line.h"
#include "zabitan/sender/sender.h"

namespace zabitan::sender::cli {

// Which zabbix_sender a run behaves like where the two LTS versions differ (README, "Which
// zabbix_sender"): 7.0 sends the values before a bad input line, counts the line as skipped and
// exits 0; 6.0 says "Sending failed" and exits 1.
enum class Compat { k60, k70 };

struct Options {
  bool help = false;
  bool version = false;
  int verbosity = 0;
  Compat compat = Compat::k70;  // --compat, [sender] compat
  bool syslog = false;

  SenderOptions sender;                   // destinations, timeouts, batching
  std::optional<std::string> key;         // -k
  std::optional<std::string> value;       // -o
  std::optional<std::string> input_file;  // -i ("-" is stdin)
  bool real_time = false;                 // -r
  InputFormat format;                     // -T, -N, default host

  std::optional<std::string> spool_dir;  // --spool DIR or --flush DIR
  uint64_t spool_max_bytes = kDefaultSpoolMaxBytes;
  bool flush_only = false;  // --flush: deliver the spool, read no input
};

// Parses argv and the config files. Errors are one line, naming the option or file:line.
Status ParseOptions(int argc, char** argv, Options* options);

extern const char kUsage[];

}  // namespace zabitan::sender::cli

#endif  // ZABITAN_SENDER_CLI_OPTIONS_H_
