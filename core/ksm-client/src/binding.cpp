// One-time access token handling and binding (docs/ksm-protocol.md §2.1–§2.2).
#include "kr_ksm/base64.hpp"
#include "kr_ksm/client.hpp"
#include "kr_ksm/crypto.hpp"
#include "kr_ksm/errors.hpp"

#include <cstdlib>
#include <vector>

namespace keeper_rotate::ksm {
namespace {

KsmError tokenError(const std::string& message) { return KsmError(KsmError::Kind::Config, "ksm.token", message); }

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t pos = s.find(sep, start);
    parts.push_back(s.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return parts;
}

}  // namespace

std::string deriveClientId(std::string_view clientKey) {
  return base64::encode(crypto::hmacSha512(clientKey, "KEEPER_SECRETS_MANAGER_CLIENT_ID"));
}

ParsedToken parseToken(std::string_view token) {
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' ')) token.remove_suffix(1);
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  if (token.empty()) throw tokenError("the one-time access token is empty");
  const auto parts = split(token, ':');
  ParsedToken out;
  std::string_view secretPart;
  if (parts.size() == 1) {
    secretPart = parts[0];
  } else if (parts.size() == 2 || parts.size() == 4) {
    if (parts[0].empty()) throw tokenError("the one-time access token has an empty region/host prefix");
    out.hostname = resolveHostname(parts[0]);
    secretPart = parts[1];
    if (parts.size() == 4) {
      const std::string id(parts[2]);
      char* end = nullptr;
      const long n = std::strtol(id.c_str(), &end, 10);
      if (end == id.c_str() || *end != '\0' || n <= 0) throw tokenError("the token's server key id is not a number");
      out.serverPublicKeyId = static_cast<int>(n);
      try {
        out.serverPublicKey = base64::decode(parts[3]);
      } catch (const base64::DecodeError&) {
        throw tokenError("the token's server public key is not base64");
      }
      if (out.serverPublicKey.size() != crypto::kPointSize)
        throw tokenError("the token's server public key is not a 65-byte P-256 point");
    }
  } else {
    throw tokenError("the one-time access token must look like [REGION:]TOKEN (a host with a port goes into --hostname)");
  }
  std::string key;
  try {
    key = base64::decode(secretPart);
  } catch (const base64::DecodeError&) {
    throw tokenError("the one-time access token is not url-safe base64");
  }
  if (key.size() != 32) {
    explicit_bzero(key.data(), key.size());
    throw tokenError("the one-time access token must decode to 32 bytes (43 characters), got " +
                     std::to_string(key.size()) + " bytes");
  }
  out.clientKey = crypto::toSecret(std::move(key));
  return out;
}

Config bindToken(const BindOptions& options) {
  ParsedToken token = parseToken(options.token.reveal());
  Config c;
  c.source = "one-time token";
  c.hostname = !options.hostname.empty() ? resolveHostname(options.hostname) : token.hostname;
  if (c.hostname.empty())
    throw tokenError("the token has no region prefix; pass the Keeper host with --hostname (e.g. keepersecurity.com)");
  c.clientId = deriveClientId(token.clientKey.reveal());
  c.clientKey = std::move(token.clientKey);
  c.privateKey = crypto::EcKey::generate().pkcs8();
  c.serverPublicKeyId = options.serverPublicKeyId > 0 ? options.serverPublicKeyId : token.serverPublicKeyId;
  c.serverPublicKey = !options.serverPublicKey.empty() ? options.serverPublicKey : token.serverPublicKey;
  if (!c.serverPublicKey.empty() && c.serverPublicKeyId <= 0)
    throw tokenError("a custom server public key needs its key id (--server-public-key-id)");

  Client client(std::move(c), options.client);
  client.getSecrets();  // binds: registers the device key, unwraps the app key
  client.getSecrets();  // the SDKs re-query right after binding; proves the bound config works
  const Config& bound = client.config();
  Config out;
  out.source = bound.source;
  out.hostname = bound.hostname;
  out.clientId = bound.clientId;
  out.privateKey = bound.privateKey.clone();
  out.appKey = bound.appKey.clone();
  out.serverPublicKeyId = client.serverPublicKeyId();
  out.serverPublicKey = bound.serverPublicKey;
  out.appOwnerPublicKey = bound.appOwnerPublicKey;
  return out;
}

}  // namespace keeper_rotate::ksm
