// `template pam-user <provider> [--format csv|json]`: one PAM User record for Keeper Commander's `import`, holding
// every PAM User field of the provider and keeper-rotate's own fields (credential_source, record_writer).
//
// Keeper Commander's CSV importer reads the columns Folder, Title, Login, Password, Website Address, Notes, Shared
// Folder, then custom fields as key/value pairs; it keeps a pair only when key and value are both non-empty after
// trimming. A key `$type` sets the record type, a key `$<fieldtype>:<label>` a field of that type, a plain key a
// text field with that label. Its JSON importer takes the same `$<fieldtype>:<label>` keys in a record's
// `custom_fields` object. So every field gets a value (records/record.hpp, "template markers"): defaults as they
// are, a REPLACE-ME placeholder for a required input without default (rejected by validation until replaced),
// "(not set)" for an optional input without default and "(set by keeper-rotate)" for an output (both read as empty).
#include "cli/commands.hpp"

#include "loader/registry.hpp"
#include "records/record.hpp"
#include "selection/host_fields.hpp"
#include "util/encoding.hpp"

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <utility>
#include <vector>

namespace keeper_rotate::host {
namespace {

struct TemplateField {
  std::string key;  // the importer's key: the label, or $secret:<label> for a hidden field
  std::string type;
  std::string label;
  std::string value;
};

bool isSecret(const kr_field_spec& f) {
  return (f.flags & KR_FIELD_SECRET) != 0 || (f.type != nullptr && std::strcmp(f.type, "secret") == 0);
}

std::string templateValue(const kr_field_spec& f) {
  const bool input = (f.flags & KR_FIELD_INPUT) != 0;
  if (input && f.default_value && *f.default_value) return f.default_value;
  // An output that is also read (e.g. the previous key id) starts empty like any output: the first run fills it.
  if (f.flags & KR_FIELD_OUTPUT) return kTemplateSetByRun;
  if (f.flags & KR_FIELD_REQUIRED) {
    std::string v = std::string(kTemplatePlaceholderPrefix) + ": required";
    if (f.description && *f.description) v += ", " + std::string(f.description);
    return v;
  }
  return kTemplateNotSet;
}

/// The pamUser record type's own Login field: a provider that declares `login` (the AWS provider: the IAM user name)
/// gets it in the importer's Login column / `login` key, not as a custom field of the same name.
constexpr const char* kLoginLabel = "login";

void appendFields(std::vector<TemplateField>& out, const kr_field_spec* fields, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    const kr_field_spec& f = fields[i];
    if (f.flags & KR_FIELD_OTHER_RECORD) continue;  // lives on another record, not the PAM User
    if (std::strcmp(f.label, kLoginLabel) == 0) continue;  // the record's Login, see loginValue()
    const std::string type = isSecret(f) ? "secret" : "text";
    // Commander writes text fields under their plain label; other types need the $type: prefix to survive.
    const std::string key = type == "text" ? std::string(f.label) : "$" + type + ":" + f.label;
    out.push_back({key, type, f.label, templateValue(f)});
  }
}

/// The template's Login value: the provider's `login` field as any other field's value, empty when undeclared.
std::string loginValue(const kr_field_spec* fields, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i)
    if (std::strcmp(fields[i].label, kLoginLabel) == 0) return templateValue(fields[i]);
  return {};
}

std::string csvCell(const std::string& v) {
  if (v.find_first_of(",\"\r\n") == std::string::npos) return v;
  std::string out = "\"";
  for (char c : v) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string jsonString(const std::string& v) { return "\"" + util::jsonEscape(v) + "\""; }

}  // namespace

int runTemplateCommand(const CliOptions& opts) {
  const auto& pos = opts.positionals;
  if (pos.size() != 3 || pos[1] != "pam-user")
    throw UsageError("usage: keeper-rotate template pam-user <provider> [--format csv|json]");
  const std::string format = opts.format.empty() ? "csv" : opts.format;
  if (format != "csv" && format != "json") throw UsageError("--format must be 'csv' or 'json', not '" + format + "'");
  PluginRegistry registry(pluginSearchPath(opts.pluginDirs, std::getenv("KEEPER_ROTATE_PLUGIN_PATH"), executablePath()));
  try {
    const LoadedPlugin& p = registry.load(KR_KIND_PROVIDER, pos[2]);
    std::vector<TemplateField> fields;
    appendFields(fields, p.fields.data(), p.fields.size());
    appendFields(fields, hostFields(), hostFieldCount());
    const std::string login = loginValue(p.fields.data(), p.fields.size());
    const std::string title = p.name + " rotated credential";
    const std::string notes =
        "Replace every REPLACE-ME value, then move the record into a shared folder the Gateway's KSM application "
        "can edit. Rotation: Run PAM scripts only; script command: keeper-rotate " + p.name + ".";

    if (format == "csv") {
      std::string row = "," + csvCell(title) + "," + csvCell(login) + ",,," + csvCell(notes) + ",,$type,pamUser";
      for (const auto& f : fields) row += "," + csvCell(f.key) + "," + csvCell(f.value);
      std::cout << row << "\n";
    } else {
      // Indented like Commander's own export, so the file is easy to edit by hand.
      std::string out = "{\n  \"records\": [\n    {\n      \"title\": " + jsonString(title) +
                        (login.empty() ? std::string() : ",\n      \"login\": " + jsonString(login)) +
                        ",\n      \"$type\": \"pamUser\",\n      \"notes\": " + jsonString(notes) +
                        ",\n      \"custom_fields\": {";
      for (std::size_t i = 0; i < fields.size(); ++i)
        out += std::string(i ? "," : "") + "\n        " + jsonString("$" + fields[i].type + ":" + fields[i].label) +
               ": " + jsonString(fields[i].value);
      std::cout << out << "\n      }\n    }\n  ]\n}\n";
    }
    return 0;
  } catch (const LoadError& e) {
    std::cerr << "keeper-rotate: " << e.what() << "\n";
    return 3;
  }
}

}  // namespace keeper_rotate::host
