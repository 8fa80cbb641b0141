#!/bin/sh
# The rotation benchmark (tools/bench/README.md): one Azure app-secret rotation by keeper-rotate and by the
# reference script on Keeper's and Microsoft's official Node SDKs, interleaved, over in-process loopback fakes.
# Builds what it runs, installs the reference script's npm packages into the build tree (once), prints figures.
#
# usage: tools/bench/rotation.sh [BUILD_DIR] [RUNS]      (BUILD_DIR default: build; RUNS default: 21)
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$root/build}
runs=${2:-21}
[ -f "$build/CMakeCache.txt" ] || { echo "configure first: cmake --preset default" >&2; exit 2; }
command -v node >/dev/null && command -v npm >/dev/null || { echo "node and npm are needed (apt-get install nodejs npm)" >&2; exit 2; }
cmake --build "$build" --target kr-bench-rotation >/dev/null  # with the host and its default plugins
build=$(cd "$build" && pwd)
npm_dir=$build/tools/bench/reference
mkdir -p "$npm_dir"
if ! cmp -s "$root/tools/bench/reference/package.json" "$npm_dir/package.json" || [ ! -d "$npm_dir/node_modules" ]; then
  cp "$root/tools/bench/reference/package.json" "$npm_dir/package.json"
  (cd "$npm_dir" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi
echo "keeper-rotate $("$build/bin/keeper-rotate" --version | head -n1); node $(node --version):" \
  "@keeper-security/secrets-manager-core $(node -p "require('$npm_dir/node_modules/@keeper-security/secrets-manager-core/package.json').version")," \
  "@azure/identity $(node -p "require('$npm_dir/node_modules/@azure/identity/package.json').version")"
exec "$build/bin/kr-bench-rotation" --host "$build/bin/keeper-rotate" --node "$(command -v node)" \
  --script "$root/tools/bench/reference/rotate-azure-app-secret.js" --node-path "$npm_dir/node_modules" --runs "$runs"
