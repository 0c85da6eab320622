/*
 * Document extraction (indexer/extract.h): each format on crafted inputs and on the
 * real files of corpus/, fallbacks, chrome dropped, encodings, and inputs that must be
 * refused (corrupt or encrypted PDF, binary, empty) or merely survived (garbage).
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <cmocka.h>

#include "common/util/buf.h"
#include "common/util/error.h"
#include "common/util/mem.h"
#include "indexer/extract.h"

/* ---- helpers ---- */

struct extracted {
	int rc;
	struct document doc;
	struct buf warnings;
	char message[512];
};

static void run(struct extracted *x, const char *id, const void *data, size_t len)
{
	memset(x, 0, sizeof(*x));
	x->rc = extract_document(id, data, len, &x->doc, &x->warnings);
	if (x->rc < 0)
		snprintf(x->message, sizeof(x->message), "%s", as_error_message(x->rc));
}

static void runs(struct extracted *x, const char *id, const char *text)
{
	run(x, id, text, strlen(text));
}

static void done(struct extracted *x)
{
	document_clear(&x->doc);
	buf_release(&x->warnings);
}

static const char *warnings_of(const struct extracted *x)
{
	return x->warnings.len ? x->warnings.ptr : "";
}

static int valid_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0;

	while (i < len) {
		unsigned c = p[i];
		size_t n = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3 : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
		if (!n || i + n > len)
			return 0;
		for (size_t k = 1; k < n; k++)
			if ((p[i + k] & 0xC0) != 0x80)
				return 0;
		i += n;
	}
	return 1;
}

/* Every string of a successful extraction is present where required and valid UTF-8. */
static void check_wellformed(const struct document *d)
{
	assert_non_null(d->id);
	assert_non_null(d->title);
	assert_true(strlen(d->title) > 0);
	assert_non_null(d->body);
	assert_int_equal(strlen(d->body), d->body_len);
	assert_true(valid_utf8(d->body, d->body_len));
	assert_true(valid_utf8(d->title, strlen(d->title)));
	/* separators only between text: no leading/trailing whitespace, never 3 newlines
	 * (the body is empty when a title or tags are the only text) */
	if (d->body_len) {
		assert_true((unsigned char)d->body[0] > ' ');
		assert_true((unsigned char)d->body[d->body_len - 1] > ' ');
	}
	assert_null(strstr(d->body, "\n\n\n"));
	assert_null(strstr(d->body, "  "));
	if (d->date) {
		assert_int_equal(strlen(d->date), 10);
		assert_true(d->date[4] == '-' && d->date[7] == '-');
	}
	for (size_t i = 0; i < d->n_tags; i++)
		assert_true(strlen(d->tags[i]) > 0);
}

/* ---- a small PDF writer, so that tests need no binary fixtures ---- */

struct pdf {
	struct buf b;
	size_t offsets[32];
	int n;
};

static void pdf_obj(struct pdf *p, const char *fmt, ...)
{
	va_list ap;

	p->offsets[++p->n] = p->b.len;
	buf_addf(&p->b, "%d 0 obj\n", p->n);
	va_start(ap, fmt);
	buf_vaddf(&p->b, fmt, ap);
	va_end(ap);
	buf_addstr(&p->b, "\nendobj\n");
}

/*
 * A one- or two-page PDF with Helvetica text (WinAnsiEncoding: é is \351), an Info
 * dictionary with Title and CreationDate when given, and an /Encrypt dictionary whose
 * user password is not empty when `encrypted`.
 */
/* make_pdf() maps code 255 octal to the soft hyphen (one page only). */
static int shy_to_unicode;

static void make_pdf(struct buf *out, const char *title, const char *date, const char *page1,
		     const char *page2, int encrypted)
{
	struct pdf p = { BUF_INIT, { 0 }, 0 };
	size_t xref;
	char content[2048];
	int i, n_pages = page2 ? 2 : 1;

	buf_addstr(&p.b, "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n");
	pdf_obj(&p, "<< /Type /Catalog /Pages 2 0 R >>");
	pdf_obj(&p, n_pages == 2 ? "<< /Type /Pages /Kids [3 0 R 6 0 R] /Count 2 >>"
				  : "<< /Type /Pages /Kids [3 0 R] /Count 1 >>");
	for (i = 0; i < n_pages; i++) {
		const char *text = i ? page2 : page1;
		int len = snprintf(content, sizeof(content), "BT /F1 12 Tf 72 770 Td 16 TL %s ET", text);
		pdf_obj(&p, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
			    "/Resources << /Font << /F1 5 0 R >> >> /Contents %d 0 R >>", i ? 7 : 4);
		pdf_obj(&p, "<< /Length %d >>\nstream\n%s\nendstream", len, content);
		if (i == 0 && !shy_to_unicode)
			pdf_obj(&p, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
		if (i == 0 && shy_to_unicode && n_pages == 1) {
			/* Code 255 octal read as U+00AD, the soft hyphen, as a word processor's
			 * fonts map it (Helvetica's WinAnsi reads it as a plain hyphen). */
			static const char cmap[] =
				"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /Shy def "
				"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def "
				"1 begincodespacerange <00> <FF> endcodespacerange 1 beginbfchar <AD> <00AD> endbfchar "
				"endcmap CMapName currentdict /CMap defineresource pop end end";
			pdf_obj(&p, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding "
				    "/ToUnicode 6 0 R >>");
			pdf_obj(&p, "<< /Length %d >>\nstream\n%s\nendstream", (int)strlen(cmap), cmap);
		}
	}
	/* objects: 1 catalog, 2 pages, 3 page, 4 content, 5 font, [6 page, 7 content | 6 cmap] */
	if (title || date) {
		struct buf info = BUF_INIT;
		buf_addstr(&info, "<<");
		if (title)
			buf_addf(&info, " /Title (%s)", title);
		if (date)
			buf_addf(&info, " /CreationDate (%s)", date);
		buf_addstr(&info, " >>");
		pdf_obj(&p, "%s", info.ptr);
		buf_release(&info);
	}
	int info_obj = (title || date) ? p.n : 0;
	if (encrypted)
		pdf_obj(&p, "<< /Filter /Standard /V 1 /R 2 /P -44 "
			    "/O <0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF> "
			    "/U <FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210FEDCBA9876543210> >>");
	xref = p.b.len;
	buf_addf(&p.b, "xref\n0 %d\n0000000000 65535 f \n", p.n + 1);
	for (i = 1; i <= p.n; i++)
		buf_addf(&p.b, "%010zu 00000 n \n", p.offsets[i]);
	buf_addf(&p.b, "trailer\n<< /Size %d /Root 1 0 R", p.n + 1);
	if (info_obj)
		buf_addf(&p.b, " /Info %d 0 R", info_obj);
	if (encrypted)
		buf_addf(&p.b, " /Encrypt %d 0 R /ID [<00112233445566778899AABBCCDDEEFF> "
			       "<00112233445566778899AABBCCDDEEFF>]", p.n);
	buf_addf(&p.b, " >>\nstartxref\n%zu\n%%%%EOF\n", xref);
	*out = p.b;
}

/* A PDF of n pages (at most 12) of Helvetica text, without an Info dictionary. */
static void make_pdf_pages(struct buf *out, const char *const *pages, int n)
{
	struct pdf p = { BUF_INIT, { 0 }, 0 };
	struct buf kids = BUF_INIT;
	char content[2048];
	size_t xref;
	int i;

	buf_addstr(&p.b, "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n");
	pdf_obj(&p, "<< /Type /Catalog /Pages 2 0 R >>");
	for (i = 0; i < n; i++)
		buf_addf(&kids, "%d 0 R ", 4 + 2 * i);
	pdf_obj(&p, "<< /Type /Pages /Kids [%s] /Count %d >>", kids.ptr, n);
	pdf_obj(&p, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>");
	for (i = 0; i < n; i++) {
		int len = snprintf(content, sizeof(content), "BT /F1 12 Tf 72 770 Td 16 TL %s ET", pages[i]);
		pdf_obj(&p, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
			    "/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>", 5 + 2 * i);
		pdf_obj(&p, "<< /Length %d >>\nstream\n%s\nendstream", len, content);
	}
	xref = p.b.len;
	buf_addf(&p.b, "xref\n0 %d\n0000000000 65535 f \n", p.n + 1);
	for (i = 1; i <= p.n; i++)
		buf_addf(&p.b, "%010zu 00000 n \n", p.offsets[i]);
	buf_addf(&p.b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", p.n + 1, xref);
	buf_release(&kids);
	*out = p.b;
}

/* ---- formats and names ---- */

static void test_format_of(void **state)
{
	(void)state;
	assert_int_equal(extract_format_of("a/b/c.md"), EXTRACT_MARKDOWN);
	assert_int_equal(extract_format_of("c.MARKDOWN"), EXTRACT_MARKDOWN);
	assert_int_equal(extract_format_of("x.html"), EXTRACT_HTML);
	assert_int_equal(extract_format_of("x.HTM"), EXTRACT_HTML);
	assert_int_equal(extract_format_of("x.txt"), EXTRACT_TEXT);
	assert_int_equal(extract_format_of("guides/x.pdf"), EXTRACT_PDF);
	assert_int_equal(extract_format_of("x.docx"), EXTRACT_UNSUPPORTED);
	assert_int_equal(extract_format_of("md"), EXTRACT_UNSUPPORTED);
	assert_int_equal(extract_format_of("dir.md/README"), EXTRACT_UNSUPPORTED);
	assert_int_equal(extract_format_of(".md"), EXTRACT_UNSUPPORTED);

	/* file names must be UTF-8 to become ids */
	assert_true(extract_utf8_valid("guides/caf\xC3\xA9.md", 16));
	assert_false(extract_utf8_valid("guides/caf\xE9.md", 14));
	assert_false(extract_utf8_valid("\xC0\xAF", 2));         /* overlong '/' */
	assert_false(extract_utf8_valid("\xED\xA0\x80", 3));     /* surrogate */
	assert_false(extract_utf8_valid("\xF4\x90\x80\x80", 4)); /* above U+10FFFF */
	assert_true(extract_utf8_valid("\xF0\x9F\x98\x80", 4));
}

static void test_unsupported(void **state)
{
	struct extracted x;

	(void)state;
	runs(&x, "images/logo.png", "\x89PNG");
	assert_int_equal(x.rc, AS_EINVAL);
	assert_non_null(strstr(x.message, "images/logo.png"));
	assert_non_null(strstr(x.message, ".png"));
	assert_null(x.doc.body);
	done(&x);
}

/* ---- dates ---- */

static void test_dates(void **state)
{
	static const struct {
		const char *in, *out;
	} good[] = {
		{ "2024-05-02", "2024-05-02" },
		{ "2024-5-2", "2024-05-02" },
		{ "2024-05-02T10:30:00+02:00", "2024-05-02" },
		{ "2024-05-02 10:30", "2024-05-02" },
		{ "2024/05/02", "2024-05-02" },
		{ "20240502", "2024-05-02" },
		{ "02/05/2024", "2024-05-02" }, /* French order: 2 May */
		{ "2-5-2024", "2024-05-02" },
		{ "02.05.2024", "2024-05-02" },
		{ "2 mai 2024", "2024-05-02" },
		{ "1er janvier 2023", "2023-01-01" },
		{ "15 août 2024", "2024-08-15" },
		{ "3 Décembre 2021", "2021-12-03" },
		{ "29/02/2024", "2024-02-29" },
		{ "2000-02-29", "2000-02-29" },
	};
	static const char *bad[] = {
		"", "mai 2024", "2024", "2024-05", "2024-13-01", "2024-02-30", "2023-02-29",
		"1900-02-29", "31/04/2024", "0000-01-01", "2024-05-02x", "demain", "05/2024",
		"2 mai", "32 mai 2024", "2 brumaire 2024", "2024-05-02-03", "99999999",
	};
	char out[11];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		int rc = extract_normalize_date(good[i].in, strlen(good[i].in), out);
		if (rc != 0)
			fail_msg("date '%s' refused", good[i].in);
		assert_string_equal(out, good[i].out);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (extract_normalize_date(bad[i], strlen(bad[i]), out) != AS_EINVAL)
			fail_msg("date '%s' accepted as %s", bad[i], out);
}

/* ---- HTML ---- */

static const char page_html[] =
	"<!DOCTYPE html><html lang=\"fr\"><head><meta charset=\"utf-8\">\n"
	"<title>Aides à l&#39;apprentissage</title>\n"
	"<meta name=\"date\" content=\"2024-05-02\">\n"
	"<meta name=\"type\" content=\"communique\">\n"
	"<meta name=\"department\" content=\" 31 \">\n"
	"<meta name=\"url\" content=\"https://www.cma-occitanie.fr/aides\">\n"
	"<meta name=\"keywords\" content=\"apprentissage, aides ,  emploi,aides,\">\n"
	"<style>body { color: STYLETEXT }</style>\n"
	"<script>var tracker = 'SCRIPTTEXT';</script></head>\n"
	"<body><header><a href=\"#main\" class=\"skip-link\">Aller au contenu</a>"
	"<div class=\"logo\">HEADERTEXT</div><nav><ul><li><a href=\"/\">NAVTEXT Accueil</a></li></ul></nav></header>\n"
	"<div id=\"tarteaucitronRoot\"><p>Ce site utilise des COOKIETEXT.</p><button>Accepter</button></div>\n"
	"<nav class=\"breadcrumb\">Accueil &gt; BREADCRUMBTEXT</nav>\n"
	"<main><article><header><h1>Les aides à l’apprentissage</h1><p>Publié le 2 mai 2024</p></header>\n"
	"<p>Le nombre de contrats   d'apprentissage\n   a <b>triplé</b> en Occitanie.</p>\n"
	"<ul><li>Premier point</li><li>Second<br>sur deux lignes</li></ul>\n"
	"<table><tr><td>Année</td><td>Contrats</td></tr><tr><td>2022</td><td>73&nbsp;700</td></tr></table>\n"
	"<form action=\"/newsletter\"><label>FORMTEXT e-mail</label><input value=\"x\"></form>\n"
	"<footer><p>Article rédigé par la CMA Occitanie</p></footer></article>\n"
	"<aside>ASIDETEXT à lire aussi</aside></main>\n"
	"<footer>FOOTERTEXT Mentions légales</footer>\n"
	"<noscript>NOSCRIPTTEXT</noscript><template>TEMPLATETEXT</template>\n"
	"<div hidden>HIDDENTEXT</div><div style=\"display: none\">DISPLAYNONETEXT</div>\n"
	"<div role=\"dialog\">DIALOGTEXT</div><svg><title>SVGTEXT</title><text>SVGTEXT</text></svg>\n"
	"</body></html>\n";

static void test_html_fields(void **state)
{
	struct extracted x;

	(void)state;
	runs(&x, "communiques/aides.html", page_html);
	assert_int_equal(x.rc, 0);
	check_wellformed(&x.doc);
	assert_string_equal(x.doc.id, "communiques/aides.html");
	assert_string_equal(x.doc.title, "Aides à l'apprentissage");
	assert_string_equal(x.doc.date, "2024-05-02");
	assert_string_equal(x.doc.type, "communique");
	assert_string_equal(x.doc.department, "31");
	assert_string_equal(x.doc.url, "https://www.cma-occitanie.fr/aides");
	assert_int_equal(x.doc.n_tags, 3);
	assert_string_equal(x.doc.tags[0], "apprentissage");
	assert_string_equal(x.doc.tags[1], "aides");
	assert_string_equal(x.doc.tags[2], "emploi");
	assert_string_equal(warnings_of(&x), "");
	done(&x);
}

static void test_html_chrome_dropped(void **state)
{
	static const char *absent[] = {
		"STYLETEXT", "SCRIPTTEXT", "HEADERTEXT", "NAVTEXT", "COOKIETEXT", "Accepter",
		"BREADCRUMBTEXT", "FORMTEXT", "ASIDETEXT", "FOOTERTEXT", "NOSCRIPTTEXT",
		"TEMPLATETEXT", "HIDDENTEXT", "DISPLAYNONETEXT", "DIALOGTEXT", "SVGTEXT",
		"Aller au contenu", "Aides à l'apprentissage" /* the <title> is not body text */,
	};
	struct extracted x;
	size_t i;

	(void)state;
	runs(&x, "communiques/aides.html", page_html);
	assert_int_equal(x.rc, 0);
	for (i = 0; i < sizeof(absent) / sizeof(absent[0]); i++)
		if (strstr(x.doc.body, absent[i]))
			fail_msg("'%s' is in the body:\n%s", absent[i], x.doc.body);
	/* The content, with its paragraphs, in order; the article's own header and footer kept. */
	assert_string_equal(x.doc.body,
			    "Les aides à l’apprentissage\n\n"
			    "Publié le 2 mai 2024\n\n"
			    "Le nombre de contrats d'apprentissage a triplé en Occitanie.\n\n"
			    "Premier point\n\n"
			    "Second\nsur deux lignes\n\n"
			    "Année Contrats\n2022 73\xC2\xA0" "700\n\n"
			    "Article rédigé par la CMA Occitanie");
	done(&x);
}

static void test_html_title_fallbacks(void **state)
{
	struct extracted x;

	(void)state;
	/* no <title>: the first <h1>, even after an <h2> */
	runs(&x, "guides/g.html", "<html><body><h2>Sous-titre</h2><p>Texte.</p><h1>Le  vrai\ntitre</h1></body></html>");
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.title, "Le vrai titre");
	assert_string_equal(x.doc.type, "guide");
	assert_null(x.doc.date);
	assert_null(x.doc.department);
	assert_int_equal(x.doc.n_tags, 0);
	done(&x);

	/* an empty <title>: the heading; no <h1>: the first heading of any level */
	runs(&x, "guides/g.html", "<title> </title><p>Texte.</p><h3>Troisième</h3><h2>Deuxième</h2>");
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.title, "Deuxième");
	done(&x);

	/* a heading inside the page chrome is not the title */
	runs(&x, "guides/sub/g.htm", "<nav><h1>Menu</h1></nav><p>Texte seul.</p>");
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.title, "g.htm");
	assert_string_equal(x.doc.type, "guide");
	assert_string_equal(x.doc.body, "Texte seul.");
	done(&x);

	/* at the corpus root: no folder, no type */
	runs(&x, "page.html", "<p>Texte</p>");
	assert_int_equal(x.rc, 0);
	assert_null(x.doc.type);
	assert_string_equal(x.doc.title, "page.html");
	done(&x);
}

static void test_html_bad_meta_date(void **state)
{
	struct extracted x;

	(void)state;
	runs(&x, "communiques/c.html", "<meta name=\"date\" content=\"bientôt\"><p>Texte</p>");
	assert_int_equal(x.rc, 0);
	assert_null(x.doc.date);
	assert_non_null(strstr(warnings_of(&x), "communiques/c.html: "));
	assert_non_null(strstr(warnings_of(&x), "bientôt"));
	done(&x);
}

/* n times `piece`, then `tail`, extracted as `id`. */
static void run_repeated(struct extracted *x, const char *id, const char *head, const char *piece, int n,
			 const char *tail)
{
	struct buf b = BUF_INIT;
	int i;

	buf_addstr(&b, head);
	for (i = 0; i < n; i++)
		buf_addstr(&b, piece);
	buf_addstr(&b, tail);
	assert_int_equal(b.err, 0);
	run(x, id, b.ptr, b.len);
	buf_release(&b);
}

static void test_html_deep_nesting(void **state)
{
	struct extracted x;
	clock_t t0;

	(void)state;
	/* 4 096 levels are parsed (and walked without recursion) */
	run_repeated(&x, "x.html", "", "<div><span>", 2048, "profond");
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.body, "profond");
	done(&x);

	/* one more is refused, named, before gumbo spends time on it: 100 000 levels took
	 * gumbo 0.10 36 s */
	run_repeated(&x, "guides/profond.html", "", "<div>", 4097, "profond");
	assert_int_equal(x.rc, AS_EFORMAT);
	assert_non_null(strstr(x.message, "guides/profond.html: HTML nested more than 4096 elements deep"));
	done(&x);
	t0 = clock();
	run_repeated(&x, "guides/profond.html", "<title>T</title>", "<div>", 100000, "profond");
	assert_int_equal(x.rc, AS_EFORMAT);
	assert_true(clock() - t0 < CLOCKS_PER_SEC);
	done(&x);
	/* an HTML `<div/>` is an open <div> (the slash is ignored), and in Markdown too */
	run_repeated(&x, "x.html", "", "<div/>", 5000, "x");
	assert_int_equal(x.rc, AS_EFORMAT);
	done(&x);
	run_repeated(&x, "guides/profond.md", "# Titre\n\n<div>\n", "<div>", 5000, "\n</div>\n\nTexte.\n");
	assert_int_equal(x.rc, AS_EFORMAT);
	assert_non_null(strstr(x.message, "guides/profond.md: HTML nested more than"));
	done(&x);

	/* what does not nest is not counted: void elements, elements a sibling closes, an
	 * SVG's self-closed shapes, tags in a script or a comment */
	run_repeated(&x, "x.html", "<p>début", "<br><img src=x><p>a<li>b<td>c<hr/>", 6000, "fin");
	assert_int_equal(x.rc, 0);
	done(&x);
	run_repeated(&x, "x.html", "<svg>", "<path d=\"M0 0\"/><circle r=\"1\" />", 6000, "</svg><p>fin</p>");
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.body, "fin");
	done(&x);
	run_repeated(&x, "x.html", "<p>fin</p><script>", "s += '<div>';", 6000, "</SCRIPT ><!--");
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.body, "fin");
	done(&x);
	run_repeated(&x, "x.html", "<p>fin</p><!--", "<div>", 6000, "-->");
	assert_int_equal(x.rc, 0);
	done(&x);
	run_repeated(&x, "x.html", "<p>fin</p>", "<div>x</div>", 20000, "");
	assert_int_equal(x.rc, 0);
	done(&x);
}

/* ---- Markdown ---- */

static const char note_md[] =
	"---\n"
	"title: \"Guide de la micro-entreprise\"\n"
	"date: 2024-03-15\n"
	"type: guide\n"
	"department: 31\n"
	"url: https://www.cma.fr/micro\n"
	"tags: [micro-entreprise, création, \"statut, régime\"]\n"
	"---\n"
	"# Créer sa micro-entreprise\n"
	"\n"
	"Lancez `artisearch --index data` pour **chercher**\n"
	"dans l'index.\n"
	"\n"
	"<script>\n"
	"alert(\"SCRIPTBLOCK\");\n"
	"</script>\n"
	"\n"
	"<style>.x { color: STYLEBLOCK }</style>\n"
	"\n"
	"Texte avec <span>du <b>HTML</b></span> et <script>var y = 'SCRIPTINLINE';</script> la suite.\n"
	"\n"
	"```sh\n"
	"make test\n"
	"bin/artisearch-index corpus\n"
	"```\n"
	"\n"
	"<div class=\"encadre\">\n"
	"Un encadré &eacute;crit en HTML.\n"
	"<aside>Un aparté.</aside><span hidden>HIDDENTEXT</span>\n"
	"</div>\n"
	"\n"
	"![IMAGEALT un logo](logo.png)\n"
	"\n"
	"- premier\n"
	"- second  \n"
	"  à la ligne\n"
	"\n"
	"> Une citation.\n";

static void test_markdown(void **state)
{
	struct extracted x;

	(void)state;
	runs(&x, "guides/micro.md", note_md);
	assert_int_equal(x.rc, 0);
	check_wellformed(&x.doc);
	assert_string_equal(x.doc.title, "Guide de la micro-entreprise");
	assert_string_equal(x.doc.date, "2024-03-15");
	assert_string_equal(x.doc.type, "guide");
	assert_string_equal(x.doc.department, "31");
	assert_string_equal(x.doc.url, "https://www.cma.fr/micro");
	assert_int_equal(x.doc.n_tags, 3);
	assert_string_equal(x.doc.tags[0], "micro-entreprise");
	assert_string_equal(x.doc.tags[1], "création");
	assert_string_equal(x.doc.tags[2], "statut, régime"); /* a list item is one tag */
	assert_string_equal(warnings_of(&x), "");
	assert_string_equal(x.doc.body,
			    "Créer sa micro-entreprise\n\n"
			    "Lancez artisearch --index data pour chercher dans l'index.\n\n"
			    "Texte avec du HTML et la suite.\n\n"
			    "make test\nbin/artisearch-index corpus\n\n"
			    "Un encadré écrit en HTML. Un aparté.\n\n" /* chrome on a page, content here */
			    "IMAGEALT un logo\n\n" /* an image's alt text: what it shows */
			    "premier\n\n"
			    "second\nà la ligne\n\n"
			    "Une citation.");
	done(&x);
}

static void test_markdown_fallbacks(void **state)
{
	struct extracted x;

	(void)state;
	/* no front matter: the first heading, the folder's type */
	runs(&x, "conventions/2023/c.md", "Intro.\n\n## Sous-partie\n\n# Convention *cadre* 2023\n\nTexte.\n");
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.title, "Convention cadre 2023");
	assert_string_equal(x.doc.type, "convention");
	assert_null(x.doc.date);
	done(&x);

	/* tags as one comma string; a front matter type wins over the folder */
	runs(&x, "communiques/c.md", "---\ntags: apprentissage, CFA ,formation\ntype: agenda\n---\nTexte.\n");
	assert_int_equal(x.rc, 0);
	assert_int_equal(x.doc.n_tags, 3);
	assert_string_equal(x.doc.tags[1], "CFA");
	assert_string_equal(x.doc.type, "agenda");
	assert_string_equal(x.doc.title, "c.md");
	assert_string_equal(x.doc.body, "Texte.");
	done(&x);

	/* `---` without a closing fence is a thematic break, not front matter: read as text,
	 * and said when a field line follows it (front matter meant); a plain rule is not */
	runs(&x, "c.md", "---\ntitle: pas un titre\n");
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.body, "title: pas un titre");
	assert_non_null(strstr(warnings_of(&x), "c.md: front matter has no closing `---` line"));
	done(&x);
	runs(&x, "c.md", "---\nUn texte après un trait.\n");
	assert_int_equal(x.rc, 0);
	assert_string_equal(warnings_of(&x), "");
	done(&x);

	/* Windows line ends */
	runs(&x, "c.md", "---\r\ntitle: Titre CRLF\r\n---\r\nCorps\r\nsuite\r\n");
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.title, "Titre CRLF");
	assert_string_equal(x.doc.body, "Corps suite");
	done(&x);
}

static void test_markdown_bad_front_matter(void **state)
{
	struct extracted x;

	(void)state;
	/* not YAML: read line by line, and said */
	runs(&x, "guides/bad.md", "---\ntitle: [non fermé\ndate: 2024-01-01\ntags:\n  - un\n  - \"deux\"\n---\n# Titre\n\nTexte.\n");
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.title, "[non fermé");
	assert_string_equal(x.doc.date, "2024-01-01");
	assert_int_equal(x.doc.n_tags, 2);
	assert_string_equal(x.doc.tags[1], "deux");
	assert_non_null(strstr(warnings_of(&x), "guides/bad.md: front matter is not valid YAML"));
	done(&x);

	runs(&x, "guides/bad.md", "---\nTitle: Majuscule\ndate: 2024-02-31\n---\nTexte.\n");
	assert_int_equal(x.rc, 0);
	assert_null(x.doc.date);
	assert_string_equal(x.doc.title, "bad.md");
	assert_non_null(strstr(warnings_of(&x), "`Title` ignored"));
	assert_non_null(strstr(warnings_of(&x), "\"2024-02-31\" is not a date"));
	done(&x);

	runs(&x, "guides/bad.md", "---\n- une\n- liste\n---\nTexte.\n");
	assert_int_equal(x.rc, 0);
	assert_non_null(strstr(warnings_of(&x), "not a list of `key: value`"));
	done(&x);

	/* Nested past any field's need (libyaml's time grows with the square of the depth):
	 * read as lines, and said. */
	char deep[400];
	snprintf(deep, sizeof(deep), "---\ndate: 2024-03-01\ntags: %.*s\n---\nTexte.\n", 65,
		 "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[");
	runs(&x, "guides/bad.md", deep);
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.date, "2024-03-01");
	assert_non_null(strstr(warnings_of(&x), "guides/bad.md: front matter nests [ and { more than 64 deep"));
	done(&x);
}

/* ---- plain text, encodings ---- */

static void test_text(void **state)
{
	struct extracted x;

	(void)state;
	runs(&x, "communiques/c.txt", "\n\n   COMMUNIQUÉ DE PRESSE  \nToulouse, le 2 mai 2024\n"
				      "Deux lignes\nd'un paragraphe.\n \t\nUn autre.\n");
	assert_int_equal(x.rc, 0);
	check_wellformed(&x.doc);
	assert_string_equal(x.doc.title, "COMMUNIQUÉ DE PRESSE");
	assert_string_equal(x.doc.type, "communique");
	assert_null(x.doc.date); /* never guessed from the text or the mtime */
	assert_string_equal(x.doc.body, "COMMUNIQUÉ DE PRESSE\n\nToulouse, le 2 mai 2024 Deux lignes "
					"d'un paragraphe.\n\nUn autre.");
	done(&x);
}

static void test_windows_1252(void **state)
{
	struct extracted x;

	(void)state;
	/* "Titre été" / "Le café coûte 3 €, « dit-il » – fin" in Windows-1252 */
	runs(&x, "guides/ancien.txt", "Titre \xE9t\xE9\r\n\r\nLe caf\xE9 co\xFBte 3 \x80, \xAB dit-il \xBB \x96 fin\x81.\r\n");
	assert_int_equal(x.rc, 0);
	check_wellformed(&x.doc);
	assert_string_equal(x.doc.title, "Titre été");
	assert_string_equal(x.doc.body, "Titre été\n\nLe café coûte 3 €, « dit-il » – fin .");
	assert_non_null(strstr(warnings_of(&x), "guides/ancien.txt: not valid UTF-8"));
	assert_non_null(strstr(warnings_of(&x), "Windows-1252"));
	done(&x);

	/* the same in HTML and Markdown */
	runs(&x, "a.html", "<title>Caf\xE9</title><p>cr\xE8me br\xFBl\xE9" "e</p>");
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.title, "Café");
	assert_string_equal(x.doc.body, "crème brûlée");
	assert_non_null(strstr(warnings_of(&x), "a.html: not valid UTF-8"));
	done(&x);

	runs(&x, "a.md", "---\ntitle: \xC9t\xE9\n---\n*march\xE9*\n");
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.title, "Été");
	assert_string_equal(x.doc.body, "marché");
	done(&x);

	/* valid UTF-8 with a byte-order mark: no warning, no BOM in the text */
	runs(&x, "a.txt", "\xEF\xBB\xBFPremière ligne\n");
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.title, "Première ligne");
	assert_string_equal(warnings_of(&x), "");
	done(&x);
}

static void test_html_aside(void **state)
{
	struct extracted x;

	(void)state;
	/* an aside in an article is its callout box; one beside the article, a sidebar */
	runs(&x, "guides/g.html",
	     "<body><nav>Menu</nav><main><article><h1>Titre</h1><p>Texte.</p>"
	     "<aside class=\"encadre\"><p>ENCADRE à retenir</p></aside>"
	     "<section><aside>SECTIONASIDE</aside></section>"
	     "<aside role=\"complementary\">ROLEASIDE</aside>"
	     "<aside class=\"share\">Partager</aside></article>"
	     "<aside>SIDEBAR à lire aussi</aside></main><aside>BODYASIDE</aside></body>");
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.body, "Titre\n\nTexte.\n\nENCADRE à retenir\n\nSECTIONASIDE");
	done(&x);
}

/* A table as GitHub writes one is read as its cells, not as pipes and dashes. */
static void test_markdown_table(void **state)
{
	struct extracted x;

	(void)state;
	runs(&x, "guides/aides.md",
	     "# Aides\n\nLes aides :\n\n| Dispositif | Montant |\n|---|:---:|\n| CEE | 500 € |\n"
	     "| *MaPrimeRénov'* | 10 000 € |\n\nUn texte | avec un pipe.\n");
	assert_int_equal(x.rc, 0);
	assert_non_null(strstr(x.doc.body, "Dispositif Montant\nCEE 500 €\nMaPrimeRénov' 10 000 €"));
	assert_null(strstr(x.doc.body, "---"));
	assert_non_null(strstr(x.doc.body, "Un texte | avec un pipe.")); /* no table: as written */
	done(&x);
}

static void test_markdown_alt_and_footnotes(void **state)
{
	struct extracted x;

	(void)state;
	/* alt text inline, apart from the words around it */
	runs(&x, "guides/a.md", "Voir![Atelier de poterie](x.jpg)ici et ![](vide.png).\n");
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.body, "Voir Atelier de poterie ici et .");
	done(&x);

	/* footnote definitions (not CommonMark: cmark reads them as link references) are
	 * text; in a code block or an HTML block they are text as they were; a link
	 * reference definition stays invisible */
	runs(&x, "guides/n.md",
	     "# Notes\n\nTexte[^1] et suite[^note].\n\n"
	     "[^1]: Kangourou\n"
	     "[^note]: <https://x.fr> \"Rapport *koala*\"\n"
	     "  [^3]:   Voir [le site](https://cma.fr).\n"
	     "Suite.\n\n"
	     "[lien]: https://cma.fr \"LIENTITRE\"\n\n"
	     "```\n[^4]: okapi\n```\n\n"
	     "<div>\n[^5]: lémurien\n</div>\n\n"
	     "    [^6]: indenté\n");
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.body,
			    "Notes\n\nTexte[^1] et suite[^note].\n\n"
			    "[^1]: Kangourou [^note]: https://x.fr \"Rapport koala\" [^3]: Voir le site. Suite.\n\n"
			    "[^4]: okapi\n\n"
			    "[^5]: lémurien\n\n"
			    "[^6]: indenté");
	done(&x);

	/* with front matter and Windows line ends, lines still counted as cmark counts them */
	runs(&x, "guides/n.md", "---\r\ntitle: T\r\n---\r\n```\r\n[^1]: code\r\n```\r\n\r\n[^2]: Wombat\r\n");
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.body, "[^1]: code\n\n[^2]: Wombat");
	done(&x);
}

static void test_title_without_body(void **state)
{
	struct buf pdf;
	struct extracted x;

	(void)state;
	/* front matter alone: indexed by its title, with an empty body */
	runs(&x, "communiques/jpo.md", "---\ntitle: Journée portes ouvertes\ndate: 2024-05-01\n---\n");
	assert_int_equal(x.rc, 0);
	check_wellformed(&x.doc);
	assert_string_equal(x.doc.title, "Journée portes ouvertes");
	assert_string_equal(x.doc.date, "2024-05-01");
	assert_string_equal(x.doc.type, "communique");
	assert_string_equal(x.doc.body, "");
	assert_int_equal(x.doc.body_len, 0);
	assert_string_equal(warnings_of(&x), "");
	done(&x);

	/* tags alone: the title is the file name, the tags the text */
	runs(&x, "guides/t.md", "---\ntags: [apprentissage]\n---\n\n");
	assert_int_equal(x.rc, 0);
	check_wellformed(&x.doc);
	assert_string_equal(x.doc.title, "t.md");
	assert_int_equal(x.doc.n_tags, 1);
	done(&x);

	/* HTML: a <title> and an empty <body>; keywords alone */
	runs(&x, "guides/e.html", "<html><head><title>Calendrier 2025</title></head><body> </body></html>");
	assert_int_equal(x.rc, 0);
	check_wellformed(&x.doc);
	assert_string_equal(x.doc.title, "Calendrier 2025");
	assert_int_equal(x.doc.body_len, 0);
	done(&x);
	runs(&x, "guides/k.html", "<meta name=\"keywords\" content=\"CFA\"><nav>menu</nav>");
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.tags[0], "CFA");
	done(&x);

	/* a PDF with a Title but no text layer: indexed, and the likely scan said */
	make_pdf(&pdf, "Affiche portes ouvertes", NULL, "", NULL, 0);
	run(&x, "guides/affiche.pdf", pdf.ptr, pdf.len);
	assert_int_equal(x.rc, 0);
	check_wellformed(&x.doc);
	assert_string_equal(x.doc.title, "Affiche portes ouvertes");
	assert_non_null(strstr(warnings_of(&x), "guides/affiche.pdf: no text in the pages"));
	done(&x);
	buf_release(&pdf);
}

static void test_types(void **state)
{
	static const struct {
		const char *id, *text, *type;
	} cases[] = {
		{ "guides/a.md", "---\ntype: Guide\n---\nTexte.\n", "guide" },
		{ "guides/a.md", "---\ntype: guides\n---\nTexte.\n", "guide" },
		{ "guides/a.md", "---\ntype: GUIDES\n---\nTexte.\n", "guide" },
		{ "guides/a.md", "---\ntype: Communiqué\n---\nTexte.\n", "communique" },
		{ "guides/a.md", "---\ntype: \"Communiqués \"\n---\nTexte.\n", "communique" },
		{ "guides/a.md", "---\ntype: Conventions\n---\nTexte.\n", "convention" },
		{ "guides/a.md", "---\ntype: Appel à projets\n---\nTexte.\n", "appel-a-projet" },
		{ "guides/a.md", "---\ntype: Divers\n---\nTexte.\n", "divers" },
		{ "guides/a.md", "---\ntype: agendas\n---\nTexte.\n", "agenda" },
		{ "guides/a.md", "---\ntype: \"!!\"\n---\nTexte.\n", "guide" }, /* no word: the folder */
		{ "Communiqués/2024/c.txt", "Texte.\n", "communique" },
		{ "COMMUNIQUES/c.txt", "Texte.\n", "communique" },
		{ "Guides pratiques/c.txt", "Texte.\n", "guide-pratique" },
		{ "divers/c.txt", "Texte.\n", "divers" },
		{ "actualites/c.txt", "Texte.\n", "actualite" }, /* a folder's name, made singular */
		{ "Événements/c.md", "Texte.\n", "evenement" },
		{ "guides/c.html", "<meta name=\"type\" content=\"Convention\"><p>Texte.</p>", "convention" },
	};
	struct extracted x;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		runs(&x, cases[i].id, cases[i].text);
		assert_int_equal(x.rc, 0);
		if (!x.doc.type || strcmp(x.doc.type, cases[i].type) != 0)
			fail_msg("%s: type '%s', expected '%s'", cases[i].text, x.doc.type ? x.doc.type : "(none)",
				 cases[i].type);
		done(&x);
	}
}

/* ---- refused inputs ---- */

static void expect_format_error(const char *id, const void *data, size_t len, const char *why)
{
	struct extracted x;

	run(&x, id, data, len);
	if (x.rc != AS_EFORMAT)
		fail_msg("%s: rc %d, expected AS_EFORMAT", id, x.rc);
	assert_non_null(strstr(x.message, id));
	if (!strstr(x.message, why))
		fail_msg("%s: message '%s' does not say '%s'", id, x.message, why);
	assert_null(x.doc.body);
	assert_null(x.doc.title);
	assert_null(x.doc.id);
	done(&x);
}

static void test_refused(void **state)
{
	static const char elf[] = "\x7F" "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0";

	(void)state;
	expect_format_error("guides/vide.md", "", 0, "empty file");
	expect_format_error("guides/blancs.txt", " \n\t\n  \n", 7, "no text");
	expect_format_error("guides/seulement-fm.md", "---\ndate: 2024-01-02\n---\n", 25, "no text");
	expect_format_error("guides/vide.html", "<title> </title><body>\n</body>", 30, "no text");
	expect_format_error("guides/script.html", "<script>x()</script><nav>menu</nav>", 35, "no text");
	expect_format_error("guides/programme.txt", elf, sizeof(elf) - 1, "binary");
	expect_format_error("guides/image.md", "abc\0def", 7, "NUL byte at offset 3");
	expect_format_error("guides/page.html", "<p>\0</p>", 8, "binary");
	expect_format_error("guides/utf16.txt", "\xFF\xFEH\0i\0", 6, "UTF-16");
}

static void test_pdf(void **state)
{
	struct buf pdf;
	struct extracted x;

	(void)state;
	make_pdf(&pdf, "Guide de l'apprenti (\\351dition 2024)", "D:20240502103000+02'00'",
		 "(Le contrat d'apprentissage) Tj T* (est un contrat de travail sp\\351cifique, une exem-) Tj "
		 "T* (ple de formation en alternance.) Tj T* (Fin.) Tj",
		 "(Seconde page : les aides.) Tj", 0);
	run(&x, "guides/apprenti.pdf", pdf.ptr, pdf.len);
	if (x.rc)
		fail_msg("%s", x.message);
	check_wellformed(&x.doc);
	assert_string_equal(x.doc.title, "Guide de l'apprenti (édition 2024)");
	assert_string_equal(x.doc.date, "2024-05-02");
	assert_string_equal(x.doc.type, "guide");
	assert_non_null(strstr(x.doc.body, "Le contrat d'apprentissage est un contrat de travail spécifique"));
	assert_non_null(strstr(x.doc.body, "exem-ple de formation")); /* joined, hyphen kept */
	assert_non_null(strstr(x.doc.body, "Seconde page : les aides."));
	assert_non_null(strstr(x.doc.body, "\n\nSeconde page")); /* pages are paragraphs */
	assert_string_equal(warnings_of(&x), "");
	done(&x);
	buf_release(&pdf);

	/* no Title, a word processor's file name as Title: the first line */
	make_pdf(&pdf, "Microsoft Word - note.docx", NULL, "(Note d'information) Tj T* (Texte.) Tj", NULL, 0);
	run(&x, "notes/n.pdf", pdf.ptr, pdf.len);
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.title, "Note d'information");
	assert_null(x.doc.date);
	assert_string_equal(x.doc.type, "note"); /* the folder's name, made singular */
	done(&x);
	buf_release(&pdf);

	/* A heading that wraps is the title whole; a soft hyphen (U+00AD, WinAnsi 255 octal
	 * 255) where a word processor broke a word is dropped and the halves joined. */
	shy_to_unicode = 1;
	make_pdf(&pdf, NULL, NULL,
		 "(Convention de partenariat entre) Tj T* (l'URSSAF et la CMA du Tarn) Tj T* "
		 "(Les artisans peuvent en b\351n\351\255) Tj T* (ficier d\350s janvier, avec un \351ch\351\255) Tj "
		 "T* (ancier adapt\351.) Tj",
		 NULL, 0);
	shy_to_unicode = 0;
	run(&x, "conventions/urssaf.pdf", pdf.ptr, pdf.len);
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.title, "Convention de partenariat entre l'URSSAF et la CMA du Tarn");
	assert_non_null(strstr(x.doc.body, "en bénéficier dès janvier"));
	assert_non_null(strstr(x.doc.body, "un échéancier adapté"));
	assert_null(strstr(x.doc.body, "\xC2\xAD"));
	done(&x);
	buf_release(&pdf);
}

static size_t count_of(const char *hay, const char *needle)
{
	size_t n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

/* A head and a foot on every page (the document's name, the page number): kept on the
 * first page, dropped from the others; a line that merely recurs in a page's middle, or
 * on two pages only, stays. */
static void test_pdf_running_lines(void **state)
{
	static const char *const pages[] = {
		"(CMA Occitanie - Guide de l'apprenti 2025) Tj T* (Le contrat d'apprentissage.) Tj T* "
		"(Voir l'annexe.) Tj T* (Premier chapitre sur l'embauche.) Tj T* (Page 1 / 4) Tj",
		"(CMA Occitanie - Guide de l'apprenti 2025) Tj T* (La p\351riode d'essai dure 45 jours.) Tj T* "
		"(Voir l'annexe.) Tj T* (Deuxi\350me chapitre sur la r\351mun\351ration.) Tj T* (Page 2 / 4) Tj",
		"(CMA Occitanie - Guide de l'apprenti 2025) Tj T* (Le ma\356tre d'apprentissage.) Tj T* "
		"(Voir l'annexe.) Tj T* (Troisi\350me chapitre sur la formation.) Tj T* (Page 3 / 4) Tj",
		"(CMA Occitanie - Guide de l'apprenti 2025) Tj T* (La rupture du contrat.) Tj T* "
		"(Voir l'annexe.) Tj T* (Quatri\350me chapitre, la fin.) Tj T* (Page 4 / 4) Tj",
	};
	struct buf pdf;
	struct extracted x;

	(void)state;
	make_pdf_pages(&pdf, pages, 4);
	run(&x, "guides/apprenti.pdf", pdf.ptr, pdf.len);
	if (x.rc)
		fail_msg("%s", x.message);
	check_wellformed(&x.doc);
	assert_string_equal(x.doc.title, "CMA Occitanie - Guide de l'apprenti 2025");
	assert_int_equal(count_of(x.doc.body, "Guide de l'apprenti 2025"), 1);
	assert_int_equal(count_of(x.doc.body, "Page "), 1);
	assert_non_null(strstr(x.doc.body, "Page 1 / 4"));
	assert_int_equal(count_of(x.doc.body, "Voir l'annexe."), 4); /* not at a page's edge */
	assert_non_null(strstr(x.doc.body, "La période d'essai dure 45 jours."));
	assert_non_null(strstr(x.doc.body, "Quatrième chapitre, la fin."));
	done(&x);
	buf_release(&pdf);

	/* Two pages: too few to tell a running line from a repeated one. */
	make_pdf_pages(&pdf, pages, 2);
	run(&x, "guides/apprenti.pdf", pdf.ptr, pdf.len);
	assert_int_equal(x.rc, 0);
	assert_int_equal(count_of(x.doc.body, "Guide de l'apprenti 2025"), 2);
	assert_int_equal(count_of(x.doc.body, "Page "), 2);
	done(&x);
	buf_release(&pdf);
}

static void test_pdf_refused(void **state)
{
	struct buf pdf;
	size_t cut;

	(void)state;
	make_pdf(&pdf, "Secret", NULL, "(Texte chiffr\\351) Tj", NULL, 1);
	expect_format_error("guides/chiffre.pdf", pdf.ptr, pdf.len, "encrypted PDF");
	buf_release(&pdf);

	expect_format_error("guides/faux.pdf", "%PDF-1.4\nceci n'est pas un PDF\n", 32, "corrupt PDF");
	expect_format_error("guides/texte.pdf", "Bonjour, je suis du texte.\n", 27, "not a PDF");
	expect_format_error("guides/zip.pdf", "PK\x03\x04\x14\0\0\0", 8, "not a PDF");

	/* a PDF without any text (what a scanner produces, minus the image) */
	make_pdf(&pdf, NULL, NULL, "", NULL, 0);
	expect_format_error("guides/scan.pdf", pdf.ptr, pdf.len, "no text");
	buf_release(&pdf);

	/* every truncation of a valid PDF: refused or read, never a crash */
	make_pdf(&pdf, "T", "D:2024", "(Un texte) Tj", NULL, 0);
	for (cut = 0; cut < pdf.len; cut += 7) {
		struct extracted x;
		run(&x, "t.pdf", pdf.ptr, cut);
		assert_true(x.rc == 0 || x.rc == AS_EFORMAT);
		if (x.rc == 0)
			check_wellformed(&x.doc);
		done(&x);
	}
	buf_release(&pdf);
}

/* ---- garbage and allocation failures ---- */

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rng(void)
{
	/* xorshift64*, fixed seed: the same inputs every run */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1Dull;
}

static void test_garbage(void **state)
{
	static const char *ids[] = { "g/x.html", "g/x.md", "g/x.txt", "g/x.pdf" };
	static const char *pieces[] = {
		"<", ">", "</", "<script>", "</script>", "<p>", "<nav>", "</nav>", "---\n", "\n", "# ",
		"`", "```", "&amp;", "&#x", "<!--", "-->", "\xE9", "\xC3\xA9", "\xF0\x9F", " ",
		"title: ", "[", "]", "*", "%PDF-1.4\n", "obj", "<<", ">>", "stream\n", "\r", "é",
		"<![CDATA[", "<svg>", "<title>", "<meta name=date content=", "\"", "---", "- ",
		"[^1]: ", "[^", "]:", "![", "](x.png)", "<article>", "<aside>", "    ", "type: ",
	};
	char data[600];
	size_t i, len, k;

	(void)state;
	for (i = 0; i < 1500; i++) {
		struct extracted x;
		len = 0;
		if (i % 3 == 0) {
			len = rng() % sizeof(data);
			for (k = 0; k < len; k++)
				data[k] = (char)(rng() % 255 + 1); /* no NUL: reach the parsers */
		} else {
			while (len < sizeof(data) - 40) {
				const char *p = pieces[rng() % (sizeof(pieces) / sizeof(pieces[0]))];
				if (rng() % 12 == 0)
					break;
				memcpy(data + len, p, strlen(p));
				len += strlen(p);
				if (rng() % 3 == 0)
					data[len++] = (char)('a' + rng() % 26);
			}
		}
		run(&x, ids[i % 4], data, len);
		assert_true(x.rc == 0 || x.rc == AS_EFORMAT);
		if (x.rc == 0)
			check_wellformed(&x.doc);
		else
			assert_non_null(strstr(x.message, ids[i % 4]));
		done(&x);
	}
}

static void test_alloc_failures(void **state)
{
	static const struct {
		const char *id, *text;
	} inputs[] = {
		{ "guides/micro.md", note_md },
		{ "communiques/aides.html", page_html },
		{ "guides/ancien.txt", "Titre \xE9t\xE9\n\nLe caf\xE9.\n" },
		{ "Communiqués/fn.md", "---\ntitle: T\ntype: Guides\n---\nTexte[^1].\n\n[^1]: Note.\n" },
		{ "guides/titre.md", "---\ntitle: Rien que le titre\n---\n" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
		struct extracted x;
		long n, total;

		as_mem_fail_reset();
		runs(&x, inputs[i].id, inputs[i].text);
		total = as_mem_n_allocs();
		assert_int_equal(x.rc, 0);
		done(&x);
		for (n = 0; n < total; n++) {
			as_mem_fail_reset();
			as_mem_fail_after(n);
			runs(&x, inputs[i].id, inputs[i].text);
			as_mem_fail_reset();
			if (x.rc != 0 && x.rc != AS_ENOMEM)
				fail_msg("%s: allocation %ld failing gave %d", inputs[i].id, n, x.rc);
			if (x.rc == AS_ENOMEM) {
				assert_null(x.doc.body);
				assert_null(x.doc.id);
			}
			done(&x);
		}
	}
}

/* ---- the real corpus ---- */

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		p = malloc((size_t)n + 1);
		if (p && fread(p, 1, (size_t)n, f) != (size_t)n) {
			free(p);
			p = NULL;
		}
		*len = (size_t)n;
	}
	fclose(f);
	return p;
}

/* Corpus files that are broken on purpose (corpus/README and tests/integration/corpus_judgments.sh). */
static const char *corpus_refused[] = { "guides/plaquette-cfa-muret-tronquee.pdf" };

static int is_corpus_refused(const char *id)
{
	for (size_t i = 0; i < sizeof(corpus_refused) / sizeof(corpus_refused[0]); i++)
		if (strcmp(id, corpus_refused[i]) == 0)
			return 1;
	return 0;
}

/* Extracts corpus/ID; the corpus must be there (it ships with the project). */
static void run_corpus(struct extracted *x, const char *id)
{
	char path[1024];
	size_t len = 0;
	char *data;

	snprintf(path, sizeof(path), "corpus/%s", id);
	data = read_all(path, &len);
	if (!data)
		fail_msg("%s: cannot read (tests run from the project's root)", path);
	run(x, id, data, len);
	free(data);
}

/* Extracts every supported file under corpus/REL; returns how many. */
static int extract_tree(const char *rel, int *n_by_format)
{
	char path[1024];
	DIR *d;
	struct dirent *e;
	int n = 0;

	snprintf(path, sizeof(path), "corpus%s%s", *rel ? "/" : "", rel);
	d = opendir(path);
	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char id[1024], full[2048];
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		snprintf(id, sizeof(id), "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		snprintf(full, sizeof(full), "corpus/%s", id);
		if (stat(full, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			n += extract_tree(id, n_by_format);
		} else {
			struct extracted x;
			run_corpus(&x, id);
			if (extract_format_of(id) == EXTRACT_UNSUPPORTED) {
				assert_int_equal(x.rc, AS_EINVAL);
			} else if (is_corpus_refused(id)) {
				if (x.rc != AS_EFORMAT)
					fail_msg("corpus file %s, broken on purpose, was accepted", id);
			} else {
				if (x.rc != 0)
					fail_msg("corpus file %s refused: %s", id, x.message);
				check_wellformed(&x.doc);
				/* every corpus file is in a folder that gives it a type */
				assert_non_null(x.doc.type);
				n_by_format[extract_format_of(id)]++;
				n++;
			}
			done(&x);
		}
	}
	closedir(d);
	return n;
}

static void test_corpus_all(void **state)
{
	int by_format[EXTRACT_PDF + 1] = { 0 };

	(void)state;
	assert_true(extract_tree("", by_format) >= 30);
	/* each format is represented, so each is tested on real files */
	assert_true(by_format[EXTRACT_TEXT] > 0);
	assert_true(by_format[EXTRACT_MARKDOWN] > 0);
	assert_true(by_format[EXTRACT_HTML] > 0);
	assert_true(by_format[EXTRACT_PDF] > 0);
}

static void assert_absent(const char *body, const char *what)
{
	if (strstr(body, what))
		fail_msg("'%s' should not be in the body", what);
}

static void assert_present(const char *body, const char *what)
{
	if (!strstr(body, what))
		fail_msg("'%s' should be in the body", what);
}

static void test_corpus_html(void **state)
{
	struct extracted x;

	(void)state;
	run_corpus(&x, "communiques/2020/2020-06-02-reouverture-commerces-artisanaux-gard.html");
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.title, "Déconfinement : les commerces artisanaux du Gard rouvrent avec un kit sanitaire gratuit");
	assert_string_equal(x.doc.date, "2020-06-02");
	assert_string_equal(x.doc.type, "communique");
	assert_string_equal(x.doc.department, "30");
	assert_string_equal(x.doc.url, "https://www.artisanat-occitanie.fr/actualites/2020/reouverture-commerces-gard");
	assert_int_equal(x.doc.n_tags, 6);
	assert_string_equal(x.doc.tags[4], "Nîmes");
	assert_present(x.doc.body, "distribue 3\xC2\xA0" "000 kits sanitaires"); /* &nbsp; kept */
	assert_present(x.doc.body, "\n\nUn protocole par métier\n\n");
	assert_absent(x.doc.body, "Aller au contenu");      /* skip link */
	assert_absent(x.doc.body, "Rechercher");            /* search form */
	assert_absent(x.doc.body, "Menu principal");
	assert_absent(x.doc.body, "cookies");               /* consent banner */
	assert_absent(x.doc.body, "Accepter");
	assert_absent(x.doc.body, "gtag");                  /* script */
	assert_absent(x.doc.body, "position: fixed");       /* style */
	assert_absent(x.doc.body, "Mentions légales");      /* site footer */
	done(&x);

	run_corpus(&x, "guides/immatriculation-rne-siret-formalites.html");
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.type, "guide");
	assert_present(x.doc.body, "SIRET chaque établissement, 14 chiffres");
	assert_absent(x.doc.body, "En poursuivant votre navigation"); /* #bandeau-cookies */
	assert_absent(x.doc.body, "Espace pro");                      /* role=banner */
	assert_absent(x.doc.body, "Je recrute un apprenti");          /* nav */
	assert_absent(x.doc.body, "Dans cette rubrique");             /* aside */
	assert_absent(x.doc.body, "Partager");                        /* share buttons */
	assert_absent(x.doc.body, "CMA Ariège");                      /* footer */
	assert_absent(x.doc.body, "_paq");
	assert_absent(x.doc.body, "schema.org");                      /* JSON-LD script */
	done(&x);
}

static void test_corpus_markdown(void **state)
{
	struct extracted x;

	(void)state;
	/* code spans and code blocks are text; raw <script> and <style> are not */
	run_corpus(&x, "guides/widget-annuaire-code-et-html.md");
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.title, "Intégrer l'annuaire des artisans sur le site de votre commune");
	assert_string_equal(x.doc.date, "2024-02-06");
	assert_int_equal(x.doc.n_tags, 5);
	assert_present(x.doc.body, "par exemple 31069 pour Blagnac");
	assert_present(x.doc.body, "<script src=\"https://annuaire.artisanat-occitanie.fr/widget.js\" async></script>");
	assert_present(x.doc.body, "boulangerie,boucherie");
	assert_present(x.doc.body, "Boulangerie Fournier — 12 rue des Pyrénées, Blagnac");
	assert_absent(x.doc.body, "ZORGLUB");
	assert_absent(x.doc.body, "font-family");
	assert_absent(x.doc.body, "```");
	done(&x);

	/* "title: ... : 412 lauréats" is not YAML; its fields are still read */
	run_corpus(&x, "communiques/2019/2019-06-20-remise-diplomes-cap-montauban.md");
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.title, "Remise des diplômes au CFA de Montauban : 412 lauréats à l'honneur");
	assert_string_equal(x.doc.date, "2019-06-20");
	assert_string_equal(x.doc.department, "82");
	assert_int_equal(x.doc.n_tags, 4);
	assert_string_equal(x.doc.tags[3], "Tarn-et-Garonne");
	assert_non_null(strstr(warnings_of(&x), "front matter is not valid YAML"));
	done(&x);
}

static void test_corpus_text_and_pdf(void **state)
{
	struct extracted x;

	(void)state;
	run_corpus(&x, "communiques/2019/2019-11-22-salon-metiers-art-pezenas-win1252.txt");
	assert_int_equal(x.rc, 0);
	assert_non_null(strstr(x.doc.title, "Pézenas"));
	assert_string_equal(x.doc.type, "communique");
	assert_null(x.doc.date);
	assert_true(valid_utf8(x.doc.body, x.doc.body_len));
	assert_non_null(strstr(warnings_of(&x), "2019-11-22-salon-metiers-art-pezenas-win1252.txt: not valid UTF-8"));
	done(&x);

	run_corpus(&x, "conventions/2022-convention-ademe-transition-ecologique.pdf");
	assert_int_equal(x.rc, 0);
	assert_string_equal(x.doc.title, "Convention de partenariat ADEME – CMA Occitanie 2022-2024 pour la "
					 "transition écologique des entreprises artisanales");
	assert_string_equal(x.doc.date, "2022-03-15");
	assert_string_equal(x.doc.type, "convention");
	assert_present(x.doc.body, "\n\nPréambule\n\n");
	assert_present(x.doc.body, "Réaliser 1 500 diagnostics");
	done(&x);

	run_corpus(&x, "guides/plaquette-cfa-muret-tronquee.pdf");
	assert_int_equal(x.rc, AS_EFORMAT);
	assert_non_null(strstr(x.message, "guides/plaquette-cfa-muret-tronquee.pdf: corrupt PDF"));
	done(&x);

	run_corpus(&x, "guides/affiche-portes-ouvertes-cfa-2025.png");
	assert_int_equal(x.rc, AS_EINVAL);
	assert_non_null(strstr(x.message, "unsupported format (.png)"));
	done(&x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_of),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_dates),
		cmocka_unit_test(test_html_fields),
		cmocka_unit_test(test_html_chrome_dropped),
		cmocka_unit_test(test_html_title_fallbacks),
		cmocka_unit_test(test_html_bad_meta_date),
		cmocka_unit_test(test_html_deep_nesting),
		cmocka_unit_test(test_html_aside),
		cmocka_unit_test(test_markdown),
		cmocka_unit_test(test_markdown_fallbacks),
		cmocka_unit_test(test_markdown_bad_front_matter),
		cmocka_unit_test(test_markdown_alt_and_footnotes),
		cmocka_unit_test(test_markdown_table),
		cmocka_unit_test(test_title_without_body),
		cmocka_unit_test(test_types),
		cmocka_unit_test(test_text),
		cmocka_unit_test(test_windows_1252),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_pdf),
		cmocka_unit_test(test_pdf_running_lines),
		cmocka_unit_test(test_pdf_refused),
		cmocka_unit_test(test_garbage),
		cmocka_unit_test(test_alloc_failures),
		cmocka_unit_test(test_corpus_all),
		cmocka_unit_test(test_corpus_html),
		cmocka_unit_test(test_corpus_markdown),
		cmocka_unit_test(test_corpus_text_and_pdf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
