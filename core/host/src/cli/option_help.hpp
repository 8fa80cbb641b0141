// The options table of --help, generated from the same definitions the parser uses, so the help can never list
// an option the parser does not accept or miss one it does.
#pragma once

#include "cli/command_line.hpp"

#include <string>
#include <vector>

namespace keeper_rotate::host {

/// One line per option, in table order: "  -h, --help" or "      --input=FILE", padded to column 36 (at least two
/// spaces), then the description. tests/core/host/test_man_page.cpp reads this layout.
std::string optionHelpTable(const std::vector<OptionSpec>& options);

}  // namespace keeper_rotate::host
