#!/usr/bin/env bash
# Creates .venv with the pinned Python tools when it is missing or requirements-dev.txt changed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
stamp="$venv/.requirements.sha256"
wanted="$(sha256sum "$root/requirements-dev.txt" | cut -d' ' -f1)"
if [[ -x "$venv/bin/python" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
  exit 0
fi
python="${PYTHON:-python3}"
if ! command -v "$python" >/dev/null; then
  echo "ensure-venv: $python not found; install Python 3.11+ or set PYTHON=/path/to/python3" >&2
  exit 1
fi
echo "ensure-venv: installing Python tools into .venv (first run takes about a minute)"
rm -rf "$venv"
"$python" -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check --require-hashes -r "$root/requirements-dev.txt"
echo "$wanted" > "$stamp"
