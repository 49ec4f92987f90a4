// zabitan — Config: the toolkit's one configuration file (TOML), a section per tool.
//
// Every tool reads its own section ([sender], [vmware], [remote_cmd], [sstp]) of one file,
// by default /etc/zabitan/zabitan.toml, or the file named by --config. Every command-line flag
// has a key here; the flag wins. Errors name the file, the line and the key, so an admin can
// go straight to the mistake:  "/etc/zabitan/zabitan.toml:7: sender.timeout: expected an integer".
//
// Thread-safety: intentionally copyable; const methods are safe to call from several threads.
//
// Example:
//   zabitan::Config config;
//   zabitan::Status s = zabitan::Config::Load("/etc/zabitan/zabitan.toml", false, &config);
//   zabitan::ConfigSection sender;
//   if (s.ok()) s = config.Section("sender", &sender);
//   std::optional<int64_t> timeout;
//   if (s.ok()) s = sender.GetInt("timeout", 1, 300, &timeout);
#ifndef ZABITAN_COMMON_CONFIG_H_
#define ZABITAN_COMMON_CONFIG_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "zabitan/common/status.h"

namespace toml {
inline namespace v3 {
class table;
}
}  // namespace toml

namespace zabitan {

inline constexpr const char* kDefaultConfigPath = "/etc/zabitan/zabitan.toml";

// One [section] of the file. A section that is absent behaves as an empty one.
class ConfigSection {
 public:
  // Each getter leaves *out empty when the key is absent (not an error), sets it when the key
  // holds a value of the right type, and returns an error naming file:line and key otherwise.
  Status GetString(std::string_view key, std::optional<std::string>* out) const;
  Status GetInt(std::string_view key, int64_t min, int64_t max, std::optional<int64_t>* out) const;
  Status GetBool(std::string_view key, std::optional<bool>* out) const;
  Status GetStringList(std::string_view key, std::optional<std::vector<std::string>>* out) const;
  // A number: an integer or a float (interval = 15 or 0.5), within [min, max].
  Status GetDouble(std::string_view key, double min, double max, std::optional<double>* out) const;
  Status GetDoubleList(std::string_view key, double min, double max,
                       std::optional<std::vector<double>>* out) const;

  // The keys of the section that hold tables ([remote_cmd.groups.web] → "web" in
  // remote_cmd.groups), in name order; read each with Subsection(name) (or, for a name without
  // a dot, Config::Section("parent.name")).
  std::vector<std::string> Subsections() const;

  // The table under one key of this section, the key taken whole: "web.example" is the one
  // key of [prom.targets."web.example"], not a path (absent: an empty section). Errors name it
  // as it is written (prom.targets."web.example") if the key holds something else.
  Status Subsection(std::string_view key, ConfigSection* out) const;

  // Fails on the first key of the section that is not in `known`: a typo in a key name should
  // not silently fall back to a default.
  Status CheckKnownKeys(const std::vector<std::string_view>& known) const;

  const std::string& name() const { return name_; }

  // "file:line: section.key", the start of an error about `key`.
  std::string Where(std::string_view key) const;

 private:
  friend class Config;

  std::string name_;
  std::string source_;
  std::shared_ptr<const toml::table> root_;
  const toml::table* table_ = nullptr;  // points into *root_; null when the section is absent
};

class Config {
 public:
  // Reads and parses `path`. When the file does not exist and `required` is false, *config is
  // left empty and ok is returned (the toolkit runs on defaults and flags alone).
  static Status Load(const std::string& path, bool required, Config* config);

  // Load, for a config that decides what the program may do (where it connects, what it runs):
  // the file is read through ReadTrustedFile (trusted_file.h: no symbolic link on the path,
  // owned by root or the running user, neither it nor a folder above it writable by others).
  static Status LoadTrusted(const std::string& path, bool required, Config* config);

  // Parses TOML text; `source` names it in error messages.
  static Status Parse(std::string_view text, const std::string& source, Config* config);

  // The named table: top-level ("sender") or nested ("remote_cmd.groups.web"). Errors if the
  // key exists but is not a table.
  Status Section(std::string_view name, ConfigSection* section) const;

  const std::string& source() const { return source_; }

 private:
  std::string source_;
  std::shared_ptr<const toml::table> root_;
};

}  // namespace zabitan

#endif  // ZABITAN_COMMON_CONFIG_H_
