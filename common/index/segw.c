/*
 * The segment writer: documents first (stored fields streamed to NAME.stor, per-document
 * arrays kept for NAME.docs), then postings lists and words in key order, streamed to
 * NAME.post, NAME.terms and NAME.words. Used by the in-memory flush and by merges alike.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lz4hc.h>

#include "common/index/codec.h"
#include "common/index/index_int.h"
#include "common/util/error.h"
#include "common/util/mem.h"

struct store_stream {
	struct buf lens, data;  /* raw records of the open block */
	uint32_t n, first_doc;
	struct buf index;       /* (u32 first_doc, u64 offset) per block */
	uint32_t n_blocks;
};

struct segw {
	char *paths[5]; /* terms, words, post, docs, stor */
	struct ixfile_writer post, stor;
	struct dict_writer terms, words;
	int opened;
	uint32_t n_docs;
	uint32_t *field_len;  /* N_FIELDS per document */
	size_t field_len_cap;
	struct buf values, hashes, id_offs, id_bytes;
	char **names[2];
	uint32_t n_names[2];
	uint64_t total_len[N_FIELDS];
	struct store_stream streams[2];
	struct buf zbuf;
	void *lz4_state; /* LZ4HC's tables, kept from block to block */
	struct list_enc enc;
	int enc_init;
	int err;
};

static const char *const exts[5] = { "terms", "words", "post", "docs", "stor" };

int segw_new(const char *dir, const char *name, struct segw **out)
{
	struct segw *sw = as_calloc(1, sizeof(*sw));
	int i, rc;

	*out = NULL;
	if (!sw)
		return AS_ENOMEM;
	sw->post.fd = sw->stor.fd = sw->terms.f.fd = sw->words.f.fd = -1;
	sw->opened = 1;
	for (i = 0; i < 5; i++) {
		struct buf b = BUF_INIT;
		buf_addf(&b, "%s/%s.%s", dir, name, exts[i]);
		if (b.err) {
			segw_abort(sw);
			return AS_ENOMEM;
		}
		sw->paths[i] = buf_detach(&b, NULL);
	}
	rc = dict_writer_open(&sw->terms, sw->paths[0], 1);
	if (!rc)
		rc = dict_writer_open(&sw->words, sw->paths[1], 0);
	if (!rc)
		rc = ixfile_create(&sw->post, sw->paths[2], "POST");
	if (!rc)
		rc = ixfile_create(&sw->stor, sw->paths[4], "STOR");
	if (rc) {
		segw_abort(sw);
		return rc;
	}
	*out = sw;
	return 0;
}

uint32_t segw_n_docs(const struct segw *sw)
{
	return sw->n_docs;
}

static void stream_flush(struct segw *sw, int s)
{
	struct store_stream *st = &sw->streams[s];
	struct buf raw = BUF_INIT;
	int zlen;
	uint8_t h[12];

	if (!st->n || sw->err)
		return;
	buf_add(&raw, st->lens.ptr, st->lens.len);
	buf_add(&raw, st->data.ptr, st->data.len);
	if (raw.err || raw.len > LZ4_MAX_INPUT_SIZE || buf_grow(&sw->zbuf, (size_t)LZ4_compressBound((int)raw.len))) {
		sw->err = raw.err || raw.len <= LZ4_MAX_INPUT_SIZE
				  ? AS_ENOMEM
				  : as_error_set(AS_EINVAL, "stored fields: a document of %zu bytes is too large", raw.len);
		goto out;
	}
	if (!sw->lz4_state && !(sw->lz4_state = as_malloc((size_t)LZ4_sizeofStateHC()))) {
		sw->err = AS_ENOMEM;
		goto out;
	}
	/* LZ4 (FORMAT.md "Stored fields"): a snippet's body decompresses about fifteen times
	 * faster than from deflate, which was half the cost of a page with snippets. */
	zlen = LZ4_compress_HC_extStateHC(sw->lz4_state, raw.ptr, (char *)sw->zbuf.ptr, (int)raw.len,
					  LZ4_compressBound((int)raw.len), STORE_LZ4_LEVEL);
	if (zlen <= 0) {
		sw->err = as_error_set(AS_ENOMEM, "stored fields: LZ4 failed");
		goto out;
	}
	buf_put32(&st->index, st->first_doc);
	buf_put64(&st->index, sw->stor.off);
	st->n_blocks++;
	st32(h, (uint32_t)raw.len);
	st32(h + 4, st->n);
	st32(h + 8, (uint32_t)zlen);
	ixfile_write(&sw->stor, h, 12);
	ixfile_write(&sw->stor, sw->zbuf.ptr, zlen);
	if (sw->stor.err)
		sw->err = sw->stor.err;
out:
	buf_release(&raw);
	buf_reset(&st->lens);
	buf_reset(&st->data);
	st->n = 0;
}

/* A record of two parts: head then rest (a body's marks, then its text). */
static void stream_add(struct segw *sw, int s, uint32_t doc, const void *head, size_t head_len, const void *rest,
		       size_t rest_len)
{
	struct store_stream *st = &sw->streams[s];

	if (!st->n)
		st->first_doc = doc;
	varint_put(&st->lens, head_len + rest_len);
	buf_add(&st->data, head, head_len);
	buf_add(&st->data, rest, rest_len);
	st->n++;
	if (st->lens.len + st->data.len >= (s == STREAM_META ? STORE_META_BLOCK_RAW : STORE_BLOCK_RAW))
		stream_flush(sw, s);
}

static uint16_t value_id(struct segw *sw, int kind, const char *name)
{
	uint32_t i;
	char **n;

	if (!name || !*name)
		return 0;
	for (i = 0; i < sw->n_names[kind]; i++)
		if (!strcmp(sw->names[kind][i], name))
			return (uint16_t)(i + 1);
	if (sw->n_names[kind] >= 65535)
		return 0; /* the table is full: the value stays in the stored fields only */
	n = as_realloc(sw->names[kind], (sw->n_names[kind] + 1) * sizeof(*n));
	if (!n) {
		sw->err = AS_ENOMEM;
		return 0;
	}
	sw->names[kind] = n;
	if (!(n[sw->n_names[kind]] = as_strdup(name))) {
		sw->err = AS_ENOMEM;
		return 0;
	}
	return (uint16_t)++sw->n_names[kind];
}

int segw_add_doc(struct segw *sw, const char *id, const uint8_t hash[16], const uint32_t field_len[N_FIELDS],
		 int32_t date, const char *type, const char *department, const void *meta, size_t meta_len,
		 const void *head, size_t head_len, const void *body, size_t body_len)
{
	uint16_t t, d;
	int f;

	if (sw->err)
		return sw->err;
	if (sw->n_docs >= INT32_MAX)
		return sw->err = as_error_set(AS_ELIMIT, "segment: too many documents");
	if ((size_t)(sw->n_docs + 1) * N_FIELDS > sw->field_len_cap) {
		size_t cap = sw->field_len_cap ? sw->field_len_cap * 2 : 1024;
		uint32_t *n = as_realloc(sw->field_len, cap * sizeof(*n));
		if (!n)
			return sw->err = AS_ENOMEM;
		sw->field_len = n;
		sw->field_len_cap = cap;
	}
	for (f = 0; f < N_FIELDS; f++) {
		sw->field_len[(size_t)sw->n_docs * N_FIELDS + f] = field_len[f];
		sw->total_len[f] += field_len[f];
	}
	t = value_id(sw, 0, type);
	d = value_id(sw, 1, department);
	buf_put32(&sw->values, (uint32_t)date);
	buf_put16(&sw->values, t);
	buf_put16(&sw->values, d);
	buf_add(&sw->hashes, hash, 16);
	buf_put32(&sw->id_offs, (uint32_t)sw->id_bytes.len);
	buf_add(&sw->id_bytes, id, strlen(id) + 1);
	stream_add(sw, STREAM_META, sw->n_docs, meta, meta_len, NULL, 0);
	stream_add(sw, STREAM_BODY, sw->n_docs, head, head_len, body, body_len);
	if (sw->values.err || sw->hashes.err || sw->id_offs.err || sw->id_bytes.err ||
	    sw->streams[0].data.err || sw->streams[1].data.err || sw->streams[0].lens.err ||
	    sw->streams[1].lens.err)
		sw->err = AS_ENOMEM;
	sw->n_docs++;
	return sw->err;
}

void segw_list_add(struct segw *sw, uint32_t doc, const uint32_t tf[N_FIELDS], const uint32_t *pos)
{
	if (sw->err)
		return;
	if (!sw->enc_init) {
		list_enc_init(&sw->enc, sw->field_len);
		sw->enc_init = 1;
	}
	if (doc >= sw->n_docs) {
		sw->err = as_error_set(AS_EINVAL, "segment: postings name an unknown document");
		return;
	}
	list_enc_add(&sw->enc, doc, tf, pos);
}

int segw_list_end(struct segw *sw, const char *key, size_t len)
{
	int rc;

	if (sw->err)
		return sw->err;
	/* The encoder's sticky error first: a failed list_enc_add() leaves df short. */
	if (sw->enc_init && sw->enc.err)
		return sw->err = sw->enc.err;
	if (!sw->enc_init || !sw->enc.df)
		return sw->err = as_error_set(AS_EINVAL, "segment: empty postings list");
	if ((rc = list_enc_end(&sw->enc)) < 0)
		return sw->err = rc;
	sw->enc.info.postings_offset = sw->post.off;
	ixfile_write_buf(&sw->post, &sw->enc.out);
	if (sw->post.err)
		return sw->err = sw->post.err;
	if ((rc = dict_writer_add(&sw->terms, key, len, &sw->enc.info)) < 0)
		return sw->err = rc;
	return 0;
}

int segw_word(struct segw *sw, const char *key, size_t len, uint32_t doc_freq)
{
	struct term_info ti;

	if (sw->err)
		return sw->err;
	memset(&ti, 0, sizeof(ti));
	ti.doc_freq = doc_freq;
	return sw->err = dict_writer_add(&sw->words, key, len, &ti);
}

static const struct segw *sort_sw;
static int cmp_id(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	const char *ids = sort_sw->id_bytes.ptr;
	int c = strcmp(ids + le32(sort_sw->id_offs.ptr + 4 * (size_t)x), ids + le32(sort_sw->id_offs.ptr + 4 * (size_t)y));
	return c ? c : (x > y) - (x < y);
}

static void put_table(struct buf *b, char **names, uint32_t n)
{
	uint32_t i;

	varint_put(b, n);
	for (i = 0; i < n; i++) {
		size_t l = strlen(names[i]);
		varint_put(b, l);
		buf_add(b, names[i], l + 1);
	}
}

static int write_docs(struct segw *sw)
{
	struct ixfile_writer w;
	struct buf tmp = BUF_INIT;
	uint64_t offs[6];
	uint32_t *perm = NULL, i;
	uint8_t t[DOCS_TAIL];
	int f, k;

	ixfile_create(&w, sw->paths[3], "DOCS");
	offs[0] = w.off;
	for (i = 0; i < sw->n_docs; i++)
		for (f = 0; f < N_FIELDS; f++)
			buf_put32(&tmp, sw->field_len[(size_t)i * N_FIELDS + f]);
	ixfile_write_buf(&w, &tmp);
	buf_reset(&tmp);
	offs[1] = w.off;
	ixfile_write_buf(&w, &sw->values);
	offs[2] = w.off;
	ixfile_write_buf(&w, &sw->hashes);
	offs[3] = w.off;
	buf_put32(&sw->id_offs, (uint32_t)sw->id_bytes.len);
	ixfile_write_buf(&w, &sw->id_offs);
	offs[4] = w.off;
	perm = as_malloc((sw->n_docs + 1) * sizeof(*perm));
	if (!perm) {
		ixfile_abort(&w);
		buf_release(&tmp);
		return AS_ENOMEM;
	}
	for (i = 0; i < sw->n_docs; i++)
		perm[i] = i;
	sort_sw = sw;
	qsort(perm, sw->n_docs, sizeof(*perm), cmp_id);
	for (i = 0; i < sw->n_docs; i++)
		buf_put32(&tmp, perm[i]);
	as_free(perm);
	ixfile_write_buf(&w, &tmp);
	buf_reset(&tmp);
	ixfile_write_buf(&w, &sw->id_bytes);
	offs[5] = w.off;
	for (k = 0; k < 2; k++)
		put_table(&tmp, sw->names[k], sw->n_names[k]);
	ixfile_write_buf(&w, &tmp);
	buf_release(&tmp);
	/* tail: n_docs, 0, total_len[3], offsets of field_len, values, hashes, id_offsets,
	 * id_sorted, tables (id_bytes follow id_sorted). */
	memset(t, 0, sizeof(t));
	st32(t, sw->n_docs);
	for (f = 0; f < N_FIELDS; f++)
		st32(t + 8 + 8 * f, (uint32_t)sw->total_len[f]), st32(t + 12 + 8 * f, (uint32_t)(sw->total_len[f] >> 32));
	for (k = 0; k < 6; k++)
		st32(t + 32 + 8 * k, (uint32_t)offs[k]), st32(t + 36 + 8 * k, (uint32_t)(offs[k] >> 32));
	ixfile_write(&w, t, sizeof(t));
	return ixfile_finish(&w);
}

static int write_stor_tail(struct segw *sw)
{
	uint64_t idx[2];
	uint8_t t[STOR_TAIL];
	int s;

	for (s = 0; s < 2; s++)
		stream_flush(sw, s);
	for (s = 0; s < 2; s++) {
		idx[s] = sw->stor.off;
		ixfile_write_buf(&sw->stor, &sw->streams[s].index);
	}
	memset(t, 0, sizeof(t));
	st32(t, sw->n_docs);
	st32(t + 4, sw->streams[0].n_blocks);
	st32(t + 8, sw->streams[1].n_blocks);
	st32(t + 16, (uint32_t)idx[0]), st32(t + 20, (uint32_t)(idx[0] >> 32));
	st32(t + 24, (uint32_t)idx[1]), st32(t + 28, (uint32_t)(idx[1] >> 32));
	ixfile_write(&sw->stor, t, sizeof(t));
	if (sw->err) {
		ixfile_abort(&sw->stor); /* its buffer and path, which segw_finish() does not see */
		return sw->err;
	}
	return ixfile_finish(&sw->stor);
}

static void segw_release(struct segw *sw)
{
	int i, k;

	for (i = 0; i < 5; i++)
		as_free(sw->paths[i]);
	as_free(sw->field_len);
	buf_release(&sw->values);
	buf_release(&sw->hashes);
	buf_release(&sw->id_offs);
	buf_release(&sw->id_bytes);
	for (k = 0; k < 2; k++) {
		for (i = 0; i < (int)sw->n_names[k]; i++)
			as_free(sw->names[k][i]);
		as_free(sw->names[k]);
		buf_release(&sw->streams[k].lens);
		buf_release(&sw->streams[k].data);
		buf_release(&sw->streams[k].index);
	}
	buf_release(&sw->zbuf);
	as_free(sw->lz4_state);
	if (sw->enc_init)
		list_enc_release(&sw->enc);
	as_free(sw);
}

int segw_finish(struct segw *sw)
{
	uint8_t tail[POST_TAIL] = { 0 };
	int rc = sw->err, i;

	if (!rc)
		rc = write_stor_tail(sw);
	else
		ixfile_abort(&sw->stor);
	if (!rc) {
		ixfile_write(&sw->post, tail, sizeof(tail));
		rc = ixfile_finish(&sw->post);
	} else {
		ixfile_abort(&sw->post);
	}
	if (!rc)
		rc = dict_writer_finish(&sw->terms);
	else
		dict_writer_abort(&sw->terms);
	if (!rc)
		rc = dict_writer_finish(&sw->words);
	else
		dict_writer_abort(&sw->words);
	if (!rc)
		rc = write_docs(sw);
	if (rc)
		for (i = 0; i < 5; i++)
			if (sw->paths[i])
				remove(sw->paths[i]);
	segw_release(sw);
	return rc;
}

void segw_abort(struct segw *sw)
{
	int i;

	if (!sw)
		return;
	if (sw->opened) {
		ixfile_abort(&sw->stor);
		ixfile_abort(&sw->post);
		dict_writer_abort(&sw->terms);
		dict_writer_abort(&sw->words);
	}
	for (i = 0; i < 5; i++)
		if (sw->paths[i])
			remove(sw->paths[i]);
	segw_release(sw);
}
