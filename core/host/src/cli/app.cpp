#include "cli/app.hpp"

#include "cli/commands.hpp"
#include "cli/host_options.hpp"
#include "cli/option_help.hpp"

#include <keeper_rotate/abi.h>

#include <iostream>
#include <string>

#ifndef KR_VERSION
#define KR_VERSION "0.0.0"
#endif

namespace keeper_rotate::host {

namespace {

void printHelp() {
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
               "options:\n"
            << optionHelpTable(hostOptions());
}

int dispatch(const CliOptions& opts) {
  if (opts.help) {
    printHelp();
    return 0;
  }
  if (opts.version) {
    std::cout << "keeper-rotate " << KR_VERSION << " (plugin ABI " << KR_ABI_MAJOR << "." << KR_ABI_MINOR << ")\n";
    return 0;
  }
  const auto& pos = opts.positionals;
  if (pos.empty()) throw UsageError("missing the provider name, e.g. keeper-rotate azure-app-secret");
  const bool ksmInitOptions = opts.tokenGiven || !opts.hostname.empty() || !opts.out.empty() ||
                              opts.serverPublicKeyId || !opts.serverPublicKey.empty();
  if (pos[0] == "ksm") return runKsmCommand(opts);
  if (ksmInitOptions) throw UsageError("--token, --hostname, --out and --server-public-key* belong to 'ksm init'");
  if (!opts.format.empty() && pos[0] != "template") throw UsageError("--format belongs to 'template pam-user'");
  if (pos[0] == "plugins") return runPluginsCommand(opts);
  if (opts.json) throw UsageError("--json belongs to 'plugins list' and 'plugins describe'");
  if (pos[0] == "template") return runTemplateCommand(opts);
  if (pos.size() > 2)
    throw UsageError("too many arguments: expected <provider> [attached-file], got " + std::to_string(pos.size()));
  return runRotation(opts);
}

}  // namespace

int runHostApp(const CliOptions& opts) {
  try {
    return dispatch(opts);
  } catch (const UsageError& e) {
    std::cerr << "keeper-rotate: " << e.what() << " (see keeper-rotate --help)\n";
    return 2;
  }
}

}  // namespace keeper_rotate::host
