#include "kr_ksm/config.hpp"

#include <keeper_rotate/text.hpp>

#include "kr_ksm/base64.hpp"
#include "kr_ksm/crypto.hpp"
#include "kr_ksm/errors.hpp"

#include <keeper_rotate/json.hpp>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <sys/stat.h>

namespace keeper_rotate::ksm {
namespace {

KsmError configError(const std::string& message) { return KsmError(KsmError::Kind::Config, "ksm.config", message); }

using keeper_rotate::text::trim;

/// A member as text: strings as they are, numbers and booleans converted, arrays and objects as their JSON text;
/// empty when missing or null.
std::string getString(const json::Object& obj, const char* key) {
  const json::Value* v = obj.find(key);
  if (v == nullptr) return {};
  if (v->isArray() || v->isObject()) return json::stringify(*v);
  return json::text(*v).value_or(std::string());
}

std::string decodeField(const json::Object& obj, const char* key, const std::string& source) {
  // Key material: decoded straight from the document (which zeroes it) rather than from a copy; another type's
  // text is a temporary that is wiped.
  const json::Value* v = obj.find(key);
  std::string other = v != nullptr && !v->isString() ? getString(obj, key) : std::string();
  const std::string& text = v != nullptr && v->isString() ? v->string() : other;
  if (text.empty()) return {};
  try {
    std::string bytes = base64::decode(text);
    json::wipe(other);
    return bytes;
  } catch (const base64::DecodeError& e) {
    json::wipe(other);
    throw configError("KSM configuration (" + source + "): '" + key + "' is not valid base64 (" + e.what() + ")");
  }
}

/// Appends to `out`, growing it only by copying into a larger buffer and zeroing the old one (the text holds key
/// material).
void appendWiping(std::string& out, std::string_view piece) {
  if (out.size() + piece.size() > out.capacity()) {
    std::string bigger;
    bigger.reserve(std::max(out.capacity() * 2, out.size() + piece.size()));
    bigger.append(out);
    json::wipe(out);
    out.swap(bigger);
  }
  out.append(piece);
}

}  // namespace

std::optional<std::string> regionHost(std::string_view region) {
  static const std::map<std::string, std::string> kRegions = {
      {"US", "keepersecurity.com"}, {"EU", "keepersecurity.eu"},          {"AU", "keepersecurity.com.au"},
      {"GOV", "govcloud.keepersecurity.us"}, {"JP", "keepersecurity.jp"}, {"CA", "keepersecurity.ca"},
      {"IL5", "il5.keepersecurity.us"}};
  std::string upper(region);
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return char(std::toupper(c)); });
  auto it = kRegions.find(upper);
  if (it == kRegions.end()) return std::nullopt;
  return it->second;
}

std::string resolveHostname(std::string_view hostname) {
  std::string_view h = trim(hostname);
  // Accept a URL form too (the Python SDK normalises with urlparse and keeps the netloc).
  if (h.substr(0, 8) == "https://") h.remove_prefix(8);
  while (!h.empty() && h.back() == '/') h.remove_suffix(1);
  if (auto region = regionHost(h)) return *region;
  return std::string(h);
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw configError("cannot read KSM configuration file " + path + ": " + std::strerror(errno));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw configError("error reading KSM configuration file " + path);
  return ss.str();
}

Config parseConfig(std::string_view rawText, const std::string& source) {
  std::string_view text = trim(rawText);
  std::string json;
  if (!text.empty() && text.front() == '{') {
    json.assign(text);
  } else {
    try {
      json = base64::decode(text);
    } catch (const base64::DecodeError&) {
      throw configError("KSM configuration (" + source + ") is neither JSON nor base64 of JSON");
    }
  }
  // The document zeroes the key material it holds when it goes out of scope.
  json::Value parsed;
  try {
    parsed = json::parse(json);
  } catch (const std::exception&) {
  }
  json::wipe(json);
  if (!parsed.isObject()) throw configError("KSM configuration (" + source + ") is not a JSON object");
  const json::Object& obj = parsed.object();

  Config c;
  c.source = source;
  c.hostname = resolveHostname(getString(obj, "hostname"));
  c.clientId = getString(obj, "clientId");
  c.privateKey = crypto::toSecret(decodeField(obj, "privateKey", source));
  c.appKey = crypto::toSecret(decodeField(obj, "appKey", source));
  c.clientKey = crypto::toSecret(decodeField(obj, "clientKey", source));
  c.serverPublicKey = decodeField(obj, "serverPublicKey", source);
  c.appOwnerPublicKey = decodeField(obj, "appOwnerPublicKey", source);
  const std::string keyId = getString(obj, "serverPublicKeyId");
  if (!keyId.empty()) {
    char* end = nullptr;
    const long id = std::strtol(keyId.c_str(), &end, 10);
    if (end == keyId.c_str() || *end != '\0' || id <= 0 || id > 1000000)
      throw configError("KSM configuration (" + source + "): serverPublicKeyId '" + keyId + "' is not a positive integer");
    c.serverPublicKeyId = static_cast<int>(id);
  }

  std::string missing;
  if (c.hostname.empty()) missing += " hostname";
  if (c.clientId.empty()) missing += " clientId";
  if (c.privateKey.empty()) missing += " privateKey";
  if (c.appKey.empty() && c.clientKey.empty()) missing += " appKey";
  if (!missing.empty()) throw configError("KSM configuration (" + source + ") lacks:" + missing);
  if (!c.appKey.empty() && c.appKey.size() != 32)
    throw configError("KSM configuration (" + source + "): appKey must decode to 32 bytes");
  if (!c.serverPublicKey.empty() && c.serverPublicKey.size() != crypto::kPointSize)
    throw configError("KSM configuration (" + source + "): serverPublicKey must decode to a 65-byte point");
  return c;
}

Config loadConfig(const ConfigLocations& where) {
  if (where.explicitFile) {
    std::string text = readFile(*where.explicitFile);
    Config c = parseConfig(text, "file " + *where.explicitFile);
    explicit_bzero(text.data(), text.size());
    return c;
  }
  if (where.useEnvironment) {
    // KSM_CONFIG names a configuration made for keeper-rotate, so it wins over the Gateway's own device
    // configuration, which a containerised Gateway receives in GATEWAY_CONFIG instead of the file below. A set
    // but broken variable is an error, never a reason to fall through to another device.
    for (const char* name : {"KSM_CONFIG", "GATEWAY_CONFIG"}) {
      const char* env = std::getenv(name);
      if (env != nullptr && *env != '\0') return parseConfig(env, name);
    }
  }
  struct stat st {};
  if (!where.defaultFile.empty() && ::stat(where.defaultFile.c_str(), &st) == 0) {
    std::string text = readFile(where.defaultFile);
    Config c = parseConfig(text, "file " + where.defaultFile);
    explicit_bzero(text.data(), text.size());
    return c;
  }
  throw configError(
      "no KSM configuration found: pass --ksm-config FILE, set KSM_CONFIG (base64 or JSON) or GATEWAY_CONFIG (base64, "
      "as a Docker or Kubernetes Gateway receives it), or provide " +
      (where.defaultFile.empty() ? std::string(kGatewayConfigPath) : where.defaultFile));
}

Secret configToJson(const Config& c) {
  json::Object obj;
  obj.set("hostname", c.hostname);
  obj.set("clientId", c.clientId);
  if (!c.privateKey.empty()) obj.set("privateKey", base64::encode(c.privateKey.reveal()));
  if (!c.appKey.empty()) obj.set("appKey", base64::encode(c.appKey.reveal()));
  if (!c.clientKey.empty()) obj.set("clientKey", base64::encode(c.clientKey.reveal()));
  if (c.serverPublicKeyId > 0) obj.set("serverPublicKeyId", std::to_string(c.serverPublicKeyId));
  if (!c.appOwnerPublicKey.empty()) obj.set("appOwnerPublicKey", base64::encode(c.appOwnerPublicKey));
  if (!c.serverPublicKey.empty()) obj.set("serverPublicKey", base64::encodeUrl(c.serverPublicKey));
  // The layout the SDKs write (Python's json.dumps(indent=4)): one "key": "value" member per line, indented by 4.
  // Every member is a string, so each is written as two JSON strings.
  std::string out;
  out.reserve(512);
  appendWiping(out, "{");
  bool first = true;
  for (const auto& [key, value] : obj) {
    appendWiping(out, first ? "\n    " : ",\n    ");
    first = false;
    std::string piece = json::stringify(json::Value(std::string_view(key)));
    piece += ": ";
    json::stringifyTo(piece, value);
    appendWiping(out, piece);
    json::wipe(piece);
  }
  appendWiping(out, first ? "}\n" : "\n}\n");
  return crypto::toSecret(std::move(out));
}

}  // namespace keeper_rotate::ksm
