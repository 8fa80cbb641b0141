// `plugins list`, `plugins describe`, `template` and `--version` set up no TLS machinery: OpenSSL is never
// initialised (no context, no key, no digest), although the libraries are mapped. Checked with a preloaded probe on
// OpenSSL's initialisation entry points (probe/openssl_init_probe.c); `ksm init`, which makes a key and a TLS
// connection, is the control that shows the probe sees initialisation when it happens.
#include "support/process.hpp"

#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

#ifdef KR_SANITIZED
constexpr bool kSkip = true;
#else
constexpr bool kSkip = false;
#endif

struct Probed {
  krtest::ProcessResult result;
  std::string calls;  // what the probe noted, one entry point per line
};

Probed runProbed(const std::vector<std::string>& args, const std::string& stdinData = "") {
  const fs::path file = fs::temp_directory_path() / ("kr-openssl-probe-" + std::to_string(::getpid()) + ".txt");
  fs::remove(file);
  std::vector<std::string> argv{KR_TEST_HOST_BIN};
  argv.insert(argv.end(), args.begin(), args.end());
  Probed p;
  p.result = krtest::runProcess(argv, stdinData,
                                {{"LD_PRELOAD", KR_OPENSSL_PROBE}, {"KR_OPENSSL_PROBE_FILE", file.string()},
                                 {"KEEPER_ROTATE_PLUGIN_PATH", KR_REAL_PLUGIN_DIR}, {"PATH", "/usr/bin:/bin"}},
                                30);
  std::ifstream in(file);
  std::ostringstream text;
  text << in.rdbuf();
  p.calls = text.str();
  fs::remove(file);
  return p;
}

}  // namespace

TEST_CASE("startup footprint: plugins list, describe, template and --version never initialise OpenSSL" *
          doctest::skip(kSkip)) {
  const std::vector<std::vector<std::string>> commands = {
      {"--version"},
      {"plugins", "list"},
      {"plugins", "list", "--json"},
      {"plugins", "describe", "azure-app-secret"},
      {"plugins", "describe", "writer/ksm", "--json"},
      {"template", "pam-user", "azure-app-secret"},
      {"template", "pam-user", "azure-app-secret", "--format", "json"}};
  for (const auto& command : commands) {
    std::string line;
    for (const auto& a : command) line += a + " ";
    INFO("keeper-rotate " << line);
    const Probed p = runProbed(command);
    INFO("stderr: " << p.result.err);
    CHECK(p.result.exitCode == 0);
    CHECK_FALSE(p.result.out.empty());
    CHECK(p.calls.empty());
  }
}

TEST_CASE("startup footprint: the probe sees OpenSSL set up when a command does use it (ksm init)" *
          doctest::skip(kSkip)) {
  // A key pair is made and a TLS connection tried; nothing listens on 127.0.0.1:1, so it ends there.
  const fs::path out = fs::temp_directory_path() / ("kr-probe-ksm-" + std::to_string(::getpid()) + ".json");
  const Probed p = runProbed({"ksm", "init", "--token", "-", "--hostname", "127.0.0.1:1", "--out", out.string()},
                             "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG\n");
  INFO("stderr: " << p.result.err);
  CHECK(p.result.exitCode != 0);
  CHECK(p.calls.find("OPENSSL_init_crypto") != std::string::npos);
  CHECK(p.calls.find("OPENSSL_init_ssl") != std::string::npos);
  CHECK_FALSE(fs::exists(out));
}
