// keeper_rotate::aws — partitions, regions and endpoints as the AWS SDKs resolve them, for IAM and STS.
// Part of KeeperRotate::aws. Facts: sdk/docs/aws.md, "Partitions and endpoints".
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace keeper_rotate::aws {

struct Partition {
  std::string name;           ///< "aws", "aws-us-gov", "aws-cn"
  std::string iamEndpoint;    ///< "https://iam.amazonaws.com"
  std::string iamSigningRegion;  ///< "us-east-1", "us-gov-west-1", "cn-north-1"
  std::string defaultRegion;  ///< region used for STS when none is configured (= iamSigningRegion)
  std::string dnsSuffix;      ///< "amazonaws.com", "amazonaws.com.cn"
  std::string arnPrefix;      ///< "arn:aws:", "arn:aws-us-gov:", "arn:aws-cn:"
};

/// The partition by name; nullopt for an unknown name.
std::optional<Partition> partitionNamed(std::string_view name);
/// The partition a region belongs to by AWS's region patterns; nullopt when it matches none.
std::optional<Partition> partitionForRegion(std::string_view region);
/// true for a syntactically valid region name ("us-east-1", "us-gov-west-1", "cn-north-1").
bool validRegionName(std::string_view region);

/// The regional STS endpoint, "https://sts.<region>.<dnsSuffix>".
std::string stsEndpoint(const Partition& partition, std::string_view region);

/// Endpoint override as the AWS SDKs read it from the environment: AWS_ENDPOINT_URL_<SERVICE> (serviceId
/// upper-cased, e.g. "IAM", "STS"), else AWS_ENDPOINT_URL; none when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true.
std::optional<std::string> endpointFromEnvironment(std::string_view serviceId);

/// Region from the environment: AWS_REGION, else AWS_DEFAULT_REGION; nullopt when neither is set.
std::optional<std::string> regionFromEnvironment();

}  // namespace keeper_rotate::aws
