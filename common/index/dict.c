/*
 * Dictionaries: front-coded blocks of DICT_BLOCK_KEYS keys behind a sparse index of one
 * fixed 16-byte entry per block (FORMAT.md "Dictionaries"). The reader works in the
 * mapping: nothing is loaded at open beyond a validation pass over the index; seeks
 * and typo walks build their in-memory samples on first use.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

#include "common/index/codec.h"
#include "common/index/index_int.h"
#include "common/util/buf.h"
#include "common/util/error.h"
#include "common/util/mem.h"

/* ---- Writer ---- */

int dict_writer_open(struct dict_writer *dw, const char *path, int terms)
{
	memset(dw, 0, sizeof(*dw));
	dw->terms = terms;
	dw->next_post = IXFILE_HEADER;
	return ixfile_create(&dw->f, path, terms ? "TERM" : "WORD");
}

static void flush_block(struct dict_writer *dw)
{
	uint8_t t[10];

	if (!dw->n_in_block)
		return;
	ixfile_write(&dw->f, t, varint_write(t, dw->n_in_block));
	ixfile_write_buf(&dw->f, &dw->block);
	buf_reset(&dw->block);
	dw->n_in_block = 0;
}

int dict_writer_add(struct dict_writer *dw, const char *key, size_t len, const struct term_info *ti)
{
	size_t shared = 0;
	int f;

	if (dw->f.err)
		return dw->f.err;
	if (!len || len > KEY_MAX)
		return dw->f.err = as_error_set(AS_EINVAL, "dictionary: bad key length %zu", len);
	if (dw->n_keys) {
		size_t m = len < dw->prev_len ? len : dw->prev_len;
		int c = memcmp(dw->prev, key, m);
		if (c > 0 || (c == 0 && dw->prev_len >= len))
			return dw->f.err = as_error_set(AS_EINVAL, "dictionary: keys out of order");
	}
	if (dw->n_in_block == DICT_BLOCK_KEYS)
		flush_block(dw);
	if (dw->n_in_block == 0) {
		buf_put64(&dw->index, dw->f.off);
		buf_put64(&dw->index, dw->terms ? ti->postings_offset : 0);
		dw->n_blocks++;
		if (dw->terms)
			dw->next_post = ti->postings_offset;
	} else {
		while (shared < len && shared < dw->prev_len && dw->prev[shared] == key[shared])
			shared++;
	}
	varint_put(&dw->block, shared);
	varint_put(&dw->block, len - shared);
	buf_add(&dw->block, key + shared, len - shared);
	varint_put(&dw->block, ti->doc_freq);
	if (dw->terms) {
		if (ti->postings_offset != dw->next_post)
			return dw->f.err = as_error_set(AS_EINVAL, "dictionary: postings not contiguous");
		for (f = 0; f < N_FIELDS; f++)
			varint_put(&dw->block, ti->max_tf[f]);
		for (f = 0; f < N_FIELDS; f++)
			if (ti->max_tf[f])
				varint_put(&dw->block, ti->min_len[f]);
		varint_put(&dw->block, ti->postings_len);
		dw->next_post += ti->postings_len;
	}
	memcpy(dw->prev, key, len);
	dw->prev_len = len;
	dw->n_in_block++;
	dw->n_keys++;
	return 0;
}

int dict_writer_finish(struct dict_writer *dw)
{
	uint8_t t[DICT_TAIL];
	uint64_t index_off;

	flush_block(dw);
	index_off = dw->f.off;
	ixfile_write_buf(&dw->f, &dw->index);
	memset(t, 0, sizeof(t));
	st32(t, (uint32_t)dw->n_keys), st32(t + 4, (uint32_t)(dw->n_keys >> 32));
	st32(t + 8, (uint32_t)index_off), st32(t + 12, (uint32_t)(index_off >> 32));
	st32(t + 16, dw->n_blocks);
	st32(t + 20, DICT_BLOCK_KEYS);
	ixfile_write(&dw->f, t, sizeof(t));
	buf_release(&dw->block);
	buf_release(&dw->index);
	return ixfile_finish(&dw->f);
}

void dict_writer_abort(struct dict_writer *dw)
{
	ixfile_abort(&dw->f);
	buf_release(&dw->block);
	buf_release(&dw->index);
}

/* ---- Reader ---- */

static int corrupt(const struct dict_reader *d, const char *what)
{
	/* Named, so that `artisearch check` and the daemon say which file is damaged. */
	return as_error_set(AS_ECORRUPT, "%s: %s dictionary: %s", d->name, d->terms ? "term" : "word", what);
}

int dict_reader_open(struct dict_reader *d, const char *path, const char *name, int terms, uint64_t post_limit,
		     unsigned flags)
{
	const uint8_t *t;
	uint64_t index_off, prev = 0, off;
	uint32_t i;
	int rc;

	memset(d, 0, sizeof(*d));
	atomic_init(&d->keys, NULL);
	atomic_init(&d->fine, NULL);
	atomic_init(&d->seeks, 0);
	atomic_init(&d->walks, 0);
	d->terms = terms;
	d->post_limit = post_limit;
	snprintf(d->name, sizeof(d->name), "%s", name);
	rc = ixfile_open(&d->f, path, name, terms ? "TERM" : "WORD", flags);
	if (rc)
		return rc;
	if (d->f.body_len < DICT_TAIL)
		goto bad;
	t = d->f.map + d->f.size - 4 - DICT_TAIL;
	d->n_keys = le64(t);
	index_off = le64(t + 8);
	d->n_blocks = le32(t + 16);
	if (index_off < IXFILE_HEADER || index_off > d->f.size - 4 - DICT_TAIL ||
	    (d->f.size - 4 - DICT_TAIL - index_off) / 16 != d->n_blocks ||
	    (d->f.size - 4 - DICT_TAIL - index_off) % 16 != 0 ||
	    d->n_keys > (uint64_t)d->n_blocks * DICT_BLOCK_KEYS || (d->n_blocks && !d->n_keys) ||
	    d->n_keys < d->n_blocks)
		goto bad;
	d->index = d->f.map + index_off;
	d->blocks_end = index_off;
	for (i = 0; i < d->n_blocks; i++) {
		off = le64(d->index + 16 * (size_t)i);
		if (off < IXFILE_HEADER || off >= index_off || (i && off <= prev) ||
		    le64(d->index + 16 * (size_t)i + 8) > post_limit)
			goto bad;
		prev = off;
	}
	return 0;
bad:
	rc = as_error_set(AS_ECORRUPT, "%s: bad dictionary index", name);
	dict_reader_close(d);
	return rc;
}

static void keys_free(struct dict_keys *k)
{
	if (k)
		as_free((char *)k->bytes);
	as_free(k);
}

/*
 * Every DICT_FINE_STRIDE-th key of a dictionary in memory, with where its entry starts:
 * term_iter_seek() binary-searches these instead of the sparse index, then decodes at
 * most DICT_FINE_STRIDE entries rather than half a block on average. Built at the
 * DICT_FINE_AFTER-th seek (one pass over the dictionary); about 12 bytes a key (the
 * first 8 bytes of a sample, its offsets and its key).
 */
#define DICT_FINE_STRIDE 4

/* Where a sample's entry is: one cache line's half, read once the search has found it. */
struct dict_sample {
	uint64_t at;        /* file offset of the entry */
	uint64_t next_post; /* postings offset of the entry */
	uint32_t block;
	uint32_t span;      /* bytes from the entry to the end of its block */
	uint32_t off;       /* its key: bytes[off .. off + len) */
	uint8_t len;
	uint8_t left;       /* entries of its block from this one on */
};

/*
 * Samples searched in two steps: every DICT_FINE_GROUP-th sample's prefix, a few
 * kilobytes that stay in the nearest cache, then within one group, two cache lines of
 * prefix. A binary search over all of them waits on a cache miss at nearly every step:
 * it was the costliest instruction of a query's planning.
 */
#define DICT_FINE_GROUP 16

/*
 * Every key's entry by a hash of the key, beside the samples: a seek for a key that is
 * there (a query's words and stems, nearly all of a plan's seeks) goes straight to its
 * entry, where the two-step search waits on a cache miss per step and then steps over
 * the entries between the sample and the key. A stem that only has `stem 0x01 form`
 * keys is there too, for the first of them: where a seek for it lands.
 */
struct dict_slot {
	uint64_t next_post; /* postings offset of the entry */
	uint32_t at;        /* file offset of the entry; 0: an empty slot */
	uint32_t block;
	uint32_t fp;        /* the hash's high half */
	uint8_t left;       /* entries of its block from this one on */
};

struct dict_fine {
	uint32_t n;
	uint32_t n_top;
	uint64_t *top;    /* prefix[g * DICT_FINE_GROUP] for each group g */
	uint64_t *prefix; /* the first 8 bytes of each sample, as struct dict_keys has them */
	struct dict_sample *s;
	char *bytes;
	struct dict_slot *slots; /* NULL: no hash (a file past 4 GB, or no memory) */
	uint64_t mask;
};

/* The dictionary could not be sampled (corrupt): seeks go through the sparse index,
 * which reports the damage where they meet it. */
static struct dict_fine fine_none;

static void fine_free(struct dict_fine *f)
{
	if (!f || f == &fine_none)
		return;
	as_free(f->top);
	as_free(f->prefix);
	as_free(f->s);
	as_free(f->bytes);
	as_free(f->slots);
	as_free(f);
}

void dict_reader_close(struct dict_reader *d)
{
	keys_free(atomic_exchange(&d->keys, NULL));
	fine_free(atomic_exchange(&d->fine, NULL));
	ixfile_close(&d->f);
}

/* Bytes of block b: [start, end). */
static void block_range(const struct dict_reader *d, uint32_t b, uint64_t *start, uint64_t *end)
{
	*start = le64(d->index + 16 * (size_t)b);
	*end = b + 1 < d->n_blocks ? le64(d->index + 16 * (size_t)(b + 1)) : d->blocks_end;
}

/* The first key of block b (pointer into the mapping). */
static int block_first_key(const struct dict_reader *d, uint32_t b, const uint8_t **key, size_t *len)
{
	uint64_t s, e;
	const uint8_t *p;
	size_t left, k;
	uint32_t n, shared, sl;

	block_range(d, b, &s, &e);
	p = d->f.map + s;
	left = (size_t)(e - s);
	if (!(k = varint_get32(p, left, &n)) || !n)
		return corrupt(d, "bad block header");
	p += k, left -= k;
	if (!(k = varint_get32(p, left, &shared)) || shared)
		return corrupt(d, "bad first key");
	p += k, left -= k;
	if (!(k = varint_get32(p, left, &sl)) || !sl || sl > KEY_MAX || sl > left - k)
		return corrupt(d, "bad first key");
	*key = p + k;
	*len = sl;
	return 0;
}

static int key_cmp(const void *a, size_t alen, const void *b, size_t blen)
{
	size_t m = alen < blen ? alen : blen;
	int c = m ? memcmp(a, b, m) : 0;

	return c ? c : (alen < blen ? -1 : alen > blen);
}

/* The last block whose first key <= key (0 when key precedes every block). */
static int find_block(const struct dict_reader *d, const char *key, size_t len, uint32_t *out)
{
	uint32_t lo = 0, hi = d->n_blocks; /* answer in [lo, hi) */
	const uint8_t *k = NULL;
	size_t kl = 0;
	int rc;

	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if ((rc = block_first_key(d, mid, &k, &kl)) < 0)
			return rc;
		if (key_cmp(k, kl, key, len) <= 0)
			lo = mid;
		else
			hi = mid;
	}
	*out = lo;
	return 0;
}

struct term_iter {
	const struct dict_reader *d;
	uint32_t block;         /* current block */
	uint32_t left;          /* entries left in the current block after the current one */
	const uint8_t *p, *end; /* next entry, end of block */
	uint64_t next_post;
	char key[KEY_MAX + 1];
	size_t key_len;
	struct term_info info;
	int in_place; /* term_iter_in_place() */
};

static int iter_load_block(struct term_iter *it, uint32_t b)
{
	const struct dict_reader *d = it->d;
	uint64_t s, e;
	uint32_t n;
	size_t k;

	block_range(d, b, &s, &e);
	it->block = b;
	it->p = d->f.map + s;
	it->end = d->f.map + e;
	if (!(k = varint_get32(it->p, (size_t)(it->end - it->p), &n)) || !n || n > DICT_BLOCK_KEYS)
		return corrupt(d, "bad block header");
	it->p += k;
	it->left = n;
	it->next_post = le64(d->index + 16 * (size_t)b + 8);
	it->key_len = 0;
	return 0;
}

/* Decodes the next entry of the current block into key/info. */
static int iter_decode(struct term_iter *it)
{
	const struct dict_reader *d = it->d;
	const uint8_t *p = it->p;
	size_t left = (size_t)(it->end - p), k;
	uint32_t shared, sl, v;
	uint64_t plen;
	int f;

#define GET32(x) do { if (!(k = varint_get32(p, left, &(x)))) return corrupt(d, "truncated entry"); p += k, left -= k; } while (0)
	GET32(shared);
	GET32(sl);
	if (shared > it->key_len || (uint64_t)shared + sl > KEY_MAX || shared + sl == 0 || sl > left)
		return corrupt(d, "bad key lengths");
	memcpy(it->key + shared, p, sl);
	it->key_len = shared + sl;
	it->key[it->key_len] = '\0';
	p += sl, left -= sl;
	memset(&it->info, 0, sizeof(it->info));
	GET32(it->info.doc_freq);
	if (!it->info.doc_freq)
		return corrupt(d, "zero document frequency");
	if (d->terms) {
		for (f = 0; f < N_FIELDS; f++) {
			GET32(v);
			if (v > TF_MAX)
				return corrupt(d, "bad max tf");
			it->info.max_tf[f] = v;
		}
		for (f = 0; f < N_FIELDS; f++)
			if (it->info.max_tf[f])
				GET32(it->info.min_len[f]);
		if (!(k = varint_get(p, left, &plen)))
			return corrupt(d, "truncated entry");
		p += k, left -= k;
		if (plen == 0 || plen > d->post_limit || it->next_post > d->post_limit - plen)
			return corrupt(d, "postings out of range");
		it->info.postings_offset = it->next_post;
		it->info.postings_len = plen;
		it->next_post += plen;
	}
#undef GET32
	it->p = p;
	it->left--;
	return 0;
}

int term_iter_new(const struct segment *seg, enum dict dict, struct term_iter **out)
{
	struct term_iter *it;

	if ((unsigned)dict > DICT_WORDS)
		return as_error_set(AS_EINVAL, "term_iter_new: bad dictionary");
	/* Not zeroed whole: the key buffer is 256 bytes, and planning makes one per query. */
	it = as_malloc(sizeof(*it));
	if (!it)
		return AS_ENOMEM;
	it->d = &seg->dicts[dict];
	it->block = UINT32_MAX;
	it->left = 0;
	it->p = it->end = NULL;
	it->next_post = 0;
	it->key[0] = '\0';
	it->key_len = 0;
	it->in_place = 0;
	memset(&it->info, 0, sizeof(it->info));
	*out = it;
	return 0;
}

void term_iter_in_place(struct term_iter *it)
{
	it->in_place = 1;
}

int term_iter_next(struct term_iter *it)
{
	int rc;

	if (it->block == UINT32_MAX) {
		if (!it->d->n_blocks)
			return 1;
		if ((rc = iter_load_block(it, 0)) < 0)
			return rc;
	}
	while (!it->left) {
		if (it->block + 1 >= it->d->n_blocks) {
			it->block = it->d->n_blocks; /* exhausted */
			it->key_len = 0;
			return 1;
		}
		if ((rc = iter_load_block(it, it->block + 1)) < 0)
			return rc;
	}
	return iter_decode(it);
}

/*
 * Steps over the entry at it->p, whose key (shared bytes of the current key, then
 * suffix[0..sl)) precedes the seek's target: the key is kept, for the next one shares a
 * prefix with it, and the postings offset advances; the checks are iter_decode()'s, but
 * no term_info is filled for a key nobody asked for.
 */
static int iter_skip(struct term_iter *it, const uint8_t *p, uint32_t shared, uint32_t sl)
{
	const struct dict_reader *d = it->d;
	const uint8_t *end = it->end;
	uint32_t v, tf[N_FIELDS];
	uint64_t plen;
	size_t k;

/* Most values here take one or two bytes: those inline, the rest (and errors) out of line. */
#define GET32(x) do { \
	if (end - p >= 2 && p[0] < 0x80) { (x) = p[0]; p++; } \
	else if (end - p >= 2 && p[1] < 0x80) { (x) = (uint32_t)(p[0] & 0x7f) | (uint32_t)p[1] << 7; p += 2; } \
	else if ((k = varint_get32(p, (size_t)(end - p), &(x)))) p += k; \
	else return corrupt(d, "truncated entry"); \
} while (0)
	for (uint32_t i = 0; i < sl; i++)
		it->key[shared + i] = (char)p[i];
	it->key_len = shared + sl;
	it->key[it->key_len] = '\0';
	p += sl;
	GET32(v);
	if (!v)
		return corrupt(d, "zero document frequency");
	if (d->terms) {
		for (int f = 0; f < N_FIELDS; f++)
			GET32(tf[f]);
		for (int f = 0; f < N_FIELDS; f++) {
			if (tf[f] > TF_MAX)
				return corrupt(d, "bad max tf");
			if (tf[f])
				GET32(v);
		}
		if (end - p >= 2 && p[0] < 0x80) {
			plen = p[0], p++;
		} else if (end - p >= 2 && p[1] < 0x80) {
			plen = (uint64_t)(p[0] & 0x7f) | (uint64_t)p[1] << 7, p += 2;
		} else if ((k = varint_get(p, (size_t)(end - p), &plen))) {
			p += k;
		} else {
			return corrupt(d, "truncated entry");
		}
		if (plen == 0 || plen > d->post_limit || it->next_post > d->post_limit - plen)
			return corrupt(d, "postings out of range");
		it->next_post += plen;
	}
#undef GET32
	it->p = p;
	it->left--;
	return 0;
}

/* The first 8 bytes of a key, big-endian, zero-padded (struct dict_keys's prefix). */
static uint64_t key_prefix(const uint8_t *k, size_t len)
{
	uint64_t v = 0;

	for (size_t i = 0; i < 8; i++)
		v = v << 8 | (i < len ? k[i] : 0);
	return v;
}

/*
 * The hash's entries as the walk finds them (each key's, and the stems that add one),
 * then the table, sized for them: at most 3/4 full, so that a seek for a key that is not
 * there stops at an empty slot within a few.
 */
struct hash_fill {
	struct dict_slot *e;
	uint64_t *h;
	size_t n, cap, keys;
	int failed;
};

static void fill_put(struct hash_fill *hf, const char *k, size_t len, const struct dict_slot *e)
{
	if (hf->failed)
		return;
	if (hf->n == hf->cap) {
		/* Sized first for the dictionary's keys and an eighth more for stems (a
		 * doubling would leave up to half of it unused, at 32 bytes a key). */
		size_t cap = hf->cap ? hf->cap + hf->cap / 2 : hf->keys + hf->keys / 8 + 64;
		struct dict_slot *ne = as_realloc(hf->e, cap * sizeof(*ne));
		if (ne)
			hf->e = ne;
		uint64_t *nh = ne ? as_realloc(hf->h, cap * sizeof(*nh)) : NULL;
		if (nh)
			hf->h = nh;
		if (!ne || !nh) {
			hf->failed = 1;
			return;
		}
		hf->cap = cap;
	}
	uint64_t h = XXH3_64bits(k, len);
	hf->h[hf->n] = h;
	hf->e[hf->n] = *e;
	hf->e[hf->n++].fp = (uint32_t)(h >> 32);
}

/* The table from the entries; none when memory is short (seeks take the samples). */
static void fill_table(struct dict_fine *f, struct hash_fill *hf)
{
	uint64_t size = 16;

	while (!hf->failed && size / 4 * 3 < hf->n)
		size *= 2;
	if (!hf->failed && size <= SIZE_MAX / sizeof(*f->slots) &&
	    (f->slots = as_calloc((size_t)size, sizeof(*f->slots)))) {
		f->mask = size - 1;
		for (size_t j = 0; j < hf->n; j++) {
			uint64_t i = hf->h[j] & f->mask;
			while (f->slots[i].at)
				i = (i + 1) & f->mask;
			f->slots[i] = hf->e[j];
		}
	}
	as_free(hf->e);
	as_free(hf->h);
}

static int fine_build(const struct dict_reader *d, struct dict_fine **out)
{
	struct term_iter it;
	struct buf bytes = BUF_INIT;
	struct dict_fine *f;
	uint64_t max = (uint64_t)d->n_blocks * (DICT_BLOCK_KEYS / DICT_FINE_STRIDE);
	uint32_t n = 0;
	int rc = 0;

	*out = NULL;
	if (max > UINT32_MAX - 1 || max > SIZE_MAX / sizeof(struct dict_sample))
		return AS_ENOMEM;
	if (!(f = as_calloc(1, sizeof(*f))) || !(f->prefix = as_malloc((size_t)(max ? max : 1) * sizeof(*f->prefix))) ||
	    !(f->s = as_malloc((size_t)(max ? max : 1) * sizeof(*f->s)))) {
		fine_free(f);
		return AS_ENOMEM;
	}
	memset(&it, 0, sizeof(it));
	it.d = d;
	/* Entry offsets are 32 bits in the hash. The key before, across blocks: whether a
	 * `stem 0x01 form` key is its stem's first. */
	struct hash_fill hf = { .failed = d->f.size > UINT32_MAX, .keys = (size_t)d->n_keys };
	char prev[KEY_MAX + 1];
	size_t prev_len = 0;
	for (uint32_t b = 0; b < d->n_blocks && rc == 0; b++) {
		if ((rc = iter_load_block(&it, b)) < 0)
			break;
		for (uint32_t j = 0; it.left && rc == 0; j++) {
			int sample = j % DICT_FINE_STRIDE == 0;
			struct dict_slot e = { it.next_post, (uint32_t)(it.p - d->f.map), b, 0, (uint8_t)it.left };
			if (sample) {
				if (n == max || bytes.len > UINT32_MAX - KEY_MAX) {
					rc = corrupt(d, "more keys than its blocks hold");
					break;
				}
				f->s[n].at = (uint64_t)(it.p - d->f.map);
				f->s[n].next_post = it.next_post;
				f->s[n].block = b;
				f->s[n].span = (uint32_t)(it.end - it.p);
				f->s[n].left = (uint8_t)it.left;
			}
			if ((rc = iter_decode(&it)) < 0)
				break;
			fill_put(&hf, it.key, it.key_len, &e);
			const char *sep = memchr(it.key, 0x01, it.key_len);
			size_t sl = sep ? (size_t)(sep - it.key) : 0;
			/* Its stem is no key and no key of that stem came before: a seek for the
			 * stem lands here. */
			if (sep && !(prev_len >= sl && memcmp(prev, it.key, sl) == 0 && (prev_len == sl || prev[sl] == 0x01)))
				fill_put(&hf, it.key, sl, &e);
			memcpy(prev, it.key, it.key_len);
			prev_len = it.key_len;
			if (sample) {
				f->prefix[n] = key_prefix((const uint8_t *)it.key, it.key_len);
				f->s[n].off = (uint32_t)bytes.len;
				f->s[n++].len = (uint8_t)it.key_len;
				buf_add(&bytes, it.key, it.key_len);
			}
		}
	}
	if (rc == 0 && (bytes.err || !(f->bytes = buf_detach(&bytes, NULL))))
		rc = AS_ENOMEM;
	if (rc < 0)
		hf.failed = 1;
	fill_table(f, &hf);
	if (rc < 0) {
		buf_release(&bytes);
		fine_free(f);
		return rc;
	}
	f->n = n;
	f->n_top = (n + DICT_FINE_GROUP - 1) / DICT_FINE_GROUP;
	if (!(f->top = as_malloc((size_t)(f->n_top ? f->n_top : 1) * sizeof(*f->top)))) {
		fine_free(f);
		return AS_ENOMEM;
	}
	for (uint32_t g = 0; g < f->n_top; g++)
		f->top[g] = f->prefix[(size_t)g * DICT_FINE_GROUP];
	*out = f;
	return 0;
}

/*
 * Seeks a dictionary serves before it is sampled: building the sample reads the whole
 * dictionary (a few milliseconds for a large one), which a long-lived searcher earns
 * back within a few queries, and a one-shot command line search never would.
 */
#define DICT_FINE_AFTER 512

/* The dictionary's samples, &fine_none when it cannot have them (or not yet). */
static const struct dict_fine *fine_get(const struct dict_reader *d)
{
	/* Readers get a const reader; the cache is theirs to fill (segment_dict_keys()). */
	struct dict_reader *w = (struct dict_reader *)d;
	struct dict_fine *f = atomic_load_explicit(&w->fine, memory_order_acquire), *none = NULL;

	int rc;

	if (f)
		return f;
	if (atomic_fetch_add_explicit(&w->seeks, 1, memory_order_relaxed) < DICT_FINE_AFTER)
		return &fine_none;
	if ((rc = fine_build(d, &f)) == AS_ENOMEM)
		return &fine_none; /* this seek without them; the next one tries again */
	if (rc < 0)
		f = &fine_none;
	if (!atomic_compare_exchange_strong_explicit(&w->fine, &none, f, memory_order_acq_rel,
						     memory_order_acquire)) {
		fine_free(f);
		f = none;
	}
	return f;
}

/*
 * The last i in [lo, hi) whose sample (number i * stride, prefix pfx[i]) is <= s, or lo:
 * the caller knows sample lo precedes s, or that nothing does.
 */
static uint32_t fine_search(const struct dict_fine *f, const uint64_t *pfx, uint32_t stride, uint32_t lo, uint32_t hi,
			    uint64_t tp, const uint8_t *s, size_t len)
{
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2, at = mid * stride;
		int le = pfx[mid] < tp;
		if (pfx[mid] == tp)
			le = key_cmp(f->bytes + f->s[at].off, f->s[at].len, s, len) <= 0;
		if (le)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* The last sample <= s[0..len), or 0 when s precedes every one: its group first, then
 * within it. */
static uint32_t fine_find(const struct dict_fine *f, const uint8_t *s, size_t len)
{
	uint64_t tp = key_prefix(s, len);
	uint32_t g = fine_search(f, f->top, DICT_FINE_GROUP, 0, f->n_top, tp, s, len);
	uint32_t end = g + 1 < f->n_top ? (g + 1) * DICT_FINE_GROUP : f->n;

	return fine_search(f, f->prefix, 1, g * DICT_FINE_GROUP, end, tp, s, len);
}

/* The key lengths of the entry at it->p: its first byte after them in *body. */
static int entry_head(const struct term_iter *it, const uint8_t **body, uint32_t *shared, uint32_t *sl)
{
	const uint8_t *p = it->p;
	size_t left = (size_t)(it->end - p), k;

	if (!(k = varint_get32(p, left, shared)))
		return corrupt(it->d, "truncated entry");
	p += k, left -= k;
	if (!(k = varint_get32(p, left, sl)))
		return corrupt(it->d, "truncated entry");
	p += k, left -= k;
	if (*shared > it->key_len || (uint64_t)*shared + *sl > KEY_MAX || *shared + *sl == 0 || *sl > left)
		return corrupt(it->d, "bad key lengths");
	*body = p;
	return 0;
}

/*
 * The entry of key t[0..len) through the hash, or of the first `t 0x01 form` key when t
 * is a stem without a key of its own: where a seek for t lands. 1 when neither is there
 * (the seek goes on through the samples). A slot whose hash matches is checked against
 * the entry's bytes before it is decoded: its shared bytes must be t's, as they are for
 * the key itself or its stem's first form, and the rest must follow.
 */
static int hash_seek(struct term_iter *it, const struct dict_fine *f, const uint8_t *t, size_t len)
{
	const struct dict_reader *d = it->d;
	uint64_t h, i;
	uint32_t fp;

	if (len == 0 || len > KEY_MAX)
		return 1; /* no key is so long (nor empty): and it would not fit it->key */
	h = XXH3_64bits(t, len);
	i = h & f->mask;
	fp = (uint32_t)(h >> 32);
	for (const struct dict_slot *e; (e = &f->slots[i])->at; i = (i + 1) & f->mask) {
		const uint8_t *p;
		uint32_t shared, sl;
		uint64_t start, end;
		if (e->fp != fp || e->block >= d->n_blocks)
			continue;
		block_range(d, e->block, &start, &end);
		if (e->at < start || e->at >= end || end > d->f.size)
			continue;
		it->block = e->block;
		it->p = d->f.map + e->at;
		it->end = d->f.map + end;
		it->left = e->left;
		it->next_post = e->next_post;
		memcpy(it->key, t, len);
		it->key_len = len;
		size_t k1, k2, room = (size_t)(it->end - it->p);
		if (!(k1 = varint_get32(it->p, room, &shared)) || !(k2 = varint_get32(it->p + k1, room - k1, &sl)) ||
		    shared > len || sl > room - k1 - k2)
			continue;
		p = it->p + k1 + k2;
		size_t m = len - shared; /* the target's bytes the entry's suffix must start with */
		if (sl < m || memcmp(p, t + shared, m) != 0 || (sl > m && p[m] != 0x01))
			continue;
		return iter_decode(it);
	}
	return 1;
}

/* The samples a seek of this iterator may use (an in-place one never builds them). */
static const struct dict_fine *seek_fine(const struct term_iter *it)
{
	return it->in_place ? atomic_load_explicit(&it->d->fine, memory_order_acquire) : fine_get(it->d);
}

int term_iter_seek_family(struct term_iter *it, const char *key, size_t len)
{
	const struct dict_fine *f;

	if (!it->d->n_blocks)
		return 1;
	if ((f = seek_fine(it)) && f->slots)
		return hash_seek(it, f, (const uint8_t *)key, len);
	return term_iter_seek(it, key, len);
}

/*
 * Within the block, keys are compared with the target from where they differ from the
 * key before: `same` bytes of the current key (which precedes the target) are the
 * target's, so a key sharing more of the current one precedes it too, and a key sharing
 * less follows it. Only the keys sharing exactly `same` bytes are compared, from there.
 */
int term_iter_seek(struct term_iter *it, const char *key, size_t len)
{
	const struct dict_reader *d = it->d;
	const struct dict_fine *f;
	const uint8_t *t = (const uint8_t *)key, *p;
	size_t same = 0;
	uint32_t b, shared, sl;
	int rc;

	if (!d->n_blocks)
		return 1;
	f = seek_fine(it);
	if (f && f->slots && (rc = hash_seek(it, f, t, len)) <= 0)
		return rc;
	if (f && f != &fine_none && f->n) {
		/* Start at the sample's entry: its own key holds the bytes it shares. */
		const struct dict_sample *sm = &f->s[fine_find(f, t, len)];
		const char *sk = f->bytes + sm->off;
		uint32_t kl = sm->len;
		it->block = sm->block;
		it->p = d->f.map + sm->at;
		it->end = it->p + sm->span;
		it->left = sm->left;
		it->next_post = sm->next_post;
		memcpy(it->key, sk, kl);
		it->key_len = kl;
		it->key[kl] = '\0';
		while (same < kl && same < len && (uint8_t)sk[same] == t[same])
			same++;
		if (same == len || (same < kl && (uint8_t)sk[same] > t[same]))
			return iter_decode(it); /* the sample is the target, or follows it (i = 0) */
		if ((rc = entry_head(it, &p, &shared, &sl)) < 0 || (rc = iter_skip(it, p, shared, sl)) < 0)
			return rc;
	} else {
		if ((rc = find_block(d, key, len, &b)) < 0)
			return rc;
		if ((rc = iter_load_block(it, b)) < 0)
			return rc;
	}
	while (it->left) {
		size_t m = 0;
		int less;

		if ((rc = entry_head(it, &p, &shared, &sl)) < 0)
			return rc;
		if (shared != same) {
			less = shared > same;
		} else {
			while (m < sl && same + m < len && p[m] == t[same + m])
				m++;
			less = m < sl && same + m < len ? p[m] < t[same + m] : sl - m == 0 && same + m < len;
		}
		if (!less)
			return iter_decode(it);
		same += m;
		if ((rc = iter_skip(it, p, shared, sl)) < 0)
			return rc;
	}
	/* Every key of the block precedes the target: the next block's first follows it. */
	for (;;) {
		if ((rc = term_iter_next(it)) != 0)
			return rc;
		if (key_cmp(it->key, it->key_len, key, len) >= 0)
			return 0;
	}
}

const char *term_iter_key(const struct term_iter *it, size_t *len)
{
	*len = it->key_len;
	return it->key;
}

const struct term_info *term_iter_info(const struct term_iter *it)
{
	return &it->info;
}

void term_iter_free(struct term_iter *it)
{
	as_free(it);
}

int segment_lookup(const struct segment *seg, enum dict dict, const char *key, size_t len,
		   struct term_info *out)
{
	struct term_iter it;
	int rc;

	if ((unsigned)dict > DICT_WORDS)
		return as_error_set(AS_EINVAL, "segment_lookup: bad dictionary");
	it.d = &seg->dicts[dict];
	if (!it.d->n_blocks || !len || len > KEY_MAX)
		return 1;
	/* A seek: through the samples in memory once they are built (a few entries
	 * decoded), rather than a search reading a block's first key at each step. */
	it.block = UINT32_MAX;
	it.left = 0;
	it.key_len = 0;
	it.in_place = 0;
	if ((rc = term_iter_seek_family(&it, key, len)) != 0)
		return rc;
	if (it.key_len != len || memcmp(it.key, key, len) != 0)
		return 1;
	*out = it.info;
	return 0;
}

/* ---- Keys in memory ---- */

static int keys_build(const struct dict_reader *d, struct dict_keys **out)
{
	struct term_iter it;
	struct buf bytes = BUF_INIT;
	struct dict_keys *k;
	uint64_t *prefix;
	uint32_t *off, *df, *bucket;
	size_t n = 0;
	int rc;

	*out = NULL;
	if (d->n_keys > (SIZE_MAX - sizeof(*k)) / 16 - DICT_KEY_BUCKETS - 2)
		return AS_ENOMEM;
	/* One block: prefix first, for its alignment. */
	k = as_malloc(sizeof(*k) + (size_t)d->n_keys * sizeof(uint64_t) +
		      (2 * (size_t)d->n_keys + 1 + DICT_KEY_BUCKETS + 1) * sizeof(uint32_t));
	if (!k)
		return AS_ENOMEM;
	prefix = (uint64_t *)(k + 1);
	off = (uint32_t *)(prefix + d->n_keys);
	df = off + d->n_keys + 1;
	bucket = df + d->n_keys;
	off[0] = 0;
	memset(&it, 0, sizeof(it));
	it.d = d;
	it.block = UINT32_MAX;
	while ((rc = term_iter_next(&it)) == 0) {
		if (n == d->n_keys) {
			rc = corrupt(d, "more keys than its tail counts");
			break;
		}
		if (bytes.len + it.key_len > UINT32_MAX) {
			rc = as_error_set(AS_ENOMEM, "%s: dictionary too large to hold in memory", d->name);
			break;
		}
		buf_add(&bytes, it.key, it.key_len);
		prefix[n] = key_prefix((const uint8_t *)it.key, it.key_len);
		df[n] = it.info.doc_freq;
		off[++n] = (uint32_t)bytes.len;
	}
	if (rc > 0 && n != d->n_keys)
		rc = corrupt(d, "fewer keys than its tail counts");
	if (rc > 0 && !(k->bytes = buf_detach(&bytes, NULL)))
		rc = AS_ENOMEM;
	if (rc < 0) {
		buf_release(&bytes);
		as_free(k);
		return rc;
	}
	/* Keys are in byte order, so their buckets do not decrease (a corrupt order
	 * only makes seeks miss keys, as it would a binary search). */
	uint32_t b = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned kb = dict_key_bucket((unsigned char)(prefix[i] >> 56), (unsigned char)(prefix[i] >> 48));
		while (b <= kb)
			bucket[b++] = (uint32_t)i;
	}
	while (b <= DICT_KEY_BUCKETS)
		bucket[b++] = (uint32_t)n;
	k->n = n;
	k->off = off;
	k->doc_freq = df;
	k->prefix = prefix;
	k->bucket = bucket;
	*out = k;
	return 0;
}

int segment_dict_keys_after(const struct segment *seg, enum dict dict, uint32_t after,
			    const struct dict_keys **out)
{
	struct dict_reader *d;
	struct dict_keys *k;

	*out = NULL;
	if ((unsigned)dict > DICT_WORDS)
		return as_error_set(AS_EINVAL, "segment_dict_keys_after: bad dictionary");
	if (after == UINT32_MAX)
		return 0;
	d = (struct dict_reader *)&seg->dicts[dict];
	if ((k = atomic_load_explicit(&d->keys, memory_order_acquire))) {
		*out = k;
		return 0;
	}
	if (atomic_fetch_add_explicit(&d->walks, 1, memory_order_relaxed) < after)
		return 0;
	return segment_dict_keys(seg, dict, out);
}

int segment_dict_keys(const struct segment *seg, enum dict dict, const struct dict_keys **out)
{
	struct dict_reader *d;
	struct dict_keys *k, *none = NULL;
	int rc;

	*out = NULL;
	if ((unsigned)dict > DICT_WORDS)
		return as_error_set(AS_EINVAL, "segment_dict_keys: bad dictionary");
	/* Segments are const to their readers but were allocated writable: the cache is
	 * theirs to fill. */
	d = (struct dict_reader *)&seg->dicts[dict];
	k = atomic_load_explicit(&d->keys, memory_order_acquire);
	if (!k) {
		/* Threads racing here each build a copy and the first one stored wins: a
		 * one-off waste, and no lock to initialize and destroy with every reader. */
		if ((rc = keys_build(d, &k)) < 0)
			return rc;
		if (!atomic_compare_exchange_strong_explicit(&d->keys, &none, k, memory_order_acq_rel,
							     memory_order_acquire)) {
			keys_free(k);
			k = none;
		}
	}
	*out = k;
	return 0;
}
