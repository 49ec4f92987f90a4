// zabitan — refusing to run on files others could have changed or read.
//
// zabitan-remote-cmd runs as the Zabbix server's user on whatever an action passes it; its
// policy is the only thing standing between that text and the VMs. So the config file must be
// owned by root or the running user and not writable by group or others, and secret files
// (the vSphere password) also not readable by them; otherwise it refuses to run and says why.
// The check is OpenTrustedFile's (common/trusted_file.h): the folders on the way are checked
// too, and a symbolic link is refused. What is used is read from the checked descriptor
// (ReadTrustedFile); this function is the check alone, for a caller that only reports.
//
//   zabitan::Status s = zabitan::remote_cmd::CheckTrustedFile(path, /*secret=*/false);
#ifndef ZABITAN_REMOTE_CMD_SRC_FILE_SAFETY_H_
#define ZABITAN_REMOTE_CMD_SRC_FILE_SAFETY_H_

#include <string>

#include "zabitan/common/status.h"

namespace zabitan::remote_cmd {

Status CheckTrustedFile(const std::string& path, bool secret);

}  // namespace zabitan::remote_cmd

#endif  // ZABITAN_REMOTE_CMD_SRC_FILE_SAFETY_H_
