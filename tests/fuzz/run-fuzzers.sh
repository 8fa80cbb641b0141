#!/usr/bin/env bash
# Fuzz every target of tests/fuzz for a bounded time: run-fuzzers.sh [BUILD_DIR [SECONDS]] (defaults build-fuzz, 30).
#
# Each target runs for SECONDS (-max_total_time) with -rss_limit_mb=2048 and -timeout=10 on a COPY of its seed
# corpus (BUILD_DIR/fuzz-runs/<target>/corpus; the repository's corpus never grows here), with its dictionary
# when tests/fuzz/dict/<target>.dict exists. Targets run FUZZ_JOBS at a time (default: the number of CPUs).
# Fails when any target reports a crash, leak, timeout or out-of-memory, and prints the path of the input that did
# it (BUILD_DIR/fuzz-runs/<target>/artifacts/) and the end of that target's log. Copy such an input into
# tests/fuzz/corpus/<target>/ as a regression input once it is understood (README.md, "Crashes").
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:-build-fuzz}"
seconds="${2:-30}"
jobs="${FUZZ_JOBS:-$(nproc)}"
build="$(cd "$build" && pwd)"
list="$build/fuzz/targets.txt"
[ -f "$list" ] || { echo "run-fuzzers: $list missing: configure and build with the 'fuzz' preset first" >&2; exit 2; }
mapfile -t targets < <(grep -v '^$' "$list")

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
  for s in llvm-symbolizer llvm-symbolizer-14; do
    if command -v "$s" > /dev/null 2>&1; then export ASAN_SYMBOLIZER_PATH="$(command -v "$s")"; break; fi
  done
fi

runs="$build/fuzz-runs"
one() {
  local name="$1" dir="$runs/$1" dict=()
  rm -rf "$dir" && mkdir -p "$dir/corpus" "$dir/artifacts"
  cp -R "$here/corpus/$name/." "$dir/corpus/"
  [ -f "$here/dict/$name.dict" ] && dict=(-dict="$here/dict/$name.dict")
  local rc=0
  # The outer timeout only guards against a hang outside an input (libFuzzer's -timeout covers each input).
  timeout --kill-after=10 $((seconds + 120)) "$build/fuzz/fuzz_$name" -max_total_time="$seconds" -rss_limit_mb=2048 \
    -timeout=10 -print_final_stats=1 "${dict[@]}" -artifact_prefix="$dir/artifacts/" "$dir/corpus" \
    > "$dir/log" 2>&1 || rc=$?
  echo "$rc" > "$dir/rc"
}

start=$(date +%s)
echo "run-fuzzers: ${#targets[@]} targets, ${seconds}s each, $jobs at a time (logs in $runs/<target>/log)"
running=0
for name in "${targets[@]}"; do
  one "$name" &
  running=$((running + 1))
  if [ "$running" -ge "$jobs" ]; then wait -n || true; running=$((running - 1)); fi
done
wait || true

failed=0
for name in "${targets[@]}"; do
  dir="$runs/$name"
  rc="$(cat "$dir/rc" 2> /dev/null || echo 99)"
  stat() { sed -n "s/^stat::$1: *//p" "$dir/log" | tail -1 || true; }
  cov="$(grep -o 'cov: [0-9]*' "$dir/log" | tail -1 | cut -d' ' -f2 || true)"
  printf '  %-16s rc=%-3s execs=%-9s exec/s=%-6s cov=%-6s new=%-4s rss=%sMB\n' "$name" "$rc" \
    "$(stat number_of_executed_units)" "$(stat average_exec_per_sec)" "${cov:-?}" "$(stat new_units_added)" \
    "$(stat peak_rss_mb)"
  # slow-unit-* files are libFuzzer's notes on inputs slower than 10 s that still finished: shown, not failures.
  for a in "$dir"/artifacts/slow-unit-*; do [ -e "$a" ] && echo "run-fuzzers: note: slow input (finished): $a" >&2; done
  artifacts=()
  for a in "$dir"/artifacts/*; do [ -e "$a" ] && [[ "$(basename "$a")" != slow-unit-* ]] && artifacts+=("$a"); done
  if [ "$rc" != 0 ] || [ "${#artifacts[@]}" -gt 0 ]; then
    failed=1
    echo "run-fuzzers: FAILED $name (exit $rc); last lines of $dir/log:" >&2
    tail -n 40 "$dir/log" | sed 's/^/    /' >&2
    for a in "${artifacts[@]}"; do echo "run-fuzzers: crashing input: $a" >&2; done
  fi
done
echo "run-fuzzers: done in $(( $(date +%s) - start ))s"
exit "$failed"
