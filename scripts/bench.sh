#!/usr/bin/env bash
# Runs Mixer's benchmarks against onnxruntime and IREE (benchmarks/README.md).
# Sets up like the README's commands, adds the benchmark peers to the venv
# (pinned in benchmarks/requirements.txt), then runs benchmarks/run.py with
# the given arguments (e.g. --quick, --only minilm).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
venv="$root/.venv"
stamp="$venv/.bench-requirements.sha256"
want="$(sha256sum "$root/benchmarks/requirements.txt" | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "[bench] installing benchmark requirements"
  "$venv/bin/pip" install -q --disable-pip-version-check -r "$root/benchmarks/requirements.txt"
  echo "$want" > "$stamp"
fi
exec "$venv/bin/python" "$root/benchmarks/run.py" "$@"
