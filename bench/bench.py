#!/usr/bin/python3
"""`make bench` and `make bench-quick`: artisearch beside Xapian on a real French corpus.

    python3 bench/bench.py full|quick

Run from the repository root after `make` (bench/run.sh does both). Everything it builds
goes under $BENCH_OUT (default bench/out, git-ignored); it writes BENCHMARKS.md and
BENCHMARKS-scale.png at the root and prints the table. Every artisearch measurement whose
program or helper is missing or fails becomes an "n/a" cell with the reason, so the
report can be run at any stage of the project.

Fixed seeds everywhere: the same corpus gives the same queries, items and synthetic sets.
"""
import json
import os
import platform
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import unicodedata
import urllib.parse
import urllib.request

MODE = sys.argv[1] if len(sys.argv) > 1 else "quick"
if MODE not in ("full", "quick"):
    sys.exit("usage: bench.py full|quick")
QUICK = MODE == "quick"
ROOT = os.getcwd()
OUT = os.path.abspath(os.environ.get("BENCH_OUT", "bench/out"))
BIN = os.path.abspath(os.environ.get("BIN", "bin"))
BUILD = os.path.abspath(os.environ.get("BUILD", "build"))
PY = "/usr/bin/python3"  # Debian's, the one python3-xapian is built for
SEED = 42
RUN = os.path.join(OUT, MODE)  # this mode's indexes, queries and logs

CFG = {
    "quick": dict(subset=6, queries=100, repeat=3, cli_queries=20, items=150, scale=[1000, 3000],
                  scale_queries=50),
    "full": dict(subset=1, queries=300, repeat=5, cli_queries=100, items=500,
                 scale=[10000, 100000, 1000000], scale_queries=200),
}[MODE]
# Xapian stops growing here: at about 2-3 MB/s, a million synthetic documents (4.3 GB)
# would take it close to half an hour; the curve stops where it was measured.
REPS = 1 if QUICK else 3
# Latencies are measured in rounds, Xapian then artisearch right after it, and each
# engine's figure is the median of its rounds: the machine drifts by up to 1.6x from
# minute to minute, and a single pass of each can land one engine in a slow minute and
# the other in a fast one (three rounds still moved the ratio by a tenth between runs).
LAT_ROUNDS = 1 if QUICK else 5
BUDGET = 60 * float(os.environ.get("BENCH_BUDGET_MIN", "2" if QUICK else "45"))
XAPIAN_SCALE_MAX = int(os.environ.get("BENCH_XAPIAN_MAX", "100000"))
SCALE_MAX = int(os.environ.get("BENCH_SCALE_MAX", str(max(CFG["scale"]))))

ROWS = []      # (section, figure, art, xap, ratio-kind, note)
NOTES = []     # lines for the Notes section
COMMANDS = []  # exact commands run, for the report
SCALE = []     # dicts per size
EXTRA = {}     # free-form sections (analyzer, http raw output)
T_START = time.time()


def log(msg):
    print(f"[bench {time.time() - T_START:6.1f}s] {msg}", file=sys.stderr, flush=True)


def rel(p):
    """A path as the report shows it: relative to the repository or to $BENCH_OUT."""
    p = os.path.abspath(p)
    if p.startswith(OUT + "/") or p == OUT:
        return "$BENCH_OUT" + p[len(OUT):]
    if p.startswith(ROOT + "/"):
        return p[len(ROOT) + 1:]
    return p


def show(cmd):
    return " ".join(rel(c) if c.startswith("/") and (c.startswith(OUT) or c.startswith(ROOT))
                    else (c if re.fullmatch(r"[\w./,:=@%+-]+", c) else "'" + c.replace("'", "'\\''") + "'")
                    for c in cmd)


def record(cmd, what=None):
    s = show(cmd)
    if what:
        s += "    # " + what
    if s not in COMMANDS:
        COMMANDS.append(s)


class Na(Exception):
    """A measurement that cannot be made; the message is the reason shown in its cell."""


def run(cmd, timeout=3600, record_as=None, env=None, check=True, stdin=None):
    if record_as is not False:
        record(cmd, record_as)
    try:
        r = subprocess.run(cmd, capture_output=True, timeout=timeout, env=env, stdin=stdin)
    except FileNotFoundError:
        raise Na(f"{os.path.basename(cmd[0])} missing")
    except subprocess.TimeoutExpired:
        raise Na(f"{os.path.basename(cmd[0])} timed out after {timeout}s")
    if check and r.returncode != 0:
        err = (r.stderr or r.stdout).decode("utf-8", "replace").strip().splitlines()
        raise Na(f"{os.path.basename(cmd[0])} exited {r.returncode}"
                 + (f": {err[-1][:80]}" if err else ""))
    return r


def timed(cmd, timeout=3600, record_as=None):
    """Wall seconds (perf_counter) and peak RSS in kB (/usr/bin/time -v) of one process."""
    tf = os.path.join(RUN, "time.txt")
    full = ["/usr/bin/time", "-v", "-o", tf] + cmd
    record(cmd, record_as)
    t0 = time.perf_counter()
    r = run(full, timeout=timeout, record_as=False, check=False)
    dt = time.perf_counter() - t0
    rss = cpu = None
    if os.path.exists(tf):
        tv = open(tf).read()
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", tv)
        rss = int(m.group(1)) if m else None
        u = re.search(r"User time \(seconds\): ([\d.]+)", tv)
        k = re.search(r"System time \(seconds\): ([\d.]+)", tv)
        cpu = float(u.group(1)) + float(k.group(1)) if u and k else None
    r.cpu = cpu
    if r.returncode != 0:
        err = (r.stderr or r.stdout).decode("utf-8", "replace").strip().splitlines()
        err = [l for l in err if not l.startswith("\tCommand") and "exit status" not in l]
        raise Na(f"{os.path.basename(cmd[0])} exited {r.returncode}"
                 + (f": {err[-1][:80]}" if err else ""))
    return dt, rss, r


def du(path):
    total = 0
    for dirpath, _, files in os.walk(path):
        for f in files:
            try:
                total += os.lstat(os.path.join(dirpath, f)).st_size
            except OSError:
                pass
    return total


def tree_bytes(path):
    return du(path)


def percentile(vals, p):
    """Nearest-rank percentile of a sorted list."""
    if not vals:
        return None
    k = max(0, min(len(vals) - 1, int(-(-p * len(vals) // 100)) - 1))
    return vals[k]


def add(section, figure, art, xap, kind="lower", note=None):
    """One table row. `art`/`xap` are (value, text) pairs, or Na, or None (not applicable)."""
    ROWS.append((section, figure, art, xap, kind, note))


def cell(v):
    if v is None:
        return "—"
    if isinstance(v, Na):
        return f"n/a ({v})"
    return v[1]


def ratio(a, x, kind):
    if not isinstance(a, tuple) or not isinstance(x, tuple) or kind is None:
        return "—"
    if not x[0]:
        return "—"
    return f"{a[0] / x[0]:.2f}×"


def attempt(fn, *args):
    try:
        return fn(*args)
    except Na as e:
        return e


def fmt_s(s):
    return (s, f"{s:.2f} s") if s >= 0.1 else (s, f"{s * 1000:.0f} ms")


def fmt_mb(b):
    return (b, f"{b / 1e6:.1f} MB")


def fmt_us(u):
    return (u, f"{u:.0f} µs") if u >= 10 else (u, f"{u:.1f} µs")


def fmt_ms(m):
    return (m, f"{m:.1f} ms")


# ---- Machine --------------------------------------------------------------------------

def sh(cmd):
    try:
        return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception:
        return ""


def machine():
    lscpu = sh("lscpu")
    model = re.search(r"Model name:\s*(.*)", lscpu)
    mem = sh("awk '/MemTotal/ {printf \"%.1f GiB\", $2/1048576}' /proc/meminfo")
    deb = sh("cat /etc/debian_version")
    pretty = sh(". /etc/os-release && echo $PRETTY_NAME")
    pkgs = sh("dpkg-query -W -f='${Package} ${Version}\\n' python3-xapian libxapian30 libxapian-dev xapian-tools "
              "wrk nginx-light libmicrohttpd12 gnuplot-nox hyperfine libstemmer0d 2>/dev/null")
    return {
        "cpu": model.group(1).strip() if model else platform.processor(),
        "cores": os.cpu_count(),
        "memory": mem,
        "kernel": platform.release(),
        "debian": f"{pretty} ({deb})",
        "cc": sh("cc --version | head -1"),
        "cxx": sh("g++ --version | head -1"),
        "python": sh(f"{PY} --version"),
        "packages": pkgs,
        "commit": sh("git rev-parse --short HEAD") + (" (with local changes)" if sh("git status --porcelain --untracked-files=no | grep -v BENCHMARKS") else ""),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load": open("/proc/loadavg").read().split()[:3],
    }


# ---- Corpus, queries, known items ---------------------------------------------------

STOP = set("""au aux avec ce ces dans de des du elle en et eux il ils je la le les leur lui ma mais me
même mes moi mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi
ton tu un une vos votre vous est sont été être avoir ont cette cet peut plus tout tous toutes
comme aussi ainsi donc car sans sous entre vers chez très bien fait faire dont où alors si non oui
the and for with this that from are not you your can will all which when have has was""".split())


def read_text_doc(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        title, _, body = f.read().partition("\n")
    return title.strip(), body


def list_text(root):
    out = []
    for dirpath, dirs, files in os.walk(root):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(dirpath, f)
            out.append((os.path.relpath(p, root).replace(os.sep, "/"), p))
    return out


WORD = re.compile(r"[^\W\d_]{3,}")


def make_queries(root, n, seed):
    """n queries of 1-4 consecutive content words of a random document (fixed seed)."""
    rng = random.Random(seed)
    docs = list_text(root)
    out = []
    tries = 0
    while len(out) < n and tries < n * 50:
        tries += 1
        _, p = rng.choice(docs)
        _, body = read_text_doc(p)
        words = [w.lower() for w in WORD.findall(body) if w.lower() not in STOP]
        k = rng.randint(1, 4)
        if len(words) < k:
            continue
        i = rng.randrange(0, len(words) - k + 1)
        out.append(" ".join(words[i:i + k]))
    return out


def strip_accents(s):
    return unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", s)
                                                if unicodedata.category(c) != "Mn"))


def typo(s, rng):
    """One edit (substitution, deletion, insertion or transposition, never the first
    letter) in the longest word of s."""
    words = list(re.finditer(r"[^\W\d_]+", s))
    if not words:
        return s
    w = max(words, key=lambda m: (len(m.group(0)), -m.start()))
    word = w.group(0)
    letters = "abcdefghijklmnopqrstuvwxyz"
    if len(word) < 2:
        new = word + rng.choice(letters)
    else:
        i = rng.randrange(1, len(word))
        op = rng.choice(["sub", "del", "ins", "swap"])
        if op == "sub":
            c = rng.choice([c for c in letters if c != word[i].lower()])
            new = word[:i] + c + word[i + 1:]
        elif op == "del":
            new = word[:i] + word[i + 1:]
        elif op == "ins":
            new = word[:i] + rng.choice(letters) + word[i:]
        else:
            i = min(i, len(word) - 2) if len(word) > 2 else 0
            new = word[:i] + word[i + 1] + word[i] + word[i + 2:] if word[i] != word[i + 1] else \
                word[:i] + rng.choice([c for c in letters if c != word[i].lower()]) + word[i + 1:]
    return s[:w.start()] + new + s[w.end():]


def make_items(root, n, seed):
    """Known items: n documents of unique title (fixed seed), each as three queries."""
    docs = list_text(root)
    titles = {}
    for doc_id, p in docs:
        t, _ = read_text_doc(p)
        titles[doc_id] = t
    count = {}
    for t in titles.values():
        k = " ".join(t.casefold().split())
        count[k] = count.get(k, 0) + 1
    cands = [d for d, t in titles.items()
             if count[" ".join(t.casefold().split())] == 1 and WORD.search(t)]
    rng = random.Random(seed)
    pick = sorted(rng.sample(cands, min(n, len(cands))))
    rows = []
    for d in pick:
        t = titles[d]
        rows.append((d, "clean", t))
        rows.append((d, "noaccent", strip_accents(t)))
        rows.append((d, "typo", typo(t, rng)))
    return rows, len(cands), len(docs)


# ---- Xapian ----------------------------------------------------------------------------

# Latency runs are short and a preempted query shows up as a false tail: on a shared machine
# they run at a higher priority (root only), the same for both engines.
PRIO = ["nice", "-n", "-10"] if os.geteuid() == 0 else []


def xap(cmd, *args, timeout=7200):
    prio = PRIO if cmd == "latency" else []
    r = run(prio + [PY, "bench/xapian_bench.py", cmd] + list(args), timeout=timeout)
    return json.loads(r.stdout.decode().strip().splitlines()[-1])


def xap_latency(db, qfile, op, repeat):
    """Xapian's in-process latency from bench/xapian_latency.cc: xapian_bench.py's settings
    and timing in compiled C++, because the Python bindings add interpreter time to every
    query that is not Xapian's (the program's comment has the figures). Same JSON keys as
    `xapian_bench.py latency`. g++ and libxapian-dev missing make it n/a."""
    try:
        exe = bench_program("xapian_latency", ".cc")
    except Na as e:
        raise Na(f"{e} (g++, libxapian-dev: sh scripts/setup.sh bench)")
    r = run(PRIO + [exe, db, qfile, "--op", op, "--repeat", str(repeat)], timeout=1800,
            record_as=f"Xapian in-process latency, {op.upper()}, from C++")
    try:
        return json.loads(r.stdout.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise Na("no JSON from xapian_latency")


def xapian_index(text, db, incremental=False):
    cmd = [PY, "bench/xapian_bench.py", "index", text, db] + (["--incremental"] if incremental else [])
    dt, rss, r = timed(cmd)
    j = json.loads(r.stdout.decode().strip().splitlines()[-1])
    j["cpu"] = r.cpu
    return dt, rss, j


# ---- artisearch ------------------------------------------------------------------------

def need(path, what):
    if not os.path.exists(path):
        raise Na(f"{what} not built yet")
    return path


def art_index(corpus, idx, full=True):
    exe = need(os.path.join(BIN, "artisearch-index"), "artisearch-index")
    cmd = [exe, "--index", idx] + (["--full"] if full else []) + [corpus]
    dt, rss, r = timed(cmd)
    if not os.path.exists(os.path.join(idx, "CURRENT")):
        raise Na("artisearch-index published no CURRENT")
    return dt, rss, r


def bench_program(name, ext=".c"):
    """Builds bench/NAME.c (or NAME.cc, make's rules) and returns the program's path."""
    src = f"bench/{name}{ext}"
    if not os.path.exists(os.path.join(ROOT, src)):
        raise Na(f"{src} not written yet")
    target = os.path.join(BUILD, "bench", name)
    r = subprocess.run(["make", "--no-print-directory", "-s", rel(target)], capture_output=True)
    if r.returncode != 0 or not os.path.exists(target):
        raise Na(f"{src} does not build")
    return target


UNIT_US = {"ns": 1e-3, "us": 1.0, "µs": 1.0, "ms": 1e3, "s": 1e6}


def parse_latency(text):
    """Percentiles printed by a bench helper, as microseconds: a JSON object with
    p50_us/p95_us/p99_us (or p50/p95/p99 with a "unit"), or lines like `p50 12.3 us`."""
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                j = json.loads(line)
            except ValueError:
                continue
            out = {}
            for p in ("p50", "p95", "p99", "mean"):
                for k, mul in ((p + "_us", 1.0), (p + "_ns", 1e-3), (p + "_ms", 1e3), (p, UNIT_US.get(j.get("unit", "us"), 1.0))):
                    if k in j and isinstance(j[k], (int, float)):
                        out[p] = j[k] * mul
                        break
            if "p50" in out:
                return out
    out = {}
    for m in re.finditer(r"\b(p50|p95|p99|mean)\b[^\d\n]*([\d.]+)\s*(ns|us|µs|ms|s)?\b", text):
        out.setdefault(m.group(1), float(m.group(2)) * UNIT_US.get(m.group(3) or "us", 1.0))
    if "p50" not in out:
        raise Na("could not read the helper's percentiles")
    return out


def art_latency(idx, qfile, repeat=None):
    """query_bench INDEX_DIR QUERY_FILE REPEAT (bench/query_bench.c): one JSON line per
    mode, "top10" (retrieval, what Xapian's figure compares with) and
    "top10+snippets+json". Returns {"p50": µs, ...} of top10, with the other mode's
    percentiles under "snippets" when printed."""
    exe = bench_program("query_bench")
    r = run(PRIO + [exe, idx, qfile, str(repeat or CFG["repeat"])], timeout=1800,
            record_as="artisearch in-process latency")
    text = r.stdout.decode("utf-8", "replace")
    modes = {}
    for line in text.splitlines():
        if line.strip().startswith("{"):
            try:
                j = json.loads(line)
            except ValueError:
                continue
            modes[j.get("mode", "")] = j
    if "top10" in modes:
        j = modes["top10"]
        out = {p: j[p + "_us"] for p in ("p50", "p95", "p99", "mean") if p + "_us" in j}
        out["hits"] = j.get("hits_mean")
        sn = [v for k, v in modes.items() if k != "top10"]
        if sn:
            out["snippets"] = {p: sn[0][p + "_us"] for p in ("p50", "p95", "p99") if p + "_us" in sn[0]}
        return out
    return parse_latency(text + "\n" + r.stderr.decode("utf-8", "replace"))


def rounds_median(results):
    """One result from several rounds' (dicts of figures): each number the median of its
    rounds, nested dicts alike; the first failure (Na) if a round failed."""
    for r in results:
        if isinstance(r, Na):
            return r
    out = dict(results[0])
    for k, v in results[0].items():
        if isinstance(v, dict):
            out[k] = rounds_median([r[k] for r in results])
        elif isinstance(v, (int, float)) and all(isinstance(r.get(k), (int, float)) for r in results):
            out[k] = percentile(sorted(r[k] for r in results), 50)
    return out


def art_search_ids(idx, q, limit=10):
    exe = need(os.path.join(BIN, "artisearch"), "artisearch")
    r = subprocess.run([exe, "--index", idx, "--json", "--limit", str(limit), q],
                       capture_output=True, timeout=60)
    if r.returncode not in (0, 1):
        return None
    try:
        j = json.loads(r.stdout.decode("utf-8", "replace"))
    except ValueError:
        return None
    if "hits" not in j:
        return None
    return [h.get("id") for h in j["hits"]]


def knownitem_art(idx, items):
    exe = need(os.path.join(BIN, "artisearch"), "artisearch")
    record([exe, "--index", idx, "--json", "--limit", "10", "TITLE"], "once per known item")
    res, errors = {}, 0
    for target, variant, q in items:
        hits = art_search_ids(idx, q)
        r = res.setdefault(variant, {"n": 0, "s1": 0, "s10": 0, "rr": 0.0})
        r["n"] += 1
        if hits is None:
            errors += 1
            continue
        if target in hits:
            rank = hits.index(target) + 1
            r["s1"] += rank == 1
            r["s10"] += 1
            r["rr"] += 1.0 / rank
    if errors == len(items):
        raise Na("artisearch --json gave no result")
    if errors:
        NOTES.append(f"Known-item search: {errors} of {len(items)} artisearch queries failed "
                     "(no JSON or exit status 2) and count as misses.")
    return {v: {"success@1": r["s1"] / r["n"], "success@10": r["s10"] / r["n"],
                "mrr@10": r["rr"] / r["n"]} for v, r in res.items()}


def cli_loop(cmds):
    """Wall time of each whole process, sorted (ms); one untimed run first."""
    cmds = [PRIO + c for c in cmds]
    subprocess.run(cmds[0], capture_output=True)
    out = []
    for c in cmds:
        t0 = time.perf_counter()
        r = subprocess.run(c, capture_output=True)
        out.append((time.perf_counter() - t0) * 1000)
        if r.returncode not in (0, 1):
            raise Na(f"{os.path.basename(c[len(PRIO)])} exited {r.returncode}")
    return sorted(out)


# ---- Daemon ----------------------------------------------------------------------------

def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def daemon_rss(idx, queries):
    """Starts artisearchd on idx, sends the queries, returns (VmRSS, VmHWM) in kB."""
    exe = need(os.path.join(BIN, "artisearchd"), "artisearchd")
    port = free_port()
    cmd = [exe, "--index", idx, "--listen", f"127.0.0.1:{port}"]
    record(cmd[:-1] + ["127.0.0.1:PORT"], "daemon RSS: queries over HTTP, then VmRSS from /proc")
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/health", timeout=2).read()
                break
            except Exception:
                if p.poll() is not None:
                    raise Na(f"artisearchd exited {p.returncode}")
                time.sleep(0.1)
        else:
            raise Na("artisearchd did not answer /health")
        failed = 0
        for q in queries:
            try:
                urllib.request.urlopen(base + "/search?q=" + urllib.parse.quote(q), timeout=10).read()
            except Exception:
                failed += 1
        if failed == len(queries):
            raise Na("/search failed for every query")
        status = open(f"/proc/{p.pid}/status").read()
        rss = int(re.search(r"VmRSS:\s*(\d+)", status).group(1))
        hwm = int(re.search(r"VmHWM:\s*(\d+)", status).group(1))
        return rss, hwm
    finally:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


# ---- The measurements ------------------------------------------------------------------

def corpus():
    base = os.path.join(OUT, "corpus")
    log("corpus: building from Debian's French documentation (kept once built)")
    run([PY, "bench/make-corpus.py", base], timeout=3600)
    docs, text = os.path.join(base, "docs"), os.path.join(base, "text")
    if QUICK:
        # Every k-th document, the same subset every time.
        sub = os.path.join(RUN, "corpus")
        shutil.rmtree(sub, ignore_errors=True)
        rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(base, "corpus.tsv"), encoding="utf-8")]
        for i, r in enumerate(rows):
            if i % CFG["subset"]:
                continue
            for src, dst in ((os.path.join(text, r[0]), os.path.join(sub, "text", r[0])),
                             (os.path.join(docs, r[1]), os.path.join(sub, "docs", r[1]))):
                os.makedirs(os.path.dirname(dst), exist_ok=True)
                shutil.copyfile(src, dst)
        docs, text = os.path.join(sub, "docs"), os.path.join(sub, "text")
    # A private copy of the text, which the one-document-changed test edits.
    work = os.path.join(RUN, "text")
    shutil.rmtree(work, ignore_errors=True)
    shutil.copytree(text, work)
    return docs, work


def file_kinds(path):
    """Bytes per kind of file under an index: artisearch's by extension (.post, .stor, ...),
    Xapian's by table name (postlist.glass, ...)."""
    kinds = {}
    for dirpath, _, files in os.walk(path):
        for f in files:
            k = os.path.splitext(f)[1] or f
            if k == ".glass":
                k = f
            kinds[k] = kinds.get(k, 0) + os.lstat(os.path.join(dirpath, f)).st_size
    return kinds


def best(results):
    """The shortest of several timed runs (tuples whose first item is seconds), or the
    first failure when none succeeded."""
    ok = [r for r in results if not isinstance(r, Na)]
    return min(ok, key=lambda r: r[0]) if ok else results[0]


def section_indexing(docs, text):
    n_docs = len(list_text(text))
    text_bytes = tree_bytes(text)
    EXTRA["corpus"] = (n_docs, text_bytes, len(list_text(docs)), tree_bytes(docs))
    xdb = os.path.join(RUN, "xapian")
    aidx = os.path.join(RUN, "artisearch")
    shutil.rmtree(xdb, ignore_errors=True)
    shutil.rmtree(aidx, ignore_errors=True)

    # The machine may be shared: each engine runs REPS times, turn about, and the best
    # (shortest) run is kept, with its peak RSS; the index of the last run stays.
    xs_, as_ = [], []
    for i in range(REPS):
        log(f"indexing: Xapian ({i + 1}/{REPS})")
        shutil.rmtree(xdb, ignore_errors=True)
        xs_.append(attempt(xapian_index, text, xdb))
        log(f"indexing: artisearch ({i + 1}/{REPS})")
        shutil.rmtree(aidx, ignore_errors=True)
        as_.append(attempt(art_index, text, aidx))
    x, a = best(xs_), best(as_)

    def tm(v):
        return v if isinstance(v, Na) else fmt_s(v[0])

    def mbs(v):
        return v if isinstance(v, Na) else (text_bytes / v[0] / 1e6, f"{text_bytes / v[0] / 1e6:.2f} MB/s")

    def rss(v):
        return v if isinstance(v, Na) else (v[1], f"{v[1] / 1024:.0f} MB")

    def cpu(v):
        if isinstance(v, Na):
            return v
        c = v[2]["cpu"] if isinstance(v[2], dict) else getattr(v[2], "cpu", None)
        return fmt_s(c) if c is not None else Na("not measured")

    sec = "Indexing the extracted text"
    add(sec, f"wall time, {n_docs} documents, {text_bytes / 1e6:.1f} MB of text"
        + (f" (best of {REPS})" if REPS > 1 else ""), tm(a), tm(x))
    add(sec, "throughput (MB of extracted text per second)", mbs(a), mbs(x), "higher")
    add(sec, "CPU time, user + system (less sensitive to a shared machine)", cpu(a), cpu(x))
    add(sec, "peak RSS", rss(a), rss(x))
    EXTRA["files"] = (text_bytes, None if isinstance(a, Na) else file_kinds(aidx),
                      None if isinstance(x, Na) else file_kinds(xdb))
    xs = None if isinstance(x, Na) else du(xdb)
    asz = None if isinstance(a, Na) else du(aidx)
    add(sec, "index size on disk", fmt_mb(asz) if asz else a, fmt_mb(xs) if xs else x)
    add(sec, "index size / text", (asz / text_bytes, f"{asz / text_bytes:.2f}") if asz else a,
        (xs / text_bytes, f"{xs / text_bytes:.2f}") if xs else x)

    xs_, as_ = [], []
    for i in range(REPS):
        log(f"indexing: re-run with nothing changed ({i + 1}/{REPS})")
        xs_.append(attempt(xapian_index, text, xdb, True) if not isinstance(x, Na) else x)
        as_.append(attempt(art_index, text, aidx, False) if not isinstance(a, Na) else a)
    add(sec, "re-run, nothing changed" + (f" (best of {REPS})" if REPS > 1 else ""), tm(best(as_)), tm(best(xs_)))

    # One document changed: a sentence appended to a mid-sized document, each time another.
    victim = sorted(list_text(text))[len(list_text(text)) // 2][1]
    xs_, as_ = [], []
    for i in range(REPS):
        with open(victim, "a", encoding="utf-8") as f:
            f.write(f"\nParagraphe ajouté n° {i + 1} pour le banc d'essai : une modification à publier.\n")
        log(f"indexing: one document changed ({i + 1}/{REPS})")
        xs_.append(attempt(xapian_index, text, xdb, True) if not isinstance(x, Na) else x)
        as_.append(attempt(art_index, text, aidx, False) if not isinstance(a, Na) else a)
    x3, a3 = best(xs_), best(as_)
    add(sec, "one document changed, until published" + (f" (best of {REPS})" if REPS > 1 else ""), tm(a3), tm(x3))
    if not isinstance(x3, Na) and x3[2].get("updated") != 1:
        NOTES.append(f"Xapian's one-document run updated {x3[2].get('updated')} documents (expected 1).")

    # The original files (HTML, text, PDF) through artisearch's own extraction.
    log("indexing: artisearch on the original files")
    oidx = os.path.join(RUN, "artisearch-docs")
    shutil.rmtree(oidx, ignore_errors=True)
    o = attempt(art_index, docs, oidx)
    add("Indexing the original files", f"wall time, {EXTRA['corpus'][2]} files (HTML, text, PDF), "
        f"{EXTRA['corpus'][3] / 1e6:.1f} MB", tm(o), None, None,
        "artisearch extracts the text itself; Xapian has no equivalent here (omindex is not set up)")
    add("Indexing the original files", "peak RSS", rss(o), None, None)
    return aidx, xdb, (a, x)


def section_queries(text, aidx, xdb, built):
    a_ok = not isinstance(built[0], Na)
    x_ok = not isinstance(built[1], Na)
    qs = make_queries(text, CFG["queries"], SEED)
    qfile = os.path.join(RUN, "queries.txt")
    with open(qfile, "w", encoding="utf-8") as f:
        f.write("\n".join(qs) + "\n")
    EXTRA["queries"] = qs
    rounds = f", median of {LAT_ROUNDS} alternated rounds" if LAT_ROUNDS > 1 else ""
    sec = f"Queries, warm, in-process, top 10 ({len(qs)} queries × {CFG['repeat']}{rounds})"
    # Xapian from C++ (bench/xapian_latency.cc), as artisearch from C; once more through the
    # Python bindings, the method of earlier reports, so that the change of method shows.
    xls, xos, xps, als = [], [], [], []
    for r in range(LAT_ROUNDS):
        log(f"queries: in-process, round {r + 1} of {LAT_ROUNDS}: Xapian AND, artisearch, Xapian OR "
            "(C++), Xapian AND (Python)")
        xls.append(attempt(xap_latency, xdb, qfile, "and", CFG["repeat"]) if x_ok else built[1])
        als.append(attempt(art_latency, aidx, qfile) if a_ok else built[0])
        xos.append(attempt(xap_latency, xdb, qfile, "or", CFG["repeat"]) if x_ok else built[1])
        xps.append(attempt(xap, "latency", xdb, qfile, "--op", "and", "--repeat", str(CFG["repeat"]))
                   if x_ok else built[1])
    xl, xo, xp, al = rounds_median(xls), rounds_median(xos), rounds_median(xps), rounds_median(als)
    for p in ("p50", "p95", "p99"):
        add(sec, f"latency {p} (AND)",
            al if isinstance(al, Na) else (fmt_us(al[p]) if p in al else Na("not printed")),
            xl if isinstance(xl, Na) else fmt_us(xl[p + "_us"]))
    for p in ("p50", "p99"):
        add(sec, f"latency {p}, Xapian with OR", None,
            xo if isinstance(xo, Na) else fmt_us(xo[p + "_us"]), None)
    add(sec, "latency p50 / p99 (AND), Xapian through its Python bindings (earlier reports' method, "
        "not compared)", None,
        xp if isinstance(xp, Na) else (xp["p50_us"], f"{fmt_us(xp['p50_us'])[1]} / {fmt_us(xp['p99_us'])[1]}"),
        None)
    if not isinstance(al, Na) and "snippets" in al:
        for p in ("p50", "p99"):
            add(sec, f"latency {p}, artisearch with snippets and JSON", fmt_us(al["snippets"][p]), None, None)
    if not isinstance(xl, Na):
        EXTRA["xapian_hits"] = xl["hits_per_query"]
        if not isinstance(xp, Na):
            EXTRA["xapian_python_p50"] = (xp["p50_us"], xl["p50_us"])
    if not isinstance(al, Na) and al.get("hits") is not None:
        EXTRA["art_hits"] = al["hits"]

    n = CFG["cli_queries"]
    sec = f"Queries through the CLI, whole process ({n} queries, top 10{rounds})"
    log("queries: CLI processes")

    def cli_x():
        if not x_ok:
            raise built[1]
        record(PRIO + ["quest", "-d", xdb, "-s", "french", "-o", "and", "-m", "10", "QUERY"],
               "Xapian's CLI, once per query")
        return cli_loop([["quest", "-d", xdb, "-s", "french", "-o", "and", "-m", "10", q] for q in qs[:n]])

    def cli_a():
        if not a_ok:
            raise built[0]
        exe = need(os.path.join(BIN, "artisearch"), "artisearch")
        record(PRIO + [exe, "--index", aidx, "--json", "--limit", "10", "QUERY"], "once per query")
        return cli_loop([[exe, "--index", aidx, "--json", "--limit", "10", q] for q in qs[:n]])

    cxs, cas = [], []
    for r in range(LAT_ROUNDS):
        cxs.append(attempt(cli_x))
        cas.append(attempt(cli_a))

    def cli_p(runs, p):
        bad = [r for r in runs if isinstance(r, Na)]
        return bad[0] if bad else fmt_ms(percentile(sorted(percentile(r, p) for r in runs), 50))

    for p in (50, 95):
        add(sec, f"wall time p{p}", cli_p(cas, p), cli_p(cxs, p))


def section_knownitem(text, aidx, xdb, built):
    items, n_unique, n_docs = make_items(text, CFG["items"], SEED)
    ifile = os.path.join(RUN, "knownitems.tsv")
    with open(ifile, "w", encoding="utf-8") as f:
        for r in items:
            f.write("\t".join(r) + "\n")
    n = len(items) // 3
    EXTRA["items"] = (n, n_unique, n_docs, items[:9])
    log(f"known-item: {n} documents")
    xa = attempt(xap, "knownitem", xdb, ifile, "--op", "and") if not isinstance(built[1], Na) else built[1]
    xo = attempt(xap, "knownitem", xdb, ifile, "--op", "or") if not isinstance(built[1], Na) else built[1]
    aa = attempt(knownitem_art, aidx, items) if not isinstance(built[0], Na) else built[0]
    names = {"clean": "title as typed", "noaccent": "title without accents", "typo": "title, one typo in its longest word"}
    for v in ("clean", "noaccent", "typo"):
        sec = f"Known-item search, {n} documents: {names[v]}"
        for m in ("success@1", "success@10", "mrr@10"):
            def c(res):
                return res if isinstance(res, Na) else (res[v][m], f"{res[v][m]:.3f}")
            add(sec, m + " (AND)", c(aa), c(xa), "higher")
        for m in ("success@1", "success@10", "mrr@10"):
            def c(res):
                return res if isinstance(res, Na) else (res[v][m], f"{res[v][m]:.3f}")
            add(sec, m + ", Xapian with OR", None, c(xo), None)


def section_analyzer(text):
    log("analyzer throughput")
    sec = "Analyzer"

    def go():
        exe = bench_program("analyzer_bench")
        r = run([exe, "-s", "1" if QUICK else "3", text], timeout=600,
                record_as="analyzer throughput, one core, document mode")
        out = r.stdout.decode("utf-8", "replace") + r.stderr.decode("utf-8", "replace")
        EXTRA["analyzer_raw"] = out.strip()
        cold = re.search(r"first round[^\n]*?([\d.]+)\s*MB/s", out)
        warm = re.search(r"rounds in[^\n]*?([\d.]+)\s*MB/s", out)
        if not warm:
            mm = re.findall(r"([\d.]+)\s*MB/s", out)
            if not mm:
                raise Na("could not read MB/s from analyzer_bench")
            return float(mm[-1]), None
        return float(warm.group(1)), float(cold.group(1)) if cold else None
    r = attempt(go)
    add(sec, "French analysis, one core, MB of text per second (stem cache warm)",
        r if isinstance(r, Na) else (r[0], f"{r[0]:.1f} MB/s"), None, None)
    if not isinstance(r, Na) and r[1] is not None:
        add(sec, "the same, first pass (stem cache cold)", (r[1], f"{r[1]:.1f} MB/s"), None, None)


def section_http(aidx, built):
    """bench/http_bench.sh (the daemon's): indexes corpus/ itself, runs wrk against
    artisearchd /search, a bare libmicrohttpd server and nginx with a body of the same
    size, then /search while the index is republished every second. Its last line is JSON."""
    log("HTTP")
    sec = "HTTP: /search under wrk on loopback (the project's corpus/, bench/http_bench.sh)"

    def go():
        if isinstance(built[0], Na):
            raise built[0]
        if not os.path.exists(os.path.join(ROOT, "bench", "http_bench.sh")):
            raise Na("bench/http_bench.sh not written yet")
        need(os.path.join(BIN, "artisearchd"), "artisearchd")
        # Relative paths: the script builds mhd_bare through make's rule for build/bench/%.
        env = dict(os.environ, BIN=rel(BIN), BUILD=rel(BUILD), DURATION="2" if QUICK else "5",
                   ROUNDS="1" if QUICK else "3")
        record(["DURATION=" + env["DURATION"], "ROUNDS=" + env["ROUNDS"], "sh", "bench/http_bench.sh"],
               "HTTP: /search vs bare libmicrohttpd vs nginx, and while republishing")
        r = run(["sh", "bench/http_bench.sh"], timeout=1800, env=env, record_as=False)
        out = r.stdout.decode("utf-8", "replace").strip()
        EXTRA["http_raw"] = out
        for line in reversed(out.splitlines()):
            if line.strip().startswith("{"):
                return json.loads(line)
        raise Na("no JSON line from bench/http_bench.sh")
    j = attempt(go)
    if isinstance(j, Na):
        add(sec, "/search requests/s", j, None, None)
        return

    def g(k, f):
        return f(j[k]) if isinstance(j.get(k), (int, float)) else Na(f"{k} not printed")
    add(sec, "/search requests/s", g("search_rps", lambda v: (v, f"{v:,.0f} req/s")), None, None)
    add(sec, "/search p99", g("search_p99_ms", lambda v: (v, f"{v:.2f} ms")), None, None)
    if "uncached_rps" in j:
        add(sec, "/search requests/s, result cache off (every request runs its query)",
            g("uncached_rps", lambda v: (v, f"{v:,.0f} req/s")), None, None)
        add(sec, "/search p99, result cache off", g("uncached_p99_ms", lambda v: (v, f"{v:.2f} ms")), None, None)
    add(sec, "bare libmicrohttpd, same body from memory (ceiling)", g("bare_rps", lambda v: (v, f"{v:,.0f} req/s")), None, None)
    add(sec, "nginx, same body as a static file (ceiling)", g("nginx_rps", lambda v: (v, f"{v:,.0f} req/s")), None, None)
    add(sec, "/search as a share of bare libmicrohttpd", g("search_vs_bare_pct", lambda v: (v, f"{v:.0f} %")), None, None)
    if isinstance(j.get("reload_failed"), (int, float)):
        add(sec, "failed requests while republishing every second",
            (j["reload_failed"], f"{j['reload_failed']:.0f} of {j.get('reload_requests', '?')} "
             f"({j.get('reload_generations', '?')} generations swapped in)"), None, None)


def section_scale(text):
    sizes = [s for s in CFG["scale"] if s <= SCALE_MAX]
    for n in sizes:
        # The largest sizes run only if the budget allows, judged from the previous size's
        # times scaled linearly (synthetic generation included when not cached).
        if SCALE and "a_time" in SCALE[-1]:
            prev = SCALE[-1]
            factor = n / prev["n"]
            est = factor * (prev["a_time"] + prev.get("a_extra", 0)
                            + (prev.get("x_time", 0) if n <= XAPIAN_SCALE_MAX else 0))
            if not os.path.exists(os.path.join(OUT, "synth", f"{n}.stamp")):
                est += factor * prev.get("gen_time", 0)
            left = BUDGET - (time.time() - T_START)
            if est > left:
                msg = (f"{n} documents not run: about {est / 60:.0f} min estimated from {prev['n']}, "
                       f"{max(0, left) / 60:.0f} min left of the {BUDGET / 60:.0f} min budget (BENCH_BUDGET_MIN)")
                NOTES.append(msg)
                log(msg)
                break
        d = os.path.join(OUT, "synth", str(n))
        log(f"scale {n}: generating")
        t_gen = time.perf_counter()
        run([PY, "bench/synth.py", os.path.join(OUT, "corpus", "text"), str(n), d, str(SEED)],
            timeout=7200, record_as=f"{n} synthetic documents")
        nbytes = tree_bytes(d)
        qs = make_queries(d, CFG["scale_queries"], SEED + n)
        qfile = os.path.join(RUN, f"queries-{n}.txt")
        with open(qfile, "w", encoding="utf-8") as f:
            f.write("\n".join(qs) + "\n")
        row = {"n": n, "bytes": nbytes, "gen_time": time.perf_counter() - t_gen}
        t_extra = time.perf_counter()
        xdb = os.path.join(RUN, f"xapian-{n}")
        aidx = os.path.join(RUN, f"artisearch-{n}")
        if n <= XAPIAN_SCALE_MAX:
            log(f"scale {n}: Xapian")
            shutil.rmtree(xdb, ignore_errors=True)
            x = attempt(xapian_index, d, xdb)
            if not isinstance(x, Na):
                row["x_time"], row["x_rss"], row["x_size"] = x[0], x[1], du(xdb)
                row["x_cpu"] = x[2].get("cpu")
                xl = attempt(xap_latency, xdb, qfile, "and", 3)
                if not isinstance(xl, Na):
                    row["x_p50"], row["x_p99"], row["x_qrss"] = xl["p50_us"], xl["p99_us"], xl["maxrss_kb"]
                else:
                    row["x_lat_na"] = str(xl)
            else:
                row["x_na"] = str(x)
            shutil.rmtree(xdb, ignore_errors=True)
        else:
            row["x_na"] = f"not run above {XAPIAN_SCALE_MAX} documents"
        log(f"scale {n}: artisearch")
        shutil.rmtree(aidx, ignore_errors=True)
        a = attempt(art_index, d, aidx)
        if not isinstance(a, Na):
            row["a_time"], row["a_rss"], row["a_size"] = a[0], a[1], du(aidx)
            row["a_cpu"] = getattr(a[2], "cpu", None)
            al = attempt(art_latency, aidx, qfile, 3)
            if not isinstance(al, Na):
                row["a_p50"], row["a_p99"] = al.get("p50"), al.get("p99")
            else:
                row["a_lat_na"] = str(al)
            dr = attempt(daemon_rss, aidx, qs)
            if not isinstance(dr, Na):
                row["a_drss"] = dr[0]
            else:
                row["a_drss_na"] = str(dr)
        else:
            row["a_na"] = str(a)
        shutil.rmtree(aidx, ignore_errors=True)
        row["a_extra"] = time.perf_counter() - t_extra - row.get("a_time", 0) - row.get("x_time", 0)
        SCALE.append(row)
        log(f"scale {n}: {row}")


# ---- Report ----------------------------------------------------------------------------

def table_lines():
    lines = ["| figure | artisearch | Xapian | ratio |", "|---|---:|---:|---:|"]
    last = None
    for sec, fig, a, x, kind, note in ROWS:
        if sec != last:
            lines.append(f"| **{sec}** | | | |")
            last = sec
        lines.append(f"| {fig} | {cell(a)} | {cell(x)} | {ratio(a, x, kind)} |")
    return lines


def plain_table():
    rows = [("figure", "artisearch", "Xapian", "ratio")]
    last = None
    for sec, fig, a, x, kind, note in ROWS:
        if sec != last:
            rows.append((sec + ":", "", "", ""))
            last = sec
        rows.append(("  " + fig, cell(a), cell(x), ratio(a, x, kind)))
    w = [min(70, max(len(r[i]) for r in rows)) for i in range(4)]
    out = []
    for r in rows:
        out.append("  ".join((r[i][:70]).ljust(w[i]) if i == 0 else r[i].rjust(w[i]) for i in range(4)))
    return "\n".join(out)


def scale_table():
    def v(row, k, f):
        return f(row[k]) if row.get(k) is not None else "n/a"
    lines = ["| documents | text | artisearch index time (CPU) | Xapian index time (CPU) | artisearch size | "
             "Xapian size | artisearch p50 / p99 | Xapian p50 / p99 | artisearchd RSS |",
             "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for r in SCALE:
        lines.append("| {} | {:.0f} MB | {} | {} | {} | {} | {} / {} | {} / {} | {} |".format(
            r["n"], r["bytes"] / 1e6,
            v(r, "a_time", lambda s: f"{s:.1f} s" + (f" ({r['a_cpu']:.1f} s)" if r.get("a_cpu") else "")),
            v(r, "x_time", lambda s: f"{s:.1f} s" + (f" ({r['x_cpu']:.1f} s)" if r.get("x_cpu") else "")),
            v(r, "a_size", lambda b: f"{b / 1e6:.0f} MB"), v(r, "x_size", lambda b: f"{b / 1e6:.0f} MB"),
            v(r, "a_p50", lambda u: f"{u:.0f} µs"), v(r, "a_p99", lambda u: f"{u:.0f} µs"),
            v(r, "x_p50", lambda u: f"{u:.0f} µs"), v(r, "x_p99", lambda u: f"{u:.0f} µs"),
            v(r, "a_drss", lambda k: f"{k / 1024:.0f} MB")))
    reasons = set()
    for r in SCALE:
        for k in ("a_na", "x_na", "a_lat_na", "x_lat_na", "a_drss_na"):
            if k in r:
                reasons.add(f"{r['n']} documents, {'artisearch' if k.startswith('a') else 'Xapian'}: {r[k]}")
    return lines, sorted(reasons)


def plot(png):
    if not SCALE or not shutil.which("gnuplot"):
        return False
    dat = os.path.join(RUN, "scale.dat")
    with open(dat, "w") as f:
        f.write("# n a_time x_time a_size_mb x_size_mb a_p50 a_p99 x_p50 x_p99 a_drss_mb\n")
        for r in SCALE:
            def g(k, div=1.0):
                return f"{r[k] / div:.6g}" if r.get(k) is not None else "NaN"
            f.write(" ".join([str(r["n"]), g("a_time"), g("x_time"), g("a_size", 1e6), g("x_size", 1e6),
                              g("a_p50"), g("a_p99"), g("x_p50"), g("x_p99"), g("a_drss", 1024)]) + "\n")
    gp = f"""
set terminal pngcairo size 1400,420 font ",10" noenhanced
set output '{png}'
set datafile missing 'NaN'
set multiplot layout 1,3 title "artisearch vs Xapian on synthetic French corpora ({MODE} run)"
set logscale xy
set grid
set key top left
set xlabel 'documents'
set title 'indexing time (s)'
A = 'lc rgb "#7b2cbf"'
X = 'lc rgb "#2a9d8f"'
plot '{dat}' u 1:2 w lp lw 2 @A t 'artisearch', '' u 1:3 w lp lw 2 @X t 'Xapian'
set title 'index size (MB)'
plot '{dat}' u 1:4 w lp lw 2 @A t 'artisearch', '' u 1:5 w lp lw 2 @X t 'Xapian', '' u 1:10 w lp dt 2 lc rgb "#e76f51" t 'artisearchd RSS (MB)'
set title 'query latency, warm, top 10 (µs)'
plot '{dat}' u 1:6 w lp lw 2 @A t 'artisearch p50', '' u 1:7 w lp dt 2 @A t 'artisearch p99', '' u 1:8 w lp lw 2 @X t 'Xapian p50', '' u 1:9 w lp dt 2 @X t 'Xapian p99'
unset multiplot
"""
    gpf = os.path.join(RUN, "scale.gp")
    with open(gpf, "w") as f:
        f.write(gp)
    r = subprocess.run(["gnuplot", gpf], capture_output=True)
    if r.returncode != 0:
        NOTES.append("gnuplot failed: " + r.stderr.decode("utf-8", "replace").strip()[:200])
        return False
    return True


def report(m, settings, elapsed):
    name = "BENCHMARKS.md" if not QUICK else os.path.join("bench", "out", "BENCHMARKS-quick.md")
    png_name = "BENCHMARKS-scale.png" if not QUICK else os.path.join("bench", "out", "BENCHMARKS-quick-scale.png")
    if QUICK and OUT != os.path.join(ROOT, "bench", "out"):
        name = os.path.join(OUT, "BENCHMARKS-quick.md")
        png_name = os.path.join(OUT, "BENCHMARKS-quick-scale.png")
    have_png = plot(os.path.join(ROOT, png_name))
    n_docs, text_bytes, n_files, file_bytes = EXTRA.get("corpus", (0, 0, 0, 0))
    L = []
    L.append("# Benchmarks: artisearch beside Xapian")
    L.append("")
    L.append(f"Produced by `make {'bench' if not QUICK else 'bench-quick'}` on {m['date']} at commit "
             f"{m['commit']}, in {elapsed / 60:.1f} minutes. Every figure below was measured in that run; "
             "a cell reads n/a (with the reason) where a program or a helper was not there or failed. "
             "Ratios are artisearch / Xapian: below 1 is better for times, sizes and memory, above 1 for "
             "throughput and search quality.")
    if QUICK:
        L.append("")
        L.append(f"**Quick run**: every {CFG['subset']}th document of the corpus, fewer queries, "
                 "small synthetic sets only. Not the figures to quote.")
    L.append("")
    L.append("## Machine")
    L.append("")
    L.append(f"- CPU: {m['cpu']}, {m['cores']} cores; memory {m['memory']}")
    L.append(f"- kernel {m['kernel']}; {m['debian']}")
    L.append(f"- compilers: {m['cc']}; {m['cxx'] or 'no g++'} (for bench/xapian_latency.cc); "
             f"{m['python']} (Debian's, for python3-xapian)")
    L.append("- packages: " + "; ".join(m["packages"].splitlines()))
    L.append(f"- load average (1, 5, 15 min) at the start: {' '.join(m['load'])}; at the end: "
             f"{' '.join(open('/proc/loadavg').read().split()[:3])}. The machine is shared: other "
             "builds may have run during the measurements, which then read slower for both engines.")
    L.append("")
    L.append("## Corpus")
    L.append("")
    L.append(f"`bench/make-corpus.py` builds it from Debian's `libreoffice-help-fr` (HTML help pages), "
             f"`manpages-fr` and `manpages-fr-dev` (man pages rendered to UTF-8 text by man-db and groff, "
             f"hyphenation off), and `debian-reference-fr` (HTML chapters and the PDF): {n_files} files, "
             f"{file_bytes / 1e6:.1f} MB as artisearch-index reads them, and one plain-text extraction of each "
             f"({n_docs} documents, {text_bytes / 1e6:.1f} MB: title line, blank line, body) which both "
             "engines index, so both see identical text. HTML extraction keeps what a reader sees and drops "
             "`script`, `style`, `nav`, `header`, `footer`, `aside`, `noscript`; titles are `<title>`, a man "
             "page's NOM line, the PDF's Title. Nothing of it is in the repository: it lives under "
             "`$BENCH_OUT` (default `bench/out/`, git-ignored).")
    L.append("")
    L.append("## Results")
    L.append("")
    L += table_lines()
    L.append("")
    if EXTRA.get("files") and (EXTRA["files"][1] or EXTRA["files"][2]):
        tb, af, xf = EXTRA["files"]
        L.append("Where the bytes of each index go (the real corpus, right after the full build):")
        L.append("")
        L.append("| artisearch file kind | size | / text | Xapian table | size | / text |")
        L.append("|---|---:|---:|---|---:|---:|")
        al_ = sorted((af or {}).items(), key=lambda kv: -kv[1])
        xl_ = sorted((xf or {}).items(), key=lambda kv: -kv[1])
        for i in range(max(len(al_), len(xl_))):
            a_ = al_[i] if i < len(al_) else None
            x_ = xl_[i] if i < len(xl_) else None
            L.append("| " + (f"`{a_[0]}` | {a_[1] / 1e6:.2f} MB | {a_[1] / tb:.3f}" if a_ else " | | ") + " | "
                     + (f"`{x_[0]}` | {x_[1] / 1e6:.2f} MB | {x_[1] / tb:.3f}" if x_ else " | | ") + " |")
        L.append("")
    if SCALE:
        L.append("## Scale (synthetic corpora)")
        L.append("")
        L.append("`bench/synth.py` draws documents from the real corpus: words from its word frequencies "
                 "(whitespace-separated words, punctuation and elisions included), body and title lengths "
                 f"from its length distributions, seed {SEED}. Queries: {CFG['scale_queries']} per size, made "
                 "from the synthetic documents as for the real corpus. Daemon RSS: `artisearchd` on the index "
                 "after answering those queries over HTTP (VmRSS).")
        L.append("")
        lines, reasons = scale_table()
        L += lines
        L.append("")
        for r in reasons:
            L.append(f"- {r}")
        if reasons:
            L.append("")
        if have_png:
            L.append(f"![scale]({os.path.basename(png_name)})")
            L.append("")
    L.append("## Settings")
    L.append("")
    L.append("**Xapian** " + settings.get("xapian", "?") + " (`bench/xapian_bench.py` indexes and runs the "
             "known items; `bench/xapian_latency.cc` times the queries with the same search settings):")
    L.append("")
    for k, v in settings.items():
        if k != "xapian":
            L.append(f"- {k}: {v}")
    L.append("- in-process latency: `bench/xapian_latency.cc`, compiled C++ (`g++ -O2`, `-lxapian`) that "
             "does what `xapian_bench.py latency` does, with the same QueryParser and Enquire settings: "
             "`std::chrono::steady_clock` around parse + `get_mset(0, 10)` + reading the 10 documents' data, "
             "percentiles by nearest rank; the start-up and the database open are not timed. Through the "
             "Python bindings every query also pays for the interpreter, which is not Xapian's time"
             + (" (in this run, p50 {:.0f} µs through Python against {:.0f} µs from C++)".format(
                 *EXTRA["xapian_python_p50"]) if "xapian_python_p50" in EXTRA else "")
             + ", and artisearch's figure comes from C: both engines are timed from compiled code. The row "
             "\"through its Python bindings\" is `xapian_bench.py latency` (`time.perf_counter_ns()` around the "
             "same calls), the method of the reports before this change, kept so that the change shows.")
    L.append("- CLI: `quest` (xapian-tools, C++), `-s french -o and -m 10`, one process per query; "
             "artisearch: `bin/artisearch --json --limit 10`, one process per query. Wall time of each "
             "process from the harness (fork + exec + open + query + print), one untimed run first.")
    L.append("")
    L.append(f"**Timing**: on the real corpus each indexing figure is the best of {REPS} runs, the two "
             "engines taking turns (the machine may be shared); wall time is measured by the harness around "
             "the whole process, peak RSS by `/usr/bin/time -v`; index size is the bytes of every file under "
             "the index directory after the run. MB/s are of the extracted text (the same bytes for both "
             "engines). A scale size runs only when the estimate from the size before fits the time budget.")
    L.append("")
    if PRIO:
        L.append("**Priority**: the in-process latency runs and the CLI loops of both engines ran under "
                 "`nice -n -10`, so that other jobs of a shared machine preempt them less; indexing ran at "
                 "normal priority (its CPU time is given beside the wall time).")
        L.append("")
    L.append("**artisearch**: its defaults (French analyzer, BM25F with title boost, AND, typo tolerance "
             "on), index built by `bin/artisearch-index --full` from the same text folder; in-process "
             "latency from `bench/query_bench.c` (warm, top 10).")
    L.append("")
    L.append("**Queries**: " + f"{CFG['queries']} of 1-4 consecutive words (3+ letters, common French and "
             f"English function words left out) from random documents of the corpus, seed {SEED}; each run "
             f"{CFG['repeat']} times after one untimed pass. Examples: "
             + ", ".join(f"`{q}`" for q in EXTRA.get("queries", [])[:8]) + ".")
    if "xapian_hits" in EXTRA:
        L.append(f"Xapian returned {EXTRA['xapian_hits']:.1f} hits per query on average (AND)"
                 + (f", artisearch {EXTRA['art_hits']:.1f}" if "art_hits" in EXTRA else "") + ".")
    L.append("")
    if "items" in EXTRA:
        n, nu, nd, ex = EXTRA["items"]
        L.append(f"**Known items**: {n} documents drawn (seed {SEED}) from the {nu} of {nd} whose title is "
                 "unique; the query is the title as typed, the same with accents removed (Unicode marks "
                 "dropped), and the same with one edit (substitution, deletion, insertion or transposition, "
                 "never the first letter) in its longest word; queries pass unchanged to each engine's "
                 "parser. success@k: the document is in the top k; MRR@10: mean of 1/rank (0 beyond 10). "
                 "Examples: " + "; ".join(f"{v} `{q}`" for _, v, q in ex[:3]) + ".")
        L.append("")
    if EXTRA.get("analyzer_raw"):
        L.append("**Analyzer** (`bench/analyzer_bench.c`), its output:")
        L.append("")
        L.append("```")
        L.append(EXTRA["analyzer_raw"][:3000])
        L.append("```")
        L.append("")
    if EXTRA.get("http_raw"):
        L.append("**HTTP** (`bench/http_bench.sh`), its output:")
        L.append("")
        L.append("```")
        L.append(EXTRA["http_raw"][:5000])
        L.append("```")
        L.append("")
    if NOTES:
        L.append("## Notes")
        L.append("")
        for n_ in NOTES:
            L.append(f"- {n_}")
        L.append("")
    L.append("## Commands")
    L.append("")
    L.append(f"`make {'bench' if not QUICK else 'bench-quick'}` = `sh scripts/setup.sh bench`, `make`, "
             f"`sh bench/run.sh {MODE}`, which ran (`$BENCH_OUT` = `bench/out`):")
    L.append("")
    L.append("```")
    L += COMMANDS
    L.append("```")
    L.append("")
    text = "\n".join(L).replace(OUT, "$BENCH_OUT").replace(ROOT + "/", "").replace(ROOT, ".")
    with open(os.path.join(ROOT, name), "w", encoding="utf-8") as f:
        f.write(text)
    return name


def main():
    os.makedirs(RUN, exist_ok=True)
    m = machine()
    settings = attempt(xap, "settings")
    if isinstance(settings, Na):
        sys.exit(f"bench: Xapian is not usable ({settings}); run `sh scripts/setup.sh bench` as root")
    docs, text = corpus()
    aidx, xdb, built = section_indexing(docs, text)
    section_queries(text, aidx, xdb, built)
    section_knownitem(text, aidx, xdb, built)
    section_analyzer(text)
    section_http(aidx, built)
    section_scale(text)
    name = report(m, settings, time.time() - T_START)
    print()
    print(plain_table())
    if SCALE:
        print()
        lines, reasons = scale_table()
        print("\n".join(lines))
    print()
    print(f"bench: wrote {name} in {(time.time() - T_START) / 60:.1f} minutes", file=sys.stderr)


if __name__ == "__main__":
    main()
