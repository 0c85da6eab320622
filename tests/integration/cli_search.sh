#!/bin/sh
# artisearch (the CLI) end to end: an index of corpus/ built by artisearch-index, then
# queries, JSON, strict parameters, exit statuses, check and dump.
set -u
BIN=${BIN:-bin}
T=${TMPDIR:-/tmp}/cli_search.$$
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
A="$BIN/artisearch"
IDX="$T/index"

"$BIN/artisearch-index" --index "$IDX" corpus >"$T/index.log" 2>&1 || { cat "$T/index.log"; fail "indexing corpus/"; }

# Help and version.
"$A" --help | grep -q "usage: artisearch" || fail "--help"
"$A" --version | grep -q "^artisearch " || fail "--version"

# A query, human output: rank, title, a path or URL, no ANSI escapes off a terminal.
"$A" --index "$IDX" salon apprentissage toulouse >"$T/out" || fail "query exit status"
grep -q "^ 1\. Salon de l'apprentissage" "$T/out" || { cat "$T/out"; fail "first hit"; }
grep -q "2019-02-14 · communique · 31" "$T/out" || fail "date, type, department line"
grep -q "results\? · page 1 of" "$T/out" || fail "summary line"
if grep -q "$(printf '\033')" "$T/out"; then fail "ANSI escapes when stdout is not a terminal"; fi

# JSON: valid, DESIGN.md's keys, the same from $ARTISEARCH_INDEX.
ARTISEARCH_INDEX="$IDX" "$A" --json --limit 3 apprentissage >"$T/json" || fail "--json exit status"
python3 - "$T/json" <<'PY' || fail "JSON shape"
import json, sys
j = json.load(open(sys.argv[1]))
for k in ("query", "total", "page", "limit", "took_ms", "relaxed", "hits", "facets", "suggestion"):
    assert k in j, k
assert j["query"] == "apprentissage" and j["limit"] == 3 and len(j["hits"]) == 3 and j["total"] > 3
for h in j["hits"]:
    for k in ("id", "title", "url", "date", "type", "department", "score", "snippet"):
        assert k in h, k
assert "<mark>" in j["hits"][0]["snippet"]
assert set(j["facets"]) == {"type", "year", "department"}
PY

# Filters and sorting.
"$A" --index "$IDX" --json --type guide --limit 100 artisans | python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["total"] > 0 and all(h["type"] == "guide" for h in j["hits"])' || fail "--type"
"$A" --index "$IDX" --json --sort date --from 2021-01-01 --to 2023-12-31 --limit 50 artisans | python3 -c '
import json, sys
j = json.load(sys.stdin)
d = [h["date"] for h in j["hits"]]
assert d and d == sorted(d, reverse=True) and all("2021-01-01" <= x <= "2023-12-31" for x in d)' || fail "--sort date, --from, --to"

# Typo tolerance says what it did.
"$A" --index "$IDX" aprentissage | grep -q "Did you mean: apprentissage" || fail "suggestion"

# Strict parameters: exit 2, a message naming the parameter, JSON error with --json.
for bad in "--limit 0" "--limit x" "--page 0" "--from 2024-02-30" "--to 2024/01/01" "--sort score"; do
	# shellcheck disable=SC2086
	"$A" --index "$IDX" $bad apprentissage >"$T/o" 2>"$T/e"
	[ $? -eq 2 ] || fail "$bad: exit status"
	name=$(echo "$bad" | sed 's/^--\([a-z]*\).*/\1/')
	grep -q "$name" "$T/e" || fail "$bad: message does not name $name"
	"$A" --index "$IDX" --json $bad apprentissage 2>/dev/null | python3 -c '
import json, sys
j = json.load(sys.stdin)
assert j["error"]["code"] == "invalid_parameter" and j["error"]["message"]' || fail "$bad: JSON error"
done
"$A" --index "$IDX" --nope apprentissage 2>"$T/e"; [ $? -eq 2 ] && grep -q -- "--nope" "$T/e" || fail "unknown option"
"$A" --index "$IDX" --limit 2>"$T/e"; [ $? -eq 2 ] || fail "option without value"
"$A" check --index 2>"$T/e"; [ $? -eq 2 ] && grep -q -- "--index: needs a directory" "$T/e" || fail "check --index"
# Output that cannot be written is an error said, not a silent exit 0.
if [ -w /dev/full ]; then
	set -f # `a*` is a query here, not a file pattern
	for args in "--json --limit 20 a*" "apprentissage" "--help" "check"; do
		# shellcheck disable=SC2086
		"$A" --index "$IDX" $args >/dev/full 2>"$T/e"
		[ $? -eq 2 ] && grep -q "cannot write the output" "$T/e" || fail "$args >/dev/full: exit 2 and a message expected"
	done
	set +f
fi
"$A" --index "$IDX" 2>/dev/null; [ $? -eq 2 ] || fail "no query"

# A missing or corrupt index: a clear message, exit 2.
"$A" --index "$T/none" apprentissage 2>"$T/e"; [ $? -eq 2 ] && grep -q "index" "$T/e" || fail "missing index"
"$A" --index "$T/none" --json apprentissage 2>/dev/null | grep -q '"error"' || fail "missing index, JSON"
cp -r "$IDX" "$T/bad"
gen=$(cat "$T/bad/CURRENT")
f=$(ls "$T/bad/$gen" | head -1)
printf 'garbage' | dd of="$T/bad/$gen/$f" bs=1 seek=40 conv=notrunc 2>/dev/null
"$A" --index "$T/bad" apprentissage >/dev/null 2>"$T/e"; [ $? -eq 2 ] || fail "corrupt index: exit status"

# Lenient queries: never a crash.
for q in '(((' '"' '-' '*' 'OR' 'a*' ')))apprentissage(((' "$(python3 -c 'print("(" * 10000 + "x")')"; do
	"$A" --index "$IDX" -- "$q" >/dev/null 2>&1
	[ $? -le 2 ] || fail "query [$q] crashed"
done

# check and dump.
"$A" check --index "$IDX" >"$T/o" || { cat "$T/o"; fail "check"; }
"$A" check --index "$T/bad" >/dev/null 2>&1; [ $? -eq 2 ] || fail "check of a corrupt index"
"$A" dump --index "$IDX" manifest | grep -q "gen-" || fail "dump manifest"
"$A" dump --index "$IDX" 2>/dev/null; [ $? -eq 2 ] || fail "dump without WHAT"
exit 0
