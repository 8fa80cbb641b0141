// The keeper-rotate command line after parsing (cli/host_options.hpp): --help, --version and dispatch to the
// commands.
#pragma once

#include "cli/options.hpp"

namespace keeper_rotate::host {

/// Runs what the parsed command line asks for and returns the process exit code. A UsageError found here (a
/// missing provider, an option that belongs to another command) is reported on stderr and is exit 2; any other
/// exception propagates (main: internal error, exit 1).
int runHostApp(const CliOptions& opts);

}  // namespace keeper_rotate::host
