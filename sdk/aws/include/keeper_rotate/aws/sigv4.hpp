// keeper_rotate::aws — AWS Signature Version 4 on OpenSSL (SHA-256, HMAC-SHA256), for plugins that call AWS APIs
// and for servers that verify such calls. Part of the optional SDK component KeeperRotate::aws.
//
// The algorithm (sdk/docs/aws.md, "Signing"): a canonical request (method, path, canonical query, the signed
// headers lower-cased and sorted, the hex SHA-256 of the body) is hashed into a string to sign together with the
// request time and the credential scope `YYYYMMDD/<region>/<service>/aws4_request`; the signing key is derived
// from the secret by four HMACs over date, region, service and "aws4_request"; the signature is the hex HMAC of the
// string to sign with that key. Temporary credentials add (and sign) X-Amz-Security-Token.
#pragma once

#include <keeper_rotate/secret.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keeper_rotate::https {
struct Request;
}

namespace keeper_rotate::aws {

/// An AWS access key, static or temporary. The secret and the session token are Secrets (zeroed, never printed).
struct Credentials {
  std::string accessKeyId;
  Secret secretAccessKey;
  Secret sessionToken;  ///< empty for a long-term IAM user key

  Credentials() = default;
  Credentials(std::string id, std::string_view secret, std::string_view token = {})
      : accessKeyId(std::move(id)), secretAccessKey(secret), sessionToken(token) {}
  Credentials(Credentials&&) = default;
  Credentials& operator=(Credentials&&) = default;
  Credentials clone() const { return Credentials(accessKeyId, secretAccessKey.reveal(), sessionToken.reveal()); }
  bool temporary() const { return !sessionToken.empty(); }
};

/// Where a signature is valid: the region the request is signed for and the service's signing name.
struct SigningScope {
  std::string region;   ///< e.g. "us-east-1" (IAM signs with its partition's region, see partitions.hpp)
  std::string service;  ///< signing name: "iam", "sts"
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// The parts of an HTTP request that SigV4 covers.
struct RequestToSign {
  std::string method = "POST";
  std::string path = "/";  ///< URI path as sent; SigV4-encoded once more for the canonical request (AWS encodes
                           ///< non-S3 paths twice); IAM and STS use "/"
  std::string query;       ///< raw query string without '?', may be empty; canonicalised when signing
  HeaderList headers;      ///< must include Host; every header listed here is signed
  std::string_view body;
};

/// Every intermediate of one signature: tests compare them with AWS's published examples, servers with what a
/// client sent.
struct SignatureParts {
  std::string canonicalRequest;
  std::string stringToSign;
  std::string signedHeaders;  ///< "content-type;host;x-amz-date"
  std::string signature;      ///< lower-case hex
  std::string authorization;  ///< the whole Authorization header value
};

/// Lower-case hex of SHA-256(data).
std::string sha256Hex(std::string_view data);
/// Raw HMAC-SHA256(key, data) (32 bytes).
std::string hmacSha256(std::string_view key, std::string_view data);
/// Lower-case hex of raw bytes.
std::string toHex(std::string_view bytes);
/// SigV4 URI encoding: unreserved characters (A-Z a-z 0-9 - . _ ~) kept, everything else %XX upper case; '/' is
/// kept only when `keepSlash` (paths).
std::string uriEncode(std::string_view value, bool keepSlash = false);
/// "YYYYMMDDTHHMMSSZ" (UTC) for X-Amz-Date.
std::string amzDate(std::chrono::system_clock::time_point t);
/// The query string in canonical form: each name and value decoded (%XX only; '+' stays a literal plus) then
/// SigV4-encoded, sorted by name then value.
std::string canonicalQuery(std::string_view query);

/// The raw signing key kSigning for `date8` ("YYYYMMDD").
std::string signingKey(std::string_view secret, std::string_view date8, const SigningScope& scope);

/// Compute the signature of `request` at `amzDateText` ("YYYYMMDDTHHMMSSZ"). The request's headers must already
/// hold X-Amz-Date (and X-Amz-Security-Token for temporary credentials) when they are to be signed; sign() adds them.
SignatureParts computeSignature(const RequestToSign& request, const Credentials& credentials,
                                const SigningScope& scope, std::string_view amzDateText);

/// Sign an outgoing SDK HTTPS request in place: adds Host (from the URL, with ":port" when the port is not the
/// scheme's default), Content-Type `application/x-www-form-urlencoded; charset=utf-8` when there is a body and no
/// content type, X-Amz-Date, X-Amz-Security-Token for temporary credentials, and Authorization; it signs host,
/// content-type (when present), x-amz-date and x-amz-security-token. X-Amz-Content-Sha256 is not added (IAM and STS
/// do not need it). Signature headers from an earlier sign() are replaced, so a retry can be signed again.
void sign(https::Request& request, const Credentials& credentials, const SigningScope& scope,
          std::chrono::system_clock::time_point now = std::chrono::system_clock::now());

/// An Authorization header taken apart (servers verifying a request).
struct ParsedAuthorization {
  std::string accessKeyId;
  std::string date8;
  std::string region;
  std::string service;
  std::vector<std::string> signedHeaders;  ///< lower-case, in the order given
  std::string signature;
};
/// nullopt when the value is not "AWS4-HMAC-SHA256 Credential=.../aws4_request, SignedHeaders=..., Signature=...".
std::optional<ParsedAuthorization> parseAuthorization(std::string_view value);

}  // namespace keeper_rotate::aws
