#!/bin/sh
# artisearchd against hostile clients: slow (slowloris) connections cannot take every slot
# (per-address limit, idle timeout), and pathological queries get an answer, or a 4xx, in
# bounded time. Env: BIN, BUILD, TMPDIR.
set -eu
. tests/integration/lib/daemon_common.sh
require_programs

CORPUS=$TMPDIR/corpus
IDX=$TMPDIR/index
LOG=$TMPDIR/daemon.log
trap 'stop_daemon' EXIT
make_corpus "$CORPUS"
build_index "$CORPUS" "$IDX"
start_daemon "$IDX" "$LOG" --per-ip-connections 8 --timeout 2 --max-connections 64 --threads 2
PORT=$(echo "$URL" | sed 's/.*:\([0-9]*\)\/$/\1/')

# ---- Slow clients -------------------------------------------------------------------------
# 20 connections from 127.0.0.1 that send half a request line and stall. At most 8 are
# kept (the others are closed at once), a visitor from another address is served
# meanwhile, and the stalled ones are closed by the 2 s timeout.
python3 - "$PORT" "$TMPDIR/slow.out" <<'PY' &
import socket, sys, time
port, out = int(sys.argv[1]), sys.argv[2]
socks, closed_at_once = [], 0
for i in range(20):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"GET /search?q=lent")
    socks.append(s)
time.sleep(0.5)
alive = []
for s in socks:
    s.settimeout(0.05)
    try:
        closed = s.recv(1) == b""
    except socket.timeout:
        closed = False
    except OSError:
        closed = True
    if closed:
        closed_at_once += 1
    else:
        alive.append(s)
# Those kept must be closed by the daemon's idle timeout (2 s), not stay forever.
start = time.time()
timed_out = 0
for s in alive:
    s.settimeout(max(0.1, 8 - (time.time() - start)))
    try:
        if s.recv(1) == b"":
            timed_out += 1
    except (socket.timeout, OSError):
        pass
with open(out, "w") as f:
    f.write("%d %d %d\n" % (closed_at_once, len(alive), timed_out))
PY
SLOW=$!
sleep 1
# Another address of the loopback network: a different visitor.
st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 --interface 127.0.0.2 "${URL}search?q=apprentissage") || true
[ "$st" = 200 ] || fail "a visitor from another address got '$st' while 127.0.0.1 stalled"
wait "$SLOW"
read -r refused kept timed_out <"$TMPDIR/slow.out"
echo "slow clients: $refused closed at once, $kept kept, $timed_out of them closed by the timeout"
[ "$kept" -le 8 ] || fail "$kept stalled connections kept from one address (limit 8)"
[ "$refused" -ge 12 ] || fail "only $refused connections over the per-address limit were closed"
[ "$timed_out" = "$kept" ] || fail "$((kept - timed_out)) stalled connections outlived the timeout"
st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${URL}health") || true
[ "$st" = 200 ] || fail "127.0.0.1 not served again after its stalled connections closed ($st)"

# ---- Pathological queries ---------------------------------------------------------------
# Each gets a JSON answer (200, or 400 when a bound of the query engine is hit) within the
# curl deadline; the URL bound (8 KB) turns longer ones into a 414.
python3 - >"$TMPDIR/queries" <<'PY'
import urllib.parse as u
qs = [
    " ".join(chr(97 + i % 26) + "*" for i in range(600)),            # a* b* c* ...
    " ".join("mot%d" % i for i in range(1000))[:2500],                # very many words
    "(" * 1000 + "apprentissage" + ")" * 1000,                        # deep nesting
    '"' * 2000,                                                       # quotes
    " OR ".join("apprenti%d" % i for i in range(300)),                # a wide OR
    "-" * 500 + "apprentissage",
    "title:" * 300,
    "apprentissage " + "-apprentissage " * 200,
    "é" * 1000,
    "\u0301" * 1000,                                                  # combining accents alone
]
for q in qs:
    print(u.quote(q, safe=""))
PY
while read -r q; do
	st=$(curl -s -o "$TMPDIR/b" -w '%{http_code}' --max-time 20 "${URL}search?q=$q") || fail "no answer in 20 s to a pathological query"
	case $st in
	200 | 400 | 414) ;;
	*) fail "pathological query: status $st" ;;
	esac
	[ "$st" = 414 ] || python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$TMPDIR/b" ||
		fail "pathological query: not JSON: $(head -c 200 "$TMPDIR/b")"
done <"$TMPDIR/queries"
head -c 100000 /dev/zero | tr '\0' '"' >"$TMPDIR/quotes"
st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 20 -G --data-urlencode "q@$TMPDIR/quotes" "${URL}search") || true
[ "$st" = 414 ] || [ "$st" = 431 ] || fail "100 KB of quotes: status $st"
st=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "${URL}health")
[ "$st" = 200 ] || fail "not healthy after the hostile queries ($st)"

stop_daemon
echo "daemon_limits: all checks passed"
