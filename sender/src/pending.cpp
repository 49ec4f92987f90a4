#include "zabitan/sender/pending.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <fstream>
#include <iterator>
#include <sstream>

#include <nlohmann/json.hpp>

#include "zabitan/common/error.h"
#include "zabitan/common/unique_fd.h"
#include "zabitan/common/whole_file.h"
#include "zabitan/sender/error.h"

// Files of a store (PREFIX = e.g. /var/lib/zabitan/vmware/pending-<endpoint>-<destination>):
//   PREFIX.values   text, written whole (0600, fsync, renamed), read a line at a time (a first
//                   run of 10,000 new VMs holds millions of values: no document tree):
//                     zabitan pending values 1
//                     I<TAB>host<TAB>key<TAB>group<TAB>upto-clock<TAB>upto-ns   an item, then its
//                     H<TAB>clock<TAB>ns<TAB>value                           held values and
//                     U<TAB>clock<TAB>ns<TAB>value                           uncertain values
//                     S<TAB>group                                            a split group
//                   strings with \\, \t, \n, \r escaped
//   PREFIX.journal  one JSON line [H,K,clock,ns] per item sent, appended before its request
//   PREFIX.known    the hashes of the known items, u64 little-endian, sorted
namespace zabitan::sender {

namespace {

bool ReadFile(const std::string& path, std::string* data, Status* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    if (errno != ENOENT) *error = ErrnoError(path);
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  *data = ss.str();
  return true;
}

constexpr std::string_view kValuesHeader = "zabitan pending values 1";

void AppendEscaped(std::string_view text, std::string* out) {
  for (char c : text) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      default:
        out->push_back(c);
    }
  }
}

bool Unescape(std::string_view text, std::string* out) {
  out->clear();
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\') {
      out->push_back(text[i]);
      continue;
    }
    if (++i == text.size()) return false;
    switch (text[i]) {
      case '\\':
        out->push_back('\\');
        break;
      case 't':
        out->push_back('\t');
        break;
      case 'n':
        out->push_back('\n');
        break;
      case 'r':
        out->push_back('\r');
        break;
      default:
        return false;
    }
  }
  return true;
}

std::vector<std::string_view> SplitTabs(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (;;) {
    size_t tab = line.find('\t', start);
    fields.push_back(
        line.substr(start, tab == std::string_view::npos ? std::string_view::npos : tab - start));
    if (tab == std::string_view::npos) return fields;
    start = tab + 1;
  }
}

bool ParseU32(std::string_view text, uint32_t* value) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return ec == std::errc() && end == text.data() + text.size();
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

// Whether sorted `hashes` holds `h`. The hashes are spread evenly over 64 bits, so guessing the
// position from the value finds it in a probe or two: a warm run of 10,000 VMs looks up
// hundreds of thousands of items among as many.
bool Contains(const std::vector<uint64_t>& hashes, uint64_t h) {
  size_t lo = 0, hi = hashes.size();
  while (lo < hi) {
    const uint64_t a = hashes[lo], b = hashes[hi - 1];
    if (h < a || h > b) return false;
    if (a == b) return a == h;
    size_t guess =
        lo + static_cast<size_t>(static_cast<long double>(h - a) / static_cast<long double>(b - a) *
                                 static_cast<long double>(hi - 1 - lo));
    if (hashes[guess] == h) return true;
    if (hashes[guess] < h) {
      lo = guess + 1;
    } else {
      hi = guess;
    }
  }
  return false;
}

}  // namespace

uint64_t ItemHash(std::string_view host, std::string_view key) {
  // 8 bytes per multiply (this runs once per item a run sends), over host, a separator no host
  // name holds, and key; stable across builds and runs, as the .known file outlives them.
  constexpr uint64_t kMul = 0x9e3779b97f4a7c15ULL;
  auto mix = [](std::string_view s, uint64_t h) {
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      uint64_t w = 0;
      for (int b = 7; b >= 0; --b)
        w = (w << 8) | static_cast<unsigned char>(s[i + static_cast<size_t>(b)]);
      h = (h ^ w) * kMul;
      h ^= h >> 29;
    }
    uint64_t tail = 0;
    for (size_t j = s.size(); j > i; --j) tail = (tail << 8) | static_cast<unsigned char>(s[j - 1]);
    h = (h ^ tail ^ (uint64_t{s.size()} << 56)) * kMul;
    return h ^ (h >> 32);
  };
  return mix(key, mix(host, 0x5a6b5461u));
}

Status PendingStore::Open(std::string prefix, PendingLimits limits,
                          std::unique_ptr<PendingStore>* store) {
  auto s = std::make_unique<PendingStore>(Passkey{}, std::move(prefix), limits);
  if (Status st = s->Load(); !st.ok()) return st;
  *store = std::move(s);
  return Status::Ok();
}

Status PendingStore::Load() {
  Status error;
  std::string data;
  if (ReadFile(prefix_ + ".known", &data, &error)) {
    known_.reserve(data.size() / 8);
    for (size_t i = 0; i + 8 <= data.size(); i += 8) {
      uint64_t h = 0;
      for (int b = 7; b >= 0; --b) h = (h << 8) | static_cast<unsigned char>(data[i + b]);
      known_.push_back(h);
    }
    std::sort(known_.begin(), known_.end());  // sorted on disk already: a check, nearly free
  } else {
    if (!error.ok()) return error;
    fresh_ = true;
  }
  if (Status st = LoadValues(); !st.ok()) return st;
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

Status PendingStore::LoadValues() {
  const std::string path = prefix_ + ".values";
  std::ifstream in(path, std::ios::binary);
  if (!in) return errno == ENOENT ? Status::Ok() : ErrnoError(path);
  std::string line, host, key, group, value;
  size_t number = 0;
  auto bad = [&](const char* why) {
    const std::string where = path + ":" + std::to_string(number) + ": ";
    return Status::Error(where + why + " (move the file away to start afresh)",
                         Errc::kPendingStore);
  };
  PendingItem* item = nullptr;
  while (std::getline(in, line)) {
    ++number;
    if (number == 1) {
      if (line != kValuesHeader) return bad("not a pending-values file of this version");
      continue;
    }
    std::vector<std::string_view> f = SplitTabs(line);
    if (f[0] == "I" && f.size() == 6) {
      PendingItem next;
      if (!Unescape(f[1], &host) || !Unescape(f[2], &key) || !Unescape(f[3], &next.group) ||
          !ParseU32(f[4], &next.uncertain_upto.first) ||
          !ParseU32(f[5], &next.uncertain_upto.second)) {
        return bad("a damaged item");
      }
      item = &(items_[{host, key}] = std::move(next));
    } else if ((f[0] == "H" || f[0] == "U") && f.size() == 4 && item != nullptr) {
      HeldValue v;
      if (!ParseU32(f[1], &v.clock) || !ParseU32(f[2], &v.ns) || !Unescape(f[3], &v.value)) {
        return bad("a damaged value");
      }
      (f[0] == "H" ? item->held : item->uncertain).push_back(std::move(v));
    } else if (f[0] == "S" && f.size() == 2 && Unescape(f[1], &group)) {
      split_.insert(group);
    } else {
      return bad("a damaged line");
    }
  }
  if (number == 0) return bad("empty");
  for (auto& [id, i] : items_) {
    std::sort(i.held.begin(), i.held.end());
    std::sort(i.uncertain.begin(), i.uncertain.end());
  }
  return Status::Ok();
}

bool PendingStore::IsKnown(std::string_view host, std::string_view key) const {
  const uint64_t h = ItemHash(host, key);
  return Contains(known_, h) || added_.count(h) > 0;
}

void PendingStore::MarkKnown(std::string_view host, std::string_view key) {
  const uint64_t h = ItemHash(host, key);
  if (!Contains(known_, h)) known_changed_ |= added_.insert(h).second;
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
    return ErrnoError(path);
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
  WholeFileWriter w(prefix_ + ".values");
  std::string& out = w.buffer();
  out.append(kValuesHeader).push_back('\n');
  auto values = [&](char tag, const std::vector<HeldValue>& list) {
    for (const HeldValue& v : list) {
      out.push_back(tag);
      out.append("\t" + std::to_string(v.clock) + "\t" + std::to_string(v.ns) + "\t");
      AppendEscaped(v.value, &out);
      out.push_back('\n');
      w.Flush();
    }
  };
  for (const auto& [id, item] : items_) {
    if (!item.keep && item.uncertain.empty() && item.sending.empty()) continue;
    auto upto = item.uncertain_upto;
    if (!item.sending.empty())
      upto = std::max(upto, Stamp(item.sending.back()));  // in flight: unknown
    out.append("I\t");
    AppendEscaped(id.first, &out);
    out.push_back('\t');
    AppendEscaped(id.second, &out);
    out.push_back('\t');
    AppendEscaped(item.group, &out);
    out.append("\t" + std::to_string(upto.first) + "\t" + std::to_string(upto.second) + "\n");
    if (item.keep) values('H', item.held);
    values('U', item.uncertain);
    values('U', item.sending);
  }
  for (const std::string& g : split_) {
    out.append("S\t");
    AppendEscaped(g, &out);
    out.push_back('\n');
  }
  if (Status s = w.Commit(); !s.ok()) return s;
  if (known_changed_ || fresh_) {
    std::vector<uint64_t> sorted = known_;
    sorted.insert(sorted.end(), added_.begin(), added_.end());
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
    return ErrnoError(prefix_ + ".journal");
  }
  return Status::Ok();
}

}  // namespace zabitan::sender
