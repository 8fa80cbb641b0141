// Typed IAM and STS operations over the SDK's query client (KeeperRotate::aws): the calls the rotation makes, their
// results as plain structs, the secret of a new key in a keeper_rotate::Secret. Errors are the query client's
// (aws::ServiceError, aws::Unreachable, aws::OutcomeUnknown); kr_aws_iam/errors.hpp turns them into admin messages.
#pragma once

#include <keeper_rotate/aws/query_client.hpp>
#include <keeper_rotate/secret.hpp>

#include <string>
#include <vector>

namespace kr_aws_iam {

struct KeyInfo {
  std::string accessKeyId;
  std::string status;      ///< "Active" | "Inactive"
  std::string createDate;  ///< as IAM sent it
};

struct NewKey {
  std::string accessKeyId;
  keeper_rotate::Secret secretAccessKey;
  std::string createDate;  ///< normalised to ISO-8601 UTC "YYYY-MM-DDTHH:MM:SSZ"
};

struct CallerIdentity {
  std::string account;
  std::string arn;
  std::string userId;
};

class IamApi {
 public:
  IamApi(keeper_rotate::aws::QueryClient& iam, keeper_rotate::aws::QueryClient& sts) : iam_(iam), sts_(sts) {}

  CallerIdentity getCallerIdentity(const keeper_rotate::aws::Credentials& as);
  /// Every key of the user (follows Marker pagination).
  std::vector<KeyInfo> listAccessKeys(const keeper_rotate::aws::Credentials& as, const std::string& user);
  /// Not idempotent: throws aws::OutcomeUnknown when the call may have been carried out.
  NewKey createAccessKey(const keeper_rotate::aws::Credentials& as, const std::string& user);
  /// true: deleted now; false: it was not there (NoSuchEntity), e.g. a retry after a lost answer.
  bool deleteAccessKey(const keeper_rotate::aws::Credentials& as, const std::string& user, const std::string& keyId);
  void updateAccessKey(const keeper_rotate::aws::Credentials& as, const std::string& user, const std::string& keyId,
                       const std::string& status);
  /// STS AssumeRole: temporary credentials of `roleArn`.
  keeper_rotate::aws::Credentials assumeRole(const keeper_rotate::aws::Credentials& as, const std::string& roleArn,
                                             const std::string& sessionName, int durationSeconds = 900);

 private:
  keeper_rotate::aws::QueryClient& iam_;
  keeper_rotate::aws::QueryClient& sts_;
};

/// IAM's CreateDate ("2015-03-09T18:39:23.411Z", "2020-10-13T17:38:43Z", or with an offset) as "...Z" without
/// fractions; the input unchanged when it does not parse.
std::string normaliseIsoDate(const std::string& text);

}  // namespace kr_aws_iam
