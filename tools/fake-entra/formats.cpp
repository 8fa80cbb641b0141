// Renderings of ids, secrets, dates and error bodies exactly as real Entra ID and Graph produce them
// (docs/azure-graph.md §2.3, §3.5, §3.6).
#include "fake_entra_impl.hpp"

#include <openssl/rand.h>

#include <Poco/JSON/Array.h>

#include <cctype>
#include <cstdio>
#include <ctime>
#include <sstream>
#include <stdexcept>

namespace keeper_rotate::fake_entra {
namespace {

void randomBytes(unsigned char* out, int size) {
  if (RAND_bytes(out, size) != 1) throw std::runtime_error("RAND_bytes failed");
}

std::tm utc(std::chrono::system_clock::time_point t) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return tm;
}

std::string format(std::chrono::system_clock::time_point t, const char* pattern) {
  const std::tm tm = utc(t);
  char buf[64];
  std::strftime(buf, sizeof buf, pattern, &tm);
  return buf;
}

}  // namespace

std::string newGuid() {
  unsigned char b[16];
  randomBytes(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

std::string newSecretText() {
  static const char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
  unsigned char b[37];
  randomBytes(b, sizeof b);
  std::string s;
  for (int i = 0; i < 3; ++i) s += kAlphabet[b[i] % 66];
  s += "8Q~";
  for (int i = 3; i < 37; ++i) s += kAlphabet[b[i] % 66];
  return s;
}

std::string graphTime(std::chrono::system_clock::time_point t) {
  const auto since = t.time_since_epoch();
  const auto ticks = std::chrono::duration_cast<std::chrono::nanoseconds>(since).count() % 1000000000 / 100;
  char frac[16];
  std::snprintf(frac, sizeof frac, ".%07lld", static_cast<long long>(ticks));
  return format(t, "%Y-%m-%dT%H:%M:%S") + frac + "Z";
}

std::string innerErrorDate(std::chrono::system_clock::time_point t) { return format(t, "%Y-%m-%dT%H:%M:%S"); }

std::string tokenTimestamp(std::chrono::system_clock::time_point t) { return format(t, "%Y-%m-%d %H:%M:%SZ"); }

bool parseGraphTime(const std::string& text, std::chrono::system_clock::time_point& out) {
  int y, mo, d, h, mi, s;
  int consumed = 0;
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &consumed) != 6 ||
      consumed != 19)
    return false;
  std::size_t pos = 19;
  long long nanos = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      if (digits < 9) nanos = nanos * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0 || digits > 7) return false;
    for (int i = digits; i < 9; ++i) nanos *= 10;
  }
  if (pos + 1 != text.size() || text[pos] != 'Z') return false;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  const std::time_t secs = timegm(&tm);
  out = std::chrono::system_clock::from_time_t(secs) +
        std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(nanos));
  return true;
}

bool isGuid(const std::string& text) {
  if (text.size() != 36) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? text[i] != '-' : !std::isxdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

std::string toJson(const Poco::JSON::Object& object) {
  std::ostringstream out;
  object.stringify(out);
  return out.str();
}

Headers graphHeaders(const Incoming& in) {
  const std::string requestId = newGuid();
  std::string clientRequestId = in.header("client-request-id");
  if (clientRequestId.empty()) clientRequestId = requestId;
  return {{"Content-Type",
           "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"},
          {"request-id", requestId},
          {"client-request-id", clientRequestId},
          {"x-ms-ags-diagnostic",
           R"({"ServerInfo":{"DataCenter":"Local","Slice":"E","Ring":"0","ScaleUnit":"000","RoleInstance":"fake-entra"}})"},
          {"x-ms-resource-unit", "1"},
          {"Cache-Control", "no-cache"},
          {"Strict-Transport-Security", "max-age=31536000"}};
}

Reply graphError(int status, const std::string& code, const std::string& message, const Incoming& in,
                 const std::string& detailsTarget) {
  Reply r;
  r.status = status;
  r.headers = graphHeaders(in);
  std::string requestId, clientRequestId;
  for (const auto& [k, v] : r.headers) {
    if (k == "request-id") requestId = v;
    if (k == "client-request-id") clientRequestId = v;
  }
  Poco::JSON::Object inner(Poco::JSON_PRESERVE_KEY_ORDER);
  inner.set("date", innerErrorDate(std::chrono::system_clock::now()));
  inner.set("request-id", requestId);
  inner.set("client-request-id", clientRequestId);
  Poco::JSON::Object error(Poco::JSON_PRESERVE_KEY_ORDER);
  error.set("code", code);
  error.set("message", message);
  if (!detailsTarget.empty()) {
    Poco::JSON::Object detail(Poco::JSON_PRESERVE_KEY_ORDER);
    detail.set("target", detailsTarget);
    detail.set("code", code);
    Poco::JSON::Array details;
    details.add(detail);
    error.set("details", details);
  }
  error.set("innerError", inner);
  Poco::JSON::Object root(Poco::JSON_PRESERVE_KEY_ORDER);
  root.set("error", error);
  r.body = toJson(root);
  if (status == 401)
    r.headers.emplace_back("WWW-Authenticate",
                           "Bearer realm=\"\", authorization_uri=\"https://login.microsoftonline.com/common/oauth2/"
                           "authorize\", client_id=\"00000003-0000-0000-c000-000000000000\"");
  return r;
}

Headers tokenHeaders() {
  return {{"Cache-Control", "no-store, no-cache"},
          {"Pragma", "no-cache"},
          {"Content-Type", "application/json; charset=utf-8"},
          {"Expires", "-1"},
          {"Strict-Transport-Security", "max-age=31536000; includeSubDomains"},
          {"X-Content-Type-Options", "nosniff"},
          {"x-ms-request-id", newGuid()},
          {"x-ms-ests-server", "2.1.0 - fake-entra"}};
}

Reply tokenError(int status, const std::string& error, int aadsts, const std::string& text) {
  const auto now = std::chrono::system_clock::now();
  const std::string traceId = newGuid(), correlationId = newGuid();
  Reply r;
  r.status = status;
  r.headers = tokenHeaders();
  Poco::JSON::Object o(Poco::JSON_PRESERVE_KEY_ORDER);
  o.set("error", error);
  o.set("error_description", "AADSTS" + std::to_string(aadsts) + ": " + text + "\r\nTrace ID: " + traceId +
                                 "\r\nCorrelation ID: " + correlationId + "\r\nTimestamp: " + tokenTimestamp(now));
  Poco::JSON::Array codes;
  codes.add(aadsts);
  o.set("error_codes", codes);
  o.set("timestamp", tokenTimestamp(now));
  o.set("trace_id", traceId);
  o.set("correlation_id", correlationId);
  o.set("error_uri", "https://login.microsoftonline.com/error?code=" + std::to_string(aadsts));
  r.body = toJson(o);
  return r;
}

}  // namespace keeper_rotate::fake_entra
