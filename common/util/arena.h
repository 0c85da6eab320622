#ifndef AS_ARENA_H
#define AS_ARENA_H
/*
 * A bump allocator with one lifetime: everything taken from an arena is released at
 * once by arena_reset() (kept for reuse: one arena per query, reset after the
 * response) or arena_free(). Allocations are 16-byte aligned. Memory comes from
 * as_malloc(), so fault injection reaches it; a failed allocation returns NULL.
 */
#include <stddef.h>

struct arena;

/* A new arena whose first chunk holds `chunk_size` bytes (0: a default). NULL on ENOMEM. */
struct arena *arena_new(size_t chunk_size);
void arena_free(struct arena *a);
/* Releases every allocation; keeps the first chunk to avoid reallocating it. */
void arena_reset(struct arena *a);

void *arena_alloc(struct arena *a, size_t n);
void *arena_calloc(struct arena *a, size_t count, size_t size);
/* A NUL-terminated copy of s[0..len), owned by the arena. */
char *arena_strndup(struct arena *a, const char *s, size_t len);
/* Bytes handed out since the last reset, for limits and metrics. */
size_t arena_used(const struct arena *a);

#endif
