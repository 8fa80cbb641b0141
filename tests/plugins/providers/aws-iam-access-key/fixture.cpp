#include "fixture.hpp"

#include <keeper_rotate/aws/query_client.hpp>
#include <keeper_rotate/https_client.hpp>

#include <algorithm>
#include <cstdlib>

namespace aws_test {

using keeper_rotate::fake_aws::Account;
using keeper_rotate::fake_aws::User;
namespace aws = keeper_rotate::aws;

const kt::Plugin& plugin() {
  static const kt::Plugin p = kt::load(KR_AWS_PLUGIN);
  return p;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

Fixture::Fixture(FixtureOptions options) : ca(keeper_rotate::testsupport::TestCa::create(dir.path() + "/ca")) {
  fake = std::make_unique<keeper_rotate::fake_aws::FakeAws>(ca);
  Account a;
  a.accountId = account;
  User admin;
  admin.userName = adminUser;
  admin.userId = "AIDAADMIN0000000001";
  admin.permissions = options.adminPermissions;
  User target;
  target.userName = targetUser;
  target.userId = "AIDATARGET000000001";
  target.permissions = options.targetSelfPermissions;
  target.resources = {targetUser};
  a.users = {admin, target};
  a.roles = options.roles;
  fake->setAccount(a);
  adminKey = fake->createKey(adminUser);
  for (const auto& status : options.targetKeyStatuses) targetKeys.push_back(fake->createKey(targetUser, status));
  if (targetKeys.empty()) targetKeys.push_back(AccessKey{});
  fake->start();
  useEnvironment();
}

void Fixture::useEnvironment() const {
  setenv("SSL_CERT_FILE", ca.caCertFile().c_str(), 1);
  setenv("KEEPER_ROTATE_AWS_VERIFY_INTERVAL_MS", "5", 1);
  setenv("KEEPER_ROTATE_AWS_RETRY_BASE_MS", "5", 1);
  for (const char* v : {"HTTPS_PROXY", "https_proxy", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_STS",
                        "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                        "AWS_SESSION_TOKEN"})
    unsetenv(v);
}

kt::GatewayInput Fixture::input(const std::map<std::string, std::string>& fields) const {
  std::map<std::string, std::string> all{{"login", targetUser},
                                         {"aws_access_key_id", held().accessKeyId},
                                         {"aws_iam_endpoint", fake->baseUrl()},
                                         {"aws_sts_endpoint", fake->baseUrl()},
                                         {"aws_region", "us-east-1"},
                                         {"verify_timeout_seconds", "20"}};
  for (const auto& [k, v] : fields) all[k] = v;
  auto pamUser = kt::record("PamUserAws000000000001").title(targetUser + " access key");
  for (const auto& [k, v] : all)
    if (!v.empty()) pamUser.field(k, v);
  return kt::gatewayInput().pamUser(pamUser).providerRecordUid("PamConfigAws0000000001");
}

void Fixture::prepare(kt::InMemoryHost& host, const std::map<std::string, std::string>& fields) const {
  host.useInput(input(fields));
  host.credentials = {{"access_key_id", adminKey.accessKeyId}, {"secret_access_key", adminKey.secretAccessKey}};
  host.extraSecrets.push_back({"admin secret access key", adminKey.secretAccessKey});
  for (std::size_t i = 0; i < targetKeys.size(); ++i)
    if (!targetKeys[i].secretAccessKey.empty())
      host.extraSecrets.push_back({"target key #" + std::to_string(i + 1), targetKeys[i].secretAccessKey});
}

std::vector<std::string> Fixture::targetKeyIds() const {
  std::vector<std::string> ids;
  for (const auto& k : fake->keys(targetUser)) ids.push_back(k.accessKeyId);
  return ids;
}

std::string Fixture::statusOf(const std::string& keyId) const {
  for (const auto& k : fake->keys(targetUser))
    if (k.accessKeyId == keyId) return k.status;
  return "";
}

bool Fixture::keyWorks(const std::string& keyId, const std::string& secret, const std::string& userName) const {
  keeper_rotate::https::Options o;
  o.caFile = ca.caCertFile();
  o.useProxyEnvironment = false;
  keeper_rotate::https::Client http(o);
  aws::RetryPolicy once;
  once.maxAttempts = 1;
  aws::QueryClient sts(http, aws::Service{fake->baseUrl(), "2011-06-15", {"us-east-1", "sts"}}, once,
                       [](std::chrono::milliseconds) {});
  try {
    const aws::XmlElement r = sts.call("GetCallerIdentity", {}, aws::Credentials(keyId, secret));
    const std::string arn = r.textOf("GetCallerIdentityResult/Arn");
    return arn.size() > userName.size() && arn.compare(arn.size() - userName.size(), userName.size(), userName) == 0;
  } catch (const std::exception&) {
    return false;
  }
}

std::string Run::stored(const std::string& label) const {
  const auto it = writer.record.find(label);
  return it == writer.record.end() ? std::string() : it->second;
}

std::unique_ptr<Run> rotate(const Fixture& f, const std::map<std::string, std::string>& fields, bool durable,
                            bool dryRun) {
  auto run = std::make_unique<Run>(durable);
  f.prepare(run->host, fields);
  kt::RunOptions options;
  options.dryRun = dryRun;
  run->out = kt::runRotation(run->host, plugin(), run->writer, options);
  return run;
}

}  // namespace aws_test
