#include "kr_aws_iam/config.hpp"

#include "kr_aws_iam/plugin_metadata.hpp"

#include <keeper_rotate/text.hpp>

#include <cctype>
#include <cstdlib>
#include <thread>

namespace kr_aws_iam {

namespace aws = keeper_rotate::aws;
using keeper_rotate::configError;
using keeper_rotate::Context;

namespace {

long envMillis(const char* name, long fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  return (end != nullptr && *end == '\0' && n >= 0) ? n : fallback;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The first line of the AWS PAM Configuration's "Region Names" (regionNames), when the Gateway passed that record.
std::string regionFromPamConfiguration(const Context& ctx) {
  const auto configUid = ctx.input("providerRecordUid");
  if (!configUid || configUid->empty()) return {};
  for (std::size_t i = 0; i < ctx.recordCount(); ++i) {
    if (ctx.record(i, "uid") != configUid) continue;
    const auto regions = ctx.record(i, "regionNames");
    if (!regions) return {};
    const std::string_view all = *regions;
    return std::string(keeper_rotate::text::trim(all.substr(0, all.find('\n'))));
  }
  return {};
}

bool parseKeeperBoolean(const std::string& value, bool& out) {
  const std::string v = lower(value);
  if (v.empty() || v == "false" || v == "no" || v == "0") {
    out = false;
    return true;
  }
  if (v == "true" || v == "yes" || v == "1") {
    out = true;
    return true;
  }
  return false;
}

std::string stripTrailingSlash(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

void requireHttps(const std::string& url, const std::string& origin) {
  if (url.rfind("https://", 0) != 0)
    throw configError("field." + origin, origin + " must be an https:// URL (got '" + url +
                                              "'): keeper-rotate never sends AWS requests without TLS");
}

}  // namespace

RotationSettings RotationSettings::fromEnvironment() {
  RotationSettings s;
  s.proveInterval = std::chrono::milliseconds(envMillis("KEEPER_ROTATE_AWS_VERIFY_INTERVAL_MS", 1000));
  s.retry.baseDelay = std::chrono::milliseconds(envMillis("KEEPER_ROTATE_AWS_RETRY_BASE_MS", 500));
  return s;
}

void RotationSettings::sleep(std::chrono::milliseconds d) const {
  if (sleeper)
    sleeper(d);
  else
    std::this_thread::sleep_for(d);
}

std::string joinKeyIds(const std::vector<std::string>& ids) { return keeper_rotate::text::join(ids, ", "); }

std::vector<std::string> splitKeyIds(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::string_view item =
        keeper_rotate::text::trim(text.substr(start, comma == std::string_view::npos ? text.npos : comma - start));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

bool validUserName(std::string_view name) {
  if (name.empty() || name.size() > 128) return false;
  for (char c : name)
    if (!std::isalnum(static_cast<unsigned char>(c)) && std::string_view("+=,.@_-").find(c) == std::string_view::npos)
      return false;
  return true;
}

RotationConfig RotationConfig::fromContext(const Context& ctx) {
  RotationConfig c;
  c.userName = ctx.text("login");
  if (c.userName.empty())
    throw configError("field.login", "The PAM User record has no login: aws-iam-access-key rotates the access key of "
                                     "the IAM user named in the record's Login field; set it to the IAM user name");
  if (!validUserName(c.userName))
    throw configError("field.login", "The PAM User's login '" + c.userName +
                                         "' is not an IAM user name (1-128 characters of letters, digits and "
                                         "+=,.@_-); set Login to the IAM user name, without a path or ARN");
  c.heldKeyId = ctx.text(kKeyIdField);
  c.previouslyRetired = splitKeyIds(ctx.text(kRemovedField));
  c.previousKeyId = ctx.text(kPreviousField);

  c.oldKeysText = ctx.choice("old_keys");
  c.oldKeys = c.oldKeysText == "deactivate"      ? OldKeys::Deactivate
              : c.oldKeysText == "keep-previous" ? OldKeys::KeepPrevious
              : c.oldKeysText == "keep"          ? OldKeys::Keep
                                                 : OldKeys::Delete;

  bool deleteAllFirst = false;
  const std::string keeperFlag = ctx.text("delete_all_keys_before_rotating");
  if (!parseKeeperBoolean(keeperFlag, deleteAllFirst))
    throw configError("field.delete_all_keys_before_rotating",
                      "PAM User field 'delete_all_keys_before_rotating' is '" + keeperFlag +
                          "'; use true/yes/1 or false/no/0 (or remove the field)");
  c.whenFullText = ctx.choice("when_full");
  if (c.whenFullText.empty()) c.whenFullText = deleteAllFirst ? "delete-unheld" : "fail";
  c.whenFull = c.whenFullText == "delete-inactive" ? WhenFull::DeleteInactive
               : c.whenFullText == "delete-unheld" ? WhenFull::DeleteUnheld
                                                   : WhenFull::Fail;

  // Region and partition: an explicit partition wins; a region names its partition; both must agree.
  std::string regionOrigin = "aws_region";
  c.region = ctx.text("aws_region");
  if (c.region.empty()) {
    c.region = regionFromPamConfiguration(ctx);
    regionOrigin = "the AWS PAM Configuration's regionNames";
  }
  if (c.region.empty()) {
    if (auto env = aws::regionFromEnvironment()) {
      c.region = *env;
      regionOrigin = "AWS_REGION/AWS_DEFAULT_REGION";
    }
  }
  if (!c.region.empty() && !aws::validRegionName(c.region))
    throw configError("field.aws_region", "The region '" + c.region + "' (from " + regionOrigin +
                                              ") is not an AWS region name such as us-east-1");
  const std::string partitionName = ctx.choice("aws_partition");
  std::optional<aws::Partition> partition;
  if (!partitionName.empty()) partition = aws::partitionNamed(partitionName);
  if (!c.region.empty()) {
    const auto fromRegion = aws::partitionForRegion(c.region);
    if (!fromRegion)
      throw configError("field.aws_region", "The region '" + c.region + "' (from " + regionOrigin +
                                                ") belongs to no supported partition (aws, aws-us-gov, aws-cn)");
    if (partition && partition->name != fromRegion->name)
      throw configError("field.aws_partition", "aws_partition is " + partition->name + " but the region " + c.region +
                                                   " (from " + regionOrigin + ") is in " + fromRegion->name +
                                                   "; set one of them so they agree");
    partition = fromRegion;
  }
  if (!partition) partition = aws::partitionNamed("aws");
  c.partition = *partition;
  if (c.region.empty()) c.region = c.partition.defaultRegion;

  // Endpoints: record field, then the AWS SDKs' environment variables, then the partition's.
  c.iamEndpoint = ctx.text("aws_iam_endpoint");
  c.iamEndpointOrigin = "aws_iam_endpoint";
  if (c.iamEndpoint.empty())
    if (auto env = aws::endpointFromEnvironment("IAM")) {
      c.iamEndpoint = *env;
      c.iamEndpointOrigin = "AWS_ENDPOINT_URL_IAM/AWS_ENDPOINT_URL";
    }
  if (c.iamEndpoint.empty()) {
    c.iamEndpoint = c.partition.iamEndpoint;
    c.iamEndpointOrigin = "the " + c.partition.name + " partition";
  }
  c.stsEndpoint = ctx.text("aws_sts_endpoint");
  c.stsEndpointOrigin = "aws_sts_endpoint";
  if (c.stsEndpoint.empty())
    if (auto env = aws::endpointFromEnvironment("STS")) {
      c.stsEndpoint = *env;
      c.stsEndpointOrigin = "AWS_ENDPOINT_URL_STS/AWS_ENDPOINT_URL";
    }
  if (c.stsEndpoint.empty()) {
    c.stsEndpoint = aws::stsEndpoint(c.partition, c.region);
    c.stsEndpointOrigin = "region " + c.region;
  }
  c.iamEndpoint = stripTrailingSlash(c.iamEndpoint);
  c.stsEndpoint = stripTrailingSlash(c.stsEndpoint);
  requireHttps(c.iamEndpoint, c.iamEndpointOrigin);
  requireHttps(c.stsEndpoint, c.stsEndpointOrigin);

  c.verifyTimeoutSeconds = static_cast<int>(ctx.integer("verify_timeout_seconds"));
  c.verifySuccesses = static_cast<int>(ctx.integer("verify_successes"));
  c.rehearsal = ctx.setting("rehearsal") == std::optional<std::string_view>("1");
  c.dryRun = ctx.setting("dry_run") == std::optional<std::string_view>("1");
  return c;
}

aws::Service RotationConfig::iamService() const {
  return aws::Service{iamEndpoint, "2010-05-08", aws::SigningScope{partition.iamSigningRegion, "iam"}};
}

aws::Service RotationConfig::stsService() const {
  return aws::Service{stsEndpoint, "2011-06-15", aws::SigningScope{region, "sts"}};
}

}  // namespace kr_aws_iam
