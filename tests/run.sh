#!/bin/sh
# Runs the whole suite: every cmocka binary of BUILD/tests, then every tests/integration/*.sh
# (each gets BIN, BUILD and a private TMPDIR). Ends with one line: "N passed, N failed".
set -u
BUILD=${1:-build}
BIN=${2:-bin}
export BUILD BIN
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
passed=0
failed=0
failures=
log=$(mktemp)
trap 'rm -f "$log"' EXIT

for t in "$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	"$t" >"$log" 2>&1
	rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -gt 0 ]; then
		failures="$failures $(basename "$t")"
		cat "$log"
	else
		echo "ok   $(basename "$t") ($p tests)"
	fi
done

for t in tests/integration/*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	dir=$(mktemp -d)
	if TMPDIR=$dir sh "$t" >"$log" 2>&1; then
		passed=$((passed + 1))
		echo "ok   $name"
	else
		failed=$((failed + 1))
		failures="$failures $name"
		echo "FAIL $name"
		tail -n 40 "$log"
	fi
	rm -rf "$dir"
done

[ -n "$failures" ] && echo "failed:$failures"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
