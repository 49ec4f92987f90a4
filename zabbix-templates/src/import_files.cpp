#include "zabitan/zabbix/import_files.h"

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <map>
#include <system_error>

#include "zabitan/common/printable.h"

namespace zabitan::zabbix {
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
  if (ec) return Status::Error(dir + ": " + ec.message());
  for (const auto& entry : it) {
    const std::filesystem::path& p = entry.path();
    if (p.extension() == ".yaml" && entry.is_regular_file(ec)) files->push_back(p.string());
  }
  if (files->empty()) return Status::Error(dir + ": no *.yaml template files");
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

nlohmann::json ImportRules(int major, int minor) {
  const nlohmann::json cu = {{"createMissing", true}, {"updateExisting", true}};
  nlohmann::json cud = cu;
  cud["deleteMissing"] = true;
  nlohmann::json rules = {
      {"templates", cu},     {"hosts", cu},        {"items", cud},         {"triggers", cud},
      {"discoveryRules", cud}, {"graphs", cud},    {"httptests", cud},     {"valueMaps", cud},
      {"templateDashboards", cud}, {"templateLinkage", {{"createMissing", true}}},
      {"mediaTypes", cu},    {"images", cu},       {"maps", cu},
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

Change CompareMediaTypes(const nlohmann::json& before, const nlohmann::json& after, std::string* summary) {
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

Status ParseVersion(std::string_view version, int* major, int* minor) {
  const char* p = version.data();
  const char* end = p + version.size();
  const Status bad = Status::Error("unexpected API version \"" + Printable(version, 40) + "\"");
  auto [q, ec] = std::from_chars(p, end, *major);
  if (ec != std::errc() || q == end || *q != '.') return bad;
  auto [r, ec2] = std::from_chars(q + 1, end, *minor);
  if (ec2 != std::errc() || (r != end && *r != '.')) return bad;
  return Status::Ok();
}

}  // namespace zabitan::zabbix
