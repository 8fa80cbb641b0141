#include "selection/field_validation.hpp"

#include "selection/config_error.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace keeper_rotate::host {
namespace {

bool kindIs(const kr_field_spec& spec, const char* kind) {
  return spec.value_kind != nullptr && std::strcmp(spec.value_kind, kind) == 0;
}

bool isHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

bool isUuid(const std::string& v) {
  if (v.size() != 36) return false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (v[i] != '-') return false;
    } else if (!isHex(v[i])) {
      return false;
    }
  }
  return true;
}

bool enumContains(const char* allowed, const std::string& value) {
  if (allowed == nullptr) return false;
  std::string_view rest(allowed);
  while (true) {
    const auto bar = rest.find('|');
    if (rest.substr(0, bar) == value) return true;
    if (bar == std::string_view::npos) return false;
    rest.remove_prefix(bar + 1);
  }
}

std::string quoted(const kr_field_spec& spec, const std::string& value) {
  return (spec.flags & KR_FIELD_SECRET) ? std::string("(secret value)") : "'" + value + "'";
}

}  // namespace

std::optional<std::string> checkFieldValue(const kr_field_spec& spec, const std::string& value) {
  if (kindIs(spec, "int")) {
    if (value.empty() || !(value[0] == '-' || (value[0] >= '0' && value[0] <= '9')))
      return "has value " + quoted(spec, value) + ", which is not a whole number";
    errno = 0;
    char* end = nullptr;
    const long long n = std::strtoll(value.c_str(), &end, 10);
    if (errno == ERANGE || end == nullptr || *end != '\0')
      return "has value " + quoted(spec, value) + ", which is not a whole number";
    if (spec.min_value <= spec.max_value && (n < spec.min_value || n > spec.max_value))
      return "has value " + quoted(spec, value) + ", outside the allowed range " + std::to_string(spec.min_value) +
             ".." + std::to_string(spec.max_value);
  } else if (kindIs(spec, "enum")) {
    if (!enumContains(spec.allowed_values, value))
      return "has value " + quoted(spec, value) + ", which is not one of " +
             (spec.allowed_values ? spec.allowed_values : "(no values declared)");
  } else if (kindIs(spec, "url")) {
    // Credentials are sent to these endpoints: plain http is never acceptable.
    if (value.rfind("https://", 0) != 0 || value.size() <= 8)
      return "has value " + quoted(spec, value) + ", which is not an https:// URL";
  } else if (kindIs(spec, "uuid")) {
    if (!isUuid(value)) return "has value " + quoted(spec, value) + ", which is not a UUID (8-4-4-4-12 hex digits)";
  }
  return std::nullopt;
}

void validateFields(const Record& pamUser, const kr_field_spec* fields, std::size_t count, const std::string& origin) {
  for (std::size_t i = 0; i < count; ++i) {
    const kr_field_spec& spec = fields[i];
    if ((spec.flags & KR_FIELD_INPUT) == 0 || (spec.flags & KR_FIELD_OTHER_RECORD) != 0) continue;
    const std::string where = "PAM User record " + pamUser.describe() + ": custom field '" + spec.label + "'";
    const std::string* value = pamUser.find(spec.label);
    const bool present = value != nullptr && !value->empty();
    if (!present) {
      if (spec.flags & KR_FIELD_REQUIRED)
        throw ConfigError("field.missing", where + " is required by " + origin +
                                               " but is missing or empty. Add it (labels are case-sensitive)" +
                                               (spec.description && *spec.description
                                                    ? std::string(": ") + spec.description
                                                    : std::string()));
      continue;  // the default (if any) is metadata, trusted as declared
    }
    if (auto problem = checkFieldValue(spec, *value))
      throw ConfigError("field.invalid", where + " " + *problem + " (read by " + origin + ")");
  }
}

}  // namespace keeper_rotate::host
