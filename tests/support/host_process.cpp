#include "host_process.hpp"

#include "summary_check.hpp"

#include <keeper_rotate/text.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <poll.h>
#include <spawn.h>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace krtest {

Child spawnHost(const std::vector<std::string>& argv, const std::string& input,
                const std::map<std::string, std::string>& env, const Watch& watch, int timeoutSeconds) {
  int in[2], out[2], err[2];
  if (::pipe2(in, O_CLOEXEC) != 0 || ::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
    throw std::runtime_error("pipe2 failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in[0], 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> envStrings;
  for (const auto& [k, v] : env) envStrings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& e : envStrings) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv.at(0).c_str(), &actions, nullptr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(in[0]);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    ::close(in[1]);
    ::close(out[0]);
    ::close(err[0]);
    throw std::runtime_error("posix_spawn " + argv[0] + ": " + std::strerror(rc));
  }
  std::signal(SIGPIPE, SIG_IGN);
  Child child;
  int inFd = in[1], outFd = out[0], errFd = err[0];
  std::size_t written = 0;
  if (input.empty()) {
    ::close(inFd);
    inFd = -1;
  }
  const auto deadline = Clock::now() + std::chrono::seconds(timeoutSeconds);
  while (outFd >= 0 || errFd >= 0) {
    if (Clock::now() >= deadline) {
      child.timedOut = true;
      ::kill(pid, SIGKILL);
      break;
    }
    std::vector<pollfd> fds;
    if (inFd >= 0) fds.push_back({inFd, POLLOUT, 0});
    if (outFd >= 0) fds.push_back({outFd, POLLIN, 0});
    if (errFd >= 0) fds.push_back({errFd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), 50) < 0 && errno != EINTR) break;
    for (const auto& p : fds) {
      if (p.revents == 0) continue;
      if (p.fd == inFd) {
        const ssize_t n = ::write(inFd, input.data() + written, input.size() - written);
        if (n > 0) written += static_cast<std::size_t>(n);
        if (n < 0 || written == input.size()) {
          ::close(inFd);
          inFd = -1;
        }
        continue;
      }
      char buf[8192];
      const ssize_t n = ::read(p.fd, buf, sizeof buf);
      if (n > 0) {
        (p.fd == outFd ? child.out : child.err).append(buf, static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(p.fd);
        (p.fd == outFd ? outFd : errFd) = -1;
      }
    }
    if (watch) watch(pid, child.err);
  }
  for (int fd : {inFd, outFd, errFd})
    if (fd >= 0) ::close(fd);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  child.endedAt = Clock::now();
  if (WIFEXITED(status)) child.exitCode = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) child.killedBy = WTERMSIG(status);
  return child;
}

void SignalAt::operator()(pid_t pid, const std::string& err) {
  if (sent || err.find(marker) == std::string::npos || !ready()) return;
  ::kill(pid, sig);
  sent = true;
  sentAt = Clock::now();
}

std::string Summary::str(const std::string& key) const {
  return o && o->has(key) && !o->isNull(key) ? o->get(key).toString() : std::string();
}

std::string Summary::error(const std::string& key) const {
  return o && o->has("error") && !o->isNull("error") ? o->getObject("error")->optValue<std::string>(key, "") : "";
}

std::vector<std::string> Summary::ids(const std::string& key) const {
  std::vector<std::string> v;
  if (o)
    if (auto arr = o->getArray(key))
      for (std::size_t i = 0; i < arr->size(); ++i) v.push_back(arr->get(static_cast<unsigned>(i)).toString());
  return v;
}

bool Summary::hasRollback() const { return o && o->has("rollback") && !o->isNull("rollback"); }

bool Summary::rollbackOk() const { return hasRollback() && o->getObject("rollback")->optValue<bool>("ok", false); }

Summary summaryOf(const Child& c) {
  Summary s;
  checkSummaryLine(c.out);
  CHECK_MESSAGE(std::count(c.out.begin(), c.out.end(), '\n') == 1, c.out);
  try {
    s.o = Poco::JSON::Parser().parse(c.out.substr(0, c.out.find('\n'))).extract<Poco::JSON::Object::Ptr>();
  } catch (const std::exception&) {
  }
  return s;
}

std::vector<std::string> forms(const std::string& secret) {
  const std::string b64 = keeper_rotate::text::encodeBase64(secret);
  std::vector<std::string> out{secret, b64};
  std::string urlSafe = b64;
  for (char& c : urlSafe) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!urlSafe.empty() && urlSafe.back() == '=') urlSafe.pop_back();
  out.push_back(urlSafe);
  std::string urlEncoded, jsonEscaped;
  static const char* hex = "0123456789ABCDEF";
  for (unsigned char c : secret) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      urlEncoded += static_cast<char>(c);
    } else {
      urlEncoded += '%';
      urlEncoded += hex[c >> 4];
      urlEncoded += hex[c & 15];
    }
    if (c == '/') jsonEscaped += '\\';
    jsonEscaped += static_cast<char>(c);
  }
  out.push_back(urlEncoded);
  out.push_back(jsonEscaped);
  return out;
}

void checkNoLeak(const Child& c, const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) {
    REQUIRE(s.size() >= 8);
    for (const auto& form : forms(s)) {
      CHECK_MESSAGE(c.out.find(form) == std::string::npos, "secret value on stdout: ", form.substr(0, 4), "...");
      CHECK_MESSAGE(c.err.find(form) == std::string::npos, "secret value on stderr: ", form.substr(0, 4), "...");
    }
  }
}

std::vector<std::string> journalFiles(const std::string& stateDir) {
  std::vector<std::string> v;
  for (const auto& e : std::filesystem::directory_iterator(stateDir))
    if (e.path().filename().string().rfind("pending-", 0) == 0) v.push_back(e.path().string());
  return v;
}

void checkJournal(const std::string& path, const std::vector<std::string>& names,
                  const std::vector<std::string>& secrets) {
  namespace fs = std::filesystem;
  CHECK((fs::status(path).permissions() & fs::perms::all) == (fs::perms::owner_read | fs::perms::owner_write));
  std::ifstream in(path);
  const std::string journal((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  INFO("journal: " << journal);
  for (const auto& name : names) CHECK(journal.find(name) != std::string::npos);
  for (const auto& secret : secrets)
    for (const auto& form : forms(secret)) CHECK_MESSAGE(journal.find(form) == std::string::npos, "secret in journal");
}

}  // namespace krtest
