#include "cli/plugin_info.hpp"

#include "selection/host_fields.hpp"
#include "util/encoding.hpp"

#include <cstring>
#include <sstream>

namespace keeper_rotate::host {
namespace {

std::string q(const char* s) { return s ? "\"" + util::jsonEscape(s) + "\"" : "null"; }
std::string q(const std::string& s) { return "\"" + util::jsonEscape(s) + "\""; }
std::string str(const char* s) { return s ? s : ""; }

bool isInt(const kr_field_spec& f) { return f.value_kind && std::strcmp(f.value_kind, "int") == 0; }

std::string fieldsJson(const kr_field_spec* fields, std::size_t count) {
  std::string s = "[";
  for (std::size_t i = 0; i < count; ++i) s += (i ? "," : "") + fieldJson(fields[i]);
  return s + "]";
}

std::string requiredCredentials(const LoadedPlugin& p) {
  std::string s;
  for (const auto& c : p.requiredCredentials) s += (s.empty() ? "" : ", ") + c;
  return s;
}

std::string credentialJson(const kr_credential_spec& spec) {
  std::string s = "{\"scheme\":" + q(spec.scheme) + ",\"subject\":" + q(spec.subject) +
                  ",\"configuration\":" + q(spec.configuration) + ",\"parts\":[";
  for (std::size_t i = 0; i < spec.part_count; ++i) {
    const kr_credential_part& part = spec.parts[i];
    s += std::string(i ? "," : "") + "{\"name\":" + q(part.name) +
         ",\"secret\":" + ((part.flags & KR_CREDENTIAL_SECRET) ? "true" : "false") +
         ",\"optional\":" + ((part.flags & KR_CREDENTIAL_OPTIONAL) ? "true" : "false") +
         ",\"where\":{\"attached-record\":" + q(part.record_label) + ",\"pam-config\":" + q(part.config_field) +
         ",\"env\":" + q(part.env_var) + "},\"description\":" + q(part.description) + "}";
  }
  return s + "]}";
}

/// Where each first-party credential source looks for each part: the table admins need to fill in a record.
void credentialText(std::ostringstream& os, const kr_credential_spec& spec) {
  os << "\nadmin credential (" << str(spec.scheme) << "), where each credential source looks:\n";
  for (std::size_t i = 0; i < spec.part_count; ++i) {
    const kr_credential_part& part = spec.parts[i];
    os << "  " << part.name << "  (" << ((part.flags & KR_CREDENTIAL_OPTIONAL) ? "optional" : "required")
       << ((part.flags & KR_CREDENTIAL_SECRET) ? ", secret" : "") << ")";
    if (part.description && *part.description) os << "  " << part.description;
    os << "\n";
    os << "      attached-record: " << (part.record_label ? "field '" + str(part.record_label) + "'" : "-")
       << "    pam-config: " << (part.config_field ? "field '" + str(part.config_field) + "'" : "-")
       << "    env: " << (part.env_var ? str(part.env_var) : "-") << "\n";
  }
}

void fieldsText(std::ostringstream& os, const kr_field_spec* fields, std::size_t count) {
  for (std::size_t i = 0; i < count; ++i) {
    const kr_field_spec& f = fields[i];
    os << "  " << f.label << "  (" << str(f.type) << ", " << fieldDirection(f);
    if (f.flags & KR_FIELD_INPUT) os << ((f.flags & KR_FIELD_REQUIRED) ? ", required" : ", optional");
    if (f.flags & KR_FIELD_SECRET) os << ", secret";
    if (f.flags & KR_FIELD_OTHER_RECORD) os << ", on another record";
    if (f.default_value) os << ", default " << f.default_value;
    if (f.allowed_values) os << ", one of " << f.allowed_values;
    if (isInt(f) && f.min_value <= f.max_value) os << ", " << f.min_value << ".." << f.max_value;
    os << ")\n";
    if (f.description && *f.description) os << "      " << f.description << "\n";
  }
}

}  // namespace

std::string fieldDirection(const kr_field_spec& f) {
  const bool in = f.flags & KR_FIELD_INPUT, out = f.flags & KR_FIELD_OUTPUT;
  return in && out ? "in/out" : out ? "out" : "in";
}

std::string fieldJson(const kr_field_spec& f) {
  std::string s = "{\"label\":" + q(f.label) + ",\"type\":" + q(f.type) + ",\"valueKind\":" + q(f.value_kind) +
                  ",\"direction\":" + q(fieldDirection(f)) +
                  ",\"required\":" + ((f.flags & KR_FIELD_REQUIRED) ? "true" : "false") +
                  ",\"secret\":" + ((f.flags & KR_FIELD_SECRET) ? "true" : "false") +
                  ",\"otherRecord\":" + ((f.flags & KR_FIELD_OTHER_RECORD) ? "true" : "false") +
                  ",\"default\":" + q(f.default_value);
  s += ",\"allowedValues\":";
  if (f.allowed_values) {
    std::string list = "[";
    std::string_view rest(f.allowed_values);
    bool first = true;
    while (true) {
      const auto bar = rest.find('|');
      list += (first ? "" : ",") + q(std::string(rest.substr(0, bar)));
      first = false;
      if (bar == std::string_view::npos) break;
      rest.remove_prefix(bar + 1);
    }
    s += list + "]";
  } else {
    s += "null";
  }
  if (isInt(f)) s += ",\"min\":" + std::to_string(f.min_value) + ",\"max\":" + std::to_string(f.max_value);
  return s + ",\"description\":" + q(f.description) + "}";
}

std::string pluginJson(const LoadedPlugin& p) {
  const kr_plugin_descriptor& d = *p.descriptor;
  std::string s = "{\"kind\":" + q(kindPrefix(p.kind)) + ",\"name\":" + q(d.name) + ",\"version\":" + q(d.version) +
                  ",\"description\":" + q(d.description) + ",\"abi\":" +
                  q(std::to_string(p.tag.abi_major) + "." + std::to_string(p.tag.abi_minor)) +
                  ",\"path\":" + q(p.path.string());
  if (p.kind == KR_KIND_RECORD_WRITER)
    s += std::string(",\"durable\":") + ((d.record_writer->capabilities & KR_WRITER_DURABLE) ? "true" : "false");
  if (p.kind == KR_KIND_PROVIDER) {
    s += ",\"requiredCredentials\":[";
    bool first = true;
    for (const auto& c : p.requiredCredentials) {
      s += (first ? "" : ",") + q(c);
      first = false;
    }
    s += "]";
    s += ",\"credential\":" + (p.credential ? credentialJson(*p.credential) : std::string("null"));
  }
  s += ",\"fields\":" + fieldsJson(p.fields.data(), p.fields.size());
  if (p.kind == KR_KIND_PROVIDER) s += ",\"hostFields\":" + fieldsJson(hostFields(), hostFieldCount());
  return s + "}";
}

std::string pluginText(const LoadedPlugin& p) {
  const kr_plugin_descriptor& d = *p.descriptor;
  std::ostringstream os;
  os << kindLabel(p.kind) << " " << str(d.name) << " " << str(d.version) << " (ABI " << p.tag.abi_major << "."
     << p.tag.abi_minor << ")\n  " << str(d.description) << "\n  file: " << p.path.string() << "\n";
  if (p.kind == KR_KIND_RECORD_WRITER)
    os << "  durable: " << ((d.record_writer->capabilities & KR_WRITER_DURABLE) ? "yes" : "no (runs are rehearsals)")
       << "\n";
  if (p.kind == KR_KIND_PROVIDER) {
    const std::string creds = requiredCredentials(p);
    os << "  admin credential parts: " << (creds.empty() ? "(none)" : creds) << "\n";
    if (p.credential) credentialText(os, *p.credential);
  }
  if (p.fields.empty()) {
    os << "\nfields: none (this plugin reads and writes no record field)\n";
  } else {
    os << "\nfields (custom fields of the PAM User record unless noted):\n";
    fieldsText(os, p.fields.data(), p.fields.size());
  }
  if (p.kind == KR_KIND_PROVIDER) {
    os << "\nkeeper-rotate's own fields:\n";
    fieldsText(os, hostFields(), hostFieldCount());
  }
  return os.str();
}

}  // namespace keeper_rotate::host
