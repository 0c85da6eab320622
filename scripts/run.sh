#!/bin/sh
# `make run`: index corpus/ into data/index (incrementally), then serve it on
# 127.0.0.1:8080 until Ctrl-C. Override with ARTISEARCH_INDEX, LISTEN, CORPUS, BIN.
set -eu
BIN=${BIN:-bin}
CORPUS=${CORPUS:-corpus}
INDEX=${ARTISEARCH_INDEX:-data/index}
LISTEN=${LISTEN:-127.0.0.1:8080}

mkdir -p "$(dirname "$INDEX")"
echo "run.sh: indexing $CORPUS/ into $INDEX" >&2
# An index this build cannot update (an older format version, or damaged) is rebuilt
# from the documents, as the indexer's message advises: corpus/ is their only source.
if ! "$BIN/artisearch-index" --index "$INDEX" "$CORPUS"; then
	echo "run.sh: rebuilding $INDEX from $CORPUS/ (--full)" >&2
	"$BIN/artisearch-index" --index "$INDEX" --full "$CORPUS"
fi
echo "run.sh: search page on http://$LISTEN/ (Ctrl-C to stop)" >&2
exec "$BIN/artisearchd" --index "$INDEX" --listen "$LISTEN"
