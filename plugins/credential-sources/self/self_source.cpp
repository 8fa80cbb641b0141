// Credential source `self`: the admin credential is the PAM User's own, read under the labels the provider
// declares for attached records (sdk/docs/credentials.md), but on the PAM User record itself. It is for a
// credential that is allowed to rotate itself (the held key authorises replacing the held key), so the admin
// names it in credential_source; the host never puts it in the default chain (core/host/src/selection/
// host_fields.hpp).
//
// The rules follow attached-record's: the credential is "there" when the PAM User has a value under the label of
// a required non-secret part (an id); a secret label alone does not count, since every PAM User a provider rotates
// carries its own secret. Once there, a missing required label is a configuration error naming the record and the
// labels; optional parts are read when present.
#include "credential_text.hpp"

#include <keeper_rotate/sdk.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using keeper_rotate::Context;
namespace s = keeper_rotate::sources;

/// A PAM User field, trimmed; nullopt when absent or blank.
std::optional<std::string_view> ownValue(const Context& ctx, const std::string& label) {
  auto v = ctx.field(label.c_str());
  if (!v) return std::nullopt;
  auto t = s::trim(*v);
  if (t.empty()) return std::nullopt;
  return t;
}

/// "PAM User record 'Title' (uid ABC)", from the records array when the PAM User is there.
std::string describePamUser(const Context& ctx) {
  auto userUid = ctx.input("userRecordUid");
  const std::string_view uid = userUid ? s::trim(*userUid) : std::string_view();
  for (std::size_t i = 0; !uid.empty() && i < ctx.recordCount(); ++i) {
    auto r = ctx.record(i, "uid");
    if (r && s::trim(*r) == uid) return "PAM User record " + s::describeRecord(ctx, i);
  }
  return "PAM User record (uid " + std::string(uid.empty() ? std::string_view("?") : uid) + ")";
}

/// The labels whose value makes the credential "there": the required non-secret ones, else every required one,
/// else (a declaration of optional parts only) all of them.
std::vector<std::string> identifyingLabels(const s::Wanted& wanted) {
  std::vector<std::string> out;
  for (const auto& p : wanted.parts)
    if (!p.secret && !p.optional) out.push_back(p.from);
  if (out.empty()) out = wanted.requiredFrom();
  if (out.empty())
    for (const auto& p : wanted.parts) out.push_back(p.from);
  return out;
}

class SelfSource final : public keeper_rotate::CredentialSource {
 public:
  static constexpr const char* kName = "self";
  static constexpr const char* kVersion = "0.2.0";
  static constexpr const char* kDescription =
      "Admin credential from the PAM User record itself, under the attached-record labels the provider declares "
      "(plugins describe <provider> lists them): a credential that rotates itself; only when named in "
      "credential_source";

  bool resolve(Context& ctx) override {
    const auto wanted = s::wantedParts(ctx, s::Location::AttachedRecord, "record labels, so not from the PAM User");
    if (!wanted) return false;
    const std::vector<std::string> identifying = identifyingLabels(*wanted);
    const std::string user = describePamUser(ctx);

    bool there = false;
    for (const auto& label : identifying) there = there || ownValue(ctx, label).has_value();
    if (!there) {
      ctx.setError("credential.unavailable", "the PAM User's own " + s::joinList(identifying, true, "or") +
                                                 " has no value on " + user);
      return false;
    }
    std::vector<std::string> missing;
    for (const auto& label : wanted->requiredFrom())
      if (!ownValue(ctx, label)) missing.push_back(label);
    if (!missing.empty())
      throw keeper_rotate::configError(
          "credential.incomplete", user + " has no value in " + s::joinQuoted(missing) +
                                       ": credential source 'self' reads the " + wanted->subject +
                                       " credential from the PAM User's own " +
                                       s::joinQuoted(wanted->requiredFrom()) + "; fill in " +
                                       (missing.size() == 1 ? "that field" : "those fields") +
                                       " or choose another credential_source");
    std::vector<std::string> used;
    for (const auto& part : wanted->parts)
      if (auto v = ownValue(ctx, part.from)) {
        ctx.putCredential(part.partName.c_str(), *v, part.secret);
        used.push_back(part.from);
      }
    ctx.info("admin credential from the PAM User's own " + s::joinList(used, false) + " (" + user + ")");
    return true;
  }
};

}  // namespace

KEEPER_ROTATE_REGISTER_CREDENTIAL_SOURCE(SelfSource)
