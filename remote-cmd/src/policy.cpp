#include "zabitan/remote_cmd/policy.h"

#include <algorithm>
#include <functional>

#include "zabitan/common/printable.h"
#include "zabitan/remote_cmd/error.h"
#include "zabitan/remote_cmd/invocation.h"

namespace zabitan::remote_cmd {
namespace {

Status Unusable(std::string line) { return Status::Error(std::move(line), Errc::kBadPolicy); }

// The mascot's lines (SakuraScript templates, trusted: they come from the config).
constexpr const char* kScaleUpSpeech =
    "\\0\\s[5]お兄ちゃん忙しいみたいだから、Fedoraさんにお手伝いをお願いしたよ。\\n"
    "({vm} を起動、{members}/{max})\\e";
constexpr const char* kScaleDownSpeech =
    "\\0\\s[0]落ち着いたから、{vm} さんには休んでもらったよ。\\n({members}/{max})\\e";
constexpr const char* kFailureSpeech =
    "\\0\\s[4]{host} を助けようとしたけど、うまくいかなかった…\\n{result}\\e";

Status ReadEndpoint(const ConfigSection& sec, Endpoint* e) {
  struct Key {
    const char* name;
    std::string* slot;
  } keys[] = {{"url", &e->url},
              {"user", &e->user},
              {"password_file", &e->password_file},
              {"ca_file", &e->ca_file},
              {"thumbprint", &e->thumbprint}};
  for (const Key& k : keys) {
    std::optional<std::string> v;
    if (Status s = sec.GetString(k.name, &v); !s.ok()) return s;
    if (v) *k.slot = *v;
  }
  std::optional<bool> insecure;
  if (Status s = sec.GetBool("insecure", &insecure); !s.ok()) return s;
  if (insecure) e->insecure = *insecure;
  return Status::Ok();
}

bool ValidGroupName(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
           c == '-';
  });
}

}  // namespace

Status CheckNamePattern(const std::string& pattern) {
  if (CloneName(pattern, 1).empty()) {
    return Unusable("\"" + pattern +
                    "\" needs exactly one {n} or {n:0W} (W 1-9) for the clone's number");
  }
  return Status::Ok();
}

Status CheckInventoryPath(const std::string& path) {
  const std::string quoted = "\"" + Printable(path, 100) + "\"";
  if (path.empty()) return Unusable("an inventory path is needed, e.g. \"DC0/vm/web-pool\"");
  if (path.size() > kMaxInventoryPath) {
    return Unusable(quoted + ": longer than " + std::to_string(kMaxInventoryPath) + " bytes");
  }
  if (!ValidUtf8NoControl(path)) return Unusable(quoted + ": control character or invalid UTF-8");
  if (path.front() == '/' || path.back() == '/' || path.find("//") != std::string::npos) {
    return Unusable(quoted + ": an empty name (a '/' at an end, or two in a row)");
  }
  return Status::Ok();
}

std::string CloneName(const std::string& pattern, int n) {
  const size_t open = pattern.find("{n");
  if (open == std::string::npos || pattern.find("{n", open + 1) != std::string::npos) return {};
  const size_t close = pattern.find('}', open);
  if (close == std::string::npos) return {};
  const std::string spec = pattern.substr(open + 2, close - open - 2);
  size_t width = 0;
  if (spec.size() == 3 && spec[0] == ':' && spec[1] == '0' && spec[2] >= '1' && spec[2] <= '9') {
    width = static_cast<size_t>(spec[2] - '0');
  } else if (!spec.empty()) {
    return {};
  }
  std::string number = std::to_string(n);
  if (number.size() < width) number.insert(0, width - number.size(), '0');
  return pattern.substr(0, open) + number + pattern.substr(close + 1);
}

const Group* Policy::GroupFor(const std::string& host) const {
  for (const Group& g : groups) {
    if (std::find(g.hosts.begin(), g.hosts.end(), host) != g.hosts.end()) return &g;
  }
  return nullptr;
}

Status LoadPolicy(const Config& config, Policy* p) {
  *p = Policy();
  ConfigSection sec;
  if (Status s = config.Section("remote_cmd", &sec); !s.ok()) return s;
  if (Status s = sec.CheckKnownKeys({"url",
                                     "user",
                                     "password_file",
                                     "ca_file",
                                     "thumbprint",
                                     "insecure",
                                     "state_dir",
                                     "audit_log",
                                     "time_budget",
                                     "report_server",
                                     "report_host",
                                     "notify",
                                     "scale_up_speech",
                                     "scale_down_speech",
                                     "failure_speech",
                                     "groups",
                                     "report_tls_connect",
                                     "report_tls_psk_identity",
                                     "report_tls_psk_file",
                                     "report_tls_ca_file",
                                     "report_tls_crl_file",
                                     "report_tls_cert_file",
                                     "report_tls_key_file",
                                     "report_tls_server_cert_issuer",
                                     "report_tls_server_cert_subject",
                                     "report_tls_check_host"});
      !s.ok()) {
    return s;
  }
  Endpoint endpoint;
  if (Status s = ReadEndpoint(sec, &endpoint); !s.ok()) return s;
  struct Key {
    const char* name;
    std::string* slot;
  } keys[] = {{"state_dir", &p->state_dir},
              {"audit_log", &p->audit_log},
              {"report_server", &p->report_server},
              {"report_host", &p->report_host},
              {"scale_up_speech", &p->scale_up_speech},
              {"scale_down_speech", &p->scale_down_speech},
              {"failure_speech", &p->failure_speech},
              {"report_tls_connect", &p->report_tls.connect},
              {"report_tls_psk_identity", &p->report_tls.psk_identity},
              {"report_tls_psk_file", &p->report_tls.psk_file},
              {"report_tls_ca_file", &p->report_tls.ca_file},
              {"report_tls_crl_file", &p->report_tls.crl_file},
              {"report_tls_cert_file", &p->report_tls.cert_file},
              {"report_tls_key_file", &p->report_tls.key_file},
              {"report_tls_server_cert_issuer", &p->report_tls.server_cert_issuer},
              {"report_tls_server_cert_subject", &p->report_tls.server_cert_subject}};
  for (const Key& k : keys) {
    std::optional<std::string> v;
    if (Status s = sec.GetString(k.name, &v); !s.ok()) return s;
    if (v) *k.slot = *v;
  }
  if (p->scale_up_speech.empty()) p->scale_up_speech = kScaleUpSpeech;
  if (p->scale_down_speech.empty()) p->scale_down_speech = kScaleDownSpeech;
  if (p->failure_speech.empty()) p->failure_speech = kFailureSpeech;
  std::optional<int64_t> budget;
  if (Status s = sec.GetInt("time_budget", 1, 3600, &budget); !s.ok()) return s;
  if (budget) p->time_budget = std::chrono::seconds(*budget);
  std::optional<bool> notify;
  if (Status s = sec.GetBool("notify", &notify); !s.ok()) return s;
  if (notify) p->notify = *notify;
  std::optional<bool> check_host;
  if (Status s = sec.GetBool("report_tls_check_host", &check_host); !s.ok()) return s;
  if (check_host) p->report_tls.check_host = *check_host;
  const std::string& tls = p->report_tls.connect;
  if (!tls.empty() && tls != "unencrypted" && tls != "psk" && tls != "cert") {
    return Unusable(config.source() + ": remote_cmd.report_tls_connect: \"" + Printable(tls, 40) +
                    "\" is not unencrypted, psk or cert");
  }
  if (!p->report_server.empty() && p->report_host.empty()) {
    return Unusable(config.source() + ": remote_cmd.report_host: required with report_server");
  }

  ConfigSection groups;
  if (Status s = config.Section("remote_cmd.groups", &groups); !s.ok()) return s;
  for (const std::string& name : groups.Subsections()) {
    if (!ValidGroupName(name)) {
      return Unusable(config.source() + ": remote_cmd.groups." + name +
                      ": a group name is letters, digits, '_' and '-'");
    }
    ConfigSection gs;
    if (Status s = config.Section("remote_cmd.groups." + name, &gs); !s.ok()) return s;
    if (Status s = gs.CheckKnownKeys(
            {"hosts", "pool", "pool_folder", "min", "max", "cooldown", "max_actions_per_hour",
             "shutdown_grace", "template", "name_pattern", "folder", "resource_pool", "datastore",
             "url", "user", "password_file", "ca_file", "thumbprint", "insecure"});
        !s.ok()) {
      return s;
    }
    Group g;
    g.name = name;
    g.endpoint = endpoint;
    if (Status s = ReadEndpoint(gs, &g.endpoint); !s.ok()) return s;
    std::optional<std::vector<std::string>> list;
    if (Status s = gs.GetStringList("hosts", &list); !s.ok()) return s;
    if (list) g.hosts = *list;
    if (Status s = gs.GetStringList("pool", &list); !s.ok()) return s;
    if (list) g.pool = *list;
    struct StrKey {
      const char* name;
      std::string* slot;
    } strs[] = {{"template", &g.clone_template},
                {"name_pattern", &g.name_pattern},
                {"folder", &g.folder},
                {"resource_pool", &g.resource_pool},
                {"datastore", &g.datastore}};
    for (const StrKey& k : strs) {
      std::optional<std::string> v;
      if (Status s = gs.GetString(k.name, &v); !s.ok()) return s;
      if (v) *k.slot = *v;
    }
    struct IntKey {
      const char* name;
      int64_t min, max;
      std::function<void(int64_t)> set;
    } ints[] = {{"min", 0, 1000, [&](int64_t v) { g.min = static_cast<int>(v); }},
                {"max", 0, 1000, [&](int64_t v) { g.max = static_cast<int>(v); }},
                {"cooldown", 0, 86400, [&](int64_t v) { g.cooldown = std::chrono::seconds(v); }},
                {"max_actions_per_hour", 1, 3600,
                 [&](int64_t v) { g.max_actions_per_hour = static_cast<int>(v); }},
                {"shutdown_grace", 0, 3600,
                 [&](int64_t v) { g.shutdown_grace = std::chrono::seconds(v); }}};
    for (const IntKey& k : ints) {
      std::optional<int64_t> v;
      if (Status s = gs.GetInt(k.name, k.min, k.max, &v); !s.ok()) return s;
      if (v) k.set(*v);
    }
    const std::string where = config.source() + ": remote_cmd.groups." + name;
    if (g.hosts.empty()) return Unusable(where + ".hosts: no Zabbix host may scale this group");
    std::optional<std::string> pool_folder;
    if (Status s = gs.GetString("pool_folder", &pool_folder); !s.ok()) return s;
    if (pool_folder) {
      if (Status s = CheckInventoryPath(*pool_folder); !s.ok())
        return s.Prefixed(where + ".pool_folder");
      g.pool_folder = *pool_folder;
    }
    if (g.pool.empty() && g.pool_folder.empty() && g.clone_template.empty()) {
      return Unusable(where + ".pool: no VM to scale (nor a pool_folder or a template)");
    }
    if (!g.clone_template.empty()) {
      if (g.name_pattern.empty()) g.name_pattern = name + "-{n:02}";
      if (Status s = CheckNamePattern(g.name_pattern); !s.ok())
        return s.Prefixed(where + ".name_pattern");
    }
    if (g.min > g.max) return Unusable(where + ": min is above max");
    if (g.endpoint.url.empty() || g.endpoint.user.empty() || g.endpoint.password_file.empty()) {
      return Unusable(where + ": url, user and password_file are needed (here or in [remote_cmd])");
    }
    for (const Group& other : p->groups) {
      for (const std::string& h : g.hosts) {
        if (std::find(other.hosts.begin(), other.hosts.end(), h) != other.hosts.end()) {
          return Unusable(where + ".hosts: \"" + h + "\" is in group " + other.name + " too");
        }
      }
    }
    p->groups.push_back(std::move(g));
  }
  return Status::Ok();
}

}  // namespace zabitan::remote_cmd
