// AWS Signature Version 4 (sdk/docs/aws.md, "Signing") on OpenSSL's EVP digest and HMAC functions.
#include "keeper_rotate/aws/sigv4.hpp"

#include <keeper_rotate/https_client.hpp>
#include <keeper_rotate/text.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <stdexcept>
#include <string.h>  // explicit_bzero

namespace keeper_rotate::aws {
namespace {

using keeper_rotate::text::iequals;
using keeper_rotate::text::lower;
using keeper_rotate::text::trim;
using keeper_rotate::text::wipe;

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

// Zeroes a buffer of derived key material when the scope ends, whatever way it ends.
struct Wiper {
  std::string& buffer;
  ~Wiper() {
    if (!buffer.empty()) explicit_bzero(buffer.data(), buffer.size());
    buffer.clear();
  }
};

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX sequences decoded; anything else (including '+' and a malformed '%') kept as it is.
std::string percentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      const int hi = hexValue(s[i + 1]);
      const int lo = hexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>((hi << 4) | lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

// Header value as SigV4 canonicalises it: leading/trailing white space removed, inner runs of spaces and tabs
// collapsed to one space.
std::string canonicalHeaderValue(std::string_view value) {
  value = trim(value);
  std::string out;
  out.reserve(value.size());
  bool inSpace = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      inSpace = true;
      continue;
    }
    if (inSpace) out.push_back(' ');
    inSpace = false;
    out.push_back(c);
  }
  return out;
}

struct UrlParts {
  std::string scheme, host, path, query;
  int port = 0;
  bool explicitPort = false;
};

// scheme://[userinfo@]host[:port][/path][?query][#fragment]; host lower-cased, "[v6]" kept with brackets.
UrlParts splitUrl(std::string_view url) {
  UrlParts parts;
  const auto schemeEnd = url.find("://");
  if (schemeEnd == std::string_view::npos) throw std::invalid_argument("SigV4: not an absolute URL");
  parts.scheme = lower(url.substr(0, schemeEnd));
  std::string_view rest = url.substr(schemeEnd + 3);
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  const auto authorityEnd = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, authorityEnd);
  std::string_view tail = authorityEnd == std::string_view::npos ? std::string_view{} : rest.substr(authorityEnd);
  if (const auto at = authority.rfind('@'); at != std::string_view::npos) authority = authority.substr(at + 1);
  std::string_view host = authority;
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) throw std::invalid_argument("SigV4: malformed IPv6 host in URL");
    host = authority.substr(0, close + 1);
    if (close + 1 < authority.size() && authority[close + 1] == ':') port = authority.substr(close + 2);
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) throw std::invalid_argument("SigV4: URL without a host");
  parts.host = lower(host);
  parts.port = parts.scheme == "http" ? 80 : 443;
  if (!port.empty()) {
    int value = 0;
    for (char c : port) {
      if (c < '0' || c > '9' || value > 65535) throw std::invalid_argument("SigV4: malformed port in URL");
      value = value * 10 + (c - '0');
    }
    if (value <= 0 || value > 65535) throw std::invalid_argument("SigV4: malformed port in URL");
    parts.explicitPort = value != (parts.scheme == "http" ? 80 : 443);
    parts.port = value;
  }
  const auto question = tail.find('?');
  parts.path = std::string(tail.substr(0, question));
  if (question != std::string_view::npos) parts.query = std::string(tail.substr(question + 1));
  if (parts.path.empty()) parts.path = "/";
  return parts;
}

void removeHeader(https::Headers& headers, std::string_view name) {
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [&](const auto& header) { return iequals(header.first, name); }),
                headers.end());
}

const std::string* findHeader(const https::Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers)
    if (iequals(key, name)) return &value;
  return nullptr;
}

}  // namespace

std::string sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed (OpenSSL)");
  return toHex(std::string_view(reinterpret_cast<const char*>(digest), length));
}

std::string hmacSha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
           data.size(), mac, &length) == nullptr)
    throw std::runtime_error("HMAC-SHA256 failed (OpenSSL)");
  std::string out(reinterpret_cast<const char*>(mac), length);
  explicit_bzero(mac, sizeof mac);
  return out;
}

std::string toHex(std::string_view bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(digits[c >> 4]);
    out.push_back(digits[c & 0x0F]);
  }
  return out;
}

std::string uriEncode(std::string_view value, bool keepSlash) {
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size() * 3);
  for (unsigned char c : value) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~';
    if (unreserved || (keepSlash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(digits[c >> 4]);
      out.push_back(digits[c & 0x0F]);
    }
  }
  return out;
}

std::string amzDate(std::chrono::system_clock::time_point t) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(t);
  std::tm utc{};
  if (gmtime_r(&seconds, &utc) == nullptr) throw std::runtime_error("SigV4: time out of range");
  char buffer[32];
  const std::size_t n = std::strftime(buffer, sizeof buffer, "%Y%m%dT%H%M%SZ", &utc);
  if (n != 16) throw std::runtime_error("SigV4: time out of range");
  return std::string(buffer, n);
}

std::string canonicalQuery(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> pairs;
  std::size_t start = 0;
  while (start <= query.size()) {
    const std::size_t end = std::min(query.find('&', start), query.size());
    const std::string_view item = query.substr(start, end - start);
    if (!item.empty()) {
      const auto equals = item.find('=');
      const std::string_view name = item.substr(0, equals);
      const std::string_view value = equals == std::string_view::npos ? std::string_view{} : item.substr(equals + 1);
      pairs.emplace_back(uriEncode(percentDecode(name)), uriEncode(percentDecode(value)));
    }
    start = end + 1;
  }
  std::sort(pairs.begin(), pairs.end());
  std::string out;
  for (const auto& [name, value] : pairs) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

std::string signingKey(std::string_view secret, std::string_view date8, const SigningScope& scope) {
  std::string seed;
  Wiper wipeSeed{seed};
  seed.reserve(4 + secret.size());
  seed.append("AWS4");
  seed.append(secret.data(), secret.size());
  std::string kDate = hmacSha256(seed, date8);
  Wiper wipeDate{kDate};
  std::string kRegion = hmacSha256(kDate, scope.region);
  Wiper wipeRegion{kRegion};
  std::string kService = hmacSha256(kRegion, scope.service);
  Wiper wipeService{kService};
  return hmacSha256(kService, "aws4_request");
}

SignatureParts computeSignature(const RequestToSign& request, const Credentials& credentials,
                                const SigningScope& scope, std::string_view amzDateText) {
  if (amzDateText.size() != 16 || amzDateText[8] != 'T' || amzDateText[15] != 'Z')
    throw std::invalid_argument("SigV4: X-Amz-Date must be YYYYMMDDTHHMMSSZ");
  const std::string_view date8 = amzDateText.substr(0, 8);

  // Canonical headers: lower-case names, sorted; values of repeated names joined with ',' in the order given.
  std::vector<std::pair<std::string, std::string>> headers;
  for (const auto& [name, value] : request.headers) {
    std::string key = lower(trim(name));
    std::string canonical = canonicalHeaderValue(value);
    auto same = std::find_if(headers.begin(), headers.end(), [&](const auto& h) { return h.first == key; });
    if (same != headers.end()) {
      same->second += ',';
      same->second += canonical;
    } else {
      headers.emplace_back(std::move(key), std::move(canonical));
    }
  }
  std::stable_sort(headers.begin(), headers.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

  SignatureParts parts;
  std::string canonicalHeaders;
  for (const auto& [name, value] : headers) {
    canonicalHeaders += name;
    canonicalHeaders += ':';
    canonicalHeaders += value;
    canonicalHeaders += '\n';
    if (!parts.signedHeaders.empty()) parts.signedHeaders += ';';
    parts.signedHeaders += name;
  }

  const std::string path = request.path.empty() ? std::string("/") : request.path;
  parts.canonicalRequest = request.method + '\n' + uriEncode(path, true) + '\n' + canonicalQuery(request.query) + '\n' +
                           canonicalHeaders + '\n' + parts.signedHeaders + '\n' + sha256Hex(request.body);

  const std::string credentialScope =
      std::string(date8) + '/' + scope.region + '/' + scope.service + "/aws4_request";
  parts.stringToSign = std::string(kAlgorithm) + '\n' + std::string(amzDateText) + '\n' + credentialScope + '\n' +
                       sha256Hex(parts.canonicalRequest);

  std::string key = signingKey(credentials.secretAccessKey.reveal(), date8, scope);
  Wiper wipeKey{key};
  std::string mac = hmacSha256(key, parts.stringToSign);
  parts.signature = toHex(mac);
  wipe(mac);
  parts.authorization = std::string(kAlgorithm) + " Credential=" + credentials.accessKeyId + '/' + credentialScope +
                        ", SignedHeaders=" + parts.signedHeaders + ", Signature=" + parts.signature;
  return parts;
}

void sign(https::Request& request, const Credentials& credentials, const SigningScope& scope,
          std::chrono::system_clock::time_point now) {
  const UrlParts url = splitUrl(request.url);
  const std::string host = url.explicitPort ? url.host + ':' + std::to_string(url.port) : url.host;
  const std::string date = amzDate(now);

  // A request signed before (a retry) is signed afresh.
  for (std::string_view name : {"Host", "X-Amz-Date", "X-Amz-Security-Token", "Authorization"})
    removeHeader(request.headers, name);
  const std::string* contentType = findHeader(request.headers, "Content-Type");
  if (contentType == nullptr && !request.body.empty()) {
    request.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    contentType = &request.headers.back().second;
  }

  RequestToSign toSign;
  toSign.method = request.method;
  toSign.path = url.path;
  toSign.query = url.query;
  toSign.body = request.body;
  toSign.headers.emplace_back("host", host);
  if (contentType != nullptr) toSign.headers.emplace_back("content-type", *contentType);
  toSign.headers.emplace_back("x-amz-date", date);
  if (credentials.temporary())
    toSign.headers.emplace_back("x-amz-security-token", std::string(credentials.sessionToken.reveal()));
  SignatureParts parts = computeSignature(toSign, credentials, scope, date);
  for (auto& header : toSign.headers) wipe(header.second);  // the session token

  request.headers.emplace_back("Host", host);
  request.headers.emplace_back("X-Amz-Date", date);
  if (credentials.temporary())
    request.headers.emplace_back("X-Amz-Security-Token", std::string(credentials.sessionToken.reveal()));
  request.headers.emplace_back("Authorization", std::move(parts.authorization));
}

std::optional<ParsedAuthorization> parseAuthorization(std::string_view value) {
  value = trim(value);
  if (value.substr(0, kAlgorithm.size()) != kAlgorithm) return std::nullopt;
  value.remove_prefix(kAlgorithm.size());
  if (value.empty() || (value.front() != ' ' && value.front() != '\t')) return std::nullopt;

  std::optional<std::string_view> credential, signedHeaders, signature;
  while (!value.empty()) {
    const std::size_t comma = std::min(value.find(','), value.size());
    const std::string_view item = trim(value.substr(0, comma));
    value = comma < value.size() ? value.substr(comma + 1) : std::string_view{};
    const auto equals = item.find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    const std::string_view name = item.substr(0, equals);
    const std::string_view content = item.substr(equals + 1);
    std::optional<std::string_view>* slot = name == "Credential"      ? &credential
                                            : name == "SignedHeaders" ? &signedHeaders
                                            : name == "Signature"     ? &signature
                                                                      : nullptr;
    if (slot == nullptr || slot->has_value() || content.empty()) return std::nullopt;
    *slot = content;
  }
  if (!credential || !signedHeaders || !signature) return std::nullopt;

  ParsedAuthorization parsed;
  std::vector<std::string> scopeParts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = credential->find('/', start);
    scopeParts.emplace_back(credential->substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (scopeParts.size() != 5 || scopeParts[4] != "aws4_request") return std::nullopt;
  for (std::size_t i = 0; i < 4; ++i)
    if (scopeParts[i].empty()) return std::nullopt;
  if (scopeParts[1].size() != 8 ||
      !std::all_of(scopeParts[1].begin(), scopeParts[1].end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  parsed.accessKeyId = scopeParts[0];
  parsed.date8 = scopeParts[1];
  parsed.region = scopeParts[2];
  parsed.service = scopeParts[3];

  start = 0;
  for (;;) {
    const std::size_t semicolon = signedHeaders->find(';', start);
    std::string name(signedHeaders->substr(start, semicolon == std::string_view::npos ? semicolon : semicolon - start));
    if (name.empty()) return std::nullopt;
    parsed.signedHeaders.push_back(lower(name));
    if (semicolon == std::string_view::npos) break;
    start = semicolon + 1;
  }
  if (signature->size() != 64 ||
      !std::all_of(signature->begin(), signature->end(), [](char c) { return hexValue(c) >= 0; }))
    return std::nullopt;
  parsed.signature = lower(*signature);
  return parsed;
}

}  // namespace keeper_rotate::aws
