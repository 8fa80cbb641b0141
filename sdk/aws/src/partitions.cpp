// Partitions, regions and endpoints for IAM and STS (sdk/docs/aws.md, "Partitions and endpoints").
#include "keeper_rotate/aws/partitions.hpp"

#include <keeper_rotate/text.hpp>

#include <array>
#include <cstdlib>
#include <regex>

namespace keeper_rotate::aws {
namespace {

struct PartitionFact {
  const char* name;
  const char* regionPattern;  // AWS's region regex for the partition
  const char* iamEndpoint;
  const char* iamSigningRegion;
  const char* dnsSuffix;
};

// Checked in this order; the patterns do not overlap ("us-gov-west-1" is not matched by the "aws" pattern, because
// \w does not match '-'), so the order only documents intent.
constexpr std::array<PartitionFact, 3> kPartitions = {{
    {"aws-us-gov", R"(^us-gov-\w+-\d+$)", "https://iam.us-gov.amazonaws.com", "us-gov-west-1", "amazonaws.com"},
    {"aws-cn", R"(^cn-\w+-\d+$)", "https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1", "amazonaws.com.cn"},
    {"aws", R"(^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$)", "https://iam.amazonaws.com", "us-east-1", "amazonaws.com"},
}};

Partition toPartition(const PartitionFact& fact) {
  Partition p;
  p.name = fact.name;
  p.iamEndpoint = fact.iamEndpoint;
  p.iamSigningRegion = fact.iamSigningRegion;
  p.defaultRegion = fact.iamSigningRegion;
  p.dnsSuffix = fact.dnsSuffix;
  p.arnPrefix = std::string("arn:") + fact.name + ":";
  return p;
}

std::optional<std::string> nonEmptyEnv(const std::string& name) {
  const char* value = std::getenv(name.c_str());
  if (value == nullptr) return std::nullopt;
  const std::string_view trimmed = keeper_rotate::text::trim(value);
  if (trimmed.empty()) return std::nullopt;
  return std::string(trimmed);
}

}  // namespace

std::optional<Partition> partitionNamed(std::string_view name) {
  for (const auto& fact : kPartitions)
    if (name == fact.name) return toPartition(fact);
  return std::nullopt;
}

std::optional<Partition> partitionForRegion(std::string_view region) {
  const std::string text(region);
  for (const auto& fact : kPartitions)
    if (std::regex_match(text, std::regex(fact.regionPattern))) return toPartition(fact);
  return std::nullopt;
}

bool validRegionName(std::string_view region) {
  // Two letters, one to three lower-case words, a number: "us-east-1", "us-gov-west-1", "ap-southeast-2".
  static const std::regex pattern(R"(^[a-z]{2}(-[a-z]+){1,3}-[0-9]{1,3}$)");
  return region.size() <= 64 && std::regex_match(std::string(region), pattern);
}

std::string stsEndpoint(const Partition& partition, std::string_view region) {
  return "https://sts." + std::string(region) + "." + partition.dnsSuffix;
}

std::optional<std::string> endpointFromEnvironment(std::string_view serviceId) {
  if (auto ignore = nonEmptyEnv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"); ignore && text::iequals(*ignore, "true"))
    return std::nullopt;
  std::string variable = "AWS_ENDPOINT_URL_";
  for (char c : serviceId) variable.push_back(c == ' ' ? '_' : (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c);
  std::optional<std::string> endpoint = nonEmptyEnv(variable);
  if (!endpoint) endpoint = nonEmptyEnv("AWS_ENDPOINT_URL");
  if (endpoint)
    while (endpoint->size() > 1 && endpoint->back() == '/') endpoint->pop_back();
  return endpoint;
}

std::optional<std::string> regionFromEnvironment() {
  if (auto region = nonEmptyEnv("AWS_REGION")) return region;
  return nonEmptyEnv("AWS_DEFAULT_REGION");
}

}  // namespace keeper_rotate::aws
