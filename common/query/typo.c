#include "common/query/typo.h"

#include <string.h>

#include "common/index/index.h"
#include "common/query/limits.h"

#define MAX_DEPTH (TYPO_MAX_WORD + 4) /* a row deeper than len + edits is always dead */

struct walk {
	const unsigned char *q;
	size_t m;
	unsigned k;
	unsigned char path[MAX_DEPTH + 1];        /* key bytes the rows were computed for */
	unsigned char rows[MAX_DEPTH + 1][TYPO_MAX_WORD + 1];
};

static unsigned umin(unsigned a, unsigned b)
{
	return a < b ? a : b;
}

/*
 * Row i+1 of the table from row i for the key byte c (rows[i] valid, path[0..i) set);
 * returns the row's minimum. Values saturate at k + 1: only "<= k" matters. Strings of
 * lengths r and j are at least |r - j| edits apart, so a cell with |r - j| > k is always
 * k + 1: only the band of 2k + 1 cells around the diagonal is computed, and the rest of
 * every row keeps the k + 1 typo_walk() fills it with (k = 1: 3 cells, not 6 to 12).
 */
static inline __attribute__((always_inline)) unsigned step(const struct walk *w, size_t i, unsigned char c,
							   unsigned char *out)
{
	const unsigned char *prev = w->rows[i], *q = w->q;
	unsigned cap = w->k + 1, v, mn = cap, left = cap;
	size_t r = i + 1, lo = r > w->k ? r - w->k : 0, hi = r + w->k < w->m ? r + w->k : w->m, j = lo;

	if (j == 0) {
		out[0] = (unsigned char)(left = mn = umin((unsigned)r, cap));
		j = 1;
	}
	/* The transposition's previous byte and row, read once: the first row has none, and
	 * 256, which no byte equals, turns the test off. */
	const unsigned char *pp = i ? w->rows[i - 1] : prev;
	unsigned t = i ? w->path[i - 1] : 256;
	for (; j <= hi; j++) {
		v = umin(prev[j] + 1u, left + 1u);
		v = umin(v, prev[j - 1] + (q[j - 1] != c));
		if (j >= 2 && c == q[j - 2] && t == q[j - 1])
			v = umin(v, pp[j - 2] + 1u);
		v = umin(v, cap);
		out[j] = (unsigned char)v;
		left = v;
		mn = umin(mn, v);
	}
	return mn;
}

static unsigned row_min(const struct walk *w, size_t d)
{
	size_t lo = d > w->k ? d - w->k : 0, hi = d + w->k < w->m ? d + w->k : w->m;
	unsigned mn = w->k + 1;

	for (size_t j = lo; j <= hi; j++)
		mn = umin(mn, w->rows[d][j]);
	return mn;
}

/*
 * The smallest byte above `after` that keeps the automaton alive from row d, or -1.
 * When it is one of the query's bytes, step() has written row d + 1 for it into `row`
 * (its band only) and *has_row is 1; it is 0 when any byte would do.
 */
static int next_byte(const struct walk *w, size_t d, unsigned after, unsigned char *row, int *has_row)
{
	const unsigned char *prev = w->rows[d], *q = w->q;
	unsigned k = w->k, t = d ? w->path[d - 1] : 256;
	size_t r = d + 1, lo = r > k ? r - k : 0, hi = r + k < w->m ? r + k : w->m;

	*has_row = 0;
	if (row_min(w, d) + 1 <= k)
		return after < 255 ? (int)after + 1 : -1; /* any byte: substitution or insertion */
	/*
	 * Every cell of row d is at k or more: a cell j of the next row (in its band lo..hi)
	 * stays at k only by a match on the diagonal (row d's cell j - 1 at k, and c the
	 * query's byte j - 1) or a transposition (c the query's byte j - 2, the previous
	 * byte its byte j - 1, and row d - 1's cell j - 2 below k). The smallest such byte
	 * above `after` is tried first; step() confirms it and computes its row.
	 */
	for (;;) {
		unsigned best = 256;
		for (size_t j = lo > 1 ? lo : 1; j <= hi; j++) {
			unsigned c = q[j - 1];
			if (c > after && c < best && prev[j - 1] == k)
				best = c;
			if (d > 0 && j >= 2) {
				c = q[j - 2];
				if (c > after && c < best && t == q[j - 1] && w->rows[d - 1][j - 2] < k)
					best = c;
			}
		}
		if (best == 256)
			return -1;
		if (step(w, d, (unsigned char)best, row) <= k) {
			*has_row = 1;
			return (int)best;
		}
		after = best; /* not alive after all: the next one */
	}
}

/* The search string of seek(), its prefix as struct dict_keys has them. */
struct target {
	const unsigned char *s;
	size_t len;
	uint64_t prefix;
};

/* key i < t, for keys whose prefix equals t's: out of line, so that key_less() stays
 * small enough for the binary search's conditional move. */
static __attribute__((noinline)) int key_less_slow(const struct dict_keys *dk, size_t i, const struct target *t)
{
	const unsigned char *k = (const unsigned char *)dk->bytes + dk->off[i];
	size_t kl = dk->off[i + 1] - dk->off[i], m = kl < t->len ? kl : t->len;

	for (size_t j = 0; j < m; j++)
		if (k[j] != t->s[j])
			return k[j] < t->s[j];
	return kl < t->len;
}

/* key i < t */
static inline int key_less(const struct dict_keys *dk, size_t i, const struct target *t)
{
	uint64_t p = dk->prefix[i];

	return p < t->prefix || (p == t->prefix && key_less_slow(dk, i, t));
}

/*
 * The first key >= s[0..len) at or after `from` (the walk only moves forward), or n;
 * `prefix` is s's, as dk->prefix has them.
 * Galloping, as the next live key is often a few keys away, then a binary search
 * written for conditional moves: its branches would be mispredicted half the time.
 */
static size_t seek(const struct dict_keys *dk, size_t from, const unsigned char *s, size_t len, uint64_t prefix)
{
	struct target t = { s, len, prefix };
	/* The answer is in s's bucket, or is the first key of the next one. */
	unsigned bk = dict_key_bucket(s[0], len > 1 ? s[1] : 0);
	size_t end = dk->bucket[bk + 1], lo = from > dk->bucket[bk] ? from : dk->bucket[bk], hi = lo, step = 1, n;

	if (end < lo)
		end = lo;
	while (hi < end && key_less(dk, hi, &t)) {
		lo = hi + 1;
		hi += step;
		step *= 2;
	}
	if (hi > end)
		hi = end;
	/* The answer is in [lo, lo + n]. */
	for (n = hi - lo; n > 1;) {
		size_t half = n / 2;
		lo = key_less(dk, lo + half, &t) ? lo + half : lo;
		n -= half;
	}
	return n ? lo + key_less(dk, lo, &t) : lo;
}

/*
 * The dictionary as the walk reads it: its keys in memory (dict_keys: a binary search
 * per seek), or read in place through a term_iter (a block decoded per seek). Loading
 * the keys reads the whole dictionary, a few milliseconds that a daemon earns back
 * within a few walks and a one-shot command never does: the first TYPO_KEYS_AFTER
 * walks of a dictionary read it in place.
 */
struct cursor {
	const struct dict_keys *dk;
	struct term_iter *it;
	size_t pos;
	const unsigned char *key;
	size_t klen;
	uint32_t df;
};

static int use_keys = -1; /* typo_use_keys() */

void typo_use_keys(int keys)
{
	use_keys = keys;
}

static void cur_load(struct cursor *c)
{
	if (c->dk) {
		c->key = (const unsigned char *)c->dk->bytes + c->dk->off[c->pos];
		c->klen = c->dk->off[c->pos + 1] - c->dk->off[c->pos];
		c->df = c->dk->doc_freq[c->pos];
	} else {
		c->key = (const unsigned char *)term_iter_key(c->it, &c->klen);
		c->df = (uint32_t)term_iter_info(c->it)->doc_freq;
	}
}

/* The first key: 0, 1 when there is none, <0 on error. */
static int cur_first(struct cursor *c)
{
	int rc;

	if (c->dk) {
		if (c->dk->n == 0)
			return 1;
		c->pos = 0;
	} else if ((rc = term_iter_next(c->it)) != 0) {
		return rc;
	}
	cur_load(c);
	return 0;
}

static int cur_next(struct cursor *c)
{
	int rc;

	if (c->dk) {
		if (++c->pos >= c->dk->n)
			return 1;
	} else if ((rc = term_iter_next(c->it)) != 0) {
		return rc;
	}
	cur_load(c);
	return 0;
}

/* The first key >= the current key's first d bytes then byte b (which follows it). */
static int cur_seek(struct cursor *c, const unsigned char *s, size_t d, unsigned char b)
{
	int rc;

	if (c->dk) {
		/* s's prefix from the key's: its first d bytes, then b, then zeros. */
		uint64_t cp = c->dk->prefix[c->pos];
		if (d < 8)
			cp = (d ? cp & ~0ull << (64 - 8 * d) : 0) | (uint64_t)b << (56 - 8 * d);
		c->pos = seek(c->dk, c->pos + 1, s, d + 1, cp);
		if (c->pos >= c->dk->n)
			return 1;
	} else if ((rc = term_iter_seek(c->it, (const char *)s, d + 1)) != 0) {
		return rc;
	}
	cur_load(c);
	return 0;
}

/*
 * typo_walk() and typo_walk_prefix(): `prefix` accepts a key as soon as one of its
 * prefixes is within k of the word (that row's last cell), and then every key sharing
 * that prefix; a dead row (every cell above k) kills a prefix in both, so the seeks are
 * the same.
 */
static int walk(const struct segment *seg, const char *word, size_t len, unsigned max_edits, int prefix,
		void (*fn)(void *ctx, const char *key, size_t key_len, unsigned dist, uint32_t df), void *ctx)
{
	struct walk w;
	struct cursor cur = { 0 };
	size_t valid = 0, qual = SIZE_MAX; /* qual: the shallowest accepted prefix of path */
	unsigned visits = 0;
	int rc;

	if (len == 0 || len > TYPO_MAX_WORD)
		return 0;
	if ((rc = segment_dict_keys_after(seg, DICT_WORDS, use_keys < 0 ? TYPO_KEYS_AFTER : use_keys ? 0 : UINT32_MAX,
					  &cur.dk)) < 0)
		return rc;
	if (!cur.dk) {
		if ((rc = term_iter_new(seg, DICT_WORDS, &cur.it)) < 0)
			return rc;
		term_iter_in_place(cur.it);
	}
	memset(&w, 0, sizeof(w));
	w.q = (const unsigned char *)word;
	w.m = len;
	w.k = max_edits;
	memset(w.rows, (int)umin(w.k + 1, 255), sizeof(w.rows)); /* outside step()'s band */
	for (size_t j = 0; j <= len; j++)
		w.rows[0][j] = (unsigned char)umin((unsigned)j, w.k + 1);
	for (rc = cur_first(&cur); rc == 0;) {
		const unsigned char *key = cur.key;
		size_t klen = cur.klen, i, l = 0;
		int dead = 0;

		if (++visits > TYPO_MAX_VISITS)
			break;
		while (l < valid && l < klen && w.path[l] == key[l])
			l++;
		valid = l;
		if (qual > l)
			qual = SIZE_MAX;
		/* The last row may be the seek's (next_byte()), not yet looked at. */
		if (prefix && qual == SIZE_MAX && l > 0 && w.rows[l][len] <= w.k)
			qual = l;
		for (i = l; i < klen && qual == SIZE_MAX; i++) {
			if (i + 1 > MAX_DEPTH) {
				dead = 1;
				break;
			}
			w.path[i] = key[i];
			if (step(&w, i, key[i], w.rows[i + 1]) > w.k) {
				dead = 1;
				break;
			}
			valid = i + 1;
			if (prefix && w.rows[i + 1][len] <= w.k)
				qual = i + 1;
		}
		if (!dead) {
			/* `word 0x01 form` keys are how a word is written, not words. */
			size_t at = prefix ? qual : klen;
			if (at <= klen && w.rows[at][len] <= w.k && !memchr(key, 0x01, klen))
				fn(ctx, (const char *)key, klen, w.rows[at][len], cur.df);
			rc = cur_next(&cur);
			continue;
		}
		/* key[0..i) is alive, key[i] kills it: find the next string worth visiting. */
		unsigned char cand[MAX_DEPTH + 1], row[TYPO_MAX_WORD + 1];
		size_t d = i;
		int c = -1, has_row;
		for (;;) {
			c = next_byte(&w, d, key[d], row, &has_row);
			if (c >= 0 || d == 0)
				break;
			d--;
		}
		if (c < 0) {
			rc = 1;
			break;
		}
		memcpy(cand, key, d);
		cand[d] = (unsigned char)c;
		if (valid > d)
			valid = d;
		if (has_row && d + 1 <= MAX_DEPTH) {
			/* The keys sought start with cand: next_byte()'s row for its last byte
			 * is theirs. Only its band is copied; a row stays at k + 1 outside. */
			size_t r = d + 1, lo = r > w.k ? r - w.k : 0, hi = r + w.k < len ? r + w.k : len;
			w.path[d] = (unsigned char)c;
			memcpy(w.rows[r] + lo, row + lo, hi - lo + 1);
			valid = r;
		}
		rc = cur_seek(&cur, cand, d, (unsigned char)c);
	}
	term_iter_free(cur.it);
	return rc < 0 ? rc : 0;
}

int typo_walk(const struct segment *seg, const char *word, size_t len, unsigned max_edits,
	      void (*fn)(void *ctx, const char *key, size_t key_len, unsigned dist, uint32_t df), void *ctx)
{
	return walk(seg, word, len, max_edits, 0, fn, ctx);
}

int typo_walk_prefix(const struct segment *seg, const char *word, size_t len, unsigned max_edits,
		     void (*fn)(void *ctx, const char *key, size_t key_len, unsigned dist, uint32_t df),
		     void *ctx)
{
	return walk(seg, word, len, max_edits, 1, fn, ctx);
}

unsigned typo_max_edits(const char *word, size_t len)
{
	size_t letters = 0;

	for (size_t i = 0; i < len; i++)
		if (((unsigned char)word[i] & 0xC0) != 0x80)
			letters++;
	return letters >= 9 ? 2 : letters >= 5 ? 1 : 0;
}

unsigned typo_distance(const char *a, size_t n, const char *b, size_t m)
{
	unsigned d[TYPO_MAX_WORD + 3][TYPO_MAX_WORD + 3];

	if (n > TYPO_MAX_WORD + 2 || m > TYPO_MAX_WORD + 2)
		return 255;
	for (size_t i = 0; i <= n; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= n; i++)
		for (size_t j = 1; j <= m; j++) {
			unsigned v = umin(d[i - 1][j] + 1, d[i][j - 1] + 1);
			v = umin(v, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]));
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				v = umin(v, d[i - 2][j - 2] + 1);
			d[i][j] = v;
		}
	return d[n][m];
}
