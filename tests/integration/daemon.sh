#!/bin/sh
# artisearchd over HTTP: every route and error case (curl), caching, compression, CORS,
# metrics, a reload under load with no failed request, a corrupted generation refused
# while the old one keeps serving, slow clients, and SIGTERM. Env: BIN, BUILD, TMPDIR.
set -eu
. tests/integration/lib/daemon_common.sh
require_programs

CORPUS=$TMPDIR/corpus
IDX=$TMPDIR/index
LOG=$TMPDIR/daemon.log
B=$TMPDIR/body
H=$TMPDIR/headers
ORIGIN=https://www.artisanat.example
trap 'stop_daemon' EXIT

make_corpus "$CORPUS"
build_index "$CORPUS" "$IDX"

# ---- Command line --------------------------------------------------------------------
"$BIN/artisearchd" --help | grep -q -- '--cors-origin' || fail "--help"
"$BIN/artisearchd" --version | grep -q '^artisearchd ' || fail "--version"
rc=0; "$BIN/artisearchd" --bogus 2>/dev/null || rc=$?
[ "$rc" = 2 ] || fail "an unknown option exits 2 (got $rc)"
rc=0; "$BIN/artisearchd" --index "$TMPDIR/nowhere" --listen 127.0.0.1:0 2>"$TMPDIR/err" || rc=$?
[ "$rc" = 1 ] && grep -q nowhere "$TMPDIR/err" || fail "a missing index exits 1 naming it (got $rc)"
# Bad usage exits 2 naming the option, whatever the index (here none): --listen too.
for args in "--listen nonsense" "--listen 127.0.0.1:99999" "--listen 127.0.0.1:" "--listen [::1" \
	"--listen nohost.invalid:8080" "--threads 0" "--threads x" "--timeout 0" "--cors-origin www.example.fr" \
	"--bogus" "--threads" "--index=/x extra"; do
	rc=0
	# shellcheck disable=SC2086
	"$BIN/artisearchd" --index "$TMPDIR/nowhere" $args 2>"$TMPDIR/err" || rc=$?
	opt=${args%% *}
	[ "$opt" = --index=/x ] && opt=extra
	[ "$rc" = 2 ] && grep -q -- "$opt" "$TMPDIR/err" && [ "$(wc -l <"$TMPDIR/err")" -eq 1 ] ||
		fail "artisearchd $args: exit $rc, expected 2 naming $opt: $(cat "$TMPDIR/err")"
done
rc=0; "$BIN/artisearchd" --index "" 2>"$TMPDIR/err" || rc=$?
[ "$rc" = 2 ] && grep -q -- --index "$TMPDIR/err" || fail "--index '': exit $rc, expected 2 naming --index"

start_daemon "$IDX" "$LOG" --cors-origin "$ORIGIN" --threads 2
echo "daemon at $URL"

# req PATH [curl options]: prints the status; the body is in $B, the headers in $H.
req() {
	_p=$1
	shift
	rm -f "$B" "$H"
	: >"$B"
	curl -s --path-as-is --max-time 30 -o "$B" -D "$H" -w '%{http_code}' "$@" "${URL%/}$_p"
}
# expect STATUS PATH [curl options]
expect() {
	_want=$1
	shift
	_got=$(req "$@") || fail "curl $1 failed"
	[ "$_got" = "$_want" ] || { head -c 600 "$B" >&2; echo >&2; fail "$1: status $_got, expected $_want"; }
}
header() { # header NAME: its value in $H, or nothing
	tr -d '\r' <"$H" | sed -n "s/^$1: //Ip" | head -n 1
}
# expect_error STATUS PATH [curl options]: a JSON error body {"error": {"code", "message"}}
# (its shape checked with grep here, parsed as JSON by is_json_error for a few).
expect_error() {
	expect "$@"
	header Content-Type | grep -q '^application/json' || fail "$2: error is not JSON ($(header Content-Type))"
	grep -Eq '^\{ *"error" *: *\{ *"code" *: *"[a-z_]+" *, *"message" *: *".+" *\} *\}$' "$B" ||
		fail "$2: not a JSON error: $(head -c 300 "$B")"
}
is_json_error() {
	python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))["error"]
assert isinstance(e["code"], str) and e["code"], e
assert isinstance(e["message"], str) and e["message"], e' "$B" || fail "not a JSON error: $(head -c 300 "$B")"
}

# ---- /health -------------------------------------------------------------------------
expect 200 /health
GEN=$(json_get generation <"$B")
DOCS=$(json_get documents <"$B")
[ "$(json_get status <"$B")" = ok ] || fail "/health status"
echo "$GEN" | grep -Eq '^gen-[0-9]+$' || fail "/health generation '$GEN'"
[ "$DOCS" -gt 10 ] || fail "/health documents '$DOCS'"
[ "$(header Cache-Control)" = no-store ] || fail "/health must not be cached"

# ---- /search -------------------------------------------------------------------------
expect 200 '/search?q=apprentissage'
header Content-Type | grep -q '^application/json; charset=utf-8' || fail "/search content type"
python3 - "$B" <<'PY' || fail "/search JSON shape: $(head -c 400 "$B")"
import json, sys
r = json.load(open(sys.argv[1]))
for k, t in (("query", str), ("total", int), ("page", int), ("limit", int), ("took_ms", (int, float)),
             ("relaxed", bool), ("hits", list), ("facets", dict)):
    assert isinstance(r[k], t), (k, r.get(k))
assert "suggestion" in r and (r["suggestion"] is None or isinstance(r["suggestion"], str))
assert r["query"] == "apprentissage" and r["page"] == 1 and r["limit"] == 10
assert r["total"] >= len(r["hits"]) > 0, r["total"]
for h in r["hits"]:
    assert isinstance(h["id"], str) and h["id"]
    assert isinstance(h["title"], str)
    assert isinstance(h["score"], (int, float))
    for k in ("url", "date", "type", "department", "snippet"):
        assert k in h, k
PY
FIRST_ID=$(json_get hits.0.id <"$B")
TOTAL=$(json_get total <"$B")

expect 200 '/search?q=apprentissage&page=2&limit=5&sort=date'
[ "$(json_get page <"$B")" = 2 ] && [ "$(json_get limit <"$B")" = 5 ] || fail "page/limit not honoured"
expect 200 '/search?q=apprentissage&type=guide'
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert all(h["type"] == "guide" for h in r["hits"]), r["hits"]' "$B" || fail "type filter"
expect 200 '/search?q=apprentissage&from=2021-01-01&to=2021-12-31'
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert all(h["date"] and h["date"].startswith("2021") for h in r["hits"]), r["hits"]' "$B" || fail "date filter"
# An empty filter is a form's unset field, not an error (documented in README).
expect 200 '/search?q=apprentissage&type=&department='
[ "$(json_get total <"$B")" = "$TOTAL" ] || fail "empty filters changed the result"
expect 200 '/search?q=caf%C3%A9+cr%C3%A8me'
expect 200 '/search?q=apprentissage' --compressed -H 'Accept-Encoding: gzip'

expect_error 400 '/search'
is_json_error
expect_error 400 '/search?q='
expect_error 400 '/search?q=+++'
expect_error 400 '/search?page=2'
expect_error 400 '/search?q=a&page=abc'
expect_error 400 '/search?q=a&page=0'
expect_error 400 '/search?q=a&limit=-1'
expect_error 400 '/search?q=a&sort=random'
expect_error 400 '/search?q=a&from=2024-13-45'
expect_error 400 '/search?q=a&utm_source=x'
grep -q utm_source "$B" || fail "an unknown parameter is named in the error"
expect_error 400 '/search?q=a&q=b'
expect_error 400 '/search?q=%FF'
expect_error 400 '/search?q=%C3%28'
expect_error 400 '/search?q=%ED%A0%80'
expect_error 400 '/search?q=%C0%AF'
expect_error 400 '/search?q=a%00b'
expect_error 400 '/search?q=%zz'
expect_error 400 '/search?q=%E'

# ---- Hostile documents reach the JSON as data, their snippets escaped ---------------
expect 200 '/search?q=zoulou'
python3 - "$B" <<'PY' || fail "hostile documents: $(head -c 800 "$B")"
import json, re, sys
r = json.load(open(sys.argv[1]))
assert r["total"] >= 2, r["total"]
titles = [h["title"] for h in r["hits"]]
assert any("<script>" in t for t in titles), titles
for h in r["hits"]:
    s = h["snippet"] or ""
    # A snippet's only markup is <mark>: everything else is escaped text.
    assert not re.search(r"<(?!/?mark>)", s), s
PY

# ---- /suggest ------------------------------------------------------------------------
expect 200 '/suggest?q=appren'
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["query"] == "appren" and isinstance(r["suggestions"], list), r
assert all(isinstance(s, str) for s in r["suggestions"])' "$B" || fail "/suggest shape: $(cat "$B")"
expect 200 '/suggest?q=appren&limit=3'
[ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["suggestions"]))' "$B")" -le 3 ] ||
	fail "/suggest limit"
expect_error 400 '/suggest'
expect_error 400 '/suggest?q=a&limit=0'
expect_error 400 '/suggest?q=a&what=1'

# ---- /documents/{id} -----------------------------------------------------------------
ENC_ID=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$FIRST_ID")
expect 200 "/documents/$ENC_ID"
[ "$(json_get id <"$B")" = "$FIRST_ID" ] || fail "/documents/$ENC_ID gives another id"
python3 -c 'import json,sys; assert "body" not in json.load(open(sys.argv[1]))' "$B" || fail "/documents has a body"
expect_error 404 '/documents/no/such/document.md'
expect_error 404 '/documents/'
expect_error 404 '/documents/../../../../etc/passwd'
expect_error 404 '/documents/%2e%2e%2f%2e%2e%2fetc%2fpasswd'
expect_error 404 '/documents/..%2F..%2FMakefile'
expect_error 400 '/documents/%FF'

# ---- The page, its files and the widget ----------------------------------------------
expect 200 /
header Content-Type | grep -q '^text/html' || fail "/ is not HTML"
grep -q 'id="q"' "$B" || fail "/ has no search box"
header Content-Security-Policy | grep -q "script-src 'self'" || fail "/ has no CSP"
for f in /app.js /style.css /widget.js /index.html; do
	expect 200 "$f"
done
expect 200 /widget.js
header Content-Type | grep -q '^text/javascript' || fail "/widget.js content type"
expect 200 /app.js -H 'Accept-Encoding: gzip'
[ "$(header Content-Encoding)" = gzip ] || fail "/app.js is not gzipped"

# ---- Unknown routes, methods, long URLs ----------------------------------------------
expect_error 404 /nope
is_json_error
expect_error 404 /search/extra
expect_error 404 /favicon.ico
expect_error 405 /search?q=a -X POST -d 'q=a'
is_json_error
header Allow | grep -q GET || fail "405 without Allow"
expect_error 405 / -X DELETE
expect_error 405 /health -X PUT -d x
expect 200 /health -I
LONG=$(head -c 9000 /dev/zero | tr '\0' a)
expect_error 414 "/search?q=$LONG"
# Beyond what libmicrohttpd keeps for a request line: refused before the daemon (its body).
HUGE=$(head -c 70000 /dev/zero | tr '\0' a)
st=$(req "/search?q=$HUGE") || true
[ "$st" = 414 ] || [ "$st" = 431 ] || [ "$st" = 400 ] || fail "a 70 KB URL gave $st"
expect 200 /health

# ---- ETag and 304 --------------------------------------------------------------------
expect 200 '/search?q=apprentissage'
ETAG=$(header ETag)
echo "$ETAG" | grep -q "$GEN" || fail "ETag '$ETAG' not tied to $GEN"
header Cache-Control | grep -q no-cache || fail "/search Cache-Control"
expect 304 '/search?q=apprentissage' -H "If-None-Match: $ETAG"
[ ! -s "$B" ] || fail "a 304 has a body"
expect 200 '/search?q=apprentissage' -H 'If-None-Match: W/"gen-0"'
expect 304 "/documents/$ENC_ID" -H "If-None-Match: $ETAG"
expect 200 /widget.js
WETAG=$(header ETag)
expect 304 /widget.js -H "If-None-Match: $WETAG"

# ---- gzip ----------------------------------------------------------------------------
expect 200 '/search?q=apprentissage&limit=20' -H 'Accept-Encoding: gzip'
[ "$(header Content-Encoding)" = gzip ] || fail "no gzip when accepted"
header Vary | grep -q Accept-Encoding || fail "no Vary: Accept-Encoding"
gzip -dc <"$B" | python3 -c 'import json,sys; json.load(sys.stdin)' || fail "gzip body is not JSON"
expect 200 '/search?q=apprentissage&limit=20' -H 'Accept-Encoding: gzip;q=0, identity'
[ -z "$(header Content-Encoding)" ] || fail "gzip sent though q=0"
expect 200 '/search?q=apprentissage&limit=20'
[ -z "$(header Content-Encoding)" ] || fail "gzip sent unasked"

# ---- CORS ----------------------------------------------------------------------------
expect 200 '/search?q=apprentissage' -H "Origin: $ORIGIN"
[ "$(header Access-Control-Allow-Origin)" = "$ORIGIN" ] || fail "no CORS for $ORIGIN"
header Vary | grep -q Origin || fail "no Vary: Origin"
expect 200 '/search?q=apprentissage' -H 'Origin: https://evil.example'
[ -z "$(header Access-Control-Allow-Origin)" ] || fail "CORS granted to another origin"
expect 204 '/search?q=a' -X OPTIONS -H "Origin: $ORIGIN" -H 'Access-Control-Request-Method: GET'
header Access-Control-Allow-Methods | grep -q GET || fail "preflight without Allow-Methods"
[ "$(header Access-Control-Allow-Origin)" = "$ORIGIN" ] || fail "preflight without Allow-Origin"
expect_error 404 /nowhere -X OPTIONS -H "Origin: $ORIGIN"
expect 204 '/search?q=a' -X OPTIONS -H 'Origin: https://evil.example'
[ -z "$(header Access-Control-Allow-Origin)" ] || fail "preflight granted to another origin"

# ---- Access log ----------------------------------------------------------------------
grep -q ' GET "/health" 200 ' "$LOG" || fail "no access-log line for /health"
grep -q ' POST "/search?q=a" 405 ' "$LOG" || fail "no access-log line for the POST"
grep -q ' GET "/search?q=%FF" 400 ' "$LOG" || fail "no access-log line for the bad UTF-8"

# ---- Slow clients --------------------------------------------------------------------
# 40 connections each sending half a request line and stalling: the daemon (a pool of
# epoll threads) keeps answering everyone else meanwhile.
python3 - "${URL}" <<'PY' &
import socket, sys, time, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
socks = []
for i in range(40):
    s = socket.create_connection((u.hostname, u.port))
    s.sendall(b"GET /search?q=lent HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    socks.append(s)
time.sleep(3)
for s in socks:
    s.close()
PY
SLOW=$!
sleep 0.5
for i in 1 2 3 4 5; do
	expect 200 '/search?q=apprentissage' --max-time 5
done
wait "$SLOW"

# ---- /metrics ------------------------------------------------------------------------
expect 200 /metrics
header Content-Type | grep -q '^text/plain; version=0.0.4' || fail "/metrics content type"
python3 - "$B" "$GEN" "$DOCS" <<'PY' || fail "/metrics: $(head -c 1500 "$B")"
import re, sys
text = open(sys.argv[1]).read()
def value(pattern):
    m = re.search("^" + pattern + r" (\S+)$", text, re.M)
    assert m, pattern
    return float(m.group(1))
assert value(r'artisearch_http_requests_total\{route="search",status="200"\}') >= 10
assert value(r'artisearch_http_requests_total\{route="search",status="400"\}') >= 15
assert value(r'artisearch_http_requests_total\{route="search",status="304"\}') >= 1
assert value(r'artisearch_http_requests_total\{route="document",status="404"\}') >= 3
assert value(r'artisearch_http_requests_total\{route="other",status="405"\}') >= 3
assert value(r'artisearch_http_request_duration_seconds_bucket\{route="search",le="\+Inf"\}') >= 10
assert value(r'artisearch_http_request_duration_seconds_count\{route="search"\}') >= 10
assert value("artisearch_documents") == float(sys.argv[3])
assert value(r'artisearch_generation_info\{generation="%s"\}' % sys.argv[2]) == 1
assert value("artisearch_reloads_total") == 0
assert value("artisearch_reload_failures_total") == 0
for line in text.splitlines():
    assert line.startswith("#") or re.match(r'^[a-z_]+(\{[^}]*\})? [0-9.e+-]+$', line), line
PY

# ---- Reload under load ---------------------------------------------------------------
# Eight clients search without pause (keep-alive connections, bounded in time) while the
# index is republished five times and a SIGHUP comes in: not one request may fail.
STOP=$TMPDIR/stop-load
python3 - "$URL" "$STOP" "$TMPDIR/load.out" <<'PY' &
import http.client, os, sys, threading, time, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
stop, out = sys.argv[2], sys.argv[3]
queries = ["apprentissage", "artisanat", "formation", "convention", "entreprise", "cma", "zoulou"]
ok, bad, errors = [0], [0], []
lock = threading.Lock()
deadline = time.time() + 120  # bounded even if the shell never says stop
def client(n):
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    i = n
    while not os.path.exists(stop) and time.time() < deadline:
        path = "/search?q=" + queries[i % len(queries)] if i % 4 else "/health"
        i += 1
        try:
            c.request("GET", path)
            r = c.getresponse()
            r.read()
            with lock:
                if r.status == 200:
                    ok[0] += 1
                else:
                    bad[0] += 1
                    errors.append("%s: %d" % (path, r.status))
        except Exception as e:
            with lock:
                bad[0] += 1
                errors.append("%s: %r" % (path, e))
            c.close()
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
threads = [threading.Thread(target=client, args=(n,)) for n in range(8)]
for t in threads: t.start()
for t in threads: t.join()
with open(out, "w") as f:
    f.write("%d %d\n" % (ok[0], bad[0]))
    f.write("\n".join(errors[:20]) + "\n")
PY
LOAD=$!
sleep 1
DOC=$CORPUS/communiques/2024/2024-04-01-zoulou-hostile.md
prev=$GEN
for round in 1 2 3 4 5; do
	printf '\nRévision numéro %s du document zoulou.\n' "$round" >>"$DOC"
	build_index "$CORPUS" "$IDX"
	now=$(tr -d '\n' <"$IDX/CURRENT")
	[ "$now" != "$prev" ] || fail "round $round: the indexer published no new generation"
	# inotify, not a signal, must bring it in.
	for i in $(seq 1 300); do
		[ "$(curl -s "${URL}health" | json_get generation)" = "$now" ] && break
		sleep 0.1
	done
	[ "$(curl -s "${URL}health" | json_get generation)" = "$now" ] || fail "round $round: $now not served"
	prev=$now
	[ "$round" = 3 ] && kill -HUP "$DPID"
done
sleep 1
touch "$STOP"
wait "$LOAD"
read -r n_ok n_bad <"$TMPDIR/load.out"
echo "reload under load: $n_ok requests answered, $n_bad failed, 5 generations swapped in"
[ "$n_bad" = 0 ] || { cat "$TMPDIR/load.out" >&2; fail "$n_bad requests failed during reloads"; }
[ "$n_ok" -gt 100 ] || fail "too few requests during reloads ($n_ok)"
grep -q "now serving $prev" "$LOG" || fail "no log line for the reload to $prev"
expect 200 /metrics
grep -q '^artisearch_reloads_total 5$' "$B" || fail "reloads_total is not 5: $(grep reloads "$B")"
expect 200 '/search?q=r%C3%A9vision+zoulou'
[ "$(json_get total <"$B")" -ge 1 ] || fail "the last generation's new words are not found"

# ---- A corrupted generation is refused -----------------------------------------------
GOOD=$(tr -d '\n' <"$IDX/CURRENT")
BAD=gen-999999
cp -R "$IDX/$GOOD" "$IDX/$BAD"
victim=$(ls -S "$IDX/$BAD" | head -n 1)
size=$(wc -c <"$IDX/$BAD/$victim")
off=$((size / 2))
byte=$(od -An -tu1 -j "$off" -N 1 "$IDX/$BAD/$victim" | tr -d ' ')
printf "$(printf '\\%03o' $(((byte + 1) % 256)))" |
	dd of="$IDX/$BAD/$victim" bs=1 seek="$off" conv=notrunc status=none
echo "$BAD" >"$IDX/CURRENT.tmp"
mv "$IDX/CURRENT.tmp" "$IDX/CURRENT"
for i in $(seq 1 300); do
	grep -q "refused" "$LOG" && break
	sleep 0.1
done
grep -q "refused the new generation" "$LOG" || fail "the corrupted $BAD was not refused (log: $(tail -n 3 "$LOG"))"
grep "refused the new generation" "$LOG" | grep -q "still serving $GOOD" || fail "refusal does not name $GOOD"
expect 200 /health
[ "$(json_get generation <"$B")" = "$GOOD" ] || fail "/health shows $(json_get generation <"$B") after a refused generation"
expect 200 '/search?q=apprentissage'
expect 200 /metrics
grep -q '^artisearch_reload_failures_total 1$' "$B" || fail "reload_failures_total: $(grep failures "$B")"
kill -HUP "$DPID"
sleep 0.5
expect 200 /health
[ "$(json_get generation <"$B")" = "$GOOD" ] || fail "SIGHUP swapped in the corrupted generation"
echo "$GOOD" >"$IDX/CURRENT.tmp"
mv "$IDX/CURRENT.tmp" "$IDX/CURRENT"

# ---- SIGTERM: in-flight requests finish, exit 0 --------------------------------------
( for i in 1 2 3 4 5 6 7 8; do curl -s -o /dev/null -w '%{http_code}\n' "${URL}search?q=apprentissage"; done ) \
	>"$TMPDIR/last.out" &
LAST=$!
kill -TERM "$DPID"
rc=0
wait "$DPID" || rc=$?
DPID=
wait "$LAST" || true
[ "$rc" = 0 ] || fail "SIGTERM: exit status $rc"
grep -q 'stopped' "$LOG" || fail "no 'stopped' line"
# Requests either completed (200) or found the door closed (000): never a half answer.
! grep -Ev '^(200|000)$' "$TMPDIR/last.out" || fail "a request broke during shutdown"
# ---- An index rebuilt from nothing: gen-000001 again, another folder ------------------
# Deleted while the daemon has it open, the folder sends no event; the new one's first
# generation has the old one's name. Both must be seen (a stat every 5 s; SIGHUP at once).
R=$TMPDIR/rebuilt
mkdir -p "$TMPDIR/small/guides"
printf 'Zoulou seul\n\nUn document zoulou.\n' >"$TMPDIR/small/guides/seul.txt"
build_index "$CORPUS" "$R"
start_daemon "$R" "$LOG.2"
expect 200 /health
N0=$(json_get documents <"$B")
expect 200 '/search?q=apprentissage'
E0=$(header ETag)
rm -rf "$R"
build_index "$TMPDIR/small" "$R"
for i in $(seq 1 150); do
	expect 200 /health
	[ "$(json_get documents <"$B")" = 1 ] && break
	sleep 0.1
done
[ "$(json_get documents <"$B")" = 1 ] || fail "an index rebuilt from nothing not served after 15 s ($N0 documents still; log: $(cat "$LOG.2"))"
grep -q "deleted or replaced" "$LOG.2" || fail "no line for the replaced index folder"
expect 200 '/search?q=apprentissage'
[ "$(header ETag)" != "$E0" ] || fail "the rebuilt index answers with the old one's ETag $E0"
rm -rf "$R"
build_index "$CORPUS" "$R"
kill -HUP "$DPID"
for i in $(seq 1 100); do
	expect 200 /health
	[ "$(json_get documents <"$B")" = "$N0" ] && break
	sleep 0.1
done
[ "$(json_get documents <"$B")" = "$N0" ] || fail "SIGHUP did not serve an index rebuilt under the same generation name"
stop_daemon

echo "daemon: all checks passed"
