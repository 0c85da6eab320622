#include "searchd/result_cache.h"

#include <string.h>
#include <xxhash.h>

#include "common/util/mem.h"

struct entry {
	uint64_t hash, gen;
	char *key;   /* key then body, one allocation */
	size_t key_len, body_len, cap;
};

struct result_cache {
	size_t mask;
	struct entry entries[];
};

struct result_cache *result_cache_new(size_t n_entries)
{
	size_t n = 1;
	struct result_cache *c;

	while (n < n_entries)
		n <<= 1;
	if (!(c = as_calloc(1, sizeof(*c) + n * sizeof(c->entries[0]))))
		return NULL;
	c->mask = n - 1;
	return c;
}

void result_cache_free(struct result_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i <= c->mask; i++)
		as_free(c->entries[i].key);
	as_free(c);
}

const char *result_cache_get(struct result_cache *c, uint64_t gen, const char *key, size_t key_len,
			     size_t *len)
{
	uint64_t h = XXH3_64bits(key, key_len);
	struct entry *e = &c->entries[h & c->mask];

	if (!e->key || e->hash != h || e->gen != gen || e->key_len != key_len ||
	    memcmp(e->key, key, key_len))
		return NULL;
	*len = e->body_len;
	return e->key + key_len;
}

void result_cache_put(struct result_cache *c, uint64_t gen, const char *key, size_t key_len,
		      const char *body, size_t len)
{
	uint64_t h = XXH3_64bits(key, key_len);
	struct entry *e = &c->entries[h & c->mask];
	size_t need = key_len + len;

	if (len > RESULT_CACHE_MAX_BODY)
		return;
	if (e->cap < need) {
		char *p = as_realloc(e->key, need);

		if (!p)
			return;
		e->key = p;
		e->cap = need;
	}
	memcpy(e->key, key, key_len);
	memcpy(e->key + key_len, body, len);
	e->hash = h;
	e->gen = gen;
	e->key_len = key_len;
	e->body_len = len;
}
