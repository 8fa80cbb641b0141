// Record model: the records the Gateway passes in `records`, each a flat dict of uid, title and
// label-or-type -> value, with values already reduced to text by the input decoder.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keeper_rotate::host {

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
