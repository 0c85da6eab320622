#ifndef AS_INDEX_INT_H
#define AS_INDEX_INT_H
/*
 * Internals of common/index/ shared by its reader, writer, merger and checker: the
 * structures behind struct segment and struct index, the dictionary and stored-field
 * readers, and the segment writer. Nothing outside common/index/ includes this.
 */
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "common/index/codec.h"
#include "common/index/file.h"
#include "common/index/index.h"

#define DICT_BLOCK_KEYS 32
#define KEY_MAX 255
#define STORE_BLOCK_RAW (4 * 1024)        /* body blocks */
#define STORE_META_BLOCK_RAW (2 * 1024)   /* meta blocks: a hit's title and url decompress ~2 KB */
#ifndef STORE_LZ4_LEVEL
#define STORE_LZ4_LEVEL 9                  /* LZ4HC's level: FORMAT.md "Stored fields" */
#endif
#define TF_MAX 65535u
#define SKIP_ENTRY 30
#define DOCS_TAIL 88
#define DICT_TAIL 24
#define STOR_TAIL 32
#define POST_TAIL 16

struct dict_fine;

struct dict_reader {
	struct ixfile f;
	int terms;            /* 1: TERM payloads, 0: WORD */
	uint64_t n_keys;
	uint32_t n_blocks;
	const uint8_t *index; /* n_blocks * 16 bytes */
	uint64_t blocks_end;  /* file offset where the index starts */
	uint64_t post_limit;  /* postings must end before this offset of the .post file */
	char name[64];        /* "seg-000007.terms", for error messages */
	/* segment_dict_keys()'s, NULL until first asked for: the one thing that changes in
	 * an opened index, set once with a compare-and-swap so that readers need no lock. */
	_Atomic(struct dict_keys *) keys;
	_Atomic uint32_t walks; /* segment_dict_keys_after()'s count until keys are built */
	/* term_iter_seek()'s sample of every DICT_FINE_STRIDE-th key (dict.c), NULL until
	 * the DICT_FINE_AFTER-th seek, set the same way; seeks counts them until then. */
	_Atomic(struct dict_fine *) fine;
	_Atomic uint32_t seeks;
};

struct segment {
	char *name;
	unsigned open_flags;
	struct dict_reader dicts[2];
	struct ixfile post, docs, stor, del;
	uint32_t n_docs, n_deleted;
	const uint8_t *del_bits;   /* NULL: none deleted */
	const uint8_t *field_len, *values, *hashes, *id_offs, *id_sorted, *id_bytes;
	uint64_t id_bytes_len;
	uint64_t total_len[N_FIELDS];
	const char **names[2];     /* value tables, pointers into the mapping */
	uint32_t n_names[2];
	const uint8_t *store_index[2]; /* meta, body */
	uint32_t n_store_blocks[2];
};

struct index {
	char *dir, *generation;
	uint64_t gen_no, next_segment;
	uint32_t n_segments;
	struct segment **segs;
	struct index_stats stats;
};

/* Opens the files of segment `name` in gen_dir; `n_deleted` > 0 maps name.del too. */
/* flags: IXFILE_VERIFY (file.h) to check every byte of every file against its CRC. */
int segment_open(const char *gen_dir, const char *name, uint32_t n_deleted, unsigned flags, struct segment **out);
void segment_close(struct segment *seg);
const char *segment_doc_id(const struct segment *seg, uint32_t doc);
const uint8_t *segment_doc_hash(const struct segment *seg, uint32_t doc);

/* Reads DIR/CURRENT into name: 0, AS_ENOENT (none) or AS_ECORRUPT. */
int index_read_current(const char *dir, char *name, size_t size);

/* Dictionaries. */
int dict_reader_open(struct dict_reader *d, const char *path, const char *name, int terms, uint64_t post_limit,
		     unsigned flags);
void dict_reader_close(struct dict_reader *d);

/* Stored records, raw: the meta or body record of doc, decompressed into arena memory, or
 * into `cache` (may be NULL) which keeps the last block so that a pass over every
 * document (merge, check) decompresses each block once. Valid until the cache moves. */
enum { STREAM_META, STREAM_BODY };
struct store_cache {
	const struct segment *seg;
	int stream;
	uint32_t first, n;
	uint8_t *raw;
	size_t raw_cap;
	uint32_t *offs;
	size_t offs_cap;
};
int store_get_raw(const struct segment *seg, int stream, uint32_t doc, struct arena *arena,
		  struct store_cache *cache, const uint8_t **rec, size_t *len);
void store_cache_release(struct store_cache *c);
/* segment_get_doc() with a cache per stream (meta, body); NULL: none. */
int segment_get_doc_cached(const struct segment *seg, uint32_t doc, unsigned flags, struct arena *arena,
			   struct store_cache cache[2], struct stored_doc *out);

/* Reads the manifest of gen_dir. */
struct manifest_seg {
	char name[64];
	uint32_t n_docs, n_deleted;
};
struct manifest {
	uint64_t generation, next_segment;
	uint32_t n_segments;
	struct manifest_seg *segs; /* as_malloc'd */
};
int manifest_read(const char *gen_dir, const char *shown, struct manifest *m);
int manifest_write(const char *gen_dir, const struct manifest *m);
void manifest_clear(struct manifest *m);

/* ---- Segment writer: documents in order, then keys in byte order ---- */
struct segw;
int segw_new(const char *dir, const char *name, struct segw **out);
/* Appends document number segw_n_docs(); meta is an encoded meta record (store_meta_put). */
int segw_add_doc(struct segw *sw, const char *id, const uint8_t hash[16], const uint32_t field_len[N_FIELDS],
		 int32_t date, const char *type, const char *department, const void *meta, size_t meta_len,
		 const void *head, size_t head_len, const void *body, size_t body_len);
uint32_t segw_n_docs(const struct segw *sw);
/* One postings list: docs increasing; pos holds tf[0]+tf[1]+tf[2] positions, field by field. */
void segw_list_add(struct segw *sw, uint32_t doc, const uint32_t tf[N_FIELDS], const uint32_t *pos);
int segw_list_end(struct segw *sw, const char *key, size_t len);
int segw_word(struct segw *sw, const char *key, size_t len, uint32_t doc_freq);
/* Writes and fsyncs every file; frees sw. */
int segw_finish(struct segw *sw);
/* Frees sw and removes its files. */
void segw_abort(struct segw *sw);

/* Meta record: id, title, date, type, department, url, tags (FORMAT.md "record(meta)"). */
void store_meta_put(struct buf *b, const char *id, const char *title, const char *date, const char *type,
		    const char *department, const char *url, char *const *tags, size_t n_tags);
int store_meta_parse(const uint8_t *rec, size_t len, struct arena *arena, struct stored_doc *out);

/* "YYYY-MM-DD" -> 20240502, or 0 when not such a date. */
int32_t parse_date(const char *s);



/* ---- Dictionary writer (keys strictly increasing) ---- */
struct dict_writer {
	struct ixfile_writer f;
	int terms;
	struct buf block, index;
	uint32_t n_in_block;
	char prev[KEY_MAX];
	size_t prev_len;
	uint64_t n_keys;
	uint32_t n_blocks;
	uint64_t next_post; /* expected postings_offset of the next key */
};
int dict_writer_open(struct dict_writer *dw, const char *path, int terms);
int dict_writer_add(struct dict_writer *dw, const char *key, size_t len, const struct term_info *ti);
int dict_writer_finish(struct dict_writer *dw);
void dict_writer_abort(struct dict_writer *dw);

/* ---- Postings list encoder (FORMAT.md "Postings") ---- */
struct list_enc {
	const uint32_t *field_len; /* the segment's, N_FIELDS per document */
	uint32_t n;                /* documents in the open block */
	uint32_t docs[CODEC_BLOCK], tf[N_FIELDS][CODEC_BLOCK];
	uint32_t *pv;              /* position deltas of the open block */
	size_t pv_len, pv_cap;
	int64_t prev_doc, block_prev;
	uint32_t df, n_blocks;
	struct buf skip, docs_area, pos_area, out;
	struct term_info info;
	int err;
};
void list_enc_init(struct list_enc *e, const uint32_t *field_len);
void list_enc_add(struct list_enc *e, uint32_t doc, const uint32_t tf[N_FIELDS], const uint32_t *pos);
/* Finishes the list: e->out holds its bytes, e->info its statistics (offset left 0). */
int list_enc_end(struct list_enc *e);
void list_enc_release(struct list_enc *e);

/* ---- A document's keys, grouped (analyzed_doc.c) ---- */
struct ad_key {
	uint32_t off, len;  /* in the set's bytes */
	uint64_t hash;      /* XXH3-64 of the key */
	uint32_t tf[N_FIELDS];
	uint32_t first, count; /* positions: pos[first .. first+count) after finish */
	uint64_t last;      /* last (field, position) + 1, to drop repeats */
};
struct ad_set {
	struct buf bytes;
	struct ad_key *keys;
	uint32_t n, keys_cap;
	uint32_t *table, cap; /* open addressing: key index + 1 */
};
/* Finds or adds key (hash: XXH3-64 of it); its index, or -1 on ENOMEM. */
int64_t ad_set_intern(struct ad_set *s, const char *key, size_t len, uint64_t hash);
struct ad_occ {
	uint32_t key, pos;
};
struct analyzed_doc {
	char *id, *type, *department, *body;
	size_t body_len, text_len;
	int32_t date;
	struct buf meta;              /* encoded meta record */
	struct buf marks;             /* the body's marks, coded as in its record */
	uint32_t mark_pos, mark_off, mark_next;
	uint32_t field_len[N_FIELDS];
	struct ad_set keys, words;
	struct ad_occ *occ;
	size_t n_occ, occ_cap;
	uint32_t *pos;
	int finished, err;
};
#endif
