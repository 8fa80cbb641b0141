#include "cli/app.hpp"

#include "cli/commands.hpp"

#include <keeper_rotate/abi.h>

#include <Poco/Util/Option.h>

#include <algorithm>
#include <iostream>

#ifndef KR_VERSION
#define KR_VERSION "0.0.0"
#endif

namespace keeper_rotate::host {

using Poco::Util::Option;

HostApp::HostApp() {
  setUnixOptions(true);
}

void HostApp::defineOptions(Poco::Util::OptionSet& options) {
  Application::defineOptions(options);
  options.addOption(Option("help", "h", "show this help and exit"));
  options.addOption(Option("version", "", "show the version and exit"));
  options.addOption(Option("input", "", "read the Gateway input from FILE (JSON or base64) instead of stdin")
                        .argument("FILE"));
  options.addOption(Option("plugin-dir", "", "also search DIR for plugins (repeatable; searched first, in order)")
                        .argument("DIR")
                        .repeatable(true));
  options.addOption(Option("ksm-config", "", "Keeper Secrets Manager configuration file").argument("FILE"));
  options.addOption(Option("dry-run", "", "validate and print the plan; make no change anywhere"));
  options.addOption(Option("log-format", "", "log lines on stderr as text (default) or json").argument("FORMAT"));
  options.addOption(Option("verbose", "v", "also log debug lines"));
  options.addOption(Option("json", "", "plugins list/describe: print JSON"));
  options.addOption(
      Option("format", "", "template pam-user: csv (default, Keeper Commander's CSV import) or json").argument("FORMAT"));
  options.addOption(Option("token", "", "ksm init: '-' reads the one-time access token ([REGION:]TOKEN) from stdin; "
                                      "without --token it comes from KSM_TOKEN (a value here is visible to other "
                                      "local users)")
                        .argument("TOKEN"));
  options.addOption(Option("hostname", "", "ksm init: Keeper host name (overrides the token's region)").argument("HOST"));
  options.addOption(Option("out", "", "ksm init: configuration file to write (mode 0600)").argument("FILE"));
  options.addOption(
      Option("server-public-key-id", "", "ksm init: pin this server public key id").argument("N"));
  options.addOption(
      Option("server-public-key", "", "ksm init: pinned server public key (base64)").argument("B64"));
}

void HostApp::handleOption(const std::string& name, const std::string& value) {
  Application::handleOption(name, value);
  if (name == "help") opts_.help = true;
  else if (name == "version") opts_.version = true;
  else if (name == "input") opts_.inputFile = value;
  else if (name == "plugin-dir") opts_.pluginDirs.push_back(value);
  else if (name == "ksm-config") opts_.ksmConfig = value;
  else if (name == "dry-run") opts_.dryRun = true;
  else if (name == "verbose") opts_.verbose = true;
  else if (name == "json") opts_.json = true;
  else if (name == "format") opts_.format = value;
  else if (name == "token") {
    opts_.tokenGiven = true;
    opts_.token = Secret(value);
  }
  else if (name == "hostname") opts_.hostname = value;
  else if (name == "out") opts_.out = value;
  else if (name == "server-public-key") opts_.serverPublicKey = value;
  else if (name == "log-format") {
    if (value == "text") opts_.logFormat = LogFormat::Text;
    else if (value == "json") opts_.logFormat = LogFormat::Json;
    else throw UsageError("--log-format must be 'text' or 'json', not '" + value + "'");
  } else if (name == "server-public-key-id") {
    try {
      std::size_t used = 0;
      const int id = std::stoi(value, &used);
      if (used != value.size() || id <= 0) throw std::invalid_argument("not positive");
      opts_.serverPublicKeyId = id;
    } catch (const std::exception&) {
      throw UsageError("--server-public-key-id must be a positive whole number, not '" + value + "'");
    }
  }
}

void HostApp::printHelp() const {
  std::cout << "keeper-rotate " << KR_VERSION << " - rotate credentials for the Keeper PAM Gateway\n\n"
               "usage:\n"
               "  keeper-rotate <provider> [attached-file] [options]   rotate (input: base64 JSON on stdin)\n"
               "  keeper-rotate --dry-run <provider> [options]         validate and print the plan only\n"
               "  keeper-rotate plugins list [--json]\n"
               "  keeper-rotate plugins describe NAME [--json]         NAME or KIND/NAME\n"
               "  keeper-rotate plugins lock [--plugin-dir DIR...]     pin every plugin's sha256 in plugins.lock\n"
               "  keeper-rotate plugins verify [--plugin-dir DIR...]   check the plugins against plugins.lock\n"
               "  keeper-rotate template pam-user <provider> [--format csv|json]\n"
               "                                                       a PAM User record for Keeper's import\n"
               "  keeper-rotate ksm init [--token -] [--hostname HOST] --out FILE\n"
               "                [--server-public-key-id N --server-public-key B64]\n"
               "                the one-time token comes from KSM_TOKEN, or one line on stdin with --token -\n\n"
               "plugin directories, first match wins: every --plugin-dir, KEEPER_ROTATE_PLUGIN_PATH (colon-separated),\n"
               "then <exe dir>/../lib/keeper-rotate/plugins. A plugin file, or any directory above it, that others\n"
               "can change is refused; when <exe dir>/../lib/keeper-rotate/plugins.lock exists, only the plugins it\n"
               "pins load.\n\n"
               "exit codes: 0 done, 1 internal error, 2 bad input or usage, 3 configuration error, 4 rotation failed\n"
               "(nothing changed), 5 old secrets remain, 6 rollback failed (new secret remains).\n\n"
               "options:\n";
  for (const auto& o : options()) {
    std::string left = "  " + (o.shortName().empty() ? std::string("    ") : "-" + o.shortName() + ", ") + "--" +
                       o.fullName() + (o.takesArgument() ? "=" + o.argumentName() : std::string());
    left.resize(std::max<std::size_t>(left.size() + 2, 36), ' ');
    std::cout << left << o.description() << "\n";
  }
}

int HostApp::main(const std::vector<std::string>& args) {
  opts_.positionals = args;
  try {
    exitCode_ = dispatch();
  } catch (const UsageError& e) {
    std::cerr << "keeper-rotate: " << e.what() << " (see keeper-rotate --help)\n";
    exitCode_ = 2;
  }
  return exitCode_;
}

int HostApp::dispatch() {
  if (opts_.help) {
    printHelp();
    return 0;
  }
  if (opts_.version) {
    std::cout << "keeper-rotate " << KR_VERSION << " (plugin ABI " << KR_ABI_MAJOR << "." << KR_ABI_MINOR << ")\n";
    return 0;
  }
  const auto& pos = opts_.positionals;
  if (pos.empty()) throw UsageError("missing the provider name, e.g. keeper-rotate azure-app-secret");
  const bool ksmInitOptions = opts_.tokenGiven || !opts_.hostname.empty() || !opts_.out.empty() ||
                              opts_.serverPublicKeyId || !opts_.serverPublicKey.empty();
  if (pos[0] == "ksm") return runKsmCommand(opts_);
  if (ksmInitOptions) throw UsageError("--token, --hostname, --out and --server-public-key* belong to 'ksm init'");
  if (!opts_.format.empty() && pos[0] != "template") throw UsageError("--format belongs to 'template pam-user'");
  if (pos[0] == "plugins") return runPluginsCommand(opts_);
  if (opts_.json) throw UsageError("--json belongs to 'plugins list' and 'plugins describe'");
  if (pos[0] == "template") return runTemplateCommand(opts_);
  if (pos.size() > 2)
    throw UsageError("too many arguments: expected <provider> [attached-file], got " + std::to_string(pos.size()));
  return runRotation(opts_);
}

}  // namespace keeper_rotate::host
