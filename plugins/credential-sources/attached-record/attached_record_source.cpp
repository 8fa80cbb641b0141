// Credential source `attached-record`: the admin app credential from a record the admin attached to the PAM script
// (Keeper's "Rotation Credential"), which the Gateway passes in the `records` array.
//
// Which records count (the rule is documented in README.md and `plugins describe attached-record`):
//   * the PAM User being rotated (uid == input userRecordUid) never counts, even though it may carry the same
//     labels when an app rotates itself;
//   * a record is a candidate when it has `application_client_id` or `tenant_id`. `client_secret` alone does not
//     make a candidate: every PAM User rotated by this tool carries a `client_secret`, so another such record in the
//     array is not an admin record;
//   * a candidate lacking any of the three labels is a configuration error (naming the record and the labels), not
//     a silent skip: the admin clearly meant it as the admin record;
//   * more than one complete candidate is a configuration error naming them all: picking one by array order would
//     make the credential in use depend on attachment order, which nobody can see in the vault;
//   * no candidate: the source is unavailable and the host tries the next one.
#include "credential_text.hpp"

#include <keeper_rotate/sdk.hpp>

#include <string>
#include <vector>

namespace {

using keeper_rotate::Context;
using keeper_rotate::Field;
using keeper_rotate::sources::CredentialPart;

constexpr CredentialPart kParts[] = {
    {"application_client_id", "client_id", false},
    {"client_secret", "client_secret", true},
    {"tenant_id", "tenant_id", false},
};

class AttachedRecordSource final : public keeper_rotate::CredentialSource {
 public:
  static constexpr const char* kName = "attached-record";
  static constexpr const char* kVersion = "0.1.0";
  static constexpr const char* kDescription =
      "Admin app credential from a record attached to the PAM script (application_client_id, client_secret, "
      "tenant_id); exactly one such record may be attached";
  static constexpr kr_field_spec kFields[] = {
      Field::input("application_client_id").required().onOtherRecord().describe(
          "On the attached admin record: the admin app's application (client) id"),
      Field::input("client_secret").required().secret().onOtherRecord().describe(
          "On the attached admin record: a client secret of the admin app"),
      Field::input("tenant_id").required().onOtherRecord().describe(
          "On the attached admin record: the Entra ID tenant (directory) id"),
  };

  bool resolve(Context& ctx) override {
    namespace s = keeper_rotate::sources;
    auto userUid = ctx.input("userRecordUid");
    if (!userUid || s::trimmed(*userUid).empty())
      throw keeper_rotate::configError("input.userRecordUid",
                                       "the Gateway input has no userRecordUid, so the PAM User "
                                       "record cannot be told apart from an attached admin record");
    const std::string_view self = s::trimmed(*userUid);

    std::vector<std::size_t> complete;
    for (std::size_t i = 0; i < ctx.recordCount(); ++i) {
      auto uid = ctx.record(i, "uid");
      if (uid && s::trimmed(*uid) == self) continue;
      if (!s::recordValue(ctx, i, "application_client_id") && !s::recordValue(ctx, i, "tenant_id")) continue;
      std::vector<std::string> missing;
      for (const auto& part : kParts)
        if (!s::recordValue(ctx, i, part.from)) missing.emplace_back(part.from);
      if (!missing.empty())
        throw keeper_rotate::configError(
            "credential.incomplete", "record " + s::describeRecord(ctx, i) +
                                         " looks like an admin app record but has no value in " +
                                         s::joinQuoted(missing) + "; fill in " +
                                         (missing.size() == 1 ? "that field" : "those fields") +
                                         " or detach the record from the PAM script");
      complete.push_back(i);
    }
    if (complete.empty()) {
      ctx.setError("credential.unavailable",
                   "no record attached to the PAM script has application_client_id or tenant_id");
      return false;
    }
    if (complete.size() > 1) {
      std::vector<std::string> names;
      for (auto i : complete) names.push_back(s::describeRecord(ctx, i));
      std::string list;
      for (std::size_t k = 0; k < names.size(); ++k) list += (k ? ", " : "") + names[k];
      throw keeper_rotate::configError("credential.ambiguous",
                                       std::to_string(complete.size()) +
                                           " attached records carry an admin app credential (" + list +
                                           "); attach exactly one to the PAM script");
    }
    const std::size_t i = complete.front();
    for (const auto& part : kParts) ctx.putCredential(part.partName, *s::recordValue(ctx, i, part.from), part.secret);
    ctx.info("admin credential from record " + s::describeRecord(ctx, i));
    return true;
  }
};

}  // namespace

KEEPER_ROTATE_REGISTER_CREDENTIAL_SOURCE(AttachedRecordSource)
