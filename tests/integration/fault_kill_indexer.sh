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
I=$T/index
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

t0=$(now_us)
"$IX" --index "$I" "$C" >"$T/out" 2>&1 || { cat "$T/out"; fail "first run failed"; }
t1=$(now_us)
"$IX" --full --index "$I" "$C" >"$T/out" 2>&1 || { cat "$T/out"; fail "second run failed"; }
t2=$(now_us)
# The window the kills fall in: a little longer than the slower of two runs, so most
# kills land inside a run and a few after it.
window=$(( (t1 - t0 > t2 - t1 ? t1 - t0 : t2 - t1) * 11 / 10 ))
[ "$window" -gt 0 ] || window=100000

# Fixed-seed delays (a 31-bit LCG), in microseconds within the window.
delays=$(awk -v n="$KILLS" -v w="$window" 'BEGIN {
	s = 20261127
	for (k = 0; k < n; k++) { s = (s * 1103515245 + 12345) % 2147483648; printf "%d\n", s % w }
}')

killed_mid_run=0
k=0
for d in $delays; do
	k=$((k + 1))
	# Change the corpus so that every run has work: edit, add, remove.
	printf '\nModification %d.\n' $k >>"$C/guides/fiche-$((k % 16)).md"
	printf '# Ajout %d\n\nUn nouvel artisan %d.\n' $k $k >"$C/guides/ajout-$k.md"
	[ $k -gt 3 ] && rm -f "$C/guides/ajout-$((k - 3)).md"
	full=
	[ $((k % 2)) -eq 0 ] && full=--full

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
echo "fault_kill_indexer.sh: $KILLS kills (window ${window} us, $killed_mid_run inside a run): every published generation checked, every next run complete"
