#!/usr/bin/env bash
# Prints the bin folder of the Node.js the project runs on: the machine's own when it is 24 or
# newer, otherwise Node.js 24 LTS (pinned below) installed from the npm registry's `node` package
# into the git-ignored .cache/node24 (about 7 s, once). Callers put the folder first on PATH:
#   export PATH="$(bash scripts/ensure-node.sh):$PATH"
# Node 20 reached its end of life in April 2026; the project supports Node 22 and 24 (engines).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
wanted="24.21.0"
major="$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)"
if (( major >= 24 )); then
  dirname "$(command -v node)"
  exit 0
fi
dir="$root/.cache/node24"
bin="$dir/node_modules/.bin"
if [[ ! -x "$bin/node" || "$("$bin/node" --version 2>/dev/null)" != "v$wanted" ]]; then
  if ! command -v npm >/dev/null; then
    echo "ensure-node: Node.js >= 24 is needed and npm is missing to install it; install Node.js 24 LTS" >&2
    exit 1
  fi
  echo "ensure-node: installing Node.js $wanted (npm package node@$wanted) into .cache/node24; this machine has $(node --version 2>/dev/null || echo no node)" >&2
  npm install --prefix "$dir" --no-save --no-audit --no-fund --loglevel=error "node@$wanted" >&2
fi
echo "$bin"
