// fake-entra executable: serves the fake Entra ID token endpoint + Graph on https://localhost:PORT for the demo and
// out-of-process tests.
//
//   fake-entra --seed SEED.json [--port N] [--dir DIR]
//
// Creates a test CA in DIR (default: a fresh temporary directory), loads the seed, then prints ONE JSON line on
// stdout: {"baseUrl":"https://localhost:PORT","port":PORT,"caFile":"DIR/ca.pem"} and serves until SIGINT/SIGTERM.
#include "fake_entra.hpp"

#include <Poco/Net/SSLManager.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace {

int usage() {
  std::cerr << "usage: fake-entra --seed SEED.json [--port N] [--dir DIR]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string seedPath, dir;
  int port = 0;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 >= argc) return usage();
    if (arg == "--seed")
      seedPath = argv[++i];
    else if (arg == "--port")
      port = std::stoi(argv[++i]);
    else if (arg == "--dir")
      dir = argv[++i];
    else
      return usage();
  }
  if (seedPath.empty()) return usage();

  // Block the termination signals before any thread exists, so every server thread inherits the mask and
  // sigwait below is the one place they arrive.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Poco::Net::initializeSSL();
  int rc = 0;
  try {
    std::unique_ptr<keeper_rotate::testsupport::TempDir> temp;
    if (dir.empty()) {
      temp = std::make_unique<keeper_rotate::testsupport::TempDir>("fake-entra");
      dir = temp->path();
    }
    const auto ca = keeper_rotate::testsupport::TestCa::create(dir);
    std::ifstream in(seedPath);
    if (!in) throw std::runtime_error("cannot read seed file " + seedPath);
    std::stringstream seed;
    seed << in.rdbuf();
    keeper_rotate::fake_entra::FakeEntra fake(ca, static_cast<std::uint16_t>(port));
    fake.loadSeed(seed.str());
    fake.start();
    std::cout << R"({"baseUrl":")" << fake.baseUrl() << R"(","port":)" << fake.port() << R"(,"caFile":")"
              << ca.caCertFile() << "\"}" << std::endl;
    int received = 0;
    sigwait(&signals, &received);
    fake.stop();
  } catch (const std::exception& e) {
    std::cerr << "fake-entra: " << e.what() << "\n";
    rc = 1;
  }
  Poco::Net::uninitializeSSL();
  return rc;
}
