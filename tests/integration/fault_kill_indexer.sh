#!/bin/sh
# kill -9 of artisearch-index at 100 pseudo-random instants of its runs (fixed seed):
# after each, CURRENT names a generation that `artisearch check` passes, the lock is
# free, and the next run completes and publishes every document of the corpus (nothing
# lost). The runs alternate --full rebuilds and incremental runs over a corpus that
# changes between them (one file edited, one added, one removed), so the kills land
# in extraction, segment writing, fsyncs, merging, publishing and clean-up.
# Run with BIN set, from the project's root, with a private TMPDIR (tests/run.sh).
set -eu
BIN=${BIN:-bin}
IX=$BIN/artisearch-index
T=${TMPDIR:-/tmp}
C=$T/corpus
# The index on tmpfs when there is one: a kill -9 is a process dying, not the power
# failing, so the page cache is the disk here, and 200 runs of fsyncs stay cheap.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	I=$(mktemp -d /dev/shm/artisearch-kill-XXXXXX)/index
	trap 'rm -rf "${I%/index}"' EXIT
else
	I=$T/index
fi
KILLS=${KILLS:-100}
fail() { echo "fault_kill_indexer.sh: $*" >&2; exit 1; }
[ -x "$IX" ] && [ -x "$BIN/artisearch" ] || fail "programs not built in $BIN"

# A small corpus: the Markdown, HTML and text files of corpus/ (PDFs cost poppler time
# without adding publishing steps), flattened, plus generated files.
rm -rf "$C" "$I"
mkdir -p "$C/communiques" "$C/guides"
find corpus -type f \( -name '*.md' -o -name '*.html' -o -name '*.txt' \) | sort | head -n 24 |
	while read -r f; do cp "$f" "$C/communiques/$(basename "$f")"; done
i=0
while [ $i -lt 16 ]; do
	printf -- '---\ntitle: Fiche %d\ndate: 2024-01-%02d\n---\nLa fiche %d parle d'"'"'apprentissage et de formation des artisans.\n' \
		$i $((i % 28 + 1)) $i >"$C/guides/fiche-$i.md"
	i=$((i + 1))
done
expected() { find "$C" -type f | wc -l; }

now_us() { date +%s%6N; }
# Smaller in-memory segments: runs flush several segments and merge them.
export ARTISEARCH_INDEX_MEMORY=1

# How long a --full run and an incremental run take here: each kill falls within
# 110% of the duration of its kind of run, so most land inside it and a few after.
t0=$(now_us)
"$IX" --index "$I" "$C" >"$T/out" 2>&1 || { cat "$T/out"; fail "first run failed"; }
t1=$(now_us)
"$IX" --full --index "$I" "$C" >"$T/out" 2>&1 || { cat "$T/out"; fail "second run failed"; }
t2=$(now_us)
printf '\nModification.\n' >>"$C/guides/fiche-0.md"
"$IX" --index "$I" "$C" >"$T/out" 2>&1 || { cat "$T/out"; fail "third run failed"; }
t3=$(now_us)
window_full=$(( (t1 - t0 > t2 - t1 ? t1 - t0 : t2 - t1) * 11 / 10 ))
window_incr=$(( (t3 - t2) * 11 / 10 ))

# Fixed-seed fractions of the window (Park and Miller's minimal standard generator,
# exact in awk's doubles), in thousandths.
fractions=$(awk -v n="$KILLS" 'BEGIN {
	s = 20261127
	for (k = 0; k < n; k++) { s = (s * 16807) % 2147483647; printf "%d\n", s % 1000 }
}')

killed_mid_run=0
k=0
for frac in $fractions; do
	k=$((k + 1))
	# Change the corpus so that every run has work: edit, add, remove.
	printf '\nModification %d.\n' $k >>"$C/guides/fiche-$((k % 16)).md"
	printf '# Ajout %d\n\nUn nouvel artisan %d.\n' $k $k >"$C/guides/ajout-$k.md"
	[ $k -gt 3 ] && rm -f "$C/guides/ajout-$((k - 3)).md"
	full= d=$((window_incr * frac / 1000))
	[ $((k % 2)) -eq 0 ] && full=--full d=$((window_full * frac / 1000))

	"$IX" $full --index "$I" "$C" >"$T/killed.out" 2>&1 </dev/null &
	pid=$!
	sleep "$(printf '0.%06d' "$d")"
	if kill -9 "$pid" 2>/dev/null; then
		killed_mid_run=$((killed_mid_run + 1))
	fi
	wait "$pid" 2>/dev/null || true

	# The published generation is whole.
	[ -f "$I/CURRENT" ] || fail "kill $k (after ${d} us): no CURRENT"
	gen=$(cat "$I/CURRENT")
	[ -d "$I/$gen" ] || fail "kill $k (after ${d} us): CURRENT names $gen, which is not there"
	"$BIN/artisearch" check --index "$I" >"$T/check" 2>&1 ||
		{ cat "$T/check"; fail "kill $k (after ${d} us): artisearch check refuses $gen"; }

	# The next run completes and holds every document (the lock died with the process).
	"$IX" --index "$I" "$C" >"$T/out" 2>&1 </dev/null ||
		{ cat "$T/out"; fail "kill $k (after ${d} us): the next run failed"; }
	n=$(expected)
	grep -q "^index $I: $n documents" "$T/out" ||
		{ cat "$T/out"; fail "kill $k (after ${d} us): the next run does not hold the $n documents of the corpus"; }
	# Leftovers of the killed run are gone: one generation, no CURRENT.tmp.
	n_gen=$(find "$I" -mindepth 1 -maxdepth 1 -name 'gen-*' | wc -l)
	[ "$n_gen" -eq 1 ] || { ls -la "$I"; fail "kill $k: $n_gen generations left after a completed run"; }
	[ -e "$I/CURRENT.tmp" ] && fail "kill $k: CURRENT.tmp left after a completed run"
done
"$BIN/artisearch" check --index "$I" >"$T/check" 2>&1 || { cat "$T/check"; fail "final check"; }
echo "fault_kill_indexer.sh: $KILLS kills (windows ${window_full} us --full, ${window_incr} us incremental; $killed_mid_run inside a run): every published generation checked, every next run complete"
