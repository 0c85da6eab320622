#!/usr/bin/python3
"""Builds the PDF (and image) documents of corpus/ from their text sources.

Needs the Debian packages of `scripts/setup.sh corpus` and Debian's own /usr/bin/python3.

    scripts/make-corpus-pdfs.py            # rewrite every generated file
    scripts/make-corpus-pdfs.py --check    # exit 1 if a committed file differs

Sources are scripts/corpus-pdf/*.txt: a header of "Key: value" lines (Output, Title, Date,
Subject, Keywords, optionally Truncate), a blank line, then the text, one paragraph per line;
a line starting with "# " is a heading, "- " a list item. Rendering goes through Pango and
cairo (Debian python3-gi-cairo, gir1.2-pango-1.0, fonts-dejavu-core): cairo writes a ToUnicode
map for every font subset, so poppler extracts accents, ligatures (fi, œ) and U+2019 exactly.
The output is byte-for-byte reproducible: fixed creation date (the document's date), fixed fonts,
no random document ID in cairo 1.16.

"Truncate: N" keeps only the first N bytes of the PDF: a deliberately corrupt file the indexer
must skip. scripts/corpus-pdf/*.png.txt sources make a PNG poster instead (a file of an
unsupported type, which the indexer must also skip).
"""
import os
import sys

import cairo
import gi

gi.require_version("Pango", "1.0")
gi.require_version("PangoCairo", "1.0")
from gi.repository import Pango, PangoCairo  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "scripts", "corpus-pdf")
A4 = (595.0, 842.0)
MARGIN = 60.0
FONT = "DejaVu Serif"


def parse(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    head, _, body = text.partition("\n\n")
    meta = {}
    for line in head.splitlines():
        key, _, value = line.partition(":")
        meta[key.strip().lower()] = value.strip()
    for key in ("output", "title", "date"):
        if key not in meta:
            sys.exit(f"{path}: missing '{key}:' header")
    paras = [p for p in body.splitlines() if p.strip()]
    return meta, paras


def layout(ctx, text, size, bold=False, width=A4[0] - 2 * MARGIN):
    lay = PangoCairo.create_layout(ctx)
    desc = Pango.FontDescription(f"{FONT} {'Bold ' if bold else ''}{size}")
    lay.set_font_description(desc)
    lay.set_width(int(width * Pango.SCALE))
    lay.set_wrap(Pango.WrapMode.WORD)
    lay.set_text(text, -1)
    return lay, lay.get_pixel_extents()[1].height


def render_pdf(meta, paras, out):
    surf = cairo.PDFSurface(out, *A4)
    date = meta["date"] + "T09:00:00Z"
    surf.set_metadata(cairo.PDFMetadata.TITLE, meta["title"])
    surf.set_metadata(cairo.PDFMetadata.AUTHOR, "Chambre de métiers et de l’artisanat Occitanie")
    surf.set_metadata(cairo.PDFMetadata.CREATOR, "artisearch scripts/make-corpus-pdfs.py")
    surf.set_metadata(cairo.PDFMetadata.CREATE_DATE, date)
    surf.set_metadata(cairo.PDFMetadata.MOD_DATE, date)
    if "subject" in meta:
        surf.set_metadata(cairo.PDFMetadata.SUBJECT, meta["subject"])
    if "keywords" in meta:
        surf.set_metadata(cairo.PDFMetadata.KEYWORDS, meta["keywords"])
    ctx = cairo.Context(surf)
    page = 1
    y = MARGIN

    def footer():
        lay, _ = layout(ctx, f"CMA Occitanie — {meta['title']} — page {page}", 8)
        ctx.move_to(MARGIN, A4[1] - MARGIN / 2 - 10)
        PangoCairo.show_layout(ctx, lay)

    blocks = [("title", meta["title"])] + [
        ("h", p[2:]) if p.startswith("# ") else ("li", "•  " + p[2:]) if p.startswith("- ") else ("p", p)
        for p in paras
    ]
    for kind, text in blocks:
        size, bold, before, indent = {
            "title": (17, True, 0, 0), "h": (13, True, 10, 0), "li": (10.5, False, 2, 14), "p": (10.5, False, 6, 0),
        }[kind]
        lay, h = layout(ctx, text, size, bold, A4[0] - 2 * MARGIN - indent)
        if y + before + h > A4[1] - MARGIN - 20:
            footer()
            ctx.show_page()
            page += 1
            y = MARGIN
        else:
            y += before
        ctx.move_to(MARGIN + indent, y)
        PangoCairo.show_layout(ctx, lay)
        y += h + (8 if kind == "title" else 0)
    footer()
    surf.finish()


def render_png(meta, paras, out):
    surf = cairo.ImageSurface(cairo.FORMAT_RGB24, 420, 594)
    ctx = cairo.Context(surf)
    ctx.set_source_rgb(0.98, 0.95, 0.88)
    ctx.paint()
    ctx.set_source_rgb(0.55, 0.1, 0.15)
    y = 40.0
    for i, text in enumerate([meta["title"]] + paras):
        lay, h = layout(ctx, text, 20 if i == 0 else 12, i == 0, 340)
        ctx.move_to(40, y)
        PangoCairo.show_layout(ctx, lay)
        y += h + 14
    surf.write_to_png(out)


def main():
    check = "--check" in sys.argv[1:]
    tmpdir = os.path.join(ROOT, "build", "corpus-pdf")
    os.makedirs(tmpdir, exist_ok=True)
    bad = 0
    for name in sorted(os.listdir(SRC)):
        if not name.endswith(".txt"):
            continue
        meta, paras = parse(os.path.join(SRC, name))
        target = os.path.join(ROOT, "corpus", meta["output"])
        tmp = os.path.join(tmpdir, os.path.basename(target))
        if target.endswith(".png"):
            render_png(meta, paras, tmp)
        else:
            render_pdf(meta, paras, tmp)
            if "truncate" in meta:
                with open(tmp, "rb") as f:
                    data = f.read()[: int(meta["truncate"])]
                with open(tmp, "wb") as f:
                    f.write(data)
        with open(tmp, "rb") as f:
            data = f.read()
        if check:
            try:
                with open(target, "rb") as f:
                    same = f.read() == data
            except OSError:
                same = False
            if not same:
                print(f"make-corpus-pdfs: corpus/{meta['output']} is not what its source gives", file=sys.stderr)
                bad += 1
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with open(target, "wb") as f:
            f.write(data)
        print(f"corpus/{meta['output']}  {len(data)} bytes")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
