#!/usr/bin/env bash
# The one test command (README): every check, in the order that fails fastest.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

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
pnpm -s test:unit

step "Policy gate (checkov + project rules over cdktf.out)"
pnpm -s policy
