// The SDK test kit's conformance check on the built aws-iam-access-key plugin file, with fake-aws as the backend:
// metadata, field validation, no mutation in validate or a dry run, rollback exactly once when the writer fails,
// and no secret in any output.
#include "fixture.hpp"

#include <doctest/doctest.h>

using namespace aws_test;

TEST_CASE("aws plugin file passes the SDK kit's conformance check against fake-aws") {
  Fixture f;
  kt::ConformanceOptions o;
  o.input = f.input();
  o.credentials = {{"access_key_id", f.adminKey.accessKeyId}, {"secret_access_key", f.adminKey.secretAccessKey}};
  o.prepare = [&f](kt::InMemoryHost& host) {
    host.extraSecrets.push_back({"admin secret access key", f.adminKey.secretAccessKey});
    host.extraSecrets.push_back({"held key secret", f.held().secretAccessKey});
  };
  // Each run starts from the held key alone (the rotation deletes it, the failing writers must leave it).
  o.resetBackend = [&f] {
    for (const auto& id : f.targetKeyIds())
      if (id != f.held().accessKeyId) f.fake->deleteKey(f.targetUser, id);
  };
  o.backendMutations = [&f] {
    std::vector<std::string> m;
    for (const auto& q : f.fake->requests())
      if (q.status == 200 && (q.action == "CreateAccessKey" || q.action == "DeleteAccessKey" ||
                              q.action == "UpdateAccessKey"))
        m.push_back(q.action + " " + q.userName);
    return m;
  };
  o.keyExists = [&f](const std::string& id) { return contains(f.targetKeyIds(), id); };
  const kt::Report report = kt::checkConformance(plugin(), o);
  INFO(report.text());
  CHECK(report.ok());
}
