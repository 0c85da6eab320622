#ifndef AS_EXTRACT_H
#define AS_EXTRACT_H
/*
 * Document extraction: from the bytes of one corpus file to a `struct document`
 * (DESIGN.md "Documents"). The indexer's alone; the index never sees a file format.
 *
 *     struct document doc;
 *     struct buf warnings = BUF_INIT;
 *     rc = extract_document("guides/apprentissage.md", bytes, len, &doc, &warnings);
 *     if (rc < 0)  skip the file: as_error_message(rc) names it and says why
 *     warnings.ptr holds zero or more lines "ID: what was odd\n" to show the user
 *     document_clear(&doc);
 *
 * Formats, chosen by the file name's extension (case-insensitive):
 *   .html .htm  gumbo. Title = <title>, else the first <h1>. <meta name="date|type|
 *               department|url|keywords" content="...">, keywords giving the tags.
 *               Page chrome is dropped: script, style, nav, noscript, template,
 *               form, button, select, textarea, iframe, object, embed, canvas, audio,
 *               video, svg; header and footer unless inside article/main/section (they
 *               are then the article's own, as the HTML-AAM mapping of `banner` and
 *               `contentinfo` says); aside unless inside article/section (a sidebar
 *               is `complementary`, a callout box in an article is content, HTML-AAM
 *               too); hidden elements (hidden, aria-hidden, display:none);
 *               navigation, banner, contentinfo, search, dialog... ARIA roles; cookie
 *               banners, breadcrumbs, skip links, share bars and screen-reader-only text
 *               recognised by their class or id (extract_html.c lists the marks).
 *   .md .markdown  cmark, indexed as a reader sees it: the text of the AST, code spans
 *               and code blocks included, image alt text too, and footnote definitions
 *               (`[^1]: ...`, which cmark alone takes for link references and drops);
 *               raw HTML read as HTML (script, style and the chrome above dropped).
 *               YAML front matter (a leading `---` block) through libyaml, keys
 *               exactly title, date, type, department, url, tags (a list, or one
 *               comma-separated string). Front matter that is not YAML (French
 *               typography's "Titre : sous-titre" unquoted) is read as `key: value`
 *               lines, with a warning.
 *   .txt        title = the first non-empty line.
 *   .pdf        poppler-glib: the text of every page, the PDF's own Title and
 *               creation date.
 *
 * Fallbacks: no title -> the first heading (highest level first; plain text and PDF:
 * the first non-empty line), else the file name. No date -> none (never the mtime).
 * No type -> the top-level folder of the id. Every type is then spelt one way
 * (common/text/doc_type.h: `Communiqués/`, `type: Communiqué` -> `communique`).
 * Dates are normalised to YYYY-MM-DD and checked against the calendar; one that is
 * not a date gives a warning and no date.
 *
 * Text: the body keeps paragraph breaks (a blank line between blocks, a single newline
 * for explicit line breaks) and has whitespace collapsed inside paragraphs, so that
 * snippets read well. Text files (all but PDF) that are not valid UTF-8 are read as
 * Windows-1252 (WHATWG's index, so every byte decodes), with a warning.
 *
 * Errors (the document is left cleared; the message names the id and why):
 *   AS_EFORMAT  empty file, binary content (a NUL byte), UTF-16, HTML (or a Markdown
 *               HTML block) nested too deep to parse in bounded time, corrupt or encrypted
 *               PDF, no text at all once extracted: an empty body and no title or
 *               tags of the document's own (a title or tags alone are indexed, with
 *               an empty body; a PDF so is said in a warning: a scan, likely)
 *   AS_EINVAL   a format this module does not read (see extract_format_of)
 *   AS_ENOMEM
 * Every entry point is thread-safe: workers may extract different files at once.
 */
#include <stddef.h>

#include "common/index/document.h"
#include "common/util/buf.h"

enum extract_format {
	EXTRACT_UNSUPPORTED = 0,
	EXTRACT_TEXT,
	EXTRACT_MARKDOWN,
	EXTRACT_HTML,
	EXTRACT_PDF,
};

/* The format of a file, by the extension of `name` (a path or id). */
enum extract_format extract_format_of(const char *name);

/*
 * Extracts data[0..len), the contents of the file whose corpus id is `id` (its path
 * relative to the corpus root, '/'-separated: it gives the format, the type fallback
 * and the file-name title fallback). On success fills `doc` (every string allocated
 * with as_malloc, the caller frees them with document_clear) and returns 0. On failure
 * returns a negative AS_E* code with doc cleared. `warnings` may be NULL; otherwise
 * lines are appended to it, each "ID: sentence\n", even on failure.
 */
int extract_document(const char *id, const void *data, size_t len, struct document *doc,
		     struct buf *warnings);

/* Whether s[0..len) is well-formed UTF-8 (no overlong forms, surrogates, or code
 * points above U+10FFFF). File names are checked with it: an id must be valid UTF-8. */
int extract_utf8_valid(const char *s, size_t len);

/*
 * Normalises a date written as YYYY-MM-DD (optionally followed by a time), YYYY/MM/DD,
 * YYYYMMDD, DD/MM/YYYY, DD-MM-YYYY, DD.MM.YYYY (French order, never month first) or in
 * French words ("2 mai 2024", "1er janvier 2023"), into out = "YYYY-MM-DD\0". Returns
 * 0, or AS_EINVAL when s[0..len) is no such date or not a day of the calendar.
 */
int extract_normalize_date(const char *s, size_t len, char out[11]);

#endif
