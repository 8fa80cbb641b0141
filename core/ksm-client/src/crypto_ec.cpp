// P-256 keys, ECDH, KSM-style ECIES and ECDSA (OpenSSL 3 EVP; no deprecated EC_KEY API).
#include "kr_ksm/crypto.hpp"

#include "openssl_support.hpp"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <memory>
#include <utility>

namespace keeper_rotate::ksm::crypto {
namespace {

using detail::fail;
using detail::u8;

struct PkeyCtxDeleter {
  void operator()(EVP_PKEY_CTX* c) const { EVP_PKEY_CTX_free(c); }
};
using PkeyCtx = std::unique_ptr<EVP_PKEY_CTX, PkeyCtxDeleter>;
struct MdCtxDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxDeleter>;

bool isP256(EVP_PKEY* key) {
  char name[64] = {0};
  size_t len = 0;
  if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return false;
  if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, name, sizeof name, &len) != 1) {
    // Keys with explicit curve parameters (the .NET SDK writes those) carry no group name; accept them when the
    // field size is 256 bits, OpenSSL already validated the parameters while decoding.
    ERR_clear_error();
    return EVP_PKEY_get_bits(key) == 256;
  }
  const std::string n(name, len);
  return n == "prime256v1" || n == "P-256" || n == "secp256r1";
}

}  // namespace

EcKey::EcKey(EcKey&& other) noexcept : key_(std::exchange(other.key_, nullptr)), hasPrivate_(other.hasPrivate_) {}
EcKey& EcKey::operator=(EcKey&& other) noexcept {
  if (this != &other) {
    EVP_PKEY_free(key_);
    key_ = std::exchange(other.key_, nullptr);
    hasPrivate_ = other.hasPrivate_;
  }
  return *this;
}
EcKey::~EcKey() { EVP_PKEY_free(key_); }

EcKey EcKey::generate() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (key == nullptr) fail("P-256 key generation failed");
  return EcKey(key, true);
}

EcKey EcKey::fromPkcs8(std::string_view der) {
  const unsigned char* p = u8(der);
  EVP_PKEY* key = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size()));
  if (key == nullptr) fail("private key is not valid PKCS#8 DER");
  if (!isP256(key)) {
    EVP_PKEY_free(key);
    throw CryptoError("private key is not a P-256 (secp256r1) key");
  }
  return EcKey(key, true);
}

EcKey EcKey::fromPrivateScalar(std::string_view scalar) {
  if (scalar.size() != 32) throw CryptoError("P-256 private scalar must be 32 bytes");
  // PKCS#8 PrivateKeyInfo { v0, ecPublicKey/prime256v1, ECPrivateKey { 1, scalar } } without the public key;
  // OpenSSL derives the public point while decoding.
  static const unsigned char kPrefix[] = {0x30, 0x41, 0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48,
                                          0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03,
                                          0x01, 0x07, 0x04, 0x27, 0x30, 0x25, 0x02, 0x01, 0x01, 0x04, 0x20};
  std::string der(reinterpret_cast<const char*>(kPrefix), sizeof kPrefix);
  der.append(scalar);
  EcKey key = fromPkcs8(der);
  explicit_bzero(der.data(), der.size());
  return key;
}

EcKey EcKey::fromPublicPoint(std::string_view point) {
  if (point.size() != kPointSize || point[0] != 0x04)
    throw CryptoError("public key must be a 65-byte uncompressed P-256 point");
  std::string copy(point);
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>("prime256v1"), 0),
      OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, copy.data(), copy.size()), OSSL_PARAM_construct_end()};
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params) != 1)
    fail("public key is not a valid P-256 point");
  PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) {
    EVP_PKEY_free(key);
    fail("public key is not on the P-256 curve");
  }
  return EcKey(key, false);
}

std::string EcKey::publicPoint() const {
  std::string out(kPointSize, '\0');
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key_, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, u8(out), out.size(), &len) != 1 ||
      len != kPointSize)
    fail("cannot export the public point");
  return out;
}

Secret EcKey::pkcs8() const {
  if (!hasPrivate_) throw CryptoError("not a private key");
  PKCS8_PRIV_KEY_INFO* info = EVP_PKEY2PKCS8(key_);
  if (info == nullptr) fail("PKCS#8 encoding failed");
  unsigned char* der = nullptr;
  const int len = i2d_PKCS8_PRIV_KEY_INFO(info, &der);
  PKCS8_PRIV_KEY_INFO_free(info);
  if (len <= 0) fail("PKCS#8 encoding failed");
  Secret out(std::string_view(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len)));
  OPENSSL_clear_free(der, static_cast<std::size_t>(len));
  return out;
}

Secret ecdhSharedX(const EcKey& own, const EcKey& peer) {
  if (!own.hasPrivate()) throw CryptoError("ECDH needs a private key");
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, own.native(), nullptr));
  size_t len = 0;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer(ctx.get(), peer.native()) != 1 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1)
    fail("ECDH failed");
  std::string out(len, '\0');
  if (EVP_PKEY_derive(ctx.get(), u8(out), &len) != 1) fail("ECDH failed");
  out.resize(len);
  return toSecret(std::move(out));
}

std::string eciesEncrypt(const EcKey& recipient, std::string_view plaintext, const EcKey* ephemeral,
                         std::optional<std::string_view> iv) {
  std::optional<EcKey> fresh;
  if (ephemeral == nullptr) fresh.emplace(EcKey::generate());
  const EcKey& eph = ephemeral ? *ephemeral : *fresh;
  const Secret shared = ecdhSharedX(eph, recipient);
  std::string key = sha256(shared.reveal());
  std::string out = eph.publicPoint();
  out += aesGcmEncrypt(key, plaintext, iv);
  explicit_bzero(key.data(), key.size());
  return out;
}

Secret eciesDecrypt(const EcKey& recipient, std::string_view blob) {
  if (blob.size() < kEciesSize) throw CryptoError("ECIES ciphertext too short");
  const EcKey eph = EcKey::fromPublicPoint(blob.substr(0, kPointSize));
  const Secret shared = ecdhSharedX(recipient, eph);
  std::string key = sha256(shared.reveal());
  try {
    Secret out = aesGcmDecrypt(key, blob.substr(kPointSize));
    explicit_bzero(key.data(), key.size());
    return out;
  } catch (...) {
    explicit_bzero(key.data(), key.size());
    throw;
  }
}

std::string ecdsaSign(const EcKey& key, std::string_view message) {
  if (!key.hasPrivate()) throw CryptoError("signing needs a private key");
  MdCtx ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.native()) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, u8(message), message.size()) != 1)
    fail("ECDSA sign failed");
  std::string sig(len, '\0');
  if (EVP_DigestSign(ctx.get(), u8(sig), &len, u8(message), message.size()) != 1) fail("ECDSA sign failed");
  sig.resize(len);
  return sig;
}

bool ecdsaVerify(const EcKey& key, std::string_view message, std::string_view derSignature) {
  MdCtx ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key.native()) != 1)
    fail("ECDSA verify init failed");
  const int rc = EVP_DigestVerify(ctx.get(), u8(derSignature), derSignature.size(), u8(message), message.size());
  ERR_clear_error();
  return rc == 1;
}

}  // namespace keeper_rotate::ksm::crypto
