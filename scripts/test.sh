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

step "Scale: the whole toolchain at the VPC's full complement of environments (scratch copy)"
pnpm -s test:scale --reporter=default --reporter=json --outputFile.json=reports/vitest-scale.json

# The closing line CI reads: counts from both vitest JSON reports.
node -e '
const fs = require("node:fs");
const reports = ["reports/vitest.json", "reports/vitest-scale.json"].map((f) => JSON.parse(fs.readFileSync(f, "utf8")));
const sum = (key) => reports.reduce((n, r) => n + r[key], 0);
console.log(`\ntests: ${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed`);
'
