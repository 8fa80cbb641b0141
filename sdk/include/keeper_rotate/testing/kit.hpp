// keeper_rotate::testing — the SDK test kit in one include. Header-only; needs the SDK headers, the C++ standard
// library and libdl (CMake: KeeperRotate::testing), no test framework. See sdk/docs/testing.md.
#pragma once

#include <keeper_rotate/testing/builders.hpp>
#include <keeper_rotate/testing/conformance.hpp>
#include <keeper_rotate/testing/field_check.hpp>
#include <keeper_rotate/testing/in_memory_host.hpp>
#include <keeper_rotate/testing/leak_check.hpp>
#include <keeper_rotate/testing/operation.hpp>
#include <keeper_rotate/testing/plugin.hpp>
#include <keeper_rotate/testing/report.hpp>
#include <keeper_rotate/testing/runner.hpp>
#include <keeper_rotate/testing/writers.hpp>
