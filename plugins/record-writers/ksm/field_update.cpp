#include "field_update.hpp"

#include <kr_ksm/errors.hpp>

namespace keeper_rotate::writers::ksm {

using keeper_rotate::ksm::KsmError;

UpdateOutcome updateFields(keeper_rotate::ksm::Client& client, const std::string& uid,
                           const std::function<void(keeper_rotate::json::Object&)>& apply,
                           const std::function<bool(const keeper_rotate::json::Object&)>& applied, int maxAttempts,
                           const std::function<void(const std::string&)>& log) {
  UpdateOutcome out;
  keeper_rotate::ksm::Record record = client.getRecord(uid);
  out.revisionBefore = record.revision;
  for (;;) {
    apply(*record.data);
    ++out.attempts;
    try {
      client.updateRecord(record);
      return out;
    } catch (const KsmError& e) {
      if (e.kind() == KsmError::Kind::Config) throw;
      // What happened? Read the record again to find out.
      keeper_rotate::ksm::Record now = client.getRecord(uid);
      if (applied(*now.data)) {
        log("KSM record " + uid + ": the save reported an error but the record carries our change (revision " +
            std::to_string(now.revision) + "); treating it as saved");
        return out;
      }
      if (now.revision == record.revision) throw;  // nothing moved: the save itself failed
      ++out.conflicts;
      if (out.attempts >= maxAttempts)
        throw KsmError(KsmError::Kind::Server, e.code(),
                       "KSM record " + uid + " kept changing under us: " + std::to_string(out.attempts) +
                           " saves hit a newer revision (another writer, e.g. the Gateway updating the password). "
                           "Last error: " + e.what(),
                       e.httpStatus());
      log("KSM record " + uid + " was changed by another writer (revision " + std::to_string(record.revision) +
          " -> " + std::to_string(now.revision) + "); re-applying our fields to the new revision");
      record = std::move(now);
    }
  }
}

}  // namespace keeper_rotate::writers::ksm
