#include "zabitan/sender/pending.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "zabitan/common/unique_fd.h"

// Files of a store (PREFIX = e.g. /var/lib/zabitan/vmware/pending-<endpoint>-<destination>):
//   PREFIX.json {"version":1,"items":[{"host":H,"key":K,"group":G,"held":[[clock,ns,"value"],…],
//                    "uncertain":[…],"upto":[clock,ns]}],"split":[G,…]}        whole, 0600, renamed
//   PREFIX.journal  one JSON line [H,K,clock,ns] per item sent, appended before its request
//   PREFIX.known    the hashes of the known items, u64 little-endian, sorted
namespace zabitan::sender {

namespace {

constexpr int kFormatVersion = 1;

bool ReadFile(const std::string& path, std::string* data, Status* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno != ENOENT) *error = Status::Error(path + ": " + std::strerror(errno));
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  *data = ss.str();
  return true;
}

nlohmann::json ToJson(const std::vector<HeldValue>& values) {
  nlohmann::json a = nlohmann::json::array();
  for (const HeldValue& v : values) a.push_back({v.clock, v.ns, v.value});
  return a;
}

bool FromJson(const nlohmann::json& a, std::vector<HeldValue>* values) {
  if (!a.is_array()) return false;
  for (const auto& v : a) {
    if (!v.is_array() || v.size() != 3 || !v[0].is_number_unsigned() ||
        !v[1].is_number_unsigned() || !v[2].is_string()) {
      return false;
    }
    values->push_back({v[0].get<uint32_t>(), v[1].get<uint32_t>(), v[2].get<std::string>()});
  }
  std::sort(values->begin(), values->end());
  return true;
}

std::pair<uint32_t, uint32_t> Stamp(const HeldValue& v) { return {v.clock, v.ns}; }

// Moves `from` into `to`, keeping `to` sorted.
void MergeInto(std::vector<HeldValue>* from, std::vector<HeldValue>* to) {
  to->insert(to->end(), std::make_move_iterator(from->begin()),
             std::make_move_iterator(from->end()));
  from->clear();
  std::sort(to->begin(), to->end());
}

bool Contains(const std::vector<HeldValue>& values, const HeldValue& v) {
  if (values.empty() || values.back() < v) return false;  // the usual case: newer than all
  auto it = std::lower_bound(values.begin(), values.end(), v);
  return it != values.end() && !(v < *it);
}

void InsertSorted(std::vector<HeldValue>* values, HeldValue v) {
  if (values->empty() || values->back() < v) {
    values->push_back(std::move(v));
  } else {
    values->insert(std::lower_bound(values->begin(), values->end(), v), std::move(v));
  }
}

}  // namespace

Status WriteFileWhole(const std::string& path, std::string_view data) {
  std::string tmp = path + ".tmp";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd) return Status::Error(path + ": " + std::strerror(errno));
  errno = 0;
  if (::fchmod(fd.get(), 0600) != 0 ||
      ::write(fd.get(), data.data(), data.size()) != static_cast<ssize_t>(data.size()) ||
      ::fsync(fd.get()) != 0) {
    // A short write sets no errno: on a full disk that is the usual way to fail.
    const std::string why = errno != 0 ? std::strerror(errno) : "short write";
    ::unlink(tmp.c_str());  // a partial file must not take what room is left
    return Status::Error(path + ": " + why);
  }
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0)
    return Status::Error(path + ": " + std::strerror(errno));
  return Status::Ok();
}

uint64_t ItemHash(std::string_view host, std::string_view key) {
  // FNV-1a over host, a separator no host name holds, and key: stable across builds and runs.
  uint64_t h = 14695981039346656037ULL;
  auto mix = [&h](std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  };
  mix(host);
  mix(std::string_view("\0", 1));
  mix(key);
  return h;
}

Status PendingStore::Open(std::string prefix, PendingLimits limits,
                          std::unique_ptr<PendingStore>* store) {
  std::unique_ptr<PendingStore> s(new PendingStore(std::move(prefix), limits));
  if (Status st = s->Load(); !st.ok()) return st;
  *store = std::move(s);
  return Status::Ok();
}

Status PendingStore::Load() {
  Status error;
  std::string data;
  if (ReadFile(prefix_ + ".known", &data, &error)) {
    for (size_t i = 0; i + 8 <= data.size(); i += 8) {
      uint64_t h = 0;
      for (int b = 7; b >= 0; --b) h = (h << 8) | static_cast<unsigned char>(data[i + b]);
      known_.insert(h);
    }
  } else {
    if (!error.ok()) return error;
    fresh_ = true;
  }
  if (ReadFile(prefix_ + ".json", &data, &error)) {
    nlohmann::json j = nlohmann::json::parse(data, nullptr, false);
    if (!j.is_object() || j.value("version", 0) != kFormatVersion || !j["items"].is_array()) {
      return Status::Error(
          prefix_ +
          ".json: not a pending-values file of this version (move it away to start afresh)");
    }
    for (const auto& it : j["items"]) {
      if (!it.is_object() || !it["host"].is_string() || !it["key"].is_string()) {
        return Status::Error(prefix_ + ".json: an item without host or key");
      }
      PendingItem item;
      item.group = it.value("group", "");
      const auto& upto = it["upto"];
      if (upto.is_array() && upto.size() == 2 && upto[0].is_number_unsigned() &&
          upto[1].is_number_unsigned()) {
        item.uncertain_upto = {upto[0].get<uint32_t>(), upto[1].get<uint32_t>()};
      }
      if (!FromJson(it["held"], &item.held) || !FromJson(it["uncertain"], &item.uncertain)) {
        return Status::Error(prefix_ + ".json: a damaged value list");
      }
      items_[{it["host"].get<std::string>(), it["key"].get<std::string>()}] = std::move(item);
    }
    for (const auto& g : j["split"]) {
      if (g.is_string()) split_.insert(g.get<std::string>());
    }
  } else if (!error.ok()) {
    return error;
  }
  // Items a request was sending when the last run ended without settling them (a crash, a
  // kill): what it sent may or may not be stored.
  if (ReadFile(prefix_ + ".journal", &data, &error)) {
    std::istringstream lines(data);
    std::string line;
    while (std::getline(lines, line)) {
      nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
      if (!j.is_array() || j.size() != 4 || !j[0].is_string() || !j[1].is_string() ||
          !j[2].is_number_unsigned() || !j[3].is_number_unsigned()) {
        continue;  // a line cut short by the crash: its request was not sent
      }
      PendingItem& item = items_[{j[0].get<std::string>(), j[1].get<std::string>()}];
      item.uncertain_upto =
          std::max(item.uncertain_upto, {j[2].get<uint32_t>(), j[3].get<uint32_t>()});
      auto first_after = std::find_if(item.held.begin(), item.held.end(), [&](const HeldValue& v) {
        return Stamp(v) > item.uncertain_upto;
      });
      std::vector<HeldValue> moved(std::make_move_iterator(item.held.begin()),
                                   std::make_move_iterator(first_after));
      item.held.erase(item.held.begin(), first_after);
      MergeInto(&moved, &item.uncertain);
    }
  } else if (!error.ok()) {
    return error;
  }
  return Status::Ok();
}

bool PendingStore::IsKnown(std::string_view host, std::string_view key) const {
  return known_.count(ItemHash(host, key)) > 0;
}

void PendingStore::MarkKnown(std::string_view host, std::string_view key) {
  known_changed_ |= known_.insert(ItemHash(host, key)).second;
}

void PendingStore::Add(const ValueView& value, std::string_view group, bool keep, uint32_t now) {
  PendingItem& item = items_[{std::string(value.host), std::string(value.key)}];
  if (item.group.empty()) item.group = group;
  item.keep = keep;
  HeldValue v{value.clock.value_or(now), value.clock ? value.ns.value_or(0) : 0,
              std::string(value.value)};
  if (Contains(item.uncertain, v) || Contains(item.held, v))
    return;  // collected again after a crash
  if (Stamp(v) <= item.uncertain_upto) {
    InsertSorted(&item.uncertain, std::move(v));  // it may have been in the request that was lost
  } else {
    InsertSorted(&item.held, std::move(v));
  }
}

void PendingStore::Trim(uint32_t now) {
  const uint32_t cutoff = now > limits_.window ? now - limits_.window : 0;
  auto expire = [&](std::vector<HeldValue>* values) {
    auto keep_from = std::find_if(values->begin(), values->end(),
                                  [&](const HeldValue& v) { return v.clock >= cutoff; });
    uint64_t n = static_cast<uint64_t>(keep_from - values->begin());
    values->erase(values->begin(), keep_from);
    return n;
  };
  auto count_given_up = [&](const std::pair<std::string, std::string>& id, PendingItem& item,
                            uint64_t n) {
    if (n == 0) return;
    counts_.given_up += n;
    if (item.held.empty() && item.uncertain.empty() && item.sending.empty()) {
      ++counts_.given_up_items;
      if (counts_.given_up_example.empty()) counts_.given_up_example = id.first + " " + id.second;
      // From now on the item goes with the known ones: if Zabbix still refuses it, that is an
      // error the run reports, not a wait.
      MarkKnown(id.first, id.second);
      item.uncertain_upto = {0, 0};
    }
  };
  for (auto& [id, item] : items_) {
    uint64_t n = expire(&item.held) + expire(&item.uncertain);
    count_given_up(id, item, n);
  }
  uint64_t total = held_values();
  if (total > limits_.max_values) {
    // The bound: the oldest go first, whichever item they belong to.
    std::vector<uint32_t> clocks;
    clocks.reserve(total);
    for (const auto& [id, item] : items_) {
      for (const auto* list : {&item.held, &item.uncertain}) {
        for (const HeldValue& v : *list) clocks.push_back(v.clock);
      }
    }
    const size_t drop = static_cast<size_t>(total - limits_.max_values);
    std::nth_element(clocks.begin(), clocks.begin() + static_cast<std::ptrdiff_t>(drop - 1),
                     clocks.end());
    const uint32_t bound =
        clocks[drop - 1];  // values up to it go (a few more on a tie: still bounded)
    for (auto& [id, item] : items_) {
      uint64_t n = 0;
      for (auto* list : {&item.held, &item.uncertain}) {
        auto keep_from = std::find_if(list->begin(), list->end(),
                                      [&](const HeldValue& v) { return v.clock > bound; });
        n += static_cast<uint64_t>(keep_from - list->begin());
        list->erase(list->begin(), keep_from);
      }
      count_given_up(id, item, n);
    }
  }
  Prune();
}

uint64_t PendingStore::held_values() const {
  uint64_t n = 0;
  for (const auto& [id, item] : items_)
    n += item.held.size() + item.uncertain.size() + item.sending.size();
  return n;
}

Status PendingStore::Journal(const std::vector<ItemMap::iterator>& items) {
  std::string lines;
  for (const auto& it : items) {
    const PendingItem& item = it->second;
    if (item.sending.empty()) continue;
    const HeldValue& newest = item.sending.back();  // sorted
    lines += nlohmann::json::array({it->first.first, it->first.second, newest.clock, newest.ns})
                 .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
             "\n";
  }
  const std::string path = prefix_ + ".journal";
  // Appended without fsync: it only has to survive the process (a crash, a kill), as the reply
  // it stands for is lost with it; a power cut may lose it, and then a resend may duplicate.
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!fd || ::write(fd.get(), lines.data(), lines.size()) != static_cast<ssize_t>(lines.size())) {
    return Status::Error(path + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

void PendingStore::Settle(ItemMap::iterator it, Outcome outcome) {
  PendingItem& item = it->second;
  const uint64_t n = item.sending.size();
  switch (outcome) {
    case Outcome::kStored:
      counts_.delivered += n;
      item.sending.clear();
      if (item.probe) {  // it exists now; whether it did when the lost request came, no one knows
        counts_.unresolved += item.uncertain.size();
        item.uncertain.clear();
        item.uncertain_upto = {0, 0};
      }
      MarkKnown(it->first.first, it->first.second);
      break;
    case Outcome::kRefused:
      counts_.refused += n;
      if (item.probe) {  // it does not exist now, so it did not then: nothing of it was stored
        MergeInto(&item.uncertain, &item.held);
        item.uncertain_upto = {0, 0};
      }
      if (item.keep) MergeInto(&item.sending, &item.held);
      item.sending.clear();
      break;
    case Outcome::kAmbiguous:
      counts_.ambiguous += n;
      item.sending.clear();
      if (item.probe) {
        counts_.unresolved += item.uncertain.size();
        item.uncertain.clear();
        item.uncertain_upto = {0, 0};
      }
      break;
    case Outcome::kNotSent:
      MergeInto(&item.sending, &item.held);
      break;
    case Outcome::kUnknown:
      if (!item.sending.empty())
        item.uncertain_upto = std::max(item.uncertain_upto, Stamp(item.sending.back()));
      MergeInto(&item.sending, &item.uncertain);
      break;
  }
  item.probe = false;
}

void PendingStore::Prune() {
  std::erase_if(items_, [](const auto& entry) {
    const PendingItem& i = entry.second;
    return i.held.empty() && i.uncertain.empty() && i.sending.empty() &&
           i.uncertain_upto == std::pair<uint32_t, uint32_t>{0, 0};
  });
}

Status PendingStore::Save() {
  nlohmann::json items = nlohmann::json::array();
  for (const auto& [id, item] : items_) {
    if (!item.keep && item.uncertain.empty()) continue;
    std::vector<HeldValue> uncertain = item.uncertain;
    uncertain.insert(uncertain.end(), item.sending.begin(),
                     item.sending.end());  // in flight: unknown
    std::sort(uncertain.begin(), uncertain.end());
    auto upto = item.uncertain_upto;
    if (!uncertain.empty()) upto = std::max(upto, Stamp(uncertain.back()));
    items.push_back({{"host", id.first},
                     {"key", id.second},
                     {"group", item.group},
                     {"held", ToJson(item.keep ? item.held : std::vector<HeldValue>{})},
                     {"uncertain", ToJson(uncertain)},
                     {"upto", {upto.first, upto.second}}});
  }
  nlohmann::json j{{"version", kFormatVersion}, {"items", items}, {"split", split_}};
  if (Status s =
          WriteFileWhole(prefix_ + ".json",
                         j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
      !s.ok()) {
    return s;
  }
  if (known_changed_ || fresh_) {
    std::vector<uint64_t> sorted(known_.begin(), known_.end());
    std::sort(sorted.begin(), sorted.end());
    std::string bytes;
    bytes.reserve(sorted.size() * 8);
    for (uint64_t h : sorted) {
      for (int b = 0; b < 8; ++b) bytes.push_back(static_cast<char>((h >> (8 * b)) & 0xff));
    }
    if (Status s = WriteFileWhole(prefix_ + ".known", bytes); !s.ok()) return s;
    known_changed_ = false;
    fresh_ = false;
  }
  // Everything the journal stood for is in the file now.
  if (::unlink((prefix_ + ".journal").c_str()) != 0 && errno != ENOENT) {
    return Status::Error(prefix_ + ".journal: " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace zabitan::sender
