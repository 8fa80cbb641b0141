// The record's region, partition and endpoint settings as the plugin resolves them (record field, then the AWS
// SDKs' environment variables, then the partition), driven through a Context of the kit's in-memory host.
#include "kr_aws_iam/config.hpp"
#include "kr_aws_iam/plugin_metadata.hpp"

#include <keeper_rotate/testing/in_memory_host.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <map>

using namespace kr_aws_iam;
namespace kt = keeper_rotate::testing;

namespace {

RotationConfig resolve(const std::map<std::string, std::string>& fields) {
  kt::InMemoryHost host;
  host.declareFields(kFields);
  host.fields = {{"login", "app-deployer"}};
  for (const auto& [k, v] : fields) host.fields[k] = v;
  return RotationConfig::fromContext(host.context());
}

/// Unsets the AWS SDK variables the resolution reads, on entry and again on exit (tests set some of them).
struct CleanEnvironment {
  CleanEnvironment() { clean(); }
  ~CleanEnvironment() { clean(); }
  static void clean() {
    for (const char* v : {"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_STS", "AWS_REGION",
                          "AWS_DEFAULT_REGION", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"})
      unsetenv(v);
  }
};

}  // namespace

TEST_CASE("aws config: partitions give IAM endpoints, signing regions and regional STS endpoints") {
  CleanEnvironment env;
  const auto commercial = resolve({});
  CHECK(commercial.partition.name == "aws");
  CHECK(commercial.iamEndpoint == "https://iam.amazonaws.com");
  CHECK(commercial.iamService().scope.region == "us-east-1");
  CHECK(commercial.stsEndpoint == "https://sts.us-east-1.amazonaws.com");

  const auto gov = resolve({{"aws_region", "us-gov-east-1"}});
  CHECK(gov.partition.name == "aws-us-gov");
  CHECK(gov.iamEndpoint == "https://iam.us-gov.amazonaws.com");
  CHECK(gov.iamService().scope.region == "us-gov-west-1");
  CHECK(gov.stsService().scope.region == "us-gov-east-1");

  const auto china = resolve({{"aws_partition", "aws-cn"}});
  CHECK(china.iamEndpoint == "https://iam.cn-north-1.amazonaws.com.cn");
  CHECK(china.region == "cn-north-1");
  CHECK(china.stsEndpoint == "https://sts.cn-north-1.amazonaws.com.cn");
}

TEST_CASE("aws config: record fields override the AWS SDK endpoint variables, which override the partition") {
  CleanEnvironment env;
  setenv("AWS_ENDPOINT_URL", "https://vpce.example:8443", 1);
  setenv("AWS_ENDPOINT_URL_STS", "https://sts.vpce.example", 1);
  setenv("AWS_REGION", "eu-west-1", 1);
  const auto fromEnv = resolve({});
  CHECK(fromEnv.iamEndpoint == "https://vpce.example:8443");
  CHECK(fromEnv.stsEndpoint == "https://sts.vpce.example");
  CHECK(fromEnv.region == "eu-west-1");
  const auto fromRecord = resolve({{"aws_iam_endpoint", "https://iam.proxy.example/"}, {"aws_region", "ap-south-1"}});
  CHECK(fromRecord.iamEndpoint == "https://iam.proxy.example");
  CHECK(fromRecord.region == "ap-south-1");
  setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true", 1);
  CHECK(resolve({}).iamEndpoint == "https://iam.amazonaws.com");
}

TEST_CASE("aws config: the login is the IAM user, and old_keys/when_full parse") {
  CleanEnvironment env;
  CHECK(resolve({}).userName == "app-deployer");
  const auto c = resolve({{"old_keys", "keep-previous"}, {"delete_all_keys_before_rotating", "YES"}});
  CHECK(c.oldKeys == OldKeys::KeepPrevious);
  CHECK(c.whenFull == WhenFull::DeleteUnheld);
  CHECK(resolve({}).whenFull == WhenFull::Fail);
  CHECK(resolve({{"when_full", "delete-inactive"}, {"delete_all_keys_before_rotating", "true"}}).whenFull ==
        WhenFull::DeleteInactive);
}

TEST_CASE("aws config: inconsistent or unsafe settings are configuration errors naming the field") {
  CleanEnvironment env;
  auto message = [](const std::map<std::string, std::string>& fields) {
    try {
      resolve(fields);
    } catch (const keeper_rotate::Error& e) {
      CHECK(e.status() == KR_ERR_CONFIG);
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  CHECK(message({{"aws_region", "cn-north-1"}, {"aws_partition", "aws"}}).find("aws_partition") != std::string::npos);
  CHECK(message({{"aws_sts_endpoint", "http://sts.example"}}).find("https") != std::string::npos);
  CHECK(message({{"login", "bad name!"}}).find("IAM user name") != std::string::npos);
  CHECK(message({{"aws_region", "nowhere"}}).find("region") != std::string::npos);
}
