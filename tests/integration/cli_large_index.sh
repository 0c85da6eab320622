#!/bin/sh
# A one-shot query does not read a large index whole (index.h INDEX_VERIFY): files over
# 1 MB are mapped lazily, not checked against their CRC. This checks the other half of
# that contract on such files: with bytes flipped all over the postings and the stored
# fields, queries either answer or exit 2 naming the broken file, never crash or hang;
# `artisearch check` still reads every byte and refuses the index. Env: BIN, TMPDIR.
set -eu
. tests/integration/lib/daemon_common.sh
require_programs

C=$TMPDIR/corpus
I=$TMPDIR/index
mkdir -p "$C"

# 2 500 documents of the corpus's own French words, a few thousand words each: over 1 MB
# of postings and of stored fields.
python3 - "$C" <<'PY'
import os, random, re, sys
out = sys.argv[1]
words = set()
for root, _, files in os.walk("corpus"):
    for f in files:
        if f.endswith((".md", ".txt")):
            words.update(w.lower() for w in re.findall(r"[^\W\d_]{3,}", open(os.path.join(root, f), encoding="utf-8", errors="replace").read()))
words = sorted(words)
rnd = random.Random(20261127)
for i in range(2500):
    n = rnd.randrange(300, 900)
    body = " ".join(rnd.choice(words) for _ in range(n))
    with open(os.path.join(out, "doc-%04d.txt" % i), "w", encoding="utf-8") as f:
        f.write("%s %s\n\n%s\n" % (rnd.choice(words), rnd.choice(words), body))
PY
build_index "$C" "$I"
GEN=$I/$(tr -d '\n' <"$I/CURRENT")
for ext in post stor; do
	size=$(wc -c <"$GEN/seg-000000.$ext")
	[ "$size" -gt 1048576 ] || fail "seg-000000.$ext is only $size bytes: the test needs files over 1 MB"
done
"$BIN/artisearch" --index "$I" --json artisanat >/dev/null || fail "the fresh index does not answer"

# Flip 40 bytes spread over both large files (fixed offsets: the run is reproducible).
python3 - "$GEN" <<'PY'
import os, sys
gen = sys.argv[1]
for ext in ("post", "stor"):
    p = os.path.join(gen, "seg-000000." + ext)
    size = os.path.getsize(p)
    with open(p, "r+b") as f:
        for k in range(1, 21):
            off = size * k // 21
            f.seek(off)
            b = f.read(1)
            f.seek(off)
            f.write(bytes([b[0] ^ 0x5a]))
PY

n=0
for q in artisanat "chambre métiers" formation "entreprise artisans" apprentissage "a*" "c*" "reprise OR création" \
	"formation -apprentissage" '"chambre de"' métier entreprises; do
	st=0
	timeout 20 "$BIN/artisearch" --index "$I" --json --limit 50 "$q" >"$TMPDIR/out" 2>"$TMPDIR/err" || st=$?
	case $st in
	0) ;;
	2) grep -q "seg-000000" "$TMPDIR/err" || { cat "$TMPDIR/err"; fail "[$q]: the error names no file"; } ;;
	*) cat "$TMPDIR/err"; fail "[$q]: exit status $st on a corrupted large index" ;;
	esac
	n=$((n + 1))
done
st=0
"$BIN/artisearch" check --index "$I" >"$TMPDIR/out" 2>&1 || st=$?
[ "$st" -eq 2 ] || fail "check passed a corrupted index (status $st)"
grep -q "seg-000000" "$TMPDIR/out" || { cat "$TMPDIR/out"; fail "check does not name the broken file"; }
echo "ok: $n queries over a corrupted large index answered or refused cleanly; check refused it"
