#include "support/host_process.hpp"
#include "summary_check.hpp"

#include <keeper_rotate/text.hpp>

#include <Poco/JSON/Object.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <poll.h>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace kr_abi_test {

HostRun runHost(const std::vector<std::string>& args, int timeoutSeconds) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);

  std::vector<std::string> argv{KR_ABI_HOST_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char*> cargv;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::string path = "PATH=/usr/bin:/bin";
  char* envp[] = {path.data(), nullptr};

  pid_t pid = -1;
  const int rc = ::posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, cargv.data(), envp);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    ::close(out[0]);
    ::close(err[0]);
    throw std::runtime_error("posix_spawn " + argv[0] + ": " + std::strerror(rc));
  }

  HostRun run;
  int fds[2] = {out[0], err[0]};
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSeconds);
  while (fds[0] >= 0 || fds[1] >= 0) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) {
      run.timedOut = true;
      ::kill(pid, SIGKILL);
      break;
    }
    pollfd p[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
    if (::poll(p, 2, static_cast<int>(left)) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i] < 0 || p[i].revents == 0) continue;
      char buf[8192];
      const ssize_t n = ::read(fds[i], buf, sizeof buf);
      if (n <= 0) {
        ::close(fds[i]);
        fds[i] = -1;
      } else {
        (i == 0 ? run.out : run.err).append(buf, static_cast<std::size_t>(n));
      }
    }
  }
  for (int fd : fds)
    if (fd >= 0) ::close(fd);
  int status = 0;
  ::waitpid(pid, &status, 0);
  run.exitCode = WIFEXITED(status) && !run.timedOut ? WEXITSTATUS(status) : -1;
  krtest::checkSummaryLine(run.out);
  return run;
}

std::string gatewayInputJson(const std::string& userUid, const std::vector<std::string>& records) {
  std::string array = "[";
  for (std::size_t i = 0; i < records.size(); ++i) array += (i ? "," : "") + records[i];
  array += "]";
  Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
  o.set("providerRecordUid", "AbiConfigUid0000000001");
  o.set("resourceRecordUid", "");
  o.set("userRecordUid", userUid);
  o.set("newPassword", "gateway-generated-password-unused");
  o.set("oldPassword", "");
  o.set("user", "legacy-api");
  o.set("records", keeper_rotate::text::encodeBase64(array));
  std::ostringstream text;
  o.stringify(text);
  return text.str();
}

}  // namespace kr_abi_test
