// The cryptography of the Keeper Secrets Manager protocol, on OpenSSL 3 EVP only (docs/ksm-protocol.md §2.2,
// §3.2–§3.4, §5): P-256 keys (raw points, PKCS#8), ECDH, KSM's ECIES (SHA-256 of the shared X, no further KDF),
// AES-256-GCM as IV(12) || ciphertext || tag(16) without AAD, ECDSA P-256/SHA-256 with DER signatures, HMAC-SHA512.
//
// Byte strings are std::string (binary-safe). Key material that must not linger lives in keeper_rotate::Secret.
#pragma once

#include <keeper_rotate/secret.hpp>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

typedef struct evp_pkey_st EVP_PKEY;

namespace keeper_rotate::ksm::crypto {

/// Any failure of the crypto layer: bad key encoding, failed authentication tag, OpenSSL error.
class CryptoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

constexpr std::size_t kGcmIvSize = 12;
constexpr std::size_t kGcmTagSize = 16;
constexpr std::size_t kPointSize = 65;                                           // 04 || X || Y
constexpr std::size_t kEciesSize = kPointSize + kGcmIvSize + kGcmTagSize;        // plus the plaintext length

/// Moves `bytes` into a Secret and zeroes the source buffer.
Secret toSecret(std::string&& bytes);

std::string randomBytes(std::size_t count);
std::string sha256(std::string_view data);
std::string hmacSha512(std::string_view key, std::string_view message);

/// AES-256-GCM: returns IV || ciphertext || tag. `iv` is random unless given (known-answer tests only).
std::string aesGcmEncrypt(std::string_view key, std::string_view plaintext, std::optional<std::string_view> iv = {});
/// Inverse of aesGcmEncrypt; throws CryptoError when the tag does not verify.
Secret aesGcmDecrypt(std::string_view key, std::string_view blob);

/// A P-256 key: a public point only, or a private key (which always knows its public point).
class EcKey {
 public:
  static EcKey generate();
  /// A fresh key pair on the same curve as `like` (always P-256 here), taking the curve from that key instead of
  /// by name: OpenSSL then copies the key's group rather than building the curve from its tables, a third of a
  /// key generation's cost (an ECIES ephemeral key per KSM request).
  static EcKey generateLike(const EcKey& like);
  /// From PKCS#8 DER (with or without the embedded public key, with or without explicit curve parameters).
  static EcKey fromPkcs8(std::string_view der);
  /// From the 32-byte private scalar (known-answer tests; the public point is derived).
  static EcKey fromPrivateScalar(std::string_view scalar);
  /// From the 65-byte uncompressed point 04 || X || Y, validated: coordinates below the field prime, on the curve,
  /// not the point at infinity (for P-256, whose cofactor is 1, that makes it a point of the group's prime order).
  static EcKey fromPublicPoint(std::string_view point);

  EcKey(EcKey&&) noexcept;
  EcKey& operator=(EcKey&&) noexcept;
  ~EcKey();

  bool hasPrivate() const noexcept { return hasPrivate_; }
  /// The uncompressed public point (65 bytes).
  std::string publicPoint() const;
  /// PKCS#8 DER of the private key (138 bytes for P-256 with the public key embedded, as the SDKs store it).
  Secret pkcs8() const;
  EVP_PKEY* native() const noexcept { return key_; }

 private:
  /// A private key from its 32-byte scalar; refuses 0 and scalars >= the group order, and an embedded public
  /// point that is not the scalar's.
  static EcKey fromScalar(std::string_view scalar, std::optional<std::string_view> embeddedPoint);
  EcKey(EVP_PKEY* key, bool hasPrivate) noexcept : key_(key), hasPrivate_(hasPrivate) {}
  EVP_PKEY* key_ = nullptr;
  bool hasPrivate_ = false;
};

/// ECDH on P-256: the 32-byte X coordinate of the shared point.
Secret ecdhSharedX(const EcKey& own, const EcKey& peer);

/// KSM ECIES: ephemeral.pub(65) || AES-GCM(SHA-256(ECDH X), plaintext). Ephemeral key and IV are fresh unless given.
std::string eciesEncrypt(const EcKey& recipient, std::string_view plaintext, const EcKey* ephemeral = nullptr,
                         std::optional<std::string_view> iv = {});
Secret eciesDecrypt(const EcKey& recipient, std::string_view blob);

/// ECDSA P-256 with SHA-256 over `message`, ASN.1 DER encoded (70–72 bytes).
std::string ecdsaSign(const EcKey& key, std::string_view message);
bool ecdsaVerify(const EcKey& key, std::string_view message, std::string_view derSignature);

}  // namespace keeper_rotate::ksm::crypto
