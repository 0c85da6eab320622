/*
 * Postings lists: the encoder the segment writer feeds, and the reader behind
 * postings_* of index.h (FORMAT.md "Postings"). Documents in blocks of 128 coded as
 * bit-packed gaps and per-field term frequencies (Lucene 4's Lucene41PostingsFormat,
 * PISA's block codecs), a varint tail block, fixed-width skip entries with block maxima
 * for block-max WAND (Ding & Suel, SIGIR 2011), positions decoded on demand, one document
 * at a time (random access inside the block's packed chunks).
 */
#include <stddef.h>
#include <string.h>

#include "common/index/codec.h"
#include "common/index/index_int.h"
#include "common/util/error.h"
#include "common/util/mem.h"

/* ---- Encoder ---- */

void list_enc_init(struct list_enc *e, const uint32_t *field_len)
{
	memset(e, 0, sizeof(*e));
	e->field_len = field_len;
	e->prev_doc = -1;
	e->block_prev = -1;
}

void list_enc_release(struct list_enc *e)
{
	as_free(e->pv);
	buf_release(&e->skip);
	buf_release(&e->docs_area);
	buf_release(&e->pos_area);
	buf_release(&e->out);
	e->pv = NULL;
}

static void reset_list(struct list_enc *e)
{
	e->n = 0;
	e->pv_len = 0;
	e->prev_doc = e->block_prev = -1;
	e->df = e->n_blocks = 0;
	buf_reset(&e->skip);
	buf_reset(&e->docs_area);
	buf_reset(&e->pos_area);
	memset(&e->info, 0, sizeof(e->info));
}

static void flush_block(struct list_enc *e)
{
	uint32_t gaps[CODEC_BLOCK], max_tf[N_FIELDS] = { 0 }, min_len[N_FIELDS] = { 0 };
	int64_t prev = e->block_prev;
	uint32_t i;
	int f;

	if (!e->n)
		return;
	for (i = 0; i < e->n; i++) {
		gaps[i] = (uint32_t)(e->docs[i] - prev - 1);
		prev = e->docs[i];
		for (f = 0; f < N_FIELDS; f++) {
			uint32_t tf = e->tf[f][i], len = e->field_len[(size_t)e->docs[i] * N_FIELDS + f];
			if (!tf)
				continue;
			if (tf > max_tf[f])
				max_tf[f] = tf;
			if (!min_len[f] || len < min_len[f])
				min_len[f] = len ? len : 1;
		}
	}
	if (e->n == CODEC_BLOCK) {
		block_put(&e->docs_area, gaps, CODEC_BLOCK);
		for (f = 0; f < N_FIELDS; f++)
			block_put(&e->docs_area, e->tf[f], CODEC_BLOCK);
	} else {
		for (i = 0; i < e->n; i++) {
			unsigned mask = 0;
			for (f = 0; f < N_FIELDS; f++)
				if (e->tf[f][i])
					mask |= 1u << f;
			varint_put(&e->docs_area, (uint64_t)gaps[i] << 3 | mask);
			for (f = 0; f < N_FIELDS; f++)
				if (e->tf[f][i])
					varint_put(&e->docs_area, e->tf[f][i] - 1);
		}
	}
	intgroup_put(&e->pos_area, e->pv, e->pv_len);
	buf_put32(&e->skip, e->docs[e->n - 1]);
	buf_put32(&e->skip, (uint32_t)e->docs_area.len);
	buf_put32(&e->skip, (uint32_t)e->pos_area.len);
	for (f = 0; f < N_FIELDS; f++)
		buf_put16(&e->skip, (uint16_t)max_tf[f]);
	for (f = 0; f < N_FIELDS; f++)
		buf_put32(&e->skip, min_len[f]);
	for (f = 0; f < N_FIELDS; f++) {
		if (max_tf[f] > e->info.max_tf[f])
			e->info.max_tf[f] = max_tf[f];
		if (max_tf[f] && (!e->info.min_len[f] || min_len[f] < e->info.min_len[f]))
			e->info.min_len[f] = min_len[f];
	}
	e->block_prev = e->docs[e->n - 1];
	e->n_blocks++;
	e->n = 0;
	e->pv_len = 0;
}

void list_enc_add(struct list_enc *e, uint32_t doc, const uint32_t tf[N_FIELDS], const uint32_t *pos)
{
	uint32_t total = 0, i, k = 0;
	int f;

	if (e->err)
		return;
	if ((int64_t)doc <= e->prev_doc) {
		e->err = as_error_set(AS_EINVAL, "postings: documents out of order");
		return;
	}
	if (!e->df)
		memset(&e->info, 0, sizeof(e->info)); /* the previous list's, kept for its caller */
	for (f = 0; f < N_FIELDS; f++)
		total += tf[f];
	if (!total) {
		e->err = as_error_set(AS_EINVAL, "postings: document without occurrences");
		return;
	}
	if (e->pv_len + total > e->pv_cap) {
		size_t cap = e->pv_cap ? e->pv_cap : 1024;
		uint32_t *p;
		while (cap < e->pv_len + total)
			cap *= 2;
		p = as_realloc(e->pv, cap * sizeof(*p));
		if (!p) {
			e->err = AS_ENOMEM;
			return;
		}
		e->pv = p;
		e->pv_cap = cap;
	}
	for (f = 0; f < N_FIELDS; f++) {
		for (i = 0; i < tf[f]; i++, k++)
			e->pv[e->pv_len++] = i ? pos[k] - pos[k - 1] - 1 : pos[k];
		e->tf[f][e->n] = tf[f];
	}
	e->docs[e->n++] = doc;
	e->prev_doc = doc;
	e->df++;
	if (e->n == CODEC_BLOCK)
		flush_block(e);
}

int list_enc_end(struct list_enc *e)
{
	int rc;

	if (e->err)
		goto out;
	flush_block(e);
	buf_reset(&e->out);
	if (e->n_blocks == 1) {
		varint_put(&e->out, e->docs_area.len);
	} else {
		buf_add(&e->out, e->skip.ptr, e->skip.len);
	}
	buf_add(&e->out, e->docs_area.ptr, e->docs_area.len);
	buf_add(&e->out, e->pos_area.ptr, e->pos_area.len);
	if (e->out.err || e->skip.err || e->docs_area.err || e->pos_area.err)
		e->err = AS_ENOMEM;
	e->info.doc_freq = e->df;
	e->info.postings_len = e->out.len;
out:
	rc = e->err;
	{
		struct term_info keep = e->info;
		reset_list(e);
		e->info = keep;
	}
	e->err = 0;
	return rc;
}

/* ---- Reader ---- */

struct postings {
	const struct segment *seg;
	struct term_info info;
	unsigned flags;
	uint32_t df, n_blocks;
	const uint8_t *skip;          /* NULL for a one-block list */
	const uint8_t *doc_area, *pos_area;
	size_t doc_len, pos_len;
	uint32_t blk;                 /* decoded block, UINT32_MAX: none */
	uint32_t shallow;             /* block of the shallow pointer */
	int32_t i;                    /* current document in the block; -1 before the first */
	uint32_t n;                   /* documents in the decoded block */
	int done;
	/*
	 * Positions of the decoded block, located lazily so that one document's positions
	 * are decoded alone: a phrase or proximity check asks for a few documents of a
	 * block, not 128. pos_layout: pb, n_chunks and total are known. sum_at, sum_below:
	 * the sum of tf over the block's documents before sum_at (the value index of its
	 * first position in the block's intgroup), from the last document asked for, so that
	 * documents asked for in order sum each tf once. chunk_off is the offset of
	 * each packed chunk's width byte in the block's position bytes, known for the first
	 * chunks_known chunks (walk: the offset after them), since each chunk's place follows
	 * from the widths of all before it: the walk goes no further than the chunk a
	 * document needs (walked: it went to the end, which was checked). tail holds the
	 * values of the varint tail, decoded as far as a document has needed: tail_n of them,
	 * ending at byte tail_used. pos holds the positions of document pos_doc only: in
	 * pos_buf when they fit (most do), else in pos_heap.
	 */
	int pos_layout, walked;
	int32_t pos_doc;              /* document (index in the block) decoded in pos; -1 none */
	uint32_t sum_at, sum_below, total;
	size_t tail_n, tail_used;
	const uint8_t *pb;            /* the block's position bytes, pb_len of them */
	size_t pb_len, n_chunks, chunks_known, walk;
	size_t *chunk_off;
	size_t chunk_cap;
	uint32_t *pos, *pos_heap;
	size_t pos_cap;
	struct block_cache *cache;
	struct postings *next_spare; /* in the cache's spares, once freed */
	/* The decoded block: in own_docs and own_tf, or in a slot of the cache. */
	uint32_t *docs;
	uint32_t (*tf)[CODEC_BLOCK];
	/* The arrays last: each is written before it is read, and postings_open clears only
	 * the fields above (calloc of the whole 3 kB cost more than a query's decoding). */
	uint32_t own_docs[CODEC_BLOCK];
	uint32_t own_tf[N_FIELDS][CODEC_BLOCK];
	uint32_t tail[CODEC_BLOCK];
	uint32_t pos_buf[64];
};

static int pcorrupt(const struct postings *p, const char *what)
{
	return as_error_set(AS_ECORRUPT, "%s.post: postings %s", p->seg->name, what);
}

static inline uint32_t skip_last(const struct postings *p, uint32_t k)
{
	return le32(p->skip + (size_t)k * SKIP_ENTRY);
}

static void block_bytes(const struct postings *p, uint32_t k, size_t *ds, size_t *de, size_t *ps, size_t *pe)
{
	if (!p->skip) {
		*ds = 0, *de = p->doc_len, *ps = 0, *pe = p->pos_len;
		return;
	}
	*ds = k ? le32(p->skip + (size_t)(k - 1) * SKIP_ENTRY + 4) : 0;
	*de = le32(p->skip + (size_t)k * SKIP_ENTRY + 4);
	*ps = k ? le32(p->skip + (size_t)(k - 1) * SKIP_ENTRY + 8) : 0;
	*pe = le32(p->skip + (size_t)k * SKIP_ENTRY + 8);
}

/* ---- Block cache ---- */

/* At most 512 kB of blocks, allocated 16 at a time as queries need them: a list points
 * into its slot, which therefore never moves. The table's size is a power of 2. */
enum { CACHE_CHUNK = 16, CACHE_SLOTS = 256, CACHE_TABLE = 512, CACHE_SPARE = 64 };

struct cache_block {
	uint32_t docs[CODEC_BLOCK];
	uint32_t tf[N_FIELDS][CODEC_BLOCK];
	uint32_t n;
};

struct block_cache {
	/* Lists freed, kept for the next opened: no malloc and free per list of a query. */
	struct postings *spare;
	uint32_t n_spare;
	struct cache_block *chunk[CACHE_SLOTS / CACHE_CHUNK];
	uint32_t n_used, n_chunks; /* slots 0..n_used hold this query's blocks */
	uint32_t epoch;            /* a table entry of another epoch is empty */
	struct {
		const uint8_t *at;
		uint32_t epoch, slot;
	} table[CACHE_TABLE];
};

int block_cache_new(struct block_cache **out)
{
	return (*out = as_calloc(1, sizeof(**out))) ? 0 : AS_ENOMEM;
}

void block_cache_reset(struct block_cache *c)
{
	if (!c)
		return;
	c->n_used = 0;
	if (++c->epoch == 0) {
		memset(c->table, 0, sizeof(c->table));
		c->epoch = 1;
	}
}

static void postings_release(struct postings *p)
{
	as_free(p->pos_heap);
	as_free(p->chunk_off);
	as_free(p);
}

void block_cache_free(struct block_cache *c)
{
	if (!c)
		return;
	for (uint32_t i = 0; i < c->n_chunks; i++)
		as_free(c->chunk[i]);
	while (c->spare) {
		struct postings *p = c->spare;
		c->spare = p->next_spare;
		postings_release(p);
	}
	as_free(c);
}

static inline struct cache_block *cache_at(const struct block_cache *c, uint32_t slot)
{
	return &c->chunk[slot / CACHE_CHUNK][slot % CACHE_CHUNK];
}

static inline uint32_t cache_hash(const uint8_t *at)
{
	uint64_t h = (uint64_t)(uintptr_t)at * 0x9e3779b97f4a7c15ull;

	return (uint32_t)(h >> 40) & (CACHE_TABLE - 1);
}

/* The block decoded from the bytes at `at`, or NULL. */
static struct cache_block *cache_find(const struct block_cache *c, const uint8_t *at)
{
	for (uint32_t h = cache_hash(at);; h = (h + 1) & (CACHE_TABLE - 1)) {
		if (c->table[h].epoch != c->epoch)
			return NULL;
		if (c->table[h].at == at)
			return cache_at(c, c->table[h].slot);
	}
}

/* A free slot to decode a block into (not found until cache_keep()), or NULL when the
 * cache is full. */
static struct cache_block *cache_slot(struct block_cache *c)
{
	if (c->n_used == c->n_chunks * CACHE_CHUNK) {
		if (c->n_chunks == CACHE_SLOTS / CACHE_CHUNK ||
		    !(c->chunk[c->n_chunks] = as_malloc(CACHE_CHUNK * sizeof(struct cache_block))))
			return NULL;
		c->n_chunks++;
	}
	return cache_at(c, c->n_used);
}

/* Keeps the block just decoded into cache_slot()'s slot as the one of `at`. The table
 * has twice the slots' room: a free entry always ends a probe. */
static void cache_keep(struct block_cache *c, const uint8_t *at, uint32_t n)
{
	uint32_t h = cache_hash(at);

	while (c->table[h].epoch == c->epoch)
		h = (h + 1) & (CACHE_TABLE - 1);
	cache_at(c, c->n_used)->n = n;
	c->table[h].at = at;
	c->table[h].epoch = c->epoch;
	c->table[h].slot = c->n_used++;
}

/* Whether a key's list lies between the file's header and its tail. */
static int list_in_file(const struct segment *seg, const struct term_info *info)
{
	uint64_t limit = seg->post.size - 4 - POST_TAIL;

	return info->postings_offset >= IXFILE_HEADER && info->postings_offset <= limit &&
	       info->postings_len <= limit - info->postings_offset;
}

int postings_open(const struct segment *seg, const struct term_info *info, unsigned flags,
		  struct postings **out)
{
	return postings_open_cached(seg, info, flags, NULL, out);
}

int postings_open_cached(const struct segment *seg, const struct term_info *info, unsigned flags,
			 struct block_cache *cache, struct postings **out)
{
	struct postings *p;
	const uint8_t *list;
	size_t len, k;
	uint64_t dl;
	uint32_t b, prev_last = 0, prev_de = 0, prev_pe = 0;

	*out = NULL;
	if (!info->doc_freq || !list_in_file(seg, info) || !info->postings_len || info->doc_freq > seg->n_docs)
		return as_error_set(AS_ECORRUPT, "%s.post: postings out of range", seg->name);
	if (cache && cache->spare) {
		/* Its position buffers are kept, and their sizes. */
		p = cache->spare;
		cache->spare = p->next_spare;
		cache->n_spare--;
		uint32_t *pos_heap = p->pos_heap;
		size_t *chunk_off = p->chunk_off, pos_cap = p->pos_cap, chunk_cap = p->chunk_cap;
		memset(p, 0, offsetof(struct postings, own_docs));
		p->pos_heap = pos_heap, p->pos_cap = pos_cap;
		p->chunk_off = chunk_off, p->chunk_cap = chunk_cap;
	} else {
		if (!(p = as_malloc(sizeof(*p))))
			return AS_ENOMEM;
		memset(p, 0, offsetof(struct postings, own_docs));
	}
	p->docs = p->own_docs;
	p->tf = p->own_tf;
	p->cache = cache;
	p->seg = seg;
	p->info = *info;
	p->flags = flags;
	p->df = info->doc_freq;
	p->n_blocks = (p->df + CODEC_BLOCK - 1) / CODEC_BLOCK;
	p->blk = UINT32_MAX;
	p->i = -1;
	list = seg->post.map + info->postings_offset;
	len = (size_t)info->postings_len;
	if (p->n_blocks == 1) {
		if (!(k = varint_get(list, len, &dl)) || dl > len - k) {
			pcorrupt(p, "bad block length");
			goto fail;
		}
		p->doc_area = list + k;
		p->doc_len = (size_t)dl;
		p->pos_area = p->doc_area + dl;
		p->pos_len = len - k - (size_t)dl;
	} else {
		if ((uint64_t)p->n_blocks * SKIP_ENTRY > len) {
			pcorrupt(p, "skip data truncated");
			goto fail;
		}
		p->skip = list;
		p->doc_area = list + (size_t)p->n_blocks * SKIP_ENTRY;
		/* Skip entries are checked once here, so seeks can trust them. */
		for (b = 0; b < p->n_blocks; b++) {
			const uint8_t *s = p->skip + (size_t)b * SKIP_ENTRY;
			if ((b && le32(s) <= prev_last) || le32(s) >= seg->n_docs || le32(s + 4) <= prev_de ||
			    le32(s + 8) <= prev_pe) {
				pcorrupt(p, "bad skip entry");
				goto fail;
			}
			prev_last = le32(s), prev_de = le32(s + 4), prev_pe = le32(s + 8);
		}
		p->doc_len = prev_de;
		if (p->doc_len > len - (size_t)p->n_blocks * SKIP_ENTRY ||
		    prev_pe != len - (size_t)p->n_blocks * SKIP_ENTRY - p->doc_len) {
			pcorrupt(p, "bad skip entry");
			goto fail;
		}
		p->pos_area = p->doc_area + p->doc_len;
		p->pos_len = prev_pe;
	}
	*out = p;
	return 0;
fail:
	postings_free(p);
	return AS_ECORRUPT;
}

int postings_same(const struct segment *seg, const struct term_info *a, const struct term_info *b)
{
	if (a->doc_freq != b->doc_freq || a->postings_len != b->postings_len || !list_in_file(seg, a) ||
	    !list_in_file(seg, b))
		return 0;
	return a->postings_offset == b->postings_offset ||
	       memcmp(seg->post.map + a->postings_offset, seg->post.map + b->postings_offset,
		      (size_t)a->postings_len) == 0;
}

void postings_free(struct postings *p)
{
	if (!p)
		return;
	if (p->cache && p->cache->n_spare < CACHE_SPARE) {
		p->next_spare = p->cache->spare;
		p->cache->spare = p;
		p->cache->n_spare++;
		return;
	}
	postings_release(p);
}

/* One term frequency of a tail block entry: 0 when its field's bit is clear, else
 * 1 + a varint. Returns the bytes read, SIZE_MAX for a bad value. */
static inline size_t tail_tf(const uint8_t *in, size_t len, uint32_t present, uint32_t *tf)
{
	uint32_t v;
	size_t u;

	*tf = 0;
	if (!present)
		return 0;
	if (!(u = varint_get32(in, len, &v)) || v >= TF_MAX)
		return SIZE_MAX;
	*tf = v + 1;
	return u;
}

static int load_block(struct postings *p, uint32_t k)
{
	size_t ds, de, ps, pe, used = 0, m;
	const uint8_t *in;
	int64_t prev = k ? (int64_t)skip_last(p, k - 1) : -1;
	uint32_t n, i;
	int f;

	block_bytes(p, k, &ds, &de, &ps, &pe);
	in = p->doc_area + ds;
	m = de - ds;
	n = (k + 1 < p->n_blocks || p->df % CODEC_BLOCK == 0) ? CODEC_BLOCK : p->df % CODEC_BLOCK;
	if (p->cache) {
		/* Decoded and checked before, by this list or another on the same bytes (the
		 * count of a block follows from its list's length, as here). */
		struct cache_block *cb = cache_find(p->cache, in);
		if (cb && cb->n == n) {
			p->docs = cb->docs;
			p->tf = cb->tf;
			goto decoded;
		}
		cb = cb ? NULL : cache_slot(p->cache);
		p->docs = cb ? cb->docs : p->own_docs;
		p->tf = cb ? cb->tf : p->own_tf;
	}
	if (n == CODEC_BLOCK) {
		/*
		 * Documents are prev + 1 + gap: they strictly increase, so the last one bounds
		 * them all (the sum is taken in 64 bits, prev = -1 wrapping back, so it cannot
		 * wrap around). Frequencies of at most 16 bits cannot exceed TF_MAX, so only a
		 * wider block is checked value by value.
		 */
		uint64_t last = (uint64_t)prev;
		if (!(used = block_get_sums(in, m, CODEC_BLOCK, &last, p->docs)))
			return pcorrupt(p, "bad document block");
		if (last >= p->seg->n_docs)
			return pcorrupt(p, "document number out of range");
		for (f = 0; f < N_FIELDS; f++) {
			size_t u = block_get(in + used, m - used, CODEC_BLOCK, p->tf[f]);
			if (!u)
				return pcorrupt(p, "bad frequency block");
			if (in[used] > 16) {
				for (i = 0; i < CODEC_BLOCK; i++)
					if (p->tf[f][i] > TF_MAX)
						return pcorrupt(p, "bad term frequency");
			}
			used += u;
		}
		if (block_any_zero(p->tf[0], p->tf[1], p->tf[2]))
			return pcorrupt(p, "bad term frequency");
	} else {
		/* Documents strictly increase here too: the last one is checked for them all
		 * (each gap is below n_docs, so 127 of them cannot overflow). */
		for (i = 0; i < n; i++) {
			uint64_t v;
			uint32_t mask;
			size_t u = varint_get(in + used, m - used, &v);
			if (!u)
				return pcorrupt(p, "truncated tail block");
			used += u;
			mask = (uint32_t)(v & 7);
			if (!mask || (v >> 3) >= p->seg->n_docs)
				return pcorrupt(p, "bad tail block entry");
			prev += 1 + (int64_t)(v >> 3);
			p->docs[i] = (uint32_t)prev;
			if ((u = tail_tf(in + used, m - used, mask & 1, &p->tf[0][i])) == SIZE_MAX ||
			    (used += u, u = tail_tf(in + used, m - used, mask & 2, &p->tf[1][i])) == SIZE_MAX ||
			    (used += u, u = tail_tf(in + used, m - used, mask & 4, &p->tf[2][i])) == SIZE_MAX)
				return pcorrupt(p, "bad term frequency");
			used += u;
		}
		if (prev >= p->seg->n_docs)
			return pcorrupt(p, "bad tail block entry");
	}
	if (used != m)
		return pcorrupt(p, "block length mismatch");
	if (p->skip && p->docs[n - 1] != skip_last(p, k))
		return pcorrupt(p, "block disagrees with its skip entry");
	if (p->cache && p->docs != p->own_docs)
		cache_keep(p->cache, in, n);
decoded:
	p->blk = k;
	p->n = n;
	p->i = -1;
	p->pos_layout = 0;
	p->pos_doc = -1;
	return 0;
}

/*
 * The sum of tf over the block's documents from .. to-1: at most 3 * 128 * TF_MAX, no
 * overflow. Four documents at a time in vector lanes (SSE2 on x86-64, whatever the
 * target has elsewhere: GCC and Clang lower generic vectors), since a prefix sum up to
 * a document picked by the rerank is otherwise one dependent add per document.
 */
typedef uint32_t u32x4 __attribute__((vector_size(16)));

static inline __attribute__((always_inline)) uint32_t tf_sum(const struct postings *p, uint32_t from, uint32_t to)
{
	u32x4 acc = { 0, 0, 0, 0 }, a, b, c;
	uint32_t s;

	for (; from + 4 <= to; from += 4) {
		memcpy(&a, &p->tf[0][from], sizeof(a));
		memcpy(&b, &p->tf[1][from], sizeof(b));
		memcpy(&c, &p->tf[2][from], sizeof(c));
		acc += a + b + c;
	}
	s = acc[0] + acc[1] + acc[2] + acc[3];
	for (; from < to; from++)
		s += p->tf[0][from] + p->tf[1][from] + p->tf[2][from];
	return s;
}

/*
 * Starts the lazy layout of the block's positions: their bytes, how many values they
 * hold and so how many packed chunks come before the varint tail.
 */
static int pos_layout(struct postings *p)
{
	size_t ds, de, ps, pe;
	uint32_t total;

	block_bytes(p, p->blk, &ds, &de, &ps, &pe);
	/* A full block's count is a constant: that loop is unrolled. */
	total = p->n == CODEC_BLOCK ? tf_sum(p, 0, CODEC_BLOCK) : tf_sum(p, 0, p->n);
	p->total = total;
	p->pb = p->pos_area + ps;
	p->pb_len = pe - ps;
	/* A packed chunk of width 0 codes 128 values in one byte: more is impossible. */
	if (total > p->pb_len * CODEC_BLOCK)
		return pcorrupt(p, "positions truncated");
	p->n_chunks = total / CODEC_BLOCK;
	if (p->n_chunks > p->chunk_cap) {
		size_t *n = as_realloc(p->chunk_off, p->n_chunks * sizeof(*n));
		if (!n)
			return AS_ENOMEM;
		p->chunk_off = n;
		p->chunk_cap = p->n_chunks;
	}
	p->sum_at = 0;
	p->sum_below = 0;
	p->chunks_known = 0;
	p->walk = 0;
	p->walked = 0;
	p->tail_n = 0;
	p->pos_layout = 1;
	return 0;
}

/*
 * Locates the packed chunks up to chunk `upto` (n_chunks or more: all of them) by walking
 * their width bytes (each chunk's length follows from its width), checking each against
 * the block's bytes. Once all are located, a block whose values are all in chunks must
 * end exactly after the last one; the varint tail's length is checked when it is decoded
 * (load_tail).
 */
static int walk_chunks(struct postings *p, size_t upto)
{
	size_t c = p->chunks_known, used = p->walk;

	for (; c <= upto && c < p->n_chunks; c++) {
		if (used >= p->pb_len || p->pb[used] > 32 ||
		    packed_bytes(CODEC_BLOCK, p->pb[used]) > p->pb_len - used - 1)
			return pcorrupt(p, "bad positions block");
		p->chunk_off[c] = used;
		used += 1 + packed_bytes(CODEC_BLOCK, p->pb[used]);
	}
	/* Each tail value takes at least one byte. Until this holds, the walk is redone (and
	 * fails again) on every call that reaches the end. */
	if (c == p->n_chunks && !p->walked) {
		if (p->total % CODEC_BLOCK ? p->total % CODEC_BLOCK > p->pb_len - used : used != p->pb_len)
			return pcorrupt(p, "bad positions block");
		p->walked = 1;
	}
	p->chunks_known = c;
	p->walk = used;
	return 0;
}

/*
 * Decodes the varints after the last packed chunk up to value `upto` (exclusive), on
 * from where the last call stopped. Once all are decoded they must end the block's
 * bytes; until that holds, the last values are decoded again (and fail again) on every
 * call that needs them.
 */
static int load_tail(struct postings *p, size_t upto)
{
	size_t n = p->total % CODEC_BLOCK, i = p->tail_n, used, k, len;
	const uint8_t *pb;
	int rc;

	if (!i) {
		if ((rc = walk_chunks(p, p->n_chunks)) < 0)
			return rc;
		p->tail_used = p->walk;
	}
	used = p->tail_used;
	pb = p->pb, len = p->pb_len;
	for (; i < upto; i++) {
		if (!(k = varint_get32(pb + used, len - used, &p->tail[i])))
			return pcorrupt(p, "bad positions block");
		used += k;
	}
	if (i == n && used != len)
		return pcorrupt(p, "bad positions block");
	p->tail_n = i;
	p->tail_used = used;
	return 0;
}

/* Decodes the positions of document i of the block into p->pos, field by field. */
static int load_doc_positions(struct postings *p, uint32_t i)
{
	size_t start, cnt, at = 0, idx;
	uint32_t j, k = 0;
	int rc, f;

	p->pos_doc = -1; /* pos is overwritten from here on */
	if (!p->pos_layout && (rc = pos_layout(p)) < 0)
		return rc;
	if (i >= p->sum_at)
		start = p->sum_below + tf_sum(p, p->sum_at, i);
	else
		start = tf_sum(p, 0, i);
	p->sum_at = i, p->sum_below = (uint32_t)start;
	cnt = p->tf[0][i] + p->tf[1][i] + p->tf[2][i];
	if (cnt <= sizeof(p->pos_buf) / sizeof(p->pos_buf[0])) {
		p->pos = p->pos_buf;
	} else {
		if (cnt > p->pos_cap) {
			uint32_t *n = as_realloc(p->pos_heap, cnt * sizeof(*n));
			if (!n)
				return AS_ENOMEM;
			p->pos_heap = n;
			p->pos_cap = cnt;
		}
		p->pos = p->pos_heap;
	}
	/* Raw deltas: random access inside packed chunks, then the cached varint tail. */
	while (at < cnt) {
		size_t c, from, run;
		idx = start + at;
		c = idx / CODEC_BLOCK;
		from = idx % CODEC_BLOCK;
		run = CODEC_BLOCK - from;
		if (run > cnt - at)
			run = cnt - at;
		if (c < p->n_chunks) {
			const uint8_t *chunk;
			if (c >= p->chunks_known && (rc = walk_chunks(p, c)) < 0)
				return rc;
			chunk = p->pb + p->chunk_off[c];
			if (run == CODEC_BLOCK)
				pack_get(chunk + 1, CODEC_BLOCK, chunk[0], p->pos + at);
			else
				pack_get_at(chunk + 1, from, run, chunk[0], p->pos + at);
		} else {
			if (from + run > p->tail_n && (rc = load_tail(p, from + run)) < 0)
				return rc;
			/* A loop, not memcpy: GCC makes a variable memcpy of uint32_t a rep movsq,
			 * whose start-up costs more than the few values copied here. */
			for (j = 0; j < run; j++)
				p->pos[at + j] = p->tail[from + j];
		}
		at += run;
	}
	/*
	 * Within a field, positions are previous + 1 + delta (the first: delta itself, as
	 * the sum starts at -1): they strictly increase, so the last one bounds them all (the
	 * sum is in 64 bits and cannot wrap).
	 */
	for (f = 0; f < N_FIELDS; f++) {
		uint32_t *q = p->pos + k, nf = p->tf[f][i];
		uint64_t v = UINT64_MAX;
		for (j = 0; j < nf; j++) {
			v += 1 + (uint64_t)q[j];
			q[j] = (uint32_t)v;
		}
		if (nf && v >= (1u << 31))
			return pcorrupt(p, "position out of range");
		k += nf;
	}
	p->pos_doc = (int32_t)i;
	return 0;
}

int postings_next(struct postings *p)
{
	int rc;

	if (p->done)
		return 1;
	if (p->blk == UINT32_MAX) {
		if ((rc = load_block(p, 0)) < 0)
			return rc;
	}
	if (++p->i < (int32_t)p->n)
		return 0;
	if (p->blk + 1 >= p->n_blocks) {
		p->done = 1;
		return 1;
	}
	if ((rc = load_block(p, p->blk + 1)) < 0)
		return rc;
	p->i = 0;
	return 0;
}

uint32_t postings_block_view(const struct postings *p, const uint32_t **docs, const uint32_t *tf[N_FIELDS],
			     uint32_t *at)
{
	if (p->blk == UINT32_MAX || p->i < 0 || p->done) {
		*docs = NULL;
		*at = 0;
		return 0;
	}
	*docs = p->docs;
	for (int f = 0; f < N_FIELDS; f++)
		tf[f] = p->tf[f];
	*at = (uint32_t)p->i;
	return p->n;
}

/* First block >= from whose last document is >= target, or n_blocks. The halving
 * picks a side with a conditional move: which side is a coin flip to a branch predictor. */
static uint32_t find_skip(const struct postings *p, uint32_t from, uint32_t target)
{
	uint32_t base = from, n = p->n_blocks > from ? p->n_blocks - from : 0;

	if (n == 0)
		return from;
	while (n > 1) {
		uint32_t half = n / 2;
		base = skip_last(p, base + half) < target ? base + half : base;
		n -= half;
	}
	return base + (skip_last(p, base) < target);
}

int postings_seek(struct postings *p, uint32_t target)
{
	int rc;

	if (p->done)
		return 1;
	if (p->blk != UINT32_MAX && p->i >= 0 && p->docs[p->i] >= target)
		return 0;
	if (p->blk == UINT32_MAX || p->docs[p->n - 1] < target) {
		uint32_t k;
		if (p->skip) {
			k = find_skip(p, p->blk == UINT32_MAX ? 0 : p->blk + 1, target);
		} else {
			k = p->blk == UINT32_MAX ? 0 : 1;
		}
		if (k >= p->n_blocks) {
			p->done = 1;
			return 1;
		}
		if ((rc = load_block(p, k)) < 0)
			return rc;
		if (p->docs[p->n - 1] < target) {
			p->done = 1;
			return 1;
		}
	}
	{
		/* The first document >= target, docs[n-1] being one: halving with a
		 * conditional move, as find_skip(); where target falls is a coin flip to a
		 * branch predictor, which a scan's exit would be. */
		uint32_t base = p->i < 0 ? 0 : (uint32_t)p->i, n = p->n - base;
		while (n > 1) {
			uint32_t half = n / 2;
			base = p->docs[base + half - 1] < target ? base + half : base;
			n -= half;
		}
		p->i = (int32_t)base;
	}
	return 0;
}

uint32_t postings_doc(const struct postings *p)
{
	return p->i >= 0 && p->blk != UINT32_MAX ? p->docs[p->i] : 0;
}

void postings_freqs(const struct postings *p, uint32_t tf[N_FIELDS])
{
	uint32_t v[N_FIELDS] = { 0 };
	int f;

	/* Read all, then write: tf could alias p->tf for all the compiler knows. */
	if (p->i >= 0 && p->blk != UINT32_MAX)
		for (f = 0; f < N_FIELDS; f++)
			v[f] = p->tf[f][p->i];
	for (f = 0; f < N_FIELDS; f++)
		tf[f] = v[f];
}

int postings_positions(struct postings *p, enum field f, const uint32_t **pos, uint32_t *n)
{
	uint32_t off;
	int rc, g;

	*pos = NULL;
	*n = 0;
	if (!(p->flags & POSTINGS_POSITIONS) || (unsigned)f >= N_FIELDS)
		return as_error_set(AS_EINVAL, "postings_positions: opened without positions");
	if (p->blk == UINT32_MAX || p->i < 0 || p->done)
		return as_error_set(AS_EINVAL, "postings_positions: not on a document");
	if (p->pos_doc != p->i && (rc = load_doc_positions(p, (uint32_t)p->i)) < 0)
		return rc;
	off = 0;
	for (g = 0; g < (int)f; g++)
		off += p->tf[g][p->i];
	*pos = p->pos + off;
	*n = p->tf[f][p->i];
	return 0;
}

int postings_shallow_seek(struct postings *p, uint32_t target)
{
	int rc;

	if (!p->skip) {
		if (p->blk == UINT32_MAX && (rc = load_block(p, 0)) < 0)
			return rc;
		return p->docs[p->n - 1] >= target ? 0 : 1;
	}
	p->shallow = find_skip(p, p->shallow, target);
	if (p->shallow >= p->n_blocks) {
		p->shallow = p->n_blocks - 1;
		return 1;
	}
	return 0;
}

uint32_t postings_block_last(const struct postings *p)
{
	if (!p->skip)
		return p->blk != UINT32_MAX ? p->docs[p->n - 1] : UINT32_MAX;
	return skip_last(p, p->shallow);
}

void postings_block_max(const struct postings *p, uint32_t max_tf[N_FIELDS], uint32_t min_len[N_FIELDS])
{
	const uint8_t *s;
	int f;

	if (!p->skip) {
		for (f = 0; f < N_FIELDS; f++) {
			max_tf[f] = p->info.max_tf[f];
			min_len[f] = p->info.min_len[f];
		}
		return;
	}
	s = p->skip + (size_t)p->shallow * SKIP_ENTRY;
	for (f = 0; f < N_FIELDS; f++) {
		max_tf[f] = le16(s + 12 + 2 * f);
		min_len[f] = le32(s + 18 + 4 * f);
	}
}
