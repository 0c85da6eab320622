#!/usr/bin/env python3
"""
A relevance audit set: CORPUS_DIR/../queries.tsv run through `artisearch --json` on an
index of its corpus, scored by MRR@10 (the first expected document's reciprocal rank, 0
past rank 10). Exit status 1 when the MRR falls below the set's floor file.

    audit.py ARTISEARCH INDEX SET_DIR

Each set was written by an auditor who had read DESIGN.md and FRENCH.md but neither
corpus/ nor the tuning, with every query's expected documents decided before running it.
queries.tsv: query, CLI options, expected ids (comma-separated, any counts), k (the first
expected within the top k, else the query is listed as a failure), checks (informative).
"""
import json, os, shlex, subprocess, sys

cli, index, here = sys.argv[1:4]
floor = float(open(os.path.join(here, "floor")).read().split()[0])
rr_sum, n, fails = 0.0, 0, []
for line in open(os.path.join(here, "queries.tsv"), encoding="utf-8"):
    if line.startswith("#") or not line.strip():
        continue
    q, opts, exp, k = (line.rstrip("\n").split("\t") + [""] * 4)[:4]
    expected, k = exp.split(","), int(k or 1)
    args = [cli, "--index", index, "--json", "--limit", "10"] + shlex.split(opts) + ["--", q]
    p = subprocess.run(args, capture_output=True, text=True)
    n += 1
    try:
        ids = [h["id"] for h in json.loads(p.stdout)["hits"]]
    except (ValueError, KeyError):
        fails.append(f"exit {p.returncode}, no result: {' '.join(map(shlex.quote, args))}: {p.stderr.strip()}")
        continue
    rank = next((i + 1 for i, x in enumerate(ids) if x in expected), None)
    rr_sum += 1.0 / rank if rank else 0.0
    if rank is None or rank > k:
        fails.append(f"rank {rank} (top {k} wanted): {' '.join(map(shlex.quote, args))}; first {ids[:1]}")
mrr = rr_sum / n if n else 0.0
for f in fails:
    print(f)
print(f"{os.path.basename(here)}: {n} queries, MRR@10 {mrr:.4f} (floor {floor:.4f}), {len(fails)} below their k")
sys.exit(0 if n and mrr >= floor else 1)
