#include "input/json_values.hpp"

namespace keeper_rotate::host {
namespace {

namespace js = keeper_rotate::json;

std::optional<std::string> scalarText(const js::Value& v) {
  if (v.isNull()) return std::nullopt;
  if (v.isObject() || v.isArray()) return js::stringify(v);
  return js::text(v);  // strings as they are, numbers as written, booleans as true/false
}

}  // namespace

std::optional<std::string> fieldText(const js::Value& value) {
  if (value.isArray()) {
    const js::Array& array = value.array();
    if (array.empty()) return std::string();
    return scalarText(array[0]);
  }
  return scalarText(value);
}

}  // namespace keeper_rotate::host
