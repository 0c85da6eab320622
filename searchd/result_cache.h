#ifndef AS_SEARCHD_RESULT_CACHE_H
#define AS_SEARCHD_RESULT_CACHE_H
/*
 * Answers already computed, by request target, for one request thread (no locking): the
 * queries a search box receives repeat a lot ("apprentissage", "cfa"...), and a repeated
 * one then costs a hash and a copy instead of a search (Solr's queryResultCache idea).
 *
 * Direct-mapped: a new answer replaces whatever shared its slot. An entry belongs to one
 * generation (a number unique for the life of the process, see live.h); a look-up under
 * another generation misses, so a reload never serves an answer of the old index.
 * Bounded: at most n_entries answers of at most RESULT_CACHE_MAX_BODY bytes each.
 */
#include <stddef.h>
#include <stdint.h>

#define RESULT_CACHE_MAX_BODY (64 * 1024)

struct result_cache;

/* n_entries is rounded up to a power of two; NULL when out of memory. */
struct result_cache *result_cache_new(size_t n_entries);
void result_cache_free(struct result_cache *c);

/* The answer for key under generation gen, or NULL; owned by the cache, valid until its next put. */
const char *result_cache_get(struct result_cache *c, uint64_t gen, const char *key, size_t key_len,
			     size_t *len);
/* Keeps a copy of body for key under gen (silently not, when too large or out of memory). */
void result_cache_put(struct result_cache *c, uint64_t gen, const char *key, size_t key_len,
		      const char *body, size_t len);

#endif
