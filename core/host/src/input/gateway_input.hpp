// Gateway input: the object the Keeper Gateway pipes to a PAM script (one line of base64 JSON on stdin), or the
// same object from --input FILE (plain JSON or base64). Decoding is defensive: a size cap, strict base64, type
// checks with messages naming the offending key, unknown keys ignored, both value shapes in `records`.
#pragma once

#include "records/record.hpp"

#include <keeper_rotate/secret.hpp>

#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>

namespace keeper_rotate::host {

/// Larger input is refused before parsing: a real Gateway payload is a few KiB.
constexpr std::size_t kMaxInputBytes = 1024 * 1024;

/// Bad input: exit code 2, nothing contacted. The message names what is wrong, never a value.
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct GatewayInput {
  std::string providerRecordUid;
  std::string resourceRecordUid;
  std::string userRecordUid;
  std::string user;
  Secret newPassword;
  Secret oldPassword;
  RecordSet records;
  /// The vault's copy of the PAM User, read through KSM when `records` lack it (input/pam_user.hpp).
  std::optional<Record> pamUserFromKsm;
  /// The PAM User record (uid == userRecordUid): points into `records`, or at `pamUserFromKsm`; null after
  /// decoding when `records` lack it.
  const Record* pamUser = nullptr;

  GatewayInput() = default;
  GatewayInput(const GatewayInput&) = delete;
  GatewayInput& operator=(const GatewayInput&) = delete;
};

/// Read all of stdin (at most kMaxInputBytes; more is an InputError). Refuses a terminal.
std::string readStdinBounded(std::size_t cap = kMaxInputBytes);
/// Read a file (at most `cap` bytes).
std::string readFileBounded(const std::string& path, std::size_t cap = kMaxInputBytes);

/// Decode `raw` (JSON object or base64 of it) into `out`. `raw` is wiped before returning, also on error.
/// `out.pamUser` stays null when `records` do not hold the PAM User (it is then read through KSM).
void decodeGatewayInput(std::string& raw, GatewayInput& out);

}  // namespace keeper_rotate::host
