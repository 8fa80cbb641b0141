// P-256 keys, ECDH, KSM-style ECIES and ECDSA (OpenSSL 3 EVP; no deprecated EC_KEY API).
#include "kr_ksm/crypto.hpp"

#include "openssl_support.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/obj_mac.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include <cstring>
#include <memory>
#include <optional>
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

struct GroupDeleter {
  void operator()(EC_GROUP* g) const { EC_GROUP_free(g); }
};
struct PointDeleter {
  void operator()(EC_POINT* p) const { EC_POINT_free(p); }
};
struct BnDeleter {
  void operator()(BIGNUM* b) const { BN_clear_free(b); }
};
struct BnCtxDeleter {
  void operator()(BN_CTX* c) const { BN_CTX_free(c); }
};
struct ParamBldDeleter {
  void operator()(OSSL_PARAM_BLD* b) const { OSSL_PARAM_BLD_free(b); }
};
struct ParamsDeleter {
  void operator()(OSSL_PARAM* p) const { OSSL_PARAM_free(p); }
};

/// The two pieces of a P-256 PKCS#8 key in the layout every KSM SDK, WebCrypto and OpenSSL (`ksm init`) write.
struct NamedP256Key {
  std::string_view scalar;                       ///< the 32-byte private scalar d
  std::optional<std::string_view> publicPoint;  ///< 04 || X || Y when the key embeds it
};

// PrivateKeyInfo { INTEGER 0, AlgorithmIdentifier { id-ecPublicKey, prime256v1 }, OCTET STRING { ECPrivateKey {
// INTEGER 1, OCTET STRING d, [1] BIT STRING point (optional) } } } in DER: 138 bytes with the point, 67 without.
// Everything except d and the point is fixed, so the layout is matched byte for byte.
constexpr unsigned char kAlgorithm[] = {0x02, 0x01, 0x00, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d,
                                        0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
constexpr unsigned char kWithPointHead[] = {0x30, 0x81, 0x87};
constexpr unsigned char kWithPointKey[] = {0x04, 0x6d, 0x30, 0x6b, 0x02, 0x01, 0x01, 0x04, 0x20};
constexpr unsigned char kWithPointTail[] = {0xa1, 0x44, 0x03, 0x42, 0x00};
constexpr unsigned char kScalarOnlyHead[] = {0x30, 0x41};
constexpr unsigned char kScalarOnlyKey[] = {0x04, 0x27, 0x30, 0x25, 0x02, 0x01, 0x01, 0x04, 0x20};

bool takes(std::string_view& rest, const unsigned char* bytes, std::size_t size) {
  if (rest.size() < size || std::memcmp(rest.data(), bytes, size) != 0) return false;
  rest.remove_prefix(size);
  return true;
}

/// Matches the named-curve layouts above; std::nullopt for anything else (left to OpenSSL's general decoder).
std::optional<NamedP256Key> namedP256Pkcs8(std::string_view der) {
  std::string_view rest = der;
  NamedP256Key key;
  if (der.size() == 138 && takes(rest, kWithPointHead, sizeof kWithPointHead) &&
      takes(rest, kAlgorithm, sizeof kAlgorithm) && takes(rest, kWithPointKey, sizeof kWithPointKey)) {
    key.scalar = rest.substr(0, 32);
    rest.remove_prefix(32);
    if (!takes(rest, kWithPointTail, sizeof kWithPointTail) || rest.size() != kPointSize) return std::nullopt;
    key.publicPoint = rest;
    return key;
  }
  rest = der;
  if (der.size() == 67 && takes(rest, kScalarOnlyHead, sizeof kScalarOnlyHead) &&
      takes(rest, kAlgorithm, sizeof kAlgorithm) && takes(rest, kScalarOnlyKey, sizeof kScalarOnlyKey) &&
      rest.size() == 32) {
    key.scalar = rest;
    return key;
  }
  return std::nullopt;
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

EcKey EcKey::generateLike(const EcKey& like) {
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, like.native(), nullptr));
  EVP_PKEY* key = nullptr;
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1 || EVP_PKEY_keygen(ctx.get(), &key) != 1)
    fail("P-256 key generation failed");
  if (!isP256(key)) {
    EVP_PKEY_free(key);
    throw CryptoError("generated key is not a P-256 key");
  }
  return EcKey(key, true);
}

EcKey EcKey::fromPkcs8(std::string_view der) {
  if (const auto parts = namedP256Pkcs8(der)) return fromScalar(parts->scalar, parts->publicPoint);
  // Any other encoding (explicit curve parameters, other layouts): OpenSSL's general decoder.
  const unsigned char* p = u8(der);
  EVP_PKEY* key = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size()));
  if (key == nullptr) fail("private key is not valid PKCS#8 DER");
  if (!isP256(key)) {
    EVP_PKEY_free(key);
    throw CryptoError("private key is not a P-256 (secp256r1) key");
  }
  return EcKey(key, true);
}

// A KSM device key is read on every run. OpenSSL 3.0 decodes PKCS#8 through its decoder framework, which
// searches every provider's decoders on each call (about 2 ms of a rotation); the private scalar of the usual
// layout is taken directly instead, and the key is built from its parameters. The public point is always derived
// from the scalar, so a key whose embedded point belongs to another scalar is refused rather than trusted.
EcKey EcKey::fromScalar(std::string_view scalar, std::optional<std::string_view> embeddedPoint) {
  std::unique_ptr<EC_GROUP, GroupDeleter> group(EC_GROUP_new_by_curve_name_ex(nullptr, nullptr, NID_X9_62_prime256v1));
  std::unique_ptr<BN_CTX, BnCtxDeleter> bn(BN_CTX_secure_new());
  std::unique_ptr<BIGNUM, BnDeleter> d(BN_secure_new());
  if (!group || !bn || !d || BN_bin2bn(u8(scalar), static_cast<int>(scalar.size()), d.get()) == nullptr)
    fail("cannot read the P-256 private scalar");
  if (BN_is_zero(d.get()) || BN_cmp(d.get(), EC_GROUP_get0_order(group.get())) >= 0)
    throw CryptoError("private key scalar is out of range for P-256");
  std::unique_ptr<EC_POINT, PointDeleter> q(EC_POINT_new(group.get()));
  std::string point(kPointSize, '\0');
  if (!q || EC_POINT_mul(group.get(), q.get(), d.get(), nullptr, nullptr, bn.get()) != 1 ||
      EC_POINT_point2oct(group.get(), q.get(), POINT_CONVERSION_UNCOMPRESSED, u8(point), point.size(), bn.get()) !=
          kPointSize)
    fail("cannot derive the P-256 public key");
  if (embeddedPoint && *embeddedPoint != point)
    throw CryptoError("the public key embedded in the private key does not belong to it");

  std::unique_ptr<OSSL_PARAM_BLD, ParamBldDeleter> build(OSSL_PARAM_BLD_new());
  if (!build || OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0) != 1 ||
      OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_PRIV_KEY, d.get()) != 1 ||
      OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) != 1)
    fail("cannot assemble the P-256 key");
  // The private scalar lands in OpenSSL's secure part of the block (d is a secure BIGNUM), which
  // OSSL_PARAM_free clears.
  std::unique_ptr<OSSL_PARAM, ParamsDeleter> params(OSSL_PARAM_BLD_to_param(build.get()));
  PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_KEYPAIR, params.get()) != 1)
    fail("cannot build the P-256 key");
  return EcKey(key, true);
}

EcKey EcKey::fromPrivateScalar(std::string_view scalar) {
  if (scalar.size() != 32) throw CryptoError("P-256 private scalar must be 32 bytes");
  return fromScalar(scalar, std::nullopt);
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
  // Partial public-key validation: not the point at infinity, coordinates in range, on the curve. That is all of
  // public-key validation for P-256: its cofactor is 1, so every point on the curve other than infinity has the
  // group's prime order, and the remaining check (n * Q = infinity, SEC 1 v2 section 3.2.2.1 step 4, "if h != 1")
  // cannot fail. OpenSSL's full check does that scalar multiplication anyway (a third of this function's cost,
  // paid once per request by anything that decrypts ECIES).
  PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
  if (!check || EVP_PKEY_public_check_quick(check.get()) != 1) {
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
  // The peer is not validated again here: every public-only EcKey passed public-key validation when
  // fromPublicPoint built it (complete for P-256, see there), and the other constructors make private keys of our
  // own. (OpenSSL's default re-check costs a scalar multiplication per call, a quarter of a KSM request's
  // client-side crypto.)
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 || EVP_PKEY_derive_set_peer_ex(ctx.get(), peer.native(), 0) != 1 ||
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
  if (ephemeral == nullptr) fresh.emplace(EcKey::generateLike(recipient));
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
