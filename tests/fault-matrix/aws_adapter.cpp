// The fault matrix's aws-iam-access-key adapter: fake-aws with an admin user (every permission, its key in an
// attached admin record) and the IAM user app-deployer holding one Active key, which Keeper's record holds (id and
// secret); old_keys at its default (delete) and when_full=delete-unheld, so a second run after a kill can free a
// slot taken by a key the killed run created but never reported (docs/contract.md, "Crash journal": such a key is
// treated "as any other key not held by Keeper (old_secrets / old_keys, when_full)"). Remote steps, by IAM/STS
// action:
//   token    STS AssumeRole (the admin record names a role_arn for this step: its key only assumes the role)
//   resolve  STS GetCallerIdentity with the admin credential (validate: whose credential is it, which account)
//   list     IAM ListAccessKeys (validate)       create  IAM CreateAccessKey      remove  IAM DeleteAccessKey
//   prove    STS GetCallerIdentity signed by the new key
// Transient: one Throttling error (retried, docs/aws-iam.md); persistent: Throttling on every attempt; held: a
// fault that only delays the request by kHoldMs. The proof goes through the fake's eventual consistency instead:
// the new key is refused twice (transient), never accepted (persistent, verify_timeout_seconds 2; held).
#include "matrix.hpp"

#include <fake_aws.hpp>
#include <keeper_rotate/aws/query_client.hpp>
#include <keeper_rotate/https_client.hpp>
#include <keeper_rotate/text.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <sstream>

namespace matrix {
namespace {

namespace fa = keeper_rotate::fake_aws;
namespace aws = keeper_rotate::aws;

template <typename T>
std::string json(const T& o) {
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

class Aws final : public Adapter {
 public:
  Aws() : Adapter("kr-fault-matrix-aws") {
    fake = std::make_unique<fa::FakeAws>(ca);
    fa::Account a;
    a.accountId = account;
    fa::User admin;
    admin.userName = "keeper-admin";
    admin.userId = "AIDAADMIN0000000001";
    admin.permissions = {"*"};
    fa::User target;
    target.userName = targetUser;
    target.userId = "AIDATARGET000000001";
    target.resources = {targetUser};
    a.users = {admin, target};
    fa::Role role;
    role.roleName = "key-rotator";
    role.permissions = {"*"};
    role.trustedUsers = {"keeper-admin"};
    a.roles = {role};
    fake->setAccount(a);
    adminKey = fake->createKey("keeper-admin");
    heldKey = fake->createKey(targetUser);
    fake->start();
  }

  std::string provider() const override { return "aws-iam-access-key"; }

  void arrange(Step step) override {
    fields = {{"login", targetUser},
              {"aws_iam_endpoint", fake->baseUrl()},
              {"aws_sts_endpoint", fake->baseUrl()},
              {"aws_region", "us-east-1"},
              {"when_full", "delete-unheld"},
              {"verify_timeout_seconds", "10"},
              {"remote_budget_seconds", "30"}};
    if (step == Step::Token) roleArn = "arn:aws:iam::" + account + ":role/key-rotator";
    putVaultRecord(R"({"title":"app-deployer access key","type":"pamUser","fields":[{"type":"login",)"
                   R"("value":[")" + targetUser + R"("]}],"custom":[)"
                   R"({"type":"text","label":"aws_access_key_id","value":[")" + heldKey.accessKeyId + R"("]},)"
                   R"({"type":"secret","label":"aws_secret_access_key","value":[")" + heldKey.secretAccessKey +
                   R"("]}]})");
  }

  std::string gatewayLine() const override {
    Poco::JSON::Object user(Poco::JSON_PRESERVE_KEY_ORDER);
    user.set("uid", userUid);
    user.set("title", "app-deployer access key");
    std::map<std::string, std::string> all = fields;
    for (const auto& [k, v] : fieldOverrides) all[k] = v;
    for (const auto& [k, v] : all) user.set(k, v);
    for (const char* label : {"aws_access_key_id", "aws_secret_access_key"})
      if (const std::string v = vaultField(label); !v.empty()) user.set(label, v);
    Poco::JSON::Object admin(Poco::JSON_PRESERVE_KEY_ORDER);
    admin.set("uid", "MatrixAdminRecord00001");
    admin.set("title", "AWS rotation admin");
    admin.set("aws_access_key_id", adminKey.accessKeyId);
    admin.set("aws_secret_access_key", adminKey.secretAccessKey);
    if (!roleArn.empty()) admin.set("role_arn", roleArn);
    Poco::JSON::Array records;
    records.add(user);
    records.add(admin);
    Poco::JSON::Object input(Poco::JSON_PRESERVE_KEY_ORDER);
    input.set("providerRecordUid", "MatrixPamConfig0000001");
    input.set("resourceRecordUid", "");
    input.set("userRecordUid", userUid);
    input.set("newPassword", "Gw-generated-Pa55word-unused-by-aws");
    input.set("oldPassword", "Gw-previous-Pa55word-unused-by-aws");
    input.set("user", targetUser);
    input.set("records", keeper_rotate::text::encodeBase64(json(records)));
    return keeper_rotate::text::encodeBase64(json(input)) + "\n";
  }

  std::vector<std::string> argv() const override {
    return {KR_HOST_BINARY, "aws-iam-access-key", "--ksm-config", configFile};
  }

  std::map<std::string, std::string> environment() const override {
    return {{"SSL_CERT_FILE", ca.caCertFile()},
            {"AWS_EC2_METADATA_DISABLED", "true"},
            {"KEEPER_ROTATE_STATE_DIR", stateDir},
            {"KEEPER_ROTATE_AWS_VERIFY_INTERVAL_MS", "20"},
            {"KEEPER_ROTATE_AWS_RETRY_BASE_MS", "20"}};
  }

  void poll() override {
    for (const auto& k : fake->keys(targetUser))
      if (k.accessKeyId != heldKey.accessKeyId) seen[k.accessKeyId] = k.secretAccessKey;
  }

  std::vector<std::string> cloudKeyIds() const override {
    std::vector<std::string> ids;
    for (const auto& k : fake->keys(targetUser)) ids.push_back(k.accessKeyId);
    return ids;
  }
  std::vector<std::string> oldKeyIds() const override { return {heldKey.accessKeyId}; }
  std::string vaultKeyIdLabel() const override { return "aws_access_key_id"; }
  std::string vaultSecretLabel() const override { return "aws_secret_access_key"; }

  bool works(const std::string& keyId, const std::string& secret) const override {
    if (secret.empty()) return false;
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
      return arn.size() > targetUser.size() && arn.compare(arn.size() - targetUser.size(), targetUser.size(),
                                                           targetUser) == 0;
    } catch (const std::exception&) {
      return false;
    }
  }

  std::vector<std::string> secrets() const override {
    std::vector<std::string> s{adminKey.secretAccessKey, heldKey.secretAccessKey,
                               "Gw-generated-Pa55word-unused-by-aws", "Gw-previous-Pa55word-unused-by-aws"};
    for (const auto& [id, secret] : seen) s.push_back(secret);
    return s;
  }

 protected:
  fa::Fault faultFor(Step step) const {
    fa::Fault f;
    switch (step) {
      case Step::Token:
        f.action = "AssumeRole";
        f.service = "sts";
        break;
      case Step::Resolve:
        f.action = "GetCallerIdentity";
        f.service = "sts";
        break;
      case Step::List: f.action = "ListAccessKeys"; break;
      case Step::Create: f.action = "CreateAccessKey"; break;
      case Step::Remove: f.action = "DeleteAccessKey"; break;
      default: break;
    }
    return f;
  }

  void injectRemote(Step step, Kind kind) override {
    if (step == Step::Prove) {
      fa::Consistency c;
      if (kind == Kind::Transient) {
        c.rejectFirstAttempts = 2;
      } else {
        c.never = true;
        if (kind == Kind::Persistent) fieldOverrides["verify_timeout_seconds"] = "2";
      }
      fake->setConsistency(c);
      return;
    }
    fa::Fault f = faultFor(step);
    if (kind == Kind::Transient || kind == Kind::Persistent) {
      f.status = 400;
      f.code = "Throttling";
      f.times = kind == Kind::Transient ? 1 : 100000;
    } else {
      f.delayMs = kHoldMs;
    }
    fake->addFault(f);
  }

  bool remoteHeld(Step step) const override {
    if (step != Step::Prove) return fake->faultsApplied() > 0;
    std::size_t refused = 0;  // the proof is waiting: calls signed by a new key were refused twice
    for (const auto& r : fake->requests())
      if (r.action == "GetCallerIdentity" && seen.count(r.accessKeyId) && !r.errorCode.empty()) ++refused;
    return refused >= 2;
  }

  bool remoteHeldAnswered(Step step) const override {
    if (step == Step::Prove) return true;
    const auto log = fake->requests();
    return std::any_of(log.begin(), log.end(), [](const fa::LoggedRequest& r) { return r.faulted; });
  }

  void clearRemoteFaults() override {
    fake->clearFaults();
    fake->setConsistency({});
  }

 private:
  std::unique_ptr<fa::FakeAws> fake;
  std::string account = "123456789012";
  std::string targetUser = "app-deployer";
  fa::AccessKey adminKey, heldKey;
  std::string roleArn;
  std::map<std::string, std::string> fields;
  std::map<std::string, std::string> seen;
};

}  // namespace

std::unique_ptr<Adapter> makeAws() { return std::make_unique<Aws>(); }

}  // namespace matrix
