#include "kr_ksm/record.hpp"

#include <keeper_rotate/text.hpp>

#include "kr_ksm/errors.hpp"

#include <utility>

namespace keeper_rotate::ksm {
namespace {

using json::Array;
using json::Object;
using json::Value;

/// The `fields` or `custom` array; nullptr when missing, null or not an array.
const Array* section(const Object& data, const char* name) { return data.findArray(name); }

/// A member as text (strings as they are, numbers and booleans converted); empty when missing or not a scalar.
std::string stringKey(const Object& o, const char* key) {
  const Value* v = o.find(key);
  if (v == nullptr) return {};
  if (v->isString()) return v->string();
  return json::text(*v).value_or(std::string());
}

using keeper_rotate::text::iequals;

const Object* findIn(const Array* arr, std::string_view key, bool byType) {
  if (arr == nullptr) return nullptr;
  for (const Value& item : *arr) {
    if (!item.isObject()) continue;
    const Object& f = item.object();
    if (byType ? iequals(stringKey(f, "type"), key) : stringKey(f, "label") == key) return &f;
  }
  return nullptr;
}

std::optional<std::string> firstOf(const Object* field) {
  if (field == nullptr) return std::nullopt;
  const Value* v = field->find("value");
  if (v == nullptr) return std::nullopt;
  const Value* first = v;  // tolerate a scalar where an array belongs
  if (v->isArray()) {
    if (v->array().empty()) return std::nullopt;
    first = &v->array()[0];
  }
  // Strings as they are, numbers as their literal text, booleans as true/false; nullopt for null, objects, arrays.
  return json::text(*first);
}

}  // namespace

std::string Record::title() const { return data ? stringKey(*data, "title") : std::string(); }
std::string Record::type() const { return data ? stringKey(*data, "type") : std::string(); }

const Object* findFieldByLabel(const Object& data, std::string_view label) {
  if (const Object* f = findIn(section(data, "custom"), label, false)) return f;
  return findIn(section(data, "fields"), label, false);
}

Object* findFieldByLabel(Object& data, std::string_view label) {
  return const_cast<Object*>(findFieldByLabel(static_cast<const Object&>(data), label));
}

const Object* findField(const Object& data, std::string_view labelOrType) {
  if (const Object* f = findFieldByLabel(data, labelOrType)) return f;
  if (const Object* f = findIn(section(data, "fields"), labelOrType, true)) return f;
  return findIn(section(data, "custom"), labelOrType, true);
}

Object* findField(Object& data, std::string_view labelOrType) {
  return const_cast<Object*>(findField(static_cast<const Object&>(data), labelOrType));
}

std::optional<std::string> firstValue(const Object& data, std::string_view labelOrType) {
  return firstOf(findField(data, labelOrType));
}

std::optional<std::string> firstValueByLabel(const Object& data, std::string_view label) {
  return firstOf(findFieldByLabel(data, label));
}

bool setFieldValue(Object& data, std::string_view label, std::string_view type, std::string_view value) {
  Array values;
  values.push_back(Value(value));
  if (Object* existing = findFieldByLabel(data, label)) {
    existing->set("value", std::move(values));  // the old value list is zeroed
    return false;
  }
  Array* custom = data.findArray("custom");
  if (custom == nullptr) custom = &data.set("custom", Array()).array();  // missing or null: a new list
  Object field;
  field.set("type", Value(type));
  field.set("label", Value(label));
  field.set("value", std::move(values));
  custom->push_back(std::move(field));
  return true;
}

bool removeCustomField(Object& data, std::string_view label) {
  Array* custom = data.findArray("custom");
  if (custom == nullptr) return false;
  for (std::size_t i = 0; i < custom->size(); ++i) {
    const Value& f = (*custom)[i];
    if (f.isObject() && stringKey(f.object(), "label") == label) {
      custom->erase(i);
      return true;
    }
  }
  return false;
}

std::string toJson(const Object& data) { return json::stringify(data); }

std::shared_ptr<Object> parseRecordJson(std::string_view text, const std::string& uid) {
  try {
    Value parsed = json::parse(text);
    if (parsed.isObject()) return std::make_shared<Object>(std::move(parsed.object()));
  } catch (const std::exception&) {
  }
  throw KsmError(KsmError::Kind::Protocol, "ksm.record_json",
                 "record " + uid + ": decrypted data is not a JSON object");
}

std::shared_ptr<Object> cloneData(const Object& data) { return std::make_shared<Object>(data); }

}  // namespace keeper_rotate::ksm
