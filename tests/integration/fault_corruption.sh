#!/bin/sh
# A flipped byte and a truncated file, in each file of a generation in turn: `artisearch
# check` and a query refuse the generation with a message naming the file; the daemon,
# given each broken generation as a newly published one, refuses it naming the file and
# keeps serving the previous one (/health, /search). Env: BIN, BUILD, TMPDIR.
set -eu
. tests/integration/lib/daemon_common.sh
require_programs

C=$TMPDIR/corpus
I=$TMPDIR/index
LOG=$TMPDIR/daemon.log
B=$TMPDIR/body
trap 'stop_daemon' EXIT

mkdir -p "$C"
find corpus -type f \( -name '*.md' -o -name '*.txt' -o -name '*.html' \) | sort | head -n 16 |
	while read -r f; do cp "$f" "$C/$(basename "$f")"; done
# Two runs, so the generation has two segments and a deletion file.
ARTISEARCH_INDEX_MEMORY=1 build_index "$C" "$I"
rm "$C/$(ls "$C" | head -n 1)"
printf '# Ajout\n\nUn artisan de plus.\n' >"$C/ajout.md"
build_index "$C" "$I"
GOOD=$(tr -d '\n' <"$I/CURRENT")
files=$(ls "$I/$GOOD")
n_files=$(echo "$files" | wc -l)
[ "$n_files" -ge 8 ] || fail "the generation has only $n_files files"
"$BIN/artisearch" check --index "$I" >/dev/null 2>&1 || fail "the fresh index does not check"

flip() { # flip FILE: adds 1 to the byte in the middle
	_size=$(wc -c <"$1")
	_off=$((_size / 2))
	_byte=$(od -An -tu1 -j "$_off" -N 1 "$1" | tr -d ' ')
	printf "$(printf '\\%03o' $(((_byte + 1) % 256)))" | dd of="$1" bs=1 seek="$_off" conv=notrunc status=none
}
truncate_half() { truncate -s $(($(wc -c <"$1") / 2)) "$1"; }

# ---- artisearch check and queries ----------------------------------------------------
cp -R "$I/$GOOD" "$TMPDIR/pristine"
n=0
for f in $files; do
	for how in flip truncate_half; do
		$how "$I/$GOOD/$f"
		st=0
		"$BIN/artisearch" check --index "$I" >"$TMPDIR/out" 2>&1 || st=$?
		[ "$st" -ne 0 ] || fail "check passed with $f broken ($how)"
		grep -q "$f" "$TMPDIR/out" || { cat "$TMPDIR/out"; fail "check does not name $f ($how)"; }
		st=0
		"$BIN/artisearch" --index "$I" --json apprentissage >"$TMPDIR/out" 2>"$TMPDIR/err" || st=$?
		[ "$st" -ne 0 ] || fail "a query was answered from $f broken ($how)"
		grep -q "$f" "$TMPDIR/out" "$TMPDIR/err" || { cat "$TMPDIR/out" "$TMPDIR/err"; fail "the query's error does not name $f ($how)"; }
		cp "$TMPDIR/pristine/$f" "$I/$GOOD/$f"
		n=$((n + 1))
	done
done
"$BIN/artisearch" check --index "$I" >/dev/null 2>&1 || fail "the restored index does not check"

# ---- The daemon keeps serving the previous generation ---------------------------------
start_daemon "$I" "$LOG" --threads 2
k=0
for f in $files; do
	for how in flip truncate_half; do
		k=$((k + 1))
		bad=gen-$((900000 + k))
		cp -R "$TMPDIR/pristine" "$I/$bad"
		$how "$I/$bad/$f"
		before=$(grep -c "refused" "$LOG" || true)
		echo "$bad" >"$I/CURRENT.tmp"
		mv "$I/CURRENT.tmp" "$I/CURRENT"
		# inotify sees CURRENT change; SIGHUP as well when the first does not come.
		for _i in $(seq 1 200); do
			[ "$(grep -c "refused" "$LOG" || true)" -gt "$before" ] && break
			[ "$_i" = 100 ] && kill -HUP "$DPID"
			sleep 0.05
		done
		line=$(grep "refused" "$LOG" | tail -n 1)
		[ "$(grep -c "refused" "$LOG" || true)" -gt "$before" ] ||
			{ tail -n 5 "$LOG"; fail "the daemon did not refuse $bad ($f, $how)"; }
		echo "$line" | grep -q "$f" || fail "the refusal of $bad does not name $f: $line"
		echo "$line" | grep -q "still serving $GOOD" || fail "the refusal of $bad does not say $GOOD is served: $line"
		st=$(curl -s --max-time 10 -o "$B" -w '%{http_code}' "${URL%/}/health")
		[ "$st" = 200 ] && grep -q "\"$GOOD\"" "$B" ||
			fail "/health after refusing $bad: $st $(cat "$B")"
		st=$(curl -s --max-time 10 -o "$B" -w '%{http_code}' "${URL%/}/search?q=apprentissage")
		[ "$st" = 200 ] && grep -q '"id":' "$B" || fail "/search after refusing $bad: $st $(head -c 200 "$B")"
		rm -rf "$I/$bad"
		n=$((n + 1))
	done
done
kill -0 "$DPID" 2>/dev/null || fail "the daemon died"

# ---- An indexer run on a broken published generation leaves the served one alone ------
# It fails (the published generation cannot be read), and the generation the daemon
# serves, older than the broken one, stays on disk: a restart would need it.
bad=gen-999999
cp -R "$TMPDIR/pristine" "$I/$bad"
flip "$I/$bad/$(echo "$files" | grep '\.post$' | head -n 1)"
echo "$bad" >"$I/CURRENT.tmp"
mv "$I/CURRENT.tmp" "$I/CURRENT"
st=0
"$BIN/artisearch-index" --index "$I" "$C" >"$TMPDIR/out" 2>&1 || st=$?
[ "$st" -ne 0 ] || fail "an incremental run on a broken published generation succeeded"
[ -d "$I/$GOOD" ] || fail "a failed indexer run removed $GOOD, the generation the daemon serves"
st=$(curl -s --max-time 10 -o "$B" -w '%{http_code}' "${URL%/}/search?q=apprentissage")
[ "$st" = 200 ] && grep -q '"id":' "$B" || fail "/search after the failed run: $st $(head -c 200 "$B")"
# --full replaces it; then every other generation goes.
"$BIN/artisearch-index" --index "$I" --full "$C" >"$TMPDIR/out" 2>&1 || { cat "$TMPDIR/out"; fail "--full over a broken generation failed"; }
NEW=$(tr -d '\n' <"$I/CURRENT")
[ "$NEW" != "$bad" ] && [ ! -d "$I/$bad" ] && [ ! -d "$I/$GOOD" ] ||
	fail "after --full: CURRENT $NEW, $(ls "$I" | tr '\n' ' ')"
"$BIN/artisearch" check --index "$I" >/dev/null 2>&1 || fail "the rebuilt index does not check"
echo "fault_corruption.sh: $n broken generations ($n_files files, flipped and truncated) refused naming the file; $GOOD kept serving, and kept on disk by a failed indexer run"
