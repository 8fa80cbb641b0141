// Target ksm_config: a KSM client configuration as keeper-rotate reads it from --ksm-config FILE, KSM_CONFIG or
// GATEWAY_CONFIG (JSON or base64 of JSON) through kr_ksm's parseConfig (core/ksm-client, config.hpp), then the
// key material the client derives from it (crypto.hpp: the device key from PKCS#8, the server key from its point)
// and a write/re-read round trip through configToJson, as `ksm init` does. Documented failures: KsmError from
// parseConfig, CryptoError from the key decoders.
#include <cstddef>
#include <cstdint>
#include <kr_ksm/config.hpp>
#include <kr_ksm/crypto.hpp>
#include <kr_ksm/errors.hpp>
#include <string>

#include "fuzz_input.hpp"

namespace ksm = keeper_rotate::ksm;

namespace {

void fuzzOne(std::string_view input) {
  ksm::Config config;
  try {
    config = ksm::parseConfig(input, "fuzz input");
  } catch (const ksm::KsmError& e) {
    kr_fuzz::note(e);
    return;
  }
  // What ksm::Client's constructor and serverPoint() do with the key material.
  try {
    const auto device = ksm::crypto::EcKey::fromPkcs8(config.privateKey.reveal());
    if (!device.hasPrivate() || device.publicPoint().size() != ksm::crypto::kPointSize)
      kr_fuzz::violated("a PKCS#8 device key without a private part or a 65-byte point");
  } catch (const ksm::crypto::CryptoError& e) {
    kr_fuzz::note(e);
  }
  if (!config.serverPublicKey.empty()) {
    try {
      (void)ksm::crypto::EcKey::fromPublicPoint(config.serverPublicKey);
    } catch (const ksm::crypto::CryptoError& e) {
      kr_fuzz::note(e);
    }
  }
  // A configuration keeper-rotate accepted and writes out must read back with the same key material.
  const keeper_rotate::Secret written = ksm::configToJson(config);
  ksm::Config again;
  try {
    again = ksm::parseConfig(written.reveal(), "written copy");
  } catch (const ksm::KsmError& e) {
    kr_fuzz::note(e);
    kr_fuzz::violated("parseConfig refuses what configToJson wrote for a configuration it accepted");
  }
  if (again.clientId != config.clientId || again.privateKey.reveal() != config.privateKey.reveal() ||
      again.appKey.reveal() != config.appKey.reveal() || again.clientKey.reveal() != config.clientKey.reveal() ||
      again.serverPublicKey != config.serverPublicKey || again.serverPublicKeyId != config.serverPublicKeyId ||
      again.appOwnerPublicKey != config.appOwnerPublicKey)
    kr_fuzz::violated("configToJson/parseConfig round trip changed the key material");
  return;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return kr_fuzz::run([&] { fuzzOne(kr_fuzz::bytes(data, size)); });
}
