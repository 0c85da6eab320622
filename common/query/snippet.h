#ifndef AS_QUERY_SNIPPET_H
#define AS_QUERY_SNIPPET_H
/*
 * Snippets: the passage of a document's body that best shows why it matched, as
 * HTML-escaped text with <mark> around the surface words that matched the query —
 * stemmed, folded, corrected, completed and synonym matches included, since the body
 * is run through the same analyzer and compared on terms, not on spelling
 * (whoosh-community/whoosh#427 shows stems: we show the words as written). An elision
 * stays outside the mark: `l'<mark>avion</mark>`.
 *
 * The window is about SNIPPET_LEN bytes, cut on word boundaries, chosen for the number
 * of distinct query words it holds (the rarest first), then for those side by side,
 * then for the number of matches: the densest passage. To stay cheap the body is
 * analysed only a little past the first window holding every query word (snippet.c
 * SNIPPET_REACH), and never past SNIPPET_MAX_SCAN bytes (limits.h).
 */
#include <stddef.h>

struct analyzer;
struct arena;
struct buf;
struct plan;

#define SNIPPET_LEN 180

/*
 * Appends the snippet of body[0..len) for the plan's query words to out. `slots` has
 * the bit (1 << slot) of each query word the body is known to hold (from the postings):
 * the scan stops a little past the first window holding all of them, and a body holding
 * none is not analysed at all (its beginning is shown). 0 or <0.
 */
#include <stdint.h>
int snippet_make(struct analyzer *an, const struct plan *plan, uint64_t slots, const char *body, size_t len,
		 struct buf *out);
/*
 * The same from the first `len` bytes of a body of `full_len` bytes: 0 when the snippet
 * is the one snippet_make() would make from the whole body (the window was found well
 * inside the part), 1 with nothing appended when more of the body is needed, <0 on error.
 * A part of at least SNIPPET_MAX_SCAN + 1 bytes is always enough. body[0..skip) is the
 * document's title again (a text's first line, a page's heading: snippet_title_skip()),
 * which the hit shows already: a window starts after it when its matches allow.
 */
int snippet_make_part(struct analyzer *an, const struct plan *plan, uint64_t slots, const char *body, size_t len,
		      size_t full_len, size_t skip, struct buf *out);
/* The bytes at the start of body[0..len) that repeat the title (blanks before it
 * included), or 0. */
size_t snippet_title_skip(const char *body, size_t len, const char *title);

/*
 * The passage the query words' positions in a body point at, for a body too long to be
 * scanned from its start (body marks, index.h, say where a position is). pos[s][0..n[s])
 * are word s's positions, increasing, for ns <= 64 words of idf idf[s]: the span of
 * under SNIPPET_SPAN positions holding the most distinct words, the rarest (their idf
 * summed), then the most of them side by side (a phrase whole), then the most
 * occurrences; the first of equals. *first and *last are its first and last positions. 0; 1 when no word has a position; <0 on
 * error (scratch from arena).
 */
#define SNIPPET_SPAN 24
int snippet_span(const uint32_t *const *pos, const uint32_t *n, const double *idf, uint32_t ns, struct arena *arena,
		 uint32_t *first, uint32_t *last);
/*
 * The snippet of body[from..to) alone, analysed and shown (from and to on word
 * boundaries, from a body mark), of a body of full_len bytes: where a span points,
 * rather than from the body's beginning. [first, last] are the span's positions counted
 * from `from` (UINT32_MAX: none): the window is in it, and the text past it is not
 * analysed beyond the window's end. 0 or <0.
 */
int snippet_make_region(struct analyzer *an, const struct plan *plan, uint64_t slots, const char *body, size_t from,
			size_t to, size_t full_len, size_t skip, uint32_t first, uint32_t last, struct buf *out);

#endif
