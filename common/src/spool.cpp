#include "zabitan/common/spool.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <thread>

#include "zabitan/common/log.h"

namespace zabitan {
namespace {

std::string Errno(const std::string& what) { return what + ": " + std::strerror(errno); }

Status FsyncDir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd || ::fsync(fd.get()) != 0) return Status::Error(Errno(dir));
  return Status::Ok();
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Error(Errno(path));
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// Writes `name` in `dir` so that it is either absent or complete after a crash: temporary file,
// fsync, rename, fsync of the folder.
Status WriteDurably(const std::string& dir, const std::string& name, std::string_view data) {
  std::string tmp = dir + "/.tmp-" + name;
  std::string path = dir + "/" + name;
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd) return Status::Error(Errno(tmp));
  if (Status s = WriteAll(fd.get(), data, tmp); !s.ok()) return s;
  if (::fsync(fd.get()) != 0) return Status::Error(Errno(tmp));
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Status::Error(Errno(path));
  return FsyncDir(dir);
}

Status ReadFile(const std::string& path, std::string* out) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Status::Error(Errno(path));
  out->clear();
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status::Error(Errno(path));
    if (n == 0) return Status::Ok();
    out->append(buf, static_cast<size_t>(n));
  }
}

std::string FolderName(const std::string& destination) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : destination) h = (h ^ c) * 0x100000001b3ULL;
  char name[24];
  std::snprintf(name, sizeof name, "q-%016llx", static_cast<unsigned long long>(h));
  return name;
}

bool ParseUint(std::string_view s, uint64_t* v) {
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), *v);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

std::vector<std::string> ListDir(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(d);
  }
  return names;
}

}  // namespace

Spool::~Spool() = default;

Status Spool::Open(const std::string& dir, uint64_t max_bytes, std::chrono::milliseconds lock_wait,
                   std::unique_ptr<Spool>* spool) {
  auto s = std::make_unique<Spool>(Passkey{});
  s->dir_ = dir;
  s->max_bytes_ = max_bytes;
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return Status::Error(Errno(dir));
  std::string lock_path = dir + "/lock";
  s->lock_.reset(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!s->lock_) return Status::Error(Errno(lock_path));
  // Another run holds the spool: wait for it (bounded), so two runs never interleave.
  auto deadline = std::chrono::steady_clock::now() + lock_wait;
  while (::flock(s->lock_.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) return Status::Error(Errno(lock_path));
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Error(dir + ": spool is locked by another run (waited " +
                           std::to_string(lock_wait.count() / 1000) + " s)");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (Status st = s->Load(); !st.ok()) return st;
  *spool = std::move(s);
  return Status::Ok();
}

Status Spool::Load() {
  for (const std::string& folder : ListDir(dir_)) {
    if (!folder.starts_with("q-")) continue;
    std::string path = dir_ + "/" + folder;
    std::string destination;
    if (!ReadFile(path + "/destination", &destination).ok()) continue;  // never completed
    Queue q;
    q.folder = path;
    for (const std::string& name : ListDir(path)) {
      if (name.starts_with(".tmp-")) {
        ::unlink((path + "/" + name).c_str());  // a write a crash cut short: never acknowledged
        continue;
      }
      if (!name.ends_with(".req")) continue;
      size_t dash = name.find('-');
      uint64_t seq, values;
      if (dash == std::string::npos ||
          !ParseUint(std::string_view(name).substr(0, dash), &seq) ||
          !ParseUint(std::string_view(name).substr(dash + 1, name.size() - dash - 5), &values)) {
        continue;
      }
      struct stat st;
      if (::stat((path + "/" + name).c_str(), &st) != 0) continue;
      q.items.push_back({seq, static_cast<size_t>(values), static_cast<uint64_t>(st.st_size)});
      q.values += values;
      bytes_ += static_cast<uint64_t>(st.st_size);
      next_seq_ = std::max(next_seq_, seq + 1);
    }
    std::sort(q.items.begin(), q.items.end(), [](const Item& a, const Item& b) { return a.seq < b.seq; });
    std::string text;
    uint64_t n;
    if (ReadFile(path + "/dropped", &text).ok() && ParseUint(text, &n)) q.dropped = n;
    if (ReadFile(path + "/node", &text).ok() && ParseUint(text, &n)) q.node = static_cast<size_t>(n);
    queues_[destination] = std::move(q);
  }
  return Status::Ok();
}

Status Spool::QueueFor(const std::string& destination, Queue** queue) {
  auto it = queues_.find(destination);
  if (it == queues_.end()) {
    Queue q;
    q.folder = dir_ + "/" + FolderName(destination);
    if (::mkdir(q.folder.c_str(), 0700) != 0 && errno != EEXIST) return Status::Error(Errno(q.folder));
    if (Status s = WriteDurably(q.folder, "destination", destination); !s.ok()) return s;
    if (Status s = FsyncDir(dir_); !s.ok()) return s;
    it = queues_.emplace(destination, std::move(q)).first;
  }
  *queue = &it->second;
  return Status::Ok();
}

std::string Spool::PathOf(const Queue& q, const Item& item) const {
  char name[64];
  std::snprintf(name, sizeof name, "%020llu-%zu.req", static_cast<unsigned long long>(item.seq),
                item.values);
  return q.folder + "/" + name;
}

Status Spool::DropOldest(const std::string& destination, Queue* queue) {
  const Item item = queue->items.front();
  if (::unlink(PathOf(*queue, item).c_str()) != 0) return Status::Error(Errno(PathOf(*queue, item)));
  queue->items.pop_front();
  queue->values -= item.values;
  queue->dropped += item.values;
  bytes_ -= item.bytes;
  dropped_this_run_ += item.values;
  log::Error("spool " + dir_ + " is full (limit " + std::to_string(max_bytes_) +
             " bytes): dropped the oldest " + std::to_string(item.values) +
             " values queued for " + destination + " (" + std::to_string(queue->dropped) +
             " dropped so far)");
  return WriteDurably(queue->folder, "dropped", std::to_string(queue->dropped));
}

Status Spool::Append(const std::string& destination, std::string_view payload, size_t values) {
  if (payload.size() > max_bytes_) {
    return Status::Error("a request of " + std::to_string(payload.size()) +
                         " bytes does not fit the spool limit of " + std::to_string(max_bytes_));
  }
  Queue* queue;
  if (Status s = QueueFor(destination, &queue); !s.ok()) return s;
  // Make room by dropping the oldest request of any queue.
  while (bytes_ + payload.size() > max_bytes_) {
    auto oldest = queues_.end();
    for (auto it = queues_.begin(); it != queues_.end(); ++it) {
      if (!it->second.items.empty() &&
          (oldest == queues_.end() || it->second.items.front().seq < oldest->second.items.front().seq)) {
        oldest = it;
      }
    }
    if (oldest == queues_.end()) break;
    if (Status s = DropOldest(oldest->first, &oldest->second); !s.ok()) return s;
  }
  Item item{next_seq_++, values, payload.size()};
  std::string path = PathOf(*queue, item);
  if (Status s = WriteDurably(queue->folder, path.substr(queue->folder.size() + 1), payload); !s.ok()) {
    return s;
  }
  queue->items.push_back(item);
  queue->values += values;
  bytes_ += item.bytes;
  return Status::Ok();
}

Status Spool::Oldest(const std::string& destination, std::optional<Entry>* entry) {
  entry->reset();
  auto it = queues_.find(destination);
  if (it == queues_.end() || it->second.items.empty()) return Status::Ok();
  const Item& item = it->second.items.front();
  Entry e{item.seq, item.values, {}};
  if (Status s = ReadFile(PathOf(it->second, item), &e.payload); !s.ok()) return s;
  *entry = std::move(e);
  return Status::Ok();
}

Status Spool::Remove(const std::string& destination, uint64_t seq) {
  auto it = queues_.find(destination);
  if (it == queues_.end() || it->second.items.empty() || it->second.items.front().seq != seq) {
    return Status::Error("spool: request " + std::to_string(seq) + " is not the oldest of " + destination);
  }
  Queue& q = it->second;
  const Item item = q.items.front();
  if (::unlink(PathOf(q, item).c_str()) != 0) return Status::Error(Errno(PathOf(q, item)));
  q.items.pop_front();
  q.values -= item.values;
  bytes_ -= item.bytes;
  return FsyncDir(q.folder);
}

Status Spool::Move(const std::string& from, const std::vector<std::string>& to) {
  for (;;) {
    std::optional<Entry> entry;
    if (Status s = Oldest(from, &entry); !s.ok()) return s;
    if (!entry) return Status::Ok();
    for (const std::string& dest : to) {
      if (Status s = Append(dest, entry->payload, entry->values); !s.ok()) return s;
    }
    if (Status s = Remove(from, entry->seq); !s.ok()) return s;
  }
}

uint64_t Spool::queued_values(const std::string& destination) const {
  auto it = queues_.find(destination);
  return it == queues_.end() ? 0 : it->second.values;
}

uint64_t Spool::queued_values() const {
  uint64_t n = 0;
  for (const auto& [dest, q] : queues_) n += q.values;
  return n;
}

std::vector<std::string> Spool::destinations() const {
  std::vector<std::string> out;
  for (const auto& [dest, q] : queues_) out.push_back(dest);
  return out;
}

std::optional<size_t> Spool::preferred_node(const std::string& destination) const {
  auto it = queues_.find(destination);
  return it == queues_.end() ? std::nullopt : it->second.node;
}

Status Spool::set_preferred_node(const std::string& destination, size_t node) {
  Queue* queue;
  if (Status s = QueueFor(destination, &queue); !s.ok()) return s;
  if (queue->node == node) return Status::Ok();
  queue->node = node;
  return WriteDurably(queue->folder, "node", std::to_string(node));
}

}  // namespace zabitan
