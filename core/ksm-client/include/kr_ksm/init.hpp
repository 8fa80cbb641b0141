// `keeper-rotate ksm init`: bind a one-time access token and write the KSM configuration file (docs/contract.md,
// "Other commands"; docs/ksm-protocol.md §2).
#pragma once

#include "kr_ksm/client.hpp"

#include <optional>
#include <string>

namespace keeper_rotate::ksm {

struct InitOptions {
  TokenText token;                       ///< [REGION:]TOKEN (the CLI reads it from KSM_TOKEN or stdin, see ksm_command)
  std::string hostname;                  ///< overrides the token's region/host (may carry a port)
  std::string out;                       ///< config file to write (mode 0600, replaced atomically)
  std::optional<int> serverPublicKeyId;  ///< pin a server key (with serverPublicKey)
  std::string serverPublicKey;           ///< base64 (either alphabet) of the 65-byte point
};

/// Binds, writes `out`, prints a one-line JSON summary on stdout and a human line on stderr (nothing secret).
/// A serverPublicKey/serverPublicKeyId already in `out` is kept unless pinned explicitly.
/// Returns the exit codes of docs/contract.md, "Exit codes": 0 bound, 2 bad token/arguments (nothing contacted),
/// 3 configuration problem (token rejected or used, unreadable/unwritable file), 4 Keeper unreachable or unexpected
/// answer, 1 internal.
int runInit(const InitOptions& options);

}  // namespace keeper_rotate::ksm
