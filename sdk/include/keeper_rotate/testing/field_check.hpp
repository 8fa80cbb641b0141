// keeper_rotate::testing — field validation as the host does it before any plugin operation runs: every INPUT
// field of a plugin's kFields that lives on the PAM User (KR_FIELD_OTHER_RECORD is skipped) is checked; a required
// one must be present and non-empty; a present value must pass keeper_rotate::field_rules::checkFieldValue. Values
// are checked as typed, like the host: a stray space is reported rather than silently accepted (the typed
// accessors of keeper_rotate::Context trim, so a plugin never sees one). Defaults are trusted metadata and are not
// checked here; the conformance check checks them once.
#pragma once

#include <keeper_rotate/abi.h>
#include <keeper_rotate/field_rules.hpp>
#include <keeper_rotate/testing/builders.hpp>

#include <string>
#include <vector>

namespace keeper_rotate::testing {

/// One field the host would refuse, with the host's code ("field.missing", "field.invalid") and message.
struct FieldProblem {
  std::string label;
  std::string code;
  std::string message;
};

/// Every problem of `pamUser` against `fields` of the plugin `origin` ("provider/example"), in table order. The
/// host stops at the first; the runner does too, but a test may want to see them all.
inline std::vector<FieldProblem> checkFields(const std::vector<kr_field_spec>& fields, const Record& pamUser,
                                             const std::string& origin) {
  std::vector<FieldProblem> problems;
  for (const kr_field_spec& spec : fields) {
    if ((spec.flags & KR_FIELD_INPUT) == 0 || (spec.flags & KR_FIELD_OTHER_RECORD) != 0 || spec.label == nullptr)
      continue;
    const std::string where = "PAM User record " + pamUser.describe() + ": custom field '" + spec.label + "'";
    const std::string* value = pamUser.find(spec.label);
    if (value == nullptr || value->empty()) {
      if (spec.flags & KR_FIELD_REQUIRED)
        problems.push_back({spec.label, "field.missing",
                            where + " is required by " + origin +
                                " but is missing or empty. Add it (labels are case-sensitive)" +
                                (spec.description && *spec.description ? std::string(": ") + spec.description
                                                                       : std::string())});
      continue;
    }
    if (auto problem = field_rules::checkFieldValue(spec, *value))
      problems.push_back({spec.label, "field.invalid", where + " " + *problem + " (read by " + origin + ")"});
  }
  return problems;
}

}  // namespace keeper_rotate::testing
