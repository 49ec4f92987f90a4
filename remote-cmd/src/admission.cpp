#include "zabitan/remote_cmd/admission.h"

#include <cstdio>

#include "zabitan/common/log.h"
#include "zabitan/common/trusted_file.h"

namespace zabitan::remote_cmd {
namespace {

// The config as read from the descriptor that passed the trust check: nothing swapped in
// between the check and the read can be what is parsed.
Status LoadTrustedConfig(const std::string& path, Config* config) {
  std::string text;
  if (Status s = ReadTrustedFile(path, false, &text); !s.ok()) return s;
  return Config::Parse(text, path, config);
}

}  // namespace

bool Admit(int argc, char** argv, Admission* a) {
  a->record.args.assign(argv + 1, argv + argc);
  a->record.outcome = "rejected";
  if (Status s = ParseInvocation(a->record.args, &a->invocation); !s.ok()) {
    a->refusal = "rejected: " + s.message();
    // The audit log is named by the config, which a rejected command line may not name safely:
    // the default config's log if that file is trustworthy, syslog alone otherwise.
    Config config;
    Policy policy;
    if (LoadTrustedConfig(kDefaultConfigPath, &config).ok() && LoadPolicy(config, &policy).ok()) {
      a->audit_log = policy.audit_log;
    }
    return false;
  }
  a->config_path = a->invocation.config.value_or(kDefaultConfigPath);
  Status s = LoadTrustedConfig(a->config_path, &a->config);
  if (s.ok()) s = LoadPolicy(a->config, &a->policy);
  if (!s.ok()) {
    // An untrusted config's audit_log is not trusted either: syslog only.
    a->refusal = "refusing to run: " + s.message();
    return false;
  }
  a->audit_log = a->policy.audit_log;
  a->group = a->policy.GroupFor(a->invocation.host);
  if (a->group == nullptr) {
    a->refusal = "rejected: host \"" + a->invocation.host + "\" belongs to no scaling group of " +
                 a->config_path;
    return false;
  }
  a->record.group = a->group->name;
  a->record.outcome.clear();
  return true;
}

int Finish(const std::string& audit_log, AuditRecord record, const std::string& line, int code) {
  record.detail = line;
  if (Status s = Audit(audit_log, record); !s.ok()) log::Warning(s.message());
  std::printf("%s\n", line.c_str());
  return code;
}

}  // namespace zabitan::remote_cmd
