#include "fixture.hpp"

#include <keeper_rotate/testing/field_check.hpp>

#include <algorithm>
#include <thread>

namespace azure_test {

using keeper_rotate::fake_entra::Application;
using keeper_rotate::fake_entra::Tenant;

Driver::Driver() {
  host.declareFields(kr_azure::kFields);
  host.setCredentialSpec(kr_azure::kCredentialScheme, kr_azure::kCredentialParts, kr_azure::kCredentialSubject,
                         kr_azure::kCredentialConfiguration);
}

Fixture::Fixture(FixtureOptions options) : ca(keeper_rotate::testsupport::TestCa::create(dir.path() + "/ca")) {
  fake = std::make_unique<keeper_rotate::fake_entra::FakeEntra>(ca);
  Tenant tenant;
  tenant.id = tenantId;
  tenant.domains = {"contoso.onmicrosoft.com"};
  tenant.maxPasswordLifetimeDays = options.maxLifetimeDays;
  Application admin;
  admin.id = adminObjectId;
  admin.appId = adminAppId;
  admin.displayName = "keeper-rotate admin";
  admin.permissions = options.adminPermissions;
  Application target;
  target.id = targetObjectId;
  target.appId = targetAppId;
  target.displayName = "payments-api";
  target.signInAudience = options.targetAudience;
  if (options.adminOwnsTarget) target.ownerAppIds = {adminAppId};
  tenant.apps = {admin, target};
  fake->addTenant(tenant);
  auto a = fake->addPassword(adminObjectId, "admin secret");
  adminSecret = a.secretText;
  adminKeyId = a.keyId;
  for (int i = 0; i < options.targetSecrets; ++i) {
    auto s = fake->addPassword(targetObjectId, "existing " + std::to_string(i));
    oldKeyIds.push_back(s.keyId);
    oldSecretValues.push_back(s.secretText);
  }
  fake->start();
}

kr_azure::RotationSettings Fixture::settings() {
  kr_azure::RotationSettings s;
  s.http.caFile = ca.caCertFile();
  s.http.useProxyEnvironment = false;
  s.http.ioTimeout = std::chrono::seconds(5);
  s.retry.baseDelay = std::chrono::milliseconds(10);
  s.proveInterval = std::chrono::milliseconds(10);
  s.sleeper = [this](std::chrono::milliseconds d) {
    sleeps.push_back(d);
    std::this_thread::sleep_for(std::min(d, std::chrono::milliseconds(20)));
  };
  return s;
}

void Fixture::configure(TestHost& host) const {
  host.fields["application_object_id"] = targetObjectId;
  host.fields["azure_authority_host"] = fake->baseUrl();
  host.fields["azure_graph_endpoint"] = fake->baseUrl();
  host.fields["verify_timeout_seconds"] = "30";
  host.credentials["tenant_id"] = tenantId;
  host.credentials["client_id"] = adminAppId;
  host.credentials["client_secret"] = adminSecret;
}

bool Fixture::tokenWorks(const std::string& clientId, const std::string& secret) {
  keeper_rotate::https::Options o;
  o.caFile = ca.caCertFile();
  o.useProxyEnvironment = false;
  keeper_rotate::https::Client http(o);
  kr_azure::TokenClient client(http, {fake->baseUrl(), fake->baseUrl()}, {}, [](std::chrono::milliseconds) {});
  return client.request(tenantId, clientId, keeper_rotate::Secret(secret), false).ok;
}

std::vector<std::string> Fixture::targetKeyIds() const {
  std::vector<std::string> ids;
  for (const auto& p : fake->passwords(targetObjectId)) ids.push_back(p.keyId);
  return ids;
}

std::vector<std::string> Fixture::collectSecrets(const TestHost& host) const {
  std::vector<std::string> s = oldSecretValues;
  s.push_back(adminSecret);
  for (const auto& [label, r] : host.results)
    if (r.secret) s.push_back(r.value);
  for (const auto& r : host.registeredSecrets) s.push_back(r);
  return s;
}

bool contains(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

Outcome runRotation(Driver& d, kr_azure::SecretLifecycle& lc, bool durable) {
  Outcome o;
  auto attempt = [&](Step step, auto&& fn) {
    try {
      fn();
      return true;
    } catch (const keeper_rotate::Error& e) {
      o.failedAt = step;
      o.status = e.status();
      o.code = e.code();
      o.message = e.what();
      d.host.recordError(e.code(), e.what());
      return false;
    }
  };
  auto rollback = [&] {
    o.rolledBack = true;
    try {
      lc.rollback(d.ctx);
    } catch (const keeper_rotate::Error& e) {
      o.rollbackError = e.what();
    }
  };
  const std::vector<kr_field_spec> fields(std::begin(kr_azure::kFields), std::end(kr_azure::kFields));
  const auto problems =
      keeper_rotate::testing::checkFields(fields, d.host.pamUser(), std::string("provider/") + kr_azure::kPluginName);
  if (!problems.empty()) {
    o.failedAt = Step::Validate;
    o.status = KR_ERR_CONFIG;
    o.code = problems.front().code;
    o.message = problems.front().message;
    d.host.recordError(o.code, o.message);
    return o;
  }
  if (!attempt(Step::Validate, [&] { lc.validate(d.ctx); })) return o;
  if (!attempt(Step::Create, [&] { lc.create(d.ctx); })) {
    if (!d.host.keys(KR_KEY_CREATED).empty()) rollback();
    return o;
  }
  if (!attempt(Step::Prove, [&] { lc.prove(d.ctx); })) {
    rollback();
    return o;
  }
  if (!durable) {
    rollback();
    return o;
  }
  attempt(Step::Retire, [&] { lc.retire(d.ctx); });
  return o;
}

}  // namespace azure_test
