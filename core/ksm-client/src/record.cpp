#include "kr_ksm/record.hpp"

#include <keeper_rotate/text.hpp>

#include "kr_ksm/errors.hpp"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <algorithm>
#include <cctype>
#include <sstream>
#include <string.h>

namespace keeper_rotate::ksm {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Array::Ptr section(const Object& data, const char* name) {
  if (!data.has(name) || data.isNull(name)) return nullptr;
  return data.getArray(name);
}

std::string stringKey(const Object& o, const char* key) {
  if (!o.has(key) || o.isNull(key)) return {};
  const auto& v = o.get(key);
  return v.isString() ? v.extract<std::string>() : v.convert<std::string>();
}

using keeper_rotate::text::iequals;

Object::Ptr findIn(const Array::Ptr& arr, std::string_view key, bool byType) {
  if (!arr) return nullptr;
  for (std::size_t i = 0; i < arr->size(); ++i) {
    Object::Ptr f = arr->getObject(static_cast<unsigned>(i));
    if (!f) continue;
    if (byType ? iequals(stringKey(*f, "type"), key) : stringKey(*f, "label") == key) return f;
  }
  return nullptr;
}

std::optional<std::string> firstOf(const Object::Ptr& field) {
  if (!field || !field->has("value") || field->isNull("value")) return std::nullopt;
  const auto& v = field->get("value");
  Poco::Dynamic::Var first;
  if (v.type() == typeid(Array::Ptr)) {
    auto arr = v.extract<Array::Ptr>();
    if (!arr || arr->size() == 0) return std::nullopt;
    first = arr->get(0);
  } else {
    first = v;  // tolerate a scalar where an array belongs
  }
  if (first.isEmpty() || first.type() == typeid(Object::Ptr) || first.type() == typeid(Array::Ptr)) return std::nullopt;
  if (first.isString()) return first.extract<std::string>();
  return first.convert<std::string>();
}

}  // namespace

std::string Record::title() const { return data ? stringKey(*data, "title") : std::string(); }
std::string Record::type() const { return data ? stringKey(*data, "type") : std::string(); }

Object::Ptr findFieldByLabel(const Object& data, std::string_view label) {
  if (auto f = findIn(section(data, "custom"), label, false)) return f;
  return findIn(section(data, "fields"), label, false);
}

Object::Ptr findField(const Object& data, std::string_view labelOrType) {
  if (auto f = findFieldByLabel(data, labelOrType)) return f;
  if (auto f = findIn(section(data, "fields"), labelOrType, true)) return f;
  return findIn(section(data, "custom"), labelOrType, true);
}

std::optional<std::string> firstValue(const Object& data, std::string_view labelOrType) {
  return firstOf(findField(data, labelOrType));
}

std::optional<std::string> firstValueByLabel(const Object& data, std::string_view label) {
  return firstOf(findFieldByLabel(data, label));
}

bool setFieldValue(Object& data, std::string_view label, std::string_view type, std::string_view value) {
  Array::Ptr values = new Array();
  values->add(std::string(value));
  if (Object::Ptr existing = findFieldByLabel(data, label)) {
    existing->set("value", values);
    return false;
  }
  Array::Ptr custom = section(data, "custom");
  if (!custom) {
    custom = new Array();
    data.set("custom", custom);
  }
  Object::Ptr field = new Object(Poco::JSON_PRESERVE_KEY_ORDER);
  field->set("type", std::string(type));
  field->set("label", std::string(label));
  field->set("value", values);
  custom->add(field);
  return true;
}

bool removeCustomField(Object& data, std::string_view label) {
  Array::Ptr custom = section(data, "custom");
  if (!custom) return false;
  for (std::size_t i = 0; i < custom->size(); ++i) {
    Object::Ptr f = custom->getObject(static_cast<unsigned>(i));
    if (f && stringKey(*f, "label") == label) {
      custom->remove(static_cast<unsigned>(i));
      return true;
    }
  }
  return false;
}

std::string toJson(const Object& data) {
  std::ostringstream out;
  data.stringify(out, 0);
  return out.str();
}

Object::Ptr parseRecordJson(std::string_view json, const std::string& uid) {
  try {
    Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
    auto result = parser.parse(std::string(json));
    if (result.type() != typeid(Object::Ptr)) throw KsmError(KsmError::Kind::Protocol, "ksm.record", "");
    return result.extract<Object::Ptr>();
  } catch (const std::exception&) {
    throw KsmError(KsmError::Kind::Protocol, "ksm.record_json",
                   "record " + uid + ": decrypted data is not a JSON object");
  }
}

Object::Ptr cloneData(const Object& data) {
  // A round trip through text is the simplest exact deep copy of Poco's shared JSON nodes.
  std::string text = toJson(data);
  Object::Ptr copy = parseRecordJson(text, "(copy)");
  explicit_bzero(text.data(), text.size());
  return copy;
}

}  // namespace keeper_rotate::ksm
