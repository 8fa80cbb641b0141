#include "cli/option_help.hpp"

#include <algorithm>

namespace keeper_rotate::host {

std::string optionHelpTable(const std::vector<OptionSpec>& options) {
  constexpr std::size_t kDescriptionColumn = 36;
  std::string out;
  for (const auto& o : options) {
    std::string left = "  ";
    left += o.shortName != '\0' ? std::string{'-', o.shortName, ',', ' '} : std::string(4, ' ');
    left += "--";
    left += o.name;
    if (o.takesArgument()) {
      left += '=';
      left += o.argument;
    }
    left.resize(std::max(left.size() + 2, kDescriptionColumn), ' ');
    out += left;
    out += o.description;
    out += '\n';
  }
  return out;
}

}  // namespace keeper_rotate::host
