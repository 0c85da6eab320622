#ifndef AS_TEST_QUERY_FIXTURE_H
#define AS_TEST_QUERY_FIXTURE_H
/*
 * Test helper for the query engine's tests: an index of a corpus folder built through
 * the extraction library and the writer API, in a fresh temporary directory.
 */
#include <stddef.h>

/* Indexes every file of corpus_dir into a new directory under $TMPDIR (or /tmp), whose
 * path is written to dir[0..len). segment_docs > 0 commits every that many documents
 * (several segments); 0 commits once. Returns the number of documents, or <0. */
int qfix_build_index(const char *corpus_dir, unsigned segment_docs, char *dir, size_t len);

/* Removes a directory tree made by qfix_build_index. */
void qfix_remove(const char *dir);

#endif
