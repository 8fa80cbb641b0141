// Target pam_user_record: decrypted KSM record JSON (what the vault holds for the PAM User, written by whoever can
// edit the record) through kr_ksm's parseRecordJson and record field operations (core/ksm-client, record.hpp),
// then flattened into the host's Record with recordFromKsmData (core/host/src/input/pam_user.hpp) and the
// json_values rules. Documented failure: KsmError (Protocol) from parseRecordJson; the rest must not throw.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <kr_ksm/errors.hpp>
#include <kr_ksm/record.hpp>
#include <string>

#include "fuzz_input.hpp"
#include "input/pam_user.hpp"

namespace ksm = keeper_rotate::ksm;

namespace {

void fuzzOne(std::string_view input) {
  std::shared_ptr<keeper_rotate::json::Object> record;
  try {
    record = ksm::parseRecordJson(input, "FUZZ-UID");
  } catch (const ksm::KsmError&) {
    return;
  }
  if (!record)
    kr_fuzz::violated(
        "parseRecordJson returned null instead of throwing KsmError");  // documented: an object or a KsmError

  // The host's view of the record (pam_user.cpp): labels or types as keys, repeats suffixed, first values.
  const keeper_rotate::host::Record flat = keeper_rotate::host::recordFromKsmData("FUZZ-UID", *record);
  std::size_t total = flat.describe().size();
  for (const auto& [key, value] : flat.fields()) total += key.size() + value.size();

  // What the ksm writer and the pam-config source do with a record: look fields up, edit, copy, serialise.
  for (const char* label : {"login", "password", "client_secret", "application_object_id", "text", "secret"}) {
    if (auto v = ksm::firstValue(*record, label)) total += v->size();
    if (auto v = ksm::firstValueByLabel(*record, label)) total += v->size();
    if (ksm::findField(*record, label)) ++total;
  }
  // An edit on a copy: setFieldValue may create `custom`, removeCustomField undoes it.
  std::shared_ptr<keeper_rotate::json::Object> copy = ksm::cloneData(*record);
  const bool created = ksm::setFieldValue(*copy, "fuzz_label", "secret", "new value");
  if (ksm::firstValueByLabel(*copy, "fuzz_label").value_or("") != "new value")
    kr_fuzz::violated("setFieldValue then firstValueByLabel does not read the value back");
  if (created && !ksm::removeCustomField(*copy, "fuzz_label"))
    kr_fuzz::violated("removeCustomField does not remove the field setFieldValue created");
  std::string text = ksm::toJson(*copy);
  total += text.size();
  keeper_rotate::json::wipe(text);
  ksm::Record meta;
  meta.data = record;
  total += meta.title().size() + meta.type().size();
  kr_fuzz::keep(total);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return kr_fuzz::run([&] { fuzzOne(kr_fuzz::bytes(data, size)); });
}
