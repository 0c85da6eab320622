#ifndef AS_QUERY_PARSE_H
#define AS_QUERY_PARSE_H
/*
 * The query language of DESIGN.md ("Query syntax"), read leniently as a search box
 * must: words are ANDed, `OR` between words, `-word` (or `NOT word`) excludes,
 * `"a phrase"` (also “…” and «…»), `prefix*`, `title:word` (also `titre:`), and
 * parentheses. Nothing is a syntax error:
 *   - an unbalanced quote runs to the end, an unbalanced `(` closes at the end, a
 *     stray `)` is ignored;
 *   - a lone `-`, `*`, `OR` or `NOT` is ignored, as are `AND` and a leading `+`;
 *   - past QUERY_MAX_BYTES, QUERY_MAX_WORDS or QUERY_MAX_DEPTH (limits.h) the excess
 *     is ignored, so time and memory stay bounded whatever the input.
 *
 * The tree holds the words as written (borrowed from the query text); analysis and
 * expansion happen later (plan.h). A query that keeps nothing parses to NULL.
 */
#include <stddef.h>

struct arena;
struct buf;

enum qnode_kind {
	QN_WORD,   /* one word as written; the analyzer may split it (`Haute-Garonne`) */
	QN_PHRASE, /* the text between quotes */
	QN_AND,
	QN_OR,
	QN_NOT,    /* one child; meaningful inside an AND */
};

struct qnode {
	enum qnode_kind kind;
	unsigned fields;   /* bit mask of 1 << enum field; 0 = the default fields */
	const char *text;  /* QN_WORD, QN_PHRASE: borrowed from the query, not NUL-terminated */
	size_t len;
	struct qnode **kids; /* QN_AND, QN_OR: n_kids >= 2; QN_NOT: n_kids == 1 */
	unsigned n_kids;
};

/*
 * Parses q[0..len). The tree is allocated in `arena` and borrows from `q`. Returns 0
 * with *out set (NULL when nothing is left), 1 likewise when words past the bounds of
 * limits.h were left out (QUERY_MAX_BYTES, QUERY_MAX_WORDS), or AS_ENOMEM.
 */
int query_parse(const char *q, size_t len, struct arena *arena, struct qnode **out);

/* Appends a compact rendering for tests and --explain: (AND a (OR b c) (NOT d) "e f" title:g). */
void query_dump(const struct qnode *n, struct buf *out);

#endif
