#ifndef AS_ANALYZER_H
#define AS_ANALYZER_H
/*
 * The French analyzer: one pipeline for documents and queries (DESIGN.md "Text
 * analysis"), after SQLite FTS5's tokenizer API with its QUERY/DOCUMENT flag.
 *
 *   words (letters and digits; elisions l' d' j' m' n' s' t' c' qu' jusqu' lorsqu'
 *   puisqu' quoiqu' removed with ' or U+2019; hyphenated words whole and as parts;
 *   C.M.A. = CMA; 73 700 = 73700) -> NFKC and case folding, œ -> oe, æ -> ae (utf8proc)
 *   -> stop words -> Snowball French stem (libstemmer) -> accent folding of the stem.
 *
 * Words are found on the original bytes and only then normalised, so offsets need no
 * mapping back. Stop words (common/text/stopwords-fr.txt) are matched on the case- and
 * accent-folded word, token.word.
 *
 * Usage, one analyzer per thread (it owns a libstemmer stemmer and a stem cache that
 * grows with the words it sees, up to about 5 MB):
 *
 *     struct analyzer *an = analyzer_new();
 *     struct token tok;
 *     analyzer_start(an, text, len, ANALYZER_DOCUMENT);
 *     while ((rc = analyzer_next(an, &tok)) == 0)
 *             use(tok.term, tok.term_len, tok.position, tok.start, tok.end);
 *     if (rc < 0) error;
 *     analyzer_free(an);
 *
 * Words. A word is a run of letters (Unicode L*, which includes U+02BC), decimal digits
 * (Nd) and combining marks (M*); soft hyphens and zero-width characters inside a word are
 * ignored. Everything else separates words. Within that:
 *   - elisions: a leading l' d' j' m' n' s' t' c' qu' jusqu' lorsqu' puisqu' quoiqu'
 *     (any case, with ' U+0027 or ’ U+2019) is dropped and the rest is the word, even
 *     inside a compound (`Saint-Jean-d'Angély`); another apostrophe between letters
 *     joins (`aujourd'hui`, `prud'hommes`, `presqu'île` are one word, folded without it),
 *     and so does the middle dot U+00B7 of inclusive writing (`salarié·e·s`);
 *   - hyphenated words (- U+2010 U+2011 between words): a TOKEN_COMPOUND token for the
 *     whole (every letter and digit of the span, hyphens and apostrophes dropped:
 *     `hautegaronne`), then each part as a TOKEN_PART; when no part has a letter
 *     (`2019-2026`, phone numbers) the hyphen is a plain separator instead;
 *   - camel case: a word (one run, not all digits) with a capital after a small letter
 *     is a compound too, split before such capitals when every part has two letters
 *     or more (`MaPrimeRénov` -> `maprimerenov`, then `ma`, `prime`, `rénov`;
 *     `LibreOffice`; not `iPhone`, `RdC`, `XIXe`), at most ANALYZER_CAMEL_PARTS parts;
 *   - letters then digits (ASCII, a single letter with three digits or more): a
 *     TOKEN_COMPOUND for the whole, then the letters and the digits as TOKEN_PARTs, as
 *     for camel case (`FA13` -> `fa13`, `fa`, `13`; `L6222` -> `l6222`, `l`, `6222`),
 *     inside a hyphenated word too (`L6222-18` -> `l622218`, `l`, `6222`, `18`), so
 *     that `FA 13` and `L. 6222-18` are found as written either way; not `A1`, `B2`;
 *   - dotted acronyms: two or more single letters each followed by a dot (the last dot
 *     optional) are one word: `C.M.A.` -> `cma`, span `C.M.A.`;
 *   - ordinals in digits are spelt one way (`3e`, `3ème`, `3eme`, `3ième`, `2nd`, `2nde`
 *     -> `3e`, `2e`; `1er`, `1re`, `1ère` -> `1er`) as term and exact stem;
 *   - numbers: a group of 1-3 digits followed by groups of exactly 3 digits, each after
 *     one U+0020, U+00A0, U+202F or U+2009, is one TOKEN_NUMBER token: `1 250 000` ->
 *     `1250000`; a 4-digit year never starts such a run. A French telephone number,
 *     `0d` then four groups of two digits each after one of those, a dot or a hyphen,
 *     is one too: `04 66 62 80 80`, `05.61.10.47.47` -> `0466628080`, `0561104747`.
 *     Any all-digit word is a TOKEN_NUMBER and is not stemmed.
 *   - the euro sign € is the word `euros` (span `€`): `1 500 €` is found by
 *     `1500 euros`, and `500 €` by `500 euros`, the way visitors type amounts.
 *
 * Bounds: a word (a compound, an acronym, a joined number) whose surface is longer than
 * ANALYZER_MAX_WORD bytes is dropped, like a stop word: it takes a position and yields no
 * token (for a compound, only the whole is dropped; its parts are still returned). So a
 * 10 MB "word" costs one linear scan and yields nothing. Invalid UTF-8 bytes and NUL
 * bytes separate words; they never end the text early.
 */
#include <stddef.h>
#include <stdint.h>

/* Longest surface word, in bytes of the text, that yields a token (see above). */
#define ANALYZER_MAX_WORD 128

/* Most parts a word in camel case is split into (see above); more, it stays whole. */
#define ANALYZER_CAMEL_PARTS 8

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
	/* Query mode only: the word was written `word*`; `word` is the prefix to expand.
	 * Such a word is returned even when it is a stop word (`de*`). For a compound
	 * (`haute-gar*`) the compound and its last part carry the flag. */
	TOKEN_PREFIX = 1 << 3,
	/* Left unanalysed by analyzer_only_first(): no term. */
	TOKEN_SKIPPED = 1 << 4,
	/* With TOKEN_COMPOUND: a word in camel case (`MaPrimeRénov`), written as one word,
	 * where a hyphenated word is written as several. */
	TOKEN_CAMEL = 1 << 5,
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
	 * word has none. Where Snowball took the accent off the stem's last syllable
	 * (`péché` -> `pech`), the word as written cut to the stem's length (`péch`).
	 * Lets the query engine rank the exact accented form first. */
	const char *exact;
	size_t exact_len;
	/* The stem of the accent-folded word when it differs from `term` (Snowball treats
	 * é and e differently in places), else alt_len == 0 (alt is never NULL): indexing
	 * it too lets an accentless query find the accented word. */
	const char *alt;
	size_t alt_len;
	/* The word as written, case- and accent-folded, unstemmed (`reconnaissance`):
	 * prefixes and typo tolerance run on it. */
	const char *word;
	size_t word_len;
	/* ANALYZER_DOCUMENT only: the word as a reader writes it, where that is not `word`:
	 * lower case, with its accents, hyphens, apostrophes, middle dots, œ and æ
	 * (`journées`, `haute-garonne`, `aujourd'hui`, `œuvre`; every hyphen written `-`,
	 * every apostrophe `'`). form_len 0 otherwise (form is never NULL). For showing a
	 * word of the dictionary (completions, suggestions) as the documents write it. */
	const char *form;
	size_t form_len;
	/* Byte offsets of the surface word in the text given to analyzer_start(), elision
	 * excluded: text[start..end) is `avion` in `l'avion`, `Haute-Garonne` for the
	 * compound and `Haute`, `Garonne` for its parts, `C.M.A.` for an acronym, `73 700`
	 * for a number. They count bytes of the original text even where NFC changed it
	 * (decomposed accents): words are found first, then normalised. */
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

/*
 * For a caller that only looks for given terms (snippets): a token whose word begins
 * with an ASCII byte that, lowercased, is outside the set `first` (256 bits, bit b of
 * first[b / 8]) comes out unanalysed, TOKEN_SKIPPED with term_len, exact_len and
 * alt_len 0 and word the text as written, even a stop word (positions then differ
 * from a full analysis): it can
 * match no term beginning with another letter, and finding its stem is most of a
 * token's cost. A word beginning with a non-ASCII byte is always analysed (its folded
 * first letter is not known yet). NULL analyses every token, as after analyzer_new();
 * analyzer_start() keeps the setting.
 */
void analyzer_only_first(struct analyzer *an, const uint8_t *first);

/*
 * The next token: 0 with *tok filled, >0 at the end of the text, <0 an AS_E* error
 * (AS_ENOMEM: the analyzer stays usable after the next analyzer_start()). A compound
 * comes before its parts; tokens come in text order otherwise.
 */
int analyzer_next(struct analyzer *an, struct token *tok);

/*
 * The stemming step of the pipeline alone: the Snowball French stem (libstemmer,
 * UTF-8) of the case-folded word w[0..len), accents untouched. *stem is owned by the
 * analyzer, valid until its next call. Returns 0 or AS_ENOMEM. For tests and tools;
 * the token fields come from the same function.
 */
int analyzer_stem(struct analyzer *an, const char *w, size_t len, const char **stem,
		  size_t *stem_len);

/*
 * Case- and accent-folds one word as the pipeline does for `token.word` (NFKC, case
 * folding, accents stripped, œ -> oe, æ -> ae, ﬁ -> fi), appending the result to *out.
 * Characters that are not word characters (apostrophes, hyphens, dots, spaces, invalid
 * UTF-8) are dropped, so the surface span of any token folds to its `word` (a compound
 * keeps the letters of an inner elision: `saintjeandangely`; the euro sign alone folds to
 * `euros`). Returns 0 or AS_ENOMEM.
 * Used where a word must be compared with the dictionary of words.
 */
struct buf;
int analyzer_fold(const char *s, size_t len, struct buf *out);
/* Whether code point cp belongs to a word as the analyzer reads words (letters, digits,
 * combining marks); apostrophes, hyphens and separators do not. */
int analyzer_word_char(int32_t cp);

/*
 * True when the folded word w[0..len) (as in token.word) is a stop word. The list is
 * data, common/text/stopwords-fr.txt, compiled into the library.
 */
int analyzer_is_stop_word(const char *w, size_t len);

#endif
