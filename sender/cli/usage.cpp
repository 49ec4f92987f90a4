// zabitan — zabitan-sender --help: zabbix_sender's usage text, with zabitan's own options.
#include "options.h"

namespace zabitan::sender::cli {

const char kUsage[] = R"(usage:
  zabitan-sender [-v] -z server [-p port] [-I IP-address] [-t timeout] -s host -k key -o value
  zabitan-sender [-v] -z server [-p port] [-I IP-address] [-t timeout] [-s host] [-T] [-N] [-r] [-g] -i input-file
  zabitan-sender [-v] -c config-file [-z server] ... (as above)
  zabitan-sender -h | -V

A drop-in for zabbix_sender 7.0 and 6.0: same options, input format, output and exit codes.
Exit code, the first that applies: 1 bad option or input (7.0: unless values came before the
bad line), nothing sent, or values lost
(neither taken nor kept in the spool); 2 partly processed; 3 nothing lost, values wait in
the spool; 0 all delivered. SIGTERM/SIGINT: stop reading, spool (or still send) what was read.

  -c --config FILE           a zabbix_agentd.conf (ServerActive, Hostname, SourceIP, TLS*);
                             a FILE ending in .toml is zabitan's own config file instead
                             (default /etc/zabitan/zabitan.toml, section [sender])
  -z --zabbix-server LIST    servers: "," separates destinations (each gets every value),
                             ";" separates nodes of one HA cluster
  -p --port PORT             port for -z entries without one (default 10051)
  -I --source-address IP     bind to this source address
  -t --timeout SECONDS       1-300, for each request/reply exchange (default 60)
  -s --host HOST             host of -k/-o, and what "-" means in an input file
  -k --key KEY               item key
  -o --value VALUE           item value
  -i --input-file FILE       "<host> <key> <value>" lines; "-" reads standard input
  -T --with-timestamps       lines are "<host> <key> <timestamp> <value>"
  -N --with-ns               lines are "<host> <key> <timestamp> <ns> <value>" (with -T)
  -r --real-time             send values as they arrive on standard input
  -g --group                 each request holds the values of one host (zabbix_sender 7.0;
                             6.0 has no -g)
  -v --verbose               warnings; -vv adds debug output
  -h --help, -V --version
  --tls-connect unencrypted|psk|cert and --tls-ca-file, --tls-crl-file,
  --tls-server-cert-issuer, --tls-server-cert-subject, --tls-cert-file, --tls-key-file,
  --tls-psk-identity, --tls-psk-file, --tls-cipher13, --tls-cipher

zabitan additions:
  --compat 7.0|6.0           behave like this zabbix_sender where they differ (default 7.0):
                             on a bad input line 7.0 sends the values before it, counts the line
                             as skipped and exits 0; 6.0 says "Sending failed" and exits 1
  --batch-size N             values per request (default 4000)
  --connections N            requests in flight at once; each item's values keep their order
                             (default 4)
  --compress                 zlib-compressed requests (Zabbix 5.0 and later)
  --syslog                   log to syslog as well as stderr
  --spool DIR                keep what a server does not take in DIR (durable, ordered; a
                             folder of this user's, mode 0700) and send it first next run
  --spool-max-bytes N        size limit of the spool; the oldest values are dropped beyond it
                             (default 1 GiB)
  --tls-check-host           with --tls-connect cert: the server certificate must name the
                             host connected to (each HA node, each redirect target)
  --flush DIR                only deliver what waits in the spool DIR (to -z, or to the
                             destinations it was spooled for); DIR must be a spool
)";

}  // namespace zabitan::sender::cli
