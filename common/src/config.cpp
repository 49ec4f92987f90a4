#include "zabitan/common/config.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <toml++/toml.h>

namespace zabitan {
namespace {

std::string LineOf(const toml::node& node) {
  return std::to_string(node.source().begin.line);
}

}  // namespace

Status Config::Parse(std::string_view text, const std::string& source, Config* config) {
  try {
    auto table = std::make_shared<toml::table>(toml::parse(text, source));
    config->source_ = source;
    config->root_ = std::move(table);
  } catch (const toml::parse_error& e) {
    return Status::Error(source + ":" + std::to_string(e.source().begin.line) + ": " +
                         std::string(e.description()));
  }
  return Status::Ok();
}

Status Config::Load(const std::string& path, bool required, Config* config) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    struct stat st;
    if (!required && ::stat(path.c_str(), &st) != 0 && errno == ENOENT) {
      *config = Config();
      config->source_ = path;
      return Status::Ok();
    }
    return Status::Error(path + ": " + std::strerror(err));
  }
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path, config);
}

Status Config::Section(std::string_view name, ConfigSection* section) const {
  *section = ConfigSection();
  section->name_ = std::string(name);
  section->source_ = source_;
  section->root_ = root_;
  if (!root_) return Status::Ok();
  const toml::node* node = root_->get(name);
  if (node == nullptr) return Status::Ok();
  section->table_ = node->as_table();
  if (section->table_ == nullptr) {
    return Status::Error(source_ + ":" + LineOf(*node) + ": " + std::string(name) +
                         ": expected a [" + std::string(name) + "] table");
  }
  return Status::Ok();
}

std::string ConfigSection::Where(std::string_view key) const {
  const toml::node* node = table_ ? table_->get(key) : nullptr;
  std::string line = node ? ":" + LineOf(*node) : "";
  return source_ + line + ": " + name_ + "." + std::string(key);
}

Status ConfigSection::GetString(std::string_view key, std::optional<std::string>* out) const {
  out->reset();
  const toml::node* node = table_ ? table_->get(key) : nullptr;
  if (node == nullptr) return Status::Ok();
  if (auto v = node->value<std::string>(); v && node->is_string()) {
    *out = *v;
    return Status::Ok();
  }
  return Status::Error(Where(key) + ": expected a string");
}

Status ConfigSection::GetInt(std::string_view key, int64_t min, int64_t max,
                             std::optional<int64_t>* out) const {
  out->reset();
  const toml::node* node = table_ ? table_->get(key) : nullptr;
  if (node == nullptr) return Status::Ok();
  if (!node->is_integer()) return Status::Error(Where(key) + ": expected an integer");
  int64_t v = *node->value<int64_t>();
  if (v < min || v > max) {
    return Status::Error(Where(key) + ": " + std::to_string(v) + " is outside " +
                         std::to_string(min) + ".." + std::to_string(max));
  }
  *out = v;
  return Status::Ok();
}

Status ConfigSection::GetBool(std::string_view key, std::optional<bool>* out) const {
  out->reset();
  const toml::node* node = table_ ? table_->get(key) : nullptr;
  if (node == nullptr) return Status::Ok();
  if (!node->is_boolean()) return Status::Error(Where(key) + ": expected true or false");
  *out = *node->value<bool>();
  return Status::Ok();
}

Status ConfigSection::CheckKnownKeys(const std::vector<std::string_view>& known) const {
  if (table_ == nullptr) return Status::Ok();
  for (const auto& [key, node] : *table_) {
    bool found = false;
    for (std::string_view k : known) found = found || k == key.str();
    if (!found) {
      return Status::Error(source_ + ":" + LineOf(node) + ": " + name_ + "." +
                           std::string(key.str()) + ": unknown key");
    }
  }
  return Status::Ok();
}

}  // namespace zabitan
