// End to end: the real keeper-rotate binary (build/bin/keeper-rotate, real plugin loading from the build tree's
// plugin directory) run the way the Keeper Gateway runs a PAM script — one base64 line of Gateway input on stdin,
// the attachment's path appended to the command — against tools/fake-aws (IAM, STS, IMDSv2) and tools/fake-ksm
// (the vault). Each case checks the exit code, the summary line (also against docs/summary.schema.json), the fake's
// final key state and the KSM record, and scans stdout and stderr for every secret the run could have seen, in the
// forms the host's redactor covers (raw, base64, URL-safe base64, URL-encoded, JSON-escaped).
//
// Hermetic: every server is on loopback with port 0; the child always gets AWS_EC2_METADATA_DISABLED=true, or
// AWS_EC2_METADATA_SERVICE_ENDPOINT naming the fake's IMDS, so nothing reaches 169.254.169.254; no secret is in the
// child's argv (credentials come in the Gateway input, or in the environment for the env source only).
#include "fixture.hpp"
#include "summary_check.hpp"

#include "kr_aws_iam/plugin_metadata.hpp"

#include <fake_ksm.hpp>
#include <keeper_rotate/text.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

namespace {

namespace fa = keeper_rotate::fake_aws;
using aws_test::contains;
using aws_test::Fixture;
using aws_test::FixtureOptions;
using Fields = std::vector<std::pair<std::string, std::string>>;

const char* kProvider = "aws-iam-access-key";
const char* kUserUid = "AwsE2EPamUser000000001";
const char* kConfigUid = "AwsE2EPamConfig0000001";
const char* kAdminUid = "AwsE2EAdminRecord00001";
const char* kNewPassword = "Gw-generated-Pa55word-unused-by-aws";
const char* kOldPassword = "Gw-previous-Pa55word-unused-by-aws";
const std::string kRole = "keeper-gateway-rotator";

std::string base64(const std::string& raw) { return keeper_rotate::text::encodeBase64(raw); }

std::string json(const Poco::JSON::Object& o) {
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

Poco::JSON::Object::Ptr parseObject(const std::string& text) {
  return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

/// A record as the Gateway flattens it: uid, title, one key per field label (or type).
Poco::JSON::Object record(const std::string& uid, const std::string& title, const Fields& fields) {
  Poco::JSON::Object r(Poco::JSON_PRESERVE_KEY_ORDER);
  r.set("uid", uid);
  r.set("title", title);
  for (const auto& [k, v] : fields) r.set(k, v);
  return r;
}

/// Gateway input: base64 of the JSON object whose `records` is itself base64 of the JSON record array.
std::string gatewayLine(const std::vector<Poco::JSON::Object>& records, const std::string& user) {
  Poco::JSON::Array array;
  for (const auto& r : records) array.add(r);
  std::ostringstream r;
  array.stringify(r);
  Poco::JSON::Object input(Poco::JSON_PRESERVE_KEY_ORDER);
  input.set("providerRecordUid", kConfigUid);
  input.set("resourceRecordUid", "");
  input.set("userRecordUid", kUserUid);
  input.set("newPassword", kNewPassword);
  input.set("oldPassword", kOldPassword);
  if (!user.empty()) input.set("user", user);
  input.set("records", base64(r.str()));
  return base64(json(input)) + "\n";
}

/// Everything the host's redactor masks a secret as: raw, standard and URL-safe base64, URL-encoded, JSON-escaped
/// (Poco writes '/' as "\/").
std::vector<std::string> forms(const std::string& secret) {
  std::vector<std::string> out{secret, base64(secret)};
  std::string urlSafe = base64(secret);
  for (char& c : urlSafe) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!urlSafe.empty() && urlSafe.back() == '=') urlSafe.pop_back();
  out.push_back(urlSafe);
  std::string urlEncoded, jsonEscaped;
  static const char* hex = "0123456789ABCDEF";
  for (unsigned char c : secret) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      urlEncoded += static_cast<char>(c);
    } else {
      urlEncoded += '%';
      urlEncoded += hex[c >> 4];
      urlEncoded += hex[c & 15];
    }
    if (c == '/') jsonEscaped += '\\';
    jsonEscaped += static_cast<char>(c);
  }
  out.push_back(urlEncoded);
  out.push_back(jsonEscaped);
  return out;
}

/// Parent-process variables that would change what the child does (it inherits the test's environment): cleared
/// so each run sets exactly what it means.
void cleanParentEnvironment() {
  for (const char* v : {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE",
                        "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_IAM",
                        "AWS_ENDPOINT_URL_STS", "AWS_EC2_METADATA_DISABLED", "AWS_EC2_METADATA_SERVICE_ENDPOINT",
                        "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "AWS_METADATA_SERVICE_TIMEOUT",
                        "AWS_METADATA_SERVICE_NUM_ATTEMPTS", "KSM_CONFIG", "GATEWAY_CONFIG",
                        "KEEPER_ROTATE_PLUGIN_PATH", "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy",
                        "NO_PROXY", "no_proxy"})
    ::unsetenv(v);
}

struct Run {
  int exitCode = -1;
  std::string out, err;
  Poco::JSON::Object::Ptr summary;
  /// Secrets of keys the fake held for the target user at any moment of the run (a rehearsal's key lives briefly).
  std::map<std::string, std::string> seenKeys;

  std::string str(const std::string& key) const {
    if (!summary || !summary->has(key) || summary->isNull(key)) return "";
    return summary->get(key).toString();
  }
  std::vector<std::string> ids(const std::string& key) const {
    std::vector<std::string> v;
    if (summary)
      if (auto arr = summary->getArray(key))
        for (std::size_t i = 0; i < arr->size(); ++i) v.push_back(arr->get(i).toString());
    return v;
  }
  std::string error(const std::string& key) const {
    if (!summary || !summary->has("error") || summary->isNull("error")) return "";
    return summary->getObject("error")->optValue<std::string>(key, "");
  }
  std::string all() const { return out + err; }
};

/// One fake AWS account (fixture.hpp: admin keeper-admin, target app-deployer) and one fake vault holding the PAM
/// User record, sharing the fixture's test CA.
struct E2E {
  Fixture f;
  keeper_rotate::fakeksm::FakeKsm ksm;
  std::string configFile, attachment;
  std::vector<std::string> secrets;  ///< everything the leak scan looks for, collected along the way

  explicit E2E(FixtureOptions options = {}) : f(std::move(options)), ksm(f.ca) {
    cleanParentEnvironment();
    configFile = f.dir.path() + "/ksm-config.json";
    std::ofstream(configFile) << ksm.createDevice().json;
    // The Gateway downloads the PAM script attachment and appends its path to the command.
    attachment = f.dir.path() + "/rotate-aws-key.sh";
    std::ofstream(attachment) << "#!/bin/sh\nexec keeper-rotate aws-iam-access-key \"$@\"\n";
    secrets = {f.adminKey.secretAccessKey, kNewPassword, kOldPassword};
    for (const auto& k : f.targetKeys)
      if (!k.secretAccessKey.empty()) secrets.push_back(k.secretAccessKey);
    seedVault(false);
  }

  /// The vault's PAM User: login and the held key id; `complete` adds every out field (with the held key's secret),
  /// otherwise the writer must create them.
  void seedVault(bool complete) {
    std::string custom = R"({"type":"text","label":"aws_access_key_id","value":[")" + f.held().accessKeyId + R"("]})";
    if (complete)
      custom += R"(,{"type":"secret","label":"aws_secret_access_key","value":[")" + f.held().secretAccessKey +
                R"("]},{"type":"text","label":"CreateDate","value":[")" + f.held().createDate +
                R"("]},{"type":"text","label":"Access_Key_ID_Removed_during_previous_rotation","value":[]})";
    ksm.putRecord(kUserUid, R"({"title":"app-deployer access key","type":"pamUser","fields":[{"type":"login",)"
                            R"("value":[")" + f.targetUser + R"("]}],"custom":[)" + custom + "]}");
  }

  /// The PAM User as the Gateway passes it, pointed at the fake; `extra` adds or overrides fields ("" removes).
  Poco::JSON::Object pamUser(const Fields& extra = {}) const {
    std::map<std::string, std::string> all{{"login", f.targetUser},
                                           {"aws_access_key_id", f.held().accessKeyId},
                                           {"aws_iam_endpoint", f.fake->baseUrl()},
                                           {"aws_sts_endpoint", f.fake->baseUrl()},
                                           {"aws_region", "us-east-1"},
                                           {"verify_timeout_seconds", "20"}};
    for (const auto& [k, v] : extra) all[k] = v;
    Fields fields;
    for (const auto& [k, v] : all)
      if (!v.empty()) fields.emplace_back(k, v);
    return record(kUserUid, f.targetUser + " access key", fields);
  }
  Poco::JSON::Object adminRecord() const {
    return record(kAdminUid, "AWS rotation admin",
                  {{"aws_access_key_id", f.adminKey.accessKeyId}, {"aws_secret_access_key", f.adminKey.secretAccessKey}});
  }

  std::vector<std::string> args(std::vector<std::string> before = {}) const {
    before.insert(before.end(), {kProvider, "--ksm-config", configFile, attachment});
    return before;
  }

  Run run(const std::string& line, std::map<std::string, std::string> env = {},
          const std::vector<std::string>& arguments = {}) {
    Poco::Process::Env childEnv{{"SSL_CERT_FILE", f.ca.caCertFile()},
                                {"KEEPER_ROTATE_AWS_VERIFY_INTERVAL_MS", "20"},
                                {"KEEPER_ROTATE_AWS_RETRY_BASE_MS", "20"},
                                {"AWS_EC2_METADATA_DISABLED", "true"}};
    for (auto& [k, v] : env) childEnv[k] = v;
    auto value = [&](const char* name) {
      const auto it = childEnv.find(name);
      return it == childEnv.end() ? std::string() : it->second;
    };
    REQUIRE((value("AWS_EC2_METADATA_DISABLED") == "true" ||
             value("AWS_EC2_METADATA_SERVICE_ENDPOINT") == f.fake->imdsBaseUrl()));
    const auto argv = arguments.empty() ? args() : arguments;
    for (const auto& a : argv)
      for (const auto& s : secrets) REQUIRE_MESSAGE(a.find(s) == std::string::npos, "secret in the child's argv");

    Run run;
    std::set<std::string> before;
    for (const auto& k : f.fake->keys(f.targetUser)) before.insert(k.accessKeyId);
    Poco::Pipe in, out, err;
    Poco::ProcessHandle ph = Poco::Process::launch(KR_HOST_BINARY, argv, f.dir.path(), &in, &out, &err, childEnv);
    // The watcher starts only after the launch: Poco forks, and a thread allocating in a tight loop while the
    // process forks can leave the child blocked on an allocator lock before it execs (the likely cause of a hang
    // seen once under ASan).
    std::atomic<bool> done{false};
    std::mutex seenMutex;
    std::thread watcher([&] {
      while (!done) {
        for (const auto& k : f.fake->keys(f.targetUser))
          if (!before.count(k.accessKeyId)) {
            std::lock_guard<std::mutex> lock(seenMutex);
            run.seenKeys[k.accessKeyId] = k.secretAccessKey;
          }
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
      }
    });

    std::thread errReader([&] {
      Poco::PipeInputStream s(err);
      Poco::StreamCopier::copyToString(s, run.err);
    });
    {
      Poco::PipeOutputStream s(in);
      s << line;
      s.close();
    }
    Poco::PipeInputStream os(out);
    Poco::StreamCopier::copyToString(os, run.out);
    errReader.join();
    run.exitCode = ph.wait();
    done = true;
    watcher.join();
    for (const auto& [id, secret] : run.seenKeys) secrets.push_back(secret);
    for (const auto& k : f.fake->keys(f.targetUser))
      if (!before.count(k.accessKeyId)) secrets.push_back(k.secretAccessKey);

    krtest::checkSummaryLine(run.out);
    // stdout carries exactly the summary line.
    CHECK_MESSAGE(std::count(run.out.begin(), run.out.end(), '\n') == 1, run.out);
    try {
      run.summary = parseObject(run.out.substr(0, run.out.find('\n')));
    } catch (const std::exception&) {
    }
    return run;
  }

  /// No secret collected so far, in any redactor form, on stdout or stderr.
  void checkNoLeak(const Run& run) const {
    for (const auto& s : secrets) {
      REQUIRE(s.size() >= 8);
      for (const auto& form : forms(s)) {
        CHECK_MESSAGE(run.out.find(form) == std::string::npos, "secret value on stdout: ", form.substr(0, 4), "...");
        CHECK_MESSAGE(run.err.find(form) == std::string::npos, "secret value on stderr: ", form.substr(0, 4), "...");
      }
    }
  }

  std::string vault() const { return ksm.readRecord(kUserUid); }
  /// A field of the vault's PAM User by label (or type): {type, first value}; {"", ""} when absent.
  std::pair<std::string, std::string> vaultField(const std::string& label) const {
    const auto data = parseObject(vault());
    for (const char* section : {"fields", "custom"}) {
      const auto arr = data->getArray(section);
      for (std::size_t i = 0; arr && i < arr->size(); ++i) {
        const auto field = arr->getObject(i);
        if (field->optValue<std::string>("label", field->optValue<std::string>("type", "")) != label) continue;
        const auto values = field->getArray("value");
        return {field->optValue<std::string>("type", ""),
                values && values->size() > 0 ? values->get(0).toString() : std::string()};
      }
    }
    return {"", ""};
  }

  std::string fakeSecretOf(const std::string& keyId) const {
    for (const auto& k : f.fake->keys(f.targetUser))
      if (k.accessKeyId == keyId) return k.secretAccessKey;
    return "";
  }
  std::string fakeCreateDateOf(const std::string& keyId) const {
    for (const auto& k : f.fake->keys(f.targetUser))
      if (k.accessKeyId == keyId) return k.createDate;
    return "";
  }
  /// Every IAM request of the run was signed by `keyId`.
  void checkIamSignedBy(const std::string& keyId) const {
    std::size_t iam = 0;
    for (const auto& r : f.fake->requests()) {
      if (r.service != "iam") continue;
      ++iam;
      CAPTURE(r.action);
      CHECK(r.accessKeyId == keyId);
    }
    CHECK(iam >= 3);  // ListAccessKeys, CreateAccessKey, ListAccessKeys, DeleteAccessKey at least
  }

  /// After a durable rotation: the summary, the fake (only the new key, which works; the old one gone) and the vault
  /// (new id, new secret in a hidden field, CreateDate, the removed id).
  void checkRotated(const Run& run, const std::string& source) const {
    CHECK(run.exitCode == 0);
    REQUIRE(run.summary);
    CHECK(run.str("status") == "rotated");
    CHECK(run.str("credentialSource") == source);
    CHECK(run.str("writer") == "ksm");
    CHECK(run.str("error").empty());
    const std::string newKey = run.str("keyId");
    CHECK(newKey.rfind("AKIA", 0) == 0);
    CHECK(newKey != f.held().accessKeyId);
    CHECK(run.ids("removed") == std::vector<std::string>{f.held().accessKeyId});
    CHECK(run.ids("kept").empty());
    CHECK(run.ids("remaining").empty());

    CHECK(f.targetKeyIds() == std::vector<std::string>{newKey});
    CHECK(f.statusOf(newKey) == "Active");
    CHECK(f.statusOf(f.held().accessKeyId).empty());
    CHECK_FALSE(f.keyWorks(f.held().accessKeyId, f.held().secretAccessKey, f.targetUser));

    CHECK(vaultField("aws_access_key_id") == std::make_pair(std::string("text"), newKey));
    const auto secret = vaultField(kr_aws_iam::kSecretField);
    CHECK(secret.first == "secret");
    CHECK(secret.second == fakeSecretOf(newKey));
    REQUIRE(secret.second.size() == 40);
    CHECK(f.keyWorks(newKey, secret.second, f.targetUser));
    CHECK(vaultField(kr_aws_iam::kCreateDateField).second == fakeCreateDateOf(newKey));
    CHECK(vaultField(kr_aws_iam::kCreateDateField).second.size() == 20);
    CHECK(vaultField(kr_aws_iam::kRemovedField).second == f.held().accessKeyId);
    CHECK(vaultField("login").second == f.targetUser);
    CHECK(vault().find(f.held().secretAccessKey) == std::string::npos);
    CHECK(ksm.requestCount("update_secret") >= 1);
    CHECK(f.fake->mutations() == 2);  // CreateAccessKey, DeleteAccessKey
  }
};

/// The instance role's current credentials as the fake IMDS hands them out (the same session the child got).
fa::SessionCredentials imdsCredentials(const fa::FakeAws& fake, const std::string& role) {
  Poco::Net::HTTPClientSession session("127.0.0.1", fake.imdsPort());
  Poco::Net::HTTPRequest put(Poco::Net::HTTPRequest::HTTP_PUT, "/latest/api/token", Poco::Net::HTTPMessage::HTTP_1_1);
  put.set("X-aws-ec2-metadata-token-ttl-seconds", "60");
  put.setContentLength(0);
  session.sendRequest(put);
  Poco::Net::HTTPResponse tokenResponse;
  std::string token;
  Poco::StreamCopier::copyToString(session.receiveResponse(tokenResponse), token);
  REQUIRE(tokenResponse.getStatus() == Poco::Net::HTTPResponse::HTTP_OK);
  Poco::Net::HTTPRequest get(Poco::Net::HTTPRequest::HTTP_GET, "/latest/meta-data/iam/security-credentials/" + role,
                             Poco::Net::HTTPMessage::HTTP_1_1);
  get.set("X-aws-ec2-metadata-token", token);
  session.sendRequest(get);
  Poco::Net::HTTPResponse response;
  std::string body;
  Poco::StreamCopier::copyToString(session.receiveResponse(response), body);
  REQUIRE(response.getStatus() == Poco::Net::HTTPResponse::HTTP_OK);
  const auto o = parseObject(body);
  fa::SessionCredentials c;
  c.accessKeyId = o->getValue<std::string>("AccessKeyId");
  c.secretAccessKey = o->getValue<std::string>("SecretAccessKey");
  c.sessionToken = o->getValue<std::string>("Token");
  return c;
}

fa::Role iamRole(const std::string& name) {
  fa::Role r;
  r.roleName = name;
  r.permissions = {"iam:*"};
  return r;
}

}  // namespace

TEST_CASE("aws host e2e: attached admin record, ksm writer stores the new key into the vault, old key deleted") {
  E2E e;
  const Run run = e.run(gatewayLine({e.pamUser(), e.adminRecord()}, e.f.targetUser));
  INFO("stdout: " << run.out);
  INFO("stderr: " << run.err);
  e.checkRotated(run, "attached-record");
  e.checkIamSignedBy(e.f.adminKey.accessKeyId);
  // The out fields did not exist in the vault: the writer created them.
  CHECK(run.all().find("aws-iam-access-key: created access key " + run.str("keyId")) != std::string::npos);
  e.checkNoLeak(run);
}

TEST_CASE("aws host e2e: AWS PAM Configuration in records supplies the admin key (pam-config)") {
  E2E e;
  e.seedVault(true);  // every out field exists: updated in place, the old secret overwritten
  // No aws_region on the PAM User: the PAM Configuration's first regionNames line is the STS region.
  const auto config = record(kConfigUid, "AWS PAM Configuration",
                             {{"accessKeyId", e.f.adminKey.accessKeyId},
                              {"accessSecretKey", e.f.adminKey.secretAccessKey},
                              {"regionNames", "us-east-1\neu-west-1"}});
  const Run run = e.run(gatewayLine({config, e.pamUser({{"aws_region", ""}})}, e.f.targetUser));
  INFO("stdout: " << run.out);
  INFO("stderr: " << run.err);
  e.checkRotated(run, "pam-config");
  e.checkIamSignedBy(e.f.adminKey.accessKeyId);
  CHECK(run.err.find("admin credential from PAM Configuration 'AWS PAM Configuration'") != std::string::npos);
  e.checkNoLeak(run);
}

TEST_CASE("aws host e2e: USE_INSTANCE_ROLE in the PAM Configuration falls through to the EC2 instance role") {
  E2E e(FixtureOptions().role(iamRole(kRole)));
  fa::InstanceProfile profile;
  profile.roleName = kRole;
  e.f.fake->setInstanceProfile(profile);
  const auto config = record(kConfigUid, "AWS PAM Configuration",
                             {{"accessKeyId", "USE_INSTANCE_ROLE"}, {"accessSecretKey", "USE_INSTANCE_ROLE"}});
  // --verbose: the debug lines are scanned for leaks too.
  const Run run = e.run(gatewayLine({config, e.pamUser()}, e.f.targetUser),
                        {{"AWS_EC2_METADATA_DISABLED", "false"},
                         {"AWS_EC2_METADATA_SERVICE_ENDPOINT", e.f.fake->imdsBaseUrl()}},
                        e.args({"--verbose"}));
  INFO("stdout: " << run.out);
  INFO("stderr: " << run.err);
  e.checkRotated(run, "instance-role");
  // The default chain asked pam-config and env before instance-role.
  REQUIRE(run.summary);
  const auto timings = run.summary->getObject("timingsMs");
  REQUIRE(timings);
  for (const char* source : {"attached-record", "pam-config", "env", "instance-role"})
    CHECK(timings->has(std::string("resolve.source/") + source));
  CHECK(e.f.fake->countRequests("imds", "PUT /latest/api/token") >= 1);
  // Every IAM call signed by the role's temporary key, the one the metadata service hands out.
  const fa::SessionCredentials role = imdsCredentials(*e.f.fake, kRole);
  CHECK(role.accessKeyId.rfind("ASIA", 0) == 0);
  e.checkIamSignedBy(role.accessKeyId);
  for (const auto& r : e.f.fake->requests())
    if (r.service == "iam") CHECK(r.accessKeyId.rfind("ASIA", 0) == 0);
  e.secrets.push_back(role.secretAccessKey);
  e.secrets.push_back(role.sessionToken);
  e.checkNoLeak(run);
}

TEST_CASE("aws host e2e: env source with a session (AWS_SESSION_TOKEN) named by credential_source=env") {
  E2E e(FixtureOptions().role(iamRole("ci-rotator")));
  const fa::SessionCredentials session = e.f.fake->createSession("ci-rotator", "e2e-env");
  e.secrets.push_back(session.secretAccessKey);
  e.secrets.push_back(session.sessionToken);
  // An attached admin record is there too: the named source wins over the chain's first.
  const Run run = e.run(gatewayLine({e.pamUser({{"credential_source", "env"}}), e.adminRecord()}, e.f.targetUser),
                        {{"AWS_ACCESS_KEY_ID", session.accessKeyId},
                         {"AWS_SECRET_ACCESS_KEY", session.secretAccessKey},
                         {"AWS_SESSION_TOKEN", session.sessionToken}});
  INFO("stdout: " << run.out);
  INFO("stderr: " << run.err);
  e.checkRotated(run, "env");
  CHECK(session.accessKeyId.rfind("ASIA", 0) == 0);
  e.checkIamSignedBy(session.accessKeyId);
  e.checkNoLeak(run);
}

TEST_CASE("aws host e2e: record_writer=stdout rehearses, the fake keeps only the old key, the vault is unchanged") {
  E2E e;
  // Hold the rehearsal's DeleteAccessKey a moment, so the watcher surely sees the short-lived key and its secret.
  fa::Fault hold;
  hold.service = "iam";
  hold.action = "DeleteAccessKey";
  hold.delayMs = 300;
  e.f.fake->addFault(hold);
  const std::string vaultBefore = e.vault();
  const auto revisionBefore = e.ksm.revision(kUserUid);
  const Run run = e.run(gatewayLine({e.pamUser({{"record_writer", "stdout"}}), e.adminRecord()}, e.f.targetUser));
  INFO("stdout: " << run.out);
  INFO("stderr: " << run.err);
  CHECK(run.exitCode == 0);
  REQUIRE(run.summary);
  CHECK(run.str("status") == "rehearsed");
  CHECK(run.str("writer") == "stdout");
  CHECK(run.str("credentialSource") == "attached-record");
  const std::string newKey = run.str("keyId");
  CHECK(newKey.rfind("AKIA", 0) == 0);
  CHECK(run.ids("removed").empty());
  CHECK(run.ids("remaining").empty());
  // Created, proven, deleted again; the held key untouched and still working.
  CHECK(run.seenKeys.count(newKey) == 1);
  CHECK(e.f.targetKeyIds() == std::vector<std::string>{e.f.held().accessKeyId});
  CHECK(e.f.statusOf(e.f.held().accessKeyId) == "Active");
  CHECK(e.f.keyWorks(e.f.held().accessKeyId, e.f.held().secretAccessKey, e.f.targetUser));
  CHECK(e.f.fake->countRequests("iam", "CreateAccessKey") == 1);
  CHECK(e.f.fake->countRequests("iam", "DeleteAccessKey") == 1);
  CHECK(e.f.fake->mutations() == 2);
  CHECK(e.vault() == vaultBefore);
  CHECK(e.ksm.revision(kUserUid) == revisionBefore);
  CHECK(e.ksm.requestCount("update_secret") == 0);
  // The stdout writer shows the would-be record on stderr, the secret redacted.
  CHECK(run.err.find("aws_access_key_id = " + newKey) != std::string::npos);
  CHECK(run.err.find("aws_secret_access_key = [REDACTED]") != std::string::npos);
  e.checkNoLeak(run);
}

TEST_CASE("aws host e2e: --dry-run validates against IAM and STS and changes nothing") {
  E2E e;
  const std::string vaultBefore = e.vault();
  const Run run = e.run(gatewayLine({e.pamUser(), e.adminRecord()}, e.f.targetUser), {}, e.args({"--dry-run"}));
  INFO("stdout: " << run.out);
  INFO("stderr: " << run.err);
  CHECK(run.exitCode == 0);
  REQUIRE(run.summary);
  CHECK(run.str("status") == "dry-run");
  CHECK(run.summary->getValue<bool>("dryRun"));
  CHECK(run.str("keyId").empty());
  CHECK(run.ids("removed").empty());
  REQUIRE(run.summary->getArray("plan"));
  CHECK(run.summary->getArray("plan")->size() > 0);
  CHECK(e.f.fake->mutations() == 0);
  CHECK(e.f.fake->countRequests("iam", "CreateAccessKey") == 0);
  CHECK(e.f.fake->countRequests("iam", "ListAccessKeys") >= 1);  // validation reads
  CHECK(e.f.targetKeyIds() == std::vector<std::string>{e.f.held().accessKeyId});
  CHECK(e.vault() == vaultBefore);
  CHECK(e.ksm.requestCount("update_secret") == 0);
  e.checkNoLeak(run);
}

TEST_CASE("aws host e2e: a PAM User without login, or with a bad old_keys, is exit 3 before any AWS request") {
  E2E e;
  const std::string vaultBefore = e.vault();
  SUBCASE("no login, and no user in the Gateway input") {
    const Run run = e.run(gatewayLine({e.pamUser({{"login", ""}}), e.adminRecord()}, ""));
    INFO("stderr: " << run.err);
    CHECK(run.exitCode == 3);
    REQUIRE(run.summary);
    CHECK(run.str("status") == "config-error");
    // login is a declared required field: the host refuses the record before any plugin runs an operation.
    CHECK(run.error("code") == "field.missing");
    CHECK(run.error("stage") == "validate");
    CHECK(run.error("message").find("the Login field") != std::string::npos);
    CHECK(run.str("keyId").empty());
    e.checkNoLeak(run);
  }
  SUBCASE("old_keys outside its choices") {
    const Run run = e.run(gatewayLine({e.pamUser({{"old_keys", "purge"}}), e.adminRecord()}, e.f.targetUser));
    INFO("stderr: " << run.err);
    CHECK(run.exitCode == 3);
    REQUIRE(run.summary);
    CHECK(run.str("status") == "config-error");
    CHECK(run.error("message").find("old_keys") != std::string::npos);
    CHECK(run.str("keyId").empty());
    e.checkNoLeak(run);
  }
  CHECK(e.f.fake->requests().empty());
  CHECK(e.f.fake->mutations() == 0);
  CHECK(e.f.targetKeyIds() == std::vector<std::string>{e.f.held().accessKeyId});
  CHECK(e.ksm.requestCount("update_secret") == 0);
  CHECK(e.vault() == vaultBefore);
}

TEST_CASE("aws host e2e: a user with two keys and when_full at its default is exit 3 and nothing changes") {
  E2E e(FixtureOptions::keys({"Active", "Active"}));
  const std::string vaultBefore = e.vault();
  const Run run = e.run(gatewayLine({e.pamUser(), e.adminRecord()}, e.f.targetUser));
  INFO("stderr: " << run.err);
  CHECK(run.exitCode == 3);
  REQUIRE(run.summary);
  CHECK(run.str("status") == "config-error");
  CHECK(run.error("code") == "aws.user_full");
  CHECK(run.error("stage") == "validate");
  CHECK(run.error("message").find("when_full=fail") != std::string::npos);
  CHECK(run.error("message").find("Nothing was changed") != std::string::npos);
  CHECK(run.str("keyId").empty());
  CHECK(run.ids("removed").empty());
  CHECK(e.f.fake->mutations() == 0);
  CHECK(e.f.fake->countRequests("iam", "CreateAccessKey") == 0);
  CHECK(e.f.targetKeyIds() ==
        std::vector<std::string>{e.f.targetKeys[0].accessKeyId, e.f.targetKeys[1].accessKeyId});
  for (const auto& k : e.f.targetKeys) CHECK(e.f.statusOf(k.accessKeyId) == "Active");
  CHECK(e.vault() == vaultBefore);
  CHECK(e.ksm.requestCount("update_secret") == 0);
  e.checkNoLeak(run);
}

namespace {

struct Cli {
  int exitCode = -1;
  std::string out, err;
};

Cli runCli(const std::vector<std::string>& args) {
  cleanParentEnvironment();
  Poco::Pipe in, out, err;
  Poco::ProcessHandle ph = Poco::Process::launch(KR_HOST_BINARY, args, &in, &out, &err);
  in.close();
  Cli cli;
  std::thread errReader([&] {
    Poco::PipeInputStream s(err);
    Poco::StreamCopier::copyToString(s, cli.err);
  });
  Poco::PipeInputStream os(out);
  Poco::StreamCopier::copyToString(os, cli.out);
  errReader.join();
  cli.exitCode = ph.wait();
  krtest::checkSummaryLine(cli.out);
  return cli;
}

}  // namespace

TEST_CASE("aws host e2e: template pam-user carries every provider field, in csv and json") {
  const Cli csv = runCli({"template", "pam-user", kProvider});
  INFO("stderr: " << csv.err);
  CHECK(csv.exitCode == 0);
  const Cli asJson = runCli({"template", "pam-user", kProvider, "--format", "json"});
  CHECK(asJson.exitCode == 0);
  const auto custom = parseObject(asJson.out)->getArray("records")->getObject(0)->getObject("custom_fields");
  const auto imported = parseObject(asJson.out)->getArray("records")->getObject(0);
  for (const auto& field : kr_aws_iam::kFields) {
    const std::string label = field.label;
    CAPTURE(label);
    if (label == "login") {  // the record type's own Login, not a custom field: the importer's Login column
      CHECK(csv.out.find(",\"REPLACE-ME: required, IAM user name") != std::string::npos);
      CHECK(imported->optValue<std::string>("login", "").rfind("REPLACE-ME", 0) == 0);
      CHECK_FALSE(custom->has("$text:login"));
      continue;
    }
    const bool secret = (field.flags & KR_FIELD_SECRET) != 0;
    CHECK(csv.out.find("," + std::string(secret ? "$secret:" : "") + label + ",") != std::string::npos);
    CHECK(custom->has(std::string(secret ? "$secret:" : "$text:") + label));
  }
  CHECK(csv.out.find("keeper-rotate aws-iam-access-key") != std::string::npos);
}

TEST_CASE("aws host e2e: plugins describe --json parses and lists the fields and the credential parts") {
  const Cli cli = runCli({"plugins", "describe", kProvider, "--json"});
  INFO("stderr: " << cli.err);
  CHECK(cli.exitCode == 0);
  const auto d = parseObject(cli.out);
  CHECK(d->getValue<std::string>("kind") == "provider");
  CHECK(d->getValue<std::string>("name") == kProvider);
  std::set<std::string> labels;
  const auto fields = d->getArray("fields");
  for (std::size_t i = 0; fields && i < fields->size(); ++i)
    labels.insert(fields->getObject(i)->getValue<std::string>("label"));
  for (const auto& field : kr_aws_iam::kFields) CHECK(labels.count(field.label) == 1);

  const auto credential = d->getObject("credential");
  REQUIRE(credential);
  CHECK(credential->getValue<std::string>("scheme") == kr_aws_iam::kCredentialScheme);
  const auto parts = credential->getArray("parts");
  REQUIRE(parts);
  REQUIRE(parts->size() == std::size(kr_aws_iam::kCredentialParts));
  auto text = [](const Poco::JSON::Object::Ptr& o, const char* key) {
    return o->isNull(key) ? std::string() : o->getValue<std::string>(key);
  };
  auto str = [](const char* s) { return s ? std::string(s) : std::string(); };
  for (std::size_t i = 0; i < parts->size(); ++i) {
    const auto& want = kr_aws_iam::kCredentialParts[i];
    const auto part = parts->getObject(i);
    CAPTURE(want.name);
    CHECK(part->getValue<std::string>("name") == want.name);
    CHECK(part->getValue<bool>("secret") == ((want.flags & KR_CREDENTIAL_SECRET) != 0));
    CHECK(part->getValue<bool>("optional") == ((want.flags & KR_CREDENTIAL_OPTIONAL) != 0));
    const auto where = part->getObject("where");
    CHECK(text(where, "attached-record") == str(want.record_label));
    CHECK(text(where, "pam-config") == str(want.config_field));
    CHECK(text(where, "env") == str(want.env_var));
  }
  std::vector<std::string> required;
  const auto req = d->getArray("requiredCredentials");
  for (std::size_t i = 0; req && i < req->size(); ++i) required.push_back(req->get(i).toString());
  CHECK(required == std::vector<std::string>{"access_key_id", "secret_access_key"});
}
