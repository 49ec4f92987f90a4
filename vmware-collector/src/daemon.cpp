#include "zabitan/vmware_collector/daemon.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <system_error>

#include "zabitan/common/log.h"

namespace zabitan::vmware_collector {

StopSignals::StopSignals() {
  sigemptyset(&set_);
  sigaddset(&set_, SIGTERM);
  sigaddset(&set_, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set_, &old_);
}

StopSignals::~StopSignals() { pthread_sigmask(SIG_SETMASK, &old_, nullptr); }

bool StopSignals::Wait(std::chrono::milliseconds wait) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  for (;;) {
    auto left = std::max(std::chrono::nanoseconds(0), deadline - std::chrono::steady_clock::now());
    timespec ts{static_cast<time_t>(left.count() / 1000000000),
                static_cast<long>(left.count() % 1000000000)};
    int sig = sigtimedwait(&set_, nullptr, &ts);
    if (sig == SIGTERM || sig == SIGINT) {
      log::Warning(std::string(sig == SIGTERM ? "SIGTERM" : "SIGINT") + ": stopping");
      return true;
    }
    if (sig < 0 && errno == EINTR) continue;  // another signal: keep waiting
    return false;                             // EAGAIN: the time is up
  }
}

Status MakeStateDir(const std::string& dir) {
  std::string path;
  size_t pos = 0;
  int err = 0;
  while (pos != std::string::npos) {
    pos = dir.find('/', pos + 1);
    path = dir.substr(0, pos);
    if (path.empty()) continue;
    if (::mkdir(path.c_str(), pos == std::string::npos ? 0700 : 0755) != 0 && errno != EEXIST) {
      err = errno;
      break;
    }
  }
  struct stat st {};
  if (err == 0 && ::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return Status::Ok();
  if (err == 0) err = ENOTDIR;
  const std::string fix =
      "give --state-dir DIR (or state_dir in [vmware]) a folder of yours, "
      "or create it: sudo install -d -m 0700 -o \"$(id -un)\" " +
      dir;
  return Status::Error("state folder " + dir + ": " + std::strerror(err) + ": " + fix,
                       std::error_code(err, std::generic_category()));
}

}  // namespace zabitan::vmware_collector
