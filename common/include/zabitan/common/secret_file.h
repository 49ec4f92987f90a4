// zabitan — reading secret files (passwords, PSK keys, private keys).
//
// Secrets never travel on the command line; they live in files that only their owner can read.
// ReadSecretFile refuses a file that grants any permission to group or others (mode & 077),
// so a secret left world-readable by mistake is noticed instead of silently used.
// ReadSecretLine is what a password, token or cookie file of the toolkit holds: the text
// without the line end an editor leaves after it.
//
// Thread-safety: the functions keep no state and are safe to call from several threads.
//
// Example:
//   std::string psk;
//   zabitan::Status s = zabitan::ReadSecretLine("/etc/zabitan/vc.password", &psk);
//   if (!s.ok()) return 1;  // "/etc/zabitan/sender.psk: mode 0644 gives group/others access…"
#ifndef ZABITAN_COMMON_SECRET_FILE_H_
#define ZABITAN_COMMON_SECRET_FILE_H_

#include <string>

#include "zabitan/common/status.h"

namespace zabitan {

// Checks that `path` is a regular file with no group/other permission bits.
// Error messages name the file and the reason ("PATH: mode 0644 lets others read a secret...").
Status CheckSecretFileMode(const std::string& path);

// Checks the mode as above, then reads the whole file into *contents (at most 1 MiB).
Status ReadSecretFile(const std::string& path, std::string* contents);

// Removes every trailing '\n' and '\r' (a one-line file as an editor or `echo` leaves it).
void StripLineEnd(std::string* text);

// ReadSecretFile, then StripLineEnd: a password, token or session cookie kept in a file.
Status ReadSecretLine(const std::string& path, std::string* secret);

}  // namespace zabitan

#endif  // ZABITAN_COMMON_SECRET_FILE_H_
