// keeper_rotate::testing — record writers for the runner: a loaded writer plugin, an in-memory durable writer, and
// a writer that fails where the test says (store, verify, or verify and then revert), to drive a provider through
// every rollback path.
#pragma once

#include <keeper_rotate/testing/in_memory_host.hpp>
#include <keeper_rotate/testing/operation.hpp>
#include <keeper_rotate/testing/plugin.hpp>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace keeper_rotate::testing {

/// What the runner needs of a record writer. Each step reads the results from the host, as a writer plugin does.
class Writer {
 public:
  virtual ~Writer() = default;
  /// "writer/in-memory": how messages name it.
  virtual std::string origin() const = 0;
  /// KR_WRITER_DURABLE: without it the run is a rehearsal.
  virtual bool durable() const = 0;
  /// Its INPUT fields, validated on the PAM User like the provider's; none for the kit's own writers.
  virtual std::vector<kr_field_spec> fields() const { return {}; }
  virtual void begin(InMemoryHost& /*host*/) {}
  virtual StepResult validate(InMemoryHost& host) = 0;
  virtual StepResult store(InMemoryHost& host) = 0;
  virtual StepResult verify(InMemoryHost& host) = 0;
  virtual bool canRevert() const = 0;
  virtual StepResult revert(InMemoryHost& host) = 0;
  virtual void end() {}
};

/// A durable writer that keeps the PAM User record in memory: validate copies it from the host's fields, store
/// overlays every result, verify compares, revert puts the copy back. Counts its calls.
class InMemoryWriter : public Writer {
 public:
  explicit InMemoryWriter(bool durable = true) : durable_(durable) {}
  std::string origin() const override { return durable_ ? "writer/in-memory" : "writer/in-memory-rehearsal"; }
  bool durable() const override { return durable_; }
  StepResult validate(InMemoryHost& host) override {
    ++validateCalls;
    record = host.fields;
    before = record;
    return {};
  }
  StepResult store(InMemoryHost& host) override {
    ++storeCalls;
    before = record;
    for (const auto& [label, r] : host.results) {
      record[label] = r.value;
      stored[label] = r;
    }
    return {};
  }
  StepResult verify(InMemoryHost& host) override {
    ++verifyCalls;
    for (const auto& [label, r] : host.results) {
      const auto it = record.find(label);
      if (it == record.end() || it->second != r.value)
        return StepResult::failed(KR_ERR_FAILED, "writer.verify", "field '" + label + "' reads back differently");
    }
    return {};
  }
  bool canRevert() const override { return true; }
  StepResult revert(InMemoryHost&) override {
    ++revertCalls;
    record = before;
    stored.clear();
    return {};
  }

  /// The PAM User record as this writer holds it (label -> value).
  std::map<std::string, std::string> record;
  /// What store wrote, with the secret flag.
  std::map<std::string, ResultValue> stored;
  int validateCalls = 0, storeCalls = 0, verifyCalls = 0, revertCalls = 0;

 private:
  std::map<std::string, std::string> before;
  bool durable_;
};

/// Where a FailingWriter fails.
enum class FailAt {
  Nothing,
  Validate,
  Store,   ///< store fails: the provider must roll back
  Verify,  ///< store succeeds, verify fails: the writer reverts, the provider rolls back
  Revert,  ///< verify fails and revert fails too: the new credential must be kept (Keeper may hold it)
};

inline const char* failAtName(FailAt at) noexcept {
  switch (at) {
    case FailAt::Nothing: return "nothing";
    case FailAt::Validate: return "validate";
    case FailAt::Store: return "store";
    case FailAt::Verify: return "verify";
    case FailAt::Revert: return "revert";
  }
  return "?";
}

/// An InMemoryWriter that fails at one step with KR_ERR_FAILED, code "test.writer_failure".
class FailingWriter : public InMemoryWriter {
 public:
  explicit FailingWriter(FailAt at, bool durable = true) : InMemoryWriter(durable), at_(at) {}
  std::string origin() const override { return std::string("writer/failing-at-") + failAtName(at_); }
  StepResult validate(InMemoryHost& host) override {
    InMemoryWriter::validate(host);
    return at_ == FailAt::Validate ? fail("validate") : StepResult{};
  }
  StepResult store(InMemoryHost& host) override {
    if (at_ == FailAt::Store) {
      ++storeCalls;
      return fail("store");
    }
    return InMemoryWriter::store(host);
  }
  StepResult verify(InMemoryHost& host) override {
    if (at_ == FailAt::Verify || at_ == FailAt::Revert) {
      ++verifyCalls;
      return fail("verify");
    }
    return InMemoryWriter::verify(host);
  }
  StepResult revert(InMemoryHost& host) override {
    if (at_ == FailAt::Revert) {
      ++revertCalls;
      return fail("revert");
    }
    return InMemoryWriter::revert(host);
  }
  FailAt failsAt() const noexcept { return at_; }

 private:
  static StepResult fail(const char* step) {
    return StepResult::failed(KR_ERR_FAILED, "test.writer_failure",
                              std::string("the test's writer fails at ") + step + " on purpose");
  }
  FailAt at_;
};

/// A loaded (or wrapped) record writer plugin, called through the C ABI.
class PluginWriter : public Writer {
 public:
  explicit PluginWriter(Plugin plugin) : plugin_(std::move(plugin)) {
    if (plugin_.kind() != KR_KIND_RECORD_WRITER)
      throw LoadError(plugin_.origin() + " is not a record writer");
  }
  std::string origin() const override { return plugin_.origin(); }
  bool durable() const override { return (plugin_.recordWriter()->capabilities & KR_WRITER_DURABLE) != 0; }
  std::vector<kr_field_spec> fields() const override { return plugin_.fields(); }
  void begin(InMemoryHost& host) override { instance_ = std::make_unique<Instance>(plugin_, host); }
  StepResult validate(InMemoryHost& h) override { return call(h, plugin_.recordWriter()->validate, "validate"); }
  StepResult store(InMemoryHost& h) override { return call(h, plugin_.recordWriter()->store, "store"); }
  StepResult verify(InMemoryHost& h) override { return call(h, plugin_.recordWriter()->verify, "verify"); }
  bool canRevert() const override { return plugin_.recordWriter()->revert != nullptr; }
  StepResult revert(InMemoryHost& h) override { return call(h, plugin_.recordWriter()->revert, "revert"); }
  void end() override { instance_.reset(); }
  const Plugin& plugin() const noexcept { return plugin_; }

 private:
  StepResult call(InMemoryHost& host, kr_operation_fn fn, const char* stage) {
    if (!instance_) begin(host);  // a step used without the runner
    return instance_->call(fn, stage);
  }
  Plugin plugin_;
  std::unique_ptr<Instance> instance_;
};

}  // namespace keeper_rotate::testing
