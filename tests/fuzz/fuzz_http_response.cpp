// Target http_response: the HTTPS client's HTTP/1.1 response framing (sdk/https/src/http_message.hpp:
// ResponseReader::readHead and readBody: status line, headers, interim responses, Content-Length, chunked and
// close-delimited bodies, the size limits) on a stream that carries the input and then ends. Responses are read
// one after another, as on a kept-alive connection, until the input is used up or rejected. Documented failure:
// detail::Failure (a malformed, oversized or cut-off answer; never a timeout, since the stream ends).
#include <connection.hpp>
#include <failure.hpp>
#include <http_message.hpp>

#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_input.hpp"

namespace detail = keeper_rotate::https::detail;

namespace {

void fuzzOne(std::string_view input) {
  if (input.size() > 100 * 1024) return;  // the stream below holds the whole input at once
  int ends[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0) return;
  const int size = 512 * 1024;
  ::setsockopt(ends[0], SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  ::setsockopt(ends[1], SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  std::size_t written = 0;
  while (written < input.size()) {
    const ssize_t n = ::write(ends[0], input.data() + written, input.size() - written);
    if (n <= 0) break;
    written += static_cast<std::size_t>(n);
  }
  ::close(ends[0]);  // the end of the stream: reads never wait for more
  auto connection = detail::Connection::adopt(ends[1], std::chrono::milliseconds(1000));
  std::size_t total = 0;
  try {
    detail::ResponseReader reader(*connection);
    for (int i = 0; i < 16; ++i) {
      const detail::ResponseHead head = reader.readHead();
      if (head.status < 200 || head.status > 999) kr_fuzz::violated("readHead returned an interim or invalid status");
      std::string body;
      bool untilClose = false;
      reader.readBody(head, false, body, untilClose);
      if (body.size() > detail::ResponseReader::kMaxBody) kr_fuzz::violated("a body larger than kMaxBody");
      total += body.size() + head.headers.size() + head.reason.size() + (head.keepAlive() ? 1 : 0);
      if (untilClose || !reader.hasLeftover()) break;
    }
  } catch (const detail::Failure& e) {
    if (e.kind == keeper_rotate::https::TransportFailure::Timeout)
      kr_fuzz::violated("a timeout on a stream that had ended");
    total += std::string(e.what()).size();
  }
  kr_fuzz::keep(total);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return kr_fuzz::run([&] { fuzzOne(kr_fuzz::bytes(data, size)); });
}
