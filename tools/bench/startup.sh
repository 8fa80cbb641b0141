#!/bin/sh
# Start-up time of keeper-rotate: a --dry-run with the fake provider (tests/support/plugins), which decodes the
# input, loads provider + writer + credential source, validates fields and runs the validate stage, prints the
# summary and exits. Prints figures only; it asserts nothing (no timing assertions in tests).
#
# usage: tools/bench/startup.sh [BUILD_DIR] [RUNS]      (BUILD_DIR default: build; RUNS default: 200)
set -eu
build=$(cd "${1:-build}" && pwd)
runs=${2:-200}
bin="$build/bin/keeper-rotate"
plugins="$build/tests/test-plugins"
[ -x "$bin" ] && [ -f "$plugins/provider-fake.so" ] || {
  echo "build keeper-rotate and kr_test_plugins in $build first" >&2
  exit 2
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf 'old-1\nold-2\n' >"$work/state"
records=$(printf '[{"uid":"ADM","title":"admin","fake_admin_id":"admin","fake_admin_token":"BenchAdminToken-123"},{"uid":"U1","title":"bench","fake_state_file":"%s/state","fake_store_file":"%s/store","record_writer":"fake-durable","credential_source":"fake-vault"}]' "$work" "$work" | base64 -w0)
printf '{"providerRecordUid":"CFG","userRecordUid":"U1","newPassword":"BenchNewPassword-1","oldPassword":"BenchOldPassword-1","user":"bench","records":"%s"}' "$records" | base64 -w0 >"$work/input"
cmd="$bin fake --dry-run --plugin-dir $plugins --input $work/input"
$cmd >/dev/null 2>&1 || { echo "dry run failed:" >&2; $cmd >&2; exit 1; }

if command -v hyperfine >/dev/null 2>&1; then
  hyperfine --warmup 10 --runs "$runs" -N --style basic "$cmd"
  hyperfine --warmup 10 --runs "$runs" -N --style basic "$bin --version"
else
  start=$(date +%s%N)
  i=0
  while [ "$i" -lt "$runs" ]; do $cmd >/dev/null 2>&1; i=$((i + 1)); done
  end=$(date +%s%N)
  echo "dry run: $(( (end - start) / runs / 1000 )) us mean over $runs runs"
fi
if command -v /usr/bin/time >/dev/null 2>&1; then
  /usr/bin/time -f "peak RSS: %M kB" $cmd >/dev/null
fi
