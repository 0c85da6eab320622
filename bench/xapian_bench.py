#!/usr/bin/python3
"""The Xapian side of `make bench`, set up as a careful user would.

    xapian_bench.py index TEXT_DIR DB [--incremental]
    xapian_bench.py latency DB QUERIES [--op and|or] [--repeat R]
    xapian_bench.py knownitem DB ITEMS_TSV [--op and|or]
    xapian_bench.py settings

Debian's python3-xapian (Xapian 1.4). Each command prints one JSON object on stdout.

Settings (also printed by `settings`, copied into BENCHMARKS.md):
- indexing: TermGenerator with Stem("french"), stemming strategy STEM_SOME (Xapian's
  default: stemmed terms Z-prefixed beside the unstemmed words), positions on (index_text,
  not index_text_without_positions). As in Xapian's own example (docs "index1.py"), the
  title goes in twice: prefixed S (for title: searches) and unprefixed, then
  increase_termpos() and the body unprefixed, so a default query searches title and body
  and title words count more (they appear in both the S field and the free text).
  Each document: boolean id term Q<id>, data = "<id>\\t<title>", value slot 0 = SHA-1 of
  the file, used by --incremental to skip unchanged files (and delete vanished ones) as a
  careful user would; commit once at the end (Xapian also flushes every 10 000 changes).
- searching: QueryParser with Stem("french"), STEM_SOME, the database set (for wildcards),
  default flags (FLAG_DEFAULT = phrase | boolean | love/hate), default operator OP_AND (as
  artisearch) or OP_OR; Enquire with BM25Weight() defaults (k1=1, k2=0, k3=1, b=0.5,
  min_normlen=0.5); top 10 (get_mset(0, 10)), and each hit's document data read, as a
  results page would. The database is opened once and every query run once untimed
  before timing (warm).
- timing: time.perf_counter_ns() around parse + get_mset + reading the 10 hits only; the
  Python start-up and the database open are not timed. bench.py takes its latency figures
  from bench/xapian_latency.cc instead, the same search in C++, since the bindings add
  interpreter time to every query; this command remains for the report's one row of
  Xapian timed through Python.
"""
import hashlib
import json
import os
import resource
import sys
import time

import xapian

LANG = "french"


def read_doc(path):
    with open(path, "rb") as f:
        raw = f.read()
    text = raw.decode("utf-8", errors="replace")
    title, _, body = text.partition("\n")
    return raw, title.strip(), body


def make_doc(tg, doc_id, title, body, digest):
    doc = xapian.Document()
    tg.set_document(doc)
    tg.index_text(title, 1, "S")
    tg.index_text(title)
    tg.increase_termpos()
    tg.index_text(body)
    doc.set_data(doc_id + "\t" + title)
    doc.add_boolean_term("Q" + doc_id)
    doc.add_value(0, digest)
    return doc


def walk(root):
    for dirpath, dirs, files in os.walk(root):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(dirpath, f)
            yield os.path.relpath(p, root).replace(os.sep, "/"), p


def cmd_index(args):
    root, dbdir = args[0], args[1]
    incremental = "--incremental" in args
    t0 = time.perf_counter()
    flags = xapian.DB_CREATE_OR_OPEN if incremental else xapian.DB_CREATE_OR_OVERWRITE
    db = xapian.WritableDatabase(dbdir, flags)
    tg = xapian.TermGenerator()
    tg.set_stemmer(xapian.Stem(LANG))
    tg.set_stemming_strategy(xapian.TermGenerator.STEM_SOME)
    added = updated = unchanged = deleted = 0
    nbytes = 0
    seen = set()
    for doc_id, path in walk(root):
        raw, title, body = read_doc(path)
        nbytes += len(raw)
        digest = hashlib.sha1(raw).digest()
        idterm = "Q" + doc_id
        seen.add(doc_id)
        if incremental:
            pl = list(db.postlist(idterm))
            if pl:
                old = db.get_document(pl[0].docid)
                if old.get_value(0) == digest:
                    unchanged += 1
                    continue
                updated += 1
            else:
                added += 1
        else:
            added += 1
        db.replace_document(idterm, make_doc(tg, doc_id, title, body, digest))
    if incremental:
        for t in db.allterms("Q"):
            doc_id = t.term.decode("utf-8")[1:]
            if doc_id not in seen:
                db.delete_document(t.term)
                deleted += 1
    db.commit()
    db.close()
    dt = time.perf_counter() - t0
    print(json.dumps({"seconds": dt, "bytes": nbytes, "added": added, "updated": updated,
                      "unchanged": unchanged, "deleted": deleted,
                      "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


class Searcher:
    def __init__(self, dbdir, op):
        self.db = xapian.Database(dbdir)
        self.qp = xapian.QueryParser()
        self.qp.set_stemmer(xapian.Stem(LANG))
        self.qp.set_stemming_strategy(xapian.QueryParser.STEM_SOME)
        self.qp.set_database(self.db)
        self.qp.add_prefix("title", "S")
        self.qp.set_default_op(xapian.Query.OP_AND if op == "and" else xapian.Query.OP_OR)
        self.enq = xapian.Enquire(self.db)
        self.enq.set_weighting_scheme(xapian.BM25Weight())

    def top10(self, q):
        try:
            query = self.qp.parse_query(q, xapian.QueryParser.FLAG_DEFAULT)
        except xapian.QueryParserError:
            return []
        self.enq.set_query(query)
        mset = self.enq.get_mset(0, 10)
        return [m.document.get_data().decode("utf-8").split("\t", 1)[0] for m in mset]


def opt(args, name, default):
    return args[args.index(name) + 1] if name in args else default


def percentile(sorted_vals, p):
    if not sorted_vals:
        return None
    # Nearest rank: the smallest value with at least p% of the samples at or below it.
    k = max(0, min(len(sorted_vals) - 1, -(-p * len(sorted_vals) // 100) - 1))
    return sorted_vals[k]


def cmd_latency(args):
    dbdir, qfile = args[0], args[1]
    op = opt(args, "--op", "and")
    repeat = int(opt(args, "--repeat", "3"))
    with open(qfile, encoding="utf-8") as f:
        queries = [l.rstrip("\n") for l in f if l.strip()]
    s = Searcher(dbdir, op)
    for q in queries:  # warm: every page the queries touch is in the cache
        s.top10(q)
    samples = []
    nhits = 0
    clock = time.perf_counter_ns
    for _ in range(repeat):
        for q in queries:
            t0 = clock()
            hits = s.top10(q)
            samples.append((clock() - t0) / 1000.0)
            nhits += len(hits)
    samples.sort()
    print(json.dumps({"queries": len(queries), "samples": len(samples),
                      "p50_us": percentile(samples, 50), "p95_us": percentile(samples, 95),
                      "p99_us": percentile(samples, 99),
                      "mean_us": sum(samples) / len(samples),
                      "hits_per_query": nhits / len(samples),
                      "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))


def cmd_knownitem(args):
    dbdir, items = args[0], args[1]
    op = opt(args, "--op", "and")
    s = Searcher(dbdir, op)
    rows = []
    with open(items, encoding="utf-8") as f:
        for l in f:
            target, variant, q = l.rstrip("\n").split("\t", 2)
            rows.append((target, variant, q))
    res = {}
    for target, variant, q in rows:
        hits = s.top10(q)
        r = res.setdefault(variant, {"n": 0, "s1": 0, "s10": 0, "rr": 0.0})
        r["n"] += 1
        if target in hits:
            rank = hits.index(target) + 1
            r["s1"] += rank == 1
            r["s10"] += 1
            r["rr"] += 1.0 / rank
    out = {}
    for v, r in res.items():
        out[v] = {"n": r["n"], "success@1": r["s1"] / r["n"], "success@10": r["s10"] / r["n"],
                  "mrr@10": r["rr"] / r["n"]}
    print(json.dumps(out))


def cmd_settings(_args):
    print(json.dumps({
        "xapian": xapian.version_string(),
        "stemmer": LANG + " (Snowball, Xapian's built-in)",
        "stemming strategy": "STEM_SOME (index and query)",
        "positions": "on (TermGenerator.index_text)",
        "fields": "title as S-prefixed and free text, body as free text",
        "weighting": "BM25Weight() defaults k1=1 k2=0 k3=1 b=0.5 min_normlen=0.5",
        "query parser": "FLAG_DEFAULT (phrase, boolean, love/hate); default op AND (and OR where said)",
        "top-k": "get_mset(0, 10) + each hit's document data",
        "warm": "database opened once, every query run once before timing",
        "incremental": "SHA-1 of each file in value slot 0; unchanged files skipped, vanished ones deleted",
    }))


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    cmd, args = sys.argv[1], sys.argv[2:]
    {"index": cmd_index, "latency": cmd_latency, "knownitem": cmd_knownitem,
     "settings": cmd_settings}[cmd](args)


if __name__ == "__main__":
    main()
