// KSM client configuration (docs/ksm-protocol.md §1), read as docs/contract.md, "KSM configuration" says:
// `--ksm-config FILE`, else `KSM_CONFIG` (base64 or JSON text), else `GATEWAY_CONFIG` (base64 of the Gateway's
// device configuration, which is how Docker and Kubernetes Gateways receive it), else the Gateway's own device
// config file /etc/keeper-gateway/gateway-config.json. Keys are the ones the official SDKs write; binary values are accepted in
// either base64 alphabet, padded or not.
#pragma once

#include <keeper_rotate/secret.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace keeper_rotate::ksm {

constexpr const char* kGatewayConfigPath = "/etc/keeper-gateway/gateway-config.json";

struct Config {
  std::string hostname;           ///< host, optionally with ":port" (a region code such as "EU" is mapped)
  std::string clientId;           ///< standard base64 of the 64-byte HMAC (sent verbatim)
  Secret privateKey;              ///< PKCS#8 DER of the device key
  Secret appKey;                  ///< 32-byte application key (empty before binding)
  Secret clientKey;               ///< 32-byte one-time token key (only before binding)
  int serverPublicKeyId = 0;      ///< 0: not set
  std::string serverPublicKey;    ///< custom 65-byte server point (empty: use the built-in table)
  std::string appOwnerPublicKey;  ///< 65-byte point (only needed for creating records)
  std::string source;             ///< where it came from, for messages ("file /path", "KSM_CONFIG", "GATEWAY_CONFIG")

  Config() = default;
  Config(Config&&) = default;
  Config& operator=(Config&&) = default;
};

/// Parse config text: JSON, or base64 of JSON. `source` names it in error messages. Throws KsmError(Config).
Config parseConfig(std::string_view text, const std::string& source);

/// Where to look; the defaults are the contract's, tests override them.
struct ConfigLocations {
  std::optional<std::string> explicitFile;  ///< --ksm-config
  bool useEnvironment = true;               ///< consult KSM_CONFIG, then GATEWAY_CONFIG
  std::string defaultFile = kGatewayConfigPath;
};

/// Load the first configuration found. Throws KsmError(Config) naming every place it looked when none is found.
Config loadConfig(const ConfigLocations& where);

/// Serialise for writing to a file (indent 4, keys as the SDKs name them). The result holds key material.
Secret configToJson(const Config& config);

/// Keeper's host for a region code (US, EU, AU, GOV, JP, CA, IL5; case-insensitive), nullopt for anything else.
std::optional<std::string> regionHost(std::string_view region);
/// Normalise a configured hostname: a region code maps to its host, an https:// prefix and trailing '/' are
/// dropped, anything else is used verbatim (it may carry a port).
std::string resolveHostname(std::string_view hostname);

/// Read a whole file. Throws KsmError(Config) naming the path when it cannot.
std::string readFile(const std::string& path);

}  // namespace keeper_rotate::ksm
