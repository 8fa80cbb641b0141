#include "http_message.hpp"

#include "failure.hpp"

#include <keeper_rotate/text.hpp>

#include <string.h>  // explicit_bzero

#include <algorithm>
#include <cctype>

namespace keeper_rotate::https::detail {
namespace {

using keeper_rotate::text::iequals;

bool isToken(std::string_view text) {
  if (text.empty()) return false;
  return std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) != 0 || std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string::npos;
  });
}

bool breaksFraming(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

std::string trimmed(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return std::string(text);
}

// Appends to a buffer that may hold a secret (a response with a new client secret, a request with a bearer token)
// without leaving a copy behind when it grows: the old allocation is zeroed before it is freed.
void appendWiping(std::string& out, const char* data, std::size_t size) {
  if (out.size() + size > out.capacity()) {
    std::string bigger;
    bigger.reserve(std::max(out.capacity() * 2, out.size() + size));
    bigger.append(out);
    if (!out.empty()) explicit_bzero(out.data(), out.size());
    out.swap(bigger);
  }
  out.append(data, size);
}

Failure malformed(const std::string& what) { return Failure(TransportFailure::Dropped, "malformed response: " + what); }

const std::string* find(const Headers& headers, std::string_view name) {
  for (const auto& [key, value] : headers)
    if (iequals(key, name)) return &value;
  return nullptr;
}

// Whether the comma-separated header `value` lists `token` (without case).
bool lists(const std::string& value, std::string_view token) {
  std::size_t start = 0;
  while (start <= value.size()) {
    const auto end = std::min(value.find(',', start), value.size());
    if (iequals(trimmed(std::string_view(value).substr(start, end - start)), token)) return true;
    start = end + 1;
  }
  return false;
}

}  // namespace

std::string requestBytes(const Request& request, const std::string& target, const std::string& hostHeader,
                         const std::string& userAgent) {
  if (!isToken(request.method)) throw Failure(TransportFailure::Invalid, "the method is not an HTTP token");
  if (target.empty() || breaksFraming(target) || target.find(' ') != std::string::npos)
    throw Failure(TransportFailure::Invalid, "the request target contains a space or a line break");
  for (const auto& [name, value] : request.headers)
    if (!isToken(name) || breaksFraming(value))
      throw Failure(TransportFailure::Invalid, "header '" + (isToken(name) ? name : std::string("(invalid name)")) +
                                                   "' would break the request framing");
  auto given = [&](std::string_view name) { return find(request.headers, name) != nullptr; };
  // Reserved whole up front, so the bytes (headers with tokens, a body with a secret) are never reallocated.
  std::size_t size = 128 + request.method.size() + target.size() + hostHeader.size() + userAgent.size() +
                     request.body.size();
  for (const auto& [name, value] : request.headers) size += name.size() + value.size() + 4;
  std::string out;
  out.reserve(size);
  out += request.method + " " + target + " HTTP/1.1\r\n";
  if (!given("Host")) out += "Host: " + hostHeader + "\r\n";
  if (!given("User-Agent")) out += "User-Agent: " + userAgent + "\r\n";
  for (const auto& [name, value] : request.headers) {
    out += name;  // piece by piece: no temporary copy of a token value
    out += ": ";
    out += value;
    out += "\r\n";
  }
  const bool hasBody = !request.body.empty() || request.method == "POST" || request.method == "PATCH" ||
                       request.method == "PUT";
  if (hasBody && !given("Content-Length")) out += "Content-Length: " + std::to_string(request.body.size()) + "\r\n";
  out += "\r\n";
  out += request.body;
  return out;
}

bool ResponseHead::keepAlive() const {
  const std::string* connection = find(headers, "Connection");
  if (http10) return connection != nullptr && lists(*connection, "keep-alive");
  return connection == nullptr || !lists(*connection, "close");
}

ResponseReader::~ResponseReader() {
  if (buffer_.capacity() > 0) explicit_bzero(buffer_.data(), buffer_.capacity());
}

bool ResponseReader::fill() {
  if (pos_ > 0 && pos_ == buffer_.size()) {
    explicit_bzero(buffer_.data(), buffer_.size());
    buffer_.clear();
    pos_ = 0;
  }
  char chunk[16 * 1024];
  const std::size_t got = connection_.readSome(chunk, sizeof chunk);
  appendWiping(buffer_, chunk, got);
  explicit_bzero(chunk, got);
  return got > 0;
}

std::string ResponseReader::line(std::size_t max) {
  for (;;) {
    const auto end = buffer_.find("\r\n", pos_);
    if (end != std::string::npos) {
      if (end - pos_ > max) throw malformed("a line longer than " + std::to_string(max) + " bytes");
      std::string out = buffer_.substr(pos_, end - pos_);
      pos_ = end + 2;
      return out;
    }
    if (buffer_.size() - pos_ > max) throw malformed("a line longer than " + std::to_string(max) + " bytes");
    if (!fill()) throw Failure(TransportFailure::Dropped, "the connection closed before the response was complete");
  }
}

void ResponseReader::take(std::size_t count, std::string& out) {
  while (count > 0) {
    if (pos_ == buffer_.size() && !fill())
      throw Failure(TransportFailure::Dropped, "response body shorter than its Content-Length");
    const std::size_t n = std::min(count, buffer_.size() - pos_);
    appendWiping(out, buffer_.data() + pos_, n);
    pos_ += n;
    count -= n;
  }
}

ResponseHead ResponseReader::readHead() {
  for (;;) {
    ResponseHead head;
    const std::string status = line(8 * 1024);
    // "HTTP/1.1 200 OK": the version, three digits, an optional reason phrase.
    if (status.size() < 12 || status.compare(0, 7, "HTTP/1.") != 0 || !std::isdigit(static_cast<unsigned char>(status[7])) ||
        status[8] != ' ' || !std::all_of(status.begin() + 9, status.begin() + 12, [](unsigned char c) {
          return std::isdigit(c) != 0;
        }) || (status.size() > 12 && status[12] != ' '))
      throw malformed("the status line is not HTTP/1.x");
    head.http10 = status[7] == '0';
    head.status = std::stoi(status.substr(9, 3));
    if (head.status < 100) throw malformed("status " + status.substr(9, 3) + " is not an HTTP status");
    head.reason = status.size() > 13 ? status.substr(13) : std::string();
    for (char& c : head.reason)
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
    std::size_t headBytes = status.size();
    for (;;) {
      const std::string header = line(kMaxHead);
      headBytes += header.size() + 2;
      if (headBytes > kMaxHead) throw malformed("headers larger than " + std::to_string(kMaxHead) + " bytes");
      if (header.empty()) break;
      const auto colon = header.find(':');
      if (colon == std::string::npos || !isToken(std::string_view(header).substr(0, colon)))
        throw malformed("a header line without a name");
      head.headers.emplace_back(header.substr(0, colon), trimmed(std::string_view(header).substr(colon + 1)));
    }
    if (head.status >= 100 && head.status < 200) continue;  // interim: the final response follows
    return head;
  }
}

void ResponseReader::readBody(const ResponseHead& head, bool headRequest, std::string& body, bool& untilClose) {
  untilClose = false;
  if (headRequest || head.status == 204 || head.status == 304) return;
  const std::string* encoding = find(head.headers, "Transfer-Encoding");
  if (encoding != nullptr) {
    if (!lists(*encoding, "chunked")) {
      untilClose = true;
    } else {
      for (;;) {
        const std::string sizeLine = line(1024);
        const std::string digits = trimmed(std::string_view(sizeLine).substr(0, sizeLine.find(';')));
        if (digits.empty() || digits.size() > 8 ||
            !std::all_of(digits.begin(), digits.end(), [](unsigned char c) { return std::isxdigit(c) != 0; }))
          throw malformed("a chunk size that is not hexadecimal");
        const std::size_t size = std::stoul(digits, nullptr, 16);
        if (size == 0) {
          while (!line(kMaxHead).empty()) {
          }  // trailers are not used
          return;
        }
        if (body.size() + size > kMaxBody) throw malformed("a body larger than 16 MiB");
        take(size, body);
        if (!line(2).empty()) throw malformed("a chunk longer than its size");
      }
    }
  }
  if (!untilClose) {
    if (const std::string* length = find(head.headers, "Content-Length")) {
      if (length->empty() || length->size() > 12 ||
          !std::all_of(length->begin(), length->end(), [](unsigned char c) { return std::isdigit(c) != 0; }))
        throw malformed("a Content-Length that is not a number");
      const std::size_t size = std::stoull(*length);
      if (size > kMaxBody) throw malformed("a body larger than 16 MiB");
      body.reserve(size);
      take(size, body);
      return;
    }
    untilClose = true;
  }
  // No length: the body runs to the end of the stream, which must be a proper one (for TLS, close_notify), or a
  // cut-off body would pass as whole.
  for (;;) {
    if (pos_ < buffer_.size()) {
      if (body.size() + (buffer_.size() - pos_) > kMaxBody) throw malformed("a body larger than 16 MiB");
      appendWiping(body, buffer_.data() + pos_, buffer_.size() - pos_);
      pos_ = buffer_.size();
    }
    if (!fill()) break;
  }
  if (!connection_.cleanEnd()) throw Failure(TransportFailure::Dropped, "the response was cut short");
}

}  // namespace keeper_rotate::https::detail
