#!/usr/bin/env bash
# pnpm policy: synthesize, then checkov + project rules over cdktf.out (see scripts/policy/cli.ts).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash scripts/ensure-venv.sh
pnpm -s synth
exec node --import tsx scripts/policy/cli.ts "$@"
