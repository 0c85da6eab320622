#include "common/util/arena.h"

#include <stdint.h>
#include <string.h>

#include "common/util/mem.h"

struct chunk {
	struct chunk *next;
	size_t size;
	size_t used;
	_Alignas(16) unsigned char data[];
};

struct arena {
	struct chunk *head;
	size_t chunk_size;
	size_t used;
};

static struct chunk *chunk_new(size_t size)
{
	struct chunk *c = as_malloc(sizeof(*c) + size);

	if (c) {
		c->next = NULL;
		c->size = size;
		c->used = 0;
	}
	return c;
}

struct arena *arena_new(size_t chunk_size)
{
	struct arena *a = as_malloc(sizeof(*a));

	if (!a)
		return NULL;
	a->chunk_size = chunk_size ? chunk_size : 64 * 1024;
	a->used = 0;
	a->head = chunk_new(a->chunk_size);
	if (!a->head) {
		as_free(a);
		return NULL;
	}
	return a;
}

void arena_free(struct arena *a)
{
	struct chunk *c, *next;

	if (!a)
		return;
	for (c = a->head; c; c = next) {
		next = c->next;
		as_free(c);
	}
	as_free(a);
}

void arena_reset(struct arena *a)
{
	struct chunk *c = a->head, *next;

	/* The oldest chunk is last in the list: keep it, it has the default size. */
	while (c->next) {
		next = c->next;
		as_free(c);
		c = next;
	}
	a->head = c;
	c->used = 0;
	a->used = 0;
}

void *arena_alloc(struct arena *a, size_t n)
{
	struct chunk *c = a->head;
	size_t need = (n + 15) & ~(size_t)15;
	void *p;

	if (n > SIZE_MAX - 16)
		return NULL;
	if (c->size - c->used < need) {
		size_t size = need > a->chunk_size ? need : a->chunk_size;

		c = chunk_new(size);
		if (!c)
			return NULL;
		/* Keep the original chunk at the tail so reset can keep it. */
		c->next = a->head;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += need;
	a->used += need;
	return p;
}

void *arena_calloc(struct arena *a, size_t count, size_t size)
{
	void *p;

	if (size && count > SIZE_MAX / size)
		return NULL;
	p = arena_alloc(a, count * size);
	if (p)
		memset(p, 0, count * size);
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t len)
{
	char *d = arena_alloc(a, len + 1);

	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

size_t arena_used(const struct arena *a)
{
	return a->used;
}
