// How a value in a Gateway record dict becomes text: scalars as text, arrays by their first element, objects
// (and objects inside arrays) as compact JSON text so plugins can still parse them.
#pragma once

#include <keeper_rotate/json.hpp>

#include <optional>
#include <string>

namespace keeper_rotate::host {

/// nullopt for null (the field is treated as absent).
std::optional<std::string> fieldText(const keeper_rotate::json::Value& value);

}  // namespace keeper_rotate::host
