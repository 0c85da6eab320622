#ifndef AS_SEARCHD_LIVE_H
#define AS_SEARCHD_LIVE_H
/*
 * The generation being served, and swapping in a newly published one without dropping a
 * request (read-copy-update by reference counting).
 *
 *     struct generation *g = live_acquire(l);     a reference: g stays open
 *     search_run(s, g->idx, ...);                 even if a reload swaps it out
 *     live_release(g);                            the last holder closes it
 *
 * The live holder owns one reference to the current generation; each request takes one
 * more for its duration. live_reload() opens what CURRENT names (index_open() verifies
 * every checksum) and, if that succeeds, makes it current and drops the holder's
 * reference to the old one, which closes when the last request using it releases it. A
 * generation that fails to open is refused: the old one stays current.
 *
 * live_acquire() and live_release() may be called from any thread at any time;
 * live_reload() from one thread at a time (the daemon's main loop).
 */
#include <stdatomic.h>
#include <stdint.h>

struct index;

struct generation {
	struct index *idx;   /* owned; closed with the last reference */
	const char *name;    /* "gen-000042", owned by idx */
	uint64_t n_docs;     /* live documents */
	uint64_t seq;        /* 1, 2, 3... in the order opened: never reused, unlike a pointer */
	uint64_t folder;     /* its folder's inode: an index rebuilt from nothing (deleted,
			      * or another moved in its place) reuses gen-000001's name */
	atomic_long refs;
};

struct live;

/* Opens DIR's published generation. You own *out; free with live_close(). */
int live_open(const char *dir, struct live **out);
/* Drops the holder's reference; the generation closes once no request holds it. */
void live_close(struct live *l);

/* A reference to the current generation; never NULL. Release with live_release(). */
struct generation *live_acquire(struct live *l);
void live_release(struct generation *g);

/*
 * Serves CURRENT's generation if it is new. 0 and *changed = 1 when swapped in, 0 and
 * *changed = 0 when CURRENT still names the live one, <0 when the new one was refused
 * (the message names the file, in as_error_message()).
 */
int live_reload(struct live *l, int *changed);

#endif
