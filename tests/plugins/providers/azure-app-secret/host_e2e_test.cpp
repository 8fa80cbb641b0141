// The issue's "done when": keeper-rotate itself (build/bin/keeper-rotate, real plugin loading) run the way the
// Gateway runs it — one base64 line on stdin — against fake-entra, with the env credential source (AZURE_* in the
// child's environment) or the attached admin record, and the stdout writer: a rehearsal.
#include "fixture.hpp"
#include "summary_check.hpp"

#include <keeper_rotate/text.hpp>

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>

#include <doctest/doctest.h>

#include <fake_ksm.hpp>

#include <fstream>

#include <sstream>
#include <thread>

using namespace azure_test;

namespace {

std::string base64(const std::string& raw) { return keeper_rotate::text::encodeBase64(raw); }

std::string json(const Poco::JSON::Object& o) {
  std::ostringstream out;
  o.stringify(out);
  return out.str();
}

const char* kUserUid = "AzureE2EPamUser0000001";

/// Gateway input: base64 of the JSON object whose `records` is itself base64 of the JSON record array.
std::string gatewayLine(const Poco::JSON::Array& records) {
  std::ostringstream r;
  records.stringify(r);
  Poco::JSON::Object input;
  input.set("providerRecordUid", "AzureE2EPamConfig00001");
  input.set("resourceRecordUid", "");
  input.set("userRecordUid", kUserUid);
  input.set("newPassword", "unused-by-azure-app-secret");
  input.set("oldPassword", "");
  input.set("user", "payments-api");
  input.set("records", base64(r.str()));
  return base64(json(input)) + "\n";
}

Poco::JSON::Object pamUser(const Fixture& f) {
  Poco::JSON::Object u;
  u.set("uid", kUserUid);
  u.set("title", "payments-api client secret");
  u.set("application_object_id", f.targetAppId);
  u.set("client_secret_id", f.oldKeyIds[0]);
  u.set("azure_authority_host", f.fake->baseUrl());
  u.set("azure_graph_endpoint", f.fake->baseUrl());
  u.set("verify_timeout_seconds", "30");
  u.set("record_writer", "stdout");
  return u;
}

struct Run {
  int exitCode = -1;
  std::string out, err;
  Poco::JSON::Object::Ptr summary;
};

Run runHost(const Fixture& f, const std::string& stdinLine, Poco::Process::Env env,
            std::vector<std::string> args = {"azure-app-secret"}) {
  env["SSL_CERT_FILE"] = f.ca.caCertFile();
  env["KEEPER_ROTATE_AZURE_VERIFY_INTERVAL_MS"] = "20";
  env["KEEPER_ROTATE_AZURE_RETRY_BASE_MS"] = "20";
  env["HTTPS_PROXY"] = "";
  env["https_proxy"] = "";
  Poco::Pipe in, out, err;
  Poco::ProcessHandle ph = Poco::Process::launch(KR_HOST_BINARY, args, "", &in, &out, &err, env);
  Run run;
  std::thread errReader([&] {
    Poco::PipeInputStream s(err);
    Poco::StreamCopier::copyToString(s, run.err);
  });
  {
    Poco::PipeOutputStream s(in);
    s << stdinLine;
    s.close();
  }
  Poco::PipeInputStream os(out);
  Poco::StreamCopier::copyToString(os, run.out);
  errReader.join();
  run.exitCode = ph.wait();
  krtest::checkSummaryLine(run.out);
  const auto nl = run.out.find('\n');
  try {
    run.summary = Poco::JSON::Parser().parse(run.out.substr(0, nl)).extract<Poco::JSON::Object::Ptr>();
  } catch (const std::exception&) {
  }
  return run;
}

void checkNoSecretIn(const Run& run, const std::vector<std::string>& secrets) {
  for (const auto& s : secrets) {
    CHECK_MESSAGE(run.out.find(s) == std::string::npos, "secret value on stdout");
    CHECK_MESSAGE(run.err.find(s) == std::string::npos, "secret value on stderr");
  }
}

std::size_t tokenRequestsFor(const Fixture& f, const std::string& clientId) {
  std::size_t n = 0;
  for (const auto& r : f.fake->requests()) n += r.clientId == clientId ? 1 : 0;
  return n;
}

}  // namespace

TEST_CASE("azure end to end: Gateway stdin, env credential, stdout writer rehearses the rotation") {
  Fixture f;
  Poco::JSON::Object user = pamUser(f);
  user.set("credential_source", "env");
  Poco::JSON::Array records;
  records.add(user);
  const Run run = runHost(f, gatewayLine(records),
                          {{"AZURE_TENANT_ID", f.tenantId}, {"AZURE_CLIENT_ID", f.adminAppId},
                           {"AZURE_CLIENT_SECRET", f.adminSecret}});
  INFO("stderr: " << run.err);
  CHECK(run.exitCode == 0);
  REQUIRE(run.summary);
  CHECK(run.summary->getValue<std::string>("status") == "rehearsed");
  CHECK(run.summary->getValue<std::string>("credentialSource") == "env");
  const std::string newKey = run.summary->getValue<std::string>("keyId");
  CHECK_FALSE(contains(f.oldKeyIds, newKey));
  // Created once, proven with its own client id, removed again; the old secrets untouched.
  CHECK(f.fake->countRequests("POST", "/addPassword") == 1);
  CHECK(f.fake->countRequests("POST", "/removePassword") == 1);
  CHECK(tokenRequestsFor(f, f.targetAppId) == 3);
  CHECK(f.targetKeyIds() == f.oldKeyIds);
  for (const auto& old : f.oldSecretValues) CHECK(f.tokenWorks(f.targetAppId, old));
  checkNoSecretIn(run, {f.adminSecret, f.oldSecretValues[0], f.oldSecretValues[1]});
}

TEST_CASE("azure end to end: attached admin record and propagation delay, still a clean rehearsal") {
  Fixture f;
  f.fake->setPropagation({std::chrono::milliseconds(0), 3});
  Poco::JSON::Array records;
  records.add(pamUser(f));
  Poco::JSON::Object admin;
  admin.set("uid", "AzureE2EAdminRecord001");
  admin.set("title", "rotation admin");
  admin.set("application_client_id", f.adminAppId);
  admin.set("client_secret", f.adminSecret);
  admin.set("tenant_id", f.tenantId);
  records.add(admin);
  const Run run = runHost(f, gatewayLine(records), {});
  INFO("stderr: " << run.err);
  CHECK(run.exitCode == 0);
  REQUIRE(run.summary);
  CHECK(run.summary->getValue<std::string>("status") == "rehearsed");
  CHECK(run.summary->getValue<std::string>("credentialSource") == "attached-record");
  CHECK(tokenRequestsFor(f, f.targetAppId) == 6);  // 3 rejected while "replicating", then 3 in a row
  CHECK(f.targetKeyIds() == f.oldKeyIds);
  checkNoSecretIn(run, {f.adminSecret, f.oldSecretValues[0], f.oldSecretValues[1]});
}

TEST_CASE("azure end to end: propagation timeout exits 4 and removes the new secret") {
  Fixture f;
  f.fake->setPropagation({std::chrono::hours(1), 0});
  Poco::JSON::Object user = pamUser(f);
  user.set("verify_timeout_seconds", "1");
  user.set("credential_source", "env");
  Poco::JSON::Array records;
  records.add(user);
  const Run run = runHost(f, gatewayLine(records),
                          {{"AZURE_TENANT_ID", f.tenantId}, {"AZURE_CLIENT_ID", f.adminAppId},
                           {"AZURE_CLIENT_SECRET", f.adminSecret}});
  INFO("stderr: " << run.err);
  CHECK(run.exitCode == 4);
  REQUIRE(run.summary);
  CHECK((run.out + run.err).find("verify_timeout_seconds=1") != std::string::npos);
  CHECK(run.summary->getValue<std::string>("status") != "rehearsed");
  CHECK(f.fake->countRequests("POST", "/addPassword") == 1);
  CHECK(f.targetKeyIds() == f.oldKeyIds);
  checkNoSecretIn(run, {f.adminSecret});
}

TEST_CASE("azure end to end: a wrong admin secret is a configuration error with exit 3 and no change") {
  Fixture f;
  Poco::JSON::Object user = pamUser(f);
  user.set("credential_source", "env");
  Poco::JSON::Array records;
  records.add(user);
  const std::string wrong = "Wr0ng8Q~" + std::string(32, 'x');
  const Run run = runHost(f, gatewayLine(records),
                          {{"AZURE_TENANT_ID", f.tenantId}, {"AZURE_CLIENT_ID", f.adminAppId},
                           {"AZURE_CLIENT_SECRET", wrong}});
  INFO("stderr: " << run.err);
  CHECK(run.exitCode == 3);
  CHECK((run.out + run.err).find("AADSTS7000215") != std::string::npos);
  CHECK(f.fake->countRequests("POST", "/addPassword") == 0);
  checkNoSecretIn(run, {wrong});
}

TEST_CASE("azure end to end: --dry-run validates against Entra ID and changes nothing") {
  Fixture f;
  Poco::JSON::Object user = pamUser(f);
  user.set("credential_source", "env");
  Poco::JSON::Array records;
  records.add(user);
  const Run run = runHost(f, gatewayLine(records),
                          {{"AZURE_TENANT_ID", f.tenantId}, {"AZURE_CLIENT_ID", f.adminAppId},
                           {"AZURE_CLIENT_SECRET", f.adminSecret}},
                          {"--dry-run", "azure-app-secret"});
  INFO("stderr: " << run.err);
  CHECK(run.exitCode == 0);
  for (const auto& r : f.fake->requests()) {
    CAPTURE(r.path);
    CHECK((r.method == "GET" || r.path.find("/oauth2/v2.0/token") != std::string::npos));
    CHECK(r.clientId != f.targetAppId);
  }
  CHECK(f.fake->countRequests("GET", "/v1.0/applications") >= 1);
  CHECK(f.targetKeyIds() == f.oldKeyIds);
}

TEST_CASE("azure end to end durable: the ksm writer stores, then keep-previous retires the rest") {
  Fixture f({{"Application.ReadWrite.All"}, false, "AzureADMyOrg", 3});
  keeper_rotate::fakeksm::FakeKsm ksm(f.ca);
  const std::string configFile = f.dir.path() + "/ksm-config.json";
  std::ofstream(configFile) << ksm.createDevice().json;
  // The PAM User record as Keeper holds it: the secret the Gateway rotated last time is oldKeyIds[1].
  ksm.putRecord(kUserUid, R"({"title":"payments-api client secret","type":"pamUser","fields":[{"type":"login","value":["payments-api"]}],)"
                          R"("custom":[{"type":"text","label":"application_object_id","value":[")" + f.targetObjectId + R"("]},)"
                          R"({"type":"text","label":"client_secret_id","value":[")" + f.oldKeyIds[1] + R"("]},)"
                          R"({"type":"secret","label":"client_secret","value":[")" + f.oldSecretValues[1] + R"("]}]})");
  Poco::JSON::Object user = pamUser(f);
  user.set("application_object_id", f.targetObjectId);
  user.set("client_secret_id", f.oldKeyIds[1]);
  user.set("old_secrets", "keep-previous");
  user.set("credential_source", "env");
  user.remove("record_writer");  // default: ksm
  Poco::JSON::Array records;
  records.add(user);
  const Run run = runHost(f, gatewayLine(records),
                          {{"AZURE_TENANT_ID", f.tenantId}, {"AZURE_CLIENT_ID", f.adminAppId},
                           {"AZURE_CLIENT_SECRET", f.adminSecret}},
                          {"azure-app-secret", "--ksm-config", configFile});
  INFO("stderr: " << run.err);
  INFO("stdout: " << run.out);
  CHECK(run.exitCode == 0);
  REQUIRE(run.summary);
  const std::string newKey = run.summary->getValue<std::string>("keyId");
  auto ids = [&](const char* key) {
    std::vector<std::string> out;
    if (auto arr = run.summary->getArray(key))
      for (std::size_t i = 0; i < arr->size(); ++i) out.push_back(arr->get(i).toString());
    return out;
  };
  CHECK(ids("removed") == std::vector<std::string>{f.oldKeyIds[0], f.oldKeyIds[2]});
  CHECK(ids("kept") == std::vector<std::string>{f.oldKeyIds[1]});
  CHECK(ids("remaining").empty());
  // Entra ID: the new secret and the previous one; the others removed.
  const auto left = f.targetKeyIds();
  CHECK(left.size() == 2);
  CHECK(contains(left, newKey));
  CHECK(contains(left, f.oldKeyIds[1]));
  // Keeper: the record now holds the new key id and a secret value that works.
  const std::string stored = ksm.readRecord(kUserUid);
  CHECK(stored.find(newKey) != std::string::npos);
  CHECK(stored.find(f.oldSecretValues[1]) == std::string::npos);
  auto data = Poco::JSON::Parser().parse(stored).extract<Poco::JSON::Object::Ptr>();
  std::string newSecret;
  auto custom = data->getArray("custom");
  for (std::size_t i = 0; custom && i < custom->size(); ++i) {
    auto field = custom->getObject(i);
    if (field->optValue<std::string>("label", "") == "client_secret") newSecret = field->getArray("value")->get(0).toString();
  }
  REQUIRE_FALSE(newSecret.empty());
  CHECK(f.tokenWorks(f.targetAppId, newSecret));
  checkNoSecretIn(run, {f.adminSecret, newSecret, f.oldSecretValues[0], f.oldSecretValues[1], f.oldSecretValues[2]});
}

TEST_CASE("azure end to end durable: the host and every plugin share one TLS connection per host") {
  Fixture f({{"Application.ReadWrite.All"}, false, "AzureADMyOrg", 2});
  keeper_rotate::fakeksm::FakeKsm ksm(f.ca);
  const std::string configFile = f.dir.path() + "/ksm-config.json";
  std::ofstream(configFile) << ksm.createDevice().json;
  // Not in the Gateway's records: the host reads the PAM User through KSM itself, then the ksm writer reads,
  // updates and reads it back, all over the host's one connection to Keeper.
  auto text = [](const std::string& label, const std::string& value) {
    return R"({"type":"text","label":")" + label + R"(","value":[")" + value + R"("]})";
  };
  ksm.putRecord(kUserUid,
                R"({"title":"payments-api client secret","type":"pamUser","fields":[{"type":"login","value":["payments-api"]}],)"
                R"("custom":[)" + text("application_object_id", f.targetObjectId) + "," +
                    text("client_secret_id", f.oldKeyIds[0]) + "," + text("azure_authority_host", f.fake->baseUrl()) +
                    "," + text("azure_graph_endpoint", f.fake->baseUrl()) + "," +
                    text("verify_timeout_seconds", "30") + "," + text("credential_source", "env") + "]}");
  ksm.server().clearTraffic();
  f.fake->server().clearTraffic();
  const Run run = runHost(f, gatewayLine(Poco::JSON::Array()),
                          {{"AZURE_TENANT_ID", f.tenantId}, {"AZURE_CLIENT_ID", f.adminAppId},
                           {"AZURE_CLIENT_SECRET", f.adminSecret}},
                          {"azure-app-secret", "--ksm-config", configFile});
  INFO("stderr: " << run.err);
  INFO("stdout: " << run.out);
  REQUIRE(run.exitCode == 0);
  CHECK(run.err.find("reading it through Keeper Secrets Manager") != std::string::npos);
  // The host's read, the writer's read, update and read-back: five requests to Keeper, one connection.
  CHECK(ksm.server().served().size() >= 5);
  CHECK(ksm.server().connectionsAccepted() == 1);
  // Tokens and Graph calls of the provider: several requests, one connection.
  CHECK(f.fake->server().served().size() >= 5);
  CHECK(f.fake->server().connectionsAccepted() == 1);
  const std::string newKey = run.summary->getValue<std::string>("keyId");
  CHECK(ksm.readRecord(kUserUid).find(newKey) != std::string::npos);
  checkNoSecretIn(run, {f.adminSecret, f.oldSecretValues[0], f.oldSecretValues[1]});
}
