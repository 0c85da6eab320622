#ifndef AS_ERROR_H
#define AS_ERROR_H
/*
 * The one error vocabulary of artisearch (after git's reftable): 0 is success, every
 * failure is a negative AS_E* code. Library code never prints or exits; it returns a
 * code and may attach a sentence naming what failed (the file, the parameter) with
 * as_error_set(). The programs' main() decides what the user is told:
 *
 *     rc = index_open(dir, &idx);
 *     if (rc < 0) fprintf(stderr, "artisearch: %s\n", as_error_message(rc));
 *
 * Iterators use the same convention plus one: <0 error, 0 an item, >0 the end.
 */
#include <stdarg.h>

enum as_err {
	AS_OK = 0,
	AS_ENOMEM = -1,    /* an allocation failed */
	AS_EIO = -2,       /* the operating system refused a read, write, fsync... */
	AS_ECORRUPT = -3,  /* bytes on disk are not what the format says */
	AS_EINVAL = -4,    /* a bad argument or parameter */
	AS_ENOENT = -5,    /* no such file, document or term */
	AS_ELOCKED = -6,   /* another indexer holds the index lock */
	AS_ENOSPC = -7,    /* the disk is full */
	AS_EFORMAT = -8,   /* input that cannot be extracted (corrupt PDF, binary file) */
	AS_ELIMIT = -9,    /* a bound of limits.h was exceeded */
	AS_EVERSION = -10, /* written by an incompatible version of the format */
};

/* Static text for a code; never NULL. */
const char *as_strerror(int code);

/*
 * Records a sentence for the calling thread describing the failure `code`, and returns
 * `code`, so that a failure path reads `return as_error_set(AS_ECORRUPT, "%s: bad CRC", path);`.
 * The sentence should name the thing (file, parameter) and what is wrong with it.
 */
int as_error_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Maps errno to a code (ENOSPC -> AS_ENOSPC, ENOMEM -> AS_ENOMEM, ENOENT -> AS_ENOENT, else AS_EIO). */
int as_error_from_errno(int err);

/*
 * The sentence last recorded by this thread for `code`, or as_strerror(code) when the
 * last recorded failure was a different code. Owned by the thread; valid until its next
 * as_error_set().
 */
const char *as_error_message(int code);

/* Forgets this thread's recorded sentence. */
void as_error_clear(void);

#endif
