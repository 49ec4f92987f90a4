// sstp_tunnel_bench: what one libssh2 session buys over starting `ssh -L` for every message
// (issue #5). Sends N `SEND SSTP/1.4` messages to the real ninix peer through the real sshd
// peer twice:
//   tunnel   one SshTransport (one SSH login), a direct-tcpip channel per message;
//   ssh -L   per message: start OpenSSH's client with -L on a free local port, send the
//            message over plain TCP to that port once it listens, stop the client.
// Each message is timed from the start of its work to the parsed response; p50/p95/mean per
// transport and the ratio are printed, next to plain TCP straight to ninix (what ninix itself
// takes to answer, the floor for both). Fails only when a message is not delivered.
//
//   sstp_tunnel_bench NINIX_ENV SSHD_ENV [--messages N]
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <numeric>
#include <string>
#include <thread>
#include <vector>

#include "sstp-notify/src/ssh_transport.h"
#include "zabitan/common/unique_fd.h"
#include "zabitan/sstp_notify/protocol.h"
#include "zabitan/sstp_notify/transport.h"

extern char** environ;

namespace {

using Clock = std::chrono::steady_clock;
using zabitan::sstp_notify::ExchangeResult;
using zabitan::sstp_notify::Transport;

std::map<std::string, std::string> ReadEnv(const std::string& path) {
  std::map<std::string, std::string> env;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);) {
    size_t eq = line.find('=');
    if (eq == std::string::npos || line[0] == '#') continue;
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '\'' && value.back() == '\'')
      value = value.substr(1, value.size() - 2);
    env[line.substr(0, eq)] = value;
  }
  return env;
}

std::string Require(const std::map<std::string, std::string>& env, const char* key) {
  auto it = env.find(key);
  if (it == env.end() || it->second.empty()) {
    std::fprintf(stderr, "sstp_tunnel_bench: %s missing from the peer's env file\n", key);
    std::exit(2);
  }
  return it->second;
}

std::string RequestBytes(int n, const char* how) {
  zabitan::sstp_notify::Request r;
  r.sender = "zabitan-bench";
  r.script = "\\0\\s[0]bench " + std::string(how) + " " + std::to_string(n) + "\\e";
  std::string bytes;
  size_t replaced = 0;
  if (zabitan::Status s = zabitan::sstp_notify::EncodeRequest(r, &bytes, &replaced); !s.ok()) {
    std::fprintf(stderr, "sstp_tunnel_bench: %s\n", s.message().c_str());
    std::exit(2);
  }
  return bytes;
}

// Delivered means a 2xx answer from ninix.
bool Delivered(const ExchangeResult& r, std::string* why) {
  if (!r.status.ok()) {
    *why = r.status.message();
    return false;
  }
  zabitan::sstp_notify::Response response;
  if (zabitan::Status s = zabitan::sstp_notify::ParseResponse(r.head, &response); !s.ok()) {
    *why = s.message();
    return false;
  }
  *why = std::to_string(response.code) + " " + response.phrase;
  return response.code / 100 == 2;
}

// A free local port: bound to port 0, read back, released (ssh binds it a moment later; a
// collision makes ssh fail with ExitOnForwardFailure and the message is counted as failed).
uint16_t FreePort() {
  zabitan::UniqueFd fd(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (!fd || ::bind(fd.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    std::perror("sstp_tunnel_bench: free port");
    std::exit(2);
  }
  return ntohs(a.sin_port);
}

// An OpenSSH client process, stopped (SIGTERM, then reaped) when this goes away.
class SshClient {
 public:
  explicit SshClient(const std::vector<std::string>& args) {
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", 0, 0);  // O_RDONLY
    if (posix_spawnp(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~SshClient() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  SshClient(const SshClient&) = delete;
  SshClient& operator=(const SshClient&) = delete;
  bool started() const { return pid_ > 0; }
  bool exited() {
    int status = 0;
    return ::waitpid(pid_, &status, WNOHANG) == pid_ ? (pid_ = -1, true) : false;
  }

 private:
  pid_t pid_ = -1;
};

struct Stats {
  std::vector<double> ms;
  int failed = 0;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  auto i = static_cast<size_t>(std::lround(p * static_cast<double>(v.size() - 1)));
  return v[std::min(i, v.size() - 1)];
}

double Mean(const std::vector<double>& v) {
  return v.empty() ? 0 : std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
}

double Ms(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: sstp_tunnel_bench NINIX_ENV SSHD_ENV [--messages N]\n");
    return 2;
  }
  int messages = 100;
  for (int i = 3; i + 1 < argc; ++i) {
    if (std::strcmp(argv[i], "--messages") == 0) messages = std::max(1, std::atoi(argv[i + 1]));
  }
  auto ninix = ReadEnv(argv[1]);
  auto sshd = ReadEnv(argv[2]);
  const std::string ninix_host = Require(ninix, "NINIX_HOST");
  const uint16_t ninix_port = static_cast<uint16_t>(std::stoi(Require(ninix, "NINIX_PORT")));

  zabitan::sstp_notify::SshOptions o;
  o.user = Require(sshd, "SSHD_USER");
  o.host = Require(sshd, "SSHD_HOST");
  o.port = static_cast<uint16_t>(std::stoi(Require(sshd, "SSHD_PORT")));
  o.identity = Require(sshd, "SSHD_IDENTITY");
  o.known_hosts = Require(sshd, "SSHD_KNOWN_HOSTS");
  o.target_host = ninix_host;
  o.target_port = ninix_port;

  Stats direct_only, tunnel, per_message;
  std::string why;
  {  // The baseline: ninix's own time to answer, no SSH at all.
    std::unique_ptr<Transport> t =
        zabitan::sstp_notify::MakeDirectTransport(ninix_host, ninix_port, {});
    for (int i = 0; i < messages; ++i) {
      std::string request = RequestBytes(i, "direct");
      Clock::time_point start = Clock::now();
      ExchangeResult r = t->Exchange(request);
      if (Delivered(r, &why)) {
        direct_only.ms.push_back(Ms(start));
      } else {
        ++direct_only.failed;
        std::fprintf(stderr, "direct message %d: %s\n", i, why.c_str());
      }
    }
  }
  {
    std::unique_ptr<Transport> t =
        zabitan::sstp_notify::MakeSshTransport(o);  // logs in at the first message
    for (int i = 0; i < messages; ++i) {
      std::string request = RequestBytes(i, "tunnel");
      Clock::time_point start = Clock::now();
      ExchangeResult r = t->Exchange(request);
      if (Delivered(r, &why)) {
        tunnel.ms.push_back(Ms(start));
      } else {
        ++tunnel.failed;
        std::fprintf(stderr, "tunnel message %d: %s\n", i, why.c_str());
      }
    }
  }
  for (int i = 0; i < messages; ++i) {
    std::string request = RequestBytes(i, "ssh-L");
    Clock::time_point start = Clock::now();
    uint16_t local = FreePort();
    SshClient ssh(
        {"ssh", "-N", "-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes", "-o",
         "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + o.known_hosts, "-o",
         "LogLevel=ERROR", "-i", o.identity, "-p", std::to_string(o.port), "-L",
         "127.0.0.1:" + std::to_string(local) + ":" + ninix_host + ":" + std::to_string(ninix_port),
         o.user + "@" + o.host});
    zabitan::sstp_notify::Timeouts quick;
    quick.connect = std::chrono::milliseconds(1000);
    std::unique_ptr<Transport> direct =
        zabitan::sstp_notify::MakeDirectTransport("127.0.0.1", local, quick);
    // Ready when the forwarded port answers: until ssh listens, connecting is refused at once.
    bool delivered = false;
    Clock::time_point deadline = Clock::now() + std::chrono::seconds(10);
    while (ssh.started() && Clock::now() < deadline) {
      ExchangeResult r = direct->Exchange(request);
      if (Delivered(r, &why)) {
        delivered = true;
        break;
      }
      if (r.status.ok() || ssh.exited()) break;  // ninix answered other than 2xx, or ssh gave up
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    if (delivered) {
      per_message.ms.push_back(Ms(start));
    } else {
      ++per_message.failed;
      std::fprintf(stderr, "ssh -L message %d: %s\n", i, why.c_str());
    }
  }

  std::printf("%d messages to ninix through sshd      n   p50 ms   p95 ms  mean ms  failed\n",
              messages);
  for (auto [name, s] :
       {std::pair<const char*, Stats*>{"direct TCP, no SSH (baseline)", &direct_only},
        {"one libssh2 session (zabitan-sstp)", &tunnel},
        {"ssh -L + TCP per message", &per_message}}) {
    std::printf("  %-36s %4zu %8.1f %8.1f %8.1f %7d\n", name, s->ms.size(), Percentile(s->ms, 0.5),
                Percentile(s->ms, 0.95), Mean(s->ms), s->failed);
  }
  double ratio = Percentile(per_message.ms, 0.5) / std::max(Percentile(tunnel.ms, 0.5), 1e-3);
  std::printf("  p50 ratio: one session is %.1fx faster per message\n", ratio);
  int failed = direct_only.failed + tunnel.failed + per_message.failed;
  std::printf("%d passed, %d failed\n", failed == 0 ? 1 : 0, failed == 0 ? 0 : 1);
  return failed == 0 ? 0 : 1;
}
