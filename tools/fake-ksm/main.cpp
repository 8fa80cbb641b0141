// fake-ksm: run the fake Keeper Secrets Manager on 127.0.0.1 with a fresh test CA.
//
//   fake-ksm [--seed FILE] [--key-id N] [--dir DIR] [--config-out FILE] [-- COMMAND ARGS...]
//
// Prints one JSON line on stdout with everything a client needs: baseUrl, hostname (localhost:PORT), caFile,
// serverPublicKey (url-safe base64) and serverPublicKeyId, a one-time token, and the admin token for /admin/.
// --config-out writes a KSM config for a device registered directly (mode 0600).
// With a COMMAND, runs it with FAKE_KSM_* variables, NODE_EXTRA_CA_CERTS and SSL_CERT_FILE set to the test CA,
// then exits with its status; otherwise serves until SIGINT/SIGTERM.
#include "fake_ksm.hpp"

#include <kr_ksm/base64.hpp>
#include <kr_ksm/crypto.hpp>
#include <test_ca.hpp>

#include <Poco/JSON/Object.h>
#include <Poco/Net/SSLManager.h>

#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace keeper_rotate;

namespace {

int usage(const char* why) {
  std::cerr << "fake-ksm: " << why
            << "\nusage: fake-ksm [--seed FILE] [--key-id N] [--dir DIR] [--config-out FILE] [-- COMMAND ARGS...]\n";
  return 2;
}

bool writePrivate(const std::string& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return false;
  const bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  return ::close(fd) == 0 && ok;
}

}  // namespace

int main(int argc, char** argv) {
  std::string seedFile, dir, configOut;
  fakeksm::Options options;
  std::vector<std::string> command;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : std::string(); };
    if (a == "--") {
      for (++i; i < argc; ++i) command.emplace_back(argv[i]);
    } else if (a == "--seed") {
      seedFile = next();
    } else if (a == "--key-id") {
      options.serverKeyId = std::atoi(next().c_str());
    } else if (a == "--dir") {
      dir = next();
    } else if (a == "--config-out") {
      configOut = next();
    } else if (a == "--help" || a == "-h") {
      std::cout << "usage: fake-ksm [--seed FILE] [--key-id N] [--dir DIR] [--config-out FILE] [-- COMMAND ARGS...]\n"
                   "Runs a fake Keeper Secrets Manager on 127.0.0.1 (see tools/fake-ksm/README.md).\n";
      return 0;
    } else {
      return usage(("unknown argument " + a).c_str());
    }
  }
  if (options.serverKeyId <= 0) return usage("--key-id must be a positive integer");

  // Block the termination signals before any thread starts, so sigwait() below receives them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Poco::Net::initializeSSL();
  std::unique_ptr<testsupport::TempDir> tmp;
  if (dir.empty()) {
    tmp = std::make_unique<testsupport::TempDir>("fake-ksm");
    dir = tmp->path();
  }
  int status = 0;
  try {
    const testsupport::TestCa ca = testsupport::TestCa::create(dir);
    fakeksm::FakeKsm fake(ca, options);
    if (!seedFile.empty()) {
      std::ifstream in(seedFile);
      if (!in) return usage(("cannot read seed file " + seedFile).c_str());
      std::stringstream ss;
      ss << in.rdbuf();
      fake.loadSeed(ss.str());
    }
    const std::string adminToken = ksm::base64::encodeUrl(ksm::crypto::randomBytes(24));
    fake.enableAdmin(adminToken);
    const std::string token = fake.createOneTimeToken();
    if (!configOut.empty() && !writePrivate(configOut, fake.createDevice().json))
      return usage(("cannot write " + configOut).c_str());

    Poco::JSON::Object info(Poco::JSON_PRESERVE_KEY_ORDER);
    info.set("baseUrl", fake.baseUrl());
    info.set("hostname", fake.hostname());
    info.set("port", static_cast<int>(fake.port()));
    info.set("caFile", ca.caCertFile());
    info.set("serverPublicKey", fake.serverPublicKeyUrlB64());
    info.set("serverPublicKeyId", fake.serverKeyId());
    info.set("token", token);
    info.set("adminToken", adminToken);
    if (!configOut.empty()) info.set("configFile", configOut);
    std::ostringstream line;
    info.stringify(line);
    std::cout << line.str() << std::endl;

    if (!command.empty()) {
      const pid_t pid = ::fork();
      if (pid == 0) {
        pthread_sigmask(SIG_UNBLOCK, &signals, nullptr);
        ::setenv("FAKE_KSM_URL", fake.baseUrl().c_str(), 1);
        ::setenv("FAKE_KSM_HOSTNAME", fake.hostname().c_str(), 1);
        ::setenv("FAKE_KSM_SERVER_PUBLIC_KEY", fake.serverPublicKeyUrlB64().c_str(), 1);
        ::setenv("FAKE_KSM_SERVER_PUBLIC_KEY_ID", std::to_string(fake.serverKeyId()).c_str(), 1);
        ::setenv("FAKE_KSM_TOKEN", token.c_str(), 1);
        ::setenv("FAKE_KSM_ADMIN_TOKEN", adminToken.c_str(), 1);
        ::setenv("FAKE_KSM_CA_FILE", ca.caCertFile().c_str(), 1);
        if (!configOut.empty()) ::setenv("FAKE_KSM_CONFIG_FILE", configOut.c_str(), 1);
        ::setenv("NODE_EXTRA_CA_CERTS", ca.caCertFile().c_str(), 1);
        ::setenv("SSL_CERT_FILE", ca.caCertFile().c_str(), 1);
        std::vector<char*> args;
        for (auto& c : command) args.push_back(c.data());
        args.push_back(nullptr);
        ::execvp(args[0], args.data());
        std::cerr << "fake-ksm: cannot run " << command[0] << ": " << std::strerror(errno) << "\n";
        ::_exit(127);
      }
      if (pid < 0) return usage("fork failed");
      int wstatus = 0;
      while (::waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
      }
      status = WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : 128 + (WIFSIGNALED(wstatus) ? WTERMSIG(wstatus) : 0);
    } else {
      int sig = 0;
      sigwait(&signals, &sig);
    }
  } catch (const std::exception& e) {
    std::cerr << "fake-ksm: " << e.what() << "\n";
    status = 1;
  }
  Poco::Net::uninitializeSSL();
  return status;
}
