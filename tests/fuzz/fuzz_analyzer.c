/*
 * The French analyzer on any bytes (common/text/analyzer.h), in document and query
 * mode. Input: one byte of options (bit 0: query mode), then the text.
 * Checks the header's contracts: every token lies inside the text, terms are non-empty
 * and bounded, positions never go backwards, and the surface span of a token folds to
 * its `word` (analyzer_fold).
 */
#include <string.h>

#include "common/text/analyzer.h"
#include "common/util/buf.h"
#include "tests/fuzz/fuzz.h"

static struct analyzer *an;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct token tok;
	struct buf fold = BUF_INIT;
	uint32_t last_pos = 0;
	const char *text;
	size_t len;
	int rc, query;

	if (size < 1)
		return 0;
	if (!an) {
		an = analyzer_new();
		FUZZ_ASSERT(an);
	}
	query = data[0] & 1;
	text = (const char *)data + 1;
	len = size - 1;

	analyzer_start(an, text, len, query ? ANALYZER_QUERY : ANALYZER_DOCUMENT);
	while ((rc = analyzer_next(an, &tok)) == 0) {
		FUZZ_ASSERT(tok.start < tok.end && tok.end <= len);
		FUZZ_ASSERT(tok.end - tok.start <= ANALYZER_MAX_WORD);
		FUZZ_ASSERT(tok.term && tok.term_len > 0);
		FUZZ_ASSERT(tok.exact && tok.exact_len > 0);
		FUZZ_ASSERT(tok.word && tok.word_len > 0);
		FUZZ_ASSERT(tok.alt_len == 0 || tok.alt);
		FUZZ_ASSERT(tok.position >= last_pos);
		FUZZ_ASSERT(query || !(tok.flags & TOKEN_PREFIX));
		last_pos = tok.position;
		/* The header: "the surface span of any token folds to its word". */
		buf_reset(&fold);
		FUZZ_ASSERT(analyzer_fold(text + tok.start, tok.end - tok.start, &fold) == 0);
		if (fold.len != tok.word_len || memcmp(fold.ptr, tok.word, fold.len) != 0) {
			fprintf(stderr, "span \"%.*s\" folds to \"%.*s\", token word \"%.*s\"\n",
				(int)(tok.end - tok.start), text + tok.start, (int)fold.len,
				fold.ptr ? fold.ptr : "", (int)tok.word_len, tok.word);
			FUZZ_ASSERT(!"span folds to the token's word");
		}
		(void)analyzer_is_stop_word(tok.word, tok.word_len);
	}
	FUZZ_ASSERT(rc > 0);

	/* The stemming step alone, on the raw bytes (any bytes, like a typed query word). */
	if (len <= 4 * ANALYZER_MAX_WORD) {
		const char *stem;
		size_t stem_len;
		FUZZ_ASSERT(analyzer_stem(an, text, len, &stem, &stem_len) == 0);
		FUZZ_ASSERT(stem_len == 0 || stem);
	}
	buf_release(&fold);
	return 0;
}
