// Every first-party credential source, and the stdout writer, passes the SDK test kit's conformance check, the one
// every plugin must pass (sdk/docs/testing.md): complete metadata, errors explained, secret parts flagged, nothing
// secret in any output. The Azure provider passes it in tests/plugins/providers/azure-app-secret, the ksm writer in
// tests/plugins/record-writers/ksm; instance-role also passes it with role credentials from a metadata service in
// instance_role_imds_test.cpp.
#include "aws_credential.hpp"
#include "plugin_harness.hpp"

#include <keeper_rotate/testing/kit.hpp>

#include <doctest/doctest.h>

#include <cstdlib>

namespace kt = keeper_rotate::testing;
using kr_test::loadPlugin;

namespace {

const char* const kAdminSecret = "conf~admin-secret-value.0123456789";

kt::ConformanceOptions azureShaped() {
  kt::ConformanceOptions o;
  o.credentialSpec = kr_test::azureCredential();
  o.input = kt::gatewayInput()
                .providerRecordUid("ConformanceConfig00001")
                .pamUser(kt::record("ConformancePamUser0001").title("PAM User"))
                .record(kt::record("ConformanceAdmin000001")
                            .title("Admin app")
                            .field("application_client_id", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")
                            .field("client_secret", kAdminSecret)
                            .field("tenant_id", "99999999-8888-7777-6666-555555555555"))
                .record(kt::record("ConformanceConfig00001")
                            .title("Azure PAM configuration")
                            .field("clientId", "cfg-client")
                            .field("clientSecret", kAdminSecret)
                            .field("tenantId", "cfg-tenant"));
  return o;
}

const char* const kHeldSecret = "conf~held-key-secret/0123456789abcdefABCDEF";

/// An aws-access-key run whose PAM User holds its own key (what self reads).
kt::ConformanceOptions awsShaped() {
  kt::ConformanceOptions o;
  o.credentialSpec = kr_test::awsCredential();
  o.input = kt::gatewayInput()
                .providerRecordUid("ConformanceConfig00001")
                .pamUser(kt::record("ConformancePamUser0001")
                             .title("IAM user key")
                             .field("aws_access_key_id", "AKIACONFORMANCE00001")
                             .field("aws_secret_access_key", kHeldSecret));
  o.prepare = [](kt::InMemoryHost& host) { host.extraSecrets.push_back({"the PAM User's held secret", kHeldSecret}); };
  return o;
}

}  // namespace

TEST_CASE("conformance: attached-record, pam-config and env pass the SDK kit's check") {
  ::setenv("AZURE_TENANT_ID", "env-tenant", 1);
  ::setenv("AZURE_CLIENT_ID", "env-client", 1);
  ::setenv("AZURE_CLIENT_SECRET", kAdminSecret, 1);
  for (const char* name : {"attached-record", "pam-config", "env"}) {
    INFO(name);
    const kt::Report report = kt::checkConformance(loadPlugin("source", name), azureShaped());
    CHECK_MESSAGE(report.ok(), report.text());
  }
  for (const char* v : {"AZURE_TENANT_ID", "AZURE_CLIENT_ID", "AZURE_CLIENT_SECRET"}) ::unsetenv(v);
}

TEST_CASE("conformance: the stdout writer passes the SDK kit's check") {
  const kt::Report report = kt::checkConformance(loadPlugin("writer", "stdout"), azureShaped());
  CHECK_MESSAGE(report.ok(), report.text());
}

TEST_CASE("conformance: self passes the SDK kit's check, resolving the PAM User's own key") {
  const kt::Report report = kt::checkConformance(loadPlugin("source", "self"), awsShaped());
  CHECK_MESSAGE(report.ok(), report.text());
  // and with a declaration whose labels the PAM User does not carry (unavailable, explained)
  const kt::Report other = kt::checkConformance(loadPlugin("source", "self"), azureShaped());
  CHECK_MESSAGE(other.ok(), other.text());
}

TEST_CASE("conformance: instance-role passes the SDK kit's check without a metadata service") {
  kr_test::clearImdsEnvironment();
  ::setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
  for (const auto& options : {azureShaped(), awsShaped()}) {
    const kt::Report report = kt::checkConformance(loadPlugin("source", "instance-role"), options);
    CHECK_MESSAGE(report.ok(), report.text());
  }
  kr_test::clearImdsEnvironment();
}
