#!/bin/sh
# /suggest after documents were deleted or rewritten by an incremental run: their words
# stay counted in the word dictionary of the segment that has them, and must not be
# offered, since searching them finds nothing; words of live documents still are.
# Env: BIN, TMPDIR.
set -eu
. tests/integration/lib/daemon_common.sh
require_programs

CORPUS=$TMPDIR/corpus
IDX=$TMPDIR/index
B=$TMPDIR/body
trap 'stop_daemon' EXIT

mkdir -p "$CORPUS/communiques"
cat >"$CORPUS/communiques/a.md" <<'DOC'
---
title: Journées portes ouvertes à Bozouls
date: 2024-03-02
---
Les artisans de Bozouls et de Rocamadour ouvrent leurs ateliers.
DOC
cat >"$CORPUS/communiques/b.md" <<'DOC'
---
title: Salon des métiers d'art à Millau
date: 2024-04-02
---
Les artisans de Millau exposent leurs œuvres, bozouls compris.
DOC
cat >"$CORPUS/communiques/c.md" <<'DOC'
---
title: Boulangers de Rodez
date: 2024-05-02
---
Les boulangers de Rodez et de Rocamadour.
DOC
build_index "$CORPUS" "$IDX"
start_daemon "$IDX" "$TMPDIR/daemon.log"

suggest() {
	curl -s -o "$B" -w '%{http_code}' "${URL}suggest?q=$1" | grep -q '^200$' || fail "/suggest?q=$1"
	python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["suggestions"]))' "$B"
}
total() {
	curl -s "${URL}search?q=$1" | json_get total
}

[ "$(suggest millau)" = millau ] || fail "millau is offered before the change: $(cat "$B")"
[ "$(suggest rocam)" = rocamadour ] || fail "rocamadour is offered before the change: $(cat "$B")"

# b deleted, c rewritten without Rocamadour: Millau is in no document any more, Rocamadour
# in a alone, Bozouls in a alone.
rm "$CORPUS/communiques/b.md"
cat >"$CORPUS/communiques/c.md" <<'DOC'
---
title: Boulangers de Rodez
date: 2024-05-02
---
Les boulangers de Rodez.
DOC
gen=$(curl -s "${URL}health" | json_get generation)
build_index "$CORPUS" "$IDX"
for _i in $(seq 1 100); do
	[ "$(curl -s "${URL}health" | json_get generation)" != "$gen" ] && break
	sleep 0.1
done
[ "$(curl -s "${URL}health" | json_get generation)" != "$gen" ] || fail "the daemon did not reload"

[ "$(total millau)" = 0 ] || fail "millau is still found"
[ -z "$(suggest mill)" ] || fail "/suggest offers a word of deleted documents only: $(cat "$B")"
[ "$(suggest rocam)" = rocamadour ] || fail "rocamadour (still in a) is not offered: $(cat "$B")"
[ "$(suggest bozo)" = bozouls ] || fail "bozouls (still in a) is not offered: $(cat "$B")"
echo "suggest after deletions: ok"
