#include "searchd/live.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/index/index.h"
#include "common/util/error.h"
#include "common/util/mem.h"

struct live {
	char *dir;
	/* Guards `current` only while a reference is taken or the pointer swapped: a few
	 * instructions, so a plain mutex costs less than it would to be clever. */
	pthread_mutex_t lock;
	struct generation *current;
};

static atomic_ulong generation_seq;

/* The inode of DIR/NAME, 0 when it cannot be read (then it differs from any folder's). */
static uint64_t folder_id(const char *dir, const char *name)
{
	char path[4096];
	struct stat st;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path) || stat(path, &st) < 0)
		return 0;
	return (uint64_t)st.st_ino;
}

/* Whether DIR/NAME is the generation g (its name and its folder). */
static int same_generation(const char *dir, const char *name, const struct generation *g)
{
	return !strcmp(name, g->name) && g->folder && folder_id(dir, name) == g->folder;
}

static int generation_new(const char *dir, struct index *idx, struct generation **out)
{
	struct generation *g = as_calloc(1, sizeof(*g));
	struct index_stats st;

	if (!g)
		return as_error_set(AS_ENOMEM, "out of memory opening a generation");
	index_get_stats(idx, &st);
	g->idx = idx;
	g->name = index_generation(idx);
	g->n_docs = st.n_docs;
	g->folder = folder_id(dir, g->name);
	g->seq = atomic_fetch_add(&generation_seq, 1) + 1;
	atomic_init(&g->refs, 1);
	*out = g;
	return 0;
}

int live_open(const char *dir, struct live **out)
{
	struct live *l = as_calloc(1, sizeof(*l));
	struct index *idx = NULL;
	int rc;

	*out = NULL;
	if (!l)
		return as_error_set(AS_ENOMEM, "out of memory");
	pthread_mutex_init(&l->lock, NULL);
	if (!(l->dir = as_strdup(dir))) {
		rc = as_error_set(AS_ENOMEM, "out of memory");
		goto fail;
	}
	if ((rc = index_open(dir, &idx)) < 0)
		goto fail;
	if ((rc = generation_new(dir, idx, &l->current)) < 0) {
		index_close(idx);
		goto fail;
	}
	*out = l;
	return 0;
fail:
	pthread_mutex_destroy(&l->lock);
	as_free(l->dir);
	as_free(l);
	return rc;
}

void live_close(struct live *l)
{
	if (!l)
		return;
	live_release(l->current);
	pthread_mutex_destroy(&l->lock);
	as_free(l->dir);
	as_free(l);
}

struct generation *live_acquire(struct live *l)
{
	struct generation *g;

	pthread_mutex_lock(&l->lock);
	g = l->current;
	atomic_fetch_add_explicit(&g->refs, 1, memory_order_relaxed);
	pthread_mutex_unlock(&l->lock);
	return g;
}

void live_release(struct generation *g)
{
	/* acq_rel: every use of the index by other holders happens before the close. */
	if (g && atomic_fetch_sub_explicit(&g->refs, 1, memory_order_acq_rel) == 1) {
		index_close(g->idx);
		as_free(g);
	}
}

/* The generation CURRENT names, in name[0..cap); 0, or <0 when it cannot be read. */
static int read_current(const char *dir, char *name, size_t cap)
{
	char path[4096];
	ssize_t n;
	int fd;

	if ((size_t)snprintf(path, sizeof(path), "%s/CURRENT", dir) >= sizeof(path))
		return AS_EINVAL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return as_error_from_errno(errno);
	n = read(fd, name, cap - 1);
	close(fd);
	if (n <= 0)
		return AS_EIO;
	name[n] = '\0';
	name[strcspn(name, "\r\n")] = '\0';
	return 0;
}

int live_reload(struct live *l, int *changed)
{
	struct generation *old = l->current, *g;
	struct index *idx;
	char name[256];
	int rc;

	*changed = 0;
	/* Reopening (and re-verifying every checksum of) the generation already served
	 * would only cost time: CURRENT is rewritten, or touched, by every publish. */
	if (read_current(l->dir, name, sizeof(name)) == 0 && same_generation(l->dir, name, old))
		return 0;
	if ((rc = index_open(l->dir, &idx)) < 0)
		return rc;
	if (same_generation(l->dir, index_generation(idx), old)) {
		index_close(idx);
		return 0;
	}
	if ((rc = generation_new(l->dir, idx, &g)) < 0) {
		index_close(idx);
		return rc;
	}
	pthread_mutex_lock(&l->lock);
	l->current = g;
	pthread_mutex_unlock(&l->lock);
	live_release(old);
	*changed = 1;
	return 0;
}
