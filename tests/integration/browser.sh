#!/bin/sh
# The search page and the widget in a real browser: Debian's chromium driven by
# playwright-core (tests/browser/search.test.mjs). Skips, saying so, only when chromium
# cannot start. Screenshots go to tests/out/. Env: BIN, BUILD, TMPDIR.
set -eu
. tests/integration/lib/daemon_common.sh
require_programs

command -v node >/dev/null || fail "node is missing (scripts/setup.sh test installs it)"
command -v npm >/dev/null || fail "npm is missing (scripts/setup.sh test installs it)"
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || fail "${CHROMIUM:-/usr/bin/chromium} is missing (Debian package chromium, scripts/setup.sh test)"

# playwright-core at the version pinned by package-lock.json; it downloads no browser.
if ! (cd tests/browser && npm ls playwright-core >/dev/null 2>&1); then
	(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error) || fail "npm ci in tests/browser"
fi

CORPUS=$TMPDIR/corpus
IDX=$TMPDIR/index
LOG=$TMPDIR/daemon.log
trap 'stop_daemon' EXIT
make_corpus "$CORPUS"
build_index "$CORPUS" "$IDX"

# The widget's host site listens on a port of its own (another origin), which the
# daemon must allow.
WIDGET_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
start_daemon "$IDX" "$LOG" --cors-origin "http://127.0.0.1:$WIDGET_PORT"

mkdir -p tests/out
rc=0
ARTISEARCH_URL=$URL WIDGET_PORT=$WIDGET_PORT OUT_DIR=tests/out TMPDIR=$TMPDIR \
	node tests/browser/search.test.mjs || rc=$?
if [ "$rc" = 77 ]; then
	echo "SKIP: the browser test did not run: chromium cannot start here"
	exit 0
fi
[ "$rc" = 0 ] || { tail -n 20 "$LOG"; fail "browser scenario failed"; }
echo "screenshots: tests/out/browser-search.png browser-hostile.png browser-phone.png browser-widget.png"
