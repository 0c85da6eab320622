#!/bin/sh
# What extraction keeps, end to end through artisearch-index and artisearch --json, on a
# small corpus written here: a document whose only text is its title or tags is indexed
# (one with no text at all is skipped); an <aside> inside an <article>, Markdown alt text
# and footnotes are searchable, a sidebar <aside> is not; a page nested 100 000 <div>
# deep is skipped, named, at once; types are one spelling (`Guide`, `guides`,
# `Communiqué`, a folder `Communiqués/`) in the facets and in --type.
# Env: BIN, TMPDIR (tests/run.sh sets both).
set -eu
BIN=${BIN:-bin}
T=${TMPDIR:-/tmp}
C=$T/corpus
I=$T/index
fail() { echo "extraction.sh: $*" >&2; exit 1; }
search() { # search ARGS...: the JSON answer, in $T/json
	"$BIN/artisearch" --index "$I" --json --limit 100 "$@" >"$T/json" || fail "artisearch $*: exit status $?"
}
ids() { # ids ARGS...: the ids found, one a line, sorted
	search "$@"
	python3 -c 'import json, sys; print("\n".join(sorted(h["id"] for h in json.load(open(sys.argv[1]))["hits"])))' "$T/json"
}
expect_ids() { # expect_ids "ID ID..." ARGS...
	want=$(printf '%s\n' $1 | sort)
	shift
	got=$(ids "$@")
	[ "$got" = "$want" ] || fail "search $*: found [$(echo $got)], expected [$(echo $want)]"
}

rm -rf "$C" "$I"
mkdir -p "$C/guides" "$C/Communiqués" "$C/divers" "$C/agenda"

# --- text in the title or tags alone ------------------------------------------------
printf -- '---\ntitle: Journée portes ouvertes Zanzibar\ndate: 2024-05-01\n---\n' >"$C/agenda/jpo.md"
printf -- '---\ntags: [Quokka]\n---\n\n' >"$C/agenda/tags.md"
printf '<html><head><title>Calendrier Quetzalcoatl</title></head><body>\n</body></html>\n' >"$C/agenda/cal.html"
printf -- '---\ndate: 2024-05-02\n---\n' >"$C/agenda/date-seule.md"
printf ' \n\n\t\n' >"$C/agenda/blanc.txt"

# --- content that was lost ------------------------------------------------------------
cat >"$C/guides/encadre.html" <<'HTML'
<html><head><title>Aides à l'embauche</title></head><body>
<nav>Accueil</nav>
<main><article><h1>Aides à l'embauche</h1><p>Texte de l'article.</p>
<aside class="encadre"><p>À retenir : le formulaire Pangolin est obligatoire.</p></aside>
</article>
<aside class="related"><h2>À lire aussi</h2><p>Ornithorynque et autres liens.</p></aside></main>
</body></html>
HTML
cat >"$C/guides/atelier.md" <<'MD'
# Atelier

![Atelier de poterie Tamanoir](atelier.jpg)

Les chiffres viennent de l'enquête[^1].

[^1]: Kangourou
MD

# --- a hostile page, and a normal one beside it -----------------------------------------
python3 -c 'import sys; open(sys.argv[1], "w").write("<html><body>" + "<div>" * 100000 + "profond" + "</div>" * 100000 + "</body></html>")' \
	"$C/guides/profond.html"
printf '<p>Une page ordinaire Wapiti.</p>\n' >"$C/guides/ordinaire.html"

# --- types ----------------------------------------------------------------------------
printf -- '---\ntitle: A\ntype: Guide\n---\nFiche alpaga.\n' >"$C/divers/a.md"
printf -- '---\ntitle: B\ntype: guides\n---\nFiche alpaga.\n' >"$C/divers/b.md"
printf -- '---\ntitle: C\ntype: Communiqué\n---\nFiche alpaga.\n' >"$C/divers/c.md"
printf 'Fiche alpaga.\n' >"$C/Communiqués/d.txt"
printf 'Fiche alpaga.\n' >"$C/divers/e.txt"

start=$(date +%s)
st=0
timeout 120 "$BIN/artisearch-index" --index "$I" "$C" >"$T/out" 2>"$T/err" || st=$?
took=$(($(date +%s) - start))
[ "$st" -eq 0 ] || { cat "$T/out" "$T/err" >&2; fail "indexing: exit status $st"; }

# 1. The title or tags alone are indexed; no text at all is skipped, said so.
grep -q "^skipped agenda/date-seule.md: no text to index" "$T/out" || { cat "$T/out" >&2; fail "a date alone was not skipped"; }
grep -q "^skipped agenda/blanc.txt: no text to index" "$T/out" || { cat "$T/out" >&2; fail "a blank text was not skipped"; }
grep -q "jpo.md\|tags.md\|cal.html" "$T/out" && { cat "$T/out" >&2; fail "a document with a title or tags was skipped"; }
expect_ids agenda/jpo.md zanzibar
expect_ids agenda/tags.md quokka
expect_ids agenda/cal.html quetzalcoatl

# 2. An article's aside, alt text and footnotes are text; a sidebar is not.
expect_ids guides/encadre.html pangolin
expect_ids "" ornithorynque
expect_ids guides/atelier.md tamanoir
expect_ids guides/atelier.md kangourou

# 3. The hostile page is skipped at once, named; the others are indexed.
grep -q "^skipped guides/profond.html: HTML nested more than 4096 elements deep" "$T/out" ||
	{ cat "$T/out" >&2; fail "the 100 000-level page was not skipped with its reason"; }
[ "$took" -le 20 ] || fail "indexing with the 100 000-level page took $took s"
expect_ids guides/ordinaire.html wapiti

# 4. Types: one spelling in the facets; --type in any spelling.
search alpaga
python3 - "$T/json" <<'PY' || fail "type facet: $(cat "$T/json")"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["facets"]["type"] == {"guide": 2, "communique": 2, "divers": 1}, r["facets"]["type"]
assert sorted(h["type"] for h in r["hits"]) == ["communique", "communique", "divers", "guide", "guide"]
PY
for t in guide Guide guides GUIDES; do
	expect_ids "divers/a.md divers/b.md" --type "$t" alpaga
done
for t in communique Communiqué communiqués COMMUNIQUES; do
	expect_ids "divers/c.md Communiqués/d.txt" --type "$t" alpaga
done
expect_ids divers/e.txt --type divers alpaga
expect_ids "" --type diver alpaga

echo "extraction.sh: ok (indexing took $took s)"
