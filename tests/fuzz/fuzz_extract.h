#ifndef AS_FUZZ_EXTRACT_H
#define AS_FUZZ_EXTRACT_H
/*
 * The checks shared by the extraction targets (fuzz_html, fuzz_markdown, fuzz_text,
 * fuzz_pdf): extract_document() on the input as the file `id`, then
 *   - success: id, title and body present; every string NUL-terminated valid UTF-8
 *     (the index's contract, common/index/document.h); a date is YYYY-MM-DD;
 *   - failure: AS_EFORMAT, AS_EINVAL or AS_ENOMEM with the document cleared;
 *   - the extracted document goes through the analyzer, as the indexer would send it.
 * Defined static in the header: each target is one translation unit.
 */
#include <string.h>

#include "common/index/document.h"
#include "common/text/analyzer.h"
#include "common/util/buf.h"
#include "common/util/error.h"
#include "indexer/extract.h"
#include "tests/fuzz/fuzz.h"

/* True when s[0..len) is valid UTF-8 (no overlongs, surrogates or code points > U+10FFFF). */
static int fuzz_valid_utf8(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;

	while (p < end) {
		unsigned c = *p, n, cp, min;
		if (c < 0x80) {
			p++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 1, cp = c & 0x1F, min = 0x80;
		else if (c >= 0xE0 && c <= 0xEF)
			n = 2, cp = c & 0x0F, min = 0x800;
		else if (c >= 0xF0 && c <= 0xF4)
			n = 3, cp = c & 0x07, min = 0x10000;
		else
			return 0;
		if ((size_t)(end - p) <= n)
			return 0;
		for (unsigned i = 1; i <= n; i++) {
			if ((p[i] & 0xC0) != 0x80)
				return 0;
			cp = cp << 6 | (p[i] & 0x3F);
		}
		if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
			return 0;
		p += n + 1;
	}
	return 1;
}

static void fuzz_check_str(const char *s)
{
	if (s)
		FUZZ_ASSERT(fuzz_valid_utf8(s, strlen(s)));
}

static struct analyzer *fuzz_an;

static void fuzz_analyze(const char *s, size_t len)
{
	struct token tok;
	int rc;

	if (!s)
		return;
	analyzer_start(fuzz_an, s, len, ANALYZER_DOCUMENT);
	while ((rc = analyzer_next(fuzz_an, &tok)) == 0)
		FUZZ_ASSERT(tok.end <= len);
	FUZZ_ASSERT(rc > 0);
}

static void fuzz_extract(const char *id, const uint8_t *data, size_t size)
{
	struct document doc;
	struct buf warnings = BUF_INIT;
	int rc;

	if (!fuzz_an) {
		fuzz_an = analyzer_new();
		FUZZ_ASSERT(fuzz_an);
	}
	memset(&doc, 0x5a, sizeof(doc)); /* extract_document must fill or clear all of it */
	rc = extract_document(id, data, size, &doc, &warnings);
	FUZZ_ASSERT(!warnings.err);
	FUZZ_ASSERT(fuzz_valid_utf8(warnings.ptr ? warnings.ptr : "", warnings.len));
	if (rc < 0) {
		FUZZ_ASSERT(rc == AS_EFORMAT || rc == AS_EINVAL || rc == AS_ENOMEM);
		FUZZ_ASSERT(!doc.id && !doc.title && !doc.body && !doc.tags && doc.n_tags == 0);
		buf_release(&warnings);
		return;
	}
	FUZZ_ASSERT(rc == 0);
	FUZZ_ASSERT(doc.id && strcmp(doc.id, id) == 0);
	FUZZ_ASSERT(doc.title && doc.title[0]);
	FUZZ_ASSERT(doc.body);
	FUZZ_ASSERT(strlen(doc.body) <= doc.body_len);
	FUZZ_ASSERT(doc.body[doc.body_len] == '\0');
	FUZZ_ASSERT(fuzz_valid_utf8(doc.body, doc.body_len));
	fuzz_check_str(doc.title);
	fuzz_check_str(doc.type);
	fuzz_check_str(doc.department);
	fuzz_check_str(doc.url);
	if (doc.date) {
		char norm[11];
		FUZZ_ASSERT(strlen(doc.date) == 10);
		FUZZ_ASSERT(extract_normalize_date(doc.date, 10, norm) == 0 && strcmp(norm, doc.date) == 0);
	}
	for (size_t i = 0; i < doc.n_tags; i++) {
		FUZZ_ASSERT(doc.tags[i]);
		fuzz_check_str(doc.tags[i]);
	}
	fuzz_analyze(doc.title, strlen(doc.title));
	fuzz_analyze(doc.body, doc.body_len);
	document_clear(&doc);
	buf_release(&warnings);
}

#endif
