// A decrypted KSM record and the field operations the writer and credential source need. The record JSON is kept
// as parsed (key order and number literals preserved) so that a save changes exactly the fields we set and nothing
// else. It lives in a keeper_rotate::json document, which zeroes every string it held when it is destroyed or
// edited: the record's passwords and keys leave no copies in freed memory.
#pragma once

#include <keeper_rotate/json.hpp>
#include <keeper_rotate/secret.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace keeper_rotate::ksm {

struct Record {
  std::string uid;
  std::int64_t revision = 0;
  std::string folderUid;  ///< shared folder the record was delivered in; empty when shared directly
  bool isEditable = false;
  Secret recordKey;  ///< 32-byte record key
  /// {"title","type","fields":[...],"custom":[...],"notes"}. Shared by copies of the Record (an edit through one
  /// copy is seen by all); cloneData() makes an independent copy.
  std::shared_ptr<json::Object> data;

  std::string title() const;
  std::string type() const;
};

/// Field lookup as the Python SDK does it: exact (case-sensitive) label in `custom`, then in `fields`; failing
/// that, a case-insensitive type match (standard fields first). nullptr when absent.
/// The result points into `data`: it is invalidated by any edit that adds or removes elements of the containing
/// `fields`/`custom` array (setFieldValue creating a field, removeCustomField) or replaces that array.
const json::Object* findField(const json::Object& data, std::string_view labelOrType);
json::Object* findField(json::Object& data, std::string_view labelOrType);
/// Only by exact label, custom fields first, then standard fields (what the writer uses for its own labels).
/// Points into `data`, invalidated like findField's result.
const json::Object* findFieldByLabel(const json::Object& data, std::string_view label);
json::Object* findFieldByLabel(json::Object& data, std::string_view label);

/// The first value of a field as text: strings as they are, numbers (as their literal text) and booleans
/// converted. nullopt when the field is absent, has no value, or its first value is null, an object or an array.
std::optional<std::string> firstValue(const json::Object& data, std::string_view labelOrType);
/// Same, by exact label only.
std::optional<std::string> firstValueByLabel(const json::Object& data, std::string_view label);

/// Set a field by exact label to a single string value. An existing field keeps its type and every other key;
/// a missing one is appended to `custom` (created if absent) as {"type","label","value":[value]}.
/// Returns true when the field was created.
bool setFieldValue(json::Object& data, std::string_view label, std::string_view type, std::string_view value);

/// Remove the custom field with this exact label (used to undo a field we created). Returns true if removed.
bool removeCustomField(json::Object& data, std::string_view label);

/// Compact JSON text of the record data (what gets encrypted on save). It holds the record's secrets: the caller
/// wipes it (json::wipe) when done.
std::string toJson(const json::Object& data);
/// Parse decrypted record JSON (trailing padding spaces allowed). Throws KsmError(Protocol).
std::shared_ptr<json::Object> parseRecordJson(std::string_view json, const std::string& uid);

/// Deep copy (copies of a Record share their data; an edit must not alter the copy a caller kept).
std::shared_ptr<json::Object> cloneData(const json::Object& data);

}  // namespace keeper_rotate::ksm
