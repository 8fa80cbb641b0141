// The crash journal (docs/contract.md, "Stopped runs and time budgets"): credentials a run created and Keeper does
// not hold yet. An entry is written the moment the provider reports KR_KEY_CREATED and removed once the writer's
// read-back shows Keeper holds the credential, or once the rollback removed it. A run killed in between leaves the
// entry; the next run for the same PAM User removes that credential before it creates anything.
//
// One file per PAM User record, `<state dir>/pending-<userRecordUid>.json`, mode 0600, rewritten atomically
// (temporary file, fsync, rename, fsync of the directory). Entries hold ids and names, never a secret value.
#pragma once

#include "state/state_dir.hpp"

#include <optional>
#include <string>
#include <vector>

namespace keeper_rotate::host {

struct JournalEntry {
  std::string provider;
  std::string target;  ///< what the provider rotated (the summary's target), may be empty
  std::string keyId;
  std::string userRecordUid;
  std::string created;  ///< ISO-8601 UTC
  long pid = 0;
};

class Journal {
 public:
  /// The journal of one PAM User record in `dir`; reads existing entries. Throws std::runtime_error when the file
  /// exists but cannot be trusted (not owned by this user, group/world-accessible) or read.
  Journal(StateDir dir, std::string userRecordUid);

  const std::string& path() const { return path_; }
  const StateDir& dir() const { return dir_; }
  const std::vector<JournalEntry>& entries() const { return entries_; }
  /// Entries of `provider` only.
  std::vector<JournalEntry> entriesOf(const std::string& provider) const;

  /// Add an entry and write the file before returning. Throws std::runtime_error on an I/O error.
  void add(JournalEntry entry);
  /// Drop the entry with this key id (no-op when absent); the file goes when the last entry does.
  void remove(const std::string& keyId);

 private:
  void save() const;

  StateDir dir_;
  std::string path_;
  std::vector<JournalEntry> entries_;
};

/// A record uid usable in a file name: the uid itself when it is base64url, else a hex digest of it.
std::string journalFileKey(const std::string& userRecordUid);

}  // namespace keeper_rotate::host
