#include "import_files.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <system_error>

#include "zabitan/common/printable.h"
#include "zabitan/zabbix_templates/error.h"

namespace zabitan::zabbix_templates {
namespace {

// A YAML scalar as Zabbix's exporter writes one: plain, '…' ('' for '), or "…".
std::string Unquote(std::string_view v) {
  while (!v.empty() && (v.back() == ' ' || v.back() == '\r')) v.remove_suffix(1);
  std::string out;
  if (v.size() >= 2 && v.front() == '\'' && v.back() == '\'') {
    v = v.substr(1, v.size() - 2);
    for (size_t i = 0; i < v.size(); ++i) {
      out += v[i];
      if (v[i] == '\'' && i + 1 < v.size() && v[i + 1] == '\'') ++i;
    }
    return out;
  }
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
    v = v.substr(1, v.size() - 2);
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '\\' && i + 1 < v.size()) ++i;
      out += v[i];
    }
    return out;
  }
  return std::string(v);
}

size_t Indent(std::string_view line) {
  size_t n = 0;
  while (n < line.size() && line[n] == ' ') ++n;
  return n;
}

std::vector<std::string_view> Lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    lines.push_back(line);
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

size_t Count(const nlohmann::json& diff, const char* key) {
  auto it = diff.find(key);
  return it != diff.end() && it->is_array() ? it->size() : 0;
}

}  // namespace

Status ListTemplateFiles(const std::string& dir, std::vector<std::string>* files) {
  files->clear();
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return Status::Error(dir + ": " + ec.message(), ec);
  for (const auto& entry : it) {
    const std::filesystem::path& p = entry.path();
    if (p.extension() == ".yaml" && entry.is_regular_file(ec)) files->push_back(p.string());
  }
  if (files->empty()) return Status::Error(dir + ": no *.yaml template files", Errc::kNotFound);
  std::sort(files->begin(), files->end());
  return Status::Ok();
}

std::vector<std::string> MediaTypeNames(std::string_view yaml) {
  std::vector<std::string> names;
  bool in_media_types = false;
  constexpr std::string_view kName = "name: ";
  for (std::string_view line : Lines(yaml)) {
    if (line.empty() || line[Indent(line)] == '#') continue;
    const size_t indent = Indent(line);
    if (indent <= 2) {
      in_media_types = line == "  media_types:";
      continue;
    }
    // "    -" opens an entry; its own keys are indented by 6, nested lists deeper.
    if (in_media_types && indent == 6 && line.substr(6).starts_with(kName)) {
      names.push_back(Unquote(line.substr(6 + kName.size())));
    }
  }
  return names;
}

std::string ComparableExport(std::string_view yaml) {
  std::string out;
  bool header = true;
  for (std::string_view line : Lines(yaml)) {
    if (header && line.starts_with("#")) continue;
    header = false;
    if (line.starts_with("  date: ")) continue;
    out.append(line);
    out += '\n';
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

std::string MediaExport70As60(std::string_view yaml) {
  // Pass 1: "- key: value" becomes "-" and "  key: value" on the next line (7.0 puts a list
  // item's first key on the dash's line, 6.0 below it).
  std::vector<std::string> lines;
  for (std::string_view line : Lines(yaml)) {
    const size_t ind = Indent(line);
    std::string_view rest = line.substr(ind);
    if (rest == "version: '7.0'" && ind == 2) {
      lines.push_back("  version: '6.0'");
    } else if (rest.starts_with("- ") && rest.find(": ") != std::string_view::npos &&
               rest[2] != '\'' && rest[2] != '"') {
      lines.push_back(std::string(ind, ' ') + "-");
      lines.push_back(std::string(ind + 2, ' ') + std::string(rest.substr(2)));
    } else {
      lines.emplace_back(line);
    }
  }
  // Pass 2: script parameters, 7.0's {sortorder, value} items, become 6.0's "- value".
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    out += lines[i] + "\n";
    std::string_view l = lines[i];
    if (l.substr(Indent(l)) != "parameters:") continue;
    const size_t item = Indent(l) + 2;
    const std::string dash = std::string(item, ' ') + "-";
    const std::string sort = std::string(item + 2, ' ') + "sortorder: ";
    const std::string value = std::string(item + 2, ' ') + "value: ";
    while (i + 3 < lines.size() && lines[i + 1] == dash && lines[i + 2].starts_with(sort) &&
           lines[i + 3].starts_with(value) &&
           (i + 4 >= lines.size() || Indent(lines[i + 4]) <= item)) {
      out += std::string(item, ' ') + "- " + lines[i + 3].substr(value.size()) + "\n";
      i += 3;
    }
  }
  return out;
}

nlohmann::json ImportRules(int major, int minor) {
  const nlohmann::json cu = {{"createMissing", true}, {"updateExisting", true}};
  nlohmann::json cud = cu;
  cud["deleteMissing"] = true;
  nlohmann::json rules = {
      {"templates", cu},
      {"hosts", cu},
      {"items", cud},
      {"triggers", cud},
      {"discoveryRules", cud},
      {"graphs", cud},
      {"httptests", cud},
      {"valueMaps", cud},
      {"templateDashboards", cud},
      {"templateLinkage", {{"createMissing", true}}},
      {"mediaTypes", cu},
      {"images", cu},
      {"maps", cu},
  };
  if (major > 6 || (major == 6 && minor >= 2)) {
    rules["host_groups"] = {{"createMissing", true}};
    rules["template_groups"] = {{"createMissing", true}};
  } else {
    rules["groups"] = {{"createMissing", true}};
  }
  return rules;
}

Change SummarizeCompare(const nlohmann::json& compare, std::string* summary) {
  summary->clear();
  Change change = Change::kUnchanged;
  if (!compare.is_object()) return change;  // [] when nothing would change
  for (const auto& [kind, diff] : compare.items()) {
    if (!diff.is_object()) continue;
    std::string counts;
    for (const char* what : {"added", "updated", "removed"}) {
      if (size_t n = Count(diff, what)) {
        counts += (counts.empty() ? "" : ", ") + std::to_string(n) + " " + what;
        if (std::string_view(what) != "added") {
          change = Change::kUpdated;
        } else if (change == Change::kUnchanged) {
          change = Change::kCreated;
        }
      }
    }
    if (!counts.empty()) *summary += (summary->empty() ? "" : "; ") + kind + ": " + counts;
  }
  return change;
}

Change CompareMediaTypes(const nlohmann::json& before, const nlohmann::json& after,
                         std::string* summary) {
  summary->clear();
  std::map<std::string, const nlohmann::json*> old;
  if (before.is_array()) {
    for (const auto& m : before) old[m.value("name", "")] = &m;
  }
  Change change = Change::kUnchanged;
  if (!after.is_array()) return change;
  for (const auto& m : after) {
    const std::string name = m.value("name", "");
    auto it = old.find(name);
    const char* what = nullptr;
    if (it == old.end()) {
      what = "created";
      if (change == Change::kUnchanged) change = Change::kCreated;
    } else if (*it->second != m) {
      what = "updated";
      change = Change::kUpdated;
    }
    if (what) *summary += (summary->empty() ? "" : "; ") + ("media type \"" + name + "\" ") + what;
  }
  return change;
}

namespace {

// A value 7.0 leaves out of its side of importcompare (its default) while its converter of 6.0
// files writes it out: (kind of object, key, value).
struct ServerDefault {
  const char* kind;
  const char* key;
  const char* value;
};
// 7.0's default "keep lost resources" period of an LLD rule is 7d (6.0's was 30d, so the files
// name 7d).
constexpr ServerDefault k70Defaults[] = {{"discovery_rules", "lifetime", "7d"}};

// before == after once a key that one side lacks and the other holds at its default is dropped.
bool EqualBesideDefaults(const std::string& kind, nlohmann::json before, nlohmann::json after) {
  if (!before.is_object() || !after.is_object()) return before == after;
  for (const ServerDefault& d : k70Defaults) {
    if (kind != d.kind) continue;
    if (!before.contains(d.key) && after.value(d.key, nlohmann::json()) == d.value)
      after.erase(d.key);
    if (!after.contains(d.key) && before.value(d.key, nlohmann::json()) == d.value)
      before.erase(d.key);
  }
  return before == after;
}

// `node` maps kinds to {added, updated, removed}; an "updated" entry holds before, after and
// the changes of its own objects by kind.
void PruneDefaults(nlohmann::json* node) {
  if (!node->is_object()) return;
  for (auto kind = node->begin(); kind != node->end();) {
    nlohmann::json& diff = kind.value();
    if (diff.is_object() && diff.contains("updated") && diff["updated"].is_array()) {
      nlohmann::json kept = nlohmann::json::array();
      for (nlohmann::json& entry : diff["updated"]) {
        if (!entry.is_object()) continue;
        nlohmann::json children = entry;
        children.erase("before");
        children.erase("after");
        PruneDefaults(&children);
        if (!children.empty() ||
            !EqualBesideDefaults(kind.key(), entry.value("before", nlohmann::json()),
                                 entry.value("after", nlohmann::json()))) {
          children["before"] = entry.value("before", nlohmann::json());
          children["after"] = entry.value("after", nlohmann::json());
          kept.push_back(std::move(children));
        }
      }
      if (kept.empty())
        diff.erase("updated");
      else
        diff["updated"] = std::move(kept);
    }
    bool empty = diff.is_object() &&
                 Count(diff, "added") + Count(diff, "updated") + Count(diff, "removed") == 0;
    kind = empty ? node->erase(kind) : std::next(kind);
  }
}

}  // namespace

void PruneServerDefaults(nlohmann::json* compare, int major) {
  if (major >= 7) PruneDefaults(compare);
}

}  // namespace zabitan::zabbix_templates
