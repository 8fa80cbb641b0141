// Target ksm_decrypt: what kr_ksm does with the bytes of a KSM answer before any JSON is read
// (core/ksm-client, crypto.hpp and base64.hpp): the response body is AES-256-GCM under the request's transmission
// key (ksm::Client::post), record keys, record data, folder keys and appData are base64 text of AES-256-GCM
// blobs, and the fake KSM server unwraps ECIES transmission keys. The keys are fixed here (below); the fuzzer
// feeds the ciphertext. A blob that decrypts is parsed as record JSON (parseRecordJson), as every decrypted
// record and appData is. Documented failures: CryptoError, base64::DecodeError, KsmError.
//
// The seeds in corpus/ksm_decrypt/ are real ciphertexts under these keys (tests/fuzz/README.md says how they
// were made), so the fuzzer starts past the tag check.
#include <cstddef>
#include <cstdint>
#include <kr_ksm/base64.hpp>
#include <kr_ksm/crypto.hpp>
#include <kr_ksm/errors.hpp>
#include <kr_ksm/record.hpp>
#include <string>

#include "fuzz_input.hpp"

namespace ksm = keeper_rotate::ksm;
namespace crypto = keeper_rotate::ksm::crypto;

namespace {

// 32 bytes 0x01..0x20: the transmission key of the seeds (and the AES key of the base64 seeds).
std::string fixedKey() {
  std::string key(32, '\0');
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = static_cast<char>(i + 1);
  return key;
}
// The P-256 private scalar 0x11 repeated: the server key of the ECIES seeds.
const crypto::EcKey& fixedEcKey() {
  static const crypto::EcKey key = crypto::EcKey::fromPrivateScalar(std::string(32, '\x11'));
  return key;
}

void parseIfDecrypted(const keeper_rotate::Secret& plain) {
  try {
    (void)ksm::parseRecordJson(plain.reveal(), "FUZZ-UID");
  } catch (const ksm::KsmError&) {
  }
}

}  // namespace

namespace {

void fuzzOne(std::string_view input) {
  static const std::string key = fixedKey();
  // 1. A response body: raw IV || ciphertext || tag under the transmission key.
  try {
    parseIfDecrypted(crypto::aesGcmDecrypt(key, input));
  } catch (const crypto::CryptoError&) {
  }
  // 2. A record key / data / folder key field: base64 text (either alphabet) of such a blob.
  try {
    const std::string blob = ksm::base64::decode(input);
    parseIfDecrypted(crypto::aesGcmDecrypt(key, blob));
    // Encoding what was decoded gives text that decodes to the same bytes again.
    if (ksm::base64::decode(ksm::base64::encode(blob)) != blob ||
        ksm::base64::decode(ksm::base64::encodeUrl(blob)) != blob)
      kr_fuzz::violated("base64 decode(encode(x)) != x");
  } catch (const ksm::base64::DecodeError&) {
  } catch (const crypto::CryptoError&) {
  }
  // 3. A wrapped transmission key (ECIES), as the server side unwraps it.
  try {
    (void)crypto::eciesDecrypt(fixedEcKey(), input);
  } catch (const crypto::CryptoError&) {
  }
  return;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return kr_fuzz::run([&] { fuzzOne(kr_fuzz::bytes(data, size)); });
}
