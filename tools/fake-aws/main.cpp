// fake-aws executable: serves fake IAM + STS on https://localhost:PORT and IMDSv2 on http://127.0.0.1:IMDS_PORT
// for the demo and out-of-process tests.
//
//   fake-aws --seed SEED.json [--port N] [--imds-port N] [--dir DIR] [--quiet]
//
// Creates a test CA in DIR (default: a fresh temporary directory), loads the seed, then prints ONE JSON line on
// stdout: {"baseUrl":"https://localhost:PORT","port":PORT,"imdsUrl":"http://127.0.0.1:IMDS_PORT",
// "imdsPort":IMDS_PORT,"caFile":"DIR/ca.pem","accountId":"123456789012"} and serves until SIGINT/SIGTERM. One line
// per IAM/STS request goes to stderr (action, key id, user, status; never a secret) unless --quiet.
#include "fake_aws.hpp"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/SSLManager.h>

#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace {

int usage() {
  std::cerr << "usage: fake-aws --seed SEED.json [--port N] [--imds-port N] [--dir DIR] [--quiet]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string seedPath, dir;
  int port = 0, imdsPort = 0;
  bool quiet = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--quiet") {
      quiet = true;
      continue;
    }
    if (i + 1 >= argc) return usage();
    if (arg == "--seed")
      seedPath = argv[++i];
    else if (arg == "--port")
      port = std::stoi(argv[++i]);
    else if (arg == "--imds-port")
      imdsPort = std::stoi(argv[++i]);
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
      temp = std::make_unique<keeper_rotate::testsupport::TempDir>("fake-aws");
      dir = temp->path();
    }
    const auto ca = keeper_rotate::testsupport::TestCa::create(dir);
    std::ifstream in(seedPath);
    if (!in) throw std::runtime_error("cannot read seed file " + seedPath);
    std::stringstream seed;
    seed << in.rdbuf();
    keeper_rotate::fake_aws::FakeAws fake(ca, static_cast<std::uint16_t>(port), static_cast<std::uint16_t>(imdsPort));
    fake.loadSeed(seed.str());
    if (!quiet) fake.setLogSink([](const std::string& line) { std::cerr << "fake-aws: " << line << std::endl; });
    fake.start();
    const auto state = Poco::JSON::Parser().parse(fake.stateJson()).extract<Poco::JSON::Object::Ptr>();
    Poco::JSON::Object ready(Poco::JSON_PRESERVE_KEY_ORDER);
    ready.set("baseUrl", fake.baseUrl());
    ready.set("port", fake.port());
    ready.set("imdsUrl", fake.imdsBaseUrl());
    ready.set("imdsPort", fake.imdsPort());
    ready.set("caFile", ca.caCertFile());
    ready.set("accountId", state->getObject("account")->getValue<std::string>("accountId"));
    ready.stringify(std::cout);
    std::cout << std::endl;
    int received = 0;
    sigwait(&signals, &received);
    fake.stop();
  } catch (const std::exception& e) {
    std::cerr << "fake-aws: " << e.what() << "\n";
    rc = 1;
  }
  Poco::Net::uninitializeSSL();
  return rc;
}
