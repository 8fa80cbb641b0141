// The one exception the HTTPS client's layers (socket, TLS, HTTP framing, proxy tunnel) throw to Client::send,
// which adds where the request went and turns it into the public TransportError.
#pragma once

#include "keeper_rotate/https_client.hpp"

#include <stdexcept>
#include <string>

namespace keeper_rotate::https::detail {

struct Failure : std::runtime_error {
  TransportFailure kind;
  Failure(TransportFailure k, const std::string& what) : std::runtime_error(what), kind(k) {}
};

}  // namespace keeper_rotate::https::detail
