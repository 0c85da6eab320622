#!/usr/bin/env python3
"""Synthetic corpora for the scaling curve, drawn from the real corpus.

    python3 bench/synth.py TEXT_DIR N OUT_DIR [SEED]

Learns from the real corpus's plain-text extraction (TEXT_DIR, as make-corpus.py writes
it: title line, blank line, body) the frequency of every whitespace-separated word (so
punctuation, elisions and accents come along as they occur), the distribution of body
lengths in words and of title lengths in words, then writes N documents whose words are
drawn independently from that unigram distribution and whose lengths are drawn from those
length distributions: Zipf's law and the heavy tail of document lengths are the real
corpus's own. Same seed, same corpus, same bytes.

Documents go to OUT_DIR/dNNNN/NNNNNNN.txt (1 000 a folder), in the format of TEXT_DIR, so
every engine indexes them the same way. OUT_DIR.stamp is written last; a complete set with
the same parameters is kept.
"""
import collections
import itertools
import multiprocessing
import os
import random
import shutil
import sys

PER_DIR = 1000
WORDS_PER_LINE = 14


def learn(text_dir):
    freq = collections.Counter()
    body_lens, title_lens = [], []
    for dirpath, dirs, files in os.walk(text_dir):
        dirs.sort()
        for f in sorted(files):
            with open(os.path.join(dirpath, f), encoding="utf-8", errors="replace") as fh:
                title, _, body = fh.read().partition("\n")
            words = body.split()
            freq.update(words)
            body_lens.append(len(words))
            title_lens.append(max(1, len(title.split())))
    vocab = sorted(freq, key=lambda w: (-freq[w], w))
    cum = list(itertools.accumulate(freq[w] for w in vocab))
    return vocab, cum, body_lens, title_lens


_model = None


def init(model):
    global _model
    _model = model


def write_chunk(args):
    out, seed, first, count = args
    vocab, cum, body_lens, title_lens = _model
    rng = random.Random(seed * 1_000_003 + first)
    d = os.path.join(out, "d%04d" % (first // PER_DIR))
    os.makedirs(d, exist_ok=True)
    nbytes = 0
    for i in range(first, first + count):
        n = rng.choice(body_lens)
        words = rng.choices(vocab, cum_weights=cum, k=n)
        title = " ".join(rng.choices(vocab, cum_weights=cum, k=rng.choice(title_lens)))
        lines = [" ".join(words[j:j + WORDS_PER_LINE]) for j in range(0, n, WORDS_PER_LINE)]
        s = title + "\n\n" + "\n".join(lines) + "\n"
        b = s.encode("utf-8")
        nbytes += len(b)
        with open(os.path.join(d, "%07d.txt" % i), "wb") as f:
            f.write(b)
    return nbytes


def main():
    if len(sys.argv) not in (4, 5):
        sys.exit("usage: synth.py TEXT_DIR N OUT_DIR [SEED]")
    text_dir, n, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    seed = int(sys.argv[4]) if len(sys.argv) == 5 else 42
    want = f"synth-v1 n={n} seed={seed} source={os.path.abspath(text_dir)}"
    stamp = out.rstrip("/") + ".stamp"
    if os.path.exists(stamp) and open(stamp).read().strip() == want:
        print(f"synth: {out} is complete ({n} documents), kept", file=sys.stderr)
        return
    if os.path.exists(stamp):
        os.remove(stamp)
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    model = learn(text_dir)
    jobs = [(out, seed, first, min(PER_DIR, n - first)) for first in range(0, n, PER_DIR)]
    with multiprocessing.Pool(os.cpu_count() or 2, initializer=init, initargs=(model,)) as pool:
        total = sum(pool.imap_unordered(write_chunk, jobs))
    with open(stamp, "w") as f:
        f.write(want + "\n")
    print(f"synth: {n} documents, {total / 1e6:.1f} MB, vocabulary {len(model[0])} words -> {out}",
          file=sys.stderr)


if __name__ == "__main__":
    main()
