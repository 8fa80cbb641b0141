// A strict Unix-style command-line parser driven by a table of option definitions.
//
// Accepted: `--name`, `--name=VALUE` and `--name VALUE` (the next argument is taken literally, even when it starts
// with '-'), `-x` for an option with a one-letter short form, `-xVALUE` / `-x VALUE` when that option takes an
// argument; options anywhere among the positionals; a lone `--` ends the options; `-` alone is a positional.
// Refused, as a UsageError naming the option: names that are not exactly an option's name (no abbreviations, no
// case folding: a prefix that silently meant another option would be a trap in scripts), a missing argument, a
// value given to a flag, combined short flags, and a second use of an option that is not repeatable.
// Values are handed over as views of argv's own bytes, so a secret option can go straight into a Secret without
// any intermediate std::string.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace keeper_rotate::host {

struct OptionSpec {
  std::string_view name;         // long name without the leading "--"
  char shortName = '\0';         // '\0': no short form
  std::string_view argument;     // the argument's name in the help ("FILE"); empty: a flag without argument
  bool repeatable = false;       // may be given more than once (each use is reported, in order)
  std::string_view description;  // one line for --help

  bool takesArgument() const { return !argument.empty(); }
};

/// Called once per option use, in command-line order. `value` is empty for flags and points into argv otherwise
/// (valid for the life of argv).
using OptionHandler = std::function<void(const OptionSpec& option, std::string_view value)>;

/// Parses argv[1..argc-1]; returns the positionals in order. Throws UsageError on the first bad option, before
/// any later option is handled.
std::vector<std::string> parseCommandLine(int argc, const char* const* argv, const std::vector<OptionSpec>& options,
                                          const OptionHandler& onOption);

}  // namespace keeper_rotate::host
