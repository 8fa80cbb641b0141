// The aws-iam-access-key rotation steps (docs/contract.md, "The rotation, in order"; plugins/providers/
// aws-iam-access-key/README.md): validate without side effects, free a slot only as when_full allows, create,
// prove with STS signed by the new key, and after the store retire per old_keys; rollback deletes the new key.
// The plugin class is a thin shell over this; tests drive it directly through the SDK test kit's in-memory host.
#pragma once

#include "kr_aws_iam/config.hpp"
#include "kr_aws_iam/errors.hpp"
#include "kr_aws_iam/iam_api.hpp"
#include "kr_aws_iam/key_policy.hpp"

#include <keeper_rotate/aws/query_client.hpp>
#include <keeper_rotate/aws/sigv4.hpp>
#include <keeper_rotate/https_client.hpp>
#include <keeper_rotate/sdk.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace kr_aws_iam {

class KeyLifecycle {
 public:
  explicit KeyLifecycle(RotationSettings settings = RotationSettings::fromEnvironment());
  ~KeyLifecycle();

  void validate(keeper_rotate::Context& ctx);
  void create(keeper_rotate::Context& ctx);
  void prove(keeper_rotate::Context& ctx);
  void retire(keeper_rotate::Context& ctx);
  void rollback(keeper_rotate::Context& ctx);
  /// Delete a key an earlier, killed run created (the host's crash journal): only a key of this user.
  void remove(keeper_rotate::Context& ctx);

  // Inspection for tests.
  const RotationConfig& config() const { return config_; }
  const std::string& newKeyId() const { return newKeyId_; }
  bool selfRotation() const { return selfRotation_; }
  const std::optional<SlotChoice>& slotToFree() const { return slot_; }
  const std::string& callerArn() const { return caller_.arn; }

 private:
  void setUp(keeper_rotate::Context& ctx);
  void loadAdminCredential(keeper_rotate::Context& ctx);
  template <class Body>
  void guarded(keeper_rotate::Context& ctx, CallContext call, Body&& body);
  std::string userArn() const;
  bool namesUser(const std::string& arn) const;
  /// The credential that signs IAM calls after the store: the new key when the user rotates itself.
  const keeper_rotate::aws::Credentials& retireSigner() const;
  void freeSlot(keeper_rotate::Context& ctx);
  void createReconciling(keeper_rotate::Context& ctx);

  RotationSettings settings_;
  RotationConfig config_;
  std::unique_ptr<keeper_rotate::https::Client> http_;
  std::unique_ptr<keeper_rotate::aws::QueryClient> iam_, sts_, proofSts_;
  std::unique_ptr<IamApi> api_, proofApi_;
  keeper_rotate::aws::Credentials admin_;
  std::string adminKeyId_;  ///< the key the admin credential was given as (before any AssumeRole)
  CallerIdentity caller_;
  std::vector<KeyInfo> keysBefore_;
  std::optional<SlotChoice> slot_;
  std::vector<std::string> freedKeys_;
  bool selfRotation_ = false;
  bool heldKeyPresent_ = false;
  std::vector<KeyInfo> journaled_;  ///< the user's keys a killed run left; the host has them removed after validate

  std::string newKeyId_;
  keeper_rotate::aws::Credentials newKey_;
  bool newKeyProven_ = false;
  keeper_rotate::Context* currentCtx_ = nullptr;
};

}  // namespace kr_aws_iam
