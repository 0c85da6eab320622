# Shared by the daemon's shell tests (sourced, not run): a corpus with hostile documents,
# an index of it, and artisearchd on a free loopback port.
#   BIN    programs folder (bin or bin-san)
#   TMPDIR private scratch folder (tests/run.sh gives each test its own)

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# The programs this test drives must be built.
require_programs() {
	for p in artisearch-index artisearchd; do
		[ -x "$BIN/$p" ] || fail "$BIN/$p is missing (run make first)"
	done
}

# make_corpus DIR: the project's corpus plus documents that try to inject HTML and script.
# Every payload sets a window flag the browser test checks stays unset.
make_corpus() {
	mkdir -p "$1"
	cp -R corpus/. "$1/"
	mkdir -p "$1/communiques/2024" "$1/guides"
	cat >"$1/communiques/2024/2024-04-01-zoulou-hostile.md" <<'DOC'
---
title: "Alerte <script>window.__pwned1=1</script> zoulou"
date: 2024-04-01
type: communique
department: "31"
url: "javascript:window.__pwned2=1"
tags: [zoulou, "<img src=x onerror=window.__pwned3=1>"]
---
# Zoulou

Le texte `<script>window.__pwned4=1</script>` apparaît ici comme du code, à côté du mot
zoulou et de `<img src=x onerror="window.__pwned5=1">` : une page de recherche doit
l'afficher tel quel.
DOC
	cat >"$1/guides/zoulou-texte-brut.txt" <<'DOC'
Zoulou brut <script>window.__pwned=1</script>

Un document texte : <b onmouseover="window.__pwned=1">zoulou</b> & "guillemets" restent du texte.
DOC
}

# build_index CORPUS INDEX: runs the indexer, failing the test if it fails.
build_index() {
	"$BIN/artisearch-index" --index "$2" "$1" >"$TMPDIR/index.log" 2>&1 ||
		{ cat "$TMPDIR/index.log" >&2; fail "artisearch-index $1 failed"; }
}

# start_daemon INDEX LOG [ARGS...]: sets DPID and URL ("http://127.0.0.1:PORT/").
start_daemon() {
	_idx=$1 _log=$2
	shift 2
	"$BIN/artisearchd" --index "$_idx" --listen 127.0.0.1:0 "$@" 2>"$_log" &
	DPID=$!
	URL=
	# Up to 60 s: a sanitizer build starts slowly on a loaded machine.
	for _i in $(seq 1 600); do
		URL=$(sed -n 's/.* on \(http:\/\/[0-9.:]*\/\)$/\1/p' "$_log" | head -n 1)
		[ -n "$URL" ] && break
		kill -0 "$DPID" 2>/dev/null || { cat "$_log" >&2; fail "artisearchd exited at start"; }
		sleep 0.1
	done
	[ -n "$URL" ] || { cat "$_log" >&2; fail "artisearchd printed no URL"; }
}

stop_daemon() {
	[ -n "${DPID:-}" ] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	DPID=
}

# The value of a JSON path in stdin ("generation", "hits.0.id"), printed.
json_get() {
	python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[int(k)] if isinstance(v, list) else v[k]
print(v if not isinstance(v, (dict, list)) else json.dumps(v))' "$1"
}
