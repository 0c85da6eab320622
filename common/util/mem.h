#ifndef AS_MEM_H
#define AS_MEM_H
/*
 * Every allocation of artisearch's own code goes through these, so tests can make the
 * n-th one fail and check that each failure path returns AS_ENOMEM cleanly, frees what
 * it took and crashes nothing (SQLite's faultsim). Memory from as_malloc() and friends
 * is released with as_free(); as_free(NULL) is a no-op.
 */
#include <stddef.h>

void *as_malloc(size_t n);
void *as_calloc(size_t count, size_t size);
void *as_realloc(void *p, size_t n);
void as_free(void *p);
/* A NUL-terminated copy of s[0..len); you own it, free with as_free. */
char *as_strndup(const char *s, size_t len);
char *as_strdup(const char *s);

/*
 * Fault injection, for tests only: after `n` more successful allocations, every
 * allocation fails (returns NULL) until as_mem_fail_reset(). n < 0 disables.
 * as_mem_n_allocs() counts allocations made since the last reset, so a test can
 * first measure a run and then fail each allocation in turn.
 */
void as_mem_fail_after(long n);
void as_mem_fail_reset(void);
long as_mem_n_allocs(void);

#endif
