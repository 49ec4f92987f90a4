#include "file_safety.h"

#include "zabitan/common/trusted_file.h"

namespace zabitan::remote_cmd {

// The messages say what is wrong and how to fix it, not "refusing": the caller says what it
// refuses ("refusing to run: …" for the config, "failed: …" for a group's password file).
Status CheckTrustedFile(const std::string& path, bool secret) {
  UniqueFd fd;
  return OpenTrustedFile(path, secret, &fd);
}

}  // namespace zabitan::remote_cmd
