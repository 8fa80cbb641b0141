// Known-answer tests for the KSM crypto layer: bit-for-bit where the construction is deterministic (fixed keys
// and IVs), verification-only for ECDSA (randomised), round trips otherwise. Vectors: docs/ksm-protocol.md §10
// (independent Node/Python implementations) and tests/core/ksm-client/vectors.
#include <doctest/doctest.h>

#include <kr_ksm/base64.hpp>
#include <kr_ksm/client.hpp>
#include <kr_ksm/crypto.hpp>
#include <kr_ksm/record.hpp>

#include <Poco/JSON/Parser.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <fstream>
#include <sstream>

using namespace keeper_rotate;
using namespace keeper_rotate::ksm;

namespace {

std::string unhex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  return out;
}
std::string hex(std::string_view bytes) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += d[c >> 4];
    out += d[c & 15];
  }
  return out;
}
std::string range(int from, int count) {
  std::string s;
  for (int i = 0; i < count; ++i) s += static_cast<char>(from + i);
  return s;
}
std::string readVector(const std::string& name) {
  std::ifstream in(std::string(KSM_VECTOR_DIR) + "/" + name);
  REQUIRE(in.good());
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string s = ss.str();
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// ECIES vector (docs/ksm-protocol.md §10)
const char* kServerPub =
    "046bf85d5fe84598b10ca6199ec09ccd7d35dcd7195fdd1dc7737a0c67006ef251b952f25eec1deed1fca191838990466357d314adfb7e9760b8d9afc8f39a95ad";
const char* kEphPub =
    "040c901d423c831ca85e27c73c263ba132721bb9d7a84c4f0380b2a6756fd601331c8870234dec878504c174144fa4b14b66a651691606d8173e55bd37e381569e";
const char* kWrappedTail = "586daf38c55dd675e83f82d675087cd568ce46829f156baf1e2590bfeb14995804fa2b709167299ce7860ca572a84f75";
const char* kBodyTail =
    "e27739c785a8d52b119de5d1a432e6e0be1e24a12419a10070fea0dd7ee19e7f6025577307fc9c9ae41a9d771ec47ba9c466859669539e107a38245cfdc3";

}  // namespace

TEST_CASE("base64 decodes both alphabets with and without padding") {
  const std::string bytes = unhex("fbff00fe3e3f");
  CHECK(base64::encode(bytes) == "+/8A/j4/");
  CHECK(base64::encodeUrl(bytes) == "-_8A_j4_");
  CHECK(base64::decode("+/8A/j4/") == bytes);
  CHECK(base64::decode("-_8A_j4_") == bytes);
  CHECK(base64::encode("ab") == "YWI=");
  CHECK(base64::encodeUrl("ab") == "YWI");
  CHECK(base64::decode("YWI=") == "ab");
  CHECK(base64::decode("YWI") == "ab");
  CHECK(base64::decode("YQ==") == "a");
  CHECK(base64::decode("YQ") == "a");
  CHECK(base64::decode("") == "");
  CHECK_THROWS_AS(base64::decode("Y"), base64::DecodeError);
  CHECK_THROWS_AS(base64::decode("YW*="), base64::DecodeError);
  CHECK_THROWS_AS(base64::decode("YQ="), base64::DecodeError);
  CHECK_THROWS_AS(base64::decode("Y==="), base64::DecodeError);
}

TEST_CASE("clientId derivation from the one-time token of Keeper's fake_data (bit for bit)") {
  const ParsedToken t = parseToken("YyIhK5wXFHj36wGBAOmBsxI3v5rIruINrC8KXjyM58c");
  CHECK(hex(t.clientKey.reveal()) == "6322212b9c171478f7eb018100e981b31237bf9ac8aee20dac2f0a5e3c8ce7c7");
  CHECK(deriveClientId(t.clientKey.reveal()) ==
        "6FSaAYix6NY+3gFbC4h3yVRgKDl1prYLTowsYcd2vWipj27jpjtaYgTz1N+XKOQgtt42RMa7GBg7sIZfnwlWVQ==");
  CHECK(t.hostname.empty());
}

TEST_CASE("token prefixes map regions, literal hosts and the IL5 four-part form") {
  const std::string tok = "YyIhK5wXFHj36wGBAOmBsxI3v5rIruINrC8KXjyM58c";
  CHECK(parseToken("US:" + tok).hostname == "keepersecurity.com");
  CHECK(parseToken("eu:" + tok).hostname == "keepersecurity.eu");
  CHECK(parseToken("AU:" + tok).hostname == "keepersecurity.com.au");
  CHECK(parseToken("GOV:" + tok).hostname == "govcloud.keepersecurity.us");
  CHECK(parseToken("JP:" + tok).hostname == "keepersecurity.jp");
  CHECK(parseToken("CA:" + tok).hostname == "keepersecurity.ca");
  CHECK(parseToken("IL5:" + tok).hostname == "il5.keepersecurity.us");
  CHECK(parseToken("fake.keepersecurity.com:" + tok).hostname == "fake.keepersecurity.com");
  const std::string point = base64::encodeUrl(unhex(kServerPub));
  const ParsedToken il5 = parseToken("IL5:" + tok + ":42:" + point);
  CHECK(il5.serverPublicKeyId == 42);
  CHECK(hex(il5.serverPublicKey) == kServerPub);
  CHECK_THROWS(parseToken("US:short"));
  CHECK_THROWS(parseToken("a:b:c"));
  CHECK_THROWS(parseToken(""));
}

TEST_CASE("ECIES wrap of a transmission key matches the reference vector bit for bit") {
  const crypto::EcKey server = crypto::EcKey::fromPrivateScalar(std::string(32, '\x1f'));
  const crypto::EcKey eph = crypto::EcKey::fromPrivateScalar(std::string(32, '\x2a'));
  CHECK(hex(server.publicPoint()) == kServerPub);
  CHECK(hex(eph.publicPoint()) == kEphPub);
  const Secret x = crypto::ecdhSharedX(eph, crypto::EcKey::fromPublicPoint(server.publicPoint()));
  CHECK(hex(x.reveal()) == "0175f794fd183cb07b740fc6333ef311ae1f6772d2479193e559073b2d6c8b62");
  CHECK(hex(crypto::sha256(x.reveal())) == "c25b890eacaa1d25c64f6a7b0fd5868b4eff47ae60ba3799a89aac9abedb75e1");

  const std::string tk = range(0, 32);
  const std::string iv = unhex("a0a1a2a3a4a5a6a7a8a9aaab");
  const std::string wrapped =
      crypto::eciesEncrypt(crypto::EcKey::fromPublicPoint(server.publicPoint()), tk, &eph, std::string_view(iv));
  CHECK(wrapped.size() == 125);
  CHECK(hex(wrapped) == std::string(kEphPub) + "a0a1a2a3a4a5a6a7a8a9aaab" + kWrappedTail);
  CHECK(crypto::eciesDecrypt(server, wrapped).reveal() == tk);
  // A fresh wrap is also 125 bytes and unwraps to the same key.
  const std::string fresh = crypto::eciesEncrypt(crypto::EcKey::fromPublicPoint(server.publicPoint()), tk);
  CHECK(fresh.size() == 125);
  CHECK(fresh != wrapped);
  CHECK(crypto::eciesDecrypt(server, fresh).reveal() == tk);
}

TEST_CASE("request body encryption matches the reference vector bit for bit") {
  const std::string tk = range(0, 32);
  const std::string iv = unhex("b0b1b2b3b4b5b6b7b8b9babb");
  const std::string body = crypto::aesGcmEncrypt(tk, R"({"clientVersion":"ms17.5.0","clientId":"AA=="})", std::string_view(iv));
  CHECK(hex(body) == std::string("b0b1b2b3b4b5b6b7b8b9babb") + kBodyTail);
  CHECK(crypto::aesGcmDecrypt(tk, body).reveal() == R"({"clientVersion":"ms17.5.0","clientId":"AA=="})");
  std::string tampered = body;
  tampered[20] = static_cast<char>(tampered[20] ^ 1);
  CHECK_THROWS_AS(crypto::aesGcmDecrypt(tk, tampered), crypto::CryptoError);
  CHECK_THROWS_AS(crypto::aesGcmDecrypt(range(1, 32), body), crypto::CryptoError);
}

TEST_CASE("ECDSA signature from the reference vector verifies, and our signatures verify under the same key") {
  const std::string pkcs8 = base64::decode(
      "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgPDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDw8PDyhRANCAARIABH9hg6uMIzEKR7pdOqkDe1umeGlHMpdHmlP24Va+79mQTyV05nKiOWMYjgWbcs8B/bBdQmvjtG4uxXOSkn9");
  CHECK(pkcs8.size() == 138);
  const crypto::EcKey key = crypto::EcKey::fromPkcs8(pkcs8);
  CHECK(base64::encode(key.publicPoint()) ==
        "BEgAEf2GDq4wjMQpHul06qQN7W6Z4aUcyl0eaU/bhVr7v2ZBPJXTmcqI5YxiOBZtyzwH9sF1Ca+O0bi7Fc5KSf0=");
  CHECK(key.pkcs8().reveal() == pkcs8);  // re-encoding is byte-identical (138 bytes, public key embedded)
  const std::string message = unhex(std::string(kEphPub) + "a0a1a2a3a4a5a6a7a8a9aaab" + kWrappedTail +
                                     "b0b1b2b3b4b5b6b7b8b9babb" + kBodyTail);
  const std::string sig = base64::decode(
      "MEUCIQCGJOdJOx54f9MPbBUfJD3ue7q3tGGLTTT0BQE2drFjIAIgQ4PhwhUZLmcnkvwqIy0u0aFAeBm18/qgXiYXSx4+AEA=");
  const crypto::EcKey pub = crypto::EcKey::fromPublicPoint(key.publicPoint());
  CHECK(crypto::ecdsaVerify(pub, message, sig));
  CHECK_FALSE(crypto::ecdsaVerify(pub, message + "x", sig));
  const std::string ours = crypto::ecdsaSign(key, message);
  CHECK(ours.size() >= 70);
  CHECK(ours.size() <= 72);
  CHECK(crypto::ecdsaVerify(pub, message, ours));
  const crypto::EcKey other = crypto::EcKey::generate();
  CHECK_FALSE(crypto::ecdsaVerify(crypto::EcKey::fromPublicPoint(other.publicPoint()), message, ours));
}

TEST_CASE("PKCS#8 forms: the .NET SDK's 150-byte key with curve parameters and our generated 138-byte keys") {
  const std::string dotnet = base64::decode(
      "MIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQg34GXYbMpXKaHcHZW4dIMO3WYU8zTjB6t+41SRsY1rwqgCgYIKoZIzj0DAQehRANCAAQGH/4ZwpGR9B7AlMjVY7ekpjOcaD3rhuO25CmOZxI3wqRDdhXQIdDnuWvQPCZ3ymtjL3C8JrVIcloklwYI9T7+");
  CHECK(dotnet.size() == 150);
  CHECK(base64::encode(crypto::EcKey::fromPkcs8(dotnet).publicPoint()) ==
        "BAYf/hnCkZH0HsCUyNVjt6SmM5xoPeuG47bkKY5nEjfCpEN2FdAh0Oe5a9A8JnfKa2MvcLwmtUhyWiSXBgj1Pv4=");
  const crypto::EcKey generated = crypto::EcKey::generate();
  const Secret der = generated.pkcs8();
  CHECK(der.size() == 138);
  // The JS SDK reads the public point as the last 65 bytes of the PKCS#8 blob.
  CHECK(der.reveal().substr(138 - 65) == generated.publicPoint());
  CHECK(crypto::EcKey::fromPkcs8(der.reveal()).publicPoint() == generated.publicPoint());
  CHECK_THROWS_AS(crypto::EcKey::fromPkcs8("not a key"), crypto::CryptoError);
  CHECK_THROWS_AS(crypto::EcKey::fromPublicPoint(std::string(65, '\x04')), crypto::CryptoError);
}

TEST_CASE("a key generated like a public-only key is a fresh P-256 key pair that agrees with its peer") {
  const crypto::EcKey server = crypto::EcKey::generate();
  const crypto::EcKey serverPublic = crypto::EcKey::fromPublicPoint(server.publicPoint());
  const crypto::EcKey a = crypto::EcKey::generateLike(serverPublic);
  const crypto::EcKey b = crypto::EcKey::generateLike(serverPublic);
  REQUIRE(a.hasPrivate());
  // A named-curve P-256 key: its PKCS#8 has the 138-byte layout and reads back to the same point.
  CHECK(a.pkcs8().size() == 138);
  CHECK(crypto::EcKey::fromPkcs8(a.pkcs8().reveal()).publicPoint() == a.publicPoint());
  CHECK(crypto::EcKey::fromPublicPoint(a.publicPoint()).publicPoint() == a.publicPoint());
  CHECK(a.publicPoint() != b.publicPoint());
  CHECK(a.publicPoint() != server.publicPoint());
  // ECDH both ways gives the same secret: the generated key really is the private half of its point.
  CHECK(crypto::ecdhSharedX(a, serverPublic).reveal() ==
        crypto::ecdhSharedX(server, crypto::EcKey::fromPublicPoint(a.publicPoint())).reveal());
}

TEST_CASE("public points are validated: on the curve, coordinates below the field prime, 65-byte uncompressed") {
  // P-256's field prime p, big-endian.
  const std::string p = base64::decode("/////wAAAAEAAAAAAAAAAAAAAAD///////////////8=");
  REQUIRE(p.size() == 32);
  for (int i = 0; i < 4; ++i) {
    const std::string point = crypto::EcKey::generate().publicPoint();
    // A valid point is accepted and keeps its encoding.
    CHECK(crypto::EcKey::fromPublicPoint(point).publicPoint() == point);
    // The same X with Y changed in its last bit: not on the curve.
    std::string offCurve = point;
    offCurve[64] = static_cast<char>(offCurve[64] ^ 1);
    CHECK_THROWS_AS(crypto::EcKey::fromPublicPoint(offCurve), crypto::CryptoError);
    // X replaced by p itself (the residue 0): a coordinate must be below the field prime.
    std::string outOfRange = point;
    outOfRange.replace(1, 32, p);
    CHECK_THROWS_AS(crypto::EcKey::fromPublicPoint(outOfRange), crypto::CryptoError);
    // Compressed and hybrid encodings and wrong lengths are refused before OpenSSL sees them.
    std::string compressed = point;
    compressed[0] = '\x02';
    CHECK_THROWS_AS(crypto::EcKey::fromPublicPoint(compressed), crypto::CryptoError);
    CHECK_THROWS_AS(crypto::EcKey::fromPublicPoint(point.substr(0, 64)), crypto::CryptoError);
  }
  // The point at infinity has no uncompressed encoding; its one-byte form is refused as a wrong length.
  CHECK_THROWS_AS(crypto::EcKey::fromPublicPoint(std::string(1, '\x00')), crypto::CryptoError);
}

TEST_CASE("PKCS#8 keys read without OpenSSL's decoder give the key OpenSSL's decoder gives, and bad ones are refused") {
  for (int i = 0; i < 8; ++i) {
    const crypto::EcKey generated = crypto::EcKey::generate();
    const std::string der(generated.pkcs8().reveal());
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
    EVP_PKEY* reference = d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(der.size()));
    REQUIRE(reference != nullptr);
    std::string referencePoint(65, '\0');
    std::size_t len = 0;
    CHECK(EVP_PKEY_get_octet_string_param(reference, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
                                          reinterpret_cast<unsigned char*>(referencePoint.data()), 65, &len) == 1);
    EVP_PKEY_free(reference);
    const crypto::EcKey read = crypto::EcKey::fromPkcs8(der);
    CHECK(read.hasPrivate());
    CHECK(read.publicPoint() == referencePoint);
    CHECK(read.pkcs8().reveal() == der);
    // Same private key: a signature of the key read back verifies under the generated key's public point.
    CHECK(crypto::ecdsaVerify(crypto::EcKey::fromPublicPoint(generated.publicPoint()), "m", crypto::ecdsaSign(read, "m")));
  }

  // An embedded public point that belongs to another key.
  std::string mismatched(crypto::EcKey::generate().pkcs8().reveal());
  mismatched.replace(138 - 65, 65, crypto::EcKey::generate().publicPoint());
  CHECK_THROWS_WITH_AS(crypto::EcKey::fromPkcs8(mismatched), doctest::Contains("does not belong"), crypto::CryptoError);

  // Scalars 0, n (the group order) and 2^256-1 are not private keys; n-1 is.
  const std::string order = unhex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
  std::string orderMinusOne = order;
  orderMinusOne.back() = static_cast<char>(0x50);
  CHECK_THROWS_WITH_AS(crypto::EcKey::fromPrivateScalar(std::string(32, '\0')), doctest::Contains("out of range"),
                       crypto::CryptoError);
  CHECK_THROWS_WITH_AS(crypto::EcKey::fromPrivateScalar(order), doctest::Contains("out of range"), crypto::CryptoError);
  CHECK_THROWS_AS(crypto::EcKey::fromPrivateScalar(std::string(32, '\xff')), crypto::CryptoError);
  CHECK(crypto::EcKey::fromPrivateScalar(orderMinusOne).publicPoint().size() == 65);

  // A truncated or extended key of the usual length is not matched as the usual layout and still refused.
  const std::string good(crypto::EcKey::generate().pkcs8().reveal());
  CHECK_THROWS_AS(crypto::EcKey::fromPkcs8(good.substr(0, 137)), crypto::CryptoError);
  std::string wrongTag = good;
  wrongTag[138 - 70] = static_cast<char>(0xa2);  // [2] instead of [1] before the public key
  CHECK_THROWS_AS(crypto::EcKey::fromPkcs8(wrongTag), crypto::CryptoError);
}

TEST_CASE("a recorded get_secret response from Keeper's fake_data decrypts under its transmission key") {
  const std::string body = base64::decode(readVector("fake_data_response1.txt"));
  const std::string tk = base64::decode("rgt/IK2JI0Nw4hF4PeWNkAIl+BPbDBuv2o5fDFqSDXU=");
  const Secret plain = crypto::aesGcmDecrypt(tk, body);
  Poco::JSON::Parser parser;
  auto obj = parser.parse(std::string(plain.reveal())).extract<Poco::JSON::Object::Ptr>();
  CHECK(obj->getValue<std::string>("encryptedAppKey") ==
        "4QZ2YrmY1Cyu103DsmQhhb98X/ugflC3zgAv6ep1ZXUqTGiL0nHlvX49U3Wo+APgczC/pRguixM9tnUh");
  CHECK(base64::decode(obj->getValue<std::string>("encryptedAppKey")).size() == 60);  // 12 + 32 + 16
  auto folder = obj->getArray("folders")->getObject(0);
  CHECK(folder->getValue<std::string>("folderUid") == "HEybUg2MyXBmG_bo0tRtLg");
  auto records = folder->getArray("records");
  REQUIRE(records->size() >= 2);
  CHECK(records->getObject(0)->getValue<std::string>("recordUid") == "IG3ZCNTjA5AE-pffW4NKrA");
  CHECK(records->getObject(1)->getValue<std::string>("recordUid") == "i3v4ehaoB-Bwsb7bbbek2g");
  // Recorded error body (fake_data response 3) is plain JSON, not encrypted.
  const std::string err = base64::decode(
      "eyJwYXRoIjoiaHR0cHM6Ly9mYWtlLmtlZXBlcnNlY3VyaXR5LmNvbS9hcGkvcmVzdC9zbS92MS9nZXRfc2VjcmV0LCBQT1NULCBOb2RlL3YxMi4xOC4zIiwiYWRkaXRpb25hbF9pbmZvIjoiIiwibG9jYXRpb24iOiJkZWZhdWx0IGV4Y2VwdGlvbiBtYW5hZ2VyIC0gYXBpIHZhbGlkYXRpb24gZXhjZXB0aW9uIiwiZXJyb3IiOiJhY2Nlc3NfZGVuaWVkIiwibWVzc2FnZSI6IlNpZ25hdHVyZSBpcyBpbnZhbGlkIn0=");
  auto e = parser.parse(err).extract<Poco::JSON::Object::Ptr>();
  CHECK(e->getValue<std::string>("error") == "access_denied");
  CHECK(e->getValue<std::string>("message") == "Signature is invalid");
}

TEST_CASE("record key chain app key -> folder key -> record key -> padded record JSON (Python-generated vector)") {
  // Generated with Python `cryptography` AESGCM: app key 40..5f, folder key 60..7f, record key 80..9f, fixed IVs.
  const std::string appKey = range(0x40, 32);
  const std::string folderKeyB64 = "wMHCw8TFxsfIycrLPyVSrR7/W4wc0E5dx87Mou+ELCKqW1h/hMpJF1QHBDmuilrl+cCvCLDQly21Poio";
  const std::string recordKeyB64 = "0NHS09TV1tfY2drbtYVfgJDcrwswl5DBVkXLBX5GV+dzud1LHHTfcdqUMHlagYzrq+7YiieuF2FMKm4R";
  const std::string dataB64 =
      "4OHi4+Tl5ufo6errVCRljl6fr+XIRgwcwjNxx9hiBr6AZWmKIFo9L6/wbrX92JN6/DkmPOQrrc1gKaBYrDJjf2IiPQsPGzfqOqtnxGSUkON0ljp7O5F5+OLNkhd2hS6UkD9tBD2Du1x8eY4xvTzv3wu91kJ+c716Dhv27B74oXRKl+EBe34XyOCNg4kA4ok3LpxMk+ByNut6j0B45HuONkPgofYMb9p1MrcKEg+IhW6pZa6FJalA84hZytfcJP57Z+Y/BknAVzNumb/3SwrKzKy0nXicjdIEpvEd6FcXfAzQZPBAqN+FU8MnR6qDmBZAF07uxwEnj0ea3SL/Jik2V6wY1xj+kPHDSDCK4ZHeiPofSNfOqtOgB1IwONLybH1dvTMiEaZjtCa0TsvHKJT0O0cgWRSBlZ76MCVT2c86nG6yKcb/lWKNMd6CNpqMuc0JAWXCjPw72PF2NUAb1Y2Y6/g9wRwi6QhEL33igzdRQCXmXgt+bv+aPYKyCgm7pRm0R1BOUadn7RPWMFZJrdzW+CZ0WQ/pbPbaqcWZIw==";
  const Secret folderKey = crypto::aesGcmDecrypt(appKey, base64::decode(folderKeyB64));
  CHECK(folderKey.reveal() == range(0x60, 32));
  const Secret recordKey = crypto::aesGcmDecrypt(folderKey.reveal(), base64::decode(recordKeyB64));
  CHECK(recordKey.reveal() == range(0x80, 32));
  const Secret data = crypto::aesGcmDecrypt(recordKey.reveal(), base64::decode(dataB64));
  CHECK(data.size() == 384);
  auto record = parseRecordJson(data.reveal(), "kat");  // trailing padding spaces are accepted
  CHECK(firstValue(*record, "password") == std::optional<std::string>("Pa55-w0rd!"));
  CHECK(firstValue(*record, "LOGIN") == std::optional<std::string>("app-login"));
  CHECK(firstValueByLabel(*record, "application_object_id") ==
        std::optional<std::string>("7c1d2f3e-0000-4000-8000-000000000001"));
  // Deterministic re-encryption with the same IVs reproduces the vector's bytes exactly.
  CHECK(base64::encode(crypto::aesGcmEncrypt(appKey, range(0x60, 32), std::string_view(unhex("c0c1c2c3c4c5c6c7c8c9cacb")))) ==
        folderKeyB64);
  CHECK(base64::encode(crypto::aesGcmEncrypt(recordKey.reveal(), data.reveal(),
                                             std::string_view(unhex("e0e1e2e3e4e5e6e7e8e9eaeb")))) == dataB64);
}
