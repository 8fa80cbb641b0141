// The PAM User record's settings for one aws-iam-access-key run, read after the host validated the fields and
// applied the defaults of kFields (kr_aws_iam/plugin_metadata.hpp), plus the endpoints they resolve to
// (sdk/docs/aws.md, "Partitions and endpoints").
#pragma once

#include <keeper_rotate/aws/partitions.hpp>
#include <keeper_rotate/aws/query_client.hpp>
#include <keeper_rotate/https_client.hpp>
#include <keeper_rotate/sdk.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace kr_aws_iam {

/// Knobs that are not record fields: transport, retries, the pause between proof attempts, the progress interval.
struct RotationSettings {
  keeper_rotate::https::Options http;
  keeper_rotate::aws::RetryPolicy retry;
  std::chrono::milliseconds proveInterval{1000};  ///< "about a second apart" (verify_successes)
  std::chrono::milliseconds progressInterval{10000};  ///< info line while waiting for the new key
  keeper_rotate::aws::Sleeper sleeper;  ///< empty: really sleep

  /// Defaults, adjusted by KEEPER_ROTATE_AWS_VERIFY_INTERVAL_MS (milliseconds between proof attempts; for tests and
  /// demos that must not wait a second per attempt). Retry pauses: KEEPER_ROTATE_AWS_RETRY_BASE_MS (sdk/docs/aws.md).
  static RotationSettings fromEnvironment();
  void sleep(std::chrono::milliseconds d) const;
};

/// What old_keys says happens to the user's other keys after the store.
enum class OldKeys { Delete, Deactivate, KeepPrevious, Keep };
/// What may be deleted before the create when the user already has 2 keys.
enum class WhenFull { Fail, DeleteInactive, DeleteUnheld };

struct RotationConfig {
  std::string userName;  ///< the PAM User's login
  std::string heldKeyId;  ///< aws_access_key_id before the run; may be empty (first rotation)
  std::vector<std::string> previouslyRetired;  ///< Access_Key_ID_Removed_during_previous_rotation, split
  std::string previousKeyId;                   ///< aws_previous_access_key_id
  OldKeys oldKeys = OldKeys::Delete;
  std::string oldKeysText;
  WhenFull whenFull = WhenFull::Fail;
  std::string whenFullText;
  keeper_rotate::aws::Partition partition;
  std::string region;  ///< STS region
  std::string iamEndpoint, stsEndpoint;
  std::string iamEndpointOrigin, stsEndpointOrigin;  ///< "aws_iam_endpoint", "AWS_ENDPOINT_URL_IAM", "partition"
  int verifyTimeoutSeconds = 0;
  int verifySuccesses = 0;
  bool rehearsal = false;  ///< the writer is not durable: never free a slot
  bool dryRun = false;

  /// Reads and checks the record; throws keeper_rotate::Error (config) naming the field, before any request.
  static RotationConfig fromContext(const keeper_rotate::Context& ctx);

  keeper_rotate::aws::Service iamService() const;
  keeper_rotate::aws::Service stsService() const;
};

/// `", "`-joined ids (Keeper's format), "" for none.
std::string joinKeyIds(const std::vector<std::string>& ids);
/// Split a `", "`- or comma-joined list, trimming; empty items dropped.
std::vector<std::string> splitKeyIds(std::string_view text);
/// An IAM user name is 1-128 characters of [A-Za-z0-9+=,.@_-].
bool validUserName(std::string_view name);

}  // namespace kr_aws_iam
