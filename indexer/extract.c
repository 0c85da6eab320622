/*
 * Extraction flow, the body text sink, field helpers, text decoding and plain text.
 * The markup formats are in extract_html.c, extract_md.c and extract_pdf.c.
 */
#include "indexer/extract.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "common/text/doc_type.h"
#include "common/util/error.h"
#include "common/util/mem.h"
#include "indexer/extract_int.h"

/* A title longer than this is cut at a word boundary (a plain-text "first line" may be
 * a whole paragraph). */
#define TITLE_MAX 240

enum extract_format extract_format_of(const char *name)
{
	static const struct {
		const char *ext;
		enum extract_format fmt;
	} exts[] = {
		{ "txt", EXTRACT_TEXT },  { "md", EXTRACT_MARKDOWN }, { "markdown", EXTRACT_MARKDOWN },
		{ "html", EXTRACT_HTML }, { "htm", EXTRACT_HTML },     { "pdf", EXTRACT_PDF },
	};
	const char *base = strrchr(name, '/');
	const char *dot;
	size_t i;

	base = base ? base + 1 : name;
	dot = strrchr(base, '.');
	if (!dot || dot == base)
		return EXTRACT_UNSUPPORTED;
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (strcasecmp(dot + 1, exts[i].ext) == 0)
			return exts[i].fmt;
	return EXTRACT_UNSUPPORTED;
}

/* ---- UTF-8 ---- */

/* Length of the well-formed UTF-8 sequence at s[0..len) (Unicode 15, table 3-7: no
 * overlong forms, no surrogates, nothing above U+10FFFF), or 0 if there is none. */
static size_t utf8_seq(const unsigned char *s, size_t len)
{
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		return len >= 2 && (s[1] & 0xC0) == 0x80 ? 2 : 0;
	if (c >= 0xE0 && c <= 0xEF) {
		unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
		if (len < 3 || s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80)
			return 0;
		return 3;
	}
	if (c >= 0xF0 && c <= 0xF4) {
		unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
		if (len < 4 || s[1] < lo || s[1] > hi || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
			return 0;
		return 4;
	}
	return 0;
}

/* Offset of the first byte that does not start a well-formed sequence, or len. */
static size_t utf8_valid_prefix(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n;

	while (i < len) {
		if (p[i] < 0x80) {
			i++;
			continue;
		}
		n = utf8_seq(p + i, len - i);
		if (!n)
			return i;
		i += n;
	}
	return len;
}

int extract_utf8_valid(const char *s, size_t len)
{
	return utf8_valid_prefix(s, len) == len;
}

static void utf8_put(struct buf *b, unsigned cp)
{
	char u[4];

	if (cp < 0x80) {
		buf_addch(b, (int)cp);
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | cp >> 6);
		u[1] = (char)(0x80 | (cp & 0x3F));
		buf_add(b, u, 2);
	} else {
		u[0] = (char)(0xE0 | cp >> 12);
		u[1] = (char)(0x80 | (cp >> 6 & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		buf_add(b, u, 3);
	}
}

/*
 * Windows-1252 bytes 0x80-0x9F (WHATWG Encoding Standard, index-windows-1252); the
 * five bytes Windows leaves undefined map to the C1 code point of the same value, as
 * WHATWG says, and later read as whitespace. 0xA0-0xFF are Latin-1, i.e. U+00A0-U+00FF.
 */
static const uint16_t cp1252_high[32] = {
	0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
	0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D, 0x017D, 0x008F,
	0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
	0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x009D, 0x017E, 0x0178,
};

static void cp1252_to_utf8(struct buf *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i;

	buf_grow(out, len + len / 2);
	for (i = 0; i < len; i++) {
		if (p[i] < 0x80)
			buf_addch(out, p[i]);
		else if (p[i] < 0xA0)
			utf8_put(out, cp1252_high[p[i] - 0x80]);
		else
			utf8_put(out, p[i]);
	}
}

/* Replaces ill-formed sequences with U+FFFD: a last guard so that every string handed to
 * the index is valid UTF-8 whatever a library returned. */
static int utf8_sanitize(char **s)
{
	size_t len = strlen(*s), ok = utf8_valid_prefix(*s, len), n;
	struct buf b = BUF_INIT;
	const unsigned char *p = (const unsigned char *)*s;
	size_t i;

	if (ok == len)
		return 0;
	buf_add(&b, *s, ok);
	for (i = ok; i < len; ) {
		n = utf8_seq(p + i, len - i);
		if (n) {
			buf_add(&b, p + i, n);
			i += n;
		} else {
			buf_add(&b, "\xEF\xBF\xBD", 3);
			i++;
		}
	}
	if (b.err)
		return b.err;
	as_free(*s);
	*s = buf_detach(&b, NULL);
	return 0;
}

/* ---- the text sink ---- */

static int is_space_byte(unsigned char c)
{
	/* ASCII whitespace and the C0 controls and DEL: none is visible text. */
	return c <= 0x20 || c == 0x7F;
}

void textsink_sep(struct textsink *ts, enum textsink_sep sep)
{
	if ((int)sep > ts->pending)
		ts->pending = sep;
}

static void textsink_emit(struct textsink *ts, const char *s, size_t len)
{
	static const char *seps[] = { "", " ", "\n", "\n\n" };

	if (!len)
		return;
	if (ts->pending && ts->b.len)
		buf_addstr(&ts->b, seps[ts->pending]);
	ts->pending = SEP_NONE;
	buf_add(&ts->b, s, len);
}

void textsink_add(struct textsink *ts, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;

	while (i < len) {
		if (is_space_byte(p[i])) {
			textsink_emit(ts, s + run, i - run);
			textsink_sep(ts, SEP_SPACE);
			run = ++i;
		} else if (p[i] == 0xC2 && i + 1 < len && p[i + 1] >= 0x80 && p[i + 1] <= 0x9F) {
			/* C1 controls (U+0080-U+009F): whitespace too. */
			textsink_emit(ts, s + run, i - run);
			textsink_sep(ts, SEP_SPACE);
			run = i += 2;
		} else if (p[i] == 0xEF && i + 2 < len && p[i + 1] == 0xBB && p[i + 2] == 0xBF) {
			/* A stray byte-order mark (U+FEFF, zero-width no-break space): nothing. */
			textsink_emit(ts, s + run, i - run);
			run = i += 3;
		} else {
			i++;
		}
	}
	textsink_emit(ts, s + run, i - run);
}

void textsink_add_lines(struct textsink *ts, const char *s, size_t len)
{
	const char *nl;

	while ((nl = memchr(s, '\n', len)) != NULL) {
		textsink_add(ts, s, (size_t)(nl - s));
		textsink_sep(ts, SEP_LINE);
		len -= (size_t)(nl - s) + 1;
		s = nl + 1;
	}
	textsink_add(ts, s, len);
}

/* ---- fields ---- */

void extract_warn(struct extract_ctx *cx, const char *fmt, ...)
{
	va_list ap;

	if (!cx->warnings)
		return;
	buf_addstr(cx->warnings, cx->id);
	buf_addstr(cx->warnings, ": ");
	va_start(ap, fmt);
	buf_vaddf(cx->warnings, fmt, ap);
	va_end(ap);
	buf_addch(cx->warnings, '\n');
}

/* A collapsed, trimmed copy of s[0..len) (NULL when empty or out of memory: cx->err). */
static char *collapsed_copy(struct extract_ctx *cx, const char *s, size_t len)
{
	struct textsink ts = { BUF_INIT, SEP_NONE };

	textsink_add(&ts, s, len);
	if (ts.b.err) {
		cx->err = AS_ENOMEM;
		buf_release(&ts.b);
		return NULL;
	}
	if (!ts.b.len) {
		buf_release(&ts.b);
		return NULL;
	}
	return buf_detach(&ts.b, NULL);
}

int extract_set_field(struct extract_ctx *cx, char **field, const char *s, size_t len)
{
	if (*field)
		return 0;
	*field = collapsed_copy(cx, s, len);
	return cx->err;
}

void extract_set_date(struct extract_ctx *cx, const char *s, size_t len, const char *where)
{
	char date[11];
	char *shown;
	size_t shown_len;

	if (cx->doc->date)
		return;
	while (len && is_space_byte((unsigned char)*s))
		s++, len--;
	while (len && is_space_byte((unsigned char)s[len - 1]))
		len--;
	if (!len)
		return;
	if (extract_normalize_date(s, len, date) == 0) {
		cx->doc->date = as_strdup(date);
		if (!cx->doc->date)
			cx->err = AS_ENOMEM;
		return;
	}
	/* Shown cut to 40 bytes, on a character boundary so the warning stays valid UTF-8. */
	shown_len = len > 40 ? 40 : len;
	while (shown_len < len && shown_len > 0 && ((unsigned char)s[shown_len] & 0xC0) == 0x80)
		shown_len--;
	shown = collapsed_copy(cx, s, shown_len);
	extract_warn(cx, "%s date \"%s\" is not a date (YYYY-MM-DD expected); the document has no date",
		     where, shown ? shown : "");
	as_free(shown);
}

int extract_add_tag(struct extract_ctx *cx, const char *s, size_t len)
{
	struct document *doc = cx->doc;
	char *tag = collapsed_copy(cx, s, len);
	char **tags;
	size_t i;

	if (!tag)
		return cx->err;
	for (i = 0; i < doc->n_tags; i++) {
		if (strcmp(doc->tags[i], tag) == 0) {
			as_free(tag);
			return 0;
		}
	}
	tags = as_realloc(doc->tags, (doc->n_tags + 1) * sizeof(*tags));
	if (!tags) {
		as_free(tag);
		return cx->err = AS_ENOMEM;
	}
	doc->tags = tags;
	doc->tags[doc->n_tags++] = tag;
	return 0;
}

int extract_add_tags(struct extract_ctx *cx, const char *s, size_t len)
{
	size_t start = 0, i;

	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == ',' || s[i] == ';') {
			if (extract_add_tag(cx, s + start, i - start) < 0)
				return cx->err;
			start = i + 1;
		}
	}
	return 0;
}

void extract_note_heading(struct extract_ctx *cx, int level, const char *s, size_t len)
{
	char *h;

	if (cx->heading_level && cx->heading_level <= level)
		return;
	h = collapsed_copy(cx, s, len);
	if (!h)
		return;
	as_free(cx->heading);
	cx->heading = h;
	cx->heading_level = level;
}

void extract_extend_heading(struct extract_ctx *cx, const char *s, size_t len, int joined)
{
	struct textsink ts = { BUF_INIT, SEP_NONE };

	if (!cx->heading)
		return;
	textsink_add(&ts, cx->heading, strlen(cx->heading));
	if (!joined)
		textsink_sep(&ts, SEP_SPACE);
	textsink_add(&ts, s, len);
	if (ts.b.err) {
		cx->err = AS_ENOMEM;
		buf_release(&ts.b);
		return;
	}
	as_free(cx->heading);
	cx->heading = buf_detach(&ts.b, NULL);
}

/* ---- dates ---- */

static int days_in_month(int y, int m)
{
	static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/* Reads exactly n digits at s[*i]; -1 if they are not there. */
static int digits(const char *s, size_t len, size_t *i, int n)
{
	int v = 0, k;

	for (k = 0; k < n; k++) {
		if (*i >= len || s[*i] < '0' || s[*i] > '9')
			return -1;
		v = v * 10 + (s[(*i)++] - '0');
	}
	return v;
}

/* Reads 1 or 2 digits. */
static int digits12(const char *s, size_t len, size_t *i)
{
	int v = digits(s, len, i, 1), w;
	size_t j = *i;

	if (v < 0)
		return -1;
	w = digits(s, len, &j, 1);
	if (w >= 0) {
		*i = j;
		v = v * 10 + w;
	}
	return v;
}

/* "2 mai 2024", "1er janvier 2023", "15 août 2024" (accents optional, any case). */
static int french_date(const char *s, size_t len, int *y, int *m, int *d)
{
	static const char *months[] = {
		"janvier", "fevrier", "mars", "avril", "mai", "juin", "juillet",
		"aout", "septembre", "octobre", "novembre", "decembre",
	};
	char word[16];
	size_t i = 0, w = 0;
	int k;

	*d = digits12(s, len, &i);
	if (*d < 0)
		return -1;
	if (i + 1 < len && (s[i] == 'e' || s[i] == 'E') && (s[i + 1] == 'r' || s[i + 1] == 'R'))
		i += 2;
	if (i >= len || s[i] != ' ')
		return -1;
	while (i < len && s[i] == ' ')
		i++;
	while (i < len && s[i] != ' ' && w < sizeof(word) - 1) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0xC3 && i + 1 < len) {
			/* é è ê É È Ê -> e, û Û -> u: the letters French month names carry. */
			unsigned char c2 = (unsigned char)s[i + 1];
			if (c2 == 0xA9 || c2 == 0xA8 || c2 == 0xAA || c2 == 0x89 || c2 == 0x88 || c2 == 0x8A)
				word[w++] = 'e';
			else if (c2 == 0xBB || c2 == 0x9B)
				word[w++] = 'u';
			else
				return -1;
			i += 2;
			continue;
		}
		word[w++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
		i++;
	}
	word[w] = '\0';
	*m = 0;
	for (k = 0; k < 12; k++)
		if (strcmp(word, months[k]) == 0)
			*m = k + 1;
	if (!*m || i >= len || s[i] != ' ')
		return -1;
	while (i < len && s[i] == ' ')
		i++;
	*y = digits(s, len, &i, 4);
	return *y < 0 || i != len ? -1 : 0;
}

static int all_digits(const char *s, size_t n)
{
	size_t k;

	for (k = 0; k < n; k++)
		if (s[k] < '0' || s[k] > '9')
			return 0;
	return 1;
}

int extract_normalize_date(const char *s, size_t len, char out[11])
{
	int y, m, d;
	size_t i = 0;

	if (len >= 5 && all_digits(s, 4) && (s[4] == '-' || s[4] == '/' || s[4] == '.')) {
		/* YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD; a time may follow ("T10:00", " 10:00"). */
		char sep = s[4];
		y = digits(s, len, &i, 4);
		i++;
		m = digits12(s, len, &i);
		if (m < 0 || i >= len || s[i] != sep)
			return AS_EINVAL;
		i++;
		d = digits12(s, len, &i);
		if (d < 0 || (i < len && s[i] != 'T' && s[i] != ' '))
			return AS_EINVAL;
	} else if (len >= 8 && all_digits(s, 8) && (len == 8 || s[8] == 'T')) {
		/* YYYYMMDD, ISO 8601's basic format */
		y = digits(s, len, &i, 4);
		m = digits(s, len, &i, 2);
		d = digits(s, len, &i, 2);
	} else if (len && all_digits(s, 1)) {
		/* DD/MM/YYYY, DD-MM-YYYY, DD.MM.YYYY (French order), or French words */
		d = digits12(s, len, &i);
		if (i < len && (s[i] == '/' || s[i] == '-' || s[i] == '.')) {
			char sep = s[i++];
			m = digits12(s, len, &i);
			if (m < 0 || i >= len || s[i] != sep)
				return AS_EINVAL;
			i++;
			y = digits(s, len, &i, 4);
			if (y < 0 || (i < len && s[i] != ' '))
				return AS_EINVAL;
		} else if (french_date(s, len, &y, &m, &d) < 0) {
			return AS_EINVAL;
		}
	} else {
		return AS_EINVAL;
	}
	if (y < 1000 || y > 9999 || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return AS_EINVAL;
	snprintf(out, 11, "%04u-%02u-%02u", (unsigned)y % 10000, (unsigned)m % 100, (unsigned)d % 100);
	return 0;
}

/* ---- plain text ---- */

/*
 * Plain text: paragraphs are separated by blank lines, the lines of a paragraph are
 * joined. The first non-empty line is the title (and a paragraph of its own, so that
 * a title written directly above the text does not run into it).
 */
static int extract_plain(struct extract_ctx *cx, const char *text, size_t len)
{
	size_t i = 0, end, k;
	int seen_first = 0;

	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		int blank = 1;

		end = nl ? (size_t)(nl - text) : len;
		for (k = i; k < end; k++)
			if (!is_space_byte((unsigned char)text[k]))
				blank = 0;
		if (blank) {
			textsink_sep(&cx->body, SEP_PARA);
		} else {
			textsink_add(&cx->body, text + i, end - i);
			textsink_sep(&cx->body, SEP_SPACE);
			if (!seen_first) {
				seen_first = 1;
				extract_note_heading(cx, 1, text + i, end - i);
				textsink_sep(&cx->body, SEP_PARA);
			}
		}
		i = end + 1;
	}
	return cx->err;
}

/* ---- the flow ---- */

/*
 * Text input as UTF-8: NUL bytes mean a binary file; a UTF-8 byte-order mark is
 * dropped; invalid UTF-8 is read as Windows-1252, said as a warning. *out points
 * into `data` or, after conversion, to conv's bytes.
 */
static int decode_text(struct extract_ctx *cx, const char *data, size_t len, struct buf *conv,
		       const char **out, size_t *out_len)
{
	const unsigned char *p = (const unsigned char *)data;
	const char *nul;
	size_t bad;

	if (len >= 2 && ((p[0] == 0xFF && p[1] == 0xFE) || (p[0] == 0xFE && p[1] == 0xFF)))
		return as_error_set(AS_EFORMAT, "%s: UTF-16 text is not supported (save it as UTF-8)", cx->id);
	nul = memchr(data, '\0', len);
	if (nul)
		return as_error_set(AS_EFORMAT, "%s: binary content (a NUL byte at offset %zu), not text",
				    cx->id, (size_t)(nul - data));
	if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF)
		data += 3, len -= 3;
	bad = utf8_valid_prefix(data, len);
	if (bad == len) {
		*out = data;
		*out_len = len;
		return 0;
	}
	extract_warn(cx, "not valid UTF-8 (byte 0x%02X at offset %zu); read as Windows-1252",
		     (unsigned char)data[bad], bad);
	cp1252_to_utf8(conv, data, len);
	if (conv->err)
		return AS_ENOMEM;
	*out = conv->ptr;
	*out_len = conv->len;
	return 0;
}

/* The type fallback: the id's top-level folder, as written (respell() then
 * makes `Communiqués` the type `communique`). */
static int type_from_folder(struct extract_ctx *cx)
{
	const char *slash = strchr(cx->id, '/');

	if (!slash || slash == cx->id)
		return 0;
	cx->doc->type = as_strndup(cx->id, (size_t)(slash - cx->id));
	return cx->doc->type ? 0 : AS_ENOMEM;
}

/* A type or a department in its one spelling by `spell` (common/text/doc_type.h), the
 * spelling a filter is given too; a value without a word is none. */
static int respell(char **value, int (*spell)(const char *, size_t, struct buf *))
{
	struct buf b = BUF_INIT;

	if (!*value)
		return 0;
	if (spell(*value, strlen(*value), &b) < 0) {
		buf_release(&b);
		return AS_ENOMEM;
	}
	as_free(*value);
	/* Once spelt without error, b is well formed: detaching it cannot fail. */
	*value = b.len ? buf_detach(&b, NULL) : NULL;
	buf_release(&b);
	return 0;
}

/* Cuts a long title at a word boundary before TITLE_MAX bytes and marks the cut. */
static int clamp_title(char **title)
{
	size_t len = strlen(*title), cut = TITLE_MAX;
	char *t;

	if (len <= TITLE_MAX)
		return 0;
	while (cut > TITLE_MAX / 2 && (*title)[cut] != ' ')
		cut--;
	if ((*title)[cut] != ' ') {
		cut = TITLE_MAX;
		while (cut > 0 && ((unsigned char)(*title)[cut] & 0xC0) == 0x80)
			cut--;
	}
	t = as_malloc(cut + 4);
	if (!t)
		return AS_ENOMEM;
	memcpy(t, *title, cut);
	memcpy(t + cut, "\xE2\x80\xA6", 4); /* … */
	as_free(*title);
	*title = t;
	return 0;
}

int extract_document(const char *id, const void *data, size_t len, struct document *doc,
		     struct buf *warnings)
{
	struct extract_ctx cx;
	struct buf conv = BUF_INIT;
	enum extract_format fmt = extract_format_of(id);
	const char *text = NULL;
	size_t text_len = 0, i;
	int rc;

	memset(doc, 0, sizeof(*doc));
	memset(&cx, 0, sizeof(cx));
	cx.id = id;
	cx.doc = doc;
	cx.warnings = warnings;

	if (fmt == EXTRACT_UNSUPPORTED) {
		const char *base = strrchr(id, '/'), *dot;
		base = base ? base + 1 : id;
		dot = strrchr(base, '.');
		if (dot && dot != base)
			return as_error_set(AS_EINVAL, "%s: unsupported format (%s)", id, dot);
		return as_error_set(AS_EINVAL, "%s: unsupported format (no extension)", id);
	}
	if (len == 0)
		return as_error_set(AS_EFORMAT, "%s: empty file", id);

	if (fmt == EXTRACT_PDF) {
		rc = extract_pdf(&cx, data, len);
	} else {
		rc = decode_text(&cx, data, len, &conv, &text, &text_len);
		if (rc == 0) {
			if (fmt == EXTRACT_HTML)
				rc = extract_html(&cx, text, text_len);
			else if (fmt == EXTRACT_MARKDOWN)
				rc = extract_markdown(&cx, text, text_len);
			else
				rc = extract_plain(&cx, text, text_len);
		}
	}
	buf_release(&conv);
	if (rc == 0 && (cx.err || cx.body.b.err))
		rc = AS_ENOMEM;
	if (rc < 0)
		goto fail;
	/* A title or tags the document gave are text to search even without a body (an
	 * event announced by its front matter alone); only a document with no text in any
	 * searched field is refused. The file-name title fallback below is not its text. */
	if (!cx.body.b.len && !doc->title && !doc->n_tags) {
		rc = as_error_set(AS_EFORMAT, "%s: no text to index (empty document%s)", id,
				  fmt == EXTRACT_PDF ? "; a scanned PDF without a text layer?" : "");
		goto fail;
	}
	if (!cx.body.b.len && fmt == EXTRACT_PDF)
		extract_warn(&cx, "no text in the pages (a scanned PDF without a text layer?); "
			     "indexed by its title alone");
	rc = AS_ENOMEM;
	doc->body = buf_detach(&cx.body.b, &doc->body_len);
	if (!doc->body)
		goto fail;

	if (!doc->title && cx.heading) {
		doc->title = cx.heading;
		cx.heading = NULL;
	}
	if (!doc->title) {
		const char *base = strrchr(id, '/');
		doc->title = as_strdup(base ? base + 1 : id);
		if (!doc->title)
			goto fail;
	}
	if (clamp_title(&doc->title) < 0)
		goto fail;
	if (respell(&doc->type, doc_type_normalize) < 0 || respell(&doc->department, doc_department_normalize) < 0)
		goto fail;
	if (!doc->type && (type_from_folder(&cx) < 0 || respell(&doc->type, doc_type_normalize) < 0))
		goto fail;
	doc->id = as_strdup(id);
	if (!doc->id)
		goto fail;

	/* Every string handed on is valid UTF-8, whatever a library returned. */
	if (utf8_sanitize(&doc->body) < 0 || utf8_sanitize(&doc->title) < 0 ||
	    (doc->type && utf8_sanitize(&doc->type) < 0) ||
	    (doc->department && utf8_sanitize(&doc->department) < 0) ||
	    (doc->url && utf8_sanitize(&doc->url) < 0))
		goto fail;
	for (i = 0; i < doc->n_tags; i++)
		if (utf8_sanitize(&doc->tags[i]) < 0)
			goto fail;
	doc->body_len = strlen(doc->body);
	as_free(cx.heading);
	return 0;

fail:
	if (rc == AS_ENOMEM)
		as_error_set(AS_ENOMEM, "%s: out of memory while extracting", id);
	as_free(cx.heading);
	buf_release(&cx.body.b);
	document_clear(doc);
	return rc;
}
