/*
 * analyzed_doc_build(): the analyzer's tokens into an analyzed_doc. In a file of its own
 * so that code building documents token by token links without the analyzer.
 */
#include <string.h>

#include "common/index/index_int.h"
#include "common/index/writer.h"
#include "common/text/analyzer.h"
#include "common/util/error.h"

/* words: the tokens are words the document writes, for the word dictionary (completions,
 * corrections); not its type and department, which only the indexer says. */
static int run(struct analyzer *an, struct analyzed_doc *ad, enum field f, const char *text, size_t len,
	       uint32_t base, uint32_t *next_base, int words)
{
	struct token tok;
	int rc;

	analyzer_start(an, text, len, ANALYZER_DOCUMENT);
	while ((rc = analyzer_next(an, &tok)) == 0) {
		if (!words)
			tok.word_len = tok.form_len = 0;
		if ((rc = analyzed_doc_add_token(ad, f, &tok, base)) < 0)
			return rc;
		if (next_base && tok.position + base + 2 > *next_base)
			*next_base = tok.position + base + 2;
	}
	return rc < 0 ? rc : 0;
}

int analyzed_doc_build(struct analyzer *an, const struct document *doc, struct analyzed_doc **out)
{
	struct analyzed_doc *ad;
	uint32_t base = 0;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = analyzed_doc_new(doc, &ad)) < 0)
		return rc;
	if (doc->title && (rc = run(an, ad, FIELD_TITLE, doc->title, strlen(doc->title), 0, NULL, 1)) < 0)
		goto fail;
	/* Each tag after the previous one with a gap, so a phrase never spans two tags. */
	for (i = 0; i < doc->n_tags; i++)
		if (doc->tags[i] &&
		    (rc = run(an, ad, FIELD_TAGS, doc->tags[i], strlen(doc->tags[i]), base, &base, 1)) < 0)
			goto fail;
	/* The type and the department are terms of the document too, as tags: a visitor
	 * types them (`communiqué apprentissage`, `93 apprentissage`) where the text may
	 * never say them. Not words it writes: /suggest offers none of them (`actualite`). */
	if (doc->type && (rc = run(an, ad, FIELD_TAGS, doc->type, strlen(doc->type), base, &base, 0)) < 0)
		goto fail;
	if (doc->department &&
	    (rc = run(an, ad, FIELD_TAGS, doc->department, strlen(doc->department), base, &base, 0)) < 0)
		goto fail;
	if (doc->body && (rc = run(an, ad, FIELD_BODY, doc->body, doc->body_len, 0, NULL, 1)) < 0)
		goto fail;
	if ((rc = analyzed_doc_finish(ad)) < 0)
		goto fail;
	*out = ad;
	return 0;
fail:
	analyzed_doc_free(ad);
	return rc;
}
