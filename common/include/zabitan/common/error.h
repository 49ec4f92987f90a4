// zabitan — the error codes of the common library (category "zabitan.common"), beside the
// errno codes (std::generic_category) its file functions return: what failed, for the code
// that must tell failures apart; the Status message stays the line people read.
//
// Thread-safety: the category is a constant singleton; everything here is safe from any thread.
//
// Example:
//   #include "zabitan/common/secret_file.h"
//   std::string psk;
//   zabitan::Status s = zabitan::ReadSecretFile("/etc/zabitan/sender.psk", &psk);
//   if (s.code() == zabitan::Errc::kInsecureFile) return 1;  // chmod 600 fixes it
//   if (s.code() == std::errc::no_such_file_or_directory) return 2;
#ifndef ZABITAN_COMMON_ERROR_H_
#define ZABITAN_COMMON_ERROR_H_

#include <cerrno>
#include <string>
#include <system_error>
#include <type_traits>

#include "zabitan/common/status.h"

namespace zabitan {

enum class Errc {
  // A secret, trusted or spool file (or folder) others may read or change, or not the user's.
  kInsecureFile = 1,
  // Not what was asked for: a symbolic link, a folder, a FIFO where a regular file was wanted.
  kNotRegularFile,
  // Over its size limit.
  kTooLarge,
  // The configuration file does not parse, or a key is unknown or of the wrong type.
  kConfig,
  // Another run holds the spool's lock.
  kSpoolLocked,
  // The folder is no spool (--flush names a folder without a lock file, or none at all).
  kNoSpool,
  // A spool entry that is not what the spool wrote (a queue folder for another destination).
  kSpoolDamaged,
  // A host name that does not resolve.
  kCannotResolve,
  // No address of a host accepted a connection.
  kCannotConnect,
};

const std::error_category& CommonCategory();

inline std::error_code make_error_code(Errc e) { return {static_cast<int>(e), CommonCategory()}; }

// "WHAT: strerror(err)" with the errno as its code (std::generic_category): a file operation
// that failed, comparable with std::errc (s.code() == std::errc::no_such_file_or_directory).
Status ErrnoError(const std::string& what, int err = errno);

}  // namespace zabitan

template <>
struct std::is_error_code_enum<zabitan::Errc> : std::true_type {};

#endif  // ZABITAN_COMMON_ERROR_H_
