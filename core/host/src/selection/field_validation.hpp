// Validation of the PAM User record against the field metadata of the selected plugins, before any plugin
// operation runs: required inputs present, enums among their allowed values, integers in range, URLs https.
#pragma once

#include "records/record.hpp"

#include <keeper_rotate/abi.h>

#include <cstddef>
#include <optional>
#include <string>

namespace keeper_rotate::host {

/// Problem with `value` for `spec`, or nullopt when it is acceptable. Never quotes a secret value.
std::optional<std::string> checkFieldValue(const kr_field_spec& spec, const std::string& value);

/// Throws ConfigError naming the record (title and uid), the field label and the plugin that reads it.
/// Fields flagged KR_FIELD_OTHER_RECORD and pure outputs are skipped.
void validateFields(const Record& pamUser, const kr_field_spec* fields, std::size_t count, const std::string& origin);

}  // namespace keeper_rotate::host
