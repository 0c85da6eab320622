#!/usr/bin/env python3
"""Builds the benchmark's real French corpus from Debian's French documentation.

    python3 bench/make-corpus.py OUT_DIR

Sources (installed by `scripts/setup.sh bench`):
  libreoffice-help-fr   about 2 500 HTML help pages
  manpages-fr(-dev)     about 1 400 man pages, rendered to UTF-8 text with man-db + groff
  debian-reference-fr   the Debian Reference in HTML chapters, and its PDF

Writes, outside the repository:
  OUT_DIR/docs/   the documents as artisearch-index reads them (.html, .txt, .pdf)
  OUT_DIR/text/   one plain-text extraction of each (`<id>.txt`): first line the title,
                  a blank line, then the body. Every engine indexes this folder, so every
                  engine sees identical text.
  OUT_DIR/corpus.tsv  one line per document: text id, docs id, format, text bytes, title
  OUT_DIR/STAMP   written last; a complete corpus is not rebuilt

The HTML extraction keeps what a reader sees and drops what DESIGN.md says the indexer
drops (script, style, nav, header, footer, aside, noscript); titles follow DESIGN.md too
(<title>, else the first <h1>, else the file name). Only the Python standard library is
used, plus man, groff and poppler-utils' pdftotext/pdfinfo.
"""
import html.parser
import multiprocessing
import os
import re
import shutil
import subprocess
import sys

VERSION = "corpus-v2"
LO_ROOT = "/usr/share/libreoffice/help/fr"
MAN_ROOT = "/usr/share/man/fr"
REF_ROOT = "/usr/share/debian-reference"

DROP = {"script", "style", "nav", "header", "footer", "aside", "noscript", "head", "template"}
BLOCK = {"p", "div", "br", "li", "ul", "ol", "table", "tr", "td", "th", "h1", "h2", "h3", "h4",
         "h5", "h6", "pre", "section", "article", "main", "dd", "dt", "dl", "blockquote", "hr",
         "title", "body", "tbody", "thead", "figure", "figcaption"}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
        "source", "track", "wbr"}


class Extractor(html.parser.HTMLParser):
    """Visible text of an HTML page, with its title and first <h1>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.out = []
        self.stack = []      # open elements that drop their content
        self.title = None
        self.h1 = None
        self._in_title = False
        self._in_h1 = False
        self._buf = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            if tag == "br" or tag == "hr":
                self.out.append("\n")
            return
        if tag == "title":
            self._in_title, self._buf = True, []
        if tag == "h1" and self.h1 is None:
            self._in_h1, self._h1buf = True, []
        if tag in DROP and tag != "head":
            self.stack.append(tag)
        if tag in BLOCK:
            self.out.append("\n")

    def handle_endtag(self, tag):
        if tag == "title" and self._in_title:
            self._in_title = False
            self.title = " ".join("".join(self._buf).split())
        if tag == "h1" and self._in_h1:
            self._in_h1 = False
            self.h1 = " ".join("".join(self._h1buf).split())
        if tag in DROP and self.stack and tag in self.stack:
            while self.stack:
                if self.stack.pop() == tag:
                    break
        if tag in BLOCK:
            self.out.append("\n")

    def handle_data(self, data):
        if self._in_title:
            self._buf.append(data)
            return
        if self._in_h1:
            self._h1buf.append(data)
        if not self.stack:
            self.out.append(data)

    def text(self):
        raw = "".join(self.out)
        lines = [" ".join(l.split()) for l in raw.split("\n")]
        paras, cur = [], []
        for l in lines:
            if l:
                cur.append(l)
            elif cur:
                paras.append("\n".join(cur))
                cur = []
        if cur:
            paras.append("\n".join(cur))
        return "\n\n".join(paras)


def html_doc(path):
    with open(path, "rb") as f:
        raw = f.read()
    try:
        s = raw.decode("utf-8")
    except UnicodeDecodeError:
        s = raw.decode("cp1252", errors="replace")
    p = Extractor()
    p.feed(s)
    p.close()
    title = p.title or p.h1 or os.path.splitext(os.path.basename(path))[0]
    return title, p.text()


def man_doc(path):
    """Renders one man page to UTF-8 text; title from its NOM (NAME) line."""
    env = dict(os.environ, MANWIDTH="100", MANROFFOPT="-rHY=0", LC_ALL="C.UTF-8",
               MAN_KEEP_FORMATTING="", MANPAGER="cat", PAGER="cat")
    r = subprocess.run(["man", "-l", "-E", "UTF-8", path], capture_output=True, env=env)
    col = subprocess.run(["col", "-bx"], input=r.stdout, capture_output=True)
    text = col.stdout.decode("utf-8", errors="replace")
    lines = text.split("\n")
    title = None
    for i, l in enumerate(lines):
        if l.strip() in ("NOM", "NAME"):
            name = []
            for m in lines[i + 1:]:
                if not m.strip():
                    if name:
                        break
                    continue
                if m and not m[0].isspace():
                    break
                name.append(m.strip())
            title = " ".join(" ".join(name).split())
            break
    if not title:
        title = os.path.basename(path).split(".gz")[0]
    # Indentation and justification are layout, not text: one space between words.
    body = "\n".join(" ".join(l.split()) for l in lines).strip()
    body = re.sub(r"\n{3,}", "\n\n", body)
    return title, body


def pdf_doc(path):
    info = subprocess.run(["pdfinfo", "-enc", "UTF-8", path], capture_output=True).stdout
    title = None
    for l in info.decode("utf-8", "replace").split("\n"):
        if l.startswith("Title:"):
            title = l[6:].strip()
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-nopgbrk", path, "-"],
                          capture_output=True).stdout.decode("utf-8", "replace")
    lines = [" ".join(l.split()) for l in text.split("\n")]
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()
    return title or os.path.basename(path), body


def sources():
    """(kind, source path, docs id) of every document, in a fixed order."""
    out = []
    for dirpath, dirs, files in os.walk(LO_ROOT):
        dirs.sort()
        for f in sorted(files):
            if f.endswith(".html"):
                p = os.path.join(dirpath, f)
                out.append(("html", p, "libreoffice/" + os.path.relpath(p, LO_ROOT)))
    for dirpath, dirs, files in os.walk(MAN_ROOT):
        dirs.sort()
        for f in sorted(files):
            p = os.path.join(dirpath, f)
            # Symbolic links are other names of a page already taken.
            if f.endswith(".gz") and not os.path.islink(p):
                rel = os.path.relpath(p, MAN_ROOT)[: -len(".gz")]
                out.append(("man", p, "manpages/" + rel + ".txt"))
    for f in sorted(os.listdir(REF_ROOT)):
        p = os.path.join(REF_ROOT, f)
        if f.endswith(".fr.html"):
            out.append(("html", p, "debian-reference/" + f))
        elif f.endswith(".fr.pdf"):
            out.append(("pdf", p, "debian-reference/" + f))
    return out


def build_one(args):
    kind, src, doc_id, out = args
    try:
        if kind == "html":
            title, body = html_doc(src)
        elif kind == "man":
            title, body = man_doc(src)
        else:
            title, body = pdf_doc(src)
    except Exception as e:  # one bad file costs that file alone
        return (doc_id, None, str(e))
    if not body.strip():
        return (doc_id, None, "empty text")
    dst = os.path.join(out, "docs", doc_id)
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    if kind == "man":
        # The document our indexer reads is the rendered page; its first line is the title.
        content = title + "\n\n" + body + "\n"
        with open(dst, "w", encoding="utf-8") as f:
            f.write(content)
    else:
        shutil.copyfile(src, dst)
    text_id = doc_id + ".txt" if kind != "man" else doc_id
    tdst = os.path.join(out, "text", text_id)
    os.makedirs(os.path.dirname(tdst), exist_ok=True)
    content = title + "\n\n" + body + "\n"
    with open(tdst, "w", encoding="utf-8") as f:
        f.write(content)
    return (doc_id, (text_id, kind, len(content.encode("utf-8")), title), None)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make-corpus.py OUT_DIR")
    out = sys.argv[1]
    stamp = os.path.join(out, "STAMP")
    if os.path.exists(stamp) and open(stamp).read().strip() == VERSION:
        print(f"make-corpus: {out} is complete ({VERSION}), kept", file=sys.stderr)
        return
    for d in (LO_ROOT, MAN_ROOT, REF_ROOT):
        if not os.path.isdir(d):
            sys.exit(f"make-corpus: {d} is missing: run `sh scripts/setup.sh bench` as root")
    for sub in ("docs", "text"):
        shutil.rmtree(os.path.join(out, sub), ignore_errors=True)
    os.makedirs(out, exist_ok=True)
    jobs = [(k, s, i, out) for k, s, i in sources()]
    rows, skipped = [], []
    with multiprocessing.Pool(os.cpu_count() or 2) as pool:
        for doc_id, row, err in pool.imap(build_one, jobs, chunksize=8):
            if row:
                rows.append((row[0], doc_id, row[1], row[2], row[3]))
            else:
                skipped.append((doc_id, err))
    with open(os.path.join(out, "corpus.tsv"), "w", encoding="utf-8") as f:
        for r in rows:
            f.write("\t".join(str(x).replace("\t", " ") for x in r) + "\n")
    with open(os.path.join(out, "skipped.tsv"), "w", encoding="utf-8") as f:
        for doc_id, err in skipped:
            f.write(f"{doc_id}\t{err}\n")
    total = sum(r[3] for r in rows)
    print(f"make-corpus: {len(rows)} documents, {total / 1e6:.1f} MB of text, "
          f"{len(skipped)} skipped -> {out}", file=sys.stderr)
    with open(stamp, "w") as f:
        f.write(VERSION + "\n")


if __name__ == "__main__":
    main()
