// Which keys the rotation may delete, and when: pure decisions over the user's key list and the record's policy
// (old_keys, when_full), kept apart from the calls so every case is testable on its own. The key Keeper holds is
// never chosen before the new key is stored.
#pragma once

#include "kr_aws_iam/config.hpp"
#include "kr_aws_iam/iam_api.hpp"

#include <optional>
#include <string>
#include <vector>

namespace kr_aws_iam {

/// AWS allows two access keys per IAM user, Active and Inactive alike.
inline constexpr std::size_t kMaxKeysPerUser = 2;

struct SlotChoice {
  std::string keyId;
  std::string reason;  ///< for the log: why this key may go
};

/// With a full user: the key to delete before the create, or nullopt when the policy allows none. Always eligible
/// (not the held key): an Inactive key this tool retired on an earlier run (Access_Key_ID_Removed_...), and the key
/// old_keys=keep-previous kept last time (aws_previous_access_key_id). Then, per when_full: delete-inactive any
/// Inactive key, delete-unheld any key (Inactive first, then the oldest). Never the held key.
std::optional<SlotChoice> chooseKeyToFree(const std::vector<KeyInfo>& keys, const RotationConfig& config);

struct RetirePlan {
  std::vector<std::string> remove;      ///< to delete (old_keys delete / keep-previous)
  std::vector<std::string> deactivate;  ///< to set Inactive (old_keys deactivate)
  std::vector<std::string> keep;        ///< left as they are
};

/// After the store: what old_keys does with every key other than the new one.
RetirePlan planRetire(const std::vector<KeyInfo>& keys, const std::string& newKeyId, const RotationConfig& config);

/// A one-line description of keys for logs: "AKIA...(Active, held), AKIA...(Inactive)".
std::string describeKeys(const std::vector<KeyInfo>& keys, const std::string& heldKeyId);

}  // namespace kr_aws_iam
