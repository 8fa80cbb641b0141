// The ABI tag and descriptor of every first-party plugin this suite covers: kind and name agree with the file
// name, and every field a source reads is documented as living outside the PAM User record.
#include "loaded_plugin.hpp"

#include <doctest/doctest.h>

#include <string>

using kr_test::LoadedPlugin;
using kr_test::pluginPath;

namespace {

void checkCommon(const LoadedPlugin& p, kr_kind kind, const char* name) {
  CHECK(p.tag().magic == KR_ABI_MAGIC);
  CHECK(p.tag().abi_major == KR_ABI_MAJOR);
  CHECK(p.tag().abi_minor <= KR_ABI_MINOR);
  CHECK(p.tag().descriptor_size == sizeof(kr_plugin_descriptor));
  const auto& d = p.descriptor();
  CHECK(d.struct_size == sizeof(kr_plugin_descriptor));
  CHECK(d.kind == kind);
  CHECK(std::string(d.name) == name);
  CHECK(std::string(d.version) == "0.1.0");
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

bool hasField(const LoadedPlugin& p, const std::string& label, uint32_t flags) {
  const auto& d = p.descriptor();
  for (size_t i = 0; i < d.field_count; ++i)
    if (label == d.fields[i].label) return (d.fields[i].flags & flags) == flags;
  return false;
}

}  // namespace

TEST_CASE("attached-record declares the admin record labels") {
  LoadedPlugin p(pluginPath("source", "attached-record"));
  checkCommon(p, KR_KIND_CREDENTIAL_SOURCE, "attached-record");
  CHECK(hasField(p, "application_client_id", KR_FIELD_INPUT | KR_FIELD_REQUIRED));
  CHECK(hasField(p, "client_secret", KR_FIELD_INPUT | KR_FIELD_SECRET));
  CHECK(hasField(p, "tenant_id", KR_FIELD_INPUT));
}

TEST_CASE("pam-config declares the Azure PAM Configuration labels") {
  LoadedPlugin p(pluginPath("source", "pam-config"));
  checkCommon(p, KR_KIND_CREDENTIAL_SOURCE, "pam-config");
  CHECK(hasField(p, "clientId", KR_FIELD_INPUT));
  CHECK(hasField(p, "clientSecret", KR_FIELD_INPUT | KR_FIELD_SECRET));
  CHECK(hasField(p, "tenantId", KR_FIELD_INPUT));
}

TEST_CASE("env declares the AZURE_* variables it reads") {
  LoadedPlugin p(pluginPath("source", "env"));
  checkCommon(p, KR_KIND_CREDENTIAL_SOURCE, "env");
  CHECK(hasField(p, "AZURE_TENANT_ID", KR_FIELD_INPUT));
  CHECK(hasField(p, "AZURE_CLIENT_ID", KR_FIELD_INPUT));
  CHECK(hasField(p, "AZURE_CLIENT_SECRET", KR_FIELD_INPUT | KR_FIELD_SECRET));
}

TEST_CASE("stdout is a record writer that is not durable") {
  LoadedPlugin p(pluginPath("writer", "stdout"));
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
