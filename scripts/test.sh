#!/usr/bin/env bash
# The README's test command: set up, build, and run every test (lit +
# FileCheck, the gtest unit tests through lit, and the end-to-end tests that
# compile and run models). Prints one closing line
# "N passed, N failed, N skipped" and fails if any test failed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${MIXER_BUILD_DIR:-$root/build}"
"$root/scripts/setup.sh"

results="$build/lit-results.json"
status=0
/usr/lib/llvm-22/bin/lit -sv --output "$results" "$build/test" "$build/unittests" \
  "$build/integration_test" || status=$?
"$root/.venv/bin/python" - "$results" <<'PY'
import json, sys
tests = json.load(open(sys.argv[1]))["tests"]
codes = [t["code"] for t in tests]
passed = sum(c in ("PASS", "XFAIL") for c in codes)
skipped = sum(c == "UNSUPPORTED" for c in codes)
failed = len(codes) - passed - skipped
for t in tests:
    if t["code"] not in ("PASS", "XFAIL", "UNSUPPORTED"):
        print(f"  {t['code']}: {t['name']}")
# The end-to-end suites' own summaries (counts, exclusions).
for t in tests:
    for line in t.get("output", "").splitlines():
        if line.startswith(("node tests:", "models:", "EXCLUDED")):
            print(f"  {line}")
print(f"mixer: {passed} passed, {failed} failed, {skipped} skipped")
PY
exit $status
