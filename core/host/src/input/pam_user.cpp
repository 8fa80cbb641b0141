#include "input/pam_user.hpp"

#include "input/json_values.hpp"
#include "selection/config_error.hpp"

#include <kr_ksm/client.hpp>
#include <kr_ksm/errors.hpp>
#include <kr_ksm/record.hpp>

#include <map>
#include <optional>
#include <utility>

namespace keeper_rotate::host {
namespace {

namespace js = keeper_rotate::json;

/// A string member; empty when missing or of another type.
std::string stringMember(const js::Object& o, const char* key) {
  const std::string* s = o.findString(key);
  return s != nullptr ? *s : std::string();
}

void addFields(const js::Object& data, const char* section, std::map<std::string, int>& seen, Record& out) {
  const js::Array* fields = data.findArray(section);
  if (fields == nullptr) return;
  for (const js::Value& item : *fields) {
    if (!item.isObject()) continue;
    const js::Object& field = item.object();
    std::string key = stringMember(field, "label");
    if (key.empty()) key = stringMember(field, "type");
    if (key.empty()) continue;
    // The Gateway suffixes repeats with a number right after the name; the first occurrence keeps the bare name.
    const int n = seen[key]++;
    if (n > 0) key += std::to_string(n);
    std::optional<std::string> text;
    if (const js::Value* value = field.find("value")) text = fieldText(*value);
    if (text) out.add(std::move(key), std::move(*text));
  }
}

}  // namespace

Record recordFromKsmData(const std::string& uid, const js::Object& data) {
  Record record(uid, stringMember(data, "title"));
  std::map<std::string, int> seen;
  addFields(data, "fields", seen, record);
  addFields(data, "custom", seen, record);
  return record;
}

void resolvePamUser(GatewayInput& in, const ksm::ConfigLocations& where, const Logger& logger, HttpsPool& https) {
  if (in.pamUser != nullptr) return;
  const std::string& uid = in.userRecordUid;
  const std::string notInRecords = "the PAM User record (userRecordUid " + uid + ") is not among the " +
                                   std::to_string(in.records.size()) + " records in 'records'";
  std::optional<ksm::Config> config;
  try {
    config = ksm::loadConfig(where);
  } catch (const ksm::KsmError& e) {
    throw ConfigError("record.missing", notInRecords + ", and it cannot be read through Keeper Secrets Manager: " +
                                            e.what());
  }
  const std::string source = config->source;
  logger.info(notInRecords + "; reading it through Keeper Secrets Manager (configuration from " + source + ")");
  try {
    ksm::ClientOptions options;
    options.log = [&logger](const std::string& line) { logger.debug(line); };
    options.sharedHttp = &https.clientFor(options.https);  // the writer then reuses this connection to Keeper
    ksm::Client client(std::move(*config), std::move(options));
    const ksm::Record record = client.getRecord(uid);
    if (!record.data) throw ksm::KsmError(ksm::KsmError::Kind::Protocol, "ksm.protocol", "record " + uid + " has no data");
    in.pamUserFromKsm = recordFromKsmData(uid, *record.data);
    in.pamUser = &*in.pamUserFromKsm;
    logger.info("PAM User record " + in.pamUser->describe() + " read through Keeper Secrets Manager (revision " +
                std::to_string(record.revision) + ")");
  } catch (const ksm::KsmError& e) {
    if (e.kind() == ksm::KsmError::Kind::NotFound)
      throw ConfigError("record.missing",
                        notInRecords + ", and the Keeper Secrets Manager application (configuration from " + source +
                            ") cannot read it either: share the record (or its shared folder) with that application, "
                            "or check the uid");
    throw ConfigError("ksm." + e.code(), notInRecords + ", and reading it through Keeper Secrets Manager failed: " +
                                             e.what());
  }
}

}  // namespace keeper_rotate::host
