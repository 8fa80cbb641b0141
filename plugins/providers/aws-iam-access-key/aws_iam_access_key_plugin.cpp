// Provider plugin `aws-iam-access-key`: rotates an AWS IAM user's access key through IAM and STS. The logic lives
// in kr_aws_iam (lib/); this file only registers the metadata of kr_aws_iam/plugin_metadata.hpp and forwards the
// host's operations. It is built like any third-party plugin: SDK headers (KeeperRotate::sdk, ::https, ::aws) and
// its own code, nothing of the host.
#include "kr_aws_iam/key_lifecycle.hpp"
#include "kr_aws_iam/plugin_metadata.hpp"

#include <keeper_rotate/sdk.hpp>

namespace {

using keeper_rotate::Context;

class AwsIamAccessKeyProvider final : public keeper_rotate::Provider {
 public:
  static constexpr const char* kName = kr_aws_iam::kPluginName;
  static constexpr const char* kVersion = kr_aws_iam::kPluginVersion;
  static constexpr const char* kDescription = kr_aws_iam::kPluginDescription;
  static constexpr auto& kFields = kr_aws_iam::kFields;
  static constexpr const char* kCredentialScheme = kr_aws_iam::kCredentialScheme;
  static constexpr const char* kCredentialSubject = kr_aws_iam::kCredentialSubject;
  static constexpr const char* kCredentialConfiguration = kr_aws_iam::kCredentialConfiguration;
  static constexpr auto& kCredentialParts = kr_aws_iam::kCredentialParts;

  void validate(Context& ctx) override { lifecycle_.validate(ctx); }
  void create(Context& ctx) override { lifecycle_.create(ctx); }
  void prove(Context& ctx) override { lifecycle_.prove(ctx); }
  void retire(Context& ctx) override { lifecycle_.retire(ctx); }
  void rollback(Context& ctx) override { lifecycle_.rollback(ctx); }
  void remove(Context& ctx) override { lifecycle_.remove(ctx); }

 private:
  kr_aws_iam::KeyLifecycle lifecycle_;
};

}  // namespace

KEEPER_ROTATE_REGISTER_PROVIDER(AwsIamAccessKeyProvider)
