#include "input/json_values.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>

namespace keeper_rotate::host::json {
namespace {

bool isObject(const Poco::Dynamic::Var& v) { return v.type() == typeid(Poco::JSON::Object::Ptr); }
bool isArray(const Poco::Dynamic::Var& v) { return v.type() == typeid(Poco::JSON::Array::Ptr); }

std::string compact(const Poco::Dynamic::Var& v) {
  std::ostringstream os;
  Poco::JSON::Stringifier::stringify(v, os);
  return os.str();
}

std::optional<std::string> scalarText(const Poco::Dynamic::Var& v) {
  if (v.isEmpty()) return std::nullopt;
  if (v.isString()) return v.extract<std::string>();
  if (isObject(v) || isArray(v)) return compact(v);
  return v.convert<std::string>();  // numbers and booleans
}

}  // namespace

std::optional<std::string> fieldText(const Poco::Dynamic::Var& value) {
  if (isArray(value)) {
    const auto& array = *value.extract<Poco::JSON::Array::Ptr>();
    if (array.size() == 0) return std::string();
    return scalarText(array.get(0));
  }
  return scalarText(value);
}

std::string typeName(const Poco::Dynamic::Var& value) {
  if (value.isEmpty()) return "null";
  if (value.isString()) return "string";
  if (value.isBoolean()) return "boolean";
  if (value.isNumeric()) return "number";
  if (isArray(value)) return "array";
  if (isObject(value)) return "object";
  return "value";
}

}  // namespace keeper_rotate::host::json
