#ifndef AS_WRITER_H
#define AS_WRITER_H
/*
 * Writing an index: documents in, a new published generation out (DESIGN.md "Index
 * directory", FORMAT.md). One writer per index at a time, enforced by a lock the
 * kernel releases if the process dies.
 *
 *     index_writer_open(dir, full, &w);                  takes the lock (AS_ELOCKED)
 *     for each file:
 *             if (index_writer_known(w, id, hash) == 0) continue;   unchanged
 *             analyzed_doc_build(an, &doc, &ad);         any thread, its own analyzer
 *             index_writer_add(w, ad, hash);             one thread at a time
 *     index_writer_commit(w, &summary);                  deletes unseen, merges, publishes
 *     index_writer_free(w);                              releases the lock
 *
 * The writer's error is sticky (FTS5's p->rc): after a failure every call returns it
 * and commit publishes nothing; the published generation is never touched.
 */
#include <stddef.h>
#include <stdint.h>

#include "common/index/document.h"

struct analyzer;

#define INDEX_HASH_LEN 16 /* content hash of a source file (XXH3-128) */

/* A document run through the analyzer, ready to be added: its terms, positions,
 * field lengths and stored fields. Built on any thread; owned by the caller until
 * index_writer_add() takes it. */
struct analyzed_doc;
int analyzed_doc_build(struct analyzer *an, const struct document *doc, struct analyzed_doc **out);
void analyzed_doc_free(struct analyzed_doc *ad);
/* Bytes of analysed text, for throughput figures. */
size_t analyzed_doc_text_len(const struct analyzed_doc *ad);

/*
 * The same, token by token, for callers with their own tokens (tests, tools):
 * analyzed_doc_new() copies the document's stored fields; analyzed_doc_add_token() adds
 * one token of field `f` (tokens of a field in position order, fields in the order
 * title, tags, body); analyzed_doc_build() is these three around the analyzer.
 * `position_base` is added to tok->position (the tags field puts each tag after the
 * previous one). analyzed_doc_finish() groups the positions by key; add() requires it.
 */
enum field;
struct token;
int analyzed_doc_new(const struct document *doc, struct analyzed_doc **out);
int analyzed_doc_add_token(struct analyzed_doc *ad, enum field f, const struct token *tok, uint32_t position_base);
int analyzed_doc_finish(struct analyzed_doc *ad);

struct index_writer;

/*
 * Opens DIR for writing, creating it if needed, and takes its lock. With `full`, the
 * next commit rebuilds from nothing; otherwise the published generation's documents
 * and content hashes are loaded for incremental indexing.
 */
int index_writer_open(const char *dir, int full, struct index_writer **out);

/*
 * Marks `id` as present in the corpus (so commit does not delete it) and tells whether
 * the index already holds it with this content hash: 0 unchanged (nothing to do),
 * AS_ENOENT new, >0 changed (re-add it).
 */
int index_writer_known(struct index_writer *w, const char *id, const uint8_t hash[INDEX_HASH_LEN]);

/*
 * Marks as present, unchanged, what the corpus holds but could not be read this time (a
 * permission, an I/O error): the document `id`, or with `folder` every document under
 * the folder `id` (ids starting with `id/`). Commit then keeps the versions indexed
 * earlier instead of deleting them. Returns how many documents were kept, or <0.
 */
int index_writer_keep(struct index_writer *w, const char *id, int folder);

/* Adds (or replaces, by id) a document; takes ownership of `ad` even on failure. */
int index_writer_add(struct index_writer *w, struct analyzed_doc *ad, const uint8_t hash[INDEX_HASH_LEN]);

/* Removes a document by id now, whether or not it was seen. */
int index_writer_delete(struct index_writer *w, const char *id);

struct index_summary {
	uint64_t added, updated, deleted, unchanged;
	uint64_t n_docs;           /* live documents of the published generation */
	uint64_t index_bytes;      /* size of the published generation's files */
	int published;             /* 0 when nothing changed: no new generation */
	char generation[32];       /* the generation CURRENT names after commit */
};

/*
 * Deletes the documents of the previous generation that were neither seen by
 * index_writer_known() nor added, writes a new segment, merges segments when the
 * policy says so, writes and fsyncs the new generation, publishes it by renaming
 * CURRENT, and removes generations no longer published. When nothing changed,
 * publishes nothing (summary->published = 0). A writer commits once: afterwards add,
 * delete and commit return AS_EINVAL; free it (and open another to go on).
 * For the crash tests, $ARTISEARCH_CRASH_AT names a publishing step at which the
 * process kills itself with SIGKILL (FORMAT.md "Index directory").
 */
int index_writer_commit(struct index_writer *w, struct index_summary *summary);

/*
 * Tuning, mostly for tests: the memory the in-memory segment may use before it is
 * flushed to disk as a segment of its own (default 128 MB, or $ARTISEARCH_INDEX_MEMORY
 * in MB), and a request that commit merge every segment into one.
 */
void index_writer_set_memory_budget(struct index_writer *w, size_t bytes);
void index_writer_force_merge(struct index_writer *w);

/* Releases the lock; an uncommitted generation is removed. NULL is a no-op. */
void index_writer_free(struct index_writer *w);

#endif
