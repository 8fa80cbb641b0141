// Renderings of ids, secrets, dates and XML bodies as IAM and STS produce them (docs/aws-iam.md §2, §5, §6).
#include "fake_aws_impl.hpp"

#include <openssl/rand.h>

#include <Poco/Exception.h>
#include <Poco/Net/HTTPServerRequestImpl.h>
#include <Poco/Net/StreamSocket.h>

#include <keeper_rotate/text.hpp>

#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace keeper_rotate::fake_aws {
namespace {

void randomBytes(unsigned char* out, std::size_t size) {
  if (RAND_bytes(out, static_cast<int>(size)) != 1) throw std::runtime_error("RAND_bytes failed");
}

std::string randomFrom(const std::string& alphabet, std::size_t length) {
  std::string out;
  out.reserve(length);
  unsigned char b[64];
  while (out.size() < length) {
    randomBytes(b, sizeof b);
    for (unsigned char c : b) {
      // Rejection sampling keeps every character equally likely.
      const unsigned limit = 256 - 256 % alphabet.size();
      if (c < limit && out.size() < length) out += alphabet[c % alphabet.size()];
    }
  }
  return out;
}

const std::string kUpperDigits = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const std::string kSecretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+";
const std::string kBase64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string format(std::chrono::system_clock::time_point t, const char* pattern) {
  const std::time_t secs = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, pattern, &tm);
  return buf;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string formDecode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hexValue(s[i + 1]) >= 0 && hexValue(s[i + 2]) >= 0) {
      out += static_cast<char>(hexValue(s[i + 1]) * 16 + hexValue(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace

std::string Incoming::header(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (text::iequals(k, name)) return v;
  return "";
}

bool Incoming::hasHeader(const std::string& name) const {
  for (const auto& [k, v] : headers)
    if (text::iequals(k, name)) return true;
  return false;
}

std::string Incoming::param(const std::string& name) const {
  auto it = params.find(name);
  return it == params.end() ? "" : it->second;
}

bool Incoming::hasParam(const std::string& name) const { return params.count(name) != 0; }

std::string newRequestId() {
  unsigned char b[16];
  randomBytes(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

std::string newKeyId(const std::string& prefix) { return prefix + randomFrom(kUpperDigits, 16); }
std::string newUniqueId(const std::string& prefix) { return prefix + randomFrom(kUpperDigits, 17); }
std::string newSecretKey() { return randomFrom(kSecretAlphabet, 40); }

std::string newSessionToken() {
  // Real tokens are a few hundred characters of base64 that starts with a version marker; their padding '='
  // and the '+' and '/' inside make them a test of the client's form and header encoding.
  return "IQoJb3JpZ2luX2VjE" + randomFrom(kBase64, 340) + "==";
}

std::string newImdsToken() { return "AQAEA" + randomFrom(kBase64, 51) + "=="; }

std::string isoTime(std::chrono::system_clock::time_point t) { return format(t, "%Y-%m-%dT%H:%M:%SZ"); }

std::string httpDate(std::chrono::system_clock::time_point t) { return format(t, "%a, %d %b %Y %H:%M:%S GMT"); }

bool parseAmzDate(const std::string& text, std::chrono::system_clock::time_point& out) {
  if (text.size() != 16 || text[8] != 'T' || text[15] != 'Z') return false;
  for (std::size_t i = 0; i < 15; ++i)
    if (i != 8 && (text[i] < '0' || text[i] > '9')) return false;
  std::tm tm{};
  tm.tm_year = std::stoi(text.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(text.substr(4, 2)) - 1;
  tm.tm_mday = std::stoi(text.substr(6, 2));
  tm.tm_hour = std::stoi(text.substr(9, 2));
  tm.tm_min = std::stoi(text.substr(11, 2));
  tm.tm_sec = std::stoi(text.substr(13, 2));
  if (tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
    return false;
  out = std::chrono::system_clock::from_time_t(timegm(&tm));
  return true;
}

std::string xmlEscape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string element(const std::string& name, const std::string& text) {
  return "<" + name + ">" + xmlEscape(text) + "</" + name + ">";
}

Reply resultReply(const std::string& xmlns, const std::string& action, const std::optional<std::string>& result) {
  const std::string requestId = newRequestId();
  Reply r;
  r.headers = {{"Content-Type", "text/xml"}, {"x-amzn-RequestId", requestId}};
  r.body = "<" + action + "Response xmlns=\"" + xmlns + "\">\n";
  if (result) r.body += "  <" + action + "Result>\n" + *result + "  </" + action + "Result>\n";
  r.body += "  <ResponseMetadata>\n    <RequestId>" + requestId + "</RequestId>\n  </ResponseMetadata>\n</" + action +
            "Response>\n";
  return r;
}

Reply errorReply(const std::string& xmlns, int status, const std::string& code, const std::string& message) {
  const std::string requestId = newRequestId();
  Reply r;
  r.status = status;
  r.errorCode = code;
  r.headers = {{"Content-Type", "text/xml"}, {"x-amzn-RequestId", requestId}};
  r.body = "<ErrorResponse xmlns=\"" + xmlns + "\">\n  <Error>\n    <Type>" +
           std::string(status >= 500 ? "Receiver" : "Sender") + "</Type>\n    " + element("Code", code) + "\n    " +
           element("Message", message) + "\n  </Error>\n  <RequestId>" + requestId + "</RequestId>\n</ErrorResponse>\n";
  return r;
}

void parseForm(const std::string& text, std::map<std::string, std::string>& out) {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('&', start);
    if (end == std::string::npos) end = text.size();
    const std::string_view pair(text.data() + start, end - start);
    if (!pair.empty()) {
      const std::size_t eq = pair.find('=');
      const std::string name = formDecode(pair.substr(0, eq));
      const std::string value = eq == std::string_view::npos ? "" : formDecode(pair.substr(eq + 1));
      out.emplace(name, value);
    }
    start = end + 1;
  }
}

std::string jsonText(const std::string& value) {
  std::string out = "\"";
  for (char c : value) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<unsigned char>(c)));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

void dropConnection(Poco::Net::HTTPServerRequest& request) {
  if (auto* impl = dynamic_cast<Poco::Net::HTTPServerRequestImpl*>(&request)) {
    try {
      impl->socket().close();
    } catch (...) {
    }
  }
  throw Poco::IOException("fake-aws: connection dropped on purpose (fault injection)");
}

void send(Poco::Net::HTTPServerResponse& response, const Reply& reply) {
  response.setStatus(static_cast<Poco::Net::HTTPResponse::HTTPStatus>(reply.status));
  for (const auto& [k, v] : reply.headers) {
    if (text::iequals(k, "Content-Type"))
      response.setContentType(v);
    else
      response.add(k, v);
  }
  if (!response.has("Date")) response.add("Date", httpDate(std::chrono::system_clock::now()));
  response.setContentLength(static_cast<std::streamsize>(reply.body.size()));
  response.send() << reply.body;
}

}  // namespace keeper_rotate::fake_aws
