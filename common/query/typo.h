#ifndef AS_QUERY_TYPO_H
#define AS_QUERY_TYPO_H
/*
 * Typo tolerance: the words of a segment's dictionary of words (DICT_WORDS: folded,
 * unstemmed) within a few edits of a folded query word. Distance is the optimal string
 * alignment distance (Damerau-Levenshtein where a transposition of two adjacent letters
 * is one edit, no letter edited twice), over the folded forms, so accent-only
 * differences cost nothing.
 *
 * The walk intersects a Levenshtein automaton with the sorted dictionary, after
 * Lucene's AutomatonTermsEnum (and Jules Jacobs, "Levenshtein automata can be simple
 * and fast", 2015): the automaton is simulated row by row of the dynamic-programming
 * table along the current key; where the key leaves the automaton, the smallest string
 * above it that the automaton can still accept is computed and the dictionary is
 * sought there. Only keys sharing a live prefix are visited, never the whole
 * dictionary; TYPO_MAX_VISITS (limits.h) bounds the work anyway.
 */
#include <stddef.h>
#include <stdint.h>

struct segment;

/* Edits allowed for a folded word of `len` bytes: 0 (under 5 letters), 1, or 2 (9+). */
unsigned typo_max_edits(const char *word, size_t len);

/* Optimal string alignment distance between a and b (for tests and ranking). */
unsigned typo_distance(const char *a, size_t a_len, const char *b, size_t b_len);

/*
 * Calls fn(ctx, key, len, distance, doc_freq) for each word of seg's DICT_WORDS within
 * max_edits of word[0..len) (len <= TYPO_MAX_WORD), in byte order; key is not
 * NUL-terminated. A segment's first TYPO_KEYS_AFTER walks read its dictionary in
 * place, later ones its words loaded in memory (segment_dict_keys()). Returns 0 or <0
 * (index error, AS_ENOMEM).
 */
int typo_walk(const struct segment *seg, const char *word, size_t len, unsigned max_edits,
	      void (*fn)(void *ctx, const char *key, size_t key_len, unsigned dist, uint32_t df),
	      void *ctx);
/*
 * The same for the words that begin within max_edits of word[0..len): search as you
 * type with a typo (`aprent` -> apprentissage). dist is that of the closest prefix the
 * walk met (its shallowest accepted one).
 */
int typo_walk_prefix(const struct segment *seg, const char *word, size_t len, unsigned max_edits,
		     void (*fn)(void *ctx, const char *key, size_t key_len, unsigned dist, uint32_t df),
		     void *ctx);

/* Tests: 1 every walk with the words in memory, 0 every walk in place, -1 (the
 * default) the first TYPO_KEYS_AFTER in place. */
void typo_use_keys(int keys);

#endif
