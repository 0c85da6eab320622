#include "common/util/mem.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static atomic_long fail_countdown = -1;
static atomic_long n_allocs;

/* True when this allocation must fail. Costs one relaxed atomic load when disabled. */
static inline int should_fail(void)
{
	atomic_fetch_add_explicit(&n_allocs, 1, memory_order_relaxed);
	if (atomic_load_explicit(&fail_countdown, memory_order_relaxed) < 0)
		return 0;
	return atomic_fetch_sub(&fail_countdown, 1) <= 0 ? (atomic_store(&fail_countdown, 0), 1) : 0;
}

void *as_malloc(size_t n)
{
	return should_fail() ? NULL : malloc(n ? n : 1);
}

void *as_calloc(size_t count, size_t size)
{
	return should_fail() ? NULL : calloc(count ? count : 1, size ? size : 1);
}

void *as_realloc(void *p, size_t n)
{
	return should_fail() ? NULL : realloc(p, n ? n : 1);
}

void as_free(void *p)
{
	free(p);
}

char *as_strndup(const char *s, size_t len)
{
	char *d = as_malloc(len + 1);

	if (d) {
		memcpy(d, s, len);
		d[len] = '\0';
	}
	return d;
}

char *as_strdup(const char *s)
{
	return as_strndup(s, strlen(s));
}

void as_mem_fail_after(long n)
{
	atomic_store(&fail_countdown, n);
}

void as_mem_fail_reset(void)
{
	atomic_store(&fail_countdown, -1);
	atomic_store(&n_allocs, 0);
}

long as_mem_n_allocs(void)
{
	return atomic_load(&n_allocs);
}
