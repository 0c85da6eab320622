#!/bin/sh
# Replays every fuzz target's seeds and regression files (tests/fuzz/seeds/NAME,
# tests/fuzz/regressions/NAME) through the target built with tests/fuzz/driver.c instead
# of libFuzzer: a crash found once by `make fuzz` stays fixed, under the normal build and
# under `make SANITIZE=address,undefined test`.
set -eu
n=0
for src in tests/fuzz/fuzz_*.c; do
	name=$(basename "$src" .c)
	short=${name#fuzz_}
	bin=$BUILD/fuzz/$name
	[ -x "$bin" ] || { echo "missing $bin (built by make build-tests)"; exit 1; }
	set --
	[ -d tests/fuzz/seeds/$short ] && set -- "$@" tests/fuzz/seeds/$short
	[ -d tests/fuzz/regressions/$short ] && set -- "$@" tests/fuzz/regressions/$short
	[ $# -gt 0 ] || { echo "$name: no seeds in tests/fuzz/seeds/$short"; exit 1; }
	"$bin" "$@"
	n=$((n + 1))
done
echo "replayed $n fuzz targets"
