/*
 * Reading a generation: the manifest, each segment's files mapped and verified, and the
 * per-document data, value tables and stored fields (FORMAT.md). Postings and
 * dictionaries are read by postings.c and dict.c.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lz4.h>

#include "common/index/codec.h"
#include "common/index/index_int.h"
#include "common/util/arena.h"
#include "common/util/buf.h"
#include "common/util/error.h"
#include "common/util/mem.h"

/* ---- Manifest ---- */

int manifest_read(const char *gen_dir, const char *shown, struct manifest *m)
{
	struct ixfile f;
	char path[PATH_MAX], name[PATH_MAX];
	const uint8_t *p;
	size_t left, k;
	uint32_t i, nl;
	int rc;

	memset(m, 0, sizeof(*m));
	snprintf(path, sizeof(path), "%s/manifest", gen_dir);
	snprintf(name, sizeof(name), "%s/manifest", shown);
	if ((rc = ixfile_open(&f, path, name, "MANI", IXFILE_VERIFY)) < 0)
		return rc;
	p = f.body;
	left = f.body_len;
	if (left < 20)
		goto bad;
	m->generation = le64(p);
	m->next_segment = le64(p + 8);
	m->n_segments = le32(p + 16);
	p += 20, left -= 20;
	if (m->n_segments > left / 10)
		goto bad;
	m->segs = as_calloc(m->n_segments ? m->n_segments : 1, sizeof(*m->segs));
	if (!m->segs) {
		ixfile_close(&f);
		return AS_ENOMEM;
	}
	for (i = 0; i < m->n_segments; i++) {
		if (!(k = varint_get32(p, left, &nl)) || !nl || nl >= sizeof(m->segs[i].name) || nl + 8 > left - k)
			goto bad;
		memcpy(m->segs[i].name, p + k, nl);
		if (memchr(m->segs[i].name, '/', nl) || memchr(m->segs[i].name, 0, nl) || m->segs[i].name[0] == '.')
			goto bad;
		p += k + nl, left -= k + nl;
		m->segs[i].n_docs = le32(p);
		m->segs[i].n_deleted = le32(p + 4);
		if (m->segs[i].n_deleted > m->segs[i].n_docs || m->segs[i].n_docs > INT32_MAX)
			goto bad;
		p += 8, left -= 8;
	}
	if (left)
		goto bad;
	ixfile_close(&f);
	return 0;
bad:
	ixfile_close(&f);
	manifest_clear(m);
	return as_error_set(AS_ECORRUPT, "%s: bad manifest", name);
}

int manifest_write(const char *gen_dir, const struct manifest *m)
{
	char path[PATH_MAX];
	struct buf b = BUF_INIT;
	uint32_t i;
	int rc;

	snprintf(path, sizeof(path), "%s/manifest", gen_dir);
	buf_put64(&b, m->generation);
	buf_put64(&b, m->next_segment);
	buf_put32(&b, m->n_segments);
	for (i = 0; i < m->n_segments; i++) {
		size_t l = strlen(m->segs[i].name);
		varint_put(&b, l);
		buf_add(&b, m->segs[i].name, l);
		buf_put32(&b, m->segs[i].n_docs);
		buf_put32(&b, m->segs[i].n_deleted);
	}
	if (b.err) {
		buf_release(&b);
		return AS_ENOMEM;
	}
	rc = ixfile_write_whole(path, "MANI", b.ptr, b.len);
	buf_release(&b);
	return rc;
}

void manifest_clear(struct manifest *m)
{
	as_free(m->segs);
	memset(m, 0, sizeof(*m));
}

/* ---- Segments ---- */

static int open_part(struct segment *seg, const char *gen_dir, const char *ext, const char *kind, struct ixfile *f)
{
	char path[PATH_MAX], name[PATH_MAX];

	snprintf(path, sizeof(path), "%s/%s.%s", gen_dir, seg->name, ext);
	snprintf(name, sizeof(name), "%s.%s", seg->name, ext);
	return ixfile_open(f, path, name, kind, seg->open_flags);
}

static int seg_corrupt(const struct segment *seg, const char *ext, const char *what)
{
	return as_error_set(AS_ECORRUPT, "%s.%s: %s", seg->name, ext, what);
}

static int parse_docs(struct segment *seg)
{
	const struct ixfile *f = &seg->docs;
	const uint8_t *t, *p, *end;
	uint64_t off[6], n;
	uint32_t i, prev = 0;
	size_t k;
	int s, kind;

	if (f->body_len < DOCS_TAIL)
		return seg_corrupt(seg, "docs", "truncated");
	t = f->map + f->size - 4 - DOCS_TAIL;
	n = le32(t);
	seg->n_docs = (uint32_t)n;
	for (s = 0; s < N_FIELDS; s++)
		seg->total_len[s] = le64(t + 8 + 8 * s);
	for (s = 0; s < 6; s++)
		off[s] = le64(t + 32 + 8 * s);
	if (n > INT32_MAX || off[0] != IXFILE_HEADER || off[1] - off[0] != 12 * n || off[2] - off[1] != 8 * n ||
	    off[3] - off[2] != 16 * n || off[4] - off[3] != 4 * (n + 1) || off[5] < off[4] + 4 * n ||
	    off[5] > f->size - 4 - DOCS_TAIL)
		return seg_corrupt(seg, "docs", "bad section offsets");
	seg->field_len = f->map + off[0];
	seg->values = f->map + off[1];
	seg->hashes = f->map + off[2];
	seg->id_offs = f->map + off[3];
	seg->id_sorted = f->map + off[4];
	seg->id_bytes = f->map + off[4] + 4 * n;
	seg->id_bytes_len = off[5] - off[4] - 4 * n;
	for (i = 0; i <= n; i++) {
		uint32_t o = le32(seg->id_offs + 4 * (size_t)i);
		if ((i == 0 && o != 0) || (i && o <= prev) || o > seg->id_bytes_len || (i && seg->id_bytes[o - 1] != 0))
			return seg_corrupt(seg, "docs", "bad document ids");
		prev = o;
	}
	if (prev != seg->id_bytes_len)
		return seg_corrupt(seg, "docs", "bad document ids");
	for (i = 0; i < n; i++)
		if (le32(seg->id_sorted + 4 * (size_t)i) >= n)
			return seg_corrupt(seg, "docs", "bad id order");
	p = f->map + off[5];
	end = f->map + f->size - 4 - DOCS_TAIL;
	for (kind = 0; kind < 2; kind++) {
		uint32_t cnt, len;
		if (!(k = varint_get32(p, (size_t)(end - p), &cnt)) || cnt > 65535 || cnt > (size_t)(end - p))
			return seg_corrupt(seg, "docs", "bad value table");
		p += k;
		seg->names[kind] = as_calloc(cnt ? cnt : 1, sizeof(char *));
		if (!seg->names[kind])
			return AS_ENOMEM;
		seg->n_names[kind] = cnt;
		for (i = 0; i < cnt; i++) {
			if (!(k = varint_get32(p, (size_t)(end - p), &len)) || len >= (size_t)(end - p) - k ||
			    p[k + len] != 0 || memchr(p + k, 0, len))
				return seg_corrupt(seg, "docs", "bad value table");
			seg->names[kind][i] = (const char *)p + k;
			p += k + len + 1;
		}
	}
	if (p != end)
		return seg_corrupt(seg, "docs", "bad value table");
	return 0;
}

static int parse_stor(struct segment *seg)
{
	const struct ixfile *f = &seg->stor;
	const uint8_t *t;
	uint64_t idx[2], end = f->size - 4 - STOR_TAIL;
	int s;

	if (f->body_len < STOR_TAIL)
		return seg_corrupt(seg, "stor", "truncated");
	t = f->map + end;
	if (le32(t) != seg->n_docs)
		return seg_corrupt(seg, "stor", "document count differs from the docs file");
	seg->n_store_blocks[0] = le32(t + 4);
	seg->n_store_blocks[1] = le32(t + 8);
	idx[0] = le64(t + 16);
	idx[1] = le64(t + 24);
	if (idx[0] < IXFILE_HEADER || idx[0] + 12 * (uint64_t)seg->n_store_blocks[0] != idx[1] ||
	    idx[1] + 12 * (uint64_t)seg->n_store_blocks[1] != end)
		return seg_corrupt(seg, "stor", "bad index offsets");
	for (s = 0; s < 2; s++) {
		uint32_t i, prev = 0;
		seg->store_index[s] = f->map + idx[s];
		if (seg->n_docs && !seg->n_store_blocks[s])
			return seg_corrupt(seg, "stor", "missing blocks");
		for (i = 0; i < seg->n_store_blocks[s]; i++) {
			const uint8_t *e = seg->store_index[s] + 12 * (size_t)i;
			uint32_t first = le32(e);
			uint64_t off = le64(e + 4);
			/* The block's own header is checked when the block is read (store_block):
			 * reading it here would fault in a page of the file per block, most of a
			 * one-shot query's time on an index mapped lazily. */
			if ((i == 0 && first != 0) || (i && first <= prev) || first >= seg->n_docs ||
			    off < IXFILE_HEADER || off + 12 > idx[0])
				return seg_corrupt(seg, "stor", "bad block index");
			prev = first;
		}
	}
	return 0;
}

int segment_open(const char *gen_dir, const char *name, uint32_t n_deleted, unsigned flags, struct segment **out)
{
	struct segment *seg = as_calloc(1, sizeof(*seg));
	char path[PATH_MAX], shown[PATH_MAX];
	uint64_t post_limit;
	int rc;

	*out = NULL;
	if (!seg)
		return AS_ENOMEM;
	if (!(seg->name = as_strdup(name))) {
		as_free(seg);
		return AS_ENOMEM;
	}
	seg->open_flags = flags;
	if ((rc = open_part(seg, gen_dir, "post", "POST", &seg->post)) < 0)
		goto fail;
	post_limit = seg->post.size - 4 - POST_TAIL;
	if (seg->post.body_len < POST_TAIL) {
		rc = seg_corrupt(seg, "post", "truncated");
		goto fail;
	}
	snprintf(path, sizeof(path), "%s/%s.terms", gen_dir, name);
	snprintf(shown, sizeof(shown), "%s.terms", name);
	if ((rc = dict_reader_open(&seg->dicts[DICT_TERMS], path, shown, 1, post_limit, flags)) < 0)
		goto fail;
	snprintf(path, sizeof(path), "%s/%s.words", gen_dir, name);
	snprintf(shown, sizeof(shown), "%s.words", name);
	if ((rc = dict_reader_open(&seg->dicts[DICT_WORDS], path, shown, 0, post_limit, flags)) < 0)
		goto fail;
	if ((rc = open_part(seg, gen_dir, "docs", "DOCS", &seg->docs)) < 0 || (rc = parse_docs(seg)) < 0)
		goto fail;
	if ((rc = open_part(seg, gen_dir, "stor", "STOR", &seg->stor)) < 0 || (rc = parse_stor(seg)) < 0)
		goto fail;
	if (n_deleted) {
		size_t nb = ((size_t)seg->n_docs + 7) / 8, i;
		uint32_t cnt = 0;
		if ((rc = open_part(seg, gen_dir, "del", "DELS", &seg->del)) < 0)
			goto fail;
		if (seg->del.body_len != 8 + nb || le32(seg->del.body) != seg->n_docs ||
		    le32(seg->del.body + 4) != n_deleted) {
			rc = seg_corrupt(seg, "del", "does not match the segment");
			goto fail;
		}
		seg->del_bits = seg->del.body + 8;
		for (i = 0; i < nb; i++)
			cnt += (uint32_t)__builtin_popcount(seg->del_bits[i]);
		if (cnt != n_deleted || (seg->n_docs % 8 && (seg->del_bits[nb - 1] >> (seg->n_docs % 8)))) {
			rc = seg_corrupt(seg, "del", "bad bitmap");
			goto fail;
		}
		seg->n_deleted = n_deleted;
	}
	*out = seg;
	return 0;
fail:
	/* A file the manifest names but the generation lacks: the generation is damaged. */
	if (rc == AS_ENOENT)
		rc = as_error_set(AS_ECORRUPT, "%s", as_error_message(rc));
	segment_close(seg);
	return rc;
}

void segment_close(struct segment *seg)
{
	int k;

	if (!seg)
		return;
	dict_reader_close(&seg->dicts[0]);
	dict_reader_close(&seg->dicts[1]);
	ixfile_close(&seg->post);
	ixfile_close(&seg->docs);
	ixfile_close(&seg->stor);
	ixfile_close(&seg->del);
	for (k = 0; k < 2; k++)
		as_free(seg->names[k]);
	as_free(seg->name);
	as_free(seg);
}

/* ---- Index ---- */

void index_close(struct index *idx)
{
	uint32_t i;

	if (!idx)
		return;
	for (i = 0; i < idx->n_segments; i++)
		segment_close(idx->segs[i]);
	as_free(idx->segs);
	as_free(idx->dir);
	as_free(idx->generation);
	as_free(idx);
}

static int open_generation(const char *dir, const char *generation, unsigned flags, struct index **out)
{
	struct index *idx;
	struct manifest m;
	char gen_dir[PATH_MAX];
	uint32_t i, d;
	int rc, f;

	*out = NULL;
	if (!generation || !*generation || strchr(generation, '/') || generation[0] == '.')
		return as_error_set(AS_EINVAL, "bad generation name '%s'", generation ? generation : "");
	snprintf(gen_dir, sizeof(gen_dir), "%s/%s", dir, generation);
	if ((rc = manifest_read(gen_dir, generation, &m)) < 0)
		return rc;
	idx = as_calloc(1, sizeof(*idx));
	if (!idx) {
		manifest_clear(&m);
		return AS_ENOMEM;
	}
	idx->dir = as_strdup(dir);
	idx->generation = as_strdup(generation);
	idx->segs = as_calloc(m.n_segments ? m.n_segments : 1, sizeof(*idx->segs));
	if (!idx->dir || !idx->generation || !idx->segs) {
		rc = AS_ENOMEM;
		goto fail;
	}
	idx->gen_no = m.generation;
	idx->next_segment = m.next_segment;
	for (i = 0; i < m.n_segments; i++) {
		struct segment *seg;
		if ((rc = segment_open(gen_dir, m.segs[i].name, m.segs[i].n_deleted, flags, &seg)) < 0)
			goto fail;
		idx->segs[idx->n_segments++] = seg;
		if (seg->n_docs != m.segs[i].n_docs) {
			rc = as_error_set(AS_ECORRUPT, "%s/manifest: %s has %u documents, not %u", generation,
					  seg->name, seg->n_docs, m.segs[i].n_docs);
			goto fail;
		}
		idx->stats.n_docs += seg->n_docs - seg->n_deleted;
		for (f = 0; f < N_FIELDS; f++)
			idx->stats.total_field_len[f] += seg->total_len[f];
		if (seg->del_bits)
			for (d = 0; d < seg->n_docs; d++)
				if (!segment_is_live(seg, d))
					for (f = 0; f < N_FIELDS; f++)
						idx->stats.total_field_len[f] -= segment_field_len(seg, d, f);
	}
	manifest_clear(&m);
	*out = idx;
	return 0;
fail:
	manifest_clear(&m);
	index_close(idx);
	return rc;
}

/* Reads DIR/CURRENT: one line naming a generation. */
int index_read_current(const char *dir, char *name, size_t size)
{
	char path[PATH_MAX];
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/CURRENT", dir);
	fp = fopen(path, "re");
	if (!fp)
		return as_error_set(AS_ENOENT, "%s: no published index (no CURRENT file)", dir);
	n = fread(name, 1, size - 1, fp);
	fclose(fp);
	name[n] = '\0';
	while (n && (name[n - 1] == '\n' || name[n - 1] == '\r'))
		name[--n] = '\0';
	if (!n || strncmp(name, "gen-", 4) || strchr(name, '/') || strchr(name, '\n'))
		return as_error_set(AS_ECORRUPT, "%s/CURRENT: does not name a generation", dir);
	return 0;
}

int index_open_generation(const char *dir, const char *generation, struct index **out)
{
	return open_generation(dir, generation, IXFILE_VERIFY, out);
}

int index_open(const char *dir, struct index **out)
{
	return index_open_flags(dir, INDEX_VERIFY, out);
}

int index_open_flags(const char *dir, unsigned flags, struct index **out)
{
	char name[64], again[64];
	int rc, tries;

	*out = NULL;
	for (tries = 0; tries < 3; tries++) {
		if ((rc = index_read_current(dir, name, sizeof(name))) < 0)
			return rc;
		rc = open_generation(dir, name, flags & INDEX_VERIFY ? IXFILE_VERIFY : 0, out);
		/* A writer may have published and removed this generation between our read of
		 * CURRENT and our open: follow CURRENT again rather than fail. */
		if (rc >= 0 || index_read_current(dir, again, sizeof(again)) < 0 || !strcmp(name, again))
			return rc;
	}
	return rc;
}

const char *index_generation(const struct index *idx)
{
	return idx->generation;
}

uint32_t index_n_segments(const struct index *idx)
{
	return idx->n_segments;
}

const struct segment *index_segment(const struct index *idx, uint32_t i)
{
	return i < idx->n_segments ? idx->segs[i] : NULL;
}

void index_get_stats(const struct index *idx, struct index_stats *out)
{
	*out = idx->stats;
}

const char *segment_doc_id(const struct segment *seg, uint32_t doc)
{
	return (const char *)seg->id_bytes + le32(seg->id_offs + 4 * (size_t)doc);
}

const uint8_t *segment_doc_hash(const struct segment *seg, uint32_t doc)
{
	return seg->hashes + 16 * (size_t)doc;
}

static int segment_find_id(const struct segment *seg, const char *id, uint32_t *doc)
{
	uint32_t lo = 0, hi = seg->n_docs;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2, d = le32(seg->id_sorted + 4 * (size_t)mid);
		int c = strcmp(segment_doc_id(seg, d), id);
		if (c == 0) {
			/* The same id may be there twice when one copy is deleted: find a live one. */
			uint32_t j = mid;
			while (j > 0 && !strcmp(segment_doc_id(seg, le32(seg->id_sorted + 4 * (size_t)(j - 1))), id))
				j--;
			for (; j < seg->n_docs; j++) {
				d = le32(seg->id_sorted + 4 * (size_t)j);
				if (strcmp(segment_doc_id(seg, d), id))
					break;
				if (segment_is_live(seg, d)) {
					*doc = d;
					return 0;
				}
			}
			return AS_ENOENT;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return AS_ENOENT;
}

int index_find_doc(const struct index *idx, const char *id, uint32_t *seg, uint32_t *doc)
{
	uint32_t i;

	for (i = idx->n_segments; i-- > 0;) {
		if (segment_find_id(idx->segs[i], id, doc) == 0) {
			*seg = i;
			return 0;
		}
	}
	return AS_ENOENT;
}

/* ---- Documents ---- */

uint32_t segment_n_docs(const struct segment *seg)
{
	return seg->n_docs;
}

void segment_tables(const struct segment *seg, struct segment_tables *out)
{
	out->n_docs = seg->n_docs;
	out->field_len = seg->field_len;
	out->values = seg->values;
	out->del = seg->del_bits;
}

int segment_is_live(const struct segment *seg, uint32_t doc)
{
	struct segment_tables t;

	segment_tables(seg, &t);
	return segment_tables_live(&t, doc);
}

uint32_t segment_field_len(const struct segment *seg, uint32_t doc, enum field f)
{
	struct segment_tables t;

	if ((unsigned)f >= N_FIELDS)
		return 0;
	segment_tables(seg, &t);
	return segment_tables_len(&t, doc, f);
}

void segment_field_lens(const struct segment *seg, uint32_t doc, uint32_t len[N_FIELDS])
{
	struct segment_tables t;

	segment_tables(seg, &t);
	for (int f = 0; f < N_FIELDS; f++)
		len[f] = segment_tables_len(&t, doc, (enum field)f);
}

void segment_doc_values(const struct segment *seg, uint32_t doc, struct doc_values *out)
{
	struct segment_tables t;

	segment_tables(seg, &t);
	*out = segment_tables_values(&t, doc);
}

const char *segment_value_name(const struct segment *seg, enum value_kind kind, uint16_t id)
{
	if ((unsigned)kind > VALUE_DEPARTMENT || !id || id > seg->n_names[kind])
		return NULL;
	return seg->names[kind][id - 1];
}

uint16_t segment_value_id(const struct segment *seg, enum value_kind kind, const char *name)
{
	uint32_t i;

	if ((unsigned)kind > VALUE_DEPARTMENT || !name)
		return 0;
	for (i = 0; i < seg->n_names[kind]; i++)
		if (!strcmp(seg->names[kind][i], name))
			return (uint16_t)(i + 1);
	return 0;
}

/* ---- Stored fields ---- */

/* Finds the block of `doc`: its number, first document, record count, compressed bytes
 * and raw length, checked against the file. */
static int store_block(const struct segment *seg, int stream, uint32_t doc, uint32_t *blk, uint32_t *first,
			 uint32_t *n, const uint8_t **zdata, uint32_t *zlen, uint32_t *raw_len)
{
	const uint8_t *ix = seg->store_index[stream], *b;
	uint32_t lo = 0, hi = seg->n_store_blocks[stream];

	if (doc >= seg->n_docs)
		return as_error_set(AS_EINVAL, "no document %u in %s", doc, seg->name);
	while (hi - lo > 1) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (le32(ix + 12 * (size_t)mid) <= doc)
			lo = mid;
		else
			hi = mid;
	}
	*blk = lo;
	*first = le32(ix + 12 * (size_t)lo);
	uint64_t off = le64(ix + 12 * (size_t)lo + 4), end = (uint64_t)(seg->store_index[0] - seg->stor.map);
	/* Blocks lie before the block index (parse_stor() checked where it starts). */
	if (off > end || end - off < 12)
		return seg_corrupt(seg, "stor", "bad block offset");
	b = seg->stor.map + off;
	*raw_len = le32(b);
	*n = le32(b + 4);
	*zlen = le32(b + 8);
	*zdata = b + 12;
	/* Sizes are checked against what the bytes can hold before anything is allocated
	 * for them: LZ4 expands at most 255 times (a byte of 255 extends a match by 255), and a block holds documents of this
	 * segment only. */
	if (doc < *first || doc - *first >= *n || *raw_len > (1u << 30) || *n > *raw_len ||
	    *n > seg->n_docs - *first || *zlen > end - off - 12 ||
	    (uint64_t)*raw_len > (uint64_t)*zlen * 256 + 64)
		return seg_corrupt(seg, "stor", "bad block header");
	return 0;
}

/*
 * Decompresses the first `target` bytes of a block into raw, which holds that many (all
 * of them when target is raw_len, which must then be exactly what its zlen bytes decode
 * to). LZ4's safe decoders never read past z[zlen) nor write past raw[target), whatever
 * the bytes; a part restarts from the block's beginning, so callers ask for growing
 * targets only a few times.
 */
static int store_decode(const struct segment *seg, const uint8_t *z, uint32_t zlen, uint8_t *raw, uint32_t raw_len,
			size_t target)
{
	int r;

	if (zlen > LZ4_MAX_INPUT_SIZE || raw_len > LZ4_MAX_INPUT_SIZE || target > raw_len)
		return seg_corrupt(seg, "stor", "bad block header");
	/* LZ4 accepts a match at offset 0 (a damaged block whose checksum was redone), which
	 * copies the output's own bytes before they are written: from a zeroed buffer, the
	 * same zeros whatever this buffer held before (another document's text) and however
	 * far the block is decoded. */
	memset(raw, 0, target);
	if (target == raw_len)
		r = LZ4_decompress_safe((const char *)z, (char *)raw, (int)zlen, (int)raw_len);
	else
		r = LZ4_decompress_safe_partial((const char *)z, (char *)raw, (int)zlen, (int)target, (int)target);
	if (r < 0 || (size_t)r != target)
		return seg_corrupt(seg, "stor", "block does not decompress");
	return 0;
}

/* Bytes of a block that surely hold its n record lengths (varints of at most 5 bytes). */
static size_t store_head(uint32_t n, uint32_t raw_len)
{
	return (size_t)n * 5 < raw_len ? (size_t)n * 5 : raw_len;
}

/*
 * Decompresses a block's record lengths into raw (store_head() bytes) and sets
 * offs[0..n]: record boundaries within the block.
 */
static int store_lengths(const struct segment *seg, const uint8_t *z, uint32_t zlen, uint8_t *raw, uint32_t raw_len,
			 uint32_t n, uint32_t *offs)
{
	size_t pos = 0, k, data = 0, head = store_head(n, raw_len);
	uint32_t i, l;
	int rc;

	if ((rc = store_decode(seg, z, zlen, raw, raw_len, head)) < 0)
		return rc;
	for (i = 0; i < n; i++) {
		if (!(k = varint_get32(raw + pos, head - pos, &l)))
			return seg_corrupt(seg, "stor", "bad record lengths");
		pos += k;
		offs[i] = (uint32_t)data;
		data += l;
		if (data > raw_len)
			return seg_corrupt(seg, "stor", "bad record lengths");
	}
	if (data != raw_len - pos)
		return seg_corrupt(seg, "stor", "bad record lengths");
	for (i = 0; i < n; i++)
		offs[i] += (uint32_t)pos;
	offs[n] = raw_len;
	return 0;
}

static int store_split(const struct segment *seg, const uint8_t *z, uint32_t zlen, uint8_t *raw, uint32_t raw_len,
		       uint32_t n, uint32_t *offs)
{
	int rc;

	if ((rc = store_lengths(seg, z, zlen, raw, raw_len, n, offs)) < 0)
		return rc;
	if (store_head(n, raw_len) < raw_len && (rc = store_decode(seg, z, zlen, raw, raw_len, raw_len)) < 0)
		return rc;
	raw[raw_len] = 0;
	return 0;
}

/* A body record is its marks' length (varint), its marks, then its text: *text is where
 * the text starts within the record of len bytes, *marks where the marks do. Only the
 * first `avail` bytes need be decoded. */
static int body_split(const struct segment *seg, uint32_t doc, const uint8_t *rec, size_t avail, size_t len,
		      size_t *marks, size_t *text)
{
	uint32_t ml;
	size_t k = varint_get32(rec, avail, &ml);

	if (!k || ml > len - k)
		return as_error_set(AS_ECORRUPT, "%s.stor: document %u: bad body marks", seg->name, doc);
	*marks = k;
	*text = k + ml;
	return 0;
}

/* Checks (out NULL) or decodes marks m[0..len) of a body of text_len bytes: positions
 * and offsets increasing, offsets inside the text. out has room for len / 2 marks. */
static int marks_parse(const struct segment *seg, uint32_t doc, const uint8_t *m, size_t len, size_t text_len,
		       struct body_mark *out, uint32_t *n)
{
	uint64_t pos = 0, off = 0;
	uint32_t dp, dof, i = 0;
	size_t at = 0, k;

	while (at < len) {
		if (!(k = varint_get32(m + at, len - at, &dp)))
			goto bad;
		at += k;
		if (!(k = varint_get32(m + at, len - at, &dof)))
			goto bad;
		at += k;
		pos += dp;
		off += dof;
		if (!dp || !dof || pos >= (1u << 31) || off >= text_len)
			goto bad;
		if (out) {
			out[i].pos = (uint32_t)pos;
			out[i].off = (uint32_t)off;
		}
		i++;
	}
	if (n)
		*n = i;
	return 0;
bad:
	return as_error_set(AS_ECORRUPT, "%s.stor: document %u: bad body marks", seg->name, doc);
}

/* The first `target` bytes of a block decoded again, into a buffer of that size + 1. */
static int store_more(const struct segment *seg, const uint8_t *z, uint32_t zlen, uint32_t raw_len, struct arena *arena,
		      size_t target, uint8_t **raw, size_t *have)
{
	if (!(*raw = arena_alloc(arena, target + 1)))
		return AS_ENOMEM;
	*have = target;
	return store_decode(seg, z, zlen, *raw, raw_len, target);
}

/*
 * doc's body record, decoded only as far as needed: the marks (want_text 0), or the
 * marks and the first min(max, text length) bytes of the text. rec points into arena
 * memory; *marks, *text and *text_len locate the parts within it. Each decode goes
 * into a buffer of its own size: a snippet of a 2 MB body takes the memory it reads,
 * not 2 MB.
 */
static int body_record(const struct segment *seg, uint32_t doc, int want_text, size_t max, struct arena *arena,
		       const uint8_t **rec, size_t *marks, size_t *text, size_t *text_len)
{
	uint32_t blk = 0, first = 0, n = 0, zlen = 0, raw_len = 0, *offs, i;
	const uint8_t *z = NULL;
	uint8_t *raw;
	size_t head, have, rs, re, got, want;
	int rc;

	if ((rc = store_block(seg, STREAM_BODY, doc, &blk, &first, &n, &z, &zlen, &raw_len)) < 0)
		return rc;
	head = store_head(n, raw_len);
	raw = arena_alloc(arena, head + 1);
	offs = arena_alloc(arena, ((size_t)n + 1) * sizeof(*offs));
	if (!raw || !offs)
		return AS_ENOMEM;
	if ((rc = store_lengths(seg, z, zlen, raw, raw_len, n, offs)) < 0)
		return rc;
	i = doc - first;
	rs = offs[i];
	re = offs[i + 1];
	/* The marks' length, then the marks, then the text asked for. */
	have = head;
	got = rs + 5 < re ? rs + 5 : re;
	if (got > have && (rc = store_more(seg, z, zlen, raw_len, arena, got, &raw, &have)) < 0)
		return rc;
	if ((rc = body_split(seg, doc, raw + rs, got - rs, re - rs, marks, text)) < 0)
		return rc;
	*text_len = re - rs - *text;
	want = rs + *text + (want_text ? (*text_len < max ? *text_len : max) : 0);
	if (want > have && (rc = store_more(seg, z, zlen, raw_len, arena, want, &raw, &have)) < 0)
		return rc;
	raw[have] = 0;
	*rec = raw + rs;
	return 0;
}

int segment_get_body(const struct segment *seg, uint32_t doc, size_t max, struct arena *arena, const char **body,
		     size_t *len, size_t *full_len)
{
	const uint8_t *rec;
	size_t marks, text, text_len;
	int rc;

	*body = NULL;
	*len = *full_len = 0;
	if ((rc = body_record(seg, doc, 1, max, arena, &rec, &marks, &text, &text_len)) < 0)
		return rc;
	*full_len = text_len;
	*len = text_len < max ? text_len : max;
	/* NUL-terminated like segment_get_doc's body (the byte after is the next record's,
	 * or the block's end: raw_len + 1 bytes were allocated). */
	((uint8_t *)rec)[text + *len] = 0;
	*body = (const char *)rec + text;
	return 0;
}

int segment_body_marks(const struct segment *seg, uint32_t doc, struct arena *arena, struct body_mark **marks,
		       uint32_t *n, size_t *body_len)
{
	const uint8_t *rec;
	size_t m, text, text_len;
	int rc;

	*marks = NULL;
	*n = 0;
	*body_len = 0;
	if ((rc = body_record(seg, doc, 0, 0, arena, &rec, &m, &text, &text_len)) < 0)
		return rc;
	if (text > m && !(*marks = arena_alloc(arena, (text - m) / 2 * sizeof(**marks))))
		return AS_ENOMEM;
	if ((rc = marks_parse(seg, doc, rec + m, text - m, text_len, *marks, n)) < 0)
		return rc;
	*body_len = text_len;
	return 0;
}

int store_get_raw(const struct segment *seg, int stream, uint32_t doc, struct arena *arena,
		  struct store_cache *cache, const uint8_t **rec, size_t *len)
{
	uint32_t blk = 0, first = 0, n = 0, zlen = 0, raw_len = 0, *offs;
	const uint8_t *z = NULL;
	uint8_t *raw;
	int rc;

	*len = 0;
	if (cache && cache->seg == seg && cache->stream == stream && cache->raw && doc >= cache->first &&
	    doc - cache->first < cache->n) {
		*rec = cache->raw + cache->offs[doc - cache->first];
		*len = cache->offs[doc - cache->first + 1] - cache->offs[doc - cache->first];
		return 0;
	}
	if ((rc = store_block(seg, stream, doc, &blk, &first, &n, &z, &zlen, &raw_len)) < 0)
		return rc;
	if (cache) {
		cache->seg = NULL;
		if (raw_len + 1 > cache->raw_cap) {
			uint8_t *r = as_realloc(cache->raw, (size_t)raw_len + 1);
			if (!r)
				return AS_ENOMEM;
			cache->raw = r;
			cache->raw_cap = (size_t)raw_len + 1;
		}
		if (n + 1 > cache->offs_cap) {
			uint32_t *o = as_realloc(cache->offs, ((size_t)n + 1) * sizeof(*o));
			if (!o)
				return AS_ENOMEM;
			cache->offs = o;
			cache->offs_cap = (size_t)n + 1;
		}
		raw = cache->raw;
		offs = cache->offs;
	} else {
		raw = arena_alloc(arena, (size_t)raw_len + 1);
		offs = arena_alloc(arena, ((size_t)n + 1) * sizeof(*offs));
		if (!raw || !offs)
			return AS_ENOMEM;
	}
	if ((rc = store_split(seg, z, zlen, raw, raw_len, n, offs)) < 0)
		return rc;
	if (cache) {
		cache->seg = seg;
		cache->stream = stream;
		cache->first = first;
		cache->n = n;
	}
	*rec = raw + offs[doc - first];
	*len = offs[doc - first + 1] - offs[doc - first];
	return 0;
}

void store_cache_release(struct store_cache *c)
{
	as_free(c->raw);
	as_free(c->offs);
	memset(c, 0, sizeof(*c));
}

static void put_str(struct buf *b, const char *s)
{
	size_t l = strlen(s);
	varint_put(b, l);
	buf_add(b, s, l);
}

void store_meta_put(struct buf *b, const char *id, const char *title, const char *date, const char *type,
		    const char *department, const char *url, char *const *tags, size_t n_tags)
{
	const char *v[6] = { id, title, date, type, department, url };
	unsigned mask = 0;
	size_t i;

	for (i = 0; i < 6; i++)
		if (v[i])
			mask |= 1u << i;
	buf_addch(b, (int)mask);
	for (i = 0; i < 6; i++)
		if (v[i])
			put_str(b, v[i]);
	varint_put(b, n_tags);
	for (i = 0; i < n_tags; i++)
		put_str(b, tags[i] ? tags[i] : "");
}

int store_meta_parse(const uint8_t *rec, size_t len, struct arena *arena, struct stored_doc *out)
{
	const char **v[6] = { &out->id, &out->title, &out->date, &out->type, &out->department, &out->url };
	size_t pos = 1, k, i;
	uint32_t l, nt = 0;
	unsigned mask;

	if (len < 1 || rec[0] >= 64)
		return as_error_set(AS_ECORRUPT, "stored fields: bad record");
	mask = rec[0];
	for (i = 0; i < 7; i++) {
		if (i < 6 && !(mask & (1u << i)))
			continue;
		if (!(k = varint_get32(rec + pos, len - pos, &l)))
			return as_error_set(AS_ECORRUPT, "stored fields: bad record");
		pos += k;
		if (i == 6) {
			nt = l;
			break;
		}
		if (l > len - pos)
			return as_error_set(AS_ECORRUPT, "stored fields: bad record");
		if (!(*v[i] = arena_strndup(arena, (const char *)rec + pos, l)))
			return AS_ENOMEM;
		pos += l;
	}
	if (nt > len - pos)
		return as_error_set(AS_ECORRUPT, "stored fields: bad record");
	out->n_tags = nt;
	if (nt) {
		out->tags = arena_alloc(arena, nt * sizeof(char *));
		if (!out->tags)
			return AS_ENOMEM;
	}
	for (i = 0; i < nt; i++) {
		if (!(k = varint_get32(rec + pos, len - pos, &l)) || l > len - pos - k)
			return as_error_set(AS_ECORRUPT, "stored fields: bad record");
		pos += k;
		if (!(out->tags[i] = arena_strndup(arena, (const char *)rec + pos, l)))
			return AS_ENOMEM;
		pos += l;
	}
	if (pos != len)
		return as_error_set(AS_ECORRUPT, "stored fields: bad record");
	return 0;
}

int segment_get_doc_cached(const struct segment *seg, uint32_t doc, unsigned flags, struct arena *arena,
			   struct store_cache cache[2], struct stored_doc *out)
{
	const uint8_t *rec;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = store_get_raw(seg, STREAM_META, doc, arena, cache ? &cache[0] : NULL, &rec, &len)) < 0)
		return rc;
	if ((rc = store_meta_parse(rec, len, arena, out)) < 0)
		return as_error_set(rc, "%s.stor: document %u: %s", seg->name, doc, as_error_message(rc));
	if (flags & STORED_BODY) {
		if ((rc = store_get_raw(seg, STREAM_BODY, doc, arena, cache ? &cache[1] : NULL, &rec, &len)) < 0)
			return rc;
		size_t marks = 0, text = 0;
		if ((rc = body_split(seg, doc, rec, len, len, &marks, &text)) < 0 ||
		    (rc = marks_parse(seg, doc, rec + marks, text - marks, len - text, NULL, NULL)) < 0)
			return rc;
		out->body_len = len - text;
		if (!(out->body = arena_strndup(arena, (const char *)rec + text, len - text)))
			return AS_ENOMEM;
	}
	return 0;
}

int segment_get_doc(const struct segment *seg, uint32_t doc, unsigned flags, struct arena *arena,
		    struct stored_doc *out)
{
	return segment_get_doc_cached(seg, doc, flags, arena, NULL, out);
}

int32_t parse_date(const char *s)
{
	int y, m, d, n = 0;

	if (!s || sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10 || y < 1 || m < 1 || m > 12 || d < 1 ||
	    d > 31)
		return 0;
	return y * 10000 + m * 100 + d;
}
