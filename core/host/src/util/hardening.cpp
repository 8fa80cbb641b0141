#include "util/hardening.hpp"

#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>

namespace keeper_rotate::host {

void hardenProcess() noexcept {
  const struct rlimit noCore {0, 0};
  (void)setrlimit(RLIMIT_CORE, &noCore);
  (void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  (void)umask(077);
}

}  // namespace keeper_rotate::host
