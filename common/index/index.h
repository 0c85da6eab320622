#ifndef AS_INDEX_H
#define AS_INDEX_H
/*
 * Reading a published index: here is a term, give me its postings.
 *
 * An index directory holds generations (DESIGN.md "Index directory"); index_open()
 * opens the one CURRENT names, verifies every file's checksum (a mismatch is
 * AS_ECORRUPT, naming the file, in as_error_message()), and maps it read-only. An
 * opened index is immutable: any number of threads may read it at once; iterators
 * (struct postings, struct term_iter) belong to one thread each.
 *
 * A generation is a list of segments. Within a segment documents are numbered
 * 0..segment_n_docs()-1, deleted ones included: postings and term statistics count
 * deleted documents too (as Lucene's do), and readers skip them with
 * segment_is_live().
 *
 * Term keys (DICT_TERMS), built from the analyzer's tokens (common/text/analyzer.h):
 *   - `term` when exact == term (the word has no accent), else
 *   - `term` 0x01 `exact`: the variants of one folded stem sort together, so the range
 *     [term, term 0x01 0xFF] gives all of them (`chat` and `chat\x01chât`); a query
 *     matches the union and may rank the variant whose exact form it typed first.
 *   - `alt`, when a token has one, is indexed as a key of its own at the same position.
 * Word keys (DICT_WORDS): `token.word`, the folded unstemmed word, with its document
 * frequency and no postings: prefixes and typo tolerance expand on them, then the query
 * analyzes each expansion to find its term.
 */
#include <stddef.h>
#include <stdint.h>

#include "common/index/codec.h"

struct arena;

enum field {
	FIELD_TITLE,
	FIELD_TAGS,
	FIELD_BODY,
	N_FIELDS
};

enum dict {
	DICT_TERMS, /* term keys, with postings */
	DICT_WORDS, /* word keys, document frequency only */
};

struct index;
struct segment;

/* ---- Opening ---------------------------------------------------------------- */

/* Opens the generation named by DIR/CURRENT, every file checked against its CRC. You own
 * *out; release with index_close(). */
int index_open(const char *dir, struct index **out);
/*
 * The same, with INDEX_VERIFY or without: then the large files (postings, stored
 * fields, dictionaries over 1 MB) are mapped lazily and not checksummed, their
 * readers still bounds-checking every access, so corruption there surfaces as an
 * AS_ECORRUPT error when a query reads it. For one-shot queries (the CLI), whose open
 * must not read the whole index; a server checks everything once before serving.
 */
enum { INDEX_VERIFY = 1 };
int index_open_flags(const char *dir, unsigned flags, struct index **out);
/* Opens DIR/GENERATION (e.g. "gen-000042"), published or not (for `artisearch check`). */
int index_open_generation(const char *dir, const char *generation, struct index **out);
void index_close(struct index *idx);

/* "gen-000042"; owned by the index. */
const char *index_generation(const struct index *idx);
uint32_t index_n_segments(const struct index *idx);
const struct segment *index_segment(const struct index *idx, uint32_t i);

/* Collection statistics over the live documents of every segment, for BM25F. */
struct index_stats {
	uint64_t n_docs;                   /* live documents */
	uint64_t total_field_len[N_FIELDS];/* sum of field lengths (in tokens) */
};
void index_get_stats(const struct index *idx, struct index_stats *out);

/* Finds a live document by its id: 0 and *seg, *doc set, or AS_ENOENT. */
int index_find_doc(const struct index *idx, const char *id, uint32_t *seg, uint32_t *doc);

/* ---- Documents of a segment --------------------------------------------------- */

uint32_t segment_n_docs(const struct segment *seg);
int segment_is_live(const struct segment *seg, uint32_t doc);
/* Length of a field in tokens (possibly quantized; never 0 for a non-empty field). */
uint32_t segment_field_len(const struct segment *seg, uint32_t doc, enum field f);
/* Every field's length at once (zeros for a document out of range): scoring reads them all. */
void segment_field_lens(const struct segment *seg, uint32_t doc, uint32_t len[N_FIELDS]);

/* Values for filters, facets and sorting, read without decompressing stored fields. */
enum value_kind { VALUE_TYPE, VALUE_DEPARTMENT };
struct doc_values {
	int32_t date;        /* YYYYMMDD as a number (20240502), 0 when the document has none */
	uint16_t type;       /* an id of this segment's VALUE_TYPE table, 0 = none */
	uint16_t department; /* an id of this segment's VALUE_DEPARTMENT table, 0 = none */
};
void segment_doc_values(const struct segment *seg, uint32_t doc, struct doc_values *out);
/*
 * The per-document arrays themselves, for loops over many documents that a call per
 * document would slow down, read through the inline functions below (which the calls
 * above use too). n_docs entries each, little-endian: field_len has N_FIELDS u32 per
 * document, values a u32 date, a u16 type and a u16 department; del is one bit per
 * document, set when deleted, or NULL when none is.
 */
struct segment_tables {
	uint32_t n_docs;
	const uint8_t *field_len, *values, *del;
};
void segment_tables(const struct segment *seg, struct segment_tables *out);
static inline int segment_tables_live(const struct segment_tables *t, uint32_t doc)
{
	return doc < t->n_docs && !(t->del && (t->del[doc >> 3] >> (doc & 7) & 1));
}
/* Zeros for a document out of range. */
static inline struct doc_values segment_tables_values(const struct segment_tables *t, uint32_t doc)
{
	struct doc_values dv = { 0, 0, 0 };

	if (doc < t->n_docs) {
		const uint8_t *v = t->values + 8 * (size_t)doc;
		dv.date = (int32_t)le32(v);
		dv.type = le16(v + 4);
		dv.department = le16(v + 6);
	}
	return dv;
}
/* 0 for a document out of range. */
static inline uint32_t segment_tables_len(const struct segment_tables *t, uint32_t doc, enum field f)
{
	return doc < t->n_docs ? le32(t->field_len + 4 * (N_FIELDS * (size_t)doc + (size_t)f)) : 0;
}
/* The name of a value id ("communique", "31"); NULL for 0 or an unknown id. Owned by the segment. */
const char *segment_value_name(const struct segment *seg, enum value_kind kind, uint16_t id);
/* The id of a name in this segment, or 0 when no document of the segment has it. */
uint16_t segment_value_id(const struct segment *seg, enum value_kind kind, const char *name);

/* Stored fields; the strings are owned by `arena` (NULL fields: absent). */
struct stored_doc {
	const char *id, *title, *date, *type, *department, *url;
	const char **tags;
	size_t n_tags;
	const char *body; /* only with STORED_BODY */
	size_t body_len;
};
enum { STORED_BODY = 1 };
int segment_get_doc(const struct segment *seg, uint32_t doc, unsigned flags, struct arena *arena,
		    struct stored_doc *out);
/*
 * The first min(max, body length) bytes of doc's body (NUL-terminated, in arena memory)
 * and the body's whole length: only the part of the body's block up to there is decompressed,
 * so that a snippet costs the same for a 2 MB document as for a 5 KB one. 0 or <0.
 */
int segment_get_body(const struct segment *seg, uint32_t doc, size_t max, struct arena *arena, const char **body,
		     size_t *len, size_t *full_len);
/*
 * Body marks: where in the body's bytes its word positions are, every BODY_MARK_EVERY
 * positions or so (FORMAT.md "Stored fields"). Mark i says the body's token at position
 * pos starts at byte off, and is a whole word (never a compound's part): an analyser
 * started there reads the same words as from the beginning. pos and off both increase.
 * Lets a snippet go straight to the passage its query words' positions point at.
 */
#define BODY_MARK_EVERY 64
struct body_mark {
	uint32_t pos, off;
};
/* doc's marks (*n of them, in arena memory; none for a short body) and its body's
 * length, decompressing only the block's bytes up to the body. 0 or <0. */
int segment_body_marks(const struct segment *seg, uint32_t doc, struct arena *arena, struct body_mark **marks,
		       uint32_t *n, size_t *body_len);

/* ---- Dictionary ------------------------------------------------------------------ */

/*
 * What the dictionary knows of a key. `max_tf` and `min_len` bound the whole list, for
 * MaxScore-style upper bounds; the postings fields are opaque to callers.
 */
struct term_info {
	uint32_t doc_freq;
	uint32_t max_tf[N_FIELDS];
	uint32_t min_len[N_FIELDS];
	uint64_t postings_offset; /* opaque */
	uint64_t postings_len;    /* opaque */
};

/* Exact look-up: 0 found, >0 absent, <0 error (AS_ECORRUPT). */
int segment_lookup(const struct segment *seg, enum dict dict, const char *key, size_t len,
		   struct term_info *out);

/*
 * Enumerates keys in byte order over the mapped dictionary (front-coded blocks behind a
 * sparse index); after its first 512 seeks a dictionary samples every 4th key in memory
 * and hashes every key (about 12 bytes a key for the samples, 32 to 64 for the hash,
 * shared by every thread until index_close()), so that a seek for a key that is there
 * decodes it alone, and for one that is not a few entries, not half a block. Loop idiom:
 *
 *     term_iter_new(seg, DICT_WORDS, &it);
 *     for (rc = term_iter_seek(it, "numeri", 6); rc == 0; rc = term_iter_next(it)) {
 *             key = term_iter_key(it, &len);
 *             if (len < 6 || memcmp(key, "numeri", 6)) break;
 *     }
 *
 * Seeking forward to any key is how a Levenshtein automaton walks the dictionary
 * without visiting every key (Lucene's AutomatonTermsEnum).
 */
struct term_iter;
int term_iter_new(const struct segment *seg, enum dict dict, struct term_iter **out);
/* Its seeks neither count towards nor build the dictionary's in-memory samples (they
 * use them once built): a typo walk's hundreds of seeks stand for a walk over the keys
 * in memory, which a process loads after a few walks. */
void term_iter_in_place(struct term_iter *it);
/* Positions at the first key >= key[0..len): 0 positioned, >0 no such key, <0 error. */
int term_iter_seek(struct term_iter *it, const char *key, size_t len);
/* term_iter_seek() for a loop over a key and its `key 0x01 form` keys: it positions at
 * the first of them, or answers >0 when there is none, which a hashed dictionary knows
 * without a search (else the position is term_iter_seek()'s, which the loop's test of
 * the key ends). */
int term_iter_seek_family(struct term_iter *it, const char *key, size_t len);
/* The next key: 0, >0 end, <0 error. */
int term_iter_next(struct term_iter *it);
/* The current key (owned by the iterator, valid until it moves) and its info. */
const char *term_iter_key(const struct term_iter *it, size_t *len);
const struct term_info *term_iter_info(const struct term_iter *it);
void term_iter_free(struct term_iter *it);

/*
 * A dictionary's keys in memory, in byte order: key i is bytes[off[i] .. off[i + 1])
 * (not NUL-terminated), with its document frequency. For walks that seek hundreds of
 * times per query (typo tolerance), where each term_iter_seek() costs a binary search
 * and up to 4 entries decoded. Built on the first call for
 * a segment (one pass over the dictionary), then shared by every thread until
 * index_close(). Costs 16 bytes per key plus the keys' bytes (1 MB for 44,000 words),
 * and 6.4 KB of buckets.
 * 0 or <0 (AS_ENOMEM, AS_ECORRUPT).
 */
struct dict_keys {
	size_t n;
	const uint32_t *off;      /* n + 1 */
	const uint32_t *doc_freq; /* n */
	const char *bytes;
	/* The first 8 bytes of each key, big-endian, zero-padded: comparing these orders
	 * two keys unless they are equal, in one load instead of two offsets and a loop. */
	const uint64_t *prefix;   /* n */
	/* Where each run of keys with the same first two bytes' classes starts
	 * (dict_key_bucket()): bucket[b] is the first key whose bucket is >= b,
	 * bucket[DICT_KEY_BUCKETS] == n. A seek reads one entry of this small table
	 * (hot in cache) and searches a few dozen keys, instead of a binary search over
	 * all of them, whose every probe is a cache miss once other work has evicted
	 * the keys. */
	const uint32_t *bucket;   /* DICT_KEY_BUCKETS + 1 */
};

/* Byte classes in byte order: 0 for no byte (the key ended), one class per digit and
 * per lowercase ASCII letter (folded keys are mostly those), one for each range
 * between them. Monotone, so buckets follow the keys' order. */
#define DICT_KEY_CLASSES 40
#define DICT_KEY_BUCKETS (DICT_KEY_CLASSES * DICT_KEY_CLASSES)
static inline unsigned dict_key_class(unsigned char c)
{
	return c == 0 ? 0 : c < '0' ? 1 : c <= '9' ? 2u + (c - '0') : c < 'a' ? 12 : c <= 'z' ? 13u + (c - 'a') : 39;
}
/* The bucket of a string from its first two bytes (b1 = 0 when it has one). After a
 * first byte whose class holds several bytes, the second does not count: "{z" < "|a"
 * must not go to a later bucket. */
static inline unsigned dict_key_bucket(unsigned char b0, unsigned char b1)
{
	unsigned c0 = dict_key_class(b0);
	int one_byte = (b0 >= '0' && b0 <= '9') || (b0 >= 'a' && b0 <= 'z');

	return c0 * DICT_KEY_CLASSES + (one_byte ? dict_key_class(b1) : 0);
}
int segment_dict_keys(const struct segment *seg, enum dict dict, const struct dict_keys **out);
/*
 * The same once asked for more than `after` times (*out NULL before: the caller reads
 * the dictionary through a term_iter); UINT32_MAX: never, even when they are built.
 */
int segment_dict_keys_after(const struct segment *seg, enum dict dict, uint32_t after,
			    const struct dict_keys **out);

/* ---- Postings ---------------------------------------------------------------------- */

/*
 * A key's documents in increasing order, with per-field term frequencies, positions on
 * request, and per-block maxima for block-max WAND / MaxScore. Loop idiom:
 *
 *     postings_open(seg, &info, POSTINGS_POSITIONS, &p);
 *     for (rc = postings_next(p); rc == 0; rc = postings_next(p))
 *             doc = postings_doc(p);
 *     postings_free(p);
 *
 * The first postings_next() moves to the first document. postings_seek(p, target)
 * moves to the first document >= target (never backwards). Both: 0 positioned, >0
 * exhausted, <0 error.
 */
enum { POSTINGS_POSITIONS = 1 };
struct postings;
int postings_open(const struct segment *seg, const struct term_info *info, unsigned flags,
		  struct postings **out);
/*
 * Decoded blocks shared by the lists of one query: a list opened with a cache decodes a
 * block the query decoded before (the rerank seeks back to its candidates, a word typed
 * twice reads the same list) from the cache. Keyed by where the block's bytes are, so
 * the cache is emptied (block_cache_reset) before every query, whose index stays open
 * meanwhile. Lists opened with it are also freed into it, for the next to reuse: free
 * them before the cache. For one thread at a time. NULL everywhere: no cache.
 */
struct block_cache;
int block_cache_new(struct block_cache **out);
void block_cache_reset(struct block_cache *c);
void block_cache_free(struct block_cache *c);
int postings_open_cached(const struct segment *seg, const struct term_info *info, unsigned flags,
			 struct block_cache *cache, struct postings **out);
int postings_next(struct postings *p);
int postings_seek(struct postings *p, uint32_t target);
uint32_t postings_doc(const struct postings *p);
/* Term frequency in each field of the current document. */
void postings_freqs(const struct postings *p, uint32_t tf[N_FIELDS]);
/* Positions (analyzer positions within that field, ascending) of the current document,
 * owned by the iterator until it moves. Requires POSTINGS_POSITIONS. */
int postings_positions(struct postings *p, enum field f, const uint32_t **pos, uint32_t *n);

/*
 * The decoded block around the current document, for callers that merge a list with
 * their own sorted documents faster than document-by-document calls allow: returns the
 * block's n documents, sets *docs to them, tf[f] to their frequencies in field f, and
 * *at to the current one's index. Valid until the list moves; seek past docs[n - 1]
 * for the next block (skipped blocks are never decoded).
 */
uint32_t postings_block_view(const struct postings *p, const uint32_t **docs, const uint32_t *tf[N_FIELDS],
			     uint32_t *at);

/*
 * Block-max data. postings_shallow_seek(p, target) moves only the block pointer to the
 * block that could hold `target` (no decoding: >0 when no block does); then
 * postings_block_last() is that block's last document and postings_block_max() its
 * maxima: for each field, the largest tf and the smallest field length in the block.
 */
int postings_shallow_seek(struct postings *p, uint32_t target);
uint32_t postings_block_last(const struct postings *p);
void postings_block_max(const struct postings *p, uint32_t max_tf[N_FIELDS], uint32_t min_len[N_FIELDS]);
void postings_free(struct postings *p);
/* Whether two lists of the segment are the same bytes: the same documents, frequencies
 * and positions (a word's accented stem and its folded stem where every document writes
 * it with its accents). 0 when either is out of range. */
int postings_same(const struct segment *seg, const struct term_info *a, const struct term_info *b);

#endif
