#include "group_state.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <thread>

#include <nlohmann/json.hpp>

#include "zabitan/remote_cmd/error.h"

namespace zabitan::remote_cmd {
namespace {

std::string PathOf(const std::string& dir, const std::string& group, const char* ext) {
  return dir + "/" + group + ext;
}

Status Errno(const std::string& what) {
  const int e = errno;
  return Status::Error(what + ": " + std::strerror(e), {e, std::generic_category()});
}

// Far above 1000 handled events with their outcome lines.
constexpr size_t kMaxStateBytes = size_t{4} << 20;

}  // namespace

const std::string* GroupState::Outcome(const std::string& event_key) const {
  for (const auto& [key, outcome] : handled) {
    if (key == event_key) return &outcome;
  }
  return nullptr;
}

void GroupState::Remember(const std::string& event_key, const std::string& outcome) {
  handled.emplace_back(event_key, outcome);
  if (handled.size() > kHandledEventsKept)
    handled.erase(handled.begin(), handled.end() - kHandledEventsKept);
}

int GroupState::ActionsSince(int64_t since) const {
  return static_cast<int>(
      std::count_if(actions.begin(), actions.end(), [&](int64_t t) { return t >= since; }));
}

bool GroupState::ReconcilePending() {
  if (pending.empty()) return false;
  auto add = [](std::vector<std::string>& names, const std::string& name) {
    if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  };
  for (const PendingAction& p : pending) {
    if (Outcome(p.event_key) == nullptr) {
      Remember(p.event_key,
               "interrupted: " + p.action + " " + p.vm + " was started, its outcome is unknown");
    }
    last_action = std::max(last_action, p.started);
    actions.push_back(p.started);
    if (p.action != "shut down") add(started, p.vm);
    if (p.action == "clone") add(clones, p.vm);
  }
  pending.clear();
  return true;
}

void GroupState::BoundToClock(int64_t now) {
  last_action = std::min(last_action, now);
  for (int64_t& t : actions) t = std::min(t, now);
  for (PendingAction& p : pending) p.started = std::min(p.started, now);
}

Status LoadGroupState(const std::string& dir, const std::string& group, GroupState* state) {
  *state = GroupState();
  const std::string path = PathOf(dir, group, ".json");
  // Not through a symbolic link, not waiting on a FIFO, not without bound.
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC));
  if (!fd) {
    if (errno == ENOENT) return Status::Ok();
    return Errno(path);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Errno(path);
  if (!S_ISREG(st.st_mode))
    return Status::Error(path + ": not a regular file", Errc::kDamagedState);
  std::string text(kMaxStateBytes + 1, '\0');
  size_t have = 0;
  for (ssize_t n;
       have < text.size() && (n = ::read(fd.get(), text.data() + have, text.size() - have)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno(path);
    have += static_cast<size_t>(n);
  }
  if (have > kMaxStateBytes)
    return Status::Error(path + ": larger than " + std::to_string(kMaxStateBytes) + " bytes",
                         Errc::kDamagedState);
  text.resize(have);
  try {
    nlohmann::json j = nlohmann::json::parse(text);
    for (const auto& h : j.at("handled"))
      state->handled.emplace_back(h.at(0).get<std::string>(), h.at(1).get<std::string>());
    state->last_action = j.at("last_action").get<int64_t>();
    state->actions = j.at("actions").get<std::vector<int64_t>>();
    state->started = j.at("started").get<std::vector<std::string>>();
    // Absent from state files written before clones (pending records) existed.
    if (j.contains("clones")) state->clones = j.at("clones").get<std::vector<std::string>>();
    if (j.contains("pending")) {
      for (const auto& p : j.at("pending")) {
        state->pending.push_back({p.at("event").get<std::string>(),
                                  p.at("action").get<std::string>(), p.at("vm").get<std::string>(),
                                  p.at("started").get<int64_t>()});
      }
    }
  } catch (const nlohmann::json::exception& e) {
    return Status::Error(path + ": damaged state (" + e.what() + "); move it away to start afresh",
                         Errc::kDamagedState);
  }
  state->BoundToClock(std::time(nullptr));
  return Status::Ok();
}

Status SaveGroupState(const std::string& dir, const std::string& group, const GroupState& state) {
  nlohmann::json handled = nlohmann::json::array();
  for (const auto& [key, outcome] : state.handled) handled.push_back({key, outcome});
  nlohmann::json pending = nlohmann::json::array();
  for (const PendingAction& p : state.pending) {
    pending.push_back(
        {{"event", p.event_key}, {"action", p.action}, {"vm", p.vm}, {"started", p.started}});
  }
  nlohmann::json j = {{"handled", handled},       {"last_action", state.last_action},
                      {"actions", state.actions}, {"started", state.started},
                      {"clones", state.clones},   {"pending", pending}};
  const std::string text = j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const std::string path = PathOf(dir, group, ".json");
  const std::string tmp = path + ".tmp";
  // Under the group's lock: a leftover is a crashed save's, and a new file is made for this one
  // (O_EXCL | O_NOFOLLOW: never written through a link planted at that name).
  if (::unlink(tmp.c_str()) != 0 && errno != ENOENT) return Errno(tmp);
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd) return Errno(tmp);
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    const Status failed = Errno(tmp);
    ::unlink(tmp.c_str());
    return failed;
  }
  if (::fsync(fd.get()) != 0) return Errno(tmp);
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Errno(path);
  UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd) ::fsync(dfd.get());
  return Status::Ok();
}

Status CheckStateDir(const std::string& dir) {
  UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  struct stat st;
  if (!fd || ::fstat(fd.get(), &st) != 0) return Errno("state_dir " + dir);
  if (st.st_uid != 0 && st.st_uid != ::geteuid()) {
    return Status::Error("state_dir " + dir + ": owned by uid " + std::to_string(st.st_uid) +
                             ", neither root nor the running user (uid " +
                             std::to_string(::geteuid()) + ")",
                         Errc::kUnsafeStateDir);
  }
  if ((st.st_mode & 022) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Status::Error("state_dir " + dir + ": mode " + mode +
                             " lets group or others change the state (chmod go-w " + dir + ")",
                         Errc::kUnsafeStateDir);
  }
  return Status::Ok();
}

Status GroupLock::Acquire(const std::string& dir, const std::string& group,
                          std::chrono::steady_clock::time_point deadline, GroupLock* lock) {
  if (Status s = CheckStateDir(dir); !s.ok()) return s;
  const std::string path = PathOf(dir, group, ".lock");
  auto pause = std::chrono::milliseconds(5);
  for (;;) {
    lock->fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!lock->fd_) return Errno(path);
    while (::flock(lock->fd_.get(), LOCK_EX | LOCK_NB) != 0) {
      if (errno != EWOULDBLOCK && errno != EINTR) return Errno(path);
      if (std::chrono::steady_clock::now() + pause > deadline) {
        lock->fd_.reset();
        return Status::Error("group " + group + " is busy with another action past the time budget",
                             Errc::kGroupBusy);
      }
      std::this_thread::sleep_for(pause);
      pause = std::min(pause * 2, std::chrono::milliseconds(100));
    }
    // The lock is the file at the path now: one removed or replaced while this run waited
    // would leave two runs "holding" the group, each on a file of its own.
    struct stat held, named;
    if (::fstat(lock->fd_.get(), &held) != 0) return Errno(path);
    if (::lstat(path.c_str(), &named) == 0 && named.st_dev == held.st_dev &&
        named.st_ino == held.st_ino) {
      return Status::Ok();
    }
    if (std::chrono::steady_clock::now() > deadline) {
      lock->fd_.reset();
      return Status::Error("group " + group + ": " + path + " keeps being replaced",
                           Errc::kLockReplaced);
    }
  }
}

}  // namespace zabitan::remote_cmd
