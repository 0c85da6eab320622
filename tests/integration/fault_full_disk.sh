#!/bin/sh
# A full disk under the index: a small tmpfs mounted as the index directory's file
# system. A run that needs more room than is left fails with a clear message naming the
# lack of space, CURRENT still names the generation published before, which `artisearch
# check` passes and which still answers queries; once room is made, the next run
# completes. Needs root for `mount -t tmpfs`; without it the test says so and passes.
# Run with BIN set, from the project's root, with a private TMPDIR (tests/run.sh).
set -eu
BIN=${BIN:-bin}
. tests/integration/lib/daemon_common.sh
IX=$BIN/artisearch-index
T=${TMPDIR:-/tmp}
C=$T/corpus
D=$T/disk
I=$D/index
[ -x "$IX" ] && [ -x "$BIN/artisearch" ] || fail "programs not built in $BIN"

mkdir -p "$D"
if ! mount -t tmpfs -o size=512k,mode=0755 artisearch-full-disk "$D" 2>"$T/mount.err"; then
	echo "fault_full_disk.sh: SKIPPED: cannot mount a tmpfs here ($(cat "$T/mount.err")); run as root to test a full disk"
	exit 0
fi
trap 'stop_daemon; umount "$D" 2>/dev/null || umount -l "$D" 2>/dev/null || true' EXIT

rm -rf "$C"
mkdir -p "$C/communiques"
find corpus -type f \( -name '*.md' -o -name '*.txt' \) | sort | head -n 12 |
	while read -r f; do cp "$f" "$C/communiques/$(basename "$f")"; done
n_small=$(find "$C" -type f | wc -l)
"$IX" --index "$I" "$C" >"$T/out" 2>"$T/err" || { cat "$T/out" "$T/err"; fail "the first run does not fit in 512 kB"; }
gen=$(cat "$I/CURRENT")
"$BIN/artisearch" --index "$I" --json apprentissage >"$T/before.json" || fail "no answer before the full disk"
start_daemon "$I" "$T/daemon.log" --threads 2

# About 2 MB of new text: its index cannot fit beside the published one.
mkdir -p "$C/guides"
i=0
while [ $i -lt 40 ]; do
	awk -v i=$i 'BEGIN { printf "# Guide %d\n\n", i
		for (k = 0; k < 600; k++) printf "apprentissage%d artisan%d formation%d métier%d chambre%d ", i*600+k, k, i, k*i, k%97
		print "" }' >"$C/guides/guide-$i.md"
	i=$((i + 1))
done

st=0
"$IX" --full --index "$I" "$C" >"$T/out" 2>"$T/err" </dev/null || st=$?
[ "$st" -ne 0 ] || { cat "$T/out"; fail "a run on a full disk reported success"; }
grep -qi "no space left\|disk is full" "$T/err" ||
	{ cat "$T/err"; fail "the failure on a full disk does not say the disk is full"; }
[ "$(cat "$I/CURRENT")" = "$gen" ] || fail "a failed run changed CURRENT"
"$BIN/artisearch" check --index "$I" >"$T/check" 2>&1 || { cat "$T/check"; fail "the published $gen no longer checks after the failed run"; }
"$BIN/artisearch" --index "$I" --json apprentissage >"$T/after.json" || fail "no answer after the full disk"
# The same hits as before (took_ms aside).
sed 's/"took_ms": *[0-9.e+-]*//' "$T/before.json" >"$T/b"
sed 's/"took_ms": *[0-9.e+-]*//' "$T/after.json" >"$T/a"
cmp -s "$T/a" "$T/b" || { diff "$T/b" "$T/a" | head; fail "the published generation answers differently after the failed run"; }
# The daemon still serves the published generation.
st=$(curl -s --max-time 10 -o "$T/health" -w '%{http_code}' "${URL%/}/health")
[ "$st" = 200 ] && grep -q "\"$gen\"" "$T/health" || fail "/health after the full disk: $st $(cat "$T/health")"
st=$(curl -s --max-time 10 -o "$T/search" -w '%{http_code}' "${URL%/}/search?q=apprentissage")
[ "$st" = 200 ] && grep -q '"id":' "$T/search" || fail "/search after the full disk: $st"
grep -q "refused" "$T/daemon.log" && fail "the daemon tried a generation the failed run left: $(grep refused "$T/daemon.log")"
first_err=$(grep -i -m 1 "no space left\|disk is full" "$T/err")

# The incremental run fails the same way; then room is made and a run completes.
"$IX" --index "$I" "$C" >"$T/out" 2>"$T/err" </dev/null && fail "an incremental run on a full disk reported success"
[ "$(cat "$I/CURRENT")" = "$gen" ] || fail "a failed incremental run changed CURRENT"
mount -o remount,size=16m "$D" || fail "cannot grow the tmpfs"
"$IX" --index "$I" "$C" >"$T/out" 2>"$T/err" </dev/null || { cat "$T/out" "$T/err"; fail "the run after making room failed"; }
n=$(find "$C" -type f | wc -l)
grep -q "^index $I: $n documents" "$T/out" || { cat "$T/out"; fail "the run after making room does not hold the $n documents"; }
"$BIN/artisearch" check --index "$I" >"$T/check" 2>&1 || { cat "$T/check"; fail "check after making room"; }
stop_daemon
echo "fault_full_disk.sh: full disk refused with \"$first_err\"; $gen kept, checked and served by the daemon; next run complete"
