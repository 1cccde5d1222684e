#!/usr/bin/env bash
# The README's main command: set up, build, and run the shipped example
# (a LLaMA-style attention block in Mixer IR) through mixer-opt.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MIXER_BUILD_DIR:-$root/build}"
"$root/scripts/setup.sh"

example="$root/docs/examples/llama_block.mlir"
opt="$build/bin/mixer-opt"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

echo "== $example: parse, verify, canonicalize, CSE"
"$opt" "$example" --canonicalize --cse | tee "$out/canonical.mlir"

# The printed form parses back to the same text (round trip).
"$opt" "$example" > "$out/1.mlir"
"$opt" "$out/1.mlir" > "$out/2.mlir"
cmp -s "$out/1.mlir" "$out/2.mlir"
echo "== round trip: identical after print -> parse -> print"
echo "== mixer ops: $(grep -c 'mixer\.' "$out/canonical.mlir") ($(grep -o 'mixer\.[a-z_]*' "$out/canonical.mlir" | sort | uniq -c | awk '{printf "%s %s, ", $1, $2}' | sed 's/, $//'))"
