// Read-modify-write of a few fields of one KSM record, safe against concurrent writers: every attempt re-reads the
// record, applies only our change to what it finds, and saves with the revision it just read. When a save fails,
// a re-read tells the three cases apart: our change is there (the save went through and only its answer was
// lost), the revision moved (someone else saved first: retry), or nothing changed (a real failure: stop; the
// server applies a record update whole or not at all, so nothing is half-written).
#pragma once

#include <kr_ksm/client.hpp>
#include <kr_ksm/record.hpp>

#include <keeper_rotate/json.hpp>

#include <functional>
#include <string>

namespace keeper_rotate::writers::ksm {

struct UpdateOutcome {
  int attempts = 0;     ///< saves sent
  int conflicts = 0;    ///< revision conflicts (another writer saved in between)
  std::int64_t revisionBefore = 0;  ///< revision of the record as first read
};

/// `apply` edits the freshly read record data; `applied` tells whether a record already carries our change.
/// Throws keeper_rotate::ksm::KsmError (the last save error) when attempts run out or the save failed for good.
UpdateOutcome updateFields(keeper_rotate::ksm::Client& client, const std::string& uid,
                           const std::function<void(keeper_rotate::json::Object&)>& apply,
                           const std::function<bool(const keeper_rotate::json::Object&)>& applied, int maxAttempts,
                           const std::function<void(const std::string&)>& log);

}  // namespace keeper_rotate::writers::ksm
