#!/usr/bin/env bash
# The one test command (README): every check, in the order that fails fastest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Node.js 24 LTS first on PATH (installed into .cache/node24 when the machine's own is older).
PATH="$(bash scripts/ensure-node.sh):$PATH"
export PATH

step() { printf '\n==> %s\n' "$*"; }

step "Python tools (.venv)"
bash scripts/ensure-venv.sh

step "Type check (TypeScript 7 native compiler)"
pnpm -s typecheck

step "Lint and format (Biome)"
pnpm -s lint

step "Rendered vars are current"
pnpm -s vars --check

step "Tests (vitest)"
mkdir -p reports
pnpm -s test:unit --reporter=default --reporter=json --outputFile.json=reports/vitest.json

step "Policy gate (checkov + project rules over cdktf.out)"
pnpm -s policy

# The closing line CI reads: counts from vitest's JSON report.
node -e '
const r = JSON.parse(require("node:fs").readFileSync("reports/vitest.json", "utf8"));
console.log(`\ntests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
'
