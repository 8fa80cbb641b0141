// The fault matrix (docs/fault-matrix.md): every remote step of every provider × a transient fault, a persistent
// fault, SIGTERM during the step and SIGKILL during the step followed by a second run, through the real
// keeper-rotate binary against fake-entra / fake-aws and fake-ksm (the default `ksm` writer storing into it).
//
// A provider is described by an Adapter (azure_adapter.cpp, aws_adapter.cpp): the arrangement, which fake request
// is each step, how to fail it once (a fault the contract says is retried), every time, or hold it in flight for a
// signal, and what the fakes' final state says (new credentials at the cloud, old ones left, the credential Keeper's
// record holds and whether it works). The expected outcome of every case comes from docs/contract.md ("The
// rotation, in order", "Stopped runs and time budgets", "Output and exit codes"), never from what the product does:
// expectedFor() in runner.cpp.
#pragma once

#include "host_process.hpp"

#include <fake_ksm.hpp>
#include <test_ca.hpp>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace matrix {

enum class Step { Token, Resolve, List, Create, Prove, KsmRead, KsmUpdate, ReadBack, Remove };
enum class Kind { Transient, Persistent, Sigterm, Sigkill };

const char* name(Step s);
const char* name(Kind k);
/// The pipeline stage a step belongs to, as the summary's error.stage names it.
const char* stageOf(Step s);

/// How long a held request waits at the fake before it is processed (a signal arrives meanwhile).
constexpr int kHoldMs = 1500;

/// The common part: fake-ksm holding the PAM User record, the KSM device configuration, a private state directory,
/// and the KSM steps (read in the writer's validate, the update in store, the read-back in verify).
class Adapter {
 public:
  explicit Adapter(const std::string& tempName);
  virtual ~Adapter();

  virtual std::string provider() const = 0;
  /// Why `step` is not a remote step of this provider; nullopt when it is.
  virtual std::optional<std::string> notApplicable(Step) const { return std::nullopt; }
  /// Seed the fakes for a case of `step` (called once, before the first run).
  virtual void arrange(Step step) = 0;
  /// Fail `step` once with a fault the contract says is retried (Transient), on every attempt (Persistent), or hold
  /// its request in flight (Sigterm, Sigkill).
  void inject(Step step, Kind kind);
  /// The injected fault has been hit: the held request is in flight now (signal it), or the failing request was
  /// made (a transient or persistent fault that no request met would prove nothing).
  bool held() const;
  /// After a kill: the fake has answered the held request (its effect, if any, is in the fakes' state).
  bool heldAnswered() const;
  /// Remove every fault and make new credentials work at once (before a second run).
  void clearFaults();

  /// The Gateway's input line, built from the vault record as it is now (what the Gateway would send).
  virtual std::string gatewayLine() const = 0;
  virtual std::vector<std::string> argv() const = 0;
  /// The child's exact environment.
  virtual std::map<std::string, std::string> environment() const = 0;
  /// Called while a run goes on (about every 50 ms) and after it: remember every credential the cloud shows.
  virtual void poll() = 0;

  // Final state.
  virtual std::vector<std::string> cloudKeyIds() const = 0;
  /// The arrangement's credentials (the held one first).
  virtual std::vector<std::string> oldKeyIds() const = 0;
  virtual std::string vaultKeyIdLabel() const = 0;
  virtual std::string vaultSecretLabel() const = 0;
  /// Does this credential authenticate at the fake now?
  virtual bool works(const std::string& keyId, const std::string& secret) const = 0;
  /// Every secret value the case knows of (admin, old and every new one seen), for the leak scan.
  virtual std::vector<std::string> secrets() const = 0;

  std::string vaultField(const std::string& label) const;
  std::size_t journalEntries() const;
  krtest::Child run(const krtest::Watch& watch = {});

  keeper_rotate::testsupport::TempDir dir;
  keeper_rotate::testsupport::TestCa ca;
  std::unique_ptr<keeper_rotate::fakeksm::FakeKsm> ksm;
  std::string configFile, stateDir;
  std::string userUid = "MatrixPamUser000000001";
  /// Record fields of the case that differ from the arrangement's (e.g. a short verify_timeout_seconds).
  std::map<std::string, std::string> fieldOverrides;

 protected:
  /// The provider's part of inject()/held()/heldAnswered()/clearFaults() for its own remote steps.
  virtual void injectRemote(Step step, Kind kind) = 0;
  virtual bool remoteHeld(Step step) const = 0;
  virtual bool remoteHeldAnswered(Step step) const = 0;
  virtual void clearRemoteFaults() = 0;
  /// Seed fake-ksm's PAM User record (after the provider's fakes are seeded).
  void putVaultRecord(const std::string& json);

 private:
  std::optional<Step> heldStep_;
};

std::unique_ptr<Adapter> makeAzure();
std::unique_ptr<Adapter> makeAws();

/// Run one case, record its result line (KR_FAULT_MATRIX_RESULTS) and CHECK expected == observed.
void runCase(const std::string& provider, Step step, Kind kind);

}  // namespace matrix
