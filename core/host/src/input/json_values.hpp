// How a value in a Gateway record dict becomes text: scalars as text, arrays by their first element, objects
// (and objects inside arrays) as compact JSON text so plugins can still parse them.
#pragma once

#include <Poco/Dynamic/Var.h>

#include <optional>
#include <string>

namespace keeper_rotate::host::json {

/// nullopt for null (the field is treated as absent).
std::optional<std::string> fieldText(const Poco::Dynamic::Var& value);

/// "string", "number", "boolean", "null", "array" or "object", for error messages.
std::string typeName(const Poco::Dynamic::Var& value);

}  // namespace keeper_rotate::host::json
