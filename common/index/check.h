#ifndef AS_CHECK_H
#define AS_CHECK_H
/*
 * Tools that ship with the format (STYLE.md "On-disk format"; FTS5's integrity-check,
 * reftable's fsck): `artisearch check` and `artisearch dump`.
 */
struct buf;

/*
 * Verifies a generation (NULL: the one CURRENT names): every file's checksum, then
 * every structure decoded — dictionaries strictly sorted, every postings list decodable
 * with doc_freq documents in range and increasing, positions count = tf and increasing,
 * list and block maxima true, stored fields inflating and parsing, ids findable.
 * Appends one line per problem (and a summary line) to `report`. Returns 0 when the
 * index is sound, AS_ECORRUPT (the first problem in as_error_message()) when not, or
 * another AS_E* error when it could not be read at all.
 */
int index_check(const char *dir, const char *generation, struct buf *report);

/*
 * A human-readable decode of part of the published index, appended to `out`:
 *   "manifest"          the generation and its segments
 *   "segments"          each segment's files, sizes and counts
 *   "terms[:PREFIX]"    every term key (of the prefix) with its postings and positions
 *   "words[:PREFIX]"    every word key with its document frequency
 *   "doc:ID"            a document's stored fields, field lengths and values
 * Returns 0, AS_EINVAL for an unknown `what`, AS_ENOENT for an unknown document, or the
 * error of opening the index.
 */
int index_dump(const char *dir, const char *what, struct buf *out);

#endif
