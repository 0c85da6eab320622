#!/bin/sh
# `make fuzz`: runs each libFuzzer target of BUILD/fuzz/ for SECONDS, one after the other.
#   tests/fuzz/run.sh BUILD SECONDS [NAME...]
# Corpus: BUILD/corpus/NAME (grows from run to run), started from the committed
# tests/fuzz/seeds/NAME and tests/fuzz/regressions/NAME (read only). Crashes, leaks and
# timeouts: BUILD/crashes/NAME/. Ends with one line per target: executions, corpus size,
# crashes; exits 1 when any target found one.
set -u
BUILD=${1:-build-fuzz}
SECONDS_EACH=${2:-60}
shift 2 2>/dev/null || shift $#
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1

targets=$*
if [ -z "$targets" ]; then
	for f in "$BUILD"/fuzz/fuzz_*; do
		[ -x "$f" ] && targets="$targets $(basename "$f")"
	done
fi
summary=$(mktemp)
trap 'rm -f "$summary"' EXIT
status=0
for name in $targets; do
	bin=$BUILD/fuzz/$name
	short=${name#fuzz_}
	corpus=$BUILD/corpus/$short
	crashes=$BUILD/crashes/$short
	mkdir -p "$corpus" "$crashes"
	dirs=
	[ -d tests/fuzz/seeds/$short ] && dirs="$dirs tests/fuzz/seeds/$short"
	[ -d tests/fuzz/regressions/$short ] && dirs="$dirs tests/fuzz/regressions/$short"
	log=$BUILD/fuzz-$short.log
	before=$(ls "$crashes" | wc -l)
	echo "fuzz: $name for ${SECONDS_EACH}s (log: $log)" >&2
	# -timeout: an input slower than 10 s is a finding (a bound missing somewhere);
	# -rss_limit_mb: so is one that needs more than 2 GB.
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	"$bin" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$crashes/" -close_fd_mask=1 \
		"$corpus" $dirs >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	after=$(ls "$crashes" | wc -l)
	found=$((after - before))
	units=$(ls "$corpus" | wc -l)
	printf '%-16s %12s execs  %6s corpus  %3d new crash(es)  exit %d\n' "$short" "${execs:-?}" "$units" \
		"$found" "$rc" >>"$summary"
	if [ "$rc" -ne 0 ] || [ "$found" -gt 0 ]; then
		status=1
		grep -m 5 -E 'ERROR|SUMMARY|assertion' "$log" >&2
	fi
done
cat "$summary"
exit $status
