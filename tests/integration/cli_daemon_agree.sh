#!/bin/sh
# The CLI and the daemon read a search alike: for each case, `artisearch --json ARGS` and
# GET /search?QUERY give the same bytes but took_ms, or the same refusal (exit 2 and a
# 400, with the same JSON error). The cases: queries of Unicode blanks only (empty, as a
# query of ASCII spaces is), empty parameter values (the parameter not given, as an HTML
# form sends its blank fields), and the errors that name a parameter. Then the messages
# for a folder without an index. Env: BIN, BUILD, TMPDIR.
set -eu
. tests/integration/lib/daemon_common.sh
require_programs
[ -x "$BIN/artisearch" ] || fail "$BIN/artisearch is missing (run make first)"

IDX=$TMPDIR/index
LOG=$TMPDIR/daemon.log
D=$TMPDIR/daemon.json
C=$TMPDIR/cli.json
trap 'stop_daemon' EXIT
build_index corpus "$IDX"
start_daemon "$IDX" "$LOG" --quiet

# took_ms is the one field that may differ.
untimed() { sed 's/"took_ms": [0-9.e+-]*/"took_ms": T/' "$1"; }

# agree STATUS QUERY ARGS...: GET /search?QUERY answers STATUS (200 or 400); artisearch
# --json ARGS exits 0 or 2 to match, with the same bytes but took_ms (in $TMPDIR/last).
agree() {
	_want=$1 _qs=$2
	shift 2
	_st=$(curl -s --max-time 30 -o "$D" -w '%{http_code}' "${URL}search?$_qs") || fail "curl /search?$_qs"
	[ "$_st" = "$_want" ] || fail "/search?$_qs: status $_st, expected $_want: $(head -c 300 "$D")"
	_rc=0
	"$BIN/artisearch" --index "$IDX" --json "$@" >"$C" 2>"$TMPDIR/cli.err" || _rc=$?
	case $_want in 200) _wrc=0 ;; *) _wrc=2 ;; esac
	[ "$_rc" = "$_wrc" ] || fail "artisearch --json $*: exit $_rc, expected $_wrc (/search?$_qs: $_st): $(cat "$TMPDIR/cli.err")"
	untimed "$D" >"$TMPDIR/last"
	untimed "$C" >"$TMPDIR/last.cli"
	cmp -s "$TMPDIR/last" "$TMPDIR/last.cli" ||
		{ diff "$TMPDIR/last" "$TMPDIR/last.cli" | head -n 20 >&2; fail "/search?$_qs and artisearch --json $* differ"; }
}
# The last answer holds this text.
says() { grep -qF -- "$1" "$TMPDIR/last" || fail "no \"$1\" in $(cat "$TMPDIR/last")"; }
# u HEX: the characters of those UTF-8 bytes (dash's printf has no \x).
u() { python3 -c 'import sys; sys.stdout.write(bytes.fromhex(sys.argv[1]).decode())' "$1"; }

# ---- The same JSON, to the byte: one line feed at the end of both -------------------------
agree 200 'q=cfa' cfa
cp "$TMPDIR/last" "$TMPDIR/base"
[ "$(tail -c 2 "$D" | od -An -c | tr -d ' ')" = '}\n' ] || fail "/search does not end with one line feed"
for p in "suggest?q=cf" "documents/guides%2Fnope.md" "search?q=" "nope"; do
	curl -s --max-time 30 -o "$D" "${URL}$p" || fail "curl /$p"
	[ "$(tail -c 2 "$D" | od -An -c | tr -d ' ')" = '}\n' ] || fail "/$p does not end with one line feed"
done
agree 200 'q=apprentissage&limit=3&page=2&sort=date&type=guide' --limit 3 --page 2 --sort date --type guide apprentissage

# ---- Blank queries: ASCII or Unicode spaces, format characters: empty --------------------
for hex in 20 2020 09 c2a0 e280af e28089 e38080 efbbbf e2808b 20c2a009e38080efbbbf; do
	qs=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(bytes.fromhex(sys.argv[1])))' "$hex")
	agree 400 "q=$qs" -- "$(u "$hex")"
	says "q: empty"
	st=$(curl -s --max-time 30 -o "$D" -w '%{http_code}' "${URL}suggest?q=$qs")
	[ "$st" = 400 ] || fail "/suggest?q=$qs: status $st, expected 400"
done
# A no-break space beside a word is a separator, not a word.
agree 200 'q=%C2%A0cfa%E2%80%AF' -- "$(u c2a0)cfa$(u e280af)"
[ "$(json_get total <"$D")" = "$(json_get total <"$C")" ] && [ "$(json_get total <"$D")" -gt 0 ] ||
	fail "a query framed by Unicode spaces finds nothing"

# ---- An empty value is the parameter not given ----------------------------------------------
for p in limit page from to sort type department; do
	agree 200 "q=cfa&$p=" "--$p" "" cfa
	cmp -s "$TMPDIR/last" "$TMPDIR/base" || fail "an empty $p changed the answer"
	agree 200 "q=cfa&$p=" "--$p=" cfa
	cmp -s "$TMPDIR/last" "$TMPDIR/base" || fail "--$p= changed the answer"
done
agree 200 'q=cfa&limit=&page=&from=&to=&sort=&type=&department=' \
	--limit "" --page "" --from "" --to "" --sort "" --type "" --department "" cfa
cmp -s "$TMPDIR/last" "$TMPDIR/base" || fail "empty values together changed the answer"
# What the search page sends (web/app.js apiParams()): q, limit, and only the filters set.
grep -q "p.set('limit', String(LIMIT))" web/app.js || fail "web/app.js no longer sends limit: look again at what it sends"
agree 200 'q=cfa&limit=10' --limit 10 cfa
cmp -s "$TMPDIR/last" "$TMPDIR/base" || fail "the page's request differs from the default"
# q stays required and non-empty, and a value that is there is still checked.
agree 400 'q=' ""
says "q: empty"
agree 400 'q=cfa&limit=abc' --limit abc cfa
says "limit: 'abc' is not a whole number"
agree 400 'q=cfa&sort=%20' --sort " " cfa
says "sort: ' ' is neither"

# ---- Errors that name the parameter, in words ---------------------------------------------
agree 400 'q=cfa&from=2025-01-01&to=2024-12-31' --from 2025-01-01 --to 2024-12-31 cfa
says "from: 2025-01-01 is after to: 2024-12-31"
agree 400 'q=cfa&page=1001' --page 1001 cfa
says "page: 1001 $(u c397) limit 10 goes past the 10000th result, the deepest served (the last page is 1000)"
agree 400 'q=cfa&page=101&limit=100' --page 101 --limit 100 cfa
says "page: 101 $(u c397) limit 100 goes past the 10000th result"
agree 200 'q=cfa&page=100&limit=100' --page 100 --limit 100 cfa
agree 400 'q=cfa&page=10001' --page 10001 cfa
says "page: '10001' is not a whole number from 1 to 10000"

# ---- A folder without an index: the message names it ---------------------------------------
mkdir "$TMPDIR/empty"
for dir in "$TMPDIR/empty" "$TMPDIR/none"; do
	rc=0
	"$BIN/artisearch" --index "$dir" cfa 2>"$TMPDIR/err" || rc=$?
	[ "$rc" = 2 ] && grep -qF "no index in '$dir'" "$TMPDIR/err" ||
		fail "artisearch without an index in $dir: exit $rc, $(cat "$TMPDIR/err")"
	rc=0
	"$BIN/artisearchd" --index "$dir" --listen 127.0.0.1:0 2>"$TMPDIR/err" || rc=$?
	[ "$rc" = 1 ] && grep -qF "no index in '$dir'" "$TMPDIR/err" ||
		fail "artisearchd without an index in $dir: exit $rc, $(cat "$TMPDIR/err")"
done
# A CURRENT naming a generation that is gone is a damaged index, not a missing one.
cp -R "$IDX" "$TMPDIR/damaged"
echo gen-999999 >"$TMPDIR/damaged/CURRENT"
rc=0
"$BIN/artisearch" --index "$TMPDIR/damaged" cfa 2>"$TMPDIR/err" || rc=$?
[ "$rc" = 2 ] && grep -qF "cannot open index '$TMPDIR/damaged': gen-999999" "$TMPDIR/err" ||
	fail "artisearch on a damaged index: exit $rc, $(cat "$TMPDIR/err")"
echo "cli_daemon_agree: ok"
