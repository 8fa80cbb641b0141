// Credential source `attached-record`: the admin credential from a record the admin attached to the PAM script
// (Keeper's "Rotation Credential"), which the Gateway passes in the `records` array. What it reads is the selected
// provider's declaration: for each credential part, the label on the attached record (sdk/docs/credentials.md).
//
// Which records count (the rule is documented in README.md and sdk/docs/credentials.md):
//   * the PAM User being rotated (uid == input userRecordUid) never counts, even though it may carry the same
//     labels when an app rotates itself;
//   * a record is a candidate when it has a value under the label of a non-secret part (an id such as
//     application_client_id or tenant_id). A secret label alone does not make a candidate: every PAM User a
//     provider rotates carries its own secret label, so another such record in the array is not an admin record;
//   * a candidate lacking any required label is a configuration error (naming the record and the labels), not
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
namespace s = keeper_rotate::sources;

/// The labels whose presence makes a record a candidate: the non-secret ones (ids), else all of them.
std::vector<std::string> identifyingLabels(const s::Wanted& wanted) {
  std::vector<std::string> out;
  for (const auto& p : wanted.parts)
    if (!p.secret) out.push_back(p.from);
  if (out.empty())
    for (const auto& p : wanted.parts) out.push_back(p.from);
  return out;
}

class AttachedRecordSource final : public keeper_rotate::CredentialSource {
 public:
  static constexpr const char* kName = "attached-record";
  static constexpr const char* kVersion = "0.2.0";
  static constexpr const char* kDescription =
      "Admin credential from a record attached to the PAM script, under the labels the provider declares "
      "(plugins describe <provider> lists them); exactly one such record may be attached";

  bool resolve(Context& ctx) override {
    auto userUid = ctx.input("userRecordUid");
    if (!userUid || s::trim(*userUid).empty())
      throw keeper_rotate::configError("input.userRecordUid",
                                       "the Gateway input has no userRecordUid, so the PAM User "
                                       "record cannot be told apart from an attached admin record");
    const auto wanted = s::wantedParts(ctx, s::Location::AttachedRecord, "attached records");
    if (!wanted) return false;
    const std::string_view self = s::trim(*userUid);
    const std::vector<std::string> identifying = identifyingLabels(*wanted);

    std::vector<std::size_t> complete;
    for (std::size_t i = 0; i < ctx.recordCount(); ++i) {
      auto uid = ctx.record(i, "uid");
      if (uid && s::trim(*uid) == self) continue;
      bool candidate = false;
      for (const auto& label : identifying) candidate = candidate || s::recordValue(ctx, i, label).has_value();
      if (!candidate) continue;
      std::vector<std::string> missing;
      for (const auto& label : wanted->requiredFrom())
        if (!s::recordValue(ctx, i, label)) missing.push_back(label);
      if (!missing.empty())
        throw keeper_rotate::configError(
            "credential.incomplete", "record " + s::describeRecord(ctx, i) + " looks like " +
                                         s::withArticle(wanted->subject) + " record but has no value in " +
                                         s::joinQuoted(missing) + "; fill in " +
                                         (missing.size() == 1 ? "that field" : "those fields") +
                                         " or detach the record from the PAM script");
      complete.push_back(i);
    }
    if (complete.empty()) {
      ctx.setError("credential.unavailable",
                   "no record attached to the PAM script has " + s::joinList(identifying, false, "or"));
      return false;
    }
    if (complete.size() > 1) {
      std::vector<std::string> names;
      for (auto i : complete) names.push_back(s::describeRecord(ctx, i));
      std::string list;
      for (std::size_t k = 0; k < names.size(); ++k) list += (k ? ", " : "") + names[k];
      throw keeper_rotate::configError("credential.ambiguous",
                                       std::to_string(complete.size()) + " attached records carry " +
                                           s::withArticle(wanted->subject) + " credential (" + list +
                                           "); attach exactly one to the PAM script");
    }
    const std::size_t i = complete.front();
    for (const auto& part : wanted->parts)
      if (auto v = s::recordValue(ctx, i, part.from)) ctx.putCredential(part.partName.c_str(), *v, part.secret);
    ctx.info("admin credential from record " + s::describeRecord(ctx, i));
    return true;
  }
};

}  // namespace

KEEPER_ROTATE_REGISTER_CREDENTIAL_SOURCE(AttachedRecordSource)
