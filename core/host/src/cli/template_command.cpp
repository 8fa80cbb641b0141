// `template pam-user <provider>`: one CSV row for Keeper's record import (columns Folder, Title, Login, Password,
// Website Address, Notes, Shared Folder, then custom field name/value pairs). The provider's PAM User fields and
// keeper-rotate's own fields are listed, inputs pre-filled with their defaults, outputs empty.
#include "cli/commands.hpp"

#include "loader/registry.hpp"
#include "selection/host_fields.hpp"

#include <cstdlib>
#include <iostream>

namespace keeper_rotate::host {
namespace {

std::string csvCell(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

void appendFields(std::string& row, const kr_field_spec* fields, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    const kr_field_spec& f = fields[i];
    if (f.flags & KR_FIELD_OTHER_RECORD) continue;
    const bool input = f.flags & KR_FIELD_INPUT;
    row += "," + csvCell(f.label) + "," + csvCell(input && f.default_value ? f.default_value : "");
  }
}

}  // namespace

int runTemplateCommand(const CliOptions& opts) {
  const auto& pos = opts.positionals;
  if (pos.size() != 3 || pos[1] != "pam-user") throw UsageError("usage: keeper-rotate template pam-user <provider>");
  PluginRegistry registry(pluginSearchPath(opts.pluginDirs, std::getenv("KEEPER_ROTATE_PLUGIN_PATH"), executablePath()));
  try {
    const LoadedPlugin& p = registry.load(KR_KIND_PROVIDER, pos[2]);
    std::string row = "," + csvCell(p.name + " rotated credential") + ",,,," +
                      csvCell("Convert to PAM User; rotation: Run PAM scripts only; script command: keeper-rotate " +
                              p.name) +
                      ",";
    appendFields(row, p.fields.data(), p.fields.size());
    appendFields(row, hostFields(), hostFieldCount());
    std::cout << row << "\n";
    return 0;
  } catch (const LoadError& e) {
    std::cerr << "keeper-rotate: " << e.what() << "\n";
    return 3;
  }
}

}  // namespace keeper_rotate::host
