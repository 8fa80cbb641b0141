// keeper-rotate's options: the one table of definitions (parsing and --help both read it) and the parse of argv
// into CliOptions.
#pragma once

#include "cli/command_line.hpp"
#include "cli/options.hpp"

#include <vector>

namespace keeper_rotate::host {

/// Every option, in the order --help lists them.
const std::vector<OptionSpec>& hostOptions();

/// Parses the whole command line (argv[0] is the program). Throws UsageError naming the offending option or value;
/// main turns that into exit 2 without a summary line.
CliOptions parseHostCommandLine(int argc, const char* const* argv);

}  // namespace keeper_rotate::host
