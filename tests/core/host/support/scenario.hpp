// A rotation scenario for the real keeper-rotate binary with the test plugins: a temp directory holding the fake
// provider's state file (two old keys), the fake writer's store file and the Gateway input built from records.
#pragma once

#include "process.hpp"

#include <Poco/JSON/Object.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace krtest {

using Fields = std::vector<std::pair<std::string, std::string>>;

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

std::string readFile(const std::filesystem::path& p);
void writeFile(const std::filesystem::path& p, const std::string& content);
std::string base64(const std::string& bytes);

/// Paths baked in at build time.
std::string hostBinary();
std::string testPluginDir();
std::string brokenPluginDir();
std::string realPluginDir();

class Scenario {
 public:
  Scenario();

  // Secret values of this scenario; all are scanned for in every output.
  std::string newPassword = "NewPassw0rd-9f8e7d6c5b";
  std::string oldPassword = "OldPassw0rd-1a2b3c4d5e";
  std::string adminToken = "AdminT0ken-s3cr3t-77aa55cc";

  Fields pamUser;                   // PAM User fields (uid USER1, title "Test app")
  std::vector<Fields> otherRecords;  // each with its own "uid" and "title" entries
  std::vector<std::string> args = {"fake"};
  /// Extra environment for the host (the environment is otherwise only PATH, so nothing leaks in).
  std::map<std::string, std::string> env;
  /// Whether the PAM User goes into the Gateway's `records` (false: only the vault has it).
  bool pamUserInRecords = true;

  void set(const std::string& label, const std::string& value);
  void remove(const std::string& label);

  /// The Gateway's stdin line: base64 of the JSON object, `records` base64 of the array.
  std::string gatewayInput() const;
  ProcessResult run(const std::vector<std::string>& extraArgs = {});
  ProcessResult runWithStdin(const std::string& stdinData, const std::vector<std::string>& extraArgs = {});
  /// run() with a watch that may signal the host while it runs (process.hpp).
  ProcessResult runWatched(const ProcessWatch& watch, const std::vector<std::string>& extraArgs = {});
  /// The host's state directory for this scenario (KEEPER_ROTATE_STATE_DIR), where crash journals go.
  std::filesystem::path stateDir() const { return dir() / "host-state"; }

  std::vector<std::string> stateKeys() const;  // keys in the fake identity system
  std::vector<std::string> storeLines() const;  // what the fake writer stored
  std::vector<std::string> createdSecrets() const;
  const std::filesystem::path& dir() const { return tmp_.path(); }

  /// Every secret form that must never appear in output.
  std::vector<std::string> forbidden() const;

 private:
  TempDir tmp_;
};

/// The summary line (last stdout line) parsed; throws when it is not exactly one JSON object line.
Poco::JSON::Object::Ptr summaryOf(const ProcessResult& r);
/// Violations of docs/summary.schema.json by the last stdout line of `r`.
std::vector<std::string> summarySchemaErrors(const ProcessResult& r);
/// A doctest check that r's summary line (if it printed one) matches the schema. Every Scenario run calls it, so
/// every summary these tests produce is validated.
void checkSummarySchema(const ProcessResult& r);
/// How many summary lines checkSummarySchema has validated in this process.
std::size_t summariesValidated();
/// The first forbidden string found in r's stdout or stderr, or "" if none.
std::string findLeak(const ProcessResult& r, const std::vector<std::string>& forbidden);

}  // namespace krtest
