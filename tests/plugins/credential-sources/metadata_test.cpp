// The ABI tag and descriptor of every first-party plugin this suite covers: kind and name agree with the file
// name, and the sources and writers declare no provider's record fields (what they read and write is the
// provider's declaration, served by the host).
#include "plugin_harness.hpp"

#include <doctest/doctest.h>

#include <string>

using kr_test::loadPlugin;
using kr_test::Plugin;

namespace {

void checkCommon(const Plugin& p, kr_kind kind, const char* name) {
  REQUIRE(p.tag().has_value());
  CHECK(p.tag()->magic == KR_ABI_MAGIC);
  CHECK(p.tag()->abi_major == KR_ABI_MAJOR);
  CHECK(p.tag()->abi_minor <= KR_ABI_MINOR);
  CHECK(p.tag()->descriptor_size == sizeof(kr_plugin_descriptor));
  const auto& d = p.descriptor();
  CHECK(d.struct_size == sizeof(kr_plugin_descriptor));
  CHECK(d.kind == kind);
  CHECK(std::string(d.name) == name);
  CHECK(std::string(d.version) == "0.2.0");
  CHECK(std::string(d.description).size() > 10);
  // A plugin without record fields (the stdout writer) has an empty, NULL table; every other has fields.
  CHECK((d.field_count == 0) == (d.fields == nullptr));
  CHECK((d.provider != nullptr) == (kind == KR_KIND_PROVIDER));
  CHECK((d.credential_source != nullptr) == (kind == KR_KIND_CREDENTIAL_SOURCE));
  CHECK((d.record_writer != nullptr) == (kind == KR_KIND_RECORD_WRITER));
  for (size_t i = 0; i < d.field_count; ++i) {
    const auto& f = d.fields[i];
    CHECK(f.struct_size == sizeof(kr_field_spec));
    CHECK(std::string(f.description).size() > 10);
    if (kind == KR_KIND_CREDENTIAL_SOURCE) CHECK((f.flags & KR_FIELD_OTHER_RECORD) != 0);
    if (std::string(f.type) == "secret") CHECK((f.flags & KR_FIELD_SECRET) != 0);
  }
}

/// No label of the Azure provider appears anywhere in the plugin's metadata.
void checkNamesNoProviderLabel(const Plugin& p) {
  const auto& d = p.descriptor();
  CHECK(d.field_count == 0);
  const std::string text = std::string(d.description);
  for (const char* label : {"application_client_id", "tenant_id", "clientId", "clientSecret", "tenantId",
                            "AZURE_", "client_secret_id", "expires"})
    CHECK_MESSAGE(text.find(label) == std::string::npos, label);
}

}  // namespace

TEST_CASE("the credential sources declare no provider's labels: they read the provider's declaration") {
  for (const char* name : {"attached-record", "pam-config", "env", "self", "instance-role"}) {
    INFO(name);
    const auto p = loadPlugin("source", name);
    checkCommon(p, KR_KIND_CREDENTIAL_SOURCE, name);
    checkNamesNoProviderLabel(p);
  }
}

TEST_CASE("the ksm writer declares no provider's output labels: it stores whatever the provider produced") {
  const auto p = loadPlugin("writer", "ksm");
  checkCommon(p, KR_KIND_RECORD_WRITER, "ksm");
  checkNamesNoProviderLabel(p);
  CHECK((p.descriptor().record_writer->capabilities & KR_WRITER_DURABLE) != 0);
}

TEST_CASE("stdout is a record writer that is not durable") {
  const auto p = loadPlugin("writer", "stdout");
  checkCommon(p, KR_KIND_RECORD_WRITER, "stdout");
  CHECK(p.descriptor().field_count == 0);  // no kFields: the SDK publishes an empty table
  const auto* ops = p.descriptor().record_writer;
  CHECK(ops->struct_size == sizeof(kr_record_writer_ops));
  CHECK((ops->capabilities & KR_WRITER_DURABLE) == 0);
  CHECK(static_cast<bool>(ops->validate));
  CHECK(static_cast<bool>(ops->store));
  CHECK(static_cast<bool>(ops->verify));
  CHECK(static_cast<bool>(ops->revert));
}
