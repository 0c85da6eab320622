#!/bin/sh
# Checks the sample corpus and the relevance judgments against each other, so the relevance
# suite never scores a document that does not exist or a query without a right answer.
set -eu
J=tests/relevance/judgments.tsv
C=corpus
fail() { echo "corpus_judgments: $*" >&2; exit 1; }

[ -f "$J" ] || fail "$J: missing"
[ -d "$C" ] || fail "$C: missing"

# Every judged document exists; fields and grades are well formed.
awk -F '\t' '
	/^#/ || /^[[:space:]]*$/ { next }
	NF != 3 { printf "%s:%d: want 3 TAB-separated fields, got %d\n", FILENAME, NR, NF; bad = 1; next }
	$3 !~ /^[012]$/ { printf "%s:%d: grade must be 0, 1 or 2: %s\n", FILENAME, NR, $3; bad = 1 }
	$1 ~ /^[[:space:]]|[[:space:]]$/ { printf "%s:%d: query has leading or trailing blanks\n", FILENAME, NR; bad = 1 }
	seen[$1 "\t" $2]++ { printf "%s:%d: %s judged twice for \"%s\"\n", FILENAME, NR, $2, $1; bad = 1 }
	{ print $2 > "/dev/stderr"; q[$1] = 1; if ($3 == 2) top[$1] = 1 }
	END {
		for (k in q) if (!(k in top)) { printf "query \"%s\" has no grade-2 document\n", k; bad = 1 }
		exit bad
	}' "$J" 2>"$TMPDIR/ids" || fail "bad judgments"
sort -u "$TMPDIR/ids" | while IFS= read -r id; do
	[ -f "$C/$id" ] || fail "$J names $id, which is not in $C/"
done

# The corpus keeps the size and the mix of formats the issues ask for.
count() { find "$C" -type f -name "$1" | grep -cv tronquee || true; }
[ "$(count '*.md')" -ge 40 ] || fail "fewer than 40 Markdown documents"
[ "$(count '*.html')" -ge 12 ] || fail "fewer than 12 HTML documents"
[ "$(count '*.txt')" -ge 8 ] || fail "fewer than 8 text documents"
[ "$(count '*.pdf')" -ge 4 ] || fail "fewer than 4 readable PDF documents"
n=$(find "$C" -type f \( -name '*.md' -o -name '*.html' -o -name '*.txt' -o -name '*.pdf' \) | grep -cv tronquee)
[ "$n" -ge 70 ] || fail "only $n documents, want at least 70"
q=$(grep -v '^#' "$J" | cut -f1 | grep . | sort -u | wc -l)
[ "$q" -ge 70 ] || fail "only $q judged queries, want at least 70"
[ -f "$C/guides/affiche-portes-ouvertes-cfa-2025.png" ] || fail "the unsupported file to skip is missing"

# The tricky files the indexer tests rely on are still there and still tricky.
w=$C/communiques/2019/2019-11-22-salon-metiers-art-pezenas-win1252.txt
[ -f "$w" ] || fail "$w: missing"
if iconv -f UTF-8 -t UTF-8 "$w" >/dev/null 2>&1; then fail "$w: must not be valid UTF-8"; fi
t=$C/guides/plaquette-cfa-muret-tronquee.pdf
[ -f "$t" ] || fail "$t: missing"
if tail -c 64 "$t" | grep -q '%%EOF'; then fail "$t: must be truncated"; fi
for p in $C/*/*.pdf; do
	[ "$p" = "$t" ] && continue
	head -c 5 "$p" | grep -q '^%PDF-' || fail "$p: not a PDF"
	tail -c 64 "$p" | grep -q '%%EOF' || fail "$p: truncated PDF"
done
echo "corpus_judgments: ok"
