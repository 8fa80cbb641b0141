// AWS errors as admin messages: which call, which user or key, which IAM permission is missing, what to fix
// (docs/aws-iam.md, "Errors"). The status decides the exit code: a configuration problem found before anything
// changed is KR_ERR_CONFIG (exit 3); a failure during the rotation is KR_ERR_FAILED.
#pragma once

#include <keeper_rotate/aws/query_client.hpp>
#include <keeper_rotate/sdk.hpp>

#include <string>

namespace kr_aws_iam {

/// What the failing call was doing, for the message.
struct CallContext {
  std::string action;       ///< "ListAccessKeys", "CreateAccessKey", "GetCallerIdentity (admin)", ...
  std::string userName;     ///< the IAM user being rotated
  std::string callerArn;    ///< the admin identity, when known
  std::string endpoint;     ///< the endpoint called
  std::string keyId;        ///< the key acted on, when one is
  bool beforeAnyChange = true;  ///< nothing changed yet: configuration problems are exit 3
};

/// The minimum IAM policy, for messages.
inline constexpr const char* kMinimumPolicy =
    "iam:ListAccessKeys, iam:CreateAccessKey, iam:DeleteAccessKey (and iam:UpdateAccessKey for old_keys=deactivate) "
    "on arn:<partition>:iam::<account>:user/<name>";

keeper_rotate::Error explainServiceError(const keeper_rotate::aws::ServiceError& e, const CallContext& c);
keeper_rotate::Error explainUnreachable(const keeper_rotate::aws::Unreachable& e, const CallContext& c);
/// A transport error no retry can fix (untrusted certificate, wrong host name, unknown host, proxy refusal): always a
/// configuration error (KR_ERR_CONFIG; exit 3 in validate, the host's rollback after that) with the https code
/// ("tls.certificate", "net.unknown_host", "proxy.refused", ...) and what to fix.
keeper_rotate::Error explainPermanentlyUnreachable(const keeper_rotate::aws::PermanentlyUnreachable& e,
                                                   const CallContext& c);

}  // namespace kr_aws_iam
