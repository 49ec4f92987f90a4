#include "zabitan/common/config.h"

#include <sys/stat.h>
#include <toml++/toml.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "zabitan/common/error.h"
#include "zabitan/common/printable.h"
#include "zabitan/common/trusted_file.h"

namespace zabitan {
namespace {

std::string LineOf(const toml::node& node) { return std::to_string(node.source().begin.line); }

// toml++ 3.3.0 (Debian 12's) reaches TOML_UNREACHABLE, undefined behaviour, when it asks
// whether one of these code points is whitespace: U+00A1..U+0499, U+2D3E..U+3137 but U+3000,
// U+FB26..U+FEFE (upstream marzer/tomlplusplus#190 and #295, fixed by #305 after 3.3.0; found
// by tests/fuzz/config_fuzz). None of them is whitespace.
bool TomlCannotClassify(char32_t c) {
  if (c < 0xa0 || c > 0xfeff) return false;
  const uint64_t child = (static_cast<uint64_t>(c) - 0xa0) / 0x3fa;
  if ((1ull << child) & 0x7ffffffffffff75eull) return false;
  if (c == 0xa0 || c == 0x3000 || c == 0xfeff) return false;
  return child != 0x05 && child != 0x07;
}

// The code point of the UTF-8 sequence at text[i] when toml++ cannot classify it, and the
// sequence's length in `length` (all of them take two or three bytes); 0 otherwise.
char32_t UnclassifiableAt(std::string_view text, size_t i, size_t* length) {
  auto byte = [&](size_t k) { return k < text.size() ? static_cast<unsigned char>(text[k]) : 0u; };
  auto cont = [&](size_t k) { return (byte(k) & 0xc0) == 0x80; };
  char32_t cp;
  if ((byte(i) & 0xe0) == 0xc0 && cont(i + 1)) {
    cp = ((byte(i) & 0x1f) << 6) | (byte(i + 1) & 0x3f);
    *length = 2;
  } else if ((byte(i) & 0xf0) == 0xe0 && cont(i + 1) && cont(i + 2)) {
    cp = ((byte(i) & 0x0f) << 12) | ((byte(i + 1) & 0x3f) << 6) | (byte(i + 2) & 0x3f);
    *length = 3;
  } else {
    return 0;
  }
  return TomlCannotClassify(cp) ? cp : 0;
}

// `text` with each such code point C replaced by U+F0000 + C, a private-use code point toml++
// classifies correctly (not whitespace, not a key character, as C) and distinct for each C
// (keys stay distinct). Returns false when there was none.
bool Defuse(std::string_view text, std::string* defused) {
  bool changed = false;
  defused->clear();
  for (size_t i = 0; i < text.size();) {
    size_t n = 0;
    if (char32_t cp = UnclassifiableAt(text, i, &n)) {
      char32_t pua = 0xf0000 + cp;
      defused->push_back(static_cast<char>(0xf0 | (pua >> 18)));
      defused->push_back(static_cast<char>(0x80 | ((pua >> 12) & 0x3f)));
      defused->push_back(static_cast<char>(0x80 | ((pua >> 6) & 0x3f)));
      defused->push_back(static_cast<char>(0x80 | (pua & 0x3f)));
      i += n;
      changed = true;
    } else {
      defused->push_back(text[i++]);
    }
  }
  return changed;
}

// The 1-based line of such a code point that a """string""" would trim after a line-ending
// backslash (toml++ asks whether it is whitespace there, in valid TOML), or 0.
size_t UnclassifiableAfterLineEndingBackslash(std::string_view text) {
  size_t line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') ++line;
    size_t n = 0;
    if (UnclassifiableAt(text, i, &n) == 0) continue;
    size_t k = i;
    bool newline = false;
    while (k > 0 && std::string_view(" \t\r\n").find(text[k - 1]) != std::string_view::npos) {
      newline |= text[--k] == '\n';
    }
    if (newline && k > 0 && text[k - 1] == '\\') return line;
  }
  return 0;
}

Status ParseToml(std::string_view text, const std::string& source, toml::table* table) {
  try {
    *table = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    // toml++ quotes the offending input in its description: keep the message on one line.
    return Status::Error(source + ":" + std::to_string(e.source().begin.line) + ": " +
                             Printable(e.description(), 300),
                         Errc::kConfig);
  }
  return Status::Ok();
}

}  // namespace

Status Config::Parse(std::string_view text, const std::string& source, Config* config) {
  auto table = std::make_shared<toml::table>();
  std::string defused;
  if (Defuse(text, &defused)) {
    // Such code points are valid in strings and comments only, where their stand-ins are too:
    // the copy has the file's syntax errors, and parsing it is safe.
    if (Status s = ParseToml(defused, source, table.get()); !s.ok()) return s;
    if (size_t line = UnclassifiableAfterLineEndingBackslash(text)) {
      return Status::Error(source + ":" + std::to_string(line) +
                               ": toml++ 3.3.0 cannot read a non-ASCII character right after a "
                               "line-ending backslash",
                           Errc::kConfig);
    }
  }
  if (Status s = ParseToml(text, source, table.get()); !s.ok()) return s;
  config->source_ = source;
  config->root_ = std::move(table);
  return Status::Ok();
}

Status Config::LoadTrusted(const std::string& path, bool required, Config* config) {
  struct stat st;
  if (!required && ::lstat(path.c_str(), &st) != 0 && errno == ENOENT) {
    *config = Config();
    config->source_ = path;
    return Status::Ok();
  }
  std::error_code ec;
  const std::string absolute = std::filesystem::absolute(path, ec).lexically_normal().string();
  std::string text;
  if (Status s = ReadTrustedFile(ec ? path : absolute, false, &text); !s.ok()) return s;
  return Parse(text, path, config);
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
    return ErrnoError(path, err);
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
  // "remote_cmd.groups.web": one table inside another.
  const toml::table* table = root_.get();
  std::string_view rest = name;
  while (table != nullptr) {
    size_t dot = rest.find('.');
    std::string_view part = rest.substr(0, dot);
    const toml::node* node = table->get(part);
    if (node == nullptr) return Status::Ok();
    table = node->as_table();
    if (table == nullptr) {
      return Status::Error(source_ + ":" + LineOf(*node) + ": " + std::string(name) +
                               ": expected a [" + std::string(name) + "] table",
                           Errc::kConfig);
    }
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  section->table_ = table;
  return Status::Ok();
}

namespace {

// A key as TOML writes it in a dotted path: bare when it may be, else quoted ("web.example").
std::string KeyInPath(std::string_view key) {
  bool bare = !key.empty();
  for (char c : key) {
    bare = bare && ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-');
  }
  return bare ? std::string(key) : "\"" + Printable(key, 100) + "\"";
}

}  // namespace

Status ConfigSection::Subsection(std::string_view key, ConfigSection* out) const {
  *out = ConfigSection();
  out->name_ = name_ + "." + KeyInPath(key);
  out->source_ = source_;
  out->root_ = root_;
  const toml::node* node = table_ ? table_->get(key) : nullptr;
  if (node == nullptr) return Status::Ok();
  out->table_ = node->as_table();
  if (out->table_ == nullptr) {
    return Status::Error(source_ + ":" + LineOf(*node) + ": " + out->name_ + ": expected a [" +
                             out->name_ + "] table",
                         Errc::kConfig);
  }
  return Status::Ok();
}

std::string ConfigSection::Where(std::string_view key) const {
  const toml::node* node = table_ ? table_->get(key) : nullptr;
  std::string line = node ? ":" + LineOf(*node) : "";
  return source_ + line + ": " + name_ + "." + KeyInPath(key);
}

Status ConfigSection::GetString(std::string_view key, std::optional<std::string>* out) const {
  out->reset();
  const toml::node* node = table_ ? table_->get(key) : nullptr;
  if (node == nullptr) return Status::Ok();
  if (auto v = node->value<std::string>(); v && node->is_string()) {
    *out = *v;
    return Status::Ok();
  }
  return Status::Error(Where(key) + ": expected a string", Errc::kConfig);
}

Status ConfigSection::GetInt(std::string_view key, int64_t min, int64_t max,
                             std::optional<int64_t>* out) const {
  out->reset();
  const toml::node* node = table_ ? table_->get(key) : nullptr;
  if (node == nullptr) return Status::Ok();
  if (!node->is_integer())
    return Status::Error(Where(key) + ": expected an integer", Errc::kConfig);
  int64_t v = *node->value<int64_t>();
  if (v < min || v > max) {
    return Status::Error(Where(key) + ": " + std::to_string(v) + " is outside " +
                             std::to_string(min) + ".." + std::to_string(max),
                         Errc::kConfig);
  }
  *out = v;
  return Status::Ok();
}

Status ConfigSection::GetBool(std::string_view key, std::optional<bool>* out) const {
  out->reset();
  const toml::node* node = table_ ? table_->get(key) : nullptr;
  if (node == nullptr) return Status::Ok();
  if (!node->is_boolean())
    return Status::Error(Where(key) + ": expected true or false", Errc::kConfig);
  *out = *node->value<bool>();
  return Status::Ok();
}

Status ConfigSection::GetStringList(std::string_view key,
                                    std::optional<std::vector<std::string>>* out) const {
  out->reset();
  const toml::node* node = table_ ? table_->get(key) : nullptr;
  if (node == nullptr) return Status::Ok();
  const toml::array* array = node->as_array();
  std::vector<std::string> list;
  for (size_t i = 0; array != nullptr && i < array->size(); ++i) {
    const toml::node& item = *array->get(i);
    if (!item.is_string())
      return Status::Error(Where(key) + ": expected an array of strings", Errc::kConfig);
    list.push_back(*item.value<std::string>());
  }
  if (array == nullptr)
    return Status::Error(Where(key) + ": expected an array of strings", Errc::kConfig);
  *out = std::move(list);
  return Status::Ok();
}

namespace {

// An integer or a float node as a double; nothing for other types.
std::optional<double> Number(const toml::node& node) {
  if (node.is_integer()) return static_cast<double>(*node.value<int64_t>());
  if (node.is_floating_point()) return *node.value<double>();
  return std::nullopt;
}

std::string Range(double min, double max) {
  std::ostringstream out;
  out << min << ".." << max;
  return out.str();
}

}  // namespace

Status ConfigSection::GetDouble(std::string_view key, double min, double max,
                                std::optional<double>* out) const {
  out->reset();
  const toml::node* node = table_ ? table_->get(key) : nullptr;
  if (node == nullptr) return Status::Ok();
  std::optional<double> v = Number(*node);
  if (!v) return Status::Error(Where(key) + ": expected a number");
  if (!(*v >= min && *v <= max)) return Status::Error(Where(key) + ": outside " + Range(min, max));
  *out = v;
  return Status::Ok();
}

Status ConfigSection::GetDoubleList(std::string_view key, double min, double max,
                                    std::optional<std::vector<double>>* out) const {
  out->reset();
  const toml::node* node = table_ ? table_->get(key) : nullptr;
  if (node == nullptr) return Status::Ok();
  const toml::array* array = node->as_array();
  if (array == nullptr) return Status::Error(Where(key) + ": expected an array of numbers");
  std::vector<double> list;
  for (size_t i = 0; i < array->size(); ++i) {
    std::optional<double> v = Number(*array->get(i));
    if (!v) return Status::Error(Where(key) + ": expected an array of numbers");
    if (!(*v >= min && *v <= max)) {
      return Status::Error(Where(key) + ": " + std::to_string(i + 1) + ". value outside " +
                           Range(min, max));
    }
    list.push_back(*v);
  }
  *out = std::move(list);
  return Status::Ok();
}

std::vector<std::string> ConfigSection::Subsections() const {
  std::vector<std::string> names;
  if (table_ == nullptr) return names;
  for (const auto& [key, node] : *table_) {
    if (node.is_table()) names.emplace_back(key.str());
  }
  return names;
}

Status ConfigSection::CheckKnownKeys(const std::vector<std::string_view>& known) const {
  if (table_ == nullptr) return Status::Ok();
  for (const auto& [key, node] : *table_) {
    bool found = false;
    for (std::string_view k : known) found = found || k == key.str();
    if (!found) {
      return Status::Error(source_ + ":" + LineOf(node) + ": " + name_ + "." +
                               KeyInPath(key.str()) + ": unknown key",
                           Errc::kConfig);
    }
  }
  return Status::Ok();
}

}  // namespace zabitan
