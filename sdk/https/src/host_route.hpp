// Requests of a Client inside a keeper-rotate plugin go through the host when the host offers it
// (kr_host_api::https_send, ABI 1.4): the host and every plugin then share connections and TLS contexts.
#pragma once

#include "keeper_rotate/https_client.hpp"

#include <optional>

namespace keeper_rotate::https::detail {

/// True while a plugin operation runs on this thread and its host offers https_send.
bool hostRouteAvailable() noexcept;

/// Sends `request` with the client settings of `options` through the host when hostRouteAvailable(); std::nullopt
/// otherwise (the Client then uses its own connections). Throws TransportError as Client::send does.
std::optional<Response> sendThroughHost(const Request& request, const Options& options);

}  // namespace keeper_rotate::https::detail
