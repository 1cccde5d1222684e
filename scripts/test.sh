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

# The FileCheck and unit suites again, and the end-to-end model, attention
# and LayerNorm-fold tests, built with ASan + UBSan and run with
# LeakSanitizer (scripts/test-sanitizers.sh, build-asan/): about 3 minutes on
# 2 cores plus the instrumented build. The ONNX node suite and the
# differential tester are left to `scripts/test-sanitizers.sh` on demand
# (about 6 more minutes under the sanitizers, which CI's budget does not
# leave); they drive the same importer, passes and runtime as the tests run
# here. MIXER_SKIP_SANITIZERS=1 skips all of it.
sanitizer_results=("$build/lit-results-asan.json" "$build/lit-results-asan-e2e.json")
rm -f "${sanitizer_results[@]}"
if [ -z "${MIXER_SKIP_SANITIZERS:-}" ]; then
  MIXER_SETUP_DONE=1 "$root/scripts/test-sanitizers.sh" --json "${sanitizer_results[0]}" \
    test unittests || status=$?
  MIXER_SETUP_DONE=1 LIT_FILTER='models|attention|fold-layernorm' \
    "$root/scripts/test-sanitizers.sh" --json "${sanitizer_results[1]}" \
    integration_test || status=$?
fi

"$root/.venv/bin/python" - "$results" "${sanitizer_results[@]}" <<'PY'
import json, os, sys
tests = json.load(open(sys.argv[1]))["tests"]
for path in sys.argv[2:]:
    if os.path.exists(path):
        for t in json.load(open(path))["tests"]:
            t["name"] = "asan: " + t["name"]
            tests.append(t)
codes = [t["code"] for t in tests]
passed = sum(c in ("PASS", "XFAIL") for c in codes)
skipped = sum(c == "UNSUPPORTED" for c in codes)
failed = len(codes) - passed - skipped
for t in tests:
    if t["code"] not in ("PASS", "XFAIL", "UNSUPPORTED"):
        print(f"  {t['code']}: {t['name']}")
# The end-to-end suites' own summaries (counts, exclusions).
for t in tests:
    if t["name"].startswith("asan: "):
        continue
    for line in t.get("output", "").splitlines():
        if line.startswith(("node tests:", "models:", "EXCLUDED")):
            print(f"  {line}")
asan = sum(t["name"].startswith("asan: ") and t["code"] == "PASS" for t in tests)
print(f"mixer: {passed} passed, {failed} failed, {skipped} skipped "
      f"({asan} of the passes under ASan+UBSan+LeakSanitizer)")
PY
exit $status
