#include "json_schema.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

namespace krtest {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

bool isObject(const Var& v) { return v.type() == typeid(Object::Ptr); }
bool isArray(const Var& v) { return v.type() == typeid(Array::Ptr); }
// Poco reports a bool as an integer type; JSON does not.
bool isInteger(const Var& v) { return !v.isEmpty() && !v.isBoolean() && v.isInteger(); }
bool isNumber(const Var& v) { return !v.isEmpty() && !v.isBoolean() && v.isNumeric(); }

std::string compact(const Var& v) {
  if (v.isEmpty()) return "null";
  std::ostringstream os;
  Poco::JSON::Stringifier::stringify(v, os);
  return os.str();
}

bool hasType(const Var& v, const std::string& type) {
  if (type == "null") return v.isEmpty();
  if (type == "boolean") return !v.isEmpty() && v.isBoolean();
  if (type == "integer") return isInteger(v);
  if (type == "number") return isNumber(v);
  if (type == "string") return !v.isEmpty() && v.isString();
  if (type == "object") return isObject(v);
  if (type == "array") return isArray(v);
  throw std::invalid_argument("unknown type name '" + type + "'");
}

std::string typeOf(const Var& v) {
  for (const char* t : {"null", "boolean", "integer", "number", "string", "object", "array"})
    if (hasType(v, t)) return t;
  return "unknown";
}

const std::set<std::string> kAnnotations = {"$schema", "$id", "title", "description"};
const std::set<std::string> kKeywords = {"type", "enum", "required", "properties", "additionalProperties", "items"};

void checkSchema(const Var& schema, const std::string& path) {
  if (!isObject(schema)) throw std::invalid_argument(path + ": a schema must be an object");
  const Object& s = *schema.extract<Object::Ptr>();
  for (const auto& [key, value] : s) {
    if (kAnnotations.count(key)) continue;
    if (!kKeywords.count(key)) throw std::invalid_argument(path + ": keyword '" + key + "' is not supported by the checker");
    if (key == "type") {
      if (value.isString()) {
        hasType(Var(), value.extract<std::string>());
      } else if (isArray(value)) {
        for (const auto& t : *value.extract<Array::Ptr>()) {
          if (!t.isString()) throw std::invalid_argument(path + ": type list entries must be strings");
          hasType(Var(), t.extract<std::string>());
        }
      } else {
        throw std::invalid_argument(path + ": 'type' must be a string or a list");
      }
    } else if (key == "enum" || key == "required") {
      if (!isArray(value)) throw std::invalid_argument(path + ": '" + key + "' must be a list");
      if (key == "required")
        for (const auto& r : *value.extract<Array::Ptr>())
          if (!r.isString()) throw std::invalid_argument(path + ": 'required' entries must be strings");
    } else if (key == "properties") {
      if (!isObject(value)) throw std::invalid_argument(path + ": 'properties' must be an object");
      for (const auto& [name, sub] : *value.extract<Object::Ptr>()) checkSchema(sub, path + ".properties." + name);
    } else if (key == "additionalProperties") {
      if (value.isBoolean()) continue;
      checkSchema(value, path + ".additionalProperties");
    } else if (key == "items") {
      checkSchema(value, path + ".items");
    }
  }
}

void validate(const Var& schemaVar, const Var& v, const std::string& path, std::vector<std::string>& errors) {
  const Object& s = *schemaVar.extract<Object::Ptr>();
  if (s.has("type")) {
    const Var t = s.get("type");
    bool ok = false;
    std::string names;
    if (t.isString()) {
      names = t.extract<std::string>();
      ok = hasType(v, names);
    } else {
      for (const auto& name : *t.extract<Array::Ptr>()) {
        names += (names.empty() ? "" : " or ") + name.extract<std::string>();
        ok = ok || hasType(v, name.extract<std::string>());
      }
    }
    if (!ok) {
      errors.push_back(path + ": is " + typeOf(v) + ", expected " + names);
      return;  // the other keywords would only repeat the mismatch
    }
  }
  if (s.has("enum")) {
    const std::string text = compact(v);
    bool found = false;
    for (const auto& allowed : *s.getArray("enum")) found = found || compact(allowed) == text;
    if (!found) errors.push_back(path + ": " + text + " is not one of " + compact(s.get("enum")));
  }
  if (isObject(v)) {
    const Object& o = *v.extract<Object::Ptr>();
    if (s.has("required"))
      for (const auto& r : *s.getArray("required"))
        if (!o.has(r.extract<std::string>())) errors.push_back(path + ": lacks required key '" + r.extract<std::string>() + "'");
    const Object::Ptr props = s.has("properties") ? s.getObject("properties") : Object::Ptr();
    for (const auto& [key, value] : o) {
      if (props && props->has(key)) {
        validate(props->get(key), value, path + "." + key, errors);
      } else if (s.has("additionalProperties")) {
        const Var extra = s.get("additionalProperties");
        if (extra.isBoolean()) {
          if (!extra.extract<bool>()) errors.push_back(path + ": key '" + key + "' is not allowed");
        } else {
          validate(extra, value, path + "." + key, errors);
        }
      }
    }
  }
  if (isArray(v) && s.has("items")) {
    const Array& a = *v.extract<Array::Ptr>();
    for (std::size_t i = 0; i < a.size(); ++i)
      validate(s.get("items"), a.get(static_cast<unsigned>(i)), path + "[" + std::to_string(i) + "]", errors);
  }
}

Var parse(const std::string& text) {
  Poco::JSON::Parser parser;
  return parser.parse(text);
}

}  // namespace

SchemaChecker::SchemaChecker(Var schema) : schema_(std::move(schema)) { checkSchema(schema_, "$"); }

SchemaChecker SchemaChecker::fromText(const std::string& json) { return SchemaChecker(parse(json)); }

SchemaChecker SchemaChecker::fromFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read schema " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return fromText(ss.str());
}

std::vector<std::string> SchemaChecker::errors(const Var& instance) const {
  std::vector<std::string> out;
  validate(schema_, instance, "$", out);
  return out;
}

std::vector<std::string> SchemaChecker::errorsInText(const std::string& json) const {
  try {
    return errors(parse(json));
  } catch (const Poco::Exception& e) {
    return {"$: not JSON: " + e.message()};
  }
}

const SchemaChecker& summarySchema() {
  static const SchemaChecker checker = SchemaChecker::fromFile(KR_SUMMARY_SCHEMA);
  return checker;
}

}  // namespace krtest
