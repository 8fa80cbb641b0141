// Hashes, HMAC, randomness and AES-256-GCM for the KSM protocol (OpenSSL 3 EVP).
#include "kr_ksm/crypto.hpp"

#include "openssl_support.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <memory>

namespace keeper_rotate::ksm::crypto {
namespace {

using detail::fail;
using detail::u8;

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

}  // namespace

Secret toSecret(std::string&& bytes) {
  Secret s(bytes);
  explicit_bzero(bytes.data(), bytes.size());
  bytes.clear();
  return s;
}

std::string randomBytes(std::size_t count) {
  std::string out(count, '\0');
  if (count > 0 && RAND_bytes(u8(out), static_cast<int>(count)) != 1) fail("random generator failed");
  return out;
}

std::string sha256(std::string_view data) {
  std::string out(32, '\0');
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), u8(out), &len, EVP_sha256(), nullptr) != 1 || len != 32) fail("SHA-256 failed");
  return out;
}

std::string hmacSha512(std::string_view key, std::string_view message) {
  std::string out(64, '\0');
  unsigned int len = 0;
  if (HMAC(EVP_sha512(), key.data(), static_cast<int>(key.size()), u8(message), message.size(), u8(out), &len) == nullptr ||
      len != 64)
    fail("HMAC-SHA512 failed");
  return out;
}

std::string aesGcmEncrypt(std::string_view key, std::string_view plaintext, std::optional<std::string_view> iv) {
  if (key.size() != 32) throw CryptoError("AES-256-GCM needs a 32-byte key, got " + std::to_string(key.size()));
  std::string nonce = iv ? std::string(*iv) : randomBytes(kGcmIvSize);
  if (nonce.size() != kGcmIvSize) throw CryptoError("AES-256-GCM IV must be 12 bytes");
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, u8(key), u8(nonce)) != 1)
    fail("AES-GCM init failed");
  std::string out = nonce;
  out.resize(kGcmIvSize + plaintext.size() + kGcmTagSize);
  int len = 0;
  if (!plaintext.empty() &&
      EVP_EncryptUpdate(ctx.get(), u8(out) + kGcmIvSize, &len, u8(plaintext), static_cast<int>(plaintext.size())) != 1)
    fail("AES-GCM encrypt failed");
  int fin = 0;
  if (EVP_EncryptFinal_ex(ctx.get(), u8(out) + kGcmIvSize + len, &fin) != 1) fail("AES-GCM finish failed");
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kGcmTagSize, u8(out) + kGcmIvSize + plaintext.size()) != 1)
    fail("AES-GCM tag failed");
  return out;
}

Secret aesGcmDecrypt(std::string_view key, std::string_view blob) {
  if (key.size() != 32) throw CryptoError("AES-256-GCM needs a 32-byte key, got " + std::to_string(key.size()));
  if (blob.size() < kGcmIvSize + kGcmTagSize) throw CryptoError("AES-GCM ciphertext too short");
  const std::size_t ctLen = blob.size() - kGcmIvSize - kGcmTagSize;
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, u8(key), u8(blob)) != 1)
    fail("AES-GCM init failed");
  std::string out(ctLen, '\0');
  int len = 0;
  if (ctLen > 0 &&
      EVP_DecryptUpdate(ctx.get(), u8(out), &len, u8(blob) + kGcmIvSize, static_cast<int>(ctLen)) != 1) {
    explicit_bzero(out.data(), out.size());
    fail("AES-GCM decrypt failed");
  }
  std::string tag(blob.substr(kGcmIvSize + ctLen));
  int fin = 0;
  if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kGcmTagSize, u8(tag)) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), u8(out) + len, &fin) != 1) {
    explicit_bzero(out.data(), out.size());
    ERR_clear_error();
    throw CryptoError("AES-GCM authentication failed (wrong key or corrupted data)");
  }
  return toSecret(std::move(out));
}

}  // namespace keeper_rotate::ksm::crypto
