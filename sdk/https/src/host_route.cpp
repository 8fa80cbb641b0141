#include "host_route.hpp"

#include "tls_context.hpp"

#include <keeper_rotate/sdk.hpp>

#include <cstddef>
#include <vector>

namespace keeper_rotate::https::detail {
namespace {

// kr_https_failure numbers TransportFailure plus one, in both directions (here and in the host's https_send): an
// enumerator moved in either type would change the ABI silently.
constexpr bool sameNumbers(TransportFailure kind, kr_https_failure code) {
  return static_cast<unsigned>(kind) + KR_HTTPS_FAILURE_CONNECT == static_cast<unsigned>(code);
}
static_assert(sameNumbers(TransportFailure::Connect, KR_HTTPS_FAILURE_CONNECT));
static_assert(sameNumbers(TransportFailure::Timeout, KR_HTTPS_FAILURE_TIMEOUT));
static_assert(sameNumbers(TransportFailure::Dropped, KR_HTTPS_FAILURE_DROPPED));
static_assert(sameNumbers(TransportFailure::Tls, KR_HTTPS_FAILURE_TLS));
static_assert(sameNumbers(TransportFailure::Certificate, KR_HTTPS_FAILURE_CERTIFICATE));
static_assert(sameNumbers(TransportFailure::HostName, KR_HTTPS_FAILURE_HOST_NAME));
static_assert(sameNumbers(TransportFailure::UnknownHost, KR_HTTPS_FAILURE_UNKNOWN_HOST));
static_assert(sameNumbers(TransportFailure::ProxyRefused, KR_HTTPS_FAILURE_PROXY_REFUSED));
static_assert(sameNumbers(TransportFailure::Invalid, KR_HTTPS_FAILURE_INVALID));

const keeper_rotate::detail::CurrentOperation* route() noexcept {
  const auto& op = keeper_rotate::detail::currentOperation;
  if (op.host == nullptr || op.ctx == nullptr) return nullptr;
  if (op.host->struct_size < offsetof(kr_host_api, https_send) + sizeof(op.host->https_send)) return nullptr;
  return op.host->https_send != nullptr ? &op : nullptr;
}

kr_view view(const std::string& text) noexcept { return kr_view{text.data(), text.size()}; }

std::string text(const kr_view& v) { return v.data != nullptr ? std::string(v.data, v.size) : std::string(); }

std::uint64_t milliseconds(std::chrono::milliseconds request, std::chrono::milliseconds client) {
  const auto chosen = request.count() > 0 ? request : client;
  return chosen.count() > 0 ? static_cast<std::uint64_t>(chosen.count()) : 0;
}

TransportFailure failureOf(std::uint32_t code) {
  if (code >= KR_HTTPS_FAILURE_CONNECT && code <= KR_HTTPS_FAILURE_INVALID)
    return static_cast<TransportFailure>(code - KR_HTTPS_FAILURE_CONNECT);
  return TransportFailure::Connect;  // an unknown kind from a newer host: retryable, as a plain connect failure
}

}  // namespace

bool hostRouteAvailable() noexcept { return route() != nullptr; }

std::optional<Response> sendThroughHost(const Request& request, const Options& options) {
  const auto* op = route();
  if (op == nullptr) return std::nullopt;

  // Views of the request as it is: the host copies what it sends into zeroing storage before it returns.
  std::vector<kr_http_header> headers;
  headers.reserve(request.headers.size());
  for (const auto& [name, value] : request.headers) headers.push_back(kr_http_header{view(name), view(value)});
  std::vector<kr_view> plainHosts;
  plainHosts.reserve(options.plainHttpHosts.size());
  for (const std::string& host : options.plainHttpHosts) plainHosts.push_back(view(host));

  kr_https_request out{};
  out.struct_size = sizeof(kr_https_request);
  out.flags = options.useProxyEnvironment ? 0u : KR_HTTPS_NO_PROXY;
  out.method = view(request.method);
  out.url = view(request.url);
  out.headers = headers.empty() ? nullptr : headers.data();
  out.header_count = headers.size();
  out.body = view(request.body);
  out.connect_timeout_ms = milliseconds(request.connectTimeout, options.connectTimeout);
  out.io_timeout_ms = milliseconds(request.ioTimeout, options.ioTimeout);
  out.ca_file = view(options.caFile);
  out.user_agent = view(options.userAgent);
  out.plain_http_hosts = plainHosts.empty() ? nullptr : plainHosts.data();
  out.plain_http_host_count = plainHosts.size();

  kr_https_response in{};
  in.struct_size = sizeof(kr_https_response);
  const kr_status status = op->host->https_send(op->ctx, &out, &in);
  if (status == KR_ERR_UNAVAILABLE) return std::nullopt;  // the host has no shared clients for this run
  if (status == KR_ERR_FAILED)
    throw TransportError(in.failure_message.size > 0 ? text(in.failure_message) : "the request failed in the host",
                         failureOf(in.failure));
  if (status != KR_OK)
    throw TransportError("the host could not send the request to " + printable(request.url) +
                             (in.failure_message.size > 0 ? " (" + text(in.failure_message) + ")" : std::string()),
                         TransportFailure::Invalid);

  Response response;
  response.status = in.status;
  response.reason = text(in.reason);
  response.headers.reserve(in.header_count);
  for (std::size_t i = 0; i < in.header_count && in.headers != nullptr; ++i)
    response.headers.emplace_back(text(in.headers[i].name), text(in.headers[i].value));
  if (in.body.size > 0 && in.body.data != nullptr) response.body.assign(in.body.data, in.body.size);
  return response;
}

}  // namespace keeper_rotate::https::detail
