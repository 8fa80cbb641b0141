#!/usr/bin/env bash
# Usage: run_fidelity.sh FAKE_ENTRA_BINARY NPM_DIR SOURCE_DIR
# Starts fake-entra with a fresh seed, then lets Microsoft's own clients talk to it (identity_probe.js):
# @azure/identity gets tokens, @microsoft/microsoft-graph-client reads and changes password credentials.
set -euo pipefail
fake_bin=$1
npm_dir=$2
src_dir=$3

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "SKIP: node and npm are needed for the @azure/identity fidelity test and are not installed"
  exit 77
fi
echo "node $(node --version), npm $(npm --version)"

mkdir -p "$npm_dir"
# Install when nothing is installed yet or the pinned dependencies changed since the last install.
if ! cmp -s "$src_dir/package.json" "$npm_dir/package.json" || [ ! -d "$npm_dir/node_modules" ]; then
  cp "$src_dir/package.json" "$npm_dir/package.json"
  (cd "$npm_dir" && npm install --no-audit --no-fund --loglevel=error)
fi
echo "@azure/identity $(node -p "require('$npm_dir/node_modules/@azure/identity/package.json').version")," \
  "@microsoft/microsoft-graph-client $(node -p "require('$npm_dir/node_modules/@microsoft/microsoft-graph-client/package.json').version")"

work=$(mktemp -d)
fake_pid=""
cleanup() {
  if [ -n "$fake_pid" ]; then kill "$fake_pid" 2>/dev/null || true; wait "$fake_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

tenant=5f3a2b1c-9d8e-4f7a-8b6c-1d2e3f4a5b6c
client=0e1d2c3b-4a59-4687-9a1b-2c3d4e5f6a7b
object=6a5b4c3d-2e1f-4a0b-9c8d-7e6f5a4b3c2d
# A throwaway secret in the real format (3 chars, "8Q~", 34 chars) made for this run only.
secret=$(node -e '
  const bytes = require("node:crypto").randomBytes(37);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~";
  const pick = (from, to) => Array.from(bytes.subarray(from, to), (b) => alphabet[b % alphabet.length]).join("");
  process.stdout.write(pick(0, 3) + "8Q~" + pick(3, 37));')
cat > "$work/seed.json" <<JSON
{"tenants":[{"id":"$tenant","domains":["fidelity.onmicrosoft.com"],
  "apps":[{"id":"$object","appId":"$client","displayName":"fidelity","permissions":["Application.ReadWrite.All"],
           "passwords":[{"displayName":"fidelity","secretText":"$secret"}]}]}]}
JSON

"$fake_bin" --seed "$work/seed.json" --dir "$work/ca" > "$work/fake.out" 2> "$work/fake.err" &
fake_pid=$!
for _ in $(seq 1 100); do
  [ -s "$work/fake.out" ] && break
  sleep 0.1
done
if [ ! -s "$work/fake.out" ]; then
  echo "fake-entra did not start:"; cat "$work/fake.err"; exit 1
fi
info=$(head -n 1 "$work/fake.out")
echo "fake-entra: $info"
base=$(node -e 'console.log(JSON.parse(process.argv[1]).baseUrl)' "$info")
ca=$(node -e 'console.log(JSON.parse(process.argv[1]).caFile)' "$info")

# The secret reaches the probe through its environment only, never argv.
NODE_PATH="$npm_dir/node_modules" NODE_EXTRA_CA_CERTS="$ca" PROBE_SECRET="$secret" \
  node "$src_dir/identity_probe.js" "$base" "$tenant" "$client" "$object"
