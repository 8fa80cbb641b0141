// Broken on purpose: a valid provider whose descriptor name differs from its file name (provider-misnamed.so).
#include <keeper_rotate/sdk.hpp>

namespace {

class Misnamed final : public keeper_rotate::Provider {
 public:
  static constexpr const char* kName = "some-other-name";
  static constexpr const char* kVersion = "0.0.1";
  static constexpr const char* kDescription = "Test: name does not match the file";
  static constexpr kr_field_spec kFields[] = {keeper_rotate::Field::input("x")};
  static constexpr const char* kRequiredCredentials[] = {nullptr};
  void validate(keeper_rotate::Context&) override {}
  void create(keeper_rotate::Context&) override {}
  void prove(keeper_rotate::Context&) override {}
  void retire(keeper_rotate::Context&) override {}
  void rollback(keeper_rotate::Context&) override {}
};

}  // namespace

KEEPER_ROTATE_REGISTER_PROVIDER(Misnamed)
