#ifndef AS_EXTRACT_INT_H
#define AS_EXTRACT_INT_H
/*
 * What the per-format extractors (extract_html.c, extract_md.c, extract_pdf.c,
 * extract.c for plain text) share; not an interface for anything outside indexer/.
 * extract.c owns the flow: it decodes the bytes, calls one format, then applies the
 * fallbacks (title, type) and checks the result.
 */
#include <stddef.h>

#include "common/index/document.h"
#include "common/util/buf.h"

/*
 * The body under construction. Text is appended through textsink_add(), which
 * collapses runs of ASCII whitespace and control characters; separators are
 * requested with textsink_sep() and emitted lazily, only between two pieces of text,
 * the strongest one requested winning. So the body never starts or ends with a
 * separator and never holds two blank lines in a row, whatever the markup did.
 */
enum textsink_sep { SEP_NONE, SEP_SPACE, SEP_LINE, SEP_PARA };

struct textsink {
	struct buf b;
	int pending; /* enum textsink_sep */
};

/* Appends s[0..len), valid UTF-8. */
void textsink_add(struct textsink *ts, const char *s, size_t len);
/* Requests a separator before the next text. */
void textsink_sep(struct textsink *ts, enum textsink_sep sep);
/* Appends s[0..len) keeping its lines apart (<pre>, code blocks): each newline is a
 * SEP_LINE instead of a space. */
void textsink_add_lines(struct textsink *ts, const char *s, size_t len);

/* One extraction in progress. */
struct extract_ctx {
	const char *id;
	struct document *doc;  /* fields the format found (title, date, ...) go here */
	struct textsink body;
	char *heading;         /* first heading of the best level seen: the title fallback */
	int heading_level;     /* its level, 1 = best; 0 = none yet */
	struct buf *warnings;  /* may be NULL */
	int err;               /* sticky AS_ENOMEM of the helpers below */
};

/* Appends "ID: sentence\n" to the warnings. */
void extract_warn(struct extract_ctx *cx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Sets *field (when still NULL) to a copy of s[0..len) with whitespace collapsed and
 * trimmed; an empty value sets nothing. Returns 0 or AS_ENOMEM.
 */
int extract_set_field(struct extract_ctx *cx, char **field, const char *s, size_t len);
/* Sets the date (when still unset) from s[0..len), normalised; a bad one is a warning
 * naming `where` it came from. */
void extract_set_date(struct extract_ctx *cx, const char *s, size_t len, const char *where);
/* Adds one tag, trimmed and collapsed; an empty or duplicate one is dropped. */
int extract_add_tag(struct extract_ctx *cx, const char *s, size_t len);
/* Adds the tags of a comma- (or semicolon-) separated list, trimmed, duplicates dropped. */
int extract_add_tags(struct extract_ctx *cx, const char *s, size_t len);
/* Offers a heading of `level` (1 best) for the title fallback: s[0..len), collapsed. */
void extract_note_heading(struct extract_ctx *cx, int level, const char *s, size_t len);
/* Carries the heading noted last on with s[0..len), a line it wrapped onto (after a space,
 * or none when the line before broke a word: `joined`). */
void extract_extend_heading(struct extract_ctx *cx, const char *s, size_t len, int joined);

/* The formats: each reads text[0..len) (valid UTF-8, no NUL, except PDF's raw bytes)
 * into cx and returns 0 or a negative AS_E* code. */
int extract_html(struct extract_ctx *cx, const char *text, size_t len);
int extract_markdown(struct extract_ctx *cx, const char *text, size_t len);
int extract_pdf(struct extract_ctx *cx, const void *data, size_t len);

/* HTML found inside Markdown: its visible text, without title or meta, into cx. */
int extract_html_fragment(struct extract_ctx *cx, const char *text, size_t len);

/*
 * For raw HTML met piecewise (Markdown's inline and block HTML): updates *depth, the
 * number of open elements whose content is dropped (script, style, nav...), with the
 * start and end tags found in s[0..len). Comments are skipped. Text met while
 * *depth > 0 is not shown by a browser and must not be indexed.
 */
void extract_html_scan_tags(const char *s, size_t len, int *depth);
/* Whether s[0..len) is a `<br>` tag (a line break in raw inline HTML). */
int extract_html_is_br(const char *s, size_t len);

#endif
