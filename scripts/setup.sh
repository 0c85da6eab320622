#!/bin/sh
# Installs the Debian packages artisearch needs, and only those missing: safe to run again.
#   scripts/setup.sh build   compile the three programs
#   scripts/setup.sh test    build + the test suite (cmocka, Snowball's vocabulary, browser tests)
#   scripts/setup.sh bench   test + the benchmark corpus, Xapian (Python and C++), wrk, nginx, gnuplot
#   scripts/setup.sh fuzz    test + clang's libFuzzer runtime
#   scripts/setup.sh soak    test + wrk (make soak)
#   scripts/setup.sh corpus  regenerate corpus/ PDFs (scripts/make-corpus-pdfs.py) and check them
set -eu
group=${1:-build}

build="build-essential pkg-config libstemmer-dev libutf8proc-dev libcmark-dev libyaml-dev
libgumbo-dev libpoppler-glib-dev libmicrohttpd-dev zlib1g-dev liblz4-dev libxxhash-dev"
test="$build libcmocka-dev snowball-data chromium nodejs npm curl python3"
bench="$test python3-xapian libxapian-dev xapian-tools wrk nginx-light gnuplot-nox hyperfine time
manpages-fr manpages-fr-dev man-db groff-base bsdextrautils libreoffice-help-fr debian-reference-fr poppler-utils"
fuzz="$test clang libclang-rt-14-dev"
soak="$test wrk"
corpus="python3 python3-gi python3-gi-cairo python3-cairo gir1.2-pango-1.0 fonts-dejavu-core
poppler-utils"

case $group in
build) want=$build ;; test) want=$test ;; bench) want=$bench ;; fuzz) want=$fuzz ;; soak) want=$soak ;; corpus) want=$corpus ;;
*) echo "setup.sh: unknown group '$group' (build, test, bench, fuzz, soak or corpus)" >&2; exit 2 ;;
esac

missing=
for p in $want; do
	# nodejs may come from outside Debian's archive; a working `node` is what matters.
	if [ "$p" = nodejs ] || [ "$p" = npm ]; then command -v "$p" >/dev/null 2>&1 && continue; fi
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "setup.sh: installing$missing" >&2
if [ "$(id -u)" != 0 ]; then
	echo "setup.sh: these Debian packages are missing and installing them needs root:$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
