// Everything the command line says, after cli/host_options.cpp parsed it (cli/command_line.hpp: the syntax).
#pragma once

#include "log/logger.hpp"

#include <keeper_rotate/secret.hpp>

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace keeper_rotate::host {

struct CliOptions {
  std::vector<std::string> positionals;
  std::string inputFile;
  std::vector<std::string> pluginDirs;
  std::string ksmConfig;
  bool dryRun = false;
  LogFormat logFormat = LogFormat::Text;
  bool verbose = false;
  bool json = false;
  std::string format;  // template pam-user: csv (default) or json
  bool help = false;
  bool version = false;
  // ksm init
  bool tokenGiven = false;  // --token was on the command line (its value "-": read it from stdin)
  Secret token;             // the --token value; ksm init prefers KSM_TOKEN or stdin (ksm_command.cpp)
  std::string hostname;
  std::string out;
  std::optional<int> serverPublicKeyId;
  std::string serverPublicKey;
};

/// Usage error: exit code 2, no summary line (the summary starts after argument parsing).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace keeper_rotate::host
