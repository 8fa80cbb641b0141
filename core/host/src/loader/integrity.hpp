// Plugin integrity: who may change a plugin file (ownership and permissions of the file and of every directory on
// the way to it) and what its bytes hash to. docs/contract.md, "Install layout"; sdk/docs/security.md, "Plugin
// integrity".
#pragma once

#include "loader/plugin.hpp"

#include <filesystem>
#include <string>

namespace keeper_rotate::host {

/// A plugin or lock file that someone other than root or the running user could change, or whose hash the lock
/// does not allow. A LoadError, so it ends a run with exit 3 like any plugin that cannot be loaded.
class IntegrityError : public LoadError {
 public:
  using LoadError::LoadError;
};

/// Checks `path` for loading as code (or as the lock that pins it) and returns its real path (every symlink
/// resolved), which is what must then be opened. Refused (IntegrityError, the message starting with `prefix`):
///  - a path that does not resolve (also "cannot access the file"), a symlink loop, a final entry that is not a
///    regular file;
///  - the file, or any directory entered while resolving it (every directory from `/` down, also those a symlink
///    leads through), owned by anyone but root or the effective uid;
///  - the file, or the directory that holds it, group- or world-writable;
///  - any other of those directories group- or world-writable, unless it is root-owned with the sticky bit
///    (`/tmp`, mode 1777: others cannot rename or remove what they do not own).
/// Each message names the path, what is wrong (mode or owner) and the chmod/chown that fixes it.
std::filesystem::path checkTrustedFile(const std::filesystem::path& path, const std::string& prefix);

/// The same rules for a directory (the one that is to hold a new lock file), strict as for a file's own directory.
std::filesystem::path checkTrustedDirectory(const std::filesystem::path& path, const std::string& prefix);

/// Lower-case hex SHA-256 (OpenSSL EVP) of the file at `realPath` (from checkTrustedFile). The opened file's owner
/// and mode are checked once more on the descriptor, so the bytes hashed are those of a file that passed the rules.
/// IntegrityError on any error.
std::string sha256File(const std::filesystem::path& realPath, const std::string& prefix);

}  // namespace keeper_rotate::host
