// An aws-access-key declaration shaped like an AWS IAM provider's: the scheme instance-role serves, the labels self
// reads on the PAM User, and the AWS PAM Configuration fields that may hold Keeper's USE_INSTANCE_ROLE.
#pragma once

#include <keeper_rotate/sdk.hpp>

#include <cstdlib>

namespace kr_test {

inline const kr_credential_spec* awsCredential() {
  using keeper_rotate::CredentialPart;
  static constexpr kr_credential_part kParts[] = {
      CredentialPart::named("access_key_id")
          .onAttachedRecord("aws_access_key_id")
          .inPamConfiguration("accessKeyId")
          .inEnvironment("AWS_ACCESS_KEY_ID")
          .describe("the admin's access key id"),
      CredentialPart::named("secret_access_key")
          .secret()
          .onAttachedRecord("aws_secret_access_key")
          .inPamConfiguration("accessSecretKey")
          .inEnvironment("AWS_SECRET_ACCESS_KEY")
          .describe("the admin's secret access key"),
      CredentialPart::named("session_token")
          .secret()
          .optional()
          .inEnvironment("AWS_SESSION_TOKEN")
          .describe("session token of temporary credentials"),
      CredentialPart::named("role_arn").optional().onAttachedRecord("role_arn").describe("a role to assume"),
  };
  static constexpr kr_credential_spec kSpec = {sizeof(kr_credential_spec), "aws-access-key", "AWS admin", "AWS",
                                               kParts, 4};
  return &kSpec;
}

/// The instance metadata variables instance-role reads, all cleared: a test then sets exactly what it means, so
/// nothing it runs can reach the real link-local service.
inline void clearImdsEnvironment() {
  for (const char* v : {"AWS_EC2_METADATA_DISABLED", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                        "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "AWS_METADATA_SERVICE_TIMEOUT",
                        "AWS_METADATA_SERVICE_NUM_ATTEMPTS"})
    ::unsetenv(v);
}

}  // namespace kr_test
