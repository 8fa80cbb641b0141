// keeper_rotate::testing — builders for what the Gateway hands keeper-rotate: the input keys (userRecordUid,
// providerRecordUid, ...) and the records (uid, title, label -> value).
//
//   auto input = gatewayInput()
//                    .pamUser(record("PamUser0000000000001").title("payments app").field("example_account", "acct-1"))
//                    .providerRecordUid("PamConfig000000000001")
//                    .record(record("AdminRecord0000000001").field("client_secret", "s3cret"))
//                    .build();
//   host.useInput(input);
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace keeper_rotate::testing {

/// One record of the Gateway's `records` array: its uid, title and fields in the order they were given.
struct Record {
  std::string uid;
  std::string title;
  std::vector<std::pair<std::string, std::string>> fields;

  /// The value of `label`, or nullptr (labels are exact and case-sensitive, as in Keeper).
  const std::string* find(const std::string& label) const {
    for (const auto& [key, value] : fields)
      if (key == label) return &value;
    return nullptr;
  }
  /// Set or replace `label`.
  void set(const std::string& label, std::string value) {
    for (auto& [key, v] : fields)
      if (key == label) {
        v = std::move(value);
        return;
      }
    fields.emplace_back(label, std::move(value));
  }
  /// Remove `label`; true when it was there.
  bool erase(const std::string& label) {
    for (auto it = fields.begin(); it != fields.end(); ++it)
      if (it->first == label) {
        fields.erase(it);
        return true;
      }
    return false;
  }
  /// "'title' (uid X)" or "(uid X)": how the host names a record in messages.
  std::string describe() const { return title.empty() ? "(uid " + uid + ")" : "'" + title + "' (uid " + uid + ")"; }
};

class RecordBuilder {
 public:
  explicit RecordBuilder(std::string uid) { record_.uid = std::move(uid); }
  RecordBuilder& title(std::string t) {
    record_.title = std::move(t);
    return *this;
  }
  RecordBuilder& field(const std::string& label, std::string value) {
    record_.set(label, std::move(value));
    return *this;
  }
  Record build() const { return record_; }
  operator Record() const { return record_; }  // NOLINT: implicit so builders can be passed where a Record is wanted

 private:
  Record record_;
};

inline RecordBuilder record(std::string uid) { return RecordBuilder(std::move(uid)); }

/// The Gateway's input: its top-level keys and its records. The PAM User is the record whose uid is userRecordUid.
struct GatewayInput {
  std::map<std::string, std::string> keys;
  std::vector<Record> records;

  const Record* byUid(const std::string& uid) const {
    for (const auto& r : records)
      if (r.uid == uid) return &r;
    return nullptr;
  }
  Record* byUid(const std::string& uid) {
    for (auto& r : records)
      if (r.uid == uid) return &r;
    return nullptr;
  }
  /// The PAM User record, or nullptr when userRecordUid names none of the records.
  const Record* pamUser() const {
    const auto it = keys.find("userRecordUid");
    return it == keys.end() ? nullptr : byUid(it->second);
  }
  Record* pamUser() {
    const auto it = keys.find("userRecordUid");
    return it == keys.end() ? nullptr : byUid(it->second);
  }
};

class GatewayInputBuilder {
 public:
  GatewayInputBuilder& userRecordUid(std::string uid) { return key("userRecordUid", std::move(uid)); }
  GatewayInputBuilder& providerRecordUid(std::string uid) { return key("providerRecordUid", std::move(uid)); }
  GatewayInputBuilder& resourceRecordUid(std::string uid) { return key("resourceRecordUid", std::move(uid)); }
  GatewayInputBuilder& user(std::string name) { return key("user", std::move(name)); }
  GatewayInputBuilder& key(const std::string& name, std::string value) {
    input_.keys[name] = std::move(value);
    return *this;
  }
  GatewayInputBuilder& record(Record r) {
    input_.records.push_back(std::move(r));
    return *this;
  }
  /// Adds the record and makes it the PAM User (userRecordUid = its uid).
  GatewayInputBuilder& pamUser(Record r) {
    input_.keys["userRecordUid"] = r.uid;
    return record(std::move(r));
  }
  GatewayInput build() const { return input_; }
  operator GatewayInput() const { return input_; }  // NOLINT: implicit on purpose, as RecordBuilder

 private:
  GatewayInput input_;
};

inline GatewayInputBuilder gatewayInput() { return GatewayInputBuilder(); }

}  // namespace keeper_rotate::testing
