// The first-party sources and writers driven through the C ABI with the SDK test kit (keeper_rotate/testing): each
// real .so loaded as the host loads it, its operations run against the kit's in-memory host. This header only adds
// what these suites share: where the plugins were built, records written as label -> value maps, and the two admin
// credential declarations the sources are driven with.
#pragma once

#include <keeper_rotate/sdk.hpp>
#include <keeper_rotate/testing/builders.hpp>
#include <keeper_rotate/testing/in_memory_host.hpp>
#include <keeper_rotate/testing/leak_check.hpp>
#include <keeper_rotate/testing/operation.hpp>
#include <keeper_rotate/testing/plugin.hpp>
#include <keeper_rotate/text.hpp>

#include <map>
#include <string>
#include <vector>

namespace kr_test {

using keeper_rotate::testing::InMemoryHost;
using keeper_rotate::testing::Plugin;

/// A Gateway record as the tests write it: "uid" and "title" next to the field labels.
using Record = std::map<std::string, std::string>;

/// Path of a first-party plugin in the build tree, e.g. pluginPath("source", "env"). The directory is the macro
/// KR_TEST_PLUGIN_DIR of the including target (every area that uses this header defines the same macro name).
inline std::string pluginPath(const std::string& kind, const std::string& name) {
  return std::string(KR_TEST_PLUGIN_DIR) + "/" + kind + "-" + name + ".so";
}

/// The first-party plugin `kind`-`name`, loaded once per process and kept loaded, as under the host.
inline Plugin loadPlugin(const std::string& kind, const std::string& name) {
  return keeper_rotate::testing::load(pluginPath(kind, name));
}

/// create, run `op` once, destroy: one operation in a fresh instance, as the host runs a source.
inline kr_status runOnce(const Plugin& plugin, InMemoryHost& host, kr_operation_fn op, const char* stage = "run") {
  keeper_rotate::testing::Instance instance(plugin, host);
  return instance.call(op, stage).status;
}
inline kr_status resolve(const Plugin& plugin, InMemoryHost& host) {
  return runOnce(plugin, host, plugin.credentialSource()->resolve, "resolve");
}

/// The Gateway input of a test: its top-level keys and its records in order (the PAM User is the record whose uid
/// is userRecordUid, wherever it is).
inline void serveInput(InMemoryHost& host, std::map<std::string, std::string> keys,
                       const std::vector<Record>& records) {
  keeper_rotate::testing::GatewayInput in;
  in.keys = std::move(keys);
  for (const Record& r : records) {
    keeper_rotate::testing::Record rec;
    for (const auto& [label, value] : r) {
      if (label == "uid")
        rec.uid = value;
      else if (label == "title")
        rec.title = value;
      else
        rec.set(label, value);
    }
    in.records.push_back(std::move(rec));
  }
  host.useInput(in);
}

/// Code and message of the error the last operation set; empty when it set none.
inline std::string errorCode(const InMemoryHost& host) { return host.lastError() ? host.lastError()->code : ""; }
inline std::string errorMessage(const InMemoryHost& host) {
  return host.lastError() ? host.lastError()->message : "";
}
/// Whether a credential source put part `name` with the secret flag.
inline bool putSecret(const InMemoryHost& host, const std::string& name) {
  return host.secretCredentialNames.count(name) > 0;
}

/// The kit's leak assertion over everything the host captured, as one line per finding; empty when clean.
inline std::string leaks(const InMemoryHost& host) {
  return keeper_rotate::text::join(keeper_rotate::testing::findLeaks(host), "\n");
}

/// The Azure provider's declaration: tenant_id, client_id, client_secret with their record labels, PAM
/// Configuration fields and AZURE_* variables.
inline const kr_credential_spec* azureCredential() {
  using keeper_rotate::CredentialPart;
  static constexpr kr_credential_part kParts[] = {
      CredentialPart::named("tenant_id").onAttachedRecord("tenant_id").inPamConfiguration("tenantId").inEnvironment(
          "AZURE_TENANT_ID"),
      CredentialPart::named("client_id")
          .onAttachedRecord("application_client_id")
          .inPamConfiguration("clientId")
          .inEnvironment("AZURE_CLIENT_ID"),
      CredentialPart::named("client_secret")
          .secret()
          .onAttachedRecord("client_secret")
          .inPamConfiguration("clientSecret")
          .inEnvironment("AZURE_CLIENT_SECRET"),
  };
  static constexpr kr_credential_spec kSpec = {sizeof(kr_credential_spec), "azure-client-secret", "admin app",
                                               "Azure", kParts, 3};
  return &kSpec;
}

/// A declaration no first-party provider uses (acme_account_id, acme_api_key, optional acme_region), to show the
/// sources hold no provider's names.
inline const kr_credential_spec* acmeCredential() {
  using keeper_rotate::CredentialPart;
  static constexpr kr_credential_part kParts[] = {
      CredentialPart::named("account").onAttachedRecord("acme_account_id").inPamConfiguration("acmeAccount")
          .inEnvironment("ACME_ACCOUNT_ID"),
      CredentialPart::named("api_key").secret().onAttachedRecord("acme_api_key").inPamConfiguration("acmeApiKey")
          .inEnvironment("ACME_API_KEY"),
      CredentialPart::named("region").optional().onAttachedRecord("acme_region").inEnvironment("ACME_REGION"),
  };
  static constexpr kr_credential_spec kSpec = {sizeof(kr_credential_spec), "acme-api-key", "Acme service account",
                                               "Acme", kParts, 3};
  return &kSpec;
}

/// A host as the sources and writers meet it in these suites: no Gateway input yet, the Azure provider's
/// credential declaration (the first-party provider's shape; tests of other shapes replace it).
inline void azureHost(InMemoryHost& host) {
  host.inputs.clear();
  host.setCredentialSpec(azureCredential());
}

}  // namespace kr_test
