#!/bin/sh
# HTTP benchmark of artisearchd, for `make bench` (called by bench/bench.py) or by hand:
#
#   sh bench/http_bench.sh
#
# In one run, on loopback only, each with `wrk -t$THREADS -c$CONNECTIONS -d$DURATION`:
#   search   artisearchd GET /search over a set of real queries (bench/http_queries.lua),
#            repeated ones answered from its result cache (--cache), as on a real site
#   uncached the same with --cache 0: every request runs the query (one round)
#   bare     bench/mhd_bare.c: bare libmicrohttpd (same thread pool + epoll) answering a
#            body of the same size from memory: the ceiling for our daemon
#   nginx    Debian's nginx (own config in a temporary folder) serving a static file of
#            that size: the ceiling for any HTTP server here
#   reload   /search again while the index is republished every second: failed requests
#            (non-2xx answers and socket errors) must be 0
# Prints a table, then one JSON line (the last line) for scripts.
#
# Env: DURATION (seconds per run, default 5), ROUNDS (3: search, bare and nginx run in
# turn that many times, the median kept), CONNECTIONS (64), THREADS (2), CORPUS
# (corpus), BIN (bin), BUILD (build), NGINX (/usr/sbin/nginx), SEARCHD_ARGS (extra
# artisearchd options). Needs wrk and nginx (scripts/setup.sh bench).
set -eu
DURATION=${DURATION:-5}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
CORPUS=${CORPUS:-corpus}
BIN=${BIN:-bin}
BUILD=${BUILD:-build}
NGINX=${NGINX:-/usr/sbin/nginx}
SEARCHD_ARGS=${SEARCHD_ARGS:-}

say() { echo "http_bench: $*" >&2; }
die() { say "$*"; exit 1; }

command -v wrk >/dev/null || die "wrk is missing (sh scripts/setup.sh bench)"
[ -x "$NGINX" ] || die "$NGINX is missing (sh scripts/setup.sh bench)"
[ -x "$BIN/artisearchd" ] && [ -x "$BIN/artisearch-index" ] || die "run make first"
case $DURATION in *[!0-9]* | '' | 0) die "DURATION must be a whole number of seconds" ;; esac
case $ROUNDS in *[!0-9]* | '' | 0) die "ROUNDS must be a whole number" ;; esac
[ -x "$BUILD/bench/mhd_bare" ] || make --no-print-directory -s "$BUILD/bench/mhd_bare" >&2 ||
	die "cannot build $BUILD/bench/mhd_bare"

T=$(mktemp -d "${TMPDIR:-/tmp}/artisearch-http-bench.XXXXXX")
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	[ -f "$T/nginx.pid" ] && kill "$(cat "$T/nginx.pid")" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_http() { # wait_http URL: up to 20 s
	for _i in $(seq 1 200); do
		curl -s -o /dev/null --max-time 1 "$1" && return 0
		sleep 0.1
	done
	die "nothing answers at $1"
}

# ---- The index and the daemon ---------------------------------------------------------
say "indexing $CORPUS"
cp -R "$CORPUS" "$T/corpus"
"$BIN/artisearch-index" --index "$T/index" "$T/corpus" >"$T/index.log" 2>&1 || {
	cat "$T/index.log" >&2
	die "indexing failed"
}
SP=$(free_port)
# shellcheck disable=SC2086
"$BIN/artisearchd" --index "$T/index" --listen "127.0.0.1:$SP" $SEARCHD_ARGS 2>"$T/daemon.log" &
PIDS="$PIDS $!"
wait_http "http://127.0.0.1:$SP/health"

# The same daemon without its result cache: every request runs the query.
UP=$(free_port)
# shellcheck disable=SC2086
"$BIN/artisearchd" --index "$T/index" --listen "127.0.0.1:$UP" --cache 0 $SEARCHD_ARGS 2>/dev/null &
PIDS="$PIDS $!"
wait_http "http://127.0.0.1:$UP/health"

# The size of a typical answer: the mean over the queries wrk will send.
LUA=$(dirname "$0")/http_queries.lua
SIZE=$(sed -n 's/^ *"\(.*\)",$/\1/p' "$LUA" | while read -r q; do
	curl -s -o /dev/null -w '%{size_download}\n' "http://127.0.0.1:$SP/search?q=$q"
done | awk '{s += $1; n++} END {printf "%d\n", n ? s / n : 2048}')
[ "$SIZE" -gt 0 ] || SIZE=2048
say "a /search answer is $SIZE bytes on average"

# ---- The two ceilings ---------------------------------------------------------------------
BP=$(free_port)
"$BUILD/bench/mhd_bare" "$BP" "$SIZE" 2>"$T/bare.log" &
PIDS="$PIDS $!"
wait_http "http://127.0.0.1:$BP/"

NP=$(free_port)
mkdir -p "$T/www" "$T/nginx-tmp"
head -c "$SIZE" /dev/zero | tr '\0' 'x' >"$T/www/search.json"
chmod -R a+rX "$T"
cat >"$T/nginx.conf" <<EOF
worker_processes $THREADS;
daemon on;
pid $T/nginx.pid;
error_log $T/nginx-error.log;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	client_body_temp_path $T/nginx-tmp/body;
	proxy_temp_path $T/nginx-tmp/proxy;
	fastcgi_temp_path $T/nginx-tmp/fastcgi;
	uwsgi_temp_path $T/nginx-tmp/uwsgi;
	scgi_temp_path $T/nginx-tmp/scgi;
	server {
		listen 127.0.0.1:$NP;
		root $T/www;
		location / { default_type application/json; try_files /search.json =404; }
	}
}
EOF
"$NGINX" -p "$T" -c "$T/nginx.conf" -e "$T/nginx-error.log" || die "nginx did not start"
wait_http "http://127.0.0.1:$NP/"

# ---- Runs ---------------------------------------------------------------------------------
# run NAME URL [wrk args]: leaves "rps p99_ms failed" in $T/NAME.res
run() {
	_name=$1 _url=$2
	shift 2
	say "wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s $* $_url"
	wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency --timeout 5s "$@" "$_url" >"$T/$_name.wrk" 2>&1 ||
		{ cat "$T/$_name.wrk" >&2; die "wrk failed on $_name"; }
	awk '
	function ms(v) {
		if (v ~ /us$/) return v / 1000;
		if (v ~ /ms$/) return v + 0;
		if (v ~ /s$/) return v * 1000;
		return v + 0;
	}
	/Requests\/sec:/ { rps = $2 }
	$1 == "99%" { p99 = ms($2) }
	/Socket errors:/ { gsub(",", ""); failed += $4 + $6 + $8 + $10 }
	/Non-2xx or 3xx responses:/ { failed += $5 }
	END { printf "%.0f %.3f %d\n", rps, p99, failed }' "$T/$_name.wrk" >"$T/$_name.res"
}

# Interleaved rounds, the median of each kept: on a shared machine the load drifts, and
# it should weigh on the three servers alike.
r=1
while [ "$r" -le "$ROUNDS" ]; do
	run "search.$r" "http://127.0.0.1:$SP/" -s "$LUA"
	run "bare.$r" "http://127.0.0.1:$BP/"
	run "nginx.$r" "http://127.0.0.1:$NP/search.json"
	r=$((r + 1))
done
for n in search bare nginx; do
	# The round with the median rate (its p99 with it); failures summed over rounds.
	cat "$T/$n".*.res | sort -n | awk -v m=$(((ROUNDS + 1) / 2)) '
		{ f += $3 } NR == m { rps = $1; p99 = $2 } END { printf "%s %s %d\n", rps, p99, f }' >"$T/$n.res"
done

run uncached "http://127.0.0.1:$UP/" -s "$LUA"

# Republishing every second under the same load.
reloads_before=$(curl -s "http://127.0.0.1:$SP/metrics" | awk '$1 == "artisearch_reloads_total" {print $2}')
(
	end=$(($(date +%s) + DURATION))
	n=0
	doc=$(find "$T/corpus" -name '*.md' | sort | head -n 1)
	while [ "$(date +%s)" -lt "$end" ]; do
		n=$((n + 1))
		printf '\nRévision %s.\n' "$n" >>"$doc"
		"$BIN/artisearch-index" --index "$T/index" "$T/corpus" >>"$T/index.log" 2>&1 || echo "indexer failed" >&2
		sleep 1
	done
) &
REPUB=$!
PIDS="$PIDS $REPUB"
run reload "http://127.0.0.1:$SP/" -s "$LUA"
wait "$REPUB" 2>/dev/null || true
sleep 0.5
reloads_after=$(curl -s "http://127.0.0.1:$SP/metrics" | awk '$1 == "artisearch_reloads_total" {print $2}')
GENS=$((reloads_after - reloads_before))

# ---- Report -------------------------------------------------------------------------------
read -r s_rps s_p99 s_fail <"$T/search.res"
read -r b_rps b_p99 b_fail <"$T/bare.res"
read -r n_rps n_p99 n_fail <"$T/nginx.res"
read -r r_rps r_p99 r_fail <"$T/reload.res"
read -r u_rps u_p99 u_fail <"$T/uncached.res"
r_total=$(awk '/requests in/ {print $1}' "$T/reload.wrk")
pct=$(awk -v a="$s_rps" -v b="$b_rps" 'BEGIN {printf "%.0f", b ? 100 * a / b : 0}')

echo "HTTP, wrk -t$THREADS -c$CONNECTIONS -d${DURATION}s on loopback, $(nproc) cores, body $SIZE bytes, median of $ROUNDS rounds, load average $(cut -d' ' -f1 /proc/loadavg)"
printf '%-34s %12s %10s %8s\n' "server" "req/s" "p99 ms" "failed"
printf '%-34s %12s %10s %8s\n' "artisearchd /search" "$s_rps" "$s_p99" "$s_fail"
printf '%-34s %12s %10s %8s\n' "artisearchd /search, --cache 0" "$u_rps" "$u_p99" "$u_fail"
printf '%-34s %12s %10s %8s\n' "bare libmicrohttpd (ceiling)" "$b_rps" "$b_p99" "$b_fail"
printf '%-34s %12s %10s %8s\n' "nginx static file (ceiling)" "$n_rps" "$n_p99" "$n_fail"
printf '%-34s %12s %10s %8s\n' "/search, republished every 1 s" "$r_rps" "$r_p99" "$r_fail"
echo "/search runs at $pct% of bare libmicrohttpd; $GENS generations swapped in under load, $r_fail of $r_total requests failed"
printf '{"threads": %s, "connections": %s, "duration_s": %s, "rounds": %s, "body_bytes": %s, "search_rps": %s, "search_p99_ms": %s, "search_failed": %s, "uncached_rps": %s, "uncached_p99_ms": %s, "bare_rps": %s, "bare_p99_ms": %s, "nginx_rps": %s, "nginx_p99_ms": %s, "search_vs_bare_pct": %s, "reload_rps": %s, "reload_p99_ms": %s, "reload_requests": %s, "reload_failed": %s, "reload_generations": %s}\n' \
	"$THREADS" "$CONNECTIONS" "$DURATION" "$ROUNDS" "$SIZE" "$s_rps" "$s_p99" "$s_fail" "$u_rps" "$u_p99" "$b_rps" "$b_p99" \
	"$n_rps" "$n_p99" "$pct" "$r_rps" "$r_p99" "${r_total:-0}" "$r_fail" "$GENS"
