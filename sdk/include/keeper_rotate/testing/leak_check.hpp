// keeper_rotate::testing — the secret-leak assertion: no value the host knows to be secret (registered secrets,
// secret results, secret credential parts, secret record fields, the test's extraSecrets) appears in anything a
// plugin or the run produced that is not itself secret: log lines, error texts, non-secret results, key ids, and
// any further text the test adds. Each secret is also searched in base64 (standard and url-safe alphabet, with and
// without padding), the form in which secrets most often slip into headers, tokens and dumps.
//
// Problems name where a secret was found and which one by its description, never by its value.
#pragma once

#include <keeper_rotate/testing/in_memory_host.hpp>
#include <keeper_rotate/text.hpp>

#include <string>
#include <utility>
#include <vector>

namespace keeper_rotate::testing {

struct LeakOptions {
  /// Secrets shorter than this are skipped: a two-character value is found in any text by chance.
  std::size_t minimumLength = 6;
  /// Further captured output to scan, as (name, text): a summary line, a child's stderr, a file written.
  std::vector<std::pair<std::string, std::string>> extraOutput;
};

/// Every place a secret appears in the host's captured output, as one sentence each; empty when none does.
inline std::vector<std::string> findLeaks(const InMemoryHost& host, const LeakOptions& options = {}) {
  std::vector<std::pair<std::string, std::string>> outputs;
  for (std::size_t i = 0; i < host.logs.size(); ++i)
    outputs.emplace_back("log line #" + std::to_string(i + 1) + " (" + levelName(host.logs[i].level) + ", " +
                             host.logs[i].origin + ")",
                         host.logs[i].text);
  for (std::size_t i = 0; i < host.errors.size(); ++i) {
    outputs.emplace_back("error #" + std::to_string(i + 1) + " code", host.errors[i].code);
    outputs.emplace_back("error #" + std::to_string(i + 1) + " message (" + host.errors[i].origin + ")",
                         host.errors[i].message);
  }
  for (const auto& [label, r] : host.results)
    if (!r.secret && !host.isSecretLabel(label)) outputs.emplace_back("non-secret result '" + label + "'", r.value);
  for (const auto& k : host.keyEvents) outputs.emplace_back(std::string(keyEventName(k.event)) + " key id", k.id);
  for (const auto& e : options.extraOutput) outputs.push_back(e);

  std::vector<std::string> problems;
  for (const KnownSecret& s : host.secretValues()) {
    if (s.value.size() < options.minimumLength) continue;
    const std::pair<const char*, std::string> forms[] = {
        {"", s.value},
        {" as base64", text::encodeBase64(s.value, false, true)},
        {" as unpadded base64", text::encodeBase64(s.value, false, false)},
        {" as url-safe base64", text::encodeBase64(s.value, true, true)},
        {" as unpadded url-safe base64", text::encodeBase64(s.value, true, false)},
    };
    for (const auto& [place, text] : outputs) {
      for (const auto& [how, form] : forms) {
        if (!form.empty() && text.find(form) != std::string::npos) {
          problems.push_back(s.what + " (" + std::to_string(s.value.size()) + " bytes) appears in " + place + how);
          break;  // one finding per secret and place: the padded and unpadded forms overlap
        }
      }
    }
  }
  return problems;
}

}  // namespace keeper_rotate::testing
