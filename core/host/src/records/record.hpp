// Record model: the records the Gateway passes in `records`, each a flat dict of uid, title and
// label-or-type -> value, with values already reduced to text by the input decoder.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keeper_rotate::host {

/// Values written by `keeper-rotate template pam-user` (cli/template_command.cpp). Keeper's importers keep a custom
/// field only when it has a value, so the template fills every field: a required input without a default gets a
/// placeholder starting with kTemplatePlaceholderPrefix, which field validation rejects until it is replaced; an
/// optional input without a default gets kTemplateNotSet and an output gets kTemplateSetByRun, and both read as an
/// empty value (the field exists, it holds nothing yet), so defaults apply and the run fills the outputs.
inline constexpr const char* kTemplatePlaceholderPrefix = "REPLACE-ME";
inline constexpr const char* kTemplateNotSet = "(not set)";
inline constexpr const char* kTemplateSetByRun = "(set by keeper-rotate)";

/// Whether `value` is one of the template's "nothing here yet" values.
inline bool isTemplateEmptyMarker(std::string_view value) {
  return value == kTemplateNotSet || value == kTemplateSetByRun;
}
/// Whether `value` is still the template's placeholder for a required input.
inline bool isTemplatePlaceholder(std::string_view value) {
  return value.substr(0, std::string_view(kTemplatePlaceholderPrefix).size()) == kTemplatePlaceholderPrefix;
}

class Record {
 public:
  Record() = default;
  Record(std::string uid, std::string title) : uid_(std::move(uid)), title_(std::move(title)) {}
  Record(const Record&) = default;
  Record(Record&&) noexcept = default;
  Record& operator=(const Record&) = default;
  Record& operator=(Record&&) noexcept = default;
  /// Record values can be credentials (admin client secrets, passwords): wipe them when the record goes.
  ~Record();

  const std::string& uid() const { return uid_; }
  const std::string& title() const { return title_; }

  /// Add a field as the Gateway named it. A repeated key keeps the first value (the Gateway itself suffixes
  /// duplicates with a number, so a true repeat means malformed input; the first is what a reader sees first).
  /// A template marker (isTemplateEmptyMarker) is stored as an empty value.
  void add(std::string key, std::string value);

  /// Exact, case-sensitive lookup by label (or by field type for unlabelled fields). nullptr when absent.
  const std::string* find(std::string_view label) const;

  /// "uid", "title" or a field key.
  const std::string* get(std::string_view key) const;

  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }

  /// "'Title' (uid XYZ)" for messages.
  std::string describe() const;

 private:
  std::string uid_;
  std::string title_;
  std::vector<std::pair<std::string, std::string>> fields_;
};

class RecordSet {
 public:
  void add(Record record) { records_.push_back(std::move(record)); }
  std::size_t size() const { return records_.size(); }
  const Record& at(std::size_t index) const { return records_.at(index); }
  const Record* byUid(std::string_view uid) const;
  const std::vector<Record>& all() const { return records_; }

 private:
  std::vector<Record> records_;
};

}  // namespace keeper_rotate::host
