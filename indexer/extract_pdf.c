/*
 * PDF through poppler-glib: the text of every page and the document's own Title and
 * CreationDate.
 *
 * Poppler prints its complaints about damaged files ("Syntax Error: ...") on stderr,
 * which would tear the indexer's progress line and its summary. poppler-glib has no
 * call to stop that, but the core library it is built on exports setErrorCallback(),
 * the hook poppler-cpp's set_debug_error_function() uses. It is a C++ function; it is
 * looked up once by its mangled name (poppler >= 21.x: a callback taking the error
 * category, the byte offset and the message) and, when present, routes the messages
 * to a per-thread note that an error message can quote. When absent (another poppler
 * ABI), poppler keeps printing: noisy, never wrong.
 */
#include <dlfcn.h>
#include <glib.h>
#include <poppler.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "common/util/error.h"
#include "common/util/mem.h"
#include "indexer/extract_int.h"

/* poppler/Error.h: void setErrorCallback(void (*)(ErrorCategory, Goffset, const char *)). */
#define POPPLER_SET_ERROR_CALLBACK "_Z16setErrorCallbackPFv13ErrorCategoryxPKcE"

/* The first message poppler gave on this thread since pdf_note_reset(). */
static __thread char pdf_note[160];

static void on_poppler_error(int category, long long pos, const char *msg)
{
	(void)category;
	if (pdf_note[0] || !msg)
		return;
	if (pos >= 0)
		snprintf(pdf_note, sizeof(pdf_note), "%s (at byte %lld)", msg, pos);
	else
		snprintf(pdf_note, sizeof(pdf_note), "%s", msg);
}

static pthread_once_t quiet_once = PTHREAD_ONCE_INIT;

static void make_poppler_quiet(void)
{
	void (*set_cb)(void (*)(int, long long, const char *));

	*(void **)&set_cb = dlsym(RTLD_DEFAULT, POPPLER_SET_ERROR_CALLBACK);
	if (set_cb)
		set_cb(on_poppler_error);
}

static int is_letter_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* Whether a line starts a list item: a bullet (•, ▪, –, -, *) and a space. */
static int starts_item(const char *s, size_t n)
{
	if (n >= 2 && (s[0] == '-' || s[0] == '*') && s[1] == ' ')
		return 1;
	return n >= 4 && (memcmp(s, "\xE2\x80\xA2 ", 4) == 0 || memcmp(s, "\xE2\x96\xAA ", 4) == 0 ||
			  memcmp(s, "\xE2\x80\x93 ", 4) == 0);
}

/* Whether a line ends a sentence: . ! ? : or a closing French quote ». */
static int ends_sentence(const char *s, size_t n)
{
	if (!n)
		return 0;
	if (s[n - 1] == '.' || s[n - 1] == '!' || s[n - 1] == '?' || s[n - 1] == ':')
		return 1;
	return n >= 2 && (unsigned char)s[n - 2] == 0xC2 && (unsigned char)s[n - 1] == 0xBB;
}

static int starts_upper(const char *s, size_t n)
{
	unsigned char c = n ? (unsigned char)s[0] : 0;

	/* A-Z, or a Latin-1 capital (É, À, Ç... are C3 80-9E in UTF-8), or a digit. */
	return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c == 0xC3 && n > 1 && (unsigned char)s[1] >= 0x80 && (unsigned char)s[1] <= 0x9E);
}

/* Characters (code points) of a UTF-8 line. */
static size_t n_chars(const char *s, size_t n)
{
	size_t i, c = 0;

	for (i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}

/* Trims the line at text[*pos..], advancing *pos past it; returns its length. */
static size_t next_line(const char *text, size_t len, size_t *pos, const char **line)
{
	const char *l = text + *pos, *nl = memchr(l, '\n', len - *pos);
	size_t n = nl ? (size_t)(nl - l) : len - *pos;

	*pos += n + 1;
	while (n && (unsigned char)l[n - 1] <= ' ')
		n--;
	while (n && (unsigned char)*l <= ' ')
		l++, n--;
	*line = l;
	return n;
}

/*
 * Running heads and feet: a line among the first or last RUN_EDGE of a page that comes
 * back, but for its numbers, on at least half the pages of a document of RUN_MIN_PAGES
 * or more ("Règlement intérieur — Page 7/8", "CMA Occitanie | Guide de l'apprenti
 * 2025") says nothing the first page did not: kept there, dropped from the others, where
 * it put the document's name in every snippet and its words in every page's count.
 */
#define RUN_EDGE 2
#define RUN_MIN_PAGES 3
#define RUN_MAX 16
#define RUN_KEY 96

struct running {
	char key[RUN_MAX][RUN_KEY];
	uint32_t pages[RUN_MAX], last[RUN_MAX]; /* pages it is on; the last one counted */
	uint32_t n;
};

/* The line as compared across pages: digits as '#' (page numbers), ASCII case folded,
 * spaces collapsed. 0 for a line too short or too long to tell. */
static int run_key(const char *line, size_t n, char out[RUN_KEY])
{
	size_t o = 0;
	int space = 0;

	if (n < 3 || n >= RUN_KEY)
		return 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)line[i];
		if (c <= ' ') {
			space = o > 0;
			continue;
		}
		if (space)
			out[o++] = ' ', space = 0;
		if (c >= '0' && c <= '9') {
			if (o && out[o - 1] == '#')
				continue;
			c = '#';
		} else if (c >= 'A' && c <= 'Z') {
			c = (unsigned char)(c - 'A' + 'a');
		}
		out[o++] = (char)c;
	}
	out[o] = '\0';
	return o >= 3;
}

/* Calls f on each edge line of a page (the first and last RUN_EDGE non-empty ones). */
static void edge_lines(const char *text, void (*f)(void *, const char *, size_t, uint32_t), void *arg, uint32_t page)
{
	size_t len = strlen(text), pos = 0, n, total = 0, i = 0;
	const char *line;

	while (pos < len)
		total += next_line(text, len, &pos, &line) > 0;
	for (pos = 0; pos < len;) {
		if (!(n = next_line(text, len, &pos, &line)))
			continue;
		if (i < RUN_EDGE || i + RUN_EDGE >= total)
			f(arg, line, n, page);
		i++;
	}
}

static void count_edge(void *arg, const char *line, size_t n, uint32_t page)
{
	struct running *r = arg;
	char k[RUN_KEY];
	uint32_t i;

	if (!run_key(line, n, k))
		return;
	for (i = 0; i < r->n && strcmp(r->key[i], k) != 0; i++)
		;
	if (i == r->n) {
		if (r->n == RUN_MAX)
			return;
		memcpy(r->key[r->n], k, strlen(k) + 1);
		r->pages[r->n] = 0;
		r->last[r->n] = UINT32_MAX;
		r->n++;
	}
	if (r->last[i] != page)
		r->pages[i]++, r->last[i] = page;
}

/* The running lines of the pages, in r (none for a document too short to tell). */
static void find_running(struct running *r, char **texts, uint32_t n_pages)
{
	uint32_t m = 0;

	r->n = 0;
	if (n_pages < RUN_MIN_PAGES)
		return;
	for (uint32_t p = 0; p < n_pages; p++)
		if (texts[p])
			edge_lines(texts[p], count_edge, r, p);
	for (uint32_t i = 0; i < r->n; i++)
		if (r->pages[i] >= RUN_MIN_PAGES && r->pages[i] * 2 >= n_pages) {
			memmove(r->key[m], r->key[i], sizeof(r->key[m]));
			m++;
		}
	r->n = m;
}

static int is_running(const struct running *r, const char *line, size_t n)
{
	char k[RUN_KEY];

	if (!r || !r->n || !run_key(line, n, k))
		return 0;
	for (uint32_t i = 0; i < r->n; i++)
		if (strcmp(r->key[i], k) == 0)
			return 1;
	return 0;
}

/*
 * One page. PDF text has lines, not paragraphs, and these rules rebuild them:
 * - a line ending in letter + '-' is joined to the next without a space, the hyphen
 *   kept: "exem-" + "ple" gives "exem-ple", which the analyzer indexes whole as well
 *   as by parts, and a real compound such as "auto-entrepreneur" stays right;
 * - the lines of a paragraph run to the right margin, so a line ending a sentence
 *   that is clearly shorter than the page's typical full line (its 75th percentile,
 *   robust to ragged right margins and to odd long lines) ends a paragraph; a very
 *   short line without final punctuation followed by a capital is a heading;
 * - a line starting with a bullet starts an item; a blank line ends a paragraph;
 * - otherwise lines are joined with a space.
 */
static void add_page(struct extract_ctx *cx, const char *text, const struct running *run)
{
	size_t hist[128] = { 0 };
	size_t len = strlen(text), pos = 0, n, total = 0, seen = 0, full = 0, prev_len = 0, prev_chars = 0, k;
	const char *line, *prev = NULL;

	while (pos < len) {
		n = next_line(text, len, &pos, &line);
		if (n) {
			k = n_chars(line, n);
			hist[k < 127 ? k : 127]++;
			total++;
		}
	}
	for (k = 0; k < 128; k++) {
		seen += hist[k];
		if (seen * 4 >= total * 3) {
			full = k;
			break;
		}
	}
	int heading_lines = 0; /* lines of the heading so far, while it may go on */
	size_t edge = 0;       /* non-empty lines so far */
	for (pos = 0; pos < len;) {
		size_t chars;
		int para = 0, shy;

		n = next_line(text, len, &pos, &line);
		if (n && (edge++ < RUN_EDGE || edge + RUN_EDGE > total) && is_running(run, line, n))
			n = 0; /* a running head or foot: as a blank line */
		if (!n) {
			textsink_sep(&cx->body, SEP_PARA);
			prev = NULL;
			heading_lines = 0;
			continue;
		}
		chars = n_chars(line, n);
		/* A soft hyphen (U+00AD) ends a line where a word processor broke a word
		 * ("béné-" + "ficier"): it is dropped and the halves joined. */
		shy = n >= 2 && (unsigned char)line[n - 2] == 0xC2 && (unsigned char)line[n - 1] == 0xAD;
		if (prev) {
			if (prev_len >= 2 && (unsigned char)prev[prev_len - 2] == 0xC2 &&
			    (unsigned char)prev[prev_len - 1] == 0xAD && is_letter_byte((unsigned char)line[0]))
				; /* joined, the soft hyphen dropped */
			else if (prev_len >= 2 && prev[prev_len - 1] == '-' &&
				 is_letter_byte((unsigned char)prev[prev_len - 2]) && is_letter_byte((unsigned char)line[0]))
				; /* joined as is */
			else if (starts_item(line, n) ||
				 (ends_sentence(prev, prev_len) && prev_chars * 100 < full * 85) ||
				 (!ends_sentence(prev, prev_len) && prev_chars * 2 < full && starts_upper(line, n) &&
				  prev[prev_len - 1] != ','))
				textsink_sep(&cx->body, SEP_PARA), para = 1;
			else
				textsink_sep(&cx->body, SEP_SPACE);
		}
		/* The first line is the heading, and so are the lines that carry it on when
		 * it wraps: a line starting with a small letter, in the same paragraph. */
		if (!cx->heading) {
			extract_note_heading(cx, 1, line, shy ? n - 2 : n);
			heading_lines = 1;
		} else if (heading_lines && heading_lines < 3 && !para && !starts_upper(line, n) &&
			   !starts_item(line, n) && !ends_sentence(prev, prev_len)) {
			extract_extend_heading(cx, line, shy ? n - 2 : n,
					       prev_len >= 2 && (unsigned char)prev[prev_len - 1] == 0xAD);
			heading_lines++;
		} else {
			heading_lines = 0;
		}
		textsink_add(&cx->body, line, shy ? n - 2 : n);
		prev = line;
		prev_len = n;
		prev_chars = chars;
	}
	textsink_sep(&cx->body, SEP_PARA);
}

/* The Title entry, unless it is a word processor's default ("Microsoft Word - x.docx",
 * a file name). */
static void read_title(struct extract_ctx *cx, PopplerDocument *pdf)
{
	static const char *prefix = "Microsoft Word - ";
	static const char *exts[] = { ".doc", ".docx", ".odt", ".pdf", ".rtf", ".indd", ".pub" };
	gchar *t = poppler_document_get_title(pdf);
	const char *s = t;
	size_t n, i;

	if (!t)
		return;
	if (strncmp(s, prefix, strlen(prefix)) == 0)
		s += strlen(prefix);
	n = strlen(s);
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++) {
		size_t k = strlen(exts[i]);
		if (n > k && g_ascii_strcasecmp(s + n - k, exts[i]) == 0)
			n = 0;
	}
	if (n)
		extract_set_field(cx, &cx->doc->title, s, n);
	g_free(t);
}

static void read_date(struct extract_ctx *cx, PopplerDocument *pdf)
{
	GDateTime *dt = poppler_document_get_creation_date_time(pdf);
	gchar *s;

	if (!dt)
		return;
	/* The date in the PDF's own time zone: the day its author saw. */
	s = g_date_time_format(dt, "%Y-%m-%d");
	if (s)
		extract_set_date(cx, s, strlen(s), "PDF creation");
	g_free(s);
	g_date_time_unref(dt);
}

int extract_pdf(struct extract_ctx *cx, const void *data, size_t len)
{
	GBytes *bytes;
	GError *gerr = NULL;
	PopplerDocument *pdf;
	int n_pages, i, rc = 0;

	pthread_once(&quiet_once, make_poppler_quiet);
	pdf_note[0] = '\0';
	if (len < 5 || memcmp(data, "%PDF-", 5) != 0) {
		/* Poppler would look for a header further in; a file named .pdf that does
		 * not start like one is something else. */
		if (len < 5 || !memmem(data, len < 1024 ? len : 1024, "%PDF-", 5))
			return as_error_set(AS_EFORMAT, "%s: not a PDF (no %%PDF- header)", cx->id);
	}
	bytes = g_bytes_new_static(data, len);
	pdf = poppler_document_new_from_bytes(bytes, NULL, &gerr);
	if (!pdf) {
		if (gerr && gerr->domain == POPPLER_ERROR && gerr->code == POPPLER_ERROR_ENCRYPTED)
			rc = as_error_set(AS_EFORMAT, "%s: encrypted PDF (it needs a password to be read)", cx->id);
		else
			rc = as_error_set(AS_EFORMAT, "%s: corrupt PDF (%s%s%s)", cx->id,
					  gerr ? gerr->message : "unreadable", pdf_note[0] ? "; " : "", pdf_note);
		if (gerr)
			g_error_free(gerr);
		g_bytes_unref(bytes);
		return rc;
	}
	read_title(cx, pdf);
	read_date(cx, pdf);
	n_pages = poppler_document_get_n_pages(pdf);
	if (n_pages <= 0)
		rc = as_error_set(AS_EFORMAT, "%s: corrupt PDF (no pages%s%s)", cx->id,
				  pdf_note[0] ? "; " : "", pdf_note);
	/* Every page's text first: running heads and feet are known from all of them. */
	gchar **texts = rc == 0 ? g_new0(gchar *, (gsize)(n_pages > 0 ? n_pages : 1)) : NULL;
	for (i = 0; texts && i < n_pages; i++) {
		PopplerPage *page = poppler_document_get_page(pdf, i);
		if (page) {
			texts[i] = poppler_page_get_text(page);
			g_object_unref(page);
		}
	}
	struct running *run = texts ? as_calloc(1, sizeof(*run)) : NULL;
	if (run)
		find_running(run, texts, (uint32_t)n_pages);
	for (i = 0; texts && rc == 0 && i < n_pages; i++) {
		if (texts[i])
			add_page(cx, texts[i], i ? run : NULL);
		if (cx->err || cx->body.b.err)
			rc = AS_ENOMEM;
	}
	for (i = 0; texts && i < n_pages; i++)
		g_free(texts[i]);
	g_free(texts);
	as_free(run);
	g_object_unref(pdf);
	g_bytes_unref(bytes);
	return rc ? rc : cx->err;
}
