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

# The same FileCheck and unit tests again, built with ASan + UBSan and run
# with LeakSanitizer (scripts/test-sanitizers.sh, build-asan/). The
# end-to-end tests are left to scripts/test-sanitizers.sh on demand: under
# the sanitizers they take about N minutes on 2 cores, which CI's budget
# does not leave; the FileCheck suite already drives every tool (importer,
# every pass and pipeline, mixer-compile down to model.so, mixer-run and the
# runtime on good and corrupt libraries). MIXER_SKIP_SANITIZERS=1 skips it.
sanitizer_results="$build/lit-results-asan.json"
rm -f "$sanitizer_results"
if [ -z "${MIXER_SKIP_SANITIZERS:-}" ]; then
  MIXER_SETUP_DONE=1 "$root/scripts/test-sanitizers.sh" --json "$sanitizer_results" \
    test unittests || status=$?
fi

"$root/.venv/bin/python" - "$results" "$sanitizer_results" <<'PY'
import json, os, sys
tests = json.load(open(sys.argv[1]))["tests"]
if os.path.exists(sys.argv[2]):
    for t in json.load(open(sys.argv[2]))["tests"]:
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
