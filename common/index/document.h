#ifndef AS_DOCUMENT_H
#define AS_DOCUMENT_H
/*
 * A document as the indexer hands it to the index (DESIGN.md "Documents"): every
 * string NUL-terminated, valid UTF-8, NFC not required (the analyzer normalises).
 * Fields that the document does not have are NULL (tags: n_tags == 0).
 * Extraction fills one; the index copies what it keeps.
 */
#include <stddef.h>

struct document {
	char *id;         /* path relative to the corpus root, '/'-separated */
	char *title;
	char *date;       /* YYYY-MM-DD, or NULL */
	char *type;       /* communique, convention, guide, or any other word */
	char *department; /* e.g. "31" */
	char *url;
	char **tags;
	size_t n_tags;
	char *body;       /* the text a reader sees, paragraphs separated by blank lines */
	size_t body_len;
};

/* Frees every field with as_free() and zeroes the struct; the struct itself is the caller's. */
void document_clear(struct document *doc);

#endif
