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

#include "zabitan/common/error.h"
#include "zabitan/common/log.h"

namespace zabitan {
namespace {

Status FsyncDir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd || ::fsync(fd.get()) != 0) return ErrnoError(dir);
  return Status::Ok();
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(path);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// Writes `name` in `dir` so that it is either absent or complete after a crash: temporary file,
// fsync, rename, fsync of the folder. A write that fails (a full disk) leaves no temporary file
// behind to hold the space.
Status WriteDurably(const std::string& dir, const std::string& name, std::string_view data) {
  std::string tmp = dir + "/.tmp-" + name;
  std::string path = dir + "/" + name;
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) return ErrnoError(tmp);
  Status s = WriteAll(fd.get(), data, tmp);
  if (s.ok() && ::fsync(fd.get()) != 0) s = ErrnoError(tmp);
  fd.reset();
  if (s.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) s = ErrnoError(path);
  if (!s.ok()) {
    ::unlink(tmp.c_str());
    return s;
  }
  return FsyncDir(dir);
}

std::string Uid(uid_t uid) { return std::to_string(static_cast<unsigned long>(uid)); }

// The spool and its queue folders must be the running user's and closed to everyone else:
// whatever is in them is read back and sent.
Status CheckPrivate(const std::string& path, const struct stat& st) {
  if (!S_ISDIR(st.st_mode)) return Status::Error(path + ": not a folder", Errc::kNotRegularFile);
  if (st.st_uid != ::geteuid()) {
    return Status::Error(path + ": owned by uid " + Uid(st.st_uid) +
                             ", not by the running user (uid " + Uid(::geteuid()) +
                             "); a spool must be private: chown " + Uid(::geteuid()) + " " + path,
                         Errc::kInsecureFile);
  }
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::Error(path + ": mode " + mode +
                             " lets group or others in; a spool must be private: chmod 0700 " +
                             path,
                         Errc::kInsecureFile);
  }
  return Status::Ok();
}

// Reads a spool entry: never through a symlink, never waiting on a FIFO, only a regular file of
// the running user's of at most `cap` bytes (what Append would have written).
Status ReadEntry(const std::string& path, uint64_t cap, std::string* out) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
  if (!fd) {
    if (errno == ELOOP)
      return Status::Error(path + ": a symbolic link, not a spool entry", Errc::kNoSpool);
    return ErrnoError(path);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return ErrnoError(path);
  if (!S_ISREG(st.st_mode))
    return Status::Error(path + ": not a regular file", Errc::kNotRegularFile);
  if (st.st_uid != ::geteuid()) {
    return Status::Error(path + ": owned by uid " + Uid(st.st_uid) + ", not by the running user",
                         Errc::kInsecureFile);
  }
  if (static_cast<uint64_t>(st.st_size) > cap) {
    return Status::Error(path + ": " + std::to_string(st.st_size) + " bytes, over the limit of " +
                             std::to_string(cap),
                         Errc::kTooLarge);
  }
  out->clear();
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(path);
    if (n == 0) return Status::Ok();
    if (out->size() + static_cast<size_t>(n) > cap)
      return Status::Error(path + ": grew past the limit", Errc::kTooLarge);
    out->append(buf, static_cast<size_t>(n));
  }
}

// A destination is a -z text or an SSTP address; the other small files are counters.
constexpr uint64_t kMaxDestinationBytes = uint64_t{64} * 1024;
constexpr uint64_t kMaxCounterBytes = 32;

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
                   std::unique_ptr<Spool>* spool, bool create) {
  auto s = std::make_unique<Spool>(Passkey{});
  s->dir_ = dir;
  s->max_bytes_ = max_bytes;
  if (create && ::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return ErrnoError(dir);
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT && !create) return Status::Error(dir + ": no such spool", Errc::kNoSpool);
    return ErrnoError(dir);
  }
  if (Status c = CheckPrivate(dir, st); !c.ok()) return c;
  std::string lock_path = dir + "/lock";
  s->lock_.reset(
      ::open(lock_path.c_str(), O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0600));
  if (!s->lock_ && errno == ENOENT && !create) {
    // Every spool has its lock file from its first run on: a folder without one was mistyped.
    return Status::Error(dir + ": not a spool (it has no lock file)", Errc::kNoSpool);
  }
  if (!s->lock_) return ErrnoError(lock_path);
  // Another run holds the spool: wait for it (bounded), so two runs never interleave.
  auto deadline = std::chrono::steady_clock::now() + lock_wait;
  while (::flock(s->lock_.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) return ErrnoError(lock_path);
    if (std::chrono::steady_clock::now() >= deadline) {
      return Status::Error(dir + ": spool is locked by another run (waited " +
                               std::to_string(lock_wait.count() / 1000) + " s)",
                           Errc::kSpoolLocked);
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
    if (Status s = LoadQueue(dir_ + "/" + folder); !s.ok())
      log::Error("spool: ignoring " + s.message());
  }
  return Status::Ok();
}

// Reads one queue folder into queues_. A folder still without its destination file was cut
// short before anything was queued in it; anything else that does not look like what Append
// writes is refused, so nothing planted is ever sent.
Status Spool::LoadQueue(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return ErrnoError(path);
  if (Status s = CheckPrivate(path, st); !s.ok()) return s;
  std::string destination;
  if (::faccessat(AT_FDCWD, (path + "/destination").c_str(), F_OK, AT_SYMLINK_NOFOLLOW) != 0 &&
      errno == ENOENT) {
    return Status::Ok();  // never completed
  }
  if (Status s = ReadEntry(path + "/destination", kMaxDestinationBytes, &destination); !s.ok())
    return s;
  if (path.substr(path.rfind('/') + 1) != FolderName(destination)) {
    return Status::Error(path + ": its destination file does not name this queue",
                         Errc::kSpoolDamaged);
  }
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
    if (dash == std::string::npos || !ParseUint(std::string_view(name).substr(0, dash), &seq) ||
        !ParseUint(std::string_view(name).substr(dash + 1, name.size() - dash - 5), &values)) {
      continue;
    }
    std::string entry = path + "/" + name;
    if (::lstat(entry.c_str(), &st) != 0) continue;
    if (!S_ISREG(st.st_mode) || st.st_uid != ::geteuid() ||
        static_cast<uint64_t>(st.st_size) > max_bytes_) {
      log::Error("spool: ignoring " + entry +
                 ": not a regular file of this user within the size limit");
      continue;
    }
    q.items.push_back({seq, static_cast<size_t>(values), static_cast<uint64_t>(st.st_size)});
    q.values += values;
    bytes_ += static_cast<uint64_t>(st.st_size);
    next_seq_ = std::max(next_seq_, seq + 1);
  }
  std::sort(q.items.begin(), q.items.end(),
            [](const Item& a, const Item& b) { return a.seq < b.seq; });
  std::string text;
  uint64_t n;
  if (ReadEntry(path + "/dropped", kMaxCounterBytes, &text).ok() && ParseUint(text, &n))
    q.dropped = n;
  if (ReadEntry(path + "/node", kMaxCounterBytes, &text).ok() && ParseUint(text, &n)) {
    q.node = static_cast<size_t>(n);
  }
  queues_[destination] = std::move(q);
  return Status::Ok();
}

bool Spool::Intact() const {
  struct stat held, named;
  return ::fstat(lock_.get(), &held) == 0 && ::stat((dir_ + "/lock").c_str(), &named) == 0 &&
         held.st_dev == named.st_dev && held.st_ino == named.st_ino;
}

uint64_t Spool::Reload() {
  uint64_t before = queued_values();
  queues_.clear();
  bytes_ = 0;
  Load();
  uint64_t after = queued_values();
  return before > after ? before - after : 0;
}

Status Spool::QueueFor(const std::string& destination, Queue** queue) {
  auto it = queues_.find(destination);
  if (it == queues_.end()) {
    Queue q;
    q.folder = dir_ + "/" + FolderName(destination);
    if (::mkdir(q.folder.c_str(), 0700) != 0 && errno != EEXIST) return ErrnoError(q.folder);
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
  if (::unlink(PathOf(*queue, item).c_str()) != 0) return ErrnoError(PathOf(*queue, item));
  queue->items.pop_front();
  queue->values -= item.values;
  queue->dropped += item.values;
  bytes_ -= item.bytes;
  dropped_this_run_ += item.values;
  log::Error("spool " + dir_ + " is full (limit " + std::to_string(max_bytes_) +
             " bytes): dropped the oldest " + std::to_string(item.values) + " values queued for " +
             destination + " (" + std::to_string(queue->dropped) + " dropped so far)");
  return WriteDurably(queue->folder, "dropped", std::to_string(queue->dropped));
}

Status Spool::Append(const std::string& destination, std::string_view payload, size_t values) {
  if (payload.size() > max_bytes_) {
    return Status::Error("a request of " + std::to_string(payload.size()) +
                             " bytes does not fit the spool limit of " + std::to_string(max_bytes_),
                         Errc::kTooLarge);
  }
  Queue* queue;
  if (Status s = QueueFor(destination, &queue); !s.ok()) return s;
  // Make room by dropping the oldest request of any queue.
  while (bytes_ + payload.size() > max_bytes_) {
    auto oldest = queues_.end();
    for (auto it = queues_.begin(); it != queues_.end(); ++it) {
      if (!it->second.items.empty() &&
          (oldest == queues_.end() ||
           it->second.items.front().seq < oldest->second.items.front().seq)) {
        oldest = it;
      }
    }
    if (oldest == queues_.end()) break;
    if (Status s = DropOldest(oldest->first, &oldest->second); !s.ok()) return s;
  }
  Item item{next_seq_++, values, payload.size()};
  std::string path = PathOf(*queue, item);
  if (Status s = WriteDurably(queue->folder, path.substr(queue->folder.size() + 1), payload);
      !s.ok()) {
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
  if (Status s = ReadEntry(PathOf(it->second, item), max_bytes_, &e.payload); !s.ok()) return s;
  *entry = std::move(e);
  return Status::Ok();
}

Status Spool::Remove(const std::string& destination, uint64_t seq) {
  auto it = queues_.find(destination);
  if (it == queues_.end() || it->second.items.empty() || it->second.items.front().seq != seq) {
    return Status::Error(
        "spool: request " + std::to_string(seq) + " is not the oldest of " + destination,
        Errc::kSpoolDamaged);
  }
  Queue& q = it->second;
  const Item item = q.items.front();
  if (::unlink(PathOf(q, item).c_str()) != 0) return ErrnoError(PathOf(q, item));
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
