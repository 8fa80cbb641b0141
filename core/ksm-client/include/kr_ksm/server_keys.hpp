// Keeper's published server public keys, by id (docs/ksm-protocol.md §4).
#pragma once

#include <optional>
#include <string>

namespace keeper_rotate::ksm {

/// Key id used when a config names none (the Python SDK's default; the server redirects if it wants another).
constexpr int kDefaultServerPublicKeyId = 10;

/// The 65-byte uncompressed point for a built-in key id (1–18), or nullopt.
std::optional<std::string> builtinServerPublicKey(int id);

}  // namespace keeper_rotate::ksm
