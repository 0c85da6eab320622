#!/bin/sh
# Hostile input, through the CLI and the daemon: pathological queries (26 prefixes,
# 1 000 words, 10 000 parentheses, 100 KB of quotes, 5 000 characters of garbage,
# invalid UTF-8) are answered - completion and result shape are asserted, not timings;
# documents carrying HTML and script come back escaped in snippets and JSON; path
# traversal in /documents/ is a JSON 404 (or 400 for what cannot be decoded); a
# slowloris (hundreds of connections sending headers byte by byte) does not stop a
# normal request from being answered. Env: BIN, BUILD, TMPDIR.
set -eu
. tests/integration/lib/daemon_common.sh
require_programs

CORPUS=$TMPDIR/corpus
IDX=$TMPDIR/index
LOG=$TMPDIR/daemon.log
Q=$TMPDIR/queries
mkdir -p "$Q"
trap 'stop_daemon; [ -n "${LORIS:-}" ] && kill "$LORIS" 2>/dev/null; true' EXIT

make_corpus "$CORPUS"
build_index "$CORPUS" "$IDX"

# The pathological queries, one file each (bytes, not shell words).
python3 - "$Q" <<'PY'
import os, random, sys
d = sys.argv[1]
rnd = random.Random(20261127)
words = "apprentissage artisan chambre métiers formation entreprise boulangerie reprise".split()
def w(name, s):
    open(os.path.join(d, name), "wb").write(s if isinstance(s, bytes) else s.encode())
w("prefixes", " ".join(chr(97 + i) + "*" for i in range(26)))
w("words-1000", " ".join(rnd.choice(words) + str(rnd.randrange(50)) if rnd.random() < .3 else rnd.choice(words) for _ in range(1000)))
w("or-1000", " OR ".join(rnd.choice(words) for _ in range(1000)))
w("parens-10000", "(" * 10000 + "artisan" + ")" * 9000)
w("quotes-100k", '"' * 100000)
w("quotes-words", ' '.join('"%s' % rnd.choice(words) for _ in range(3000)))
w("garbage-5000", "".join(chr(rnd.choice([rnd.randrange(33, 127), rnd.randrange(0xa0, 0x2fff)])) for _ in range(5000)))
w("operators", "- * OR NOT AND + title: titre: ( ) \" « » “ ” -(-(-a)) OR OR OR *a* **")
w("long-word", "a" * 5000 + "* " + "é" * 3000)
w("prefix-stop", "de* la* le* l'* d'* qu'*")
w("invalid-utf8", b"caf\xe9 \xff\xfe \xc0\xaf apprentissage \xed\xa0\x80")
PY

# check_json FILE WHAT: keeps FILE to be checked, with all the others, by check_all:
# DESIGN.md's result shape (or a JSON error), hits within the limit, snippets with no
# markup but <mark>. (One Python run for all: a run per answer is slow on a busy machine.)
OUT=$TMPDIR/answers
mkdir -p "$OUT"
n_kept=0
check_json() {
	n_kept=$((n_kept + 1))
	cp "$1" "$OUT/$n_kept.json"
	printf '%s\n' "$2" >"$OUT/$n_kept.what"
}
check_all() {
	python3 - "$OUT" <<'PY' || fail "a bad answer (above)"
import glob, json, os, re, sys
bad = 0
for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    what = open(f[:-5] + ".what", encoding="utf-8").read().strip()
    try:
        r = json.load(open(f, encoding="utf-8"))
        if "error" in r:
            e = r["error"]
            assert isinstance(e["code"], str) and isinstance(e["message"], str), r
            continue
        for k, t in (("total", int), ("page", int), ("limit", int), ("relaxed", bool), ("hits", list), ("facets", dict)):
            assert isinstance(r[k], t), (k, r.get(k))
        assert len(r["hits"]) <= r["limit"] <= 100 and r["total"] >= len(r["hits"]), r
        for h in r["hits"]:
            s = re.sub(r"</?mark>", "", h.get("snippet") or "")
            assert "<" not in s and ">" not in s, ("markup in a snippet", h["snippet"])
    except Exception as e:
        bad += 1
        print("%s: %r: %s" % (what, e, open(f, "rb").read()[:300]), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

# ---- The CLI -------------------------------------------------------------------------
n=0
for f in "$Q"/*; do
	name=$(basename "$f")
	st=0
	timeout 120 "$BIN/artisearch" --index "$IDX" --json "$(cat "$f")" >"$TMPDIR/out.json" 2>"$TMPDIR/err" || st=$?
	[ "$st" -eq 124 ] && fail "CLI $name: did not complete"
	if [ "$name" = invalid-utf8 ]; then
		[ "$st" -eq 2 ] || fail "CLI $name: exit $st, expected 2 (a bad parameter)"
		grep -q '"error"' "$TMPDIR/out.json" || fail "CLI $name: no JSON error"
	else
		[ "$st" -eq 0 ] || { cat "$TMPDIR/err"; fail "CLI $name: exit $st"; }
	fi
	check_json "$TMPDIR/out.json" "CLI $name"
	n=$((n + 1))
done

# ---- The daemon ----------------------------------------------------------------------
start_daemon "$IDX" "$LOG" --threads 2
B=$TMPDIR/body
get() { # get PATH: prints the status, body in $B
	curl -s --path-as-is --max-time 60 -o "$B" -w '%{http_code}' "${URL%/}$1"
}
for f in "$Q"/*; do
	name=$(basename "$f")
	# The query URL-encoded; beyond the daemon's URL limit, a 414 (asked from Python:
	# such a URL is longer than a command-line argument may be).
	len=$(python3 -c 'import sys, urllib.parse; print(len("/search?q=" + urllib.parse.quote(open(sys.argv[1], "rb").read(), safe="")))' "$f")
	if [ "$len" -gt 8000 ]; then
		st=$(python3 - "$URL" "$f" <<'PY'
import http.client, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
c = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
c.request("GET", "/search?q=" + urllib.parse.quote(open(sys.argv[2], "rb").read(), safe=""))
print(c.getresponse().status)
PY
)
		[ "$st" = 414 ] || fail "daemon $name ($len bytes of URL): status $st, expected 414"
	fi
	# The query cut to what fits in the URL (on a character boundary) gets an answer.
	path=$(python3 -c '
import sys, urllib.parse
q = open(sys.argv[1], "rb").read()
while len(urllib.parse.quote(q, safe="")) > 7000:
    q = q[: len(q) * 3 // 4]
    while q and (q[-1] & 0xC0) == 0x80:
        q = q[:-1]
    if q and q[-1] >= 0xC0:
        q = q[:-1]
print("/search?q=" + urllib.parse.quote(q, safe=""))' "$f")
	st=$(get "$path")
	case $name in
	invalid-utf8) [ "$st" = 400 ] || fail "daemon $name: status $st, expected 400" ;;
	*) [ "$st" = 200 ] || [ "$st" = 400 ] || { head -c 300 "$B"; fail "daemon $name: status $st"; } ;;
	esac
	check_json "$B" "daemon $name"
	n=$((n + 1))
done
# Garbage in other parameters: a 400 naming the parameter, never a 5xx.
for p in 'page=0' 'page=-1' 'page=99999999999999999999' 'limit=abc' 'limit=1e3' 'from=2024-13-45' \
	'to=9999999999' 'sort=%00' 'type=%FF' "department=$(python3 -c 'print("x" * 500)')"; do
	st=$(get "/search?q=artisan&$p")
	[ "$st" = 400 ] || fail "daemon /search?q=artisan&$p: status $st, expected 400"
	check_json "$B" "daemon $p"
	n=$((n + 1))
done

# ---- Documents carrying HTML and script: text, never markup ----------------------------
st=$(get '/search?q=zoulou&limit=20')
[ "$st" = 200 ] || fail "/search?q=zoulou: status $st"
python3 - "$B" <<'PY' || fail "hostile documents: $(head -c 600 "$B")"
import json, re, sys
raw = open(sys.argv[1], encoding="utf-8").read()
r = json.loads(raw)
assert r["total"] >= 2, r["total"]
snips = 0
for h in r["hits"]:
    s = h.get("snippet") or ""
    bare = re.sub(r"</?mark>", "", s)
    assert "<" not in bare and ">" not in bare, ("markup in a snippet", s)
    if "script" in s or "onerror" in s or "onmouseover" in s:
        snips += 1
        assert "&lt;" in s, ("a payload in a snippet is not escaped", s)
# The payloads are in the JSON as text: JSON strings, so they reach the page as data.
titles = [h["title"] for h in r["hits"]]
assert any("<script>" in t for t in titles), titles
assert snips >= 1, "no snippet shows a payload"
PY
for id in communiques/2024/2024-04-01-zoulou-hostile.md guides/zoulou-texte-brut.txt; do
	enc=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$id")
	st=$(get "/documents/$enc")
	[ "$st" = 200 ] || fail "/documents/$enc: status $st"
	python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); assert "<script>" in d["title"]' "$B" ||
		fail "/documents/$enc: $(head -c 300 "$B")"
done
n=$((n + 3))

# ---- Path traversal in /documents/ ----------------------------------------------------
for p in '../../etc/passwd' '..%2F..%2Fetc%2Fpasswd' '%2e%2e/%2e%2e/etc/passwd' '%2e%2e%2f%2e%2e%2fetc%2fpasswd' \
	'%252e%252e%252fetc%252fpasswd' '..%5C..%5Cetc%5Cpasswd' '/etc/passwd' '%2Fetc%2Fpasswd' \
	'communiques/../../../etc/passwd' 'guides/%2e%2e/%2e%2e/Makefile' '....//....//etc/passwd' \
	'%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd' 'guides/zoulou-texte-brut.txt%00.md' '%00' \
	'guides%2Fzoulou-texte-brut.txt%00' "$(printf '%s' "$IDX" | sed 's|/|%2F|g')%2FCURRENT"; do
	st=$(get "/documents/$p")
	case $st in 404 | 400) ;; *) fail "/documents/$p: status $st, expected 404 (or 400)" ;; esac
	check_json "$B" "/documents/$p"
	grep -q 'root:' "$B" && fail "/documents/$p served /etc/passwd"
	grep -q 'gen-0' "$B" && fail "/documents/$p served a file of the index"
	n=$((n + 1))
done
for p in '/../../etc/passwd' '/%2e%2e/%2e%2e/etc/passwd' '/search/../../etc/passwd' '/web/../Makefile' '/.%2e/Makefile'; do
	st=$(get "$p")
	case $st in 404 | 400) ;; *) fail "$p: status $st, expected 404 (or 400)" ;; esac
	grep -q 'root:' "$B" && fail "$p served /etc/passwd"
	n=$((n + 1))
done

# ---- Slowloris ------------------------------------------------------------------------
# 200 connections from 127.0.0.3 and 127.0.0.4 (loopback addresses of their own, under
# the per-address limit) send a request's headers one byte at a time, then stall on an
# unfinished header, for 8 s; meanwhile a visitor on 127.0.0.1 is answered every time.
python3 - "$URL" >"$TMPDIR/loris.log" 2>&1 <<'PY' &
import socket, sys, time, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
socks = []
for i in range(200):
    s = socket.socket()
    s.bind(("127.0.0.%d" % (3 + i % 2), 0))
    s.connect((u.hostname, u.port))
    s.setblocking(False)
    socks.append(s)
req = b"GET /search?q=lent HTTP/1.1\r\nHost: x\r\nUser-Agent: slowloris\r\nX-a: " + b"b" * 200
end = time.time() + 8
k = 0
open_now = len(socks)
while time.time() < end and k < len(req):
    for s in socks:
        try:
            s.send(req[k:k + 1])
        except OSError:
            pass
    k += 1
    time.sleep(0.03)
print("slowloris: %d connections, %d bytes each" % (open_now, k))
for s in socks:
    s.close()
PY
LORIS=$!
sleep 1
served=0
for i in $(seq 1 10); do
	st=$(curl -s --max-time 5 -o "$B" -w '%{http_code}' "${URL%/}/search?q=apprentissage") || st=fail
	[ "$st" = 200 ] || fail "a normal request during the slowloris: $st"
	served=$((served + 1))
	sleep 0.4
done
wait "$LORIS" || true
LORIS=
kill -0 "$DPID" 2>/dev/null || fail "the daemon died during the slowloris"
check_all
echo "hostile_input.sh: $n hostile inputs answered; $served normal requests served during a 200-connection slowloris ($(cat "$TMPDIR/loris.log"))"
