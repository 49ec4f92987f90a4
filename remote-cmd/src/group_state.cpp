#include "zabitan/remote/group_state.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace zabitan::remote {
namespace {

std::string PathOf(const std::string& dir, const std::string& group, const char* ext) {
  return dir + "/" + group + ext;
}

Status Errno(const std::string& what) { return Status::Error(what + ": " + std::strerror(errno)); }

}  // namespace

const std::string* GroupState::Outcome(const std::string& event_key) const {
  for (const auto& [key, outcome] : handled) {
    if (key == event_key) return &outcome;
  }
  return nullptr;
}

void GroupState::Remember(const std::string& event_key, const std::string& outcome) {
  handled.emplace_back(event_key, outcome);
  if (handled.size() > kHandledEventsKept) handled.erase(handled.begin(), handled.end() - kHandledEventsKept);
}

int GroupState::ActionsSince(int64_t since) const {
  return static_cast<int>(std::count_if(actions.begin(), actions.end(), [&](int64_t t) { return t >= since; }));
}

Status LoadGroupState(const std::string& dir, const std::string& group, GroupState* state) {
  *state = GroupState();
  const std::string path = PathOf(dir, group, ".json");
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return Status::Ok();
    return Errno(path);
  }
  std::stringstream text;
  text << in.rdbuf();
  try {
    nlohmann::json j = nlohmann::json::parse(text.str());
    for (const auto& h : j.at("handled")) state->handled.emplace_back(h.at(0).get<std::string>(), h.at(1).get<std::string>());
    state->last_action = j.at("last_action").get<int64_t>();
    state->actions = j.at("actions").get<std::vector<int64_t>>();
    state->started = j.at("started").get<std::vector<std::string>>();
    // Absent from state files written before clones existed.
    if (j.contains("clones")) state->clones = j.at("clones").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    return Status::Error(path + ": damaged state (" + e.what() + "); move it away to start afresh");
  }
  return Status::Ok();
}

Status SaveGroupState(const std::string& dir, const std::string& group, const GroupState& state) {
  nlohmann::json handled = nlohmann::json::array();
  for (const auto& [key, outcome] : state.handled) handled.push_back({key, outcome});
  nlohmann::json j = {{"handled", handled}, {"last_action", state.last_action},
                      {"actions", state.actions}, {"started", state.started}, {"clones", state.clones}};
  const std::string text = j.dump(1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  const std::string path = PathOf(dir, group, ".json");
  const std::string tmp = path + ".tmp";
  UniqueFd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd) return Errno(tmp);
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) return Errno(tmp);
  if (::fsync(fd.get()) != 0) return Errno(tmp);
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) return Errno(path);
  UniqueFd dfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd) ::fsync(dfd.get());
  return Status::Ok();
}

Status GroupLock::Acquire(const std::string& dir, const std::string& group,
                          std::chrono::steady_clock::time_point deadline, GroupLock* lock) {
  const std::string path = PathOf(dir, group, ".lock");
  lock->fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!lock->fd_) return Errno(path);
  auto pause = std::chrono::milliseconds(5);
  while (::flock(lock->fd_.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK && errno != EINTR) return Errno(path);
    if (std::chrono::steady_clock::now() + pause > deadline) {
      return Status::Error("group " + group + " is busy with another action past the time budget");
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(100));
  }
  return Status::Ok();
}

}  // namespace zabitan::remote
