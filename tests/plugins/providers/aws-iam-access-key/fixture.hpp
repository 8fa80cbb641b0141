// A fake AWS account (an admin user with an access key, a target IAM user with its keys) on a running fake-aws,
// and the pieces every aws-iam-access-key test uses: the built plugin file loaded as the host loads it, a Gateway
// input pointing the plugin at the fake, the kit's in-memory host with the admin credential, and checks against
// the fake's state (which keys exist, does a key work).
#pragma once

#include "fake_aws.hpp"

#include <keeper_rotate/testing/kit.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace aws_test {

namespace kt = keeper_rotate::testing;
using keeper_rotate::fake_aws::AccessKey;

/// The plugin file, loaded once per process through the kit's loader (the host's checks and flags).
const kt::Plugin& plugin();

struct FixtureOptions {
  std::vector<std::string> targetKeyStatuses{"Active"};  ///< the target user's keys; the first is the held key
  std::vector<std::string> adminPermissions{"*"};
  std::vector<std::string> targetSelfPermissions;  ///< the target user's own permissions (self-rotation)
  std::vector<keeper_rotate::fake_aws::Role> roles;

  /// The target user's key statuses, e.g. keys({"Active", "Inactive"}); keys({}) for a user without keys.
  static FixtureOptions keys(std::vector<std::string> statuses) {
    FixtureOptions o;
    o.targetKeyStatuses = std::move(statuses);
    return o;
  }
  FixtureOptions& admin(std::vector<std::string> permissions) {
    adminPermissions = std::move(permissions);
    return *this;
  }
  FixtureOptions& self(std::vector<std::string> permissions) {
    targetSelfPermissions = std::move(permissions);
    return *this;
  }
  FixtureOptions& role(keeper_rotate::fake_aws::Role r) {
    roles.push_back(std::move(r));
    return *this;
  }
};

struct Fixture {
  explicit Fixture(FixtureOptions options = {});

  keeper_rotate::testsupport::TempDir dir{"kr-aws-test"};
  keeper_rotate::testsupport::TestCa ca;
  std::unique_ptr<keeper_rotate::fake_aws::FakeAws> fake;

  std::string account = "123456789012";
  std::string adminUser = "keeper-admin";
  std::string targetUser = "app-deployer";
  AccessKey adminKey;
  std::vector<AccessKey> targetKeys;  ///< as seeded

  /// The held key (the first seeded target key), or an empty key when none was seeded.
  const AccessKey& held() const { return targetKeys.front(); }

  /// The plugin reads transport and timing from the environment: trust the test CA, no proxy, short pauses.
  void useEnvironment() const;

  /// A Gateway input whose PAM User is the target user, pointed at the fake; `fields` add or override fields
  /// (an empty value removes the field).
  kt::GatewayInput input(const std::map<std::string, std::string>& fields = {}) const;
  /// The in-memory host prepared for a run: input, the admin key as credential, the fake's secrets known to the
  /// leak check.
  void prepare(kt::InMemoryHost& host, const std::map<std::string, std::string>& fields = {}) const;

  std::vector<std::string> targetKeyIds() const;
  std::string statusOf(const std::string& keyId) const;  ///< "Active", "Inactive", or "" when gone
  /// Does STS GetCallerIdentity signed with this key succeed now (and name `userName`)?
  bool keyWorks(const std::string& keyId, const std::string& secret, const std::string& userName) const;
};

/// A run through the kit's host order with the in-memory writer (durable unless `durable` is false).
struct Run {
  kt::InMemoryHost host;
  kt::InMemoryWriter writer;
  kt::RunOutcome out;
  explicit Run(bool durable = true) : writer(durable) {}
  std::string stored(const std::string& label) const;
};
std::unique_ptr<Run> rotate(const Fixture& f, const std::map<std::string, std::string>& fields = {},
                            bool durable = true, bool dryRun = false);

bool contains(const std::vector<std::string>& v, const std::string& x);

}  // namespace aws_test
