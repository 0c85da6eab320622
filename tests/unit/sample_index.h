#ifndef AS_SAMPLE_INDEX_H
#define AS_SAMPLE_INDEX_H
/*
 * A small, deterministic French index for the tests that need one (fault injection,
 * the fuzz targets of the index reader, the query parser and the daemon's requests).
 * Built through the public writer API with the real analyzer, in two commits so that
 * every structure of FORMAT.md is present: two segments, a deletion file, postings
 * lists long enough for full 128-document blocks with skip data, accented variants,
 * compounds, tags, dates, types and departments.
 */
#include <stddef.h>

#include "common/index/document.h"

/* Documents of the first commit (the second deletes 2, updates 1 and adds 3). */
#define SAMPLE_N_DOCS 150

/*
 * Fills `doc` with sample document i (0 <= i < SAMPLE_N_DOCS + 3), variant `v` (0, or
 * 1 for the updated text of the second commit). The strings are static or in `scratch`
 * (at least 2 KB, reused by the next call): the document is borrowed, never cleared.
 */
void sample_doc(size_t i, int v, struct document *doc, char *scratch, size_t scratch_len);

/*
 * Builds the sample index in `dir` (created if needed): first commit, then the second.
 * Returns 0 or the AS_E* error of the writer (as_error_message() names what failed).
 * With `n_first` = 0, SAMPLE_N_DOCS; a smaller number makes a smaller index (fault
 * injection runs it once per allocation).
 */
int sample_index_build(const char *dir, size_t n_first);

/*
 * Builds the sample index in a fresh folder (under /dev/shm when writable, else $TMPDIR)
 * and opens it, for a fuzz target's one-time set-up; the index is closed and the folder
 * removed at exit. `who` names the caller in messages. Aborts on failure.
 */
struct index;
struct index *sample_index_open_temp(const char *who);

/* Only the first commit, through the writer API; the unit of fault injection. */
int sample_index_commit(const char *dir, size_t n_first, int second);

#endif
