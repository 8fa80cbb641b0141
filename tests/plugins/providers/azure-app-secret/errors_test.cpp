// Each admin-facing error: Graph permission/policy/limit errors and token errors, with the cause named.
#include "fixture.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <functional>

using namespace azure_test;

namespace {

Outcome rotate(Fixture& f, const std::function<void(TestHost&)>& adjust = {}) {
  Driver d;
  f.configure(d.host);
  if (adjust) adjust(d.host);
  kr_azure::SecretLifecycle lc(f.settings());
  Outcome o = runRotation(d, lc);
  const std::string out = d.host.allOutput();
  for (const auto& s : f.collectSecrets(d.host)) CHECK(out.find(s) == std::string::npos);
  return o;
}

bool has(const std::string& text, const char* needle) { return text.find(needle) != std::string::npos; }

}  // namespace

TEST_CASE("azure 403 Authorization_RequestDenied names the permissions needed") {
  Fixture f({{"Application.Read.All"}});
  const Outcome o = rotate(f);
  CHECK(o.failedAt == Step::Create);
  CHECK(o.status == KR_ERR_CONFIG);
  CHECK(o.code == "graph.Authorization_RequestDenied");
  CHECK(has(o.message, "Application.ReadWrite.All"));
  CHECK(has(o.message, "Application.ReadWrite.OwnedBy"));
  CHECK(has(o.message, "owner"));
  CHECK(f.targetKeyIds() == f.oldKeyIds);
}

TEST_CASE("azure Application.ReadWrite.OwnedBy works for an owner and is denied otherwise") {
  Fixture owner({{"Application.ReadWrite.OwnedBy"}, true});
  CHECK(rotate(owner).failedAt == Step::None);
  CHECK(owner.targetKeyIds().size() == 1);

  Fixture stranger({{"Application.ReadWrite.OwnedBy"}, false});
  const Outcome o = rotate(stranger);
  CHECK(o.failedAt == Step::Validate);
  CHECK(o.code == "graph.Authorization_RequestDenied");
}

TEST_CASE("azure lifetime policy error points at secret_lifetime_days") {
  Fixture f({{"Application.ReadWrite.All"}, false, "AzureADMyOrg", 2, 180});
  const Outcome o = rotate(f);
  CHECK(o.failedAt == Step::Create);
  CHECK(o.code == "graph.CredentialInvalidLifetimeAsPerAppPolicy");
  CHECK(has(o.message, "secret_lifetime_days is 365"));
  CHECK(f.targetKeyIds() == f.oldKeyIds);
  Fixture g({{"Application.ReadWrite.All"}, false, "AzureADMyOrg", 2, 180});
  CHECK(rotate(g, [](TestHost& h) { h.fields["secret_lifetime_days"] = "90"; }).failedAt == Step::None);
}

TEST_CASE("azure personal-account apps: the two-secret limit is explained before anything changes") {
  Fixture full({{"Application.ReadWrite.All"}, false, "AzureADandPersonalMicrosoftAccount", 2});
  const Outcome o = rotate(full);
  CHECK(o.failedAt == Step::Validate);
  CHECK(o.code == "graph.TooManyAppPasswords");
  CHECK(has(o.message, "at most 2"));
  CHECK(has(o.message, "nothing was changed"));
  CHECK(full.fake->countRequests("POST", "") == 1);  // only the admin token request

  Fixture oneSlot({{"Application.ReadWrite.All"}, false, "AzureADandPersonalMicrosoftAccount", 1});
  CHECK(rotate(oneSlot).failedAt == Step::None);
  CHECK(oneSlot.targetKeyIds().size() == 1);
}

TEST_CASE("azure TooManyAppPasswords from Graph at addPassword is explained") {
  Fixture f({{"Application.ReadWrite.All"}, false, "PersonalMicrosoftAccount", 1});
  keeper_rotate::fake_entra::Fault x;
  x.method = "POST";
  x.pathContains = "/addPassword";
  x.status = 400;
  x.code = "TooManyAppPasswords";
  x.message = "Not allowed to add 3 passwords. You can only add a maximum of 2 passwords.";
  f.fake->addFault(x);
  const Outcome o = rotate(f);
  CHECK(o.failedAt == Step::Create);
  CHECK(o.code == "graph.TooManyAppPasswords");
  CHECK(has(o.message, "personal Microsoft accounts"));
  CHECK(has(o.message, "nothing was changed"));
}

TEST_CASE("azure wrong admin secret value is explained as value versus id") {
  Fixture f;
  const Outcome o = rotate(f, [&](TestHost& h) { h.credentials["client_secret"] = f.adminKeyId; });
  CHECK(o.failedAt == Step::Validate);
  CHECK(o.status == KR_ERR_CONFIG);
  CHECK(o.code == "token.AADSTS7000215");
  CHECK(has(o.message, "secret VALUE"));
  CHECK(has(o.message, "not the secret ID"));
}

TEST_CASE("azure unknown admin client id, unknown tenant and malformed tenant are explained") {
  Fixture f;
  Outcome o = rotate(f, [](TestHost& h) { h.credentials["client_id"] = "99999999-9999-4999-8999-999999999999"; });
  CHECK(o.code == "token.AADSTS700016");
  CHECK(has(o.message, "not found in tenant"));
  o = rotate(f, [](TestHost& h) { h.credentials["tenant_id"] = "fabrikam.onmicrosoft.com"; });
  CHECK(o.code == "token.AADSTS90002");
  CHECK(has(o.message, "azure_cloud"));
  o = rotate(f, [](TestHost& h) { h.credentials["tenant_id"] = "not a tenant"; });
  CHECK(o.code == "token.AADSTS900023");
  o = rotate(f, [](TestHost& h) { h.credentials["tenant_id"] = "contoso.onmicrosoft.com"; });
  CHECK(o.failedAt == Step::None);  // a verified domain works as well as the GUID
}

TEST_CASE("azure Graph endpoint of another cloud is reported as a scope problem") {
  Fixture f;
  const Outcome o = rotate(f, [](TestHost& h) { h.fields["azure_graph_endpoint"] = "https://graph.example.invalid"; });
  CHECK(o.failedAt == Step::Validate);
  CHECK(o.code == "token.scope");
  CHECK(has(o.message, "azure_graph_endpoint"));
}

TEST_CASE("azure each cloud's default Graph root is used for the scope and the Graph calls") {
  // Only the authority points at the fake. The fake accepts the four real Graph roots as token resources, so the
  // admin token succeeds for the cloud's default scope; the Graph call then goes to the cloud's real host, which is
  // sent to a closed loopback proxy (nothing leaves the machine): the error must name that Graph root.
  setenv("HTTPS_PROXY", "http://127.0.0.1:9", 1);
  setenv("NO_PROXY", "localhost,127.0.0.1", 1);
  for (const char* cloud : {"public", "usgov", "usgov-dod", "china"}) {
    CAPTURE(cloud);
    Fixture f;
    Driver d;
    f.configure(d.host);
    d.host.fields.erase("azure_graph_endpoint");
    d.host.fields["azure_cloud"] = cloud;
    auto settings = f.settings();
    settings.retry.maxAttempts = 1;
    settings.http.useProxyEnvironment = true;
    kr_azure::SecretLifecycle lc(settings);
    const Outcome o = runRotation(d, lc);
    CHECK(o.failedAt == Step::Validate);
    CHECK(o.code == "graph.unreachable");
    CHECK(has(o.message, kr_azure::cloudEndpoints(cloud).graph.c_str()));
    CHECK(lc.config().endpoints.scope() == kr_azure::cloudEndpoints(cloud).graph + "/.default");
    CHECK(f.fake->requests().size() == 1);  // the token request, nothing else reached the fake
  }
  unsetenv("HTTPS_PROXY");
  unsetenv("NO_PROXY");
}

TEST_CASE("azure target errors: malformed id, unknown id and ambiguous appId") {
  Fixture f;
  // A malformed id is refused by field validation (kFields declares it a uuid) before the provider runs.
  Outcome o = rotate(f, [](TestHost& h) { h.fields["application_object_id"] = "payments-api"; });
  CHECK(o.failedAt == Step::Validate);
  CHECK(o.code == "field.invalid");
  CHECK(has(o.message, "custom field 'application_object_id' has value 'payments-api', which is not a UUID"));
  CHECK(o.status == KR_ERR_CONFIG);
  CHECK(f.fake->requests().empty());
  o = rotate(f, [](TestHost& h) { h.fields["application_object_id"] = "12345678-1234-4234-8234-123456789012"; });
  CHECK(o.code == "target.not_found");
  CHECK(has(o.message, "neither the Object ID nor the Application (client) ID"));

  Fixture g;
  // Two registrations sharing an appId cannot be seeded consistently, so the ambiguous answer is injected.
  keeper_rotate::fake_entra::Fault x;
  x.method = "GET";
  x.pathContains = "/v1.0/applications";
  x.status = 200;
  x.body = R"({"@odata.context":"x","value":[{"id":"a1a1a1a1-0000-4000-8000-000000000001","appId":")" + g.targetAppId +
           R"("},{"id":"a1a1a1a1-0000-4000-8000-000000000002","appId":")" + g.targetAppId + R"("}]})";
  keeper_rotate::fake_entra::Fault notById;
  notById.method = "GET";
  notById.pathContains = "/v1.0/applications/" + g.targetAppId;
  notById.status = 404;
  notById.code = "Request_ResourceNotFound";
  notById.message = "Resource does not exist.";
  g.fake->addFault(notById);
  g.fake->addFault(x);
  o = rotate(g, [&](TestHost& h) { h.fields["application_object_id"] = g.targetAppId; });
  CHECK(o.code == "target.ambiguous");
  CHECK(has(o.message, "a1a1a1a1-0000-4000-8000-000000000002"));
}

TEST_CASE("azure invalid field values are configuration errors naming the field") {
  Fixture f;
  // Refused by field validation against kFields, as the host refuses them, before the provider runs.
  auto refused = [&f](const std::string& label, const std::string& value) {
    const Outcome o = rotate(f, [&](TestHost& h) { h.fields[label] = value; });
    CAPTURE(o.message);
    return o.failedAt == Step::Validate && o.status == KR_ERR_CONFIG && o.code == "field.invalid" &&
           has(o.message, ("custom field '" + label + "' has value '" + value + "'").c_str());
  };
  CHECK(refused("old_secrets", "delete-some"));
  CHECK(refused("secret_lifetime_days", "ten"));
  CHECK(refused("secret_lifetime_days", "36501"));
  CHECK(refused("azure_cloud", "germany"));
  CHECK(refused("azure_graph_endpoint", "http://graph.example"));
  CHECK(rotate(f, [](TestHost& h) { h.credentials.erase("client_secret"); }).code == "credential.incomplete");
  CHECK(f.fake->requests().empty());
}

TEST_CASE("azure expired admin secret and an app at its credential size limit are explained") {
  Fixture f;
  const auto expired = f.fake->addPassword(f.adminObjectId, "expired admin secret", -1);
  Outcome o = rotate(f, [&](TestHost& h) { h.credentials["client_secret"] = expired.secretText; });
  CHECK(o.code == "token.AADSTS7000222");
  CHECK(has(o.message, "expired"));

  Fixture g({{"Application.ReadWrite.All"}, false, "AzureADMyOrg", 0});
  for (int i = 0; i < 100; ++i) g.fake->addPassword(g.targetObjectId, "bulk " + std::to_string(i));
  o = rotate(g, [](TestHost& h) { h.fields["old_secrets"] = "keep-all"; });
  CHECK(o.failedAt == Step::Create);
  CHECK(o.code == "graph.Directory_ResourceSizeExceeded");
  CHECK(has(o.message, "too many credentials"));
  CHECK(g.targetKeyIds().size() == 100);
}
