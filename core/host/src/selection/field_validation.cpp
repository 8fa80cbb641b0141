#include "selection/field_validation.hpp"

#include "selection/config_error.hpp"

#include <keeper_rotate/field_rules.hpp>

namespace keeper_rotate::host {

std::optional<std::string> checkFieldValue(const kr_field_spec& spec, const std::string& value) {
  // Checked as typed: a stray space is reported rather than silently accepted (the typed accessors trim anyway).
  return field_rules::checkFieldValue(spec, value);
}

void validateFields(const Record& pamUser, const kr_field_spec* fields, std::size_t count, const std::string& origin) {
  for (std::size_t i = 0; i < count; ++i) {
    const kr_field_spec& spec = fields[i];
    if ((spec.flags & KR_FIELD_INPUT) == 0 || (spec.flags & KR_FIELD_OTHER_RECORD) != 0) continue;
    // `login` is the pamUser record type's own Login field, every other declared label a custom field.
    const bool ownField = std::string_view(spec.label) == "login";
    const std::string where = "PAM User record " + pamUser.describe() + ": " +
                              (ownField ? std::string("the Login field") : "custom field '" + std::string(spec.label) + "'");
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
    // Before the value rules: "still the placeholder" says what to do, "not a UUID" would not.
    if (isTemplatePlaceholder(*value))
      throw ConfigError("field.placeholder",
                        where + " still holds the import template's placeholder; replace it with the real value" +
                            (spec.description && *spec.description ? std::string(" (") + spec.description + ")"
                                                                   : std::string()) +
                            " (read by " + origin + ")");
    if (auto problem = checkFieldValue(spec, *value))
      throw ConfigError("field.invalid", where + " " + *problem + " (read by " + origin + ")");
  }
}

}  // namespace keeper_rotate::host
