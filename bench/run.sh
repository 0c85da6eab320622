#!/bin/sh
# make bench (full) and make bench-quick (quick): artisearch beside Xapian, see bench/bench.py.
#   sh bench/run.sh full|quick
# Run from the repository root after `make`. Work files go to $BENCH_OUT (default bench/out,
# git-ignored); full writes BENCHMARKS.md and BENCHMARKS-scale.png at the root, quick writes
# bench/out/BENCHMARKS-quick.md so that a day-to-day run never replaces the published figures.
set -eu
mode=${1:-quick}
case $mode in full|quick) ;; *) echo "usage: sh bench/run.sh full|quick" >&2; exit 2 ;; esac
# Debian's python3, the one python3-xapian is built for (a python3 earlier in PATH may not see it).
py=/usr/bin/python3
if ! $py -c 'import xapian' 2>/dev/null; then
	echo "bench: python3-xapian is missing: run 'sh scripts/setup.sh bench' as root" >&2
	exit 1
fi
exec $py bench/bench.py "$mode"
