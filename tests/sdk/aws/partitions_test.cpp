// Partitions, regions and endpoint overrides from the environment (sdk/docs/aws.md, "Partitions and endpoints").
#include "keeper_rotate/aws/partitions.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <string>

using namespace keeper_rotate::aws;

namespace {

// Sets and unsets variables for one test and restores what was there before.
class EnvScope {
 public:
  EnvScope() {
    for (const char* name : {"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_STS",
                             "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_REGION", "AWS_DEFAULT_REGION"}) {
      const char* value = std::getenv(name);
      saved_[name] = value ? std::optional<std::string>(value) : std::nullopt;
      ::unsetenv(name);
    }
  }
  ~EnvScope() {
    for (const auto& [name, value] : saved_) {
      if (value)
        ::setenv(name.c_str(), value->c_str(), 1);
      else
        ::unsetenv(name.c_str());
    }
  }
  void set(const char* name, const char* value) { ::setenv(name, value, 1); }
  void unset(const char* name) { ::unsetenv(name); }

 private:
  std::map<std::string, std::optional<std::string>> saved_;
};

}  // namespace

TEST_CASE("aws partitions: the three partitions by name") {
  auto aws = partitionNamed("aws");
  REQUIRE(aws);
  CHECK(aws->iamEndpoint == "https://iam.amazonaws.com");
  CHECK(aws->iamSigningRegion == "us-east-1");
  CHECK(aws->defaultRegion == "us-east-1");
  CHECK(aws->dnsSuffix == "amazonaws.com");
  CHECK(aws->arnPrefix == "arn:aws:");

  auto gov = partitionNamed("aws-us-gov");
  REQUIRE(gov);
  CHECK(gov->iamEndpoint == "https://iam.us-gov.amazonaws.com");
  CHECK(gov->iamSigningRegion == "us-gov-west-1");
  CHECK(gov->dnsSuffix == "amazonaws.com");
  CHECK(gov->arnPrefix == "arn:aws-us-gov:");

  auto cn = partitionNamed("aws-cn");
  REQUIRE(cn);
  CHECK(cn->iamEndpoint == "https://iam.cn-north-1.amazonaws.com.cn");
  CHECK(cn->iamSigningRegion == "cn-north-1");
  CHECK(cn->dnsSuffix == "amazonaws.com.cn");
  CHECK(cn->arnPrefix == "arn:aws-cn:");

  CHECK_FALSE(partitionNamed("aws-iso"));
  CHECK_FALSE(partitionNamed("AWS"));
  CHECK_FALSE(partitionNamed(""));
}

TEST_CASE("aws partitions: region to partition by AWS's region patterns") {
  for (const char* r : {"us-east-1", "eu-central-1", "ap-southeast-2", "sa-east-1", "ca-central-1", "me-south-1",
                        "af-south-1", "il-central-1", "mx-central-1", "us-west-2"}) {
    CAPTURE(r);
    auto p = partitionForRegion(r);
    REQUIRE(p);
    CHECK(p->name == "aws");
  }
  CHECK(partitionForRegion("us-gov-west-1")->name == "aws-us-gov");
  CHECK(partitionForRegion("us-gov-east-1")->name == "aws-us-gov");
  CHECK(partitionForRegion("cn-north-1")->name == "aws-cn");
  CHECK(partitionForRegion("cn-northwest-1")->name == "aws-cn");
  for (const char* r : {"", "us-east", "xx-east-1", "us-iso-east-1", "US-EAST-1", "us-east-1 ", "eu-west-1a"}) {
    CAPTURE(r);
    CHECK_FALSE(partitionForRegion(r));
  }
}

TEST_CASE("aws partitions: region name syntax") {
  for (const char* r : {"us-east-1", "us-gov-west-1", "cn-north-1", "ap-southeast-2", "eu-central-2"}) {
    CAPTURE(r);
    CHECK(validRegionName(r));
  }
  for (const char* r : {"", "us", "us-east", "US-east-1", "us_east_1", "us-east-1/x", "-us-east-1", "us-east-1a",
                        "https://sts.us-east-1.amazonaws.com"}) {
    CAPTURE(r);
    CHECK_FALSE(validRegionName(r));
  }
}

TEST_CASE("aws partitions: regional STS endpoints") {
  CHECK(stsEndpoint(*partitionNamed("aws"), "eu-west-1") == "https://sts.eu-west-1.amazonaws.com");
  CHECK(stsEndpoint(*partitionNamed("aws"), "us-east-1") == "https://sts.us-east-1.amazonaws.com");
  CHECK(stsEndpoint(*partitionNamed("aws-us-gov"), "us-gov-west-1") == "https://sts.us-gov-west-1.amazonaws.com");
  CHECK(stsEndpoint(*partitionNamed("aws-cn"), "cn-northwest-1") == "https://sts.cn-northwest-1.amazonaws.com.cn");
}

TEST_CASE("aws partitions: endpoint overrides from the environment") {
  EnvScope env;
  CHECK_FALSE(endpointFromEnvironment("IAM"));

  env.set("AWS_ENDPOINT_URL", "https://global.example:8443/");
  CHECK(endpointFromEnvironment("IAM").value_or("") == "https://global.example:8443");
  CHECK(endpointFromEnvironment("STS").value_or("") == "https://global.example:8443");

  env.set("AWS_ENDPOINT_URL_IAM", "https://iam.example");
  CHECK(endpointFromEnvironment("IAM").value_or("") == "https://iam.example");
  CHECK(endpointFromEnvironment("iam").value_or("") == "https://iam.example");
  CHECK(endpointFromEnvironment("STS").value_or("") == "https://global.example:8443");

  env.set("AWS_ENDPOINT_URL_STS", "https://sts.example");
  CHECK(endpointFromEnvironment("STS").value_or("") == "https://sts.example");

  env.set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "TRUE");
  CHECK_FALSE(endpointFromEnvironment("IAM"));
  CHECK_FALSE(endpointFromEnvironment("STS"));
  env.set("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "false");
  CHECK(endpointFromEnvironment("IAM").value_or("") == "https://iam.example");

  env.set("AWS_ENDPOINT_URL_IAM", "");
  CHECK(endpointFromEnvironment("IAM").value_or("") == "https://global.example:8443");
  env.unset("AWS_ENDPOINT_URL");
  CHECK_FALSE(endpointFromEnvironment("IAM"));

  // A service id with a space uses '_' in the variable name.
  env.set("AWS_ENDPOINT_URL_SECRETS_MANAGER", "https://sm.example");
  CHECK(endpointFromEnvironment("Secrets Manager").value_or("") == "https://sm.example");
  env.unset("AWS_ENDPOINT_URL_SECRETS_MANAGER");
}

TEST_CASE("aws partitions: region from the environment, AWS_REGION first") {
  EnvScope env;
  CHECK_FALSE(regionFromEnvironment());
  env.set("AWS_DEFAULT_REGION", "eu-west-1");
  CHECK(regionFromEnvironment().value_or("") == "eu-west-1");
  env.set("AWS_REGION", "us-gov-west-1");
  CHECK(regionFromEnvironment().value_or("") == "us-gov-west-1");
  env.set("AWS_REGION", "");
  CHECK(regionFromEnvironment().value_or("") == "eu-west-1");
  env.unset("AWS_DEFAULT_REGION");
  CHECK_FALSE(regionFromEnvironment());
}
