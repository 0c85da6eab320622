#!/bin/sh
# `make soak`: artisearchd on loopback under wrk at saturation for SECONDS while the
# index is republished every few seconds (alternating incremental and --full runs over
# a changing corpus), then a shorter run of the AddressSanitizer build (bin-san/) under
# the same load.
#   tests/soak/run.sh [SECONDS] [ASAN_SECONDS]
# Passes when: zero failed requests (non-2xx/3xx answers or socket errors) in both runs,
# RSS stable after warm-up (sampled every 2 s: the mean of the last quarter of the
# samples after warm-up within 10% + 8 MB of the first quarter's), and a clean
# sanitizer report (no ASan, LSan or UBSan finding in the daemon's log after SIGTERM).
# Loopback only; every loop is bounded by the run's duration.
set -u
# SOAK_BIN, SOAK_SAN_BIN: where the programs are (bin, bin-san), e.g. a copy that a
# rebuild during the soak does not replace.
BIN=${SOAK_BIN:-bin}
SAN_BIN=${SOAK_SAN_BIN:-bin-san}
SECONDS_MAIN=${1:-600}
SECONDS_ASAN=${2:-${SOAK_ASAN_SECONDS:-60}}
REPUBLISH_EVERY=${SOAK_REPUBLISH_SECONDS:-3}
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
OUT=${SOAK_OUT:-tests/out/soak}
rm -rf "$OUT"
mkdir -p "$OUT"
W=$(mktemp -d)
DPID= RPID=
cleanup() {
	[ -n "$RPID" ] && kill "$RPID" 2>/dev/null
	[ -n "$DPID" ] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT INT TERM
fail() { echo "soak: FAIL: $*" >&2; exit 1; }
command -v wrk >/dev/null || fail "wrk is not installed (scripts/setup.sh soak)"

# The queries wrk cycles through: words, typos, prefixes, phrases, filters, pages, and
# the other routes.
cat >"$W/paths.lua" <<'LUA'
local paths = {
  "/search?q=apprentissage", "/search?q=artisan&page=2", "/search?q=formation+continue",
  "/search?q=contrat+d%27apprentissage", "/search?q=%22chambre+de+m%C3%A9tiers%22",
  "/search?q=numeri*", "/search?q=boulangeri", "/search?q=entreprise&type=guide",
  "/search?q=cma&sort=date", "/search?q=transmission+OR+reprise", "/suggest?q=appr",
  "/health", "/search?q=aide&from=2020-01-01&to=2024-12-31", "/search?q=zzzzzz+qqqq",
}
-- Half the requests from the list, half made of two words and a page, so that most of
-- those miss the daemon's result cache and run the engine.
local words = { "apprentissage", "artisan", "formation", "entreprise", "chambre", "metiers",
  "boulangerie", "coiffure", "aide", "reprise", "transmission", "numerique", "cfa", "cap",
  "creation", "diplome", "salon", "convention", "region", "occitanie", "emploi", "jeunes",
  "contrat", "employeur", "artisanat", "patisserie", "menuiserie", "electricien", "guide", "rne" }
local i = 0
request = function()
  i = i + 1
  if i % 2 == 0 then
    return wrk.format("GET", paths[(i / 2 % #paths) + 1])
  end
  local j = math.floor(i / 2)
  local a = words[(j % #words) + 1]
  local b = words[(math.floor(j / #words) % #words) + 1]
  local page = (math.floor(j / (#words * #words)) % 5) + 1
  return wrk.format("GET", "/search?q=" .. a .. "+" .. b .. "&page=" .. page)
end
LUA

C=$W/corpus
I=$W/index
cp -R corpus "$C"
"$BIN/artisearch-index" --index "$I" "$C" >"$OUT/index.log" 2>&1 || fail "indexing corpus/ failed"

# republish SECONDS: every REPUBLISH_EVERY s, a changed corpus indexed and published.
republish() {
	_end=$(($(date +%s) + $1))
	_k=0
	while [ "$(date +%s)" -lt "$_end" ]; do
		_k=$((_k + 1))
		printf '\nMise à jour %d du guide.\n' "$_k" >>"$C/guides/micro-entreprise-auto-entrepreneur-mode-emploi.md"
		printf '# Actualité %d\n\nUn artisan publie la nouvelle %d.\n' "$_k" "$_k" >"$C/guides/actu-$_k.md"
		[ "$_k" -gt 5 ] && rm -f "$C/guides/actu-$((_k - 5)).md"
		_full=
		[ $((_k % 4)) -eq 0 ] && _full=--full
		"$BIN/artisearch-index" $_full --index "$I" "$C" >>"$W/republish.log" 2>&1 || echo "republish $_k failed" >>"$W/republish.err"
		sleep "$REPUBLISH_EVERY"
	done
	echo "$_k" >"$W/republished"
}

# soak NAME DAEMON SECONDS: one run; writes OUT/NAME.wrk, NAME.rss, NAME.log.
soak() {
	name=$1 daemon=$2 secs=$3
	log=$OUT/$name.log
	"$daemon" --index "$I" --listen 127.0.0.1:0 --threads 2 >"$log" 2>&1 &
	DPID=$!
	url=
	for _i in $(seq 1 600); do
		url=$(sed -n 's/.* on \(http:\/\/[0-9.:]*\/\)$/\1/p' "$log" | head -n 1)
		[ -n "$url" ] && break
		kill -0 "$DPID" 2>/dev/null || fail "$daemon exited at start: $(tail -n 3 "$log")"
		sleep 0.1
	done
	[ -n "$url" ] || fail "$daemon printed no URL"
	republish "$secs" &
	RPID=$!
	# RSS every 2 s, in kB.
	( while kill -0 "$DPID" 2>/dev/null; do
		printf '%s %s\n' "$(date +%s)" "$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$DPID/status 2>/dev/null)"
		sleep 2
	  done ) >"$OUT/$name.rss" &
	spid=$!
	wrk -t2 -c64 -d"${secs}s" --timeout 10s --latency -s "$W/paths.lua" "${url%/}" >"$OUT/$name.wrk" 2>&1
	wait "$RPID" 2>/dev/null
	RPID=
	kill -TERM "$DPID"
	wait "$DPID"
	drc=$?
	DPID=
	kill "$spid" 2>/dev/null
	wait "$spid" 2>/dev/null
	if [ "$drc" -ne 0 ]; then
		grep -E -A 20 "ERROR: |runtime error:" "$log" | head -n 60
		fail "$name: the daemon exited with status $drc on SIGTERM (log: $log)"
	fi
	reqs=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$OUT/$name.wrk")
	non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\)/\1/p' "$OUT/$name.wrk")
	sockerr=$(sed -n 's/^ *Socket errors: *//p' "$OUT/$name.wrk")
	rps=$(sed -n 's/^Requests\/sec: *//p' "$OUT/$name.wrk")
	p99=$(sed -n 's/^ *99% *//p' "$OUT/$name.wrk")
	reloads=$(grep -c "now serving" "$log")
	refused=$(grep -c "refused" "$log")
	echo "soak $name: ${secs}s, $reqs requests ($rps/s, p99 $p99), non-2xx ${non2xx:-0}, socket errors ${sockerr:-none}, $(cat "$W/republished") republished, $reloads reloads, $refused refused"
	[ -n "$reqs" ] && [ "$reqs" -gt 0 ] || fail "$name: wrk made no request: $(cat "$OUT/$name.wrk")"
	[ -z "$non2xx" ] || fail "$name: $non2xx answers were not 2xx/3xx"
	[ -z "$sockerr" ] || fail "$name: socket errors: $sockerr"
	[ ! -s "$W/republish.err" ] || fail "$name: republishing failed: $(cat "$W/republish.err")"
	[ "$refused" -eq 0 ] || fail "$name: the daemon refused a generation: $(grep refused "$log" | head -n 1)"
}

# rss_report NAME: RSS after warm-up (the first third of the run, at least 20 s).
rss_report() {
	awk -v name="$1" '
	{ t[NR] = $1; r[NR] = $2 }
	END {
		if (NR < 8) { print "soak " name ": too few RSS samples (" NR ")"; exit 0 }
		w = int(NR / 3); if (t[w] - t[1] < 20) { for (w = 1; w < NR && t[w] - t[1] < 20; w++); }
		n = NR - w; q = int(n / 4); if (q < 1) q = 1
		for (i = w + 1; i <= w + q; i++) a += r[i]; a /= q
		for (i = NR - q + 1; i <= NR; i++) b += r[i]; b /= q
		mx = 0; for (i = w + 1; i <= NR; i++) if (r[i] > mx) mx = r[i]
		printf "soak %s: RSS %.1f MB at start, %.1f MB after warm-up (first quarter mean), %.1f MB at the end (last quarter mean), max %.1f MB, %d samples\n", name, r[1] / 1024, a / 1024, b / 1024, mx / 1024, NR
		if (b > a * 1.10 + 8192) { printf "soak %s: RSS grew after warm-up\n", name; exit 1 }
		printf "soak %s: RSS stable after warm-up\n", name
	}' "$OUT/$1.rss"
}

echo "soak: ${SECONDS_MAIN}s of wrk -t2 -c64 on $BIN/artisearchd, republishing every ${REPUBLISH_EVERY}s (output in $OUT)"
soak main "$BIN/artisearchd" "$SECONDS_MAIN"
rss_report main || fail "RSS of $BIN/artisearchd grew after warm-up (samples in $OUT/main.rss)"

if [ -x "$SAN_BIN/artisearchd" ]; then
	echo "soak: ${SECONDS_ASAN}s of the same load on $SAN_BIN/artisearchd (ASan+UBSan, LeakSanitizer at exit)"
	export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
	soak asan "$SAN_BIN/artisearchd" "$SECONDS_ASAN"
	if grep -E "ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|SUMMARY: (Address|Undefined|Leak)" "$OUT/asan.log" >/dev/null; then
		grep -E -A 20 "ERROR: |runtime error:" "$OUT/asan.log" | head -n 60
		fail "the sanitizer build reported an error (log: $OUT/asan.log)"
	fi
	echo "soak asan: clean sanitizer report"
	rss_report asan || true
else
	fail "$SAN_BIN/artisearchd is missing (make SANITIZE=address,undefined all)"
fi
echo "soak: ok"
