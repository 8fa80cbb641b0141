#include "records/record.hpp"

#include "util/encoding.hpp"

namespace keeper_rotate::host {

Record::~Record() {
  for (auto& [key, value] : fields_) util::wipe(value);
}

void Record::add(std::string key, std::string value) {
  if (find(key) != nullptr) {
    util::wipe(value);
    return;
  }
  if (isTemplateEmptyMarker(value)) value.clear();
  fields_.emplace_back(std::move(key), std::move(value));
}

const std::string* Record::find(std::string_view label) const {
  for (const auto& [key, value] : fields_)
    if (key == label) return &value;
  return nullptr;
}

const std::string* Record::get(std::string_view key) const {
  if (key == "uid") return &uid_;
  if (key == "title") return &title_;
  return find(key);
}

std::string Record::describe() const {
  if (title_.empty()) return "(uid " + uid_ + ")";
  return "'" + title_ + "' (uid " + uid_ + ")";
}

const Record* RecordSet::byUid(std::string_view uid) const {
  for (const auto& r : records_)
    if (r.uid() == uid) return &r;
  return nullptr;
}

}  // namespace keeper_rotate::host
