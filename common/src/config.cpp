#include "zabitan/common/config.h"

#include "zabitan/common/printable.h"

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

// Finds a non-ASCII byte outside strings and comments, where TOML allows none anyway. Checked
// before toml++ sees the text: toml++ 3.3.0 (Debian 12) reaches TOML_UNREACHABLE, undefined
// behaviour, on some such code points (e.g. "a\xc3\x84 = 1"; upstream issues #190, #295; found
// by tests/fuzz/config_fuzz). Returns the 1-based line, or 0 when there is none.
size_t NonAsciiOutsideStrings(std::string_view text) {
  size_t line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') {
      ++line;
    } else if (c == '#') {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;
    } else if (c == '"' || c == '\'') {
      bool multi = text.substr(i, 3) == std::string(3, c);
      size_t j = i + (multi ? 3 : 1);
      for (; j < text.size(); ++j) {
        if (text[j] == '\n') {
          ++line;
          if (!multi) break;  // an unterminated one-line string: toml++ reports it
        } else if (c == '"' && text[j] == '\\') {
          ++j;  // skip the escaped character (a newline there is counted by the loop's next round)
          if (j < text.size() && text[j] == '\n') ++line;
        } else if (text[j] == c && (!multi || text.substr(j, 3) == std::string(3, c))) {
          if (multi) j += 2;
          break;
        }
      }
      i = j;
    } else if (static_cast<unsigned char>(c) >= 0x80) {
      return line;
    }
  }
  return 0;
}

}  // namespace

Status Config::Parse(std::string_view text, const std::string& source, Config* config) {
  if (size_t line = NonAsciiOutsideStrings(text)) {
    return Status::Error(source + ":" + std::to_string(line) +
                         ": a non-ASCII character outside a string or comment");
  }
  try {
    auto table = std::make_shared<toml::table>(toml::parse(text, source));
    config->source_ = source;
    config->root_ = std::move(table);
  } catch (const toml::parse_error& e) {
    // toml++ quotes the offending input in its description: keep the message on one line.
    return Status::Error(source + ":" + std::to_string(e.source().begin.line) + ": " +
                         Printable(e.description(), 300));
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
  return source_ + line + ": " + name_ + "." + Printable(key, 100);
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
                           Printable(key.str(), 100) + ": unknown key");
    }
  }
  return Status::Ok();
}

}  // namespace zabitan
