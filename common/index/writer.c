/*
 * The index writer: an in-memory inverted index (a hash of key -> growable postings
 * bytes, Zettair's and Lucene's in-memory buffering) flushed as a segment when its
 * memory budget is exceeded, deletions as per-segment bitmaps, a log merge policy, and
 * publishing a generation exactly as FORMAT.md "Index directory" says.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "common/index/codec.h"
#include "common/index/index_int.h"
#include "common/index/writer.h"
#include "common/util/arena.h"
#include "common/util/error.h"
#include "common/util/mem.h"

#define MERGE_FACTOR 8
#define DEFAULT_BUDGET ((size_t)128 << 20)

static const char *const seg_exts[5] = { "terms", "words", "post", "docs", "stor" };

/* A segment of the generation being built. */
struct wseg {
	char name[32];
	uint32_t n_docs, n_deleted;
	uint8_t *del;           /* n_docs bits (capacity del_cap bytes) */
	size_t del_cap;
	int is_new;             /* its files are in the new generation's folder */
	struct segment *rd;     /* reader, for merging */
	int rd_owned;
	int gone;               /* merged away or emptied */
};

struct idrec {
	char *id;
	uint32_t seg, doc;
	uint8_t hash[INDEX_HASH_LEN];
	uint8_t seen, live;
};

/* A key of the in-memory segment: its postings as varints (FORMAT.md is not involved:
 * doc delta, tf[3], positions as deltas), re-encoded at flush. */
struct mterm {
	uint32_t off, len; /* key in w->mkeys */
	uint64_t hash;
	uint8_t *p;
	uint32_t used, cap;
	int64_t last_doc;
	uint32_t df;
};

struct index_writer {
	char *dir;
	int lock_fd;
	int err;
	int full, done, force_merge;
	struct index *old;
	char old_gen_dir[PATH_MAX], new_gen_dir[PATH_MAX], new_gen[32];
	uint64_t gen_no, next_segment;
	struct wseg *segs;
	uint32_t n_segs, segs_cap;
	/* documents by id */
	struct idrec *ids;
	uint32_t n_ids, ids_cap;
	uint32_t *id_table, id_table_cap;
	/* the in-memory segment */
	struct segw *cur;
	uint32_t cur_seg;
	struct buf mkeys;
	struct mterm *mterms;
	uint32_t n_mterms, mterms_cap;
	uint32_t *mtable, mtable_cap;
	struct ad_set mwords;
	uint32_t *mword_df;
	size_t mem_used, budget;
	uint64_t added, updated, deleted, unchanged;
	int changed;
};

/* snprintf for paths (shorter than PATH_MAX in practice; a longer one is cut, and the
 * open() that follows fails and names it). */
static void __attribute__((format(printf, 3, 4))) pathf(char *out, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out, size, fmt, ap);
	va_end(ap);
}

static int crash_at(const char *step)
{
	const char *e = getenv("ARTISEARCH_CRASH_AT");

	/* Fault injection for the publishing tests: die as kill -9 would, at this step. */
	if (e && !strcmp(e, step))
		raise(SIGKILL);
	return 0;
}

static int werr(struct index_writer *w, int rc)
{
	if (rc < 0 && !w->err)
		w->err = rc;
	return rc;
}

/* ---- Ids ---- */

static uint64_t id_hash(const char *id)
{
	return XXH3_64bits(id, strlen(id));
}

static int id_table_grow(struct index_writer *w)
{
	uint32_t nc = w->id_table_cap ? w->id_table_cap * 2 : 1024, i;
	uint32_t *t = as_calloc(nc, sizeof(*t));

	if (!t)
		return AS_ENOMEM;
	for (i = 0; i < w->n_ids; i++) {
		uint32_t h = (uint32_t)id_hash(w->ids[i].id) & (nc - 1);
		while (t[h])
			h = (h + 1) & (nc - 1);
		t[h] = i + 1;
	}
	as_free(w->id_table);
	w->id_table = t;
	w->id_table_cap = nc;
	return 0;
}

static struct idrec *id_find(struct index_writer *w, const char *id)
{
	uint32_t h, i;

	if (!w->id_table_cap)
		return NULL;
	h = (uint32_t)id_hash(id) & (w->id_table_cap - 1);
	while ((i = w->id_table[h])) {
		if (!strcmp(w->ids[i - 1].id, id))
			return &w->ids[i - 1];
		h = (h + 1) & (w->id_table_cap - 1);
	}
	return NULL;
}

static struct idrec *id_add(struct index_writer *w, const char *id)
{
	uint32_t h;
	struct idrec *r;

	if ((w->n_ids + 1) * 2 > w->id_table_cap && id_table_grow(w))
		return NULL;
	if (w->n_ids == w->ids_cap) {
		uint32_t nc = w->ids_cap ? w->ids_cap * 2 : 1024;
		struct idrec *n = as_realloc(w->ids, nc * sizeof(*n));
		if (!n)
			return NULL;
		w->ids = n;
		w->ids_cap = nc;
	}
	r = &w->ids[w->n_ids];
	memset(r, 0, sizeof(*r));
	if (!(r->id = as_strdup(id)))
		return NULL;
	h = (uint32_t)id_hash(id) & (w->id_table_cap - 1);
	while (w->id_table[h])
		h = (h + 1) & (w->id_table_cap - 1);
	w->id_table[h] = ++w->n_ids;
	return r;
}

/* ---- Segments list ---- */

static struct wseg *seg_add(struct index_writer *w)
{
	struct wseg *s;

	if (w->n_segs == w->segs_cap) {
		uint32_t nc = w->segs_cap ? w->segs_cap * 2 : 16;
		struct wseg *n = as_realloc(w->segs, nc * sizeof(*n));
		if (!n)
			return NULL;
		w->segs = n;
		w->segs_cap = nc;
	}
	s = &w->segs[w->n_segs++];
	memset(s, 0, sizeof(*s));
	pathf(s->name, sizeof(s->name), "seg-%06llu", (unsigned long long)w->next_segment++);
	return s;
}

static int del_reserve(struct wseg *s, uint32_t n_docs)
{
	size_t need = ((size_t)n_docs + 7) / 8;

	if (need > s->del_cap) {
		size_t nc = s->del_cap ? s->del_cap * 2 : 64;
		uint8_t *n;
		while (nc < need)
			nc *= 2;
		n = as_realloc(s->del, nc);
		if (!n)
			return AS_ENOMEM;
		memset(n + s->del_cap, 0, nc - s->del_cap);
		s->del = n;
		s->del_cap = nc;
	}
	return 0;
}

static void mark_deleted(struct index_writer *w, struct idrec *r)
{
	struct wseg *s = &w->segs[r->seg];

	if (!r->live)
		return;
	s->del[r->doc >> 3] |= (uint8_t)(1u << (r->doc & 7));
	s->n_deleted++;
	r->live = 0;
	w->changed = 1;
}

/* ---- Opening ---- */

static int remove_tree(const char *path)
{
	/* O_NOFOLLOW: a gen-* that is a symbolic link is not a generation we wrote, and
	 * what it points to may lie outside the index directory; it is left alone. */
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	DIR *d;
	struct dirent *e;

	if (fd < 0)
		return errno == ENOENT ? 0 : AS_EIO;
	if (!(d = fdopendir(fd))) {
		close(fd);
		return AS_EIO;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		unlinkat(dirfd(d), e->d_name, 0);
	}
	closedir(d);
	return rmdir(path) < 0 ? AS_EIO : 0;
}

/* Largest N of the gen-N folders in dir. */
static uint64_t max_generation(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	uint64_t max = 0, n;
	char *end;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "gen-", 4))
			continue;
		n = strtoull(e->d_name + 4, &end, 10);
		if (*end == '\0' && n > max)
			max = n;
	}
	closedir(d);
	return max;
}

/* Removes every gen-* folder but `keep` (NULL: none), only those numbered above `keep`'s
 * when `newer_only`, and a stale CURRENT.tmp. */
static void remove_generations(const char *dir, const char *keep, int newer_only)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char p[PATH_MAX], *end;
	uint64_t keep_no = keep ? strtoull(keep + 4, &end, 10) : 0;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strncmp(e->d_name, "gen-", 4) || (keep && !strcmp(e->d_name, keep)))
			continue;
		if (newer_only && keep && strtoull(e->d_name + 4, &end, 10) <= keep_no)
			continue;
		pathf(p, sizeof(p), "%s/%s", dir, e->d_name);
		remove_tree(p);
	}
	closedir(d);
	pathf(p, sizeof(p), "%s/CURRENT.tmp", dir);
	unlink(p);
}

static int load_old(struct index_writer *w)
{
	uint32_t i, d;

	for (i = 0; i < index_n_segments(w->old); i++) {
		struct segment *rd = w->old->segs[i];
		struct wseg *s = seg_add(w);
		if (!s)
			return AS_ENOMEM;
		w->next_segment--; /* keep the old name */
		pathf(s->name, sizeof(s->name), "%s", rd->name);
		s->n_docs = rd->n_docs;
		s->n_deleted = rd->n_deleted;
		s->rd = rd;
		if (del_reserve(s, s->n_docs))
			return AS_ENOMEM;
		if (rd->del_bits)
			memcpy(s->del, rd->del_bits, ((size_t)s->n_docs + 7) / 8);
		for (d = 0; d < rd->n_docs; d++) {
			struct idrec *r;
			if (!segment_is_live(rd, d))
				continue;
			r = id_find(w, segment_doc_id(rd, d));
			if (r) { /* a duplicate live id: the newer segment wins */
				mark_deleted(w, r);
				w->changed = 0;
			} else if (!(r = id_add(w, segment_doc_id(rd, d)))) {
				return AS_ENOMEM;
			}
			r->seg = w->n_segs - 1;
			r->doc = d;
			r->live = 1;
			memcpy(r->hash, segment_doc_hash(rd, d), INDEX_HASH_LEN);
		}
	}
	w->next_segment = w->old->next_segment;
	return 0;
}

int index_writer_open(const char *dir, int full, struct index_writer **out)
{
	struct index_writer *w;
	char path[PATH_MAX], cur[64];
	const char *env;
	int rc, damaged_current = 0;

	*out = NULL;
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return as_error_set(as_error_from_errno(errno), "%s: %s", dir, strerror(errno));
	w = as_calloc(1, sizeof(*w));
	if (!w)
		return AS_ENOMEM;
	w->lock_fd = -1;
	w->full = full;
	w->budget = DEFAULT_BUDGET;
	if ((env = getenv("ARTISEARCH_INDEX_MEMORY")) && atol(env) > 0)
		w->budget = (size_t)atol(env) << 20;
	if (!(w->dir = as_strdup(dir))) {
		rc = AS_ENOMEM;
		goto fail;
	}
	pathf(path, sizeof(path), "%s/LOCK", dir);
	w->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (w->lock_fd < 0) {
		rc = as_error_set(as_error_from_errno(errno), "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (flock(w->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		rc = errno == EWOULDBLOCK ? as_error_set(AS_ELOCKED, "%s: another indexer is writing this index", dir)
					  : as_error_set(AS_EIO, "%s: %s", path, strerror(errno));
		goto fail;
	}
	rc = index_read_current(dir, cur, sizeof(cur));
	if (rc == AS_ENOENT) {
		cur[0] = '\0';
		as_error_clear();
	} else if (rc == AS_ECORRUPT && full) {
		/* A damaged CURRENT names nothing we may follow (it may read "../x"): a full
		 * rebuild publishes over it. Which generation was published is unknown, so
		 * none is removed until commit has published the new one. */
		cur[0] = '\0';
		as_error_clear();
		damaged_current = 1;
	} else if (rc < 0) {
		goto fail;
	}
	/* Holding the lock, a generation after the published one is a crashed writer's. One
	 * before it stays until the published one is read sound: a daemon that refused the
	 * published one (unreadable) still serves it, and this run may fail on it. */
	w->gen_no = max_generation(dir) + 1;
	if (!damaged_current)
		remove_generations(dir, cur[0] ? cur : NULL, 1);
	if (cur[0]) {
		rc = index_open_generation(dir, cur, &w->old);
		if (rc < 0 && full) {
			/* A full rebuild needs nothing of the published generation: one it cannot
			 * read (an older format version, corruption) is replaced, not an obstacle. */
			as_error_clear();
			w->old = NULL;
		} else if (rc < 0) {
			goto fail;
		} else {
			/* The published generation is sound: the ones before it are done with. */
			remove_generations(dir, cur, 0);
			pathf(w->old_gen_dir, sizeof(w->old_gen_dir), "%s/%s", dir, cur);
			w->next_segment = w->old->next_segment;
			if (w->old->gen_no >= w->gen_no)
				w->gen_no = w->old->gen_no + 1;
			if (!full && (rc = load_old(w)) < 0)
				goto fail;
		}
	}
	pathf(w->new_gen, sizeof(w->new_gen), "gen-%06llu", (unsigned long long)w->gen_no);
	pathf(w->new_gen_dir, sizeof(w->new_gen_dir), "%s/%s", dir, w->new_gen);
	if (mkdir(w->new_gen_dir, 0755) < 0) {
		rc = as_error_set(as_error_from_errno(errno), "%s: %s", w->new_gen_dir, strerror(errno));
		w->new_gen_dir[0] = '\0';
		goto fail;
	}
	*out = w;
	return 0;
fail:
	index_writer_free(w);
	return rc;
}

void index_writer_set_memory_budget(struct index_writer *w, size_t bytes)
{
	w->budget = bytes ? bytes : 1;
}

void index_writer_force_merge(struct index_writer *w)
{
	w->force_merge = 1;
}

int index_writer_known(struct index_writer *w, const char *id, const uint8_t hash[INDEX_HASH_LEN])
{
	struct idrec *r;

	if (w->err)
		return w->err;
	r = id_find(w, id);
	if (!r || !r->live)
		return AS_ENOENT;
	r->seen = 1;
	if (memcmp(r->hash, hash, INDEX_HASH_LEN))
		return 1;
	w->unchanged++;
	return 0;
}

int index_writer_keep(struct index_writer *w, const char *id, int folder)
{
	size_t n = strlen(id);
	int kept = 0;

	if (w->err)
		return w->err;
	if (!folder) {
		struct idrec *r = id_find(w, id);
		if (!r || !r->live || r->seen)
			return 0;
		r->seen = 1;
		w->unchanged++;
		return 1;
	}
	for (uint32_t i = 0; i < w->n_ids; i++) {
		struct idrec *r = &w->ids[i];
		if (r->live && !r->seen && !strncmp(r->id, id, n) && r->id[n] == '/') {
			r->seen = 1;
			w->unchanged++;
			kept++;
		}
	}
	return kept;
}

int index_writer_delete(struct index_writer *w, const char *id)
{
	struct idrec *r;

	if (w->err)
		return w->err;
	if (w->done)
		return as_error_set(AS_EINVAL, "index writer: already committed");
	r = id_find(w, id);
	if (!r || !r->live)
		return AS_ENOENT;
	mark_deleted(w, r);
	w->deleted++;
	return 0;
}

/* ---- The in-memory segment ---- */

static void mterms_release(struct index_writer *w)
{
	uint32_t i;

	for (i = 0; i < w->n_mterms; i++)
		as_free(w->mterms[i].p);
	as_free(w->mterms);
	as_free(w->mtable);
	buf_release(&w->mkeys);
	w->mterms = NULL;
	w->mtable = NULL;
	w->n_mterms = w->mterms_cap = w->mtable_cap = 0;
	as_free(w->mwords.keys);
	as_free(w->mwords.table);
	buf_release(&w->mwords.bytes);
	as_free(w->mword_df);
	memset(&w->mwords, 0, sizeof(w->mwords));
	w->mword_df = NULL;
	w->mem_used = 0;
}

static int mtable_grow(struct index_writer *w)
{
	uint32_t nc = w->mtable_cap ? w->mtable_cap * 2 : 1024, i;
	uint32_t *t = as_calloc(nc, sizeof(*t));

	if (!t)
		return AS_ENOMEM;
	for (i = 0; i < w->n_mterms; i++) {
		uint32_t h = (uint32_t)w->mterms[i].hash & (nc - 1);
		while (t[h])
			h = (h + 1) & (nc - 1);
		t[h] = i + 1;
	}
	w->mem_used += (size_t)(nc - w->mtable_cap) * sizeof(*t);
	as_free(w->mtable);
	w->mtable = t;
	w->mtable_cap = nc;
	return 0;
}

static struct mterm *mterm_get(struct index_writer *w, const char *key, uint32_t len, uint64_t hash)
{
	uint32_t slot, i;
	struct mterm *t;

	if ((w->n_mterms + 1) * 2 > w->mtable_cap && mtable_grow(w))
		return NULL;
	slot = (uint32_t)hash & (w->mtable_cap - 1);
	while ((i = w->mtable[slot])) {
		t = &w->mterms[i - 1];
		if (t->hash == hash && t->len == len && !memcmp(w->mkeys.ptr + t->off, key, len))
			return t;
		slot = (slot + 1) & (w->mtable_cap - 1);
	}
	if (w->n_mterms == w->mterms_cap) {
		uint32_t nc = w->mterms_cap ? w->mterms_cap * 2 : 512;
		struct mterm *n = as_realloc(w->mterms, nc * sizeof(*n));
		if (!n)
			return NULL;
		w->mem_used += (size_t)(nc - w->mterms_cap) * sizeof(*n);
		w->mterms = n;
		w->mterms_cap = nc;
	}
	t = &w->mterms[w->n_mterms];
	memset(t, 0, sizeof(*t));
	t->off = (uint32_t)w->mkeys.len;
	t->len = len;
	t->hash = hash;
	t->last_doc = -1;
	buf_add(&w->mkeys, key, len);
	if (w->mkeys.err)
		return NULL;
	w->mem_used += len;
	w->mtable[slot] = ++w->n_mterms;
	return t;
}

static int mterm_reserve(struct index_writer *w, struct mterm *t, size_t extra)
{
	size_t need = (size_t)t->used + extra, nc;
	uint8_t *n;

	if (need <= t->cap)
		return 0;
	if (need > UINT32_MAX)
		return as_error_set(AS_ELIMIT, "index writer: a postings list outgrew its buffer");
	nc = t->cap ? (size_t)t->cap * 2 : 32;
	while (nc < need)
		nc *= 2;
	if (nc > UINT32_MAX)
		nc = UINT32_MAX;
	n = as_realloc(t->p, nc);
	if (!n)
		return AS_ENOMEM;
	w->mem_used += nc - t->cap;
	t->p = n;
	t->cap = (uint32_t)nc;
	return 0;
}

static int start_segment(struct index_writer *w)
{
	struct wseg *s = seg_add(w);
	int rc;

	if (!s)
		return AS_ENOMEM;
	s->is_new = 1;
	w->cur_seg = w->n_segs - 1;
	if ((rc = segw_new(w->new_gen_dir, s->name, &w->cur)) < 0) {
		w->n_segs--;
		return rc;
	}
	return 0;
}

static int cmp_mterm(const void *a, const void *b, void *arg)
{
	const struct index_writer *w = arg;
	const struct mterm *x = &w->mterms[*(const uint32_t *)a], *y = &w->mterms[*(const uint32_t *)b];
	size_t m = x->len < y->len ? x->len : y->len;
	int c = memcmp(w->mkeys.ptr + x->off, w->mkeys.ptr + y->off, m);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

static int cmp_mword(const void *a, const void *b, void *arg)
{
	const struct ad_set *s = arg;
	const struct ad_key *x = &s->keys[*(const uint32_t *)a], *y = &s->keys[*(const uint32_t *)b];
	size_t m = x->len < y->len ? x->len : y->len;
	int c = memcmp(s->bytes.ptr + x->off, s->bytes.ptr + y->off, m);

	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/* Writes the in-memory segment's postings and words, and closes it. */
static int flush_segment(struct index_writer *w)
{
	uint32_t *order = NULL, i, *pos = NULL;
	size_t pos_cap = 0;
	int rc = 0;

	if (!w->cur)
		return 0;
	order = as_malloc(((size_t)(w->n_mterms > w->mwords.n ? w->n_mterms : w->mwords.n) + 1) * sizeof(*order));
	if (!order) {
		rc = AS_ENOMEM;
		goto out;
	}
	for (i = 0; i < w->n_mterms; i++)
		order[i] = i;
	qsort_r(order, w->n_mterms, sizeof(*order), cmp_mterm, w);
	for (i = 0; i < w->n_mterms && !rc; i++) {
		const struct mterm *t = &w->mterms[order[i]];
		size_t at = 0, k;
		int64_t doc = -1;

		while (at < t->used) {
			uint32_t delta, tf[N_FIELDS], total = 0, j, v;
			int f;
			at += varint_get32(t->p + at, t->used - at, &delta);
			for (f = 0; f < N_FIELDS; f++) {
				at += varint_get32(t->p + at, t->used - at, &tf[f]);
				total += tf[f];
			}
			if (total > pos_cap) {
				uint32_t *n = as_realloc(pos, total * sizeof(*n));
				if (!n) {
					rc = AS_ENOMEM;
					break;
				}
				pos = n;
				pos_cap = total;
			}
			for (f = 0, k = 0; f < N_FIELDS; f++) {
				uint32_t prev = 0;
				for (j = 0; j < tf[f]; j++, k++) {
					at += varint_get32(t->p + at, t->used - at, &v);
					pos[k] = prev = j ? prev + v : v;
				}
			}
			doc += delta;
			segw_list_add(w->cur, (uint32_t)doc, tf, pos);
		}
		if (!rc)
			rc = segw_list_end(w->cur, w->mkeys.ptr + t->off, t->len);
	}
	for (i = 0; i < w->mwords.n; i++)
		order[i] = i;
	qsort_r(order, w->mwords.n, sizeof(*order), cmp_mword, &w->mwords);
	for (i = 0; i < w->mwords.n && !rc; i++) {
		const struct ad_key *k = &w->mwords.keys[order[i]];
		rc = segw_word(w->cur, w->mwords.bytes.ptr + k->off, k->len, w->mword_df[order[i]]);
	}
out:
	as_free(order);
	as_free(pos);
	if (!rc)
		rc = segw_finish(w->cur);
	else
		segw_abort(w->cur);
	w->cur = NULL;
	w->segs[w->cur_seg].n_docs = w->segs[w->cur_seg].n_docs; /* set as documents were added */
	mterms_release(w);
	if (!rc)
		crash_at("flush");
	return rc;
}

static int add_postings(struct index_writer *w, const struct analyzed_doc *ad, uint32_t doc)
{
	uint32_t i, j;
	int f, rc;

	for (i = 0; i < ad->keys.n; i++) {
		const struct ad_key *k = &ad->keys.keys[i];
		struct mterm *t = mterm_get(w, ad->keys.bytes.ptr + k->off, k->len, k->hash);
		const uint32_t *pos = ad->pos + k->first;
		uint8_t *p;

		if (!t)
			return AS_ENOMEM;
		/* At most 5 bytes per varint: the delta, 3 tfs, and each position. */
		if ((rc = mterm_reserve(w, t, 5 * (4 + (size_t)k->count))) < 0)
			return rc;
		p = t->p + t->used;
		p += varint_write(p, (uint64_t)((int64_t)doc - t->last_doc));
		for (f = 0; f < N_FIELDS; f++)
			p += varint_write(p, k->tf[f]);
		for (f = 0, j = 0; f < N_FIELDS; f++) {
			uint32_t n, prev = 0;
			for (n = 0; n < k->tf[f]; n++, j++) {
				p += varint_write(p, n ? pos[j] - prev : pos[j]);
				prev = pos[j];
			}
		}
		t->used = (uint32_t)(p - t->p);
		t->last_doc = doc;
		t->df++;
	}
	for (i = 0; i < ad->words.n; i++) {
		const struct ad_key *k = &ad->words.keys[i];
		uint32_t before = w->mwords.n;
		int64_t x;
		x = ad_set_intern(&w->mwords, ad->words.bytes.ptr + k->off, k->len, k->hash);
		if (x < 0)
			return AS_ENOMEM;
		if (w->mwords.n != before) {
			if (w->mwords.n > w->mwords.keys_cap / 2 || !w->mword_df) {
				uint32_t *n = as_realloc(w->mword_df, (size_t)w->mwords.keys_cap * sizeof(*n));
				if (!n)
					return AS_ENOMEM;
				w->mword_df = n;
			}
			w->mword_df[x] = 0;
			w->mem_used += k->len + sizeof(struct ad_key) + 12;
		}
		w->mword_df[x]++;
	}
	return 0;
}

int index_writer_add(struct index_writer *w, struct analyzed_doc *ad, const uint8_t hash[INDEX_HASH_LEN])
{
	struct idrec *r;
	struct wseg *s;
	uint32_t doc;
	int rc;

	if (w->err || w->done) {
		analyzed_doc_free(ad);
		return w->err ? w->err : as_error_set(AS_EINVAL, "index writer: already committed");
	}
	if (!ad->finished && (rc = analyzed_doc_finish(ad)) < 0)
		goto fail;
	if (!w->cur && (rc = start_segment(w)) < 0)
		goto fail;
	s = &w->segs[w->cur_seg];
	doc = segw_n_docs(w->cur);
	if ((rc = del_reserve(s, doc + 1)) < 0)
		goto fail;
	/* The body's record: its marks' length and marks, then its text. */
	struct buf head = BUF_INIT;
	varint_put(&head, ad->marks.len);
	buf_add(&head, ad->marks.ptr, ad->marks.len);
	rc = head.err ? AS_ENOMEM
		      : segw_add_doc(w->cur, ad->id, hash, ad->field_len, ad->date, ad->type, ad->department,
				     ad->meta.ptr, ad->meta.len, head.ptr, head.len, ad->body, ad->body_len);
	buf_release(&head);
	if (rc < 0)
		goto fail;
	s->n_docs = doc + 1;
	/* From here on the document is in the segment's stored fields: its postings must be
	 * complete, or the writer is failed (sticky) and nothing is published. */
	if ((rc = add_postings(w, ad, doc)) < 0)
		goto fail;
	r = id_find(w, ad->id);
	if (r && r->live) {
		mark_deleted(w, r);
		w->updated++;
	} else {
		if (!r && !(r = id_add(w, ad->id))) {
			rc = AS_ENOMEM;
			goto fail;
		}
		w->added++;
	}
	r->seg = w->cur_seg;
	r->doc = doc;
	r->live = 1;
	r->seen = 1;
	memcpy(r->hash, hash, INDEX_HASH_LEN);
	w->changed = 1;
	w->mem_used += ad->meta.len + 64;
	analyzed_doc_free(ad);
	if (w->mem_used > w->budget && (rc = flush_segment(w)) < 0)
		return werr(w, rc);
	return 0;
fail:
	analyzed_doc_free(ad);
	return werr(w, rc);
}

/* ---- Merging ---- */

static int seg_reader(struct index_writer *w, struct wseg *s)
{
	int rc;

	if (s->rd)
		return 0;
	rc = segment_open(w->new_gen_dir, s->name, 0, IXFILE_VERIFY, &s->rd);
	if (rc == 0)
		s->rd_owned = 1;
	return rc;
}

static inline int wseg_live(const struct wseg *s, uint32_t doc)
{
	return !(s->del[doc >> 3] & (1u << (doc & 7)));
}

struct msrc {
	struct wseg *s;
	uint32_t *map;      /* old doc -> new doc, UINT32_MAX: deleted */
	struct term_iter *it;
	int at_end;
};

static int key_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	size_t m = al < bl ? al : bl;
	int c = m ? memcmp(a, b, m) : 0;
	return c ? c : (al > bl) - (al < bl);
}

/* Merges segs[idx[0..n)] into a new segment; the sources are marked gone. */
static int merge(struct index_writer *w, const uint32_t *idx, uint32_t n)
{
	struct msrc *src = as_calloc(n, sizeof(*src));
	struct segw *sw = NULL;
	struct arena *arena = arena_new(64 * 1024);
	struct store_cache cache[2];
	struct wseg *out;
	uint32_t i, d, next = 0, *pos = NULL, out_i;
	size_t pos_cap = 0;
	int rc = 0, dict, f;

	memset(cache, 0, sizeof(cache));
	if (!src || !arena) {
		rc = AS_ENOMEM;
		goto done;
	}
	if (!(out = seg_add(w))) {
		rc = AS_ENOMEM;
		goto done;
	}
	out->is_new = 1;
	out_i = w->n_segs - 1;
	for (i = 0; i < n; i++)
		src[i].s = &w->segs[idx[i]];
	if ((rc = segw_new(w->new_gen_dir, out->name, &sw)) < 0)
		goto done;
	/* Documents: the live ones of each source in order. */
	for (i = 0; i < n && !rc; i++) {
		struct wseg *s = src[i].s;
		struct segment *rd;
		if ((rc = seg_reader(w, s)) < 0)
			break;
		rd = s->rd;
		src[i].map = as_malloc(((size_t)s->n_docs + 1) * sizeof(uint32_t));
		if (!src[i].map) {
			rc = AS_ENOMEM;
			break;
		}
		for (d = 0; d < s->n_docs && !rc; d++) {
			const uint8_t *meta, *body;
			size_t ml, bl;
			uint32_t fl[N_FIELDS];
			struct doc_values v;
			src[i].map[d] = UINT32_MAX;
			if (!wseg_live(s, d))
				continue;
			arena_reset(arena);
			if ((rc = store_get_raw(rd, STREAM_META, d, arena, &cache[0], &meta, &ml)) < 0 ||
			    (rc = store_get_raw(rd, STREAM_BODY, d, arena, &cache[1], &body, &bl)) < 0)
				break;
			for (f = 0; f < N_FIELDS; f++)
				fl[f] = segment_field_len(rd, d, f);
			segment_doc_values(rd, d, &v);
			rc = segw_add_doc(sw, segment_doc_id(rd, d), segment_doc_hash(rd, d), fl, v.date,
					  segment_value_name(rd, VALUE_TYPE, v.type),
					  segment_value_name(rd, VALUE_DEPARTMENT, v.department), meta, ml, NULL, 0, body,
					  bl);
			src[i].map[d] = next++;
		}
	}
	out->n_docs = next;
	if (!rc)
		rc = del_reserve(out, next + 1);
	/* Keys of both dictionaries, a k-way merge of the sources' ordered iterators. */
	for (dict = DICT_TERMS; dict <= DICT_WORDS && !rc; dict++) {
		for (i = 0; i < n && !rc; i++) {
			term_iter_free(src[i].it);
			src[i].it = NULL;
			if ((rc = term_iter_new(src[i].s->rd, dict, &src[i].it)) < 0)
				break;
			rc = term_iter_next(src[i].it);
			src[i].at_end = rc > 0;
			rc = rc > 0 ? 0 : rc;
		}
		while (!rc) {
			const char *min = NULL, *k;
			size_t min_len = 0, kl;
			char key[KEY_MAX + 1];
			uint32_t df = 0, docs = 0;
			for (i = 0; i < n; i++) {
				if (src[i].at_end)
					continue;
				k = term_iter_key(src[i].it, &kl);
				if (!min || key_cmp(k, kl, min, min_len) < 0)
					min = k, min_len = kl;
			}
			if (!min)
				break;
			memcpy(key, min, min_len);
			for (i = 0; i < n && !rc; i++) {
				struct postings *p;
				if (src[i].at_end)
					continue;
				k = term_iter_key(src[i].it, &kl);
				if (key_cmp(k, kl, key, min_len))
					continue;
				if (dict == DICT_WORDS) {
					df += term_iter_info(src[i].it)->doc_freq;
				} else if ((rc = postings_open(src[i].s->rd, term_iter_info(src[i].it), POSTINGS_POSITIONS, &p)) == 0) {
					while ((rc = postings_next(p)) == 0) {
						uint32_t doc = postings_doc(p), tf[N_FIELDS], total = 0, at = 0;
						if (src[i].map[doc] == UINT32_MAX)
							continue;
						postings_freqs(p, tf);
						for (f = 0; f < N_FIELDS; f++)
							total += tf[f];
						if (total > pos_cap) {
							uint32_t *nn = as_realloc(pos, total * sizeof(*nn));
							if (!nn) {
								rc = AS_ENOMEM;
								break;
							}
							pos = nn;
							pos_cap = total;
						}
						for (f = 0; f < N_FIELDS && !rc; f++) {
							const uint32_t *pp;
							uint32_t np;
							if (!tf[f])
								continue;
							if ((rc = postings_positions(p, f, &pp, &np)) < 0)
								break;
							memcpy(pos + at, pp, np * sizeof(*pp));
							at += np;
						}
						if (rc)
							break;
						segw_list_add(sw, src[i].map[doc], tf, pos);
						docs++;
					}
					if (rc > 0)
						rc = 0;
					postings_free(p);
				}
				if (!rc) {
					int r = term_iter_next(src[i].it);
					if (r < 0)
						rc = r;
					src[i].at_end = r > 0;
				}
			}
			if (rc)
				break;
			if (dict == DICT_TERMS && docs)
				rc = segw_list_end(sw, key, min_len);
			else if (dict == DICT_WORDS)
				/* Sources count their deleted documents: keep an upper bound that the
				 * segment can hold (FORMAT.md "Dictionaries"). */
				rc = segw_word(sw, key, min_len, df < next ? df : next);
		}
	}
	if (!rc) {
		rc = segw_finish(sw);
		sw = NULL;
	}
	if (!rc) {
		/* Re-point the ids of the merged documents. */
		for (i = 0; i < w->n_ids; i++) {
			struct idrec *r = &w->ids[i];
			uint32_t j;
			if (!r->live)
				continue;
			for (j = 0; j < n; j++)
				if (r->seg == idx[j]) {
					r->seg = out_i;
					r->doc = src[j].map[r->doc];
					break;
				}
		}
		for (i = 0; i < n; i++)
			src[i].s->gone = 1;
	}
done:
	if (sw)
		segw_abort(sw);
	if (src)
		for (i = 0; i < n; i++) {
			term_iter_free(src[i].it);
			as_free(src[i].map);
		}
	as_free(src);
	as_free(pos);
	arena_free(arena);
	store_cache_release(&cache[0]);
	store_cache_release(&cache[1]);
	return rc;
}

static int level_of(uint32_t live)
{
	int l = 0;

	while (live >= MERGE_FACTOR) {
		live /= MERGE_FACTOR;
		l++;
	}
	return l;
}

/* The log merge policy of FORMAT.md "Merge policy". */
static int apply_merge_policy(struct index_writer *w)
{
	uint32_t *idx = as_malloc(((size_t)w->n_segs * 2 + 1) * sizeof(*idx)), n, i;
	int rc = 0, level, again = 1;

	if (!idx)
		return AS_ENOMEM;
	if (w->force_merge) {
		for (n = 0, i = 0; i < w->n_segs; i++)
			if (!w->segs[i].gone)
				idx[n++] = i;
		if (n > 1 || (n == 1 && w->segs[idx[0]].n_deleted))
			rc = merge(w, idx, n);
		as_free(idx);
		return rc;
	}
	while (again && !rc) {
		again = 0;
		for (level = 0; level < 16 && !again && !rc; level++) {
			uint32_t cap = w->n_segs;
			for (n = 0, i = 0; i < cap; i++) {
				struct wseg *s = &w->segs[i];
				if (!s->gone && level_of(s->n_docs - s->n_deleted) == level)
					idx[n++] = i;
			}
			if (n >= MERGE_FACTOR) {
				rc = merge(w, idx, n);
				again = 1;
			}
		}
	}
	for (i = 0; i < w->n_segs && !rc; i++) {
		struct wseg *s = &w->segs[i];
		if (!s->gone && s->n_deleted > s->n_docs - s->n_deleted) {
			idx[0] = i;
			rc = merge(w, idx, 1);
		}
	}
	as_free(idx);
	return rc;
}

/* ---- Publishing ---- */

static uint64_t dir_bytes(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	char p[PATH_MAX];
	uint64_t total = 0;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		pathf(p, sizeof(p), "%s/%s", dir, e->d_name);
		if (e->d_name[0] != '.' && stat(p, &st) == 0 && S_ISREG(st.st_mode))
			total += (uint64_t)st.st_size;
	}
	closedir(d);
	return total;
}

static int write_del(const char *gen_dir, const struct wseg *s)
{
	char path[PATH_MAX];
	struct buf b = BUF_INIT;
	int rc;

	pathf(path, sizeof(path), "%s/%s.del", gen_dir, s->name);
	buf_put32(&b, s->n_docs);
	buf_put32(&b, s->n_deleted);
	buf_add(&b, s->del, ((size_t)s->n_docs + 7) / 8);
	if (b.err) {
		buf_release(&b);
		return AS_ENOMEM;
	}
	rc = ixfile_write_whole(path, "DELS", b.ptr, b.len);
	buf_release(&b);
	return rc;
}

static int publish(struct index_writer *w)
{
	struct manifest m;
	char from[PATH_MAX], to[PATH_MAX], tmp[PATH_MAX], cur[PATH_MAX], line[64];
	uint32_t i;
	int rc = 0, e, k, fd;

	memset(&m, 0, sizeof(m));
	m.generation = w->gen_no;
	m.next_segment = w->next_segment;
	m.segs = as_calloc(w->n_segs + 1, sizeof(*m.segs));
	if (!m.segs)
		return AS_ENOMEM;
	for (i = 0; i < w->n_segs && !rc; i++) {
		struct wseg *s = &w->segs[i];
		if (s->gone || s->n_deleted == s->n_docs)
			continue;
		if (!s->is_new)
			for (k = 0; k < 5 && !rc; k++) {
				pathf(from, sizeof(from), "%s/%s.%s", w->old_gen_dir, s->name, seg_exts[k]);
				pathf(to, sizeof(to), "%s/%s.%s", w->new_gen_dir, s->name, seg_exts[k]);
				if (link(from, to) < 0) {
					e = errno;
					rc = as_error_set(as_error_from_errno(e), "%s: link: %s", to, strerror(e));
				}
			}
		if (!rc && s->n_deleted)
			rc = write_del(w->new_gen_dir, s);
		pathf(m.segs[m.n_segments].name, sizeof(m.segs[0].name), "%s", s->name);
		m.segs[m.n_segments].n_docs = s->n_docs;
		m.segs[m.n_segments].n_deleted = s->n_deleted;
		m.n_segments++;
	}
	crash_at("segments");
	if (!rc)
		rc = manifest_write(w->new_gen_dir, &m);
	manifest_clear(&m);
	if (rc)
		return rc;
	crash_at("manifest");
	if ((rc = fsync_dir(w->new_gen_dir)) < 0)
		return rc;
	pathf(tmp, sizeof(tmp), "%s/CURRENT.tmp", w->dir);
	pathf(cur, sizeof(cur), "%s/CURRENT", w->dir);
	pathf(line, sizeof(line), "%s\n", w->new_gen);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write(fd, line, strlen(line)) != (ssize_t)strlen(line) || fsync(fd) < 0) {
		e = errno;
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return as_error_set(as_error_from_errno(e), "%s: %s", tmp, strerror(e));
	}
	close(fd);
	crash_at("current-tmp");
	if (rename(tmp, cur) < 0) {
		e = errno;
		unlink(tmp);
		return as_error_set(as_error_from_errno(e), "%s: rename: %s", cur, strerror(e));
	}
	crash_at("rename");
	if ((rc = fsync_dir(w->dir)) < 0)
		return rc;
	crash_at("published");
	return 0;
}

static void fill_summary(struct index_writer *w, struct index_summary *sum, const char *gen)
{
	char gdir[PATH_MAX];
	uint32_t i;

	memset(sum, 0, sizeof(*sum));
	sum->added = w->added;
	sum->updated = w->updated;
	sum->deleted = w->deleted;
	sum->unchanged = w->unchanged;
	for (i = 0; i < w->n_segs; i++)
		if (!w->segs[i].gone)
			sum->n_docs += w->segs[i].n_docs - w->segs[i].n_deleted;
	if (gen && *gen) {
		pathf(sum->generation, sizeof(sum->generation), "%s", gen);
		pathf(gdir, sizeof(gdir), "%s/%s", w->dir, gen);
		sum->index_bytes = dir_bytes(gdir);
	}
}

int index_writer_commit(struct index_writer *w, struct index_summary *summary)
{
	uint32_t i, j;
	int rc;

	if (w->err)
		return w->err;
	if (w->done)
		return as_error_set(AS_EINVAL, "index writer: already committed");
	w->done = 1;
	if (!w->full)
		for (i = 0; i < w->n_ids; i++) {
			struct idrec *r = &w->ids[i];
			if (r->live && !r->seen) {
				mark_deleted(w, r);
				w->deleted++;
			}
		}
	if ((rc = flush_segment(w)) < 0)
		return werr(w, rc);
	if (!w->changed && !w->full && w->old) {
		fill_summary(w, summary, w->old->generation);
		summary->published = 0;
		remove_tree(w->new_gen_dir);
		w->new_gen_dir[0] = '\0';
		return 0;
	}
	for (i = 0; i < w->n_segs; i++)
		if (w->segs[i].n_deleted == w->segs[i].n_docs)
			w->segs[i].gone = 1;
	if ((rc = apply_merge_policy(w)) < 0)
		return werr(w, rc);
	/* Files of new segments merged away are not part of the generation. */
	for (i = 0; i < w->n_segs; i++) {
		struct wseg *s = &w->segs[i];
		if (s->gone && s->is_new) {
			if (s->rd_owned) {
				segment_close(s->rd);
				s->rd = NULL;
				s->rd_owned = 0;
			}
			for (j = 0; j < 5; j++) {
				char p[PATH_MAX];
				pathf(p, sizeof(p), "%s/%s.%s", w->new_gen_dir, s->name, seg_exts[j]);
				unlink(p);
			}
		}
	}
	if ((rc = publish(w)) < 0)
		return werr(w, rc);
	/* Published: the previous generation and any leftovers go. */
	remove_generations(w->dir, w->new_gen, 0);
	fill_summary(w, summary, w->new_gen);
	summary->published = 1;
	w->new_gen_dir[0] = '\0'; /* no longer ours to remove */
	return 0;
}

void index_writer_free(struct index_writer *w)
{
	uint32_t i;

	if (!w)
		return;
	if (w->cur)
		segw_abort(w->cur);
	if (w->new_gen_dir[0])
		remove_tree(w->new_gen_dir);
	mterms_release(w);
	for (i = 0; i < w->n_segs; i++) {
		if (w->segs[i].rd_owned)
			segment_close(w->segs[i].rd);
		as_free(w->segs[i].del);
	}
	as_free(w->segs);
	for (i = 0; i < w->n_ids; i++)
		as_free(w->ids[i].id);
	as_free(w->ids);
	as_free(w->id_table);
	index_close(w->old);
	if (w->lock_fd >= 0)
		close(w->lock_fd); /* releases the flock */
	as_free(w->dir);
	as_free(w);
}
