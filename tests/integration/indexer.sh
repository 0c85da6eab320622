#!/bin/sh
# artisearch-index end to end on a copy of corpus/: first run, a run with nothing new,
# one file changed + one added + one deleted, --full, the lock, an unusable index
# directory, bad usage, skipped files named. Run with BIN (programs) and BUILD set,
# from the project's root, with a private TMPDIR (tests/run.sh does all three).
set -eu
BIN=${BIN:-bin}
IX=$BIN/artisearch-index
T=${TMPDIR:-/tmp}
C=$T/corpus
I=$T/index
fail() { echo "indexer.sh: $*" >&2; exit 1; }
run() { # run ARGS...: runs the indexer, output in $T/out and $T/err, status in $st
	st=0
	"$IX" "$@" >"$T/out" 2>"$T/err" </dev/null || st=$?
}
expect_status() {
	[ "$st" -eq "$1" ] || { cat "$T/out" "$T/err" >&2; fail "$2: exit status $st, expected $1"; }
}
expect_out() { grep -q -- "$1" "$T/out" || { cat "$T/out" >&2; fail "$2: no \"$1\" in the summary"; }; }
expect_err() { grep -q -- "$1" "$T/err" || { cat "$T/err" >&2; fail "$2: no \"$1\" on stderr"; }; }
# The published index verifies, and answers: artisearch check, dump and --json.
check_index() {
	"$BIN/artisearch" check --index "$I" >"$T/check" 2>&1 || { cat "$T/check" >&2; fail "$1: artisearch check failed"; }
}
has_doc() { "$BIN/artisearch" dump --index "$I" "doc:$1" >/dev/null 2>&1; }
finds() { # finds ID WORDS...: the search for WORDS lists ID
	id=$1
	shift
	"$BIN/artisearch" --index "$I" --json --limit 100 "$@" | grep -q "\"id\": \"$id\""
}

[ -x "$IX" ] || fail "$IX not built"
rm -rf "$C" "$I"
cp -R corpus "$C"

# What the first run must find: every supported file but the one broken on purpose.
n_supported=$(find "$C" -type f \( -name '*.md' -o -name '*.html' -o -name '*.htm' -o -name '*.txt' -o -name '*.pdf' \) \
	! -path '*/.*' | wc -l)
n_bad=1 # guides/plaquette-cfa-muret-tronquee.pdf (truncated)
n_docs=$((n_supported - n_bad))

# Hidden files and folders are not the corpus.
mkdir -p "$C/.brouillons"
echo "# Brouillon" >"$C/.brouillons/brouillon.md"
echo "# Caché" >"$C/guides/.cache.md"

# --- first run ---------------------------------------------------------------
run --index "$I" "$C"
expect_status 0 "first run"
expect_out "^added $n_docs, updated 0, deleted 0, unchanged 0, skipped " "first run"
expect_out "^skipped guides/affiche-portes-ouvertes-cfa-2025.png: unsupported format (.png)" "first run"
expect_out "^skipped guides/plaquette-cfa-muret-tronquee.pdf: corrupt PDF" "first run"
expect_out "^index $I: $n_docs documents, " "first run"
expect_out "^published gen-" "first run"
expect_out "^time [0-9.]* s: $n_docs files extracted" "first run"
expect_err "warning: communiques/2019/2019-11-22-salon-metiers-art-pezenas-win1252.txt: not valid UTF-8" "first run"
expect_out "^skipped .brouillons: hidden name" "first run"
expect_out "^skipped guides/.cache.md: hidden name" "first run"
grep -q "brouillon.md" "$T/out" "$T/err" && fail "a hidden folder was read"
# stderr is not a terminal here: no progress line
if grep -q "ETA" "$T/err" || tr -d '\n' <"$T/err" | grep -q "$(printf '\r')"; then
	fail "progress shown off a terminal"
fi
[ -f "$I/CURRENT" ] || fail "no CURRENT after the first run"
gen1=$(cat "$I/CURRENT")
[ -d "$I/$gen1" ] || fail "CURRENT names $gen1, which is not there"
grep -q "^published $gen1\$" "$T/out" || fail "the summary does not name the published generation $gen1"
check_index "first run"
finds communiques/2019/2019-11-22-salon-metiers-art-pezenas-win1252.txt Pézenas || fail "the Windows-1252 file is not searchable"
finds guides/widget-annuaire-code-et-html.md ZORGLUB && fail "a raw <script> of Markdown was indexed"
finds communiques/2020/2020-06-02-reouverture-commerces-artisanaux-gard.html gtag && fail "an HTML <script> was indexed"
has_doc guides/plaquette-cfa-muret-tronquee.pdf && fail "the truncated PDF was indexed"

# --- nothing changed: nothing published ------------------------------------
run --index "$I" "$C"
expect_status 0 "second run"
expect_out "^added 0, updated 0, deleted 0, unchanged $n_docs, " "second run"
expect_out "^nothing changed" "second run"
[ "$(cat "$I/CURRENT")" = "$gen1" ] || fail "an unchanged corpus published a new generation"

# --- one changed, one added, one deleted --------------------------------------
printf '\nAjout : le salon ouvrira aussi le dimanche.\n' >>"$C/communiques/2019/2019-02-14-salon-apprentissage-toulouse.md"
cat >"$C/guides/nouveau-guide-repreneur.md" <<'EOF'
---
title: Reprendre une entreprise artisanale
date: 2025-09-01
department: 2a
tags: [reprise, transmission]
---
Le repreneur d'une boulangerie doit prévoir un diagnostic de l'outil de travail.
EOF
rm "$C/guides/faq-artisans-questions-frequentes.txt"
run --index "$I" "$C"
expect_status 0 "incremental run"
expect_out "^added 1, updated 1, deleted 1, unchanged $((n_docs - 2)), " "incremental run"
expect_out "^index $I: $n_docs documents, " "incremental run"
gen2=$(cat "$I/CURRENT")
[ "$gen2" != "$gen1" ] || fail "the incremental run did not publish"
expect_out "^published $gen2\$" "incremental run"
[ -d "$I/$gen1" ] && fail "the unpublished generation $gen1 was left behind"
check_index "incremental run"
has_doc guides/faq-artisans-questions-frequentes.txt && fail "the deleted file is still indexed"
finds guides/nouveau-guide-repreneur.md repreneur boulangerie || fail "the added file is not searchable"
# A department code in one spelling (2A, as INSEE writes it), however front matter and filter write it.
finds guides/nouveau-guide-repreneur.md --department 2A repreneur || fail "department 2a is not found as 2A"
finds guides/nouveau-guide-repreneur.md --department ' 2a' repreneur || fail "--department ' 2a' does not find 2a"
"$BIN/artisearch" --index "$I" --json repreneur boulangerie | grep -q '"department": "2A"' ||
	fail "department 2a is not shown as 2A"
finds communiques/2019/2019-02-14-salon-apprentissage-toulouse.md dimanche || fail "the changed file is not searchable as changed"

# --- bad input costs that file alone -------------------------------------------
printf 'MZ\220\0\3\0\0\0binaire' >"$C/guides/programme.txt"
: >"$C/guides/vide.md"
printf '%%PDF-1.4\ncorrompu\n' >"$C/conventions/corrompue.pdf"
echo "pas un document" >"$C/guides/notes.docx"
echo "Nom en Latin-1" >"$C/guides/$(printf 'caf\351').txt"
# A link publishes a file of the corpus, never one from elsewhere on the machine.
mkdir -p "$T/ailleurs"
echo "# Ailleurs
secretailleurs" >"$T/ailleurs/secret.md"
ln -s "$T/ailleurs/secret.md" "$C/guides/lien-dehors.md"
# Nor one the corpus hides.
echo "# Caché
secretcache" >"$C/.brouillons/cache.md"
ln -s ../.brouillons/cache.md "$C/guides/lien-cache.md"
run --index "$I" "$C"
expect_status 0 "run with bad files"
expect_out "^skipped guides/lien-dehors.md: symbolic link to a file outside the corpus" "run with bad files"
finds guides/lien-dehors.md secretailleurs && fail "a link to a file outside the corpus was indexed"
expect_out "^skipped guides/lien-cache.md: symbolic link to a file under a hidden name" "run with bad files"
finds guides/lien-cache.md secretcache && fail "a link to a hidden file was indexed"
expect_out "^added 0, updated 0, deleted 0, unchanged $n_docs, " "run with bad files"
expect_out "^skipped guides/programme.txt: binary content" "run with bad files"
expect_out "^skipped guides/vide.md: empty file" "run with bad files"
expect_out "^skipped conventions/corrompue.pdf: corrupt PDF" "run with bad files"
expect_out "^skipped guides/notes.docx: unsupported format (.docx)" "run with bad files"
expect_out "^skipped guides/caf?.txt: file name not valid UTF-8" "run with bad files"
[ "$(cat "$I/CURRENT")" = "$gen2" ] || fail "bad files published a new generation"

# A file indexed earlier that turns bad leaves the index.
printf 'abc\0def' >"$C/guides/nouveau-guide-repreneur.md"
run --index "$I" "$C"
expect_status 0 "indexed file turned bad"
expect_out "^skipped guides/nouveau-guide-repreneur.md: binary content" "indexed file turned bad"
expect_out "^index $I: $((n_docs - 1)) documents, " "indexed file turned bad"
has_doc guides/nouveau-guide-repreneur.md && fail "a file turned binary is still indexed"
rm "$C/guides/programme.txt" "$C/guides/vide.md" "$C/conventions/corrompue.pdf" "$C/guides/notes.docx" \
	"$C/guides/$(printf 'caf\351').txt" "$C/guides/lien-dehors.md"

# --- --full rebuilds ------------------------------------------------------------
gen3=$(cat "$I/CURRENT")
run --full --index "$I" "$C"
expect_status 0 "--full"
expect_out "^added $((n_docs - 1)), updated 0, deleted 0, unchanged 0, " "--full"
[ "$(cat "$I/CURRENT")" != "$gen3" ] || fail "--full did not publish"
check_index "--full"
# Workers finish in any order, yet documents reach the writer in id order: two builds
# of the same corpus are byte for byte the same segments.
run --full --index "$T/index-bis" "$C"
expect_status 0 "second --full build"
g=$(cat "$I/CURRENT")
gb=$(cat "$T/index-bis/CURRENT")
(cd "$I/$g" && ls seg-*) >"$T/segs-a"
(cd "$T/index-bis/$gb" && ls seg-*) >"$T/segs-b"
[ "$(wc -l <"$T/segs-a")" -eq "$(wc -l <"$T/segs-b")" ] || fail "two builds of the same corpus have different segments"
paste "$T/segs-a" "$T/segs-b" | while read -r a b; do
	cmp -s "$I/$g/$a" "$T/index-bis/$gb/$b" || fail "two builds of the same corpus differ: $g/$a, $gb/$b"
done

# $ARTISEARCH_INDEX is the default index
ARTISEARCH_INDEX=$T/index-env "$IX" "$C" >"$T/out" 2>"$T/err" || fail "\$ARTISEARCH_INDEX run failed"
[ -f "$T/index-env/CURRENT" ] || fail "\$ARTISEARCH_INDEX not used"

# On a terminal, a progress line is drawn on stderr and erased before the summary.
if command -v script >/dev/null 2>&1; then
	printf '\nEt un autre.\n' >>"$C/guides/micro-entreprise-auto-entrepreneur-mode-emploi.md"
	script -qec "\"$IX\" --index \"$I\" \"$C\"" /dev/null </dev/null >"$T/tty" 2>&1 || fail "run on a terminal failed"
	grep -q "writing the index" "$T/tty" || fail "no progress line on a terminal"
	grep -q "$(printf '\033')\[K" "$T/tty" || fail "the progress line is not erased"
	grep -q "added 0, updated 1, deleted 0, " "$T/tty" || fail "no summary on a terminal"
fi

# --- one indexer at a time --------------------------------------------------------
gen4=$(cat "$I/CURRENT")
printf '\nEncore un ajout.\n' >>"$C/guides/micro-entreprise-auto-entrepreneur-mode-emploi.md"
st=0
flock "$I/LOCK" "$IX" --index "$I" "$C" >"$T/out" 2>"$T/err" </dev/null || st=$?
expect_status 1 "locked index"
expect_err "another" "locked index"
[ "$(cat "$I/CURRENT")" = "$gen4" ] || fail "a locked-out indexer published"
run --index "$I" "$C"
expect_status 0 "after the lock is released"
expect_out "^added 0, updated 1, deleted 0, " "after the lock is released"

# --- unusable index directory -------------------------------------------------------
: >"$T/un-fichier"
run --index "$T/un-fichier/index" "$C"
expect_status 1 "index under a file"
expect_err "cannot use the index $T/un-fichier/index" "index under a file"

# --- a published generation it cannot read (older format, corruption) ------------------
# An incremental run refuses it and says how to recover; --full rebuilds over it.
g=$(cat "$I/CURRENT")
printf 'garbage' | dd of="$I/$g/manifest" bs=1 seek=20 conv=notrunc 2>/dev/null
run --index "$I" "$C"
expect_status 1 "unreadable published generation"
expect_err "run again with --full" "unreadable published generation"
run --full --index "$I" "$C"
expect_status 0 "--full over an unreadable generation"
[ "$(cat "$I/CURRENT")" != "$g" ] || fail "--full over an unreadable generation did not publish"
[ ! -d "$I/$g" ] || fail "the unreadable generation was not removed"
check_index "--full over an unreadable generation"
# A damaged CURRENT (garbage, empty, a path out of the index): the same, and --full
# deletes nothing outside the index directory, even through a gen-* symbolic link.
mkdir "$T/outside"
echo "à garder" >"$T/outside/keep.txt"
ln -s "$T/outside" "$I/gen-999"
for bad in garbage "" ../../outside; do
	g=$(cat "$I/CURRENT")
	printf '%s\n' "$bad" >"$I/CURRENT"
	run --index "$I" "$C"
	expect_status 1 "CURRENT \"$bad\""
	expect_err "CURRENT: does not name a generation" "CURRENT \"$bad\""
	expect_err "run again with --full" "CURRENT \"$bad\""
	run --full --index "$I" "$C"
	expect_status 0 "--full over CURRENT \"$bad\""
	expect_out "^published gen-" "--full over CURRENT \"$bad\""
	[ -d "$I/$(cat "$I/CURRENT")" ] || fail "--full over CURRENT \"$bad\" did not publish"
	[ ! -d "$I/$g" ] || fail "--full over CURRENT \"$bad\" left the previous generation $g"
	check_index "--full over CURRENT \"$bad\""
	[ -f "$T/outside/keep.txt" ] || fail "--full over CURRENT \"$bad\" deleted a file outside the index"
done
rm "$I/gen-999"
# `artisearch --index DIR check` reads as `artisearch check --index DIR`.
"$BIN/artisearch" --index "$I" check >"$T/check" 2>&1 || { cat "$T/check" >&2; fail "artisearch --index DIR check"; }
grep -q ": ok" "$T/check" || { cat "$T/check" >&2; fail "artisearch --index DIR check said no ok"; }

# --- bad usage --------------------------------------------------------------------
run
expect_status 2 "no argument"
expect_err "usage:" "no argument"
run --index "$I" --bogus "$C"
expect_status 2 "unknown option"
expect_err "unknown option --bogus" "unknown option"
run --index "$I" "$C" "$C"
expect_status 2 "two corpora"
run --index "$I" "$T/pas-de-corpus"
expect_status 2 "missing corpus"
expect_err "pas-de-corpus" "missing corpus"
run --index "$C" "$C"
expect_status 2 "index = corpus"
expect_err "cannot be the corpus folder" "index = corpus"
run --index
expect_status 2 "--index without a directory"
run --help
expect_status 0 "--help"
expect_out "usage: artisearch-index" "--help"
run --version
expect_status 0 "--version"
expect_out "^artisearch-index " "--version"

# ---- A file or folder that cannot be read: skipped, its indexed documents kept ----------
# A permission or an I/O error must not empty the index. chmod does not stop root: as
# root, the indexer runs as nobody here.
# Everything in a folder of /tmp nobody can reach, the indexer copied there too.
P=$(mktemp -d /tmp/artisearch-perm-XXXXXX)
trap 'rm -rf "$P"' EXIT
chmod 755 "$P"
mkdir -p "$P/corpus/guides/dossier" "$P/index"
cp "$IX" "$P/artisearch-index"
printf 'Vannerie\n\nUn panier de vannerie.\n' >"$P/corpus/guides/dossier/a.txt"
printf 'Tressage\n\nLe tressage de l osier.\n' >"$P/corpus/guides/b.txt"
printf 'Osier\n\nUne haie d osier.\n' >"$P/corpus/guides/c.txt"
as_nobody=
if [ "$(id -u)" = 0 ]; then
	as_nobody=1
	chown -R 65534:65534 "$P"
fi
prun() {
	st=0
	if [ -n "$as_nobody" ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups "$P/artisearch-index" --index "$P/index" \
			"$P/corpus" >"$T/out" 2>"$T/err" </dev/null || st=$?
	else
		"$P/artisearch-index" --index "$P/index" "$P/corpus" >"$T/out" 2>"$T/err" </dev/null || st=$?
	fi
}
prun
expect_status 0 "unreadable: first run"
chmod 000 "$P/corpus/guides/dossier" "$P/corpus/guides/b.txt"
prun
expect_status 0 "unreadable file and folder"
expect_out "^added 0, updated 0, deleted 0, unchanged 3, skipped 2" "unreadable file and folder"
expect_out "^skipped guides/b.txt: cannot read (Permission denied); what was indexed from it earlier is kept" \
	"unreadable file"
expect_out "^skipped guides/dossier: cannot read this folder (Permission denied); the documents indexed from it are kept" \
	"unreadable folder"
"$BIN/artisearch" --index "$P/index" --json vannerie | grep -q '"total": 1' ||
	fail "a document of an unreadable folder left the index"
chmod 755 "$P/corpus/guides/dossier"
chmod 644 "$P/corpus/guides/b.txt"
rm "$P/corpus/guides/b.txt"
prun
expect_out "^added 0, updated 0, deleted 1, unchanged 2, skipped 0" "a file deleted once readable again"

echo "indexer.sh: ok"
