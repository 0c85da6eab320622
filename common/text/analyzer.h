#ifndef AS_ANALYZER_H
#define AS_ANALYZER_H
/*
 * The French analyzer: one pipeline for documents and queries (DESIGN.md "Text
 * analysis"), after SQLite FTS5's tokenizer API with its QUERY/DOCUMENT flag.
 *
 *   NFC -> words (letters and digits; elisions l' d' j' m' n' s' t' c' qu' jusqu'
 *   lorsqu' puisqu' quoiqu' removed with ' or U+2019; hyphenated words whole and as
 *   parts; C.M.A. = CMA; 73 700 = 73700) -> case folding -> stop words -> Snowball
 *   French stem -> accent folding of the stem.
 *
 * Usage, one analyzer per thread (it owns a libstemmer stemmer and a stem cache):
 *
 *     struct analyzer *an = analyzer_new();
 *     struct token tok;
 *     analyzer_start(an, text, len, ANALYZER_DOCUMENT);
 *     while ((rc = analyzer_next(an, &tok)) == 0)
 *             use(tok.term, tok.term_len, tok.position, tok.start, tok.end);
 *     if (rc < 0) error;
 *     analyzer_free(an);
 *
 * Invalid UTF-8 bytes and NUL bytes separate words; they never end the text early.
 */
#include <stddef.h>
#include <stdint.h>

enum analyzer_mode {
	ANALYZER_DOCUMENT, /* text to index */
	ANALYZER_QUERY,    /* a user's query words; same terms, see TOKEN_PREFIX */
};

enum token_flags {
	/* A part of a hyphenated word (`haute` and `garonne` of `Haute-Garonne`). */
	TOKEN_PART = 1 << 0,
	/* The whole of a hyphenated word (`hautegaronne`), at the position of its first part. */
	TOKEN_COMPOUND = 1 << 1,
	/* A run of digits (digit groups joined: `73 700` -> `73700`). */
	TOKEN_NUMBER = 1 << 2,
	/* Query mode only: the word was written `word*`; `word` is the prefix to expand. */
	TOKEN_PREFIX = 1 << 3,
};

/*
 * One token. The strings are owned by the analyzer, valid until the next call to
 * analyzer_next() or analyzer_start(); they are not NUL-terminated.
 */
struct token {
	/* The matching key: Snowball stem of the folded-case word, accents then folded. */
	const char *term;
	size_t term_len;
	/* The same stem with its accents (`chât` for `châtiment`); equal to term when the
	 * word has none. Lets the query engine rank the exact accented form first. */
	const char *exact;
	size_t exact_len;
	/* The stem of the accent-folded word when it differs from `term` (Snowball treats
	 * é and e differently in places), else alt_len == 0: indexing it too lets an
	 * accentless query find the accented word. */
	const char *alt;
	size_t alt_len;
	/* The word as written, case- and accent-folded, unstemmed (`reconnaissance`):
	 * prefixes and typo tolerance run on it. */
	const char *word;
	size_t word_len;
	/* Byte offsets of the surface word in the text given to analyzer_start(), elision
	 * excluded: text[start..end) is `avion` in `l'avion`. */
	size_t start, end;
	/* Word position, counting from 0. Stop words are not returned but take a position,
	 * so that phrase queries keep their gaps. Parts take consecutive positions. */
	uint32_t position;
	unsigned flags; /* enum token_flags */
};

struct analyzer;

/* A new analyzer, or NULL on ENOMEM. Free with analyzer_free(). */
struct analyzer *analyzer_new(void);
void analyzer_free(struct analyzer *an);

/* Starts analysing text[0..len); the text must outlive the iteration. Returns 0. */
int analyzer_start(struct analyzer *an, const char *text, size_t len, enum analyzer_mode mode);

/* The next token: 0 with *tok filled, >0 at the end of the text, <0 an AS_E* error. */
int analyzer_next(struct analyzer *an, struct token *tok);

/*
 * Case- and accent-folds one word as the pipeline does for `token.word` (NFC, case
 * folding, accents stripped, œ -> oe, æ -> ae), appending the result to *out. Returns 0
 * or AS_ENOMEM. Used where a word must be compared with the dictionary of words.
 */
struct buf;
int analyzer_fold(const char *s, size_t len, struct buf *out);

/* True when the folded word w[0..len) is a stop word. */
int analyzer_is_stop_word(const char *w, size_t len);

#endif
