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
 * returns the row's minimum. Values saturate at k + 1: only "<= k" matters.
 */
static unsigned step(const struct walk *w, size_t i, unsigned char c, unsigned char *out)
{
	const unsigned char *prev = w->rows[i];
	const unsigned char *pp = i > 0 ? w->rows[i - 1] : NULL;
	unsigned cap = w->k + 1, v, mn;

	v = umin((unsigned)i + 1, cap);
	out[0] = (unsigned char)v;
	mn = v;
	for (size_t j = 1; j <= w->m; j++) {
		v = umin(prev[j] + 1u, out[j - 1] + 1u);
		v = umin(v, prev[j - 1] + (w->q[j - 1] != c));
		if (pp && j >= 2 && c == w->q[j - 2] && w->path[i - 1] == w->q[j - 1])
			v = umin(v, pp[j - 2] + 1u);
		v = umin(v, cap);
		out[j] = (unsigned char)v;
		mn = umin(mn, v);
	}
	return mn;
}

static unsigned row_min(const struct walk *w, size_t d)
{
	unsigned mn = 255;

	for (size_t j = 0; j <= w->m; j++)
		mn = umin(mn, w->rows[d][j]);
	return mn;
}

/* The smallest byte above `after` that keeps the automaton alive from row d, or -1. */
static int next_byte(const struct walk *w, size_t d, unsigned after)
{
	unsigned char tmp[TYPO_MAX_WORD + 1];
	int best = -1;

	if (row_min(w, d) + 1 <= w->k)
		return after < 255 ? (int)after + 1 : -1; /* any byte: substitution or insertion */
	/* Only bytes of the query can keep it alive. */
	for (size_t j = 0; j < w->m; j++) {
		unsigned c = w->q[j];
		if (c <= after || (best >= 0 && c >= (unsigned)best))
			continue;
		if (step(w, d, (unsigned char)c, tmp) <= w->k)
			best = (int)c;
	}
	return best;
}

/*
 * Moves to the first key >= cand. The next candidate is often a few keys away in the
 * same dictionary block, where stepping is cheaper than a seek (which decodes the
 * block from its start): step a few times, then seek.
 */
static int advance(struct term_iter *it, const unsigned char *cand, size_t len)
{
	for (int i = 0; i < 4; i++) {
		size_t kl;
		const unsigned char *k;
		int rc = term_iter_next(it), c;
		if (rc != 0)
			return rc;
		k = (const unsigned char *)term_iter_key(it, &kl);
		c = memcmp(k, cand, kl < len ? kl : len);
		if (c > 0 || (c == 0 && kl >= len))
			return 0;
	}
	return term_iter_seek(it, (const char *)cand, len);
}

int typo_walk(const struct segment *seg, const char *word, size_t len, unsigned max_edits,
	      void (*fn)(void *ctx, const char *key, size_t key_len, unsigned dist, uint32_t df),
	      void *ctx)
{
	struct walk w;
	struct term_iter *it = NULL;
	size_t valid = 0;
	unsigned visits = 0;
	int rc;

	if (len == 0 || len > TYPO_MAX_WORD)
		return 0;
	memset(&w, 0, sizeof(w));
	w.q = (const unsigned char *)word;
	w.m = len;
	w.k = max_edits;
	for (size_t j = 0; j <= len; j++)
		w.rows[0][j] = (unsigned char)umin((unsigned)j, w.k + 1);
	if ((rc = term_iter_new(seg, DICT_WORDS, &it)) < 0)
		return rc;
	for (rc = term_iter_seek(it, "", 0); rc == 0;) {
		size_t klen, i, l = 0;
		const unsigned char *key = (const unsigned char *)term_iter_key(it, &klen);
		int dead = 0;

		if (++visits > TYPO_MAX_VISITS)
			break;
		while (l < valid && l < klen && w.path[l] == key[l])
			l++;
		valid = l;
		for (i = l; i < klen; i++) {
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
		}
		if (!dead) {
			if (w.rows[klen][len] <= w.k)
				fn(ctx, (const char *)key, klen, w.rows[klen][len],
				   term_iter_info(it)->doc_freq);
			rc = term_iter_next(it);
			continue;
		}
		/* key[0..i) is alive, key[i] kills it: find the next string worth visiting. */
		unsigned char cand[MAX_DEPTH + 1];
		size_t d = i;
		int c = -1;
		for (;;) {
			c = next_byte(&w, d, key[d]);
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
		rc = advance(it, cand, d + 1);
	}
	term_iter_free(it);
	return rc < 0 ? rc : 0;
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
