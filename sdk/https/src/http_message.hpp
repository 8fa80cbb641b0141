// HTTP/1.1 on one connection, client side: the request as bytes, and the response read back with its framing
// (Content-Length, chunked, or up to a proper end of stream), bounded in size, never trusting a short read.
#pragma once

#include "connection.hpp"
#include "keeper_rotate/https_client.hpp"

#include <cstddef>
#include <string>

namespace keeper_rotate::https::detail {

/// The request line, the headers (the caller's replace the defaults of the same name, compared without case) and
/// the body. Throws Failure(Invalid) for a method, target, header name or value that would break the framing
/// (CR, LF, NUL; a header name that is not a token).
std::string requestBytes(const Request& request, const std::string& target, const std::string& hostHeader,
                         const std::string& userAgent);

/// A response's status line and headers.
struct ResponseHead {
  int status = 0;
  std::string reason;
  Headers headers;
  bool http10 = false;

  /// The connection may carry another request after this response (HTTP/1.1 without "Connection: close",
  /// HTTP/1.0 only with "Connection: keep-alive").
  bool keepAlive() const;
};

/// Reads responses from one connection. What it buffered is zeroed when it is done (responses carry secrets).
class ResponseReader {
 public:
  static constexpr std::size_t kMaxHead = 64 * 1024;
  static constexpr std::size_t kMaxBody = 16 * 1024 * 1024;

  explicit ResponseReader(Connection& connection) : connection_(connection) {}
  ~ResponseReader();
  ResponseReader(const ResponseReader&) = delete;
  ResponseReader& operator=(const ResponseReader&) = delete;

  /// The next final response's head (interim 1xx responses are skipped). Throws Failure(Dropped) for a stream
  /// that ends first or is not HTTP/1.x, Failure(Timeout).
  ResponseHead readHead();
  /// The body of the response `head` (none for `headRequest`, 1xx, 204 and 304). Sets `untilClose` when the body
  /// ran to the end of the stream (the connection is then spent). Throws Failure(Dropped) when it is cut short or
  /// larger than kMaxBody.
  void readBody(const ResponseHead& head, bool headRequest, std::string& body, bool& untilClose);
  /// Bytes after the response that nobody asked for: the connection cannot be trusted for another request.
  bool hasLeftover() const { return pos_ < buffer_.size(); }

 private:
  bool fill();  // false at the end of the stream
  std::string line(std::size_t max);
  void take(std::size_t count, std::string& out);

  Connection& connection_;
  std::string buffer_;
  std::size_t pos_ = 0;
};

}  // namespace keeper_rotate::https::detail
