// A decrypted KSM record and the field operations the writer and credential source need. The record JSON is kept
// as parsed (key order preserved) so that a save changes exactly the fields we set and nothing else.
#pragma once

#include <keeper_rotate/secret.hpp>

#include <Poco/JSON/Object.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace keeper_rotate::ksm {

struct Record {
  std::string uid;
  std::int64_t revision = 0;
  std::string folderUid;  ///< shared folder the record was delivered in; empty when shared directly
  bool isEditable = false;
  Secret recordKey;               ///< 32-byte record key
  Poco::JSON::Object::Ptr data;   ///< {"title","type","fields":[...],"custom":[...],"notes"}

  std::string title() const;
  std::string type() const;
};

/// Field lookup as the Python SDK does it: exact (case-sensitive) label in `custom`, then in `fields`; failing
/// that, a case-insensitive type match (standard fields first). nullptr when absent.
Poco::JSON::Object::Ptr findField(const Poco::JSON::Object& data, std::string_view labelOrType);
/// Only by exact label, custom fields first, then standard fields (what the writer uses for its own labels).
Poco::JSON::Object::Ptr findFieldByLabel(const Poco::JSON::Object& data, std::string_view label);

/// The first value of a field as text: strings as they are, numbers and booleans converted. nullopt when the
/// field is absent, has no value, or its first value is an object/array.
std::optional<std::string> firstValue(const Poco::JSON::Object& data, std::string_view labelOrType);
/// Same, by exact label only.
std::optional<std::string> firstValueByLabel(const Poco::JSON::Object& data, std::string_view label);

/// Set a field by exact label to a single string value. An existing field keeps its type and every other key;
/// a missing one is appended to `custom` (created if absent) as {"type","label","value":[value]}.
/// Returns true when the field was created.
bool setFieldValue(Poco::JSON::Object& data, std::string_view label, std::string_view type, std::string_view value);

/// Remove the custom field with this exact label (used to undo a field we created). Returns true if removed.
bool removeCustomField(Poco::JSON::Object& data, std::string_view label);

/// Compact JSON text of the record data (what gets encrypted on save).
std::string toJson(const Poco::JSON::Object& data);
/// Parse decrypted record JSON (trailing padding spaces allowed). Throws KsmError(Protocol).
Poco::JSON::Object::Ptr parseRecordJson(std::string_view json, const std::string& uid);

/// Deep copy (Poco objects are shared pointers; an edit must not alter the copy a caller kept).
Poco::JSON::Object::Ptr cloneData(const Poco::JSON::Object& data);

}  // namespace keeper_rotate::ksm
