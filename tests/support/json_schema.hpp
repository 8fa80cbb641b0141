// A checker for the subset of JSON Schema that docs/summary.schema.json uses: type (one name or a list), enum,
// required, properties, additionalProperties (false or a schema) and items (one schema), plus the annotations
// $schema, $id, title and description. Any other keyword makes the schema itself an error, so the schema can never
// rely on a rule that nothing here enforces.
#pragma once

#include <Poco/Dynamic/Var.h>

#include <string>
#include <vector>

namespace krtest {

class SchemaChecker {
 public:
  /// Throws std::invalid_argument naming the path of a keyword outside the subset, or a malformed keyword.
  explicit SchemaChecker(Poco::Dynamic::Var schema);
  static SchemaChecker fromFile(const std::string& path);
  static SchemaChecker fromText(const std::string& json);

  /// Every violation as "<json path>: <what>", empty when `instance` conforms.
  std::vector<std::string> errors(const Poco::Dynamic::Var& instance) const;
  /// The same for JSON text (a parse failure is one error).
  std::vector<std::string> errorsInText(const std::string& json) const;

  const Poco::Dynamic::Var& schema() const { return schema_; }

 private:
  Poco::Dynamic::Var schema_;
};

/// The summary line schema, docs/summary.schema.json (path baked in at build time).
const SchemaChecker& summarySchema();

}  // namespace krtest
