// What the first-party credential sources share (header-only, SDK-only dependencies): the provider's admin
// credential declaration seen from one source's point of view, and the wording of their messages.
//
// No source knows any provider's names. Each reads the parts the selected provider declares (Context::
// credentialSpec(), ABI 1.2) at the location the declaration gives for that source: a label on an attached record,
// a field of the PAM Configuration, an environment variable (sdk/docs/credentials.md).
//
// Values typed into Keeper by hand often carry a stray space or newline; ids and secrets never contain surrounding
// white space, so sources trim it and treat a value that is blank after trimming as absent. pam-config also reads
// Keeper's USE_INSTANCE_ROLE marker (below) as blank.
#pragma once

#include <keeper_rotate/field_rules.hpp>
#include <keeper_rotate/sdk.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace keeper_rotate::sources {

using field_rules::trim;

/// Which location of a credential part a source reads.
enum class Location { AttachedRecord, PamConfiguration, Environment };

/// One declared part as a source sees it: where this source reads it, and what the provider reads it as.
struct WantedPart {
  std::string from;      ///< record label, PAM Configuration field or environment variable
  std::string partName;  ///< the name the provider reads with credential_get
  bool secret = false;
  bool optional = false;
};

/// The provider's declaration as one source needs it.
struct Wanted {
  std::vector<WantedPart> parts;  ///< only parts this source has a location for, in declaration order
  std::vector<std::string> unreachable;  ///< required parts this source has no location for
  std::string subject;        ///< "admin app"
  std::string configuration;  ///< "Azure"

  /// Locations of the required parts this source reads (what must all be present).
  std::vector<std::string> requiredFrom() const {
    std::vector<std::string> out;
    for (const auto& p : parts)
      if (!p.optional) out.push_back(p.from);
    return out;
  }
};

inline const char* locationOf(const kr_credential_part& part, Location where) {
  switch (where) {
    case Location::AttachedRecord: return part.record_label;
    case Location::PamConfiguration: return part.config_field;
    case Location::Environment: return part.env_var;
  }
  return nullptr;
}

/// The parts this source can read for the selected provider. nullopt (with the reason set as the operation's
/// error) when the provider declares no admin credential locations, or none for this source: the source has
/// nothing to offer and the host tries the next one.
inline std::optional<Wanted> wantedParts(const Context& ctx, Location where, const char* locationName) {
  const auto spec = ctx.credentialSpec();
  if (!spec) {
    ctx.setError("credential.unavailable",
                 "the provider declares no admin credential locations (ABI 1.2 kCredentialParts), so this source "
                 "does not know what to read");
    return std::nullopt;
  }
  Wanted w;
  w.subject = spec->subject().empty() ? std::string("admin") : std::string(spec->subject());
  w.configuration = std::string(spec->configuration());
  for (std::size_t i = 0; i < spec->size(); ++i) {
    const kr_credential_part& part = (*spec)[i];
    const char* from = locationOf(part, where);
    if (from == nullptr || *from == '\0') {
      if (!CredentialSpec::isOptional(part)) w.unreachable.emplace_back(part.name);
      continue;
    }
    w.parts.push_back({from, part.name, CredentialSpec::isSecret(part), CredentialSpec::isOptional(part)});
  }
  if (w.parts.empty()) {
    ctx.setError("credential.unavailable",
                 std::string("the provider's admin credential is not read from ") + locationName);
    return std::nullopt;
  }
  return w;
}

/// A value of record `index` under `key`, trimmed; nullopt when absent or blank.
inline std::optional<std::string_view> recordValue(const Context& ctx, std::size_t index, const std::string& key) {
  auto v = ctx.record(index, key.c_str());
  if (!v) return std::nullopt;
  auto t = trim(*v);
  if (t.empty()) return std::nullopt;
  return t;
}

/// "'Title' (uid ABC)" — how admins recognise a record in the vault. Never includes field values.
inline std::string describeRecord(const Context& ctx, std::size_t index) {
  auto title = ctx.record(index, "title");
  auto uid = ctx.record(index, "uid");
  std::string out = "'" + std::string(title ? *title : std::string_view("(untitled)")) + "'";
  out += " (uid " + std::string(uid ? *uid : std::string_view("?")) + ")";
  return out;
}

/// "a, b and c" (or with `quote`, "'a', 'b' and 'c'"; with `last` = "or", "a, b or c") for messages.
inline std::string joinList(const std::vector<std::string>& items, bool quote = true, const char* last = "and") {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += (i + 1 == items.size()) ? std::string(" ") + last + " " : std::string(", ");
    out += quote ? "'" + items[i] + "'" : items[i];
  }
  return out;
}
inline std::string joinQuoted(const std::vector<std::string>& items) { return joinList(items); }

/// "an admin app" / "a service account": the indefinite article English wants before `noun`.
inline std::string withArticle(const std::string& noun) {
  const bool vowel = !noun.empty() && std::string("aeiouAEIOU").find(noun[0]) != std::string::npos;
  return (vowel ? "an " : "a ") + noun;
}

/// "the Azure PAM Configuration" or "the PAM Configuration".
inline std::string pamConfigurationName(const Wanted& w) {
  return w.configuration.empty() ? std::string("the PAM Configuration") : "the " + w.configuration + " PAM Configuration";
}

/// The value Keeper's AWS PAM Configuration takes in its key fields to mean "no stored key: use the role of the
/// EC2 instance the Gateway runs on". pam-config reads it as a blank field; the instance-role source supplies that
/// credential (sdk/docs/credentials.md).
inline constexpr std::string_view kUseInstanceRole = "USE_INSTANCE_ROLE";

/// Whether a (trimmed) PAM Configuration value is the kUseInstanceRole marker, matched exactly.
inline bool isUseInstanceRole(std::string_view value) { return value == kUseInstanceRole; }

/// "the AWS PAM Configuration says USE_INSTANCE_ROLE (record ...)": why pam-config has nothing although the
/// configuration is of the provider's kind; `record` describes the configuration record.
inline std::string useInstanceRoleMessage(const Wanted& w, const std::string& record) {
  return pamConfigurationName(w) + " says " + std::string(kUseInstanceRole) + " (PAM Configuration " + record +
         "): it holds no key, the EC2 instance's role is meant (credential source instance-role)";
}

}  // namespace keeper_rotate::sources
