#!/usr/bin/env bash
# Usage: run_fidelity.sh FAKE_AWS_BINARY NPM_DIR SOURCE_DIR
# Starts fake-aws with a fresh seed, then lets the official AWS SDK for JavaScript talk to it (sdk_probe.js):
# @aws-sdk/client-iam and @aws-sdk/client-sts sign requests and parse results and errors, and the IMDS credential
# providers fetch the instance role's credentials.
set -euo pipefail
fake_bin=$1
npm_dir=$2
src_dir=$3

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "SKIP: node and npm are needed for the AWS SDK fidelity test and are not installed"
  exit 77
fi
echo "node $(node --version), npm $(npm --version)"

mkdir -p "$npm_dir"
npm_dir=$(cd "$npm_dir" && pwd)
# Install when nothing is installed yet or the pinned dependencies changed since the last install.
if ! cmp -s "$src_dir/package.json" "$npm_dir/package.json" || [ ! -d "$npm_dir/node_modules" ]; then
  cp "$src_dir/package.json" "$npm_dir/package.json"
  (cd "$npm_dir" && npm install --no-audit --no-fund --loglevel=error)
fi
for pkg in @aws-sdk/client-iam @aws-sdk/client-sts @aws-sdk/credential-provider-imds @smithy/credential-provider-imds; do
  echo "$pkg $(node -p "require('$npm_dir/node_modules/$pkg/package.json').version")"
done

work=$(mktemp -d)
fake_pid=""
cleanup() {
  if [ -n "$fake_pid" ]; then kill "$fake_pid" 2>/dev/null || true; wait "$fake_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# Throwaway keys in the real formats (AKIA + 16 of [A-Z0-9], 40 of [A-Za-z0-9/+]) made for this run only.
keys=$(node -e '
  const { randomBytes } = require("node:crypto");
  const pick = (alphabet, n) => Array.from(randomBytes(n), (b) => alphabet[b % alphabet.length]).join("");
  const upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  const secret = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+";
  for (let i = 0; i < 2; ++i) console.log("AKIA" + pick(upper, 16) + " " + pick(secret, 40));')
read -r admin_id admin_secret <<<"$(sed -n 1p <<<"$keys")"
read -r reader_id reader_secret <<<"$(sed -n 2p <<<"$keys")"
cat > "$work/seed.json" <<JSON
{"account": {"accountId": "123456789012"},
 "users": [
   {"userName": "admin", "permissions": ["*"],
    "keys": [{"accessKeyId": "$admin_id", "secretAccessKey": "$admin_secret"}]},
   {"userName": "reader", "permissions": ["iam:ListAccessKeys"],
    "keys": [{"accessKeyId": "$reader_id", "secretAccessKey": "$reader_secret"}]},
   {"userName": "bob", "keys": [{"status": "Active"}]}],
 "roles": [{"roleName": "rotator", "permissions": ["iam:*"], "trustedUsers": ["admin"]}],
 "instanceProfile": {"roleName": "rotator", "v2Only": true}}
JSON

"$fake_bin" --seed "$work/seed.json" --dir "$work/ca" > "$work/fake.out" 2> "$work/fake.err" &
fake_pid=$!
for _ in $(seq 1 100); do
  [ -s "$work/fake.out" ] && break
  kill -0 "$fake_pid" 2>/dev/null || break
  sleep 0.1
done
if [ ! -s "$work/fake.out" ]; then
  echo "fake-aws did not start:"; cat "$work/fake.err"; exit 1
fi
info=$(head -n 1 "$work/fake.out")
echo "fake-aws: $info"
field() { node -e 'console.log(JSON.parse(process.argv[1])[process.argv[2]])' "$info" "$1"; }
base=$(field baseUrl)
imds=$(field imdsUrl)
ca=$(field caFile)

status=0
# Secrets reach the probe through its environment only, never argv. No AWS configuration of this machine may leak
# in: credentials, profiles and endpoints are pinned for the probe.
env -u AWS_PROFILE -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN -u AWS_ENDPOINT_URL \
  AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=false \
  NODE_PATH="$npm_dir/node_modules" NODE_EXTRA_CA_CERTS="$ca" \
  PROBE_ADMIN_KEY_ID="$admin_id" PROBE_ADMIN_SECRET="$admin_secret" \
  PROBE_READER_KEY_ID="$reader_id" PROBE_READER_SECRET="$reader_secret" \
  node "$src_dir/sdk_probe.js" "$base" "$imds" || status=$?

# The fake's own log names key ids, never a secret.
for secret in "$admin_secret" "$reader_secret"; do
  if grep -qF -- "$secret" "$work/fake.err" "$work/fake.out"; then
    echo "FAIL: a secret appears in fake-aws's output"; status=1
  fi
done
grep -qF -- "$admin_id" "$work/fake.err" && echo "ok - fake-aws's request log names the signing key id"
exit $status
