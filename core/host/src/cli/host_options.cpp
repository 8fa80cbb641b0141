#include "cli/host_options.hpp"

#include <stdexcept>
#include <string>

namespace keeper_rotate::host {

namespace {

std::string quoted(std::string_view value) { return "'" + std::string(value) + "'"; }

LogFormat logFormatOf(std::string_view value) {
  if (value == "text") return LogFormat::Text;
  if (value == "json") return LogFormat::Json;
  throw UsageError("--log-format must be 'text' or 'json', not " + quoted(value));
}

int positiveNumberOf(std::string_view value) {
  // std::stoi, so the values accepted stay those accepted so far (a leading blank or "+" included).
  try {
    const std::string text(value);
    std::size_t used = 0;
    const int id = std::stoi(text, &used);
    if (used == text.size() && id > 0) return id;
  } catch (const std::exception&) {
  }
  throw UsageError("--server-public-key-id must be a positive whole number, not " + quoted(value));
}

void apply(CliOptions& opts, const OptionSpec& option, std::string_view value) {
  const std::string_view name = option.name;
  if (name == "help") opts.help = true;
  else if (name == "version") opts.version = true;
  else if (name == "input") opts.inputFile = value;
  else if (name == "plugin-dir") opts.pluginDirs.emplace_back(value);
  else if (name == "ksm-config") opts.ksmConfig = value;
  else if (name == "dry-run") opts.dryRun = true;
  else if (name == "log-format") opts.logFormat = logFormatOf(value);
  else if (name == "verbose") opts.verbose = true;
  else if (name == "json") opts.json = true;
  else if (name == "format") opts.format = value;
  else if (name == "token") {
    // Straight from argv's bytes into zero-on-free storage: no std::string ever holds the token.
    opts.tokenGiven = true;
    opts.token = Secret(value);
  }
  else if (name == "hostname") opts.hostname = value;
  else if (name == "out") opts.out = value;
  else if (name == "server-public-key-id") opts.serverPublicKeyId = positiveNumberOf(value);
  else if (name == "server-public-key") opts.serverPublicKey = value;
  else throw std::logic_error("option --" + std::string(name) + " is defined but not handled");
}

}  // namespace

const std::vector<OptionSpec>& hostOptions() {
  static const std::vector<OptionSpec> options = {
      {"help", 'h', "", false, "show this help and exit"},
      {"version", '\0', "", false, "show the version and exit"},
      {"input", '\0', "FILE", false, "read the Gateway input from FILE (JSON or base64) instead of stdin"},
      {"plugin-dir", '\0', "DIR", true, "also search DIR for plugins (repeatable; searched first, in order)"},
      {"ksm-config", '\0', "FILE", false, "Keeper Secrets Manager configuration file"},
      {"dry-run", '\0', "", false, "validate and print the plan; make no change anywhere"},
      {"log-format", '\0', "FORMAT", false, "log lines on stderr as text (default) or json"},
      {"verbose", 'v', "", false, "also log debug lines"},
      {"json", '\0', "", false, "plugins list/describe: print JSON"},
      {"format", '\0', "FORMAT", false, "template pam-user: csv (default, Keeper Commander's CSV import) or json"},
      {"token", '\0', "TOKEN", false,
       "ksm init: '-' reads the one-time access token ([REGION:]TOKEN) from stdin; without --token it comes from "
       "KSM_TOKEN (a value here is visible to other local users)"},
      {"hostname", '\0', "HOST", false, "ksm init: Keeper host name (overrides the token's region)"},
      {"out", '\0', "FILE", false, "ksm init: configuration file to write (mode 0600)"},
      {"server-public-key-id", '\0', "N", false, "ksm init: pin this server public key id"},
      {"server-public-key", '\0', "B64", false, "ksm init: pinned server public key (base64)"},
  };
  return options;
}

CliOptions parseHostCommandLine(int argc, const char* const* argv) {
  CliOptions opts;
  opts.positionals = parseCommandLine(argc, argv, hostOptions(),
                                      [&opts](const OptionSpec& option, std::string_view value) {
                                        apply(opts, option, value);
                                      });
  return opts;
}

}  // namespace keeper_rotate::host
