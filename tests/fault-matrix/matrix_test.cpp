// One doctest case per cell of the fault matrix (docs/fault-matrix.md): provider × remote step × fault kind. Each
// case runs the real keeper-rotate binary (see matrix.hpp), compares with docs/contract.md and writes its result
// line into $KR_FAULT_MATRIX_RESULTS, from which tools/fault-matrix/render.sh renders the published table.
// tests/fault-matrix/CMakeLists.txt spells the same case names for the order of its doc-current check.
#include "matrix.hpp"

#include <doctest/doctest.h>

#define KR_MATRIX_CASE(PROVIDER, STEP, STEP_NAME, KIND, KIND_NAME)                   \
  TEST_CASE("fault-matrix " PROVIDER " " STEP_NAME " " KIND_NAME) {                   \
    matrix::runCase(PROVIDER, matrix::Step::STEP, matrix::Kind::KIND);                \
  }
#define KR_MATRIX_STEP(PROVIDER, STEP, STEP_NAME)                                     \
  KR_MATRIX_CASE(PROVIDER, STEP, STEP_NAME, Transient, "transient")                   \
  KR_MATRIX_CASE(PROVIDER, STEP, STEP_NAME, Persistent, "persistent")                 \
  KR_MATRIX_CASE(PROVIDER, STEP, STEP_NAME, Sigterm, "SIGTERM")                       \
  KR_MATRIX_CASE(PROVIDER, STEP, STEP_NAME, Sigkill, "SIGKILL")
#define KR_MATRIX_PROVIDER(PROVIDER)                                                  \
  KR_MATRIX_STEP(PROVIDER, Token, "token")                                            \
  KR_MATRIX_STEP(PROVIDER, Resolve, "resolve")                                        \
  KR_MATRIX_STEP(PROVIDER, List, "list")                                              \
  KR_MATRIX_STEP(PROVIDER, Create, "create")                                          \
  KR_MATRIX_STEP(PROVIDER, Prove, "prove")                                            \
  KR_MATRIX_STEP(PROVIDER, KsmRead, "ksm-read")                                       \
  KR_MATRIX_STEP(PROVIDER, KsmUpdate, "ksm-update")                                   \
  KR_MATRIX_STEP(PROVIDER, ReadBack, "read-back")                                     \
  KR_MATRIX_STEP(PROVIDER, Remove, "remove")

KR_MATRIX_PROVIDER("azure-app-secret")
KR_MATRIX_PROVIDER("aws-iam-access-key")
