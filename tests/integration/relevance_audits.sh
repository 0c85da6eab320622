#!/bin/sh
# The relevance audit sets (tests/relevance/audit-*/: documents and queries written by
# auditors who saw neither corpus/ nor the tuning): each corpus indexed, its queries
# scored by MRR@10 against the set's floor (tests/relevance/audit.py).
set -u
BIN=${BIN:-bin}
T=${TMPDIR:-/tmp}/relevance_audits.$$
mkdir -p "$T"
trap 'rm -rf "$T"' EXIT
status=0
for set in tests/relevance/audit-*/; do
	name=$(basename "$set")
	"$BIN/artisearch-index" --index "$T/$name" "$set/corpus" >"$T/$name.log" 2>&1 ||
		{ cat "$T/$name.log"; echo "FAIL: indexing $set/corpus"; exit 1; }
	python3 tests/relevance/audit.py "$BIN/artisearch" "$T/$name" "${set%/}" || status=1
done
exit $status
