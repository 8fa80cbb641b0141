// A loaded plugin shared object: its library handle, ABI tag and static descriptor (metadata only).
#pragma once

#include <keeper_rotate/abi.h>

#include <boost/dll/shared_library.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace keeper_rotate::host {

struct PluginLock;

/// A plugin that cannot be found or loaded: configuration error, exit code 3.
class LoadError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// "provider", "source" or "writer": the prefix of the plugin's file name.
const char* kindPrefix(kr_kind kind);
/// "provider", "credential source", "record writer": for messages.
const char* kindLabel(kr_kind kind);
std::optional<kr_kind> kindFromPrefix(const std::string& prefix);

/// Plugin names are what admins type; restricting them keeps a record field from naming a path.
bool isValidPluginName(const std::string& name);

struct LoadedPlugin {
  std::filesystem::path path;
  kr_kind kind{};
  std::string name;
  kr_abi_tag tag{};
  const kr_plugin_descriptor* descriptor = nullptr;
  /// The descriptor's field table, copied with the plugin's own struct_size as stride: a plugin built against an
  /// older minor has smaller kr_field_spec entries, so indexing its array with this host's sizeof would misread it.
  /// Members the plugin's layout lacks are zero. Strings still point into the (loaded) library.
  std::vector<kr_field_spec> fields;
  /// A provider's admin credential declaration (ABI 1.2 kr_provider_ops::credential), copied into this host's
  /// layout the same way; `credential.parts` points at `credentialParts`. Absent for other kinds, for providers
  /// built before 1.2 and for providers that declare none.
  std::optional<kr_credential_spec> credential;
  std::vector<kr_credential_part> credentialParts;
  /// The names of the credential parts the provider cannot do without: the declaration's non-optional parts, else
  /// the 1.0 required_credentials list.
  std::vector<std::string> requiredCredentials;
  /// Kept loaded for the life of the process (the registry owns this object); never unloaded while an
  /// instance created from it exists.
  std::unique_ptr<boost::dll::shared_library> library;

  /// "provider/fake": how log lines name the plugin.
  std::string origin() const { return std::string(kindPrefix(kind)) + "/" + name; }

  LoadedPlugin() = default;
  LoadedPlugin(const LoadedPlugin&) = delete;  // `credential` points into this object's credentialParts
  LoadedPlugin& operator=(const LoadedPlugin&) = delete;
};

/// Load `path`, check it as the plugin `kind`/`name` (as its file name says), in the order the ABI promises:
/// integrity first (loader/integrity.hpp: ownership and permissions of the file and of every directory on the way
/// to it; with `lock`, its sha256 against the pin of its file name), then the tag (no plugin code runs), then the
/// entry function, then descriptor consistency. The real path that was checked is the one opened.
std::unique_ptr<LoadedPlugin> loadPluginFile(const std::filesystem::path& path, kr_kind kind,
                                             const std::string& name, const PluginLock* lock = nullptr);

}  // namespace keeper_rotate::host
