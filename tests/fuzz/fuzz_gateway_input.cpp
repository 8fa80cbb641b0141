// Target gateway_input: the Gateway's stdin line (or an --input file) through decodeGatewayInput
// (core/host/src/input/gateway_input.hpp): base64 or JSON text, the nested base64 `records`, every record shape.
// Documented failure: InputError. Anything else escaping is a finding.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_input.hpp"
#include "input/gateway_input.hpp"

namespace {

void fuzzOne(std::string_view bytes) {
  std::string raw(bytes);
  keeper_rotate::host::GatewayInput input;
  try {
    keeper_rotate::host::decodeGatewayInput(raw, input);
  } catch (const keeper_rotate::host::InputError& e) {
    kr_fuzz::note(e);
    return;
  }
  // Use what was decoded the way the run does: look records up, describe them, read every field.
  std::size_t total = input.user.size() + input.newPassword.size() + input.oldPassword.size();
  for (const auto& record : input.records.all()) {
    total += record.describe().size();
    for (const auto& [key, value] : record.fields())
      if (const std::string* found = record.find(key)) total += found->size() + value.size();
  }
  if (input.pamUser != nullptr && input.pamUser->uid() != input.userRecordUid)
    kr_fuzz::violated("pamUser is not the record of userRecordUid");
  kr_fuzz::keep(total);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return kr_fuzz::run([&] { fuzzOne(kr_fuzz::bytes(data, size)); });
}
