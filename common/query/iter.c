#include "common/query/iter.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "common/index/codec.h"
#include "common/query/limits.h"
#include "common/query/plan.h"
#include "common/query/rank.h"
#include "common/util/error.h"
#include "common/util/mem.h"

static const double field_w[N_FIELDS] = { RANK_W_TITLE, RANK_W_TAGS, RANK_W_BODY };
static const double field_b[N_FIELDS] = { RANK_B_TITLE, RANK_B_TAGS, RANK_B_BODY };

static void ctx_len_w(struct score_ctx *ctx, const struct plan *plan)
{
	if (!ctx->len_w_set) {
		for (int f = 0; f < N_FIELDS; f++)
			ctx->len_w[f] = field_b[f] / plan->avg_len[f];
		ctx->len_w_set = 1;
	}
}

/* Field f's BM25F norm for a length, from the cache of short lengths when it has it
 * (ctx_len_w() done). */
static inline double ctx_norm(struct score_ctx *ctx, int f, uint32_t len)
{
	double *cache = ctx->norm_cache && len < CTX_NORM_CACHE ? &ctx->norm_cache[f * CTX_NORM_CACHE + len] : NULL;
	double v;

	if (cache && *cache != 0)
		return *cache;
	v = field_w[f] / (1.0 - field_b[f] + ctx->len_w[f] * len);
	if (cache)
		*cache = v;
	return v;
}

void ctx_set_doc(struct score_ctx *ctx, const struct plan *plan, const uint32_t len[N_FIELDS])
{
	ctx_len_w(ctx, plan);
	for (int f = 0; f < N_FIELDS; f++) {
		ctx->len[f] = len[f];
		ctx->fnorm[f] = ctx_norm(ctx, f, len[f]);
	}
}

static double saturate(double tfn)
{
	return tfn * (RANK_K1 + 1.0) / (tfn + RANK_K1);
}

/* ---- Leaf: the union of a word's keys, scored as one BM25F term --------------------- */

struct leaf_iter {
	struct qiter it;
	const struct leaf *leaf;
	uint32_t n;               /* keys present in this segment */
	struct postings **p;
	uint32_t *cur;            /* each key's current document, QITER_END when exhausted */
	double *w;                /* each key's weight */
	uint32_t *tw;             /* each key's leaf_key.title: 0 for another word's accents */
	uint8_t *opt;             /* each key's leaf_key.opt: scores, never matches alone */
	int has_opt;
	unsigned mask;            /* fields that count */
	int masked;               /* mask is not every field: a match needs tf > 0 in it */
	double norm_a[N_FIELDS];  /* 1 - B_f */
	double norm_b[N_FIELDS];  /* B_f / avglen_f */
	uint32_t *pos;            /* merged positions */
	uint32_t pos_cap;
	double bmax[N_FIELDS];    /* bound(): Σ over keys of weight × block max tf, per field */
	uint32_t btitle;          /* bound(): Σ over keys of the block max title tf */
	int bnone;                /* bound(): no block data, no bound */
};

static uint32_t key_doc(struct postings *p, int rc)
{
	return rc == 0 ? postings_doc(p) : QITER_END;
}

static int leaf_masked_tf(struct leaf_iter *li)
{
	uint32_t tf[N_FIELDS];

	for (uint32_t k = 0; k < li->n; k++) {
		if (li->cur[k] != li->it.doc || li->opt[k])
			continue;
		postings_freqs(li->p[k], tf);
		for (int f = 0; f < N_FIELDS; f++)
			if ((li->mask & (1u << f)) && tf[f] > 0)
				return 1;
	}
	return 0;
}

/* The keys that only score, brought to the leaf's document (or past it). */
static int leaf_sync_opt(struct leaf_iter *li)
{
	for (uint32_t k = 0; k < li->n; k++)
		if (li->opt[k] && li->cur[k] < li->it.doc) {
			int rc = postings_seek(li->p[k], li->it.doc);
			if (rc < 0)
				return rc;
			li->cur[k] = key_doc(li->p[k], rc);
		}
	return 0;
}

/* Positions it.doc on the smallest current document of a key that matches (not one
 * that only scores) and passes the field mask. */
static int leaf_settle(struct leaf_iter *li)
{
	for (;;) {
		uint32_t m = QITER_END;
		for (uint32_t k = 0; k < li->n; k++)
			if (li->cur[k] < m && !li->opt[k])
				m = li->cur[k];
		li->it.doc = m;
		if (m == QITER_END)
			return 1;
		if (!li->masked || leaf_masked_tf(li))
			return li->has_opt ? leaf_sync_opt(li) : 0;
		for (uint32_t k = 0; k < li->n; k++)
			if (li->cur[k] == m) {
				int rc = postings_next(li->p[k]);
				if (rc < 0)
					return rc;
				li->cur[k] = key_doc(li->p[k], rc);
			}
	}
}

static int leaf_next(struct qiter *it)
{
	struct leaf_iter *li = (struct leaf_iter *)it;

	if (it->started && it->doc == QITER_END)
		return 1;
	for (uint32_t k = 0; k < li->n; k++)
		if (!it->started || li->cur[k] == it->doc) {
			int rc = postings_next(li->p[k]);
			if (rc < 0)
				return rc;
			li->cur[k] = key_doc(li->p[k], rc);
		}
	it->started = 1;
	return leaf_settle(li);
}

static int leaf_seek(struct qiter *it, uint32_t target)
{
	struct leaf_iter *li = (struct leaf_iter *)it;

	if (it->started && it->doc >= target)
		return it->doc == QITER_END;
	for (uint32_t k = 0; k < li->n; k++)
		if (!it->started || li->cur[k] < target) {
			int rc = postings_seek(li->p[k], target);
			if (rc < 0)
				return rc;
			li->cur[k] = key_doc(li->p[k], rc);
		}
	it->started = 1;
	return leaf_settle(li);
}

/*
 * A leaf's BM25F from its keys' weighted frequencies per field (wtf[f] = Σ weight × tf),
 * its title and body occurrences; records the word's slot data in ctx. The one formula
 * of both the iterators and the bulk path (bulk_score), so both give the same scores.
 */
static inline double leaf_formula(const struct leaf *l, unsigned mask, const double wtf[N_FIELDS], uint32_t title,
			   uint32_t body, struct score_ctx *ctx)
{
	double tfn = 0, s;

	for (int f = 0; f < N_FIELDS; f++)
		if (mask & (1u << f))
			tfn += wtf[f] * ctx->fnorm[f];
	s = l->idf * saturate(tfn);
	if (l->slot >= 0 && (uint32_t)l->slot < ctx->n_slots) {
		uint32_t slot = (uint32_t)l->slot;
		if (!(mask & (1u << FIELD_TITLE)))
			title = 0;
		if (title > ctx->slot_title_tf[slot])
			ctx->slot_title_tf[slot] = title;
		if (s > ctx->slot_score[slot])
			ctx->slot_score[slot] = s;
		if (body)
			ctx->body_slots |= 1ull << (slot & 63);
	}
	return s;
}

/* The leaf's frequencies in its current document, over its keys there: weighted
 * (Σ weight × tf) and plain, per field. Records the leaf as its word's in ctx. */
static inline void leaf_freqs(struct leaf_iter *li, struct score_ctx *ctx, double wtf[N_FIELDS],
			      uint32_t sum[N_FIELDS])
{
	uint32_t raw[N_FIELDS];

	for (int f = 0; f < N_FIELDS; f++)
		wtf[f] = 0, sum[f] = 0;
	for (uint32_t k = 0; k < li->n; k++) {
		if (li->cur[k] != li->it.doc)
			continue;
		postings_freqs(li->p[k], raw);
		for (int f = 0; f < N_FIELDS; f++) {
			wtf[f] += li->w[k] * raw[f];
			sum[f] += f == FIELD_TITLE ? raw[f] * li->tw[k] : raw[f];
		}
	}
	int slot = li->leaf->slot;
	if (slot >= 0 && (uint32_t)slot < ctx->n_slots && !ctx->slot_iter[slot])
		ctx->slot_iter[slot] = li;
}

static double leaf_score(struct qiter *it, struct score_ctx *ctx)
{
	struct leaf_iter *li = (struct leaf_iter *)it;
	double wtf[N_FIELDS];
	uint32_t sum[N_FIELDS];

	leaf_freqs(li, ctx, wtf, sum);
	return leaf_formula(li->leaf, li->mask, wtf, sum[FIELD_TITLE], sum[FIELD_BODY], ctx);
}

static void leaf_mark(struct qiter *it, struct score_ctx *ctx)
{
	struct leaf_iter *li = (struct leaf_iter *)it;
	uint32_t raw[N_FIELDS], title = 0;
	int slot = li->leaf->slot;

	if (slot < 0 || (uint32_t)slot >= ctx->n_slots)
		return;
	for (uint32_t k = 0; k < li->n; k++) {
		if (li->cur[k] != it->doc)
			continue;
		postings_freqs(li->p[k], raw);
		title += raw[FIELD_TITLE] * li->tw[k];
	}
	if (!ctx->slot_iter[slot])
		ctx->slot_iter[slot] = li;
	if (!(li->mask & (1u << FIELD_TITLE)))
		title = 0;
	if (title > ctx->slot_title_tf[slot])
		ctx->slot_title_tf[slot] = title;
}

static double leaf_bound(struct qiter *it, uint32_t target, uint32_t *last, uint64_t *title_slots)
{
	struct leaf_iter *li = (struct leaf_iter *)it;
	uint32_t mtf[N_FIELDS], mlen[N_FIELDS];
	double tfn = 0;

	*last = QITER_END;
	memset(li->bmax, 0, sizeof(li->bmax));
	li->btitle = 0;
	li->bnone = 0;
	for (uint32_t k = 0; k < li->n; k++) {
		int rc;
		if (it->started && li->cur[k] == QITER_END)
			continue;
		rc = postings_shallow_seek(li->p[k], target);
		if (rc > 0)
			continue;
		if (rc < 0) {
			/* No block data: no bound (the caller scores the document). */
			*last = target;
			*title_slots = ~0ull;
			li->bnone = 1;
			return 1e30;
		}
		uint32_t bl = postings_block_last(li->p[k]);
		if (bl < *last)
			*last = bl;
		postings_block_max(li->p[k], mtf, mlen);
		if (mtf[FIELD_TITLE] && li->tw[k] && (li->mask & (1u << FIELD_TITLE)) && li->leaf->slot >= 0)
			*title_slots |= 1ull << (li->leaf->slot & 63);
		for (int f = 0; f < N_FIELDS; f++)
			if ((li->mask & (1u << f)) && mtf[f] > 0) {
				tfn += li->w[k] * field_w[f] * mtf[f] / (li->norm_a[f] + li->norm_b[f] * mlen[f]);
				li->bmax[f] += li->w[k] * mtf[f];
			}
		if (li->mask & (1u << FIELD_TITLE))
			li->btitle += mtf[FIELD_TITLE] * li->tw[k];
	}
	if (*last < target)
		*last = target;
	return li->leaf->idf * saturate(tfn);
}

static double leaf_doc_bound(struct qiter *it, struct score_ctx *ctx)
{
	struct leaf_iter *li = (struct leaf_iter *)it;

	if (li->bnone)
		return 1e30;
	ctx->title_tf_ub += li->btitle;
	return li->leaf->idf * saturate(li->bmax[FIELD_TITLE] * ctx->fnorm[FIELD_TITLE] +
					li->bmax[FIELD_TAGS] * ctx->fnorm[FIELD_TAGS] +
					li->bmax[FIELD_BODY] * ctx->fnorm[FIELD_BODY]);
}

static void leaf_free(struct qiter *it)
{
	struct leaf_iter *li = (struct leaf_iter *)it;

	for (uint32_t k = 0; k < li->n; k++)
		postings_free(li->p[k]);
	as_free(li->pos);
	as_free(li);
}

static const struct qiter_ops leaf_ops = { leaf_next, leaf_seek, leaf_score, leaf_bound, leaf_doc_bound,
					  leaf_mark, leaf_free };

/* Merges sorted position lists (few keys: a repeated minimum is enough). */
int leaf_iter_positions(struct leaf_iter *li, enum field f, const uint32_t **pos, uint32_t *n)
{
	const uint32_t *lists[64];
	uint32_t lens[64], idx[64], nl = 0, total = 0;
	int rc;

	*pos = NULL;
	*n = 0;
	for (uint32_t k = 0; k < li->n && nl < 64; k++) {
		if (li->cur[k] != li->it.doc)
			continue;
		if ((rc = postings_positions(li->p[k], f, &lists[nl], &lens[nl])) < 0)
			return rc;
		if (lens[nl] == 0)
			continue;
		total += lens[nl];
		idx[nl] = 0;
		nl++;
	}
	if (nl == 0)
		return 0;
	if (nl == 1) {
		*pos = lists[0];
		*n = lens[0];
		return 0;
	}
	if (total > li->pos_cap) {
		uint32_t *np = as_realloc(li->pos, total * sizeof(*np));
		if (!np)
			return AS_ENOMEM;
		li->pos = np;
		li->pos_cap = total;
	}
	uint32_t out = 0;
	for (;;) {
		uint32_t best = UINT32_MAX, bi = 0;
		for (uint32_t i = 0; i < nl; i++)
			if (idx[i] < lens[i] && lists[i][idx[i]] < best)
				best = lists[i][idx[i]], bi = i;
		if (best == UINT32_MAX)
			break;
		idx[bi]++;
		if (out == 0 || li->pos[out - 1] != best)
			li->pos[out++] = best;
	}
	*pos = li->pos;
	*n = out;
	return 0;
}

static int leaf_build(const struct plan *plan, const struct index *idx, uint32_t s,
		      const struct leaf *l, struct qiter **out)
{
	const struct segment *seg = index_segment(idx, s);
	uint32_t n = l->seg_n_keys[s];
	struct leaf_iter *li = as_calloc(
		1, sizeof(*li) + n * (sizeof(struct postings *) + 2 * sizeof(uint32_t) + sizeof(double) + 1));
	int rc;

	if (!li)
		return AS_ENOMEM;
	li->it.ops = &leaf_ops;
	li->leaf = l;
	li->w = (double *)(li + 1);
	li->p = (struct postings **)(li->w + n);
	li->cur = (uint32_t *)(li->p + n);
	li->tw = li->cur + n;
	li->opt = (uint8_t *)(li->tw + n);
	li->mask = l->fields;
	li->masked = (l->fields & ((1u << N_FIELDS) - 1)) != (1u << N_FIELDS) - 1;
	for (int f = 0; f < N_FIELDS; f++) {
		li->norm_a[f] = 1.0 - field_b[f];
		li->norm_b[f] = field_b[f] / plan->avg_len[f];
	}
	for (uint32_t k = 0; k < n; k++) {
		const struct leaf_key *key = &l->seg_keys[s][k];
		if ((rc = postings_open_cached(seg, &key->info, plan->positions ? POSTINGS_POSITIONS : 0, plan->blocks,
					       &li->p[li->n])) < 0) {
			leaf_free(&li->it);
			return rc;
		}
		li->w[li->n] = key->w;
		li->tw[li->n] = key->title;
		li->opt[li->n] = (uint8_t)(key->opt != 0);
		li->has_opt |= key->opt != 0;
		li->cur[li->n] = 0;
		li->n++;
	}
	*out = &li->it;
	return 0;
}

/* ---- Conjunction (with exclusions) ------------------------------------------------ */

struct and_iter {
	struct qiter it;
	struct qiter **kids;
	uint32_t n;
	struct qiter **nots;
	uint32_t n_nots;
};

/* Leapfrog: every kid on the same document, then no exclusion on it. */
static int and_align(struct and_iter *a, uint32_t t)
{
	uint32_t agreed = 0, i = 0;
	int rc;

	a->it.started = 1;
	for (;;) {
		while (agreed < a->n) {
			struct qiter *k = a->kids[i];
			if (!k->started || k->doc < t) {
				if ((rc = k->ops->seek(k, t)) != 0) {
					a->it.doc = QITER_END;
					return rc;
				}
			}
			if (k->doc > t) {
				t = k->doc;
				agreed = 1;
			} else {
				agreed++;
			}
			i = (i + 1) % a->n;
		}
		uint32_t j;
		for (j = 0; j < a->n_nots; j++) {
			struct qiter *k = a->nots[j];
			if (!k->started || (k->doc < t && k->doc != QITER_END)) {
				if ((rc = k->ops->seek(k, t)) < 0)
					return rc;
			}
			if (k->doc == t)
				break;
		}
		if (j == a->n_nots) {
			a->it.doc = t;
			return 0;
		}
		if (t == QITER_END - 1) {
			a->it.doc = QITER_END;
			return 1;
		}
		t++;
		agreed = 0;
	}
}

static int and_next(struct qiter *it)
{
	if (it->started && it->doc == QITER_END)
		return 1;
	return and_align((struct and_iter *)it, it->started ? it->doc + 1 : 0);
}

static int and_seek(struct qiter *it, uint32_t target)
{
	if (it->started && it->doc >= target)
		return it->doc == QITER_END;
	return and_align((struct and_iter *)it, target);
}

static double and_score(struct qiter *it, struct score_ctx *ctx)
{
	struct and_iter *a = (struct and_iter *)it;
	double s = 0;

	for (uint32_t i = 0; i < a->n; i++)
		s += a->kids[i]->ops->score(a->kids[i], ctx);
	return s;
}

static double and_bound(struct qiter *it, uint32_t target, uint32_t *last, uint64_t *title_slots)
{
	struct and_iter *a = (struct and_iter *)it;
	double s = 0;

	*last = QITER_END;
	for (uint32_t i = 0; i < a->n; i++) {
		uint32_t l;
		s += a->kids[i]->ops->bound(a->kids[i], target, &l, title_slots);
		if (l < *last)
			*last = l;
	}
	return s;
}

static double and_doc_bound(struct qiter *it, struct score_ctx *ctx)
{
	struct and_iter *a = (struct and_iter *)it;
	double s = 0;

	for (uint32_t i = 0; i < a->n; i++)
		s += a->kids[i]->ops->doc_bound(a->kids[i], ctx);
	return s;
}

static void and_mark(struct qiter *it, struct score_ctx *ctx)
{
	struct and_iter *a = (struct and_iter *)it;

	for (uint32_t i = 0; i < a->n; i++)
		a->kids[i]->ops->mark(a->kids[i], ctx);
}

static void and_free(struct qiter *it)
{
	struct and_iter *a = (struct and_iter *)it;

	for (uint32_t i = 0; i < a->n; i++)
		iter_free(a->kids[i]);
	for (uint32_t i = 0; i < a->n_nots; i++)
		iter_free(a->nots[i]);
	as_free(a);
}

static const struct qiter_ops and_ops = { and_next, and_seek, and_score, and_bound, and_doc_bound, and_mark,
					 and_free };

/* ---- Disjunction: OR (scores add up) and MAX (the best alternative scores) --------- */

struct or_iter {
	struct qiter it;
	struct qiter **kids;
	uint32_t n;
	int max;
};

/* A kid's score or bound into the node's: OR adds them up, MAX keeps the best. */
static double or_add(const struct or_iter *o, double s, double k)
{
	return o->max ? (k > s ? k : s) : s + k;
}

static int or_settle(struct or_iter *o)
{
	uint32_t m = QITER_END;

	for (uint32_t i = 0; i < o->n; i++)
		if (o->kids[i]->doc < m)
			m = o->kids[i]->doc;
	o->it.doc = m;
	return m == QITER_END;
}

static int or_next(struct qiter *it)
{
	struct or_iter *o = (struct or_iter *)it;
	int rc;

	if (it->started && it->doc == QITER_END)
		return 1;
	for (uint32_t i = 0; i < o->n; i++) {
		struct qiter *k = o->kids[i];
		if (!it->started || k->doc == it->doc)
			if ((rc = k->ops->next(k)) < 0)
				return rc;
	}
	it->started = 1;
	return or_settle(o);
}

static int or_seek(struct qiter *it, uint32_t target)
{
	struct or_iter *o = (struct or_iter *)it;
	int rc;

	if (it->started && it->doc >= target)
		return it->doc == QITER_END;
	for (uint32_t i = 0; i < o->n; i++) {
		struct qiter *k = o->kids[i];
		if (!k->started || k->doc < target)
			if ((rc = k->ops->seek(k, target)) < 0)
				return rc;
	}
	it->started = 1;
	return or_settle(o);
}

static double or_score(struct qiter *it, struct score_ctx *ctx)
{
	struct or_iter *o = (struct or_iter *)it;
	double s = 0;

	for (uint32_t i = 0; i < o->n; i++)
		if (o->kids[i]->doc == it->doc)
			s = or_add(o, s, o->kids[i]->ops->score(o->kids[i], ctx));
	return s;
}

static double or_bound(struct qiter *it, uint32_t target, uint32_t *last, uint64_t *title_slots)
{
	struct or_iter *o = (struct or_iter *)it;
	double s = 0;

	*last = QITER_END;
	for (uint32_t i = 0; i < o->n; i++) {
		uint32_t l;
		double k;
		if (o->kids[i]->started && o->kids[i]->doc == QITER_END)
			continue;
		k = o->kids[i]->ops->bound(o->kids[i], target, &l, title_slots);
		if (l < *last)
			*last = l;
		s = or_add(o, s, k);
	}
	return s;
}

static double or_doc_bound(struct qiter *it, struct score_ctx *ctx)
{
	struct or_iter *o = (struct or_iter *)it;
	double s = 0;

	for (uint32_t i = 0; i < o->n; i++)
		if (!(o->kids[i]->started && o->kids[i]->doc == QITER_END))
			s = or_add(o, s, o->kids[i]->ops->doc_bound(o->kids[i], ctx));
	return s;
}

static void or_mark(struct qiter *it, struct score_ctx *ctx)
{
	struct or_iter *o = (struct or_iter *)it;

	for (uint32_t i = 0; i < o->n; i++)
		if (o->kids[i]->doc == it->doc)
			o->kids[i]->ops->mark(o->kids[i], ctx);
}

static void or_free(struct qiter *it)
{
	struct or_iter *o = (struct or_iter *)it;

	for (uint32_t i = 0; i < o->n; i++)
		iter_free(o->kids[i]);
	as_free(o);
}

static const struct qiter_ops or_ops = { or_next, or_seek, or_score, or_bound, or_doc_bound, or_mark, or_free };

/* ---- Phrase: a conjunction of leaves at fixed relative positions ------------------- */

struct phrase_iter {
	struct and_iter a;  /* first: the conjunction of the words */
	const uint32_t *offsets;
	unsigned mask;
	int slot;           /* the slot all its words share (a synonym's), else -1 */
};

/*
 * The phrase's occurrences in each field of its current document into ptf; with
 * first_only, only whether there is one (the first found counts 1, the rest 0). 0 or <0.
 */
static int phrase_scan(struct phrase_iter *ph, int first_only, uint32_t ptf[N_FIELDS])
{
	const uint32_t *pos[32];
	uint32_t n[32], at[32];
	uint32_t nk = ph->a.n < 32 ? ph->a.n : 32;
	int rc;

	for (int f = 0; f < N_FIELDS; f++)
		ptf[f] = 0;
	for (int f = 0; f < N_FIELDS; f++) {
		uint32_t j;
		if (!(ph->mask & (1u << f)))
			continue;
		for (j = 0; j < nk; j++) {
			if ((rc = leaf_iter_positions((struct leaf_iter *)ph->a.kids[j], (enum field)f, &pos[j], &n[j])) < 0)
				return rc;
			if (n[j] == 0)
				break;
			at[j] = 0;
		}
		if (j < nk)
			continue;
		for (uint32_t i = 0; i < n[0]; i++) {
			for (j = 1; j < nk; j++) {
				uint32_t want = pos[0][i] + ph->offsets[j];
				while (at[j] < n[j] && pos[j][at[j]] < want)
					at[j]++;
				if (at[j] == n[j] || pos[j][at[j]] != want)
					break;
			}
			if (j == nk) {
				ptf[f]++;
				if (first_only)
					return 0;
			}
		}
	}
	return 0;
}

/*
 * A phrase scores by its own occurrences, not its words': `registre national des
 * entreprises`, the synonym of RNE, found once must not weigh as every `entreprise` of
 * the document, nor make a title match of an `entreprise` in the title (Lucene's
 * PhraseQuery scores its phrase frequency likewise). Each word keeps its BM25F formula
 * (leaf_formula) with its frequencies scaled down to the phrase's in each field: at
 * most its own, so and_bound() and and_doc_bound() still bound the score.
 */
static double phrase_score(struct qiter *it, struct score_ctx *ctx)
{
	struct phrase_iter *ph = (struct phrase_iter *)it;
	uint32_t ptf[N_FIELDS];
	double s = 0;

	if (phrase_scan(ph, 0, ptf) < 0)
		return and_score(it, ctx); /* its positions were read once already */
	for (uint32_t j = 0; j < ph->a.n; j++) {
		struct leaf_iter *li = (struct leaf_iter *)ph->a.kids[j];
		double wtf[N_FIELDS];
		uint32_t sum[N_FIELDS];
		leaf_freqs(li, ctx, wtf, sum);
		for (int f = 0; f < N_FIELDS; f++)
			wtf[f] = sum[f] ? wtf[f] * ptf[f] / sum[f] : 0;
		s += leaf_formula(li->leaf, li->mask, wtf, ptf[FIELD_TITLE], ptf[FIELD_BODY], ctx);
	}
	/* A synonym's words share their word's slot: the phrase is that word's score
	 * (--explain), not its best word's. */
	if (ph->slot >= 0 && (uint32_t)ph->slot < ctx->n_slots && s > ctx->slot_score[ph->slot])
		ctx->slot_score[ph->slot] = s;
	return s;
}

static int phrase_find(struct phrase_iter *ph, uint32_t t)
{
	uint32_t ptf[N_FIELDS];
	int rc;

	for (;;) {
		if ((rc = and_align(&ph->a, t)) != 0)
			return rc;
		if ((rc = phrase_scan(ph, 1, ptf)) < 0)
			return rc;
		if (ptf[FIELD_TITLE] + ptf[FIELD_TAGS] + ptf[FIELD_BODY])
			return 0;
		t = ph->a.it.doc + 1;
	}
}

static int phrase_next(struct qiter *it)
{
	if (it->started && it->doc == QITER_END)
		return 1;
	return phrase_find((struct phrase_iter *)it, it->started ? it->doc + 1 : 0);
}

static int phrase_seek(struct qiter *it, uint32_t target)
{
	if (it->started && it->doc >= target)
		return it->doc == QITER_END;
	return phrase_find((struct phrase_iter *)it, target);
}

static const struct qiter_ops phrase_ops = { phrase_next, phrase_seek, phrase_score, and_bound, and_doc_bound,
					    and_mark, and_free };

/* ---- Bulk: a word, or words that must all be there, list by list ------------------- */

/* One word's frequencies in a candidate document, summed over its keys. */
struct bulk_entry {
	double wtf[N_FIELDS]; /* Σ key weight × tf, per field */
	uint32_t title, body;
};

/* A key's posting while several keys' lists are merged: small, as the merge moves it
 * around; its entry is made after the merge (post_fold). Frequencies are at most TF_MAX. */
struct bulk_post {
	uint32_t doc;
	uint16_t leaf, key; /* key: its index among the leaf's keys of the segment */
	uint16_t tf[N_FIELDS];
};

struct bulk {
	const struct leaf **leaves; /* the root's words, in score order */
	uint32_t n_leaves, leaves_cap;
	uint32_t n, cap;            /* candidates; cap is also the stride of e */
	uint32_t *docs;
	struct bulk_entry *e;       /* word i of candidate c at i * cap + c */
	size_t docs_cap, e_cap;
	uint8_t *hit, *alive;
	struct bulk_post *tmp, *tmp2;
	size_t tmp_cap;
	size_t *runs;
	uint32_t runs_cap;
	uint32_t *map; /* bulk_map() */
	uint32_t map_cap;
	int mapped;
	uint64_t *bits; /* bulk_dense(): a bitmap of the segment's documents */
	size_t bits_cap;
	struct block_cache *blocks; /* the plan's, for the match under way */
	uint32_t seg_no;            /* the segment of the match under way */
};

int bulk_new(struct bulk **out)
{
	return (*out = as_calloc(1, sizeof(**out))) ? 0 : AS_ENOMEM;
}

void bulk_free(struct bulk *b)
{
	if (!b)
		return;
	as_free(b->leaves);
	as_free(b->docs);
	as_free(b->e);
	as_free(b->hit);
	as_free(b->alive);
	as_free(b->tmp);
	as_free(b->tmp2);
	as_free(b->runs);
	as_free(b->map);
	as_free(b->bits);
	as_free(b);
}

enum { ALL_FIELDS = (1u << N_FIELDS) - 1 };

/* Whether a posting passes the word's field mask (`title:word` needs it in the title). */
static inline int bulk_passes(unsigned fields, uint32_t t, uint32_t g, uint32_t d)
{
	return (fields & ((1u << N_FIELDS) - 1)) == (1u << N_FIELDS) - 1 ||
	       ((fields & (1u << FIELD_TITLE)) && t) || ((fields & (1u << FIELD_TAGS)) && g) ||
	       ((fields & (1u << FIELD_BODY)) && d);
}

/* Adds a posting to an entry: what leaf_score() sums (title occurrences times tw,
 * leaf_key.title); returns whether it passes. */
static inline int bulk_add(struct bulk_entry *e, unsigned fields, double w, uint32_t tw, const uint32_t *tf[N_FIELDS],
			   uint32_t i)
{
	uint32_t t = tf[FIELD_TITLE][i], g = tf[FIELD_TAGS][i], d = tf[FIELD_BODY][i];

	/* Most postings are in the body only: w x 0 added changes nothing (sums are never
	 * -0), and the branch is rarely taken. */
	if (t | g) {
		e->wtf[FIELD_TITLE] += w * t;
		e->wtf[FIELD_TAGS] += w * g;
		e->title += t * tw;
	}
	e->wtf[FIELD_BODY] += w * d;
	e->body += d;
	return bulk_passes(fields, t, g, d);
}

/* bulk_add() to a zeroed entry, without reading it: a word's only key. 0 + x is x,
 * so the entry holds the same values (w x 0 is +0: weights are positive). */
static inline int bulk_set(struct bulk_entry *e, unsigned fields, double w, uint32_t tw, const uint32_t *tf[N_FIELDS],
			   uint32_t i)
{
	uint32_t t = tf[FIELD_TITLE][i], g = tf[FIELD_TAGS][i], d = tf[FIELD_BODY][i];

	if (t | g) {
		e->wtf[FIELD_TITLE] = w * t;
		e->wtf[FIELD_TAGS] = w * g;
		e->title = t * tw;
	} else {
		e->wtf[FIELD_TITLE] = 0;
		e->wtf[FIELD_TAGS] = 0;
		e->title = 0;
	}
	e->wtf[FIELD_BODY] = w * d;
	e->body = d;
	return bulk_passes(fields, t, g, d);
}

/* A merged posting into its word's entry: set by the word's first key there, then added
 * to, as bulk_set() and bulk_add() do. Returns whether it passes. */
static inline int post_fold(struct bulk_entry *x, int first, const struct leaf *l, uint32_t s,
			    const struct bulk_post *t)
{
	uint32_t v[N_FIELDS] = { t->tf[0], t->tf[1], t->tf[2] };
	const uint32_t *tf[N_FIELDS] = { &v[0], &v[1], &v[2] };
	const struct leaf_key *k = &l->seg_keys[s][t->key];

	return first ? bulk_set(x, l->fields, k->w, k->title, tf, 0) : bulk_add(x, l->fields, k->w, k->title, tf, 0);
}

/* A posting to merge: document, word, key and frequencies. */
static inline void post_put(struct bulk_post *t, uint32_t doc, uint32_t leaf, uint32_t key,
			    const uint32_t *tf[N_FIELDS], uint32_t i)
{
	t->doc = doc;
	t->leaf = (uint16_t)leaf;
	t->key = (uint16_t)key;
	for (int f = 0; f < N_FIELDS; f++)
		t->tf[f] = (uint16_t)tf[f][i];
}

/*
 * Merges the sorted runs (one per key) of b->tmp into document order, bottom-up, equal
 * documents keeping key order (their sums then add in the iterators' order). Returns
 * the buffer holding the result: tmp or tmp2.
 */
static struct bulk_post *merge_runs(struct bulk *b, size_t *runs, uint32_t n_runs)
{
	struct bulk_post *from = b->tmp, *to = b->tmp2;

	while (n_runs > 1) {
		uint32_t m = 0;
		for (uint32_t r = 0; r < n_runs; r += 2) {
			size_t lo = runs[r], mid = runs[r + 1], hi = r + 2 <= n_runs ? runs[r + 2] : mid;
			size_t i = lo, j = mid, o = lo;
			if (r + 1 >= n_runs)
				hi = mid = runs[r + 1];
			while (i < mid && j < hi)
				to[o++] = from[j].doc < from[i].doc ? from[j++] : from[i++];
			while (i < mid)
				to[o++] = from[i++];
			while (j < hi)
				to[o++] = from[j++];
			runs[m++] = lo;
		}
		runs[m] = runs[n_runs];
		n_runs = m;
		struct bulk_post *t = from;
		from = to;
		to = t;
	}
	return from;
}

/* Room for n candidates of every word; kept from query to query (no page faults). */
static int bulk_reserve(struct bulk *b, uint64_t n)
{
	size_t ne;

	if (n > UINT32_MAX || n * b->n_leaves > SIZE_MAX / sizeof(struct bulk_entry))
		return AS_ENOMEM;
	ne = (size_t)n * b->n_leaves;
	if (n > b->docs_cap) {
		size_t cap = (size_t)n + (size_t)n / 2 + 64;
		as_free(b->docs);
		as_free(b->hit);
		as_free(b->alive);
		b->docs = as_malloc(cap * sizeof(*b->docs));
		b->hit = as_malloc(cap);
		b->alive = as_malloc(cap);
		b->docs_cap = b->docs && b->hit && b->alive ? cap : 0;
		if (!b->docs_cap)
			return AS_ENOMEM;
	}
	if (ne > b->e_cap) {
		size_t cap = ne + ne / 2 + 64;
		as_free(b->e);
		b->e = as_malloc(cap * sizeof(*b->e));
		b->e_cap = b->e ? cap : 0;
		if (!b->e)
			return AS_ENOMEM;
	}
	b->cap = (uint32_t)n;
	return 0;
}

/* Documents of word l's keys in segment s (a document with two keys counts twice). */
static uint64_t leaf_seg_df(const struct leaf *l, uint32_t s)
{
	uint64_t df = 0;

	for (uint32_t k = 0; k < l->seg_n_keys[s]; k++)
		df += l->seg_keys[s][k].info.doc_freq;
	return df;
}

/* Room for df postings in n_runs runs to merge; kept from query to query. */
static int bulk_tmp(struct bulk *b, uint64_t df, uint32_t n_runs)
{
	if (df > b->tmp_cap) {
		as_free(b->tmp);
		as_free(b->tmp2);
		b->tmp = as_malloc(df * sizeof(*b->tmp));
		b->tmp2 = as_malloc(df * sizeof(*b->tmp2));
		if (!b->tmp || !b->tmp2) {
			b->tmp_cap = 0;
			return AS_ENOMEM;
		}
		b->tmp_cap = df;
	}
	if (n_runs + 1 > b->runs_cap) {
		size_t *r = as_realloc(b->runs, (n_runs + 1) * sizeof(*r));
		if (!r)
			return AS_ENOMEM;
		b->runs = r;
		b->runs_cap = n_runs + 1;
	}
	return 0;
}

/*
 * Every key of word li appended to b->tmp (room for cap postings), each key's list a run
 * of its own starting at b->runs[*nr]; *nt and *nr move past them.
 */
static int bulk_collect(struct bulk *b, const struct segment *seg, const struct leaf *l, uint32_t li, uint32_t s,
			uint64_t cap, size_t *nt, uint32_t *nr)
{
	int rc = 0;

	for (uint32_t k = 0; k < l->seg_n_keys[s] && rc >= 0; k++) {
		const struct leaf_key *key = &l->seg_keys[s][k];
		struct postings *p;
		b->runs[(*nr)++] = *nt;
		if ((rc = postings_open_cached(seg, &key->info, 0, b->blocks, &p)) < 0)
			break;
		for (rc = postings_next(p); rc == 0;) {
			const uint32_t *docs, *tf[N_FIELDS];
			uint32_t at, n = postings_block_view(p, &docs, tf, &at);
			for (uint32_t i = at; i < n && *nt < cap; i++)
				post_put(&b->tmp[(*nt)++], docs[i], li, k, tf, i);
			rc = n ? postings_seek(p, docs[n - 1] + 1) : 1;
		}
		postings_free(p);
	}
	return rc < 0 ? rc : 0;
}

static int bulk_map(struct bulk *b, const struct segment *seg);

/* Whether the postings b->tmp[0..nt) of word li (or of every word, li < 0) are better
 * met through a bitmap of the segment's documents than merged: those words count every
 * field (so every posting passes), and their lists cover much of the segment. */
static int bulk_dense_fits(struct bulk *b, const struct segment *seg, size_t nt, int li)
{
	for (uint32_t i = 0; i < b->n_leaves; i++)
		if ((li < 0 || (uint32_t)li == i) &&
		    (b->leaves[i]->fields & ((1u << N_FIELDS) - 1)) != (1u << N_FIELDS) - 1)
			return 0;
	return nt > 0 && b->n_leaves <= 64 && (uint64_t)segment_n_docs(seg) <= 32 * (uint64_t)nt;
}

/*
 * What merge_runs() and the fold after it give, for lists that cover much of the
 * segment: the documents of b->tmp[0..nt) set in a bitmap, read back in order as the
 * candidates (b->map made on the way: the probes use it), then each posting folded into
 * its word's entry, in the order of the runs, so that sums add as the merge adds them.
 * A merge takes a step, a coin flip to the branch predictor, per posting and per level;
 * this takes two loads. The entries of word li are made (bulk_drive()), or of every word
 * (li < 0, bulk_union(): zero for a word absent from a candidate).
 */
static int bulk_dense(struct bulk *b, const struct segment *seg, uint32_t s, size_t nt, int li)
{
	uint32_t nd = segment_n_docs(seg), nw = (nd + 63) / 64, n = 0;
	int rc;

	if (nw > b->bits_cap) {
		as_free(b->bits);
		b->bits_cap = 0;
		if (!(b->bits = as_malloc((size_t)nw * sizeof(*b->bits))))
			return AS_ENOMEM;
		b->bits_cap = nw;
	}
	b->n = 0;
	if ((rc = bulk_map(b, seg)) < 0) /* allocates the map; no candidate yet */
		return rc;
	uint64_t *bits = b->bits;
	uint32_t *map = b->map, *docs = b->docs;
	const struct bulk_post *tmp = b->tmp;
	memset(bits, 0, (size_t)nw * sizeof(*bits));
	for (size_t j = 0; j < nt; j++)
		bits[tmp[j].doc >> 6] |= 1ull << (tmp[j].doc & 63);
	for (uint32_t w = 0; w < nw; w++)
		for (uint64_t x = bits[w]; x; x &= x - 1) {
			uint32_t d = w * 64 + (uint32_t)__builtin_ctzll(x);
			docs[n] = d;
			map[d] = ++n;
		}
	b->n = n;
	memset(b->alive, 1, n);
	if (li >= 0) {
		/* One word: its first key on a candidate sets the entry, the others add; hit[]
		 * (the probes' until they start) says which are set. */
		uint8_t *set = b->hit;
		memset(set, 0, n);
		for (size_t j = 0; j < nt; j++) {
			const struct bulk_post *t = &tmp[j];
			uint32_t c = map[t->doc] - 1;
			post_fold(&b->e[(size_t)li * b->cap + c], !set[c], b->leaves[li], s, t);
			set[c] = 1;
		}
		return 0;
	}
	/* Every word's entries zeroed, then added to: 0 + x is x, and a word absent from a
	 * candidate keeps its zeros. */
	for (uint32_t i = 0; i < b->n_leaves; i++)
		memset(&b->e[(size_t)i * b->cap], 0, (size_t)n * sizeof(*b->e));
	for (size_t j = 0; j < nt; j++) {
		const struct bulk_post *t = &tmp[j];
		post_fold(&b->e[(size_t)t->leaf * b->cap + map[t->doc] - 1], 0, b->leaves[t->leaf], s, t);
	}
	return 0;
}

/* The driving word's documents: every key's list decoded, merged in key order. */
static int bulk_drive(struct bulk *b, const struct segment *seg, const struct leaf *l, uint32_t s, uint32_t li)
{
	uint32_t nk = l->seg_n_keys[s];
	uint64_t df = leaf_seg_df(l, s);
	size_t nt = 0;
	int rc = 0;

	if ((rc = bulk_reserve(b, df)) < 0)
		return rc;
	b->n = 0;
	if (nk == 1) {
		/* One key: straight into the candidates. */
		const struct leaf_key *key = &l->seg_keys[s][0];
		struct bulk_entry *e = b->e + (size_t)li * b->cap;
		struct postings *p;
		if ((rc = postings_open_cached(seg, &key->info, 0, b->blocks, &p)) < 0)
			return rc;
		/* Locals: through b, every store would reload b->n and the arrays. */
		uint32_t *cd = b->docs, m = 0;
		uint8_t *alive = b->alive;
		const unsigned fields = l->fields;
		const double w = key->w;
		const uint32_t tw = key->title;
		for (rc = postings_next(p); rc == 0;) {
			const uint32_t *docs, *tf[N_FIELDS];
			uint32_t at, n = postings_block_view(p, &docs, tf, &at);
			if (n - at > df - m)
				n = at + (uint32_t)(df - m);
			if ((fields & ALL_FIELDS) == ALL_FIELDS)
				for (uint32_t i = at; i < n; i++, m++) {
					cd[m] = docs[i];
					bulk_set(&e[m], fields, w, tw, tf, i);
				}
			else
				for (uint32_t i = at; i < n; i++) {
					cd[m] = docs[i];
					m += bulk_set(&e[m], fields, w, tw, tf, i);
				}
			rc = n > at ? postings_seek(p, docs[n - 1] + 1) : 1;
		}
		/* After the loop: a store of a byte in it would reload every pointer. */
		memset(alive, 1, m);
		b->n = m;
		postings_free(p);
		return rc < 0 ? rc : 0;
	}
	uint32_t nr = 0;
	if ((rc = bulk_tmp(b, df, nk)) < 0 || (rc = bulk_collect(b, seg, l, li, s, df, &nt, &nr)) < 0)
		return rc;
	b->runs[nk] = nt;
	if (bulk_dense_fits(b, seg, nt, (int)li))
		return bulk_dense(b, seg, s, nt, (int)li);
	struct bulk_post *all = merge_runs(b, b->runs, nk);
	struct bulk_entry *e = b->e + (size_t)li * b->cap;
	for (size_t i = 0; i < nt;) {
		const struct bulk_post *t = &all[i];
		struct bulk_entry *x = &e[b->n];
		int pass = post_fold(x, 1, l, s, t);
		size_t j = i + 1;
		for (; j < nt && all[j].doc == t->doc; j++)
			pass |= post_fold(x, 0, l, s, &all[j]);
		if (pass) {
			b->docs[b->n] = t->doc;
			b->alive[b->n] = 1;
			b->n++;
		}
		i = j;
	}
	return 0;
}

/*
 * Candidate c + 1 at map[doc] for every candidate of the segment, 0 elsewhere: a list
 * meets the candidates by one load per posting, where a merge of the two sorted lists
 * takes a dependent step per document of either. Built on the first probe of a match,
 * cleared by bulk_unmap() (only the candidates' slots were written).
 */
static int bulk_map(struct bulk *b, const struct segment *seg)
{
	uint32_t nd = segment_n_docs(seg);

	if (b->mapped)
		return 0;
	if (nd > b->map_cap) {
		as_free(b->map);
		b->map = as_calloc(nd, sizeof(*b->map));
		b->map_cap = b->map ? nd : 0;
		if (!b->map)
			return AS_ENOMEM;
	}
	for (uint32_t c = 0; c < b->n; c++)
		b->map[b->docs[c]] = c + 1;
	b->mapped = 1;
	return 0;
}

static void bulk_unmap(struct bulk *b)
{
	if (!b->mapped)
		return;
	for (uint32_t c = 0; c < b->n; c++)
		b->map[b->docs[c]] = 0;
	b->mapped = 0;
}

/* The first candidate from c on whose document is after doc: a gallop, then halving. */
static uint32_t cand_after(const uint32_t *cdocs, uint32_t c, uint32_t cn, uint32_t doc)
{
	uint32_t step = 1, lo = c, hi;

	while (lo + step < cn && cdocs[lo + step] <= doc)
		lo += step, step *= 2;
	hi = lo + step < cn ? lo + step : cn;
	/* cdocs[lo] may still be <= doc; the answer is in (lo, hi]. */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (cdocs[mid] <= doc)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

enum { HIT_PASS = 1, HIT_SET = 2 };

/*
 * A block's postings mc/mi (candidate, index in the block) of the first key read: each
 * sets its candidate's entry and hit flags, none being set before (hit[] was cleared,
 * and a list has a document once). restrict: a byte store through hit[] may otherwise
 * alias anything, and every pointer of the loop would be reloaded after each.
 */
static void probe_set(struct bulk_entry *restrict e, uint8_t *restrict hit, const uint32_t *restrict mc,
		      const uint32_t *restrict mi, uint32_t nm, unsigned fields, double w, uint32_t tw,
		      const uint32_t *tf[N_FIELDS])
{
	if ((fields & ALL_FIELDS) == ALL_FIELDS) {
		/* Every posting passes: nothing to test. */
		for (uint32_t j = 0; j < nm; j++) {
			bulk_set(e + mc[j], fields, w, tw, tf, mi[j]);
			hit[mc[j]] = HIT_PASS | HIT_SET;
		}
		return;
	}
	for (uint32_t j = 0; j < nm; j++)
		hit[mc[j]] = (uint8_t)(bulk_set(e + mc[j], fields, w, tw, tf, mi[j]) | HIT_SET);
}

/*
 * Merges word l's keys with the candidates: entry li gets their frequencies, hit[c]
 * has HIT_PASS where some key passing the field mask has candidate c. A list much longer than the
 * live candidates is sought to each of them in turn; any other is read block by block,
 * each posting's candidate looked up in the map, blocks without candidates sought over.
 */
static int bulk_probe(struct bulk *b, const struct segment *seg, const struct leaf *l, uint32_t s, int li,
		      uint32_t live)
{
	uint32_t nk = l->seg_n_keys[s];
	/* A word's only key writes its entries (no zeroing, no reading back), as its first
	 * key read does; the others add theirs up. Excluded words write to a scratch entry. */
	int one;
	struct bulk_entry scratch, *e = li >= 0 && b->e ? b->e + (size_t)li * b->cap : NULL;
	const uint32_t *cdocs = b->docs;
	const uint8_t *alive = b->alive;
	uint8_t *hit = b->hit;
	const uint32_t cn = b->n;
	int rc = 0;

	/* hit[c]: HIT_PASS, and HIT_SET once a key set candidate c's entry: the first key
	 * there sets it, the others add (the entries are not zeroed: only those of the
	 * candidates left alive, all of them set, are read). */
	memset(hit, 0, cn);
	memset(&scratch, 0, sizeof(scratch));
	/* The first key read sets every entry it reaches (none is set before it): of the
	 * first two, the longer list, since a + b is b + a (the third on adds in key order,
	 * as leaf_freqs() sums: the same scores). */
	uint32_t swap = nk >= 2 && l->seg_keys[s][1].info.doc_freq > l->seg_keys[s][0].info.doc_freq;
	for (uint32_t kk = 0; kk < nk && rc >= 0; kk++) {
		uint32_t k = kk < 2 ? kk ^ swap : kk;
		const struct leaf_key *key = &l->seg_keys[s][k];
		struct postings *p;
		uint32_t c = 0;
		one = nk == 1 || kk == 0;
		if ((rc = postings_open_cached(seg, &key->info, 0, b->blocks, &p)) < 0)
			break;
		if ((uint64_t)live * RANK_PROBE_SPARSE < key->info.doc_freq) {
			for (; c < cn; c++) {
				const uint32_t *docs, *tf[N_FIELDS];
				uint32_t i;
				if (!alive[c])
					continue;
				if ((rc = postings_seek(p, cdocs[c])) != 0)
					break;
				postings_block_view(p, &docs, tf, &i);
				if (docs[i] != cdocs[c])
					continue;
				struct bulk_entry *x = e ? e + c : &scratch;
				int first = one || !(hit[c] & HIT_SET);
				if (first ? bulk_set(x, l->fields, key->w, key->title, tf, i)
					  : bulk_add(x, l->fields, key->w, key->title, tf, i))
					hit[c] |= HIT_PASS;
				hit[c] |= HIT_SET;
			}
			postings_free(p);
			continue;
		}
		if ((rc = bulk_map(b, seg)) < 0) {
			postings_free(p);
			break;
		}
		const uint32_t *map = b->map;
		while (c < cn) {
			const uint32_t *docs, *tf[N_FIELDS];
			uint32_t i, n, mi[CODEC_BLOCK], mc[CODEC_BLOCK], nm = 0;
			while (c < cn && !alive[c])
				c++;
			if (c == cn || (rc = postings_seek(p, cdocs[c])) != 0)
				break;
			n = postings_block_view(p, &docs, tf, &i);
			/* Every posting writes its pair where the next one goes, kept only when
			 * it is a candidate's: no branch on what is a coin flip. */
			for (; i < n; i++) {
				uint32_t m = map[docs[i]];
				mi[nm] = i;
				mc[nm] = m - 1;
				nm += m != 0;
			}
			const unsigned fields = l->fields;
			const double w = key->w;
			const uint32_t tw = key->title;
			if (e && one) {
				probe_set(e, hit, mc, mi, nm, fields, w, tw, tf);
				c = cand_after(cdocs, c, cn, docs[n - 1]);
				continue;
			}
			/* Whether each passes into a local first: a store through hit[] (bytes,
			 * which may alias anything) would reload every pointer of the loop. */
			uint8_t pass[CODEC_BLOCK];
			if (!e)
				for (uint32_t j = 0; j < nm; j++)
					pass[j] = (uint8_t)bulk_add(&scratch, fields, w, tw, tf, mi[j]);
			else {
				uint8_t set[CODEC_BLOCK];
				for (uint32_t j = 0; j < nm; j++)
					set[j] = hit[mc[j]] & HIT_SET;
				for (uint32_t j = 0; j < nm; j++)
					pass[j] = (uint8_t)(set[j] ? bulk_add(e + mc[j], fields, w, tw, tf, mi[j])
								   : bulk_set(e + mc[j], fields, w, tw, tf, mi[j]));
			}
			for (uint32_t j = 0; j < nm; j++)
				hit[mc[j]] |= pass[j] | HIT_SET;
			c = cand_after(cdocs, c, cn, docs[n - 1]);
		}
		postings_free(p);
	}
	return rc < 0 ? rc : 0;
}

/* Keeps alive the candidates whose HIT_PASS is `keep` (they are not moved: the entries of
 * every word would have to be); returns how many are. */
static uint32_t bulk_keep(struct bulk *b, int keep)
{
	const uint64_t ones = 0x0101010101010101ull, flip = keep ? 0 : HIT_PASS * ones;
	uint8_t *alive = b->alive;
	const uint8_t *hit = b->hit;
	uint32_t m = 0, n = b->n, c = 0;

	/* Eight flags at a time (each byte 0 or 1; HIT_PASS is bit 0): the byte sum of the
	 * alive ones is the top byte of their product by 0x0101...01. */
	for (; c + 8 <= n; c += 8) {
		uint64_t a, h;
		memcpy(&a, alive + c, 8);
		memcpy(&h, hit + c, 8);
		a &= (h & ones) ^ flip;
		memcpy(alive + c, &a, 8);
		m += (uint32_t)((a * ones) >> 56);
	}
	for (; c < n; c++) {
		alive[c] &= (hit[c] & HIT_PASS) ^ (uint8_t)(flip & 1);
		m += alive[c];
	}
	return m;
}

/*
 * Words of which any may be there (the visitor's OR, or a relaxed query): every key's
 * list decoded, one run each, merged in document order (equal documents in word then
 * key order, so sums add as the iterators add them); each document a candidate with its
 * words' entries, zero for a word that is not there (nothing to add: or_score() skips
 * it) or does not pass its field mask (the iterator skips such a document).
 */
static int bulk_union(struct bulk *b, const struct segment *seg, uint32_t s)
{
	uint32_t nl = b->n_leaves, nr = 0;
	uint64_t df = 0;
	size_t nt = 0;
	int rc = 0;

	for (uint32_t i = 0; i < nl; i++) {
		nr += b->leaves[i]->seg_n_keys[s];
		df += leaf_seg_df(b->leaves[i], s);
	}
	if ((rc = bulk_reserve(b, df)) < 0 || (rc = bulk_tmp(b, df, nr)) < 0)
		return rc;
	b->n = 0;
	nr = 0;
	for (uint32_t i = 0; i < nl; i++)
		if ((rc = bulk_collect(b, seg, b->leaves[i], i, s, df, &nt, &nr)) < 0)
			return rc;
	b->runs[nr] = nt;
	if (bulk_dense_fits(b, seg, nt, -1))
		return bulk_dense(b, seg, s, nt, -1);
	const struct bulk_post *all = nr ? merge_runs(b, b->runs, nr) : b->tmp;
	uint64_t pass;
	for (size_t j = 0; j < nt;) {
		uint32_t doc = all[j].doc, c = b->n;
		uint64_t seen = 0;
		pass = 0;
		for (; j < nt && all[j].doc == doc; j++) {
			const struct bulk_post *t = &all[j];
			uint64_t bit = 1ull << t->leaf;
			if (post_fold(&b->e[(size_t)t->leaf * b->cap + c], !(seen & bit), b->leaves[t->leaf], s, t))
				pass |= bit;
			seen |= bit;
		}
		for (uint32_t i = 0; i < nl; i++)
			if (!(pass >> i & 1))
				memset(&b->e[(size_t)i * b->cap + c], 0, sizeof(*b->e));
		if (pass) {
			b->docs[c] = doc;
			b->alive[c] = 1;
			b->n++;
		}
	}
	return 0;
}

static int bulk_leaves(struct bulk *b, uint32_t nl)
{
	if (nl > b->leaves_cap) {
		const struct leaf **l = as_realloc(b->leaves, nl * sizeof(*l));
		if (!l)
			return AS_ENOMEM;
		b->leaves = l;
		b->leaves_cap = nl;
	}
	b->n_leaves = nl;
	return 0;
}

/* Whether a leaf of the node (a word, its kids, its exclusions) has keys that only score
 * in segment s: the iterators handle those. */
static int node_has_opt(const struct pnode *node, uint32_t s)
{
	if (node->kind == PN_LEAF) {
		for (uint32_t k = 0; k < node->leaf->seg_n_keys[s]; k++)
			if (node->leaf->seg_keys[s][k].opt)
				return 1;
		return 0;
	}
	for (uint32_t i = 0; i < node->n_kids; i++)
		if (node_has_opt(node->kids[i], s))
			return 1;
	for (uint32_t i = 0; i < node->n_nots; i++)
		if (node_has_opt(node->nots[i], s))
			return 1;
	return 0;
}

static int match(struct bulk *b, const struct plan *plan, const struct index *idx, uint32_t s, uint32_t *n)
{
	const struct pnode *root = plan->root;
	const struct segment *seg = index_segment(idx, s);
	uint32_t nl = root->kind == PN_LEAF ? 1 : root->n_kids, drive = 0, left;
	uint64_t best = UINT64_MAX;
	int rc;

	*n = 0;
	b->n = 0;
	b->blocks = plan->blocks;
	b->seg_no = s;
	if (node_has_opt(root, s))
		return 1;
	/* Any of the words: OR, or the relaxed query's AND of an OR with exclusions. */
	const struct pnode *any = root->kind == PN_OR ? root
				  : root->kind == PN_AND && root->n_kids == 1 && root->kids[0]->kind == PN_OR ? root->kids[0]
													   : NULL;
	if (any) {
		uint64_t total = 0;
		if (any->n_kids > 64)
			return 1;
		for (uint32_t i = 0; i < any->n_kids; i++)
			if (any->kids[i]->kind != PN_LEAF)
				return 1;
		for (uint32_t i = 0; root != any && i < root->n_nots; i++)
			if (root->nots[i]->kind != PN_LEAF)
				return 1;
		if ((rc = bulk_leaves(b, any->n_kids)) < 0)
			return rc;
		for (uint32_t i = 0; i < any->n_kids; i++) {
			b->leaves[i] = any->kids[i]->leaf;
			total += leaf_seg_df(b->leaves[i], s);
		}
		if (total == 0)
			return 0;
		if ((rc = bulk_union(b, seg, s)) < 0)
			return rc;
		left = b->n;
		for (uint32_t i = 0; root != any && i < root->n_nots && left; i++) {
			if ((rc = bulk_probe(b, seg, root->nots[i]->leaf, s, -1, left)) < 0)
				return rc;
			left = bulk_keep(b, 0);
		}
		*n = left ? b->n : 0;
		return 0;
	}
	if ((root->kind != PN_LEAF && root->kind != PN_AND) || nl > QUERY_MAX_TERMS)
		return 1;
	if (root->kind == PN_AND) {
		for (uint32_t i = 0; i < root->n_kids; i++)
			if (root->kids[i]->kind != PN_LEAF)
				return 1;
		for (uint32_t i = 0; i < root->n_nots; i++)
			if (root->nots[i]->kind != PN_LEAF)
				return 1;
	}
	if ((rc = bulk_leaves(b, nl)) < 0)
		return rc;
	uint64_t df[QUERY_MAX_TERMS], cost = UINT64_MAX;
	for (uint32_t i = 0; i < nl; i++) {
		b->leaves[i] = root->kind == PN_LEAF ? root->leaf : root->kids[i]->leaf;
		df[i] = leaf_seg_df(b->leaves[i], s);
		best = df[i] < best ? df[i] : best;
		/* The candidates are the same whichever word drives (all must be there), and a
		 * probe reads a list of many documents whole: a word of one key drives straight
		 * from its list, one of several merges them first, which costs about as much
		 * as reading them twice. */
		uint64_t c = df[i] * (b->leaves[i]->seg_n_keys[s] > 1 ? 2 : 1);
		if (c < cost)
			cost = c, drive = i;
	}
	if (best == 0)
		return 0;
	if ((rc = bulk_drive(b, seg, b->leaves[drive], s, drive)) < 0)
		return rc;
	left = b->n;
	/* The rarer words first: each leaves fewer candidates to the next. */
	uint32_t order[QUERY_MAX_TERMS], no = 0;
	for (uint32_t i = 0; i < nl; i++) {
		if (i == drive)
			continue;
		uint32_t j = no++;
		while (j > 0 && df[order[j - 1]] > df[i]) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	for (uint32_t o = 0; o < no && left; o++) {
		if ((rc = bulk_probe(b, seg, b->leaves[order[o]], s, (int)order[o], left)) < 0)
			return rc;
		left = bulk_keep(b, 1);
	}
	for (uint32_t i = 0; root->kind == PN_AND && i < root->n_nots && left; i++) {
		if ((rc = bulk_probe(b, seg, root->nots[i]->leaf, s, -1, left)) < 0)
			return rc;
		left = bulk_keep(b, 0);
	}
	*n = left ? b->n : 0;
	return 0;
}

int bulk_match(struct bulk *b, const struct plan *plan, const struct index *idx, uint32_t s, uint32_t *n)
{
	int rc = match(b, plan, idx, s, n);

	bulk_unmap(b);
	return rc;
}

void bulk_view(const struct bulk *b, const uint32_t **docs, const uint8_t **alive)
{
	*docs = b->docs;
	*alive = b->alive;
}

/*
 * Nonzero when the entry has title or tags occurrences: the bits of its two sums, which
 * are +0 exactly when no key has any (weights are positive, frequencies are not
 * negative), ORed with its title count: no compare and branch per field.
 */
static inline uint64_t entry_other(const struct bulk_entry *x)
{
	uint64_t t, g;

	memcpy(&t, &x->wtf[FIELD_TITLE], sizeof(t));
	memcpy(&g, &x->wtf[FIELD_TAGS], sizeof(g));
	return t | g | x->title;
}

/* ctx_set_doc()'s norm of field f for a document of the tables. */
static inline double bulk_norm(struct score_ctx *ctx, enum field f, const struct segment_tables *t, uint32_t doc)
{
	return ctx_norm(ctx, f, segment_tables_len(t, doc, f));
}

/*
 * bulk_score() without the score_ctx per candidate: the same operations in the same
 * order as set_doc() + bulk_score(), hence the same scores, with no bookkeeping between
 * one candidate's divisions and the next one's.
 */
uint32_t bulk_score_all(struct bulk *b, struct score_ctx *ctx, const struct plan *plan, const struct segment *seg,
			const uint32_t *cs, uint32_t n, double floor, double *out, uint8_t *title, uint32_t base,
			uint32_t *keep, uint32_t *n_keep)
{
	uint64_t all = plan->n_slots >= 64 ? ~0ull : (1ull << plan->n_slots) - 1;
	uint32_t nl = b->n_leaves;
	struct segment_tables t;
	const struct bulk_entry *e[QUERY_MAX_TERMS];
	uint64_t bit[QUERY_MAX_TERMS];
	unsigned mask[QUERY_MAX_TERMS];
	double idf[QUERY_MAX_TERMS];
	uint32_t nk = 0;

	*n_keep = 0;
	if (n == 0)
		return 0; /* and b->e may not be allocated yet */
	if (nl > QUERY_MAX_TERMS) {
		/* Not a plan the parser makes: the caller's exact path for each. */
		memset(title, 1, n);
		for (uint32_t j = 0; j < n; j++)
			keep[j] = base + j;
		*n_keep = n;
		return n;
	}
	ctx_len_w(ctx, plan);
	/*
	 * Words in the body only score S = sum of idf_i sat(tf~_i), with tf~_i = wtf_i W /
	 * (1 - B + len_w len) and sat increasing and concave: by Jensen's inequality S is at
	 * most I sat(T), I the sum of the idf_i and T = sum of idf_i tf~_i / I. So S reaches
	 * floor only if T >= u = sat^-1(floor / I), that is sum of idf_i wtf_i W >= u I (1 - B
	 * + len_w len): products where the score costs a division per word and one for the
	 * norm. u is lowered by a margin far above the rounding of either side, so a document
	 * skipped is surely below floor, and a tie is never skipped. Once the best few are
	 * kept, most documents of common words are skipped so.
	 */
	double u = -1, ui = 0;
	uint32_t scored = n;
	if (floor > 0) {
		double sum = 0;
		for (uint32_t i = 0; i < nl; i++) {
			const struct leaf *l = b->leaves[i];
			/* A word without a key in the segment (the word of a relaxed query that
			 * nothing has) adds idf x sat(0), exactly 0, to every score: not its
			 * idf to the bound, which it would make too loose to leave any. */
			if (l->seg_n_keys[b->seg_no] == 0)
				continue;
			if (!(l->idf > 0) || !(l->fields & (1u << FIELD_BODY))) {
				sum = 0;
				break;
			}
			sum += l->idf;
		}
		if (sum > 0) {
			double cap = sum * (RANK_K1 + 1.0);
			u = floor >= cap ? HUGE_VAL : floor * RANK_K1 / (cap - floor) * (1 - 1e-9);
			ui = u * sum;
		}
	}
	segment_tables(seg, &t);
	for (uint32_t i = 0; i < nl; i++) {
		const struct leaf *l = b->leaves[i];
		e[i] = b->e + (size_t)i * b->cap;
		mask[i] = l->fields;
		idf[i] = l->idf;
		bit[i] = l->slot >= 0 && (uint32_t)l->slot < ctx->n_slots && (l->fields & (1u << FIELD_TITLE))
				 ? 1ull << (l->slot & 63)
				 : 0;
	}
	/*
	 * A field's norm is worked out only when some word occurs in it (a zero frequency
	 * adds exactly nothing): the commonest match, every word in the body only, needs one
	 * division for the body's norm and one saturation per word.
	 */
	for (uint32_t j = 0; j < n; j++) {
		uint32_t c = cs[j], doc = b->docs[c];
		double fn[N_FIELDS], s = 0;
		unsigned have = 0;
		uint64_t tbits = 0;
		if (u >= 0) {
			double a = 0;
			uint64_t other = 0;
			for (uint32_t i = 0; i < nl; i++) {
				const struct bulk_entry *x = &e[i][c];
				other |= entry_other(x);
				a += idf[i] * x->wtf[FIELD_BODY];
			}
			double d = 1.0 - field_b[FIELD_BODY] + ctx->len_w[FIELD_BODY] * segment_tables_len(&t, doc, FIELD_BODY);
			if (!other && a * field_w[FIELD_BODY] < ui * d) {
				out[j] = -HUGE_VAL;
				title[j] = 0;
				scored--;
				continue;
			}
		}
		for (uint32_t i = 0; i < nl; i++) {
			const struct bulk_entry *x = &e[i][c];
			double tfn = 0;
			if (!entry_other(x) && (mask[i] & (1u << FIELD_BODY))) {
				/* The commonest: the word in the body only. */
				if (!(have & (1u << FIELD_BODY))) {
					fn[FIELD_BODY] = bulk_norm(ctx, FIELD_BODY, &t, doc);
					have |= 1u << FIELD_BODY;
				}
				tfn = x->wtf[FIELD_BODY] * fn[FIELD_BODY];
			} else {
				for (int f = 0; f < N_FIELDS; f++) {
					if (!(mask[i] & (1u << f)) || x->wtf[f] == 0)
						continue;
					if (!(have & (1u << f))) {
						fn[f] = bulk_norm(ctx, (enum field)f, &t, doc);
						have |= 1u << f;
					}
					tfn += x->wtf[f] * fn[f];
				}
			}
			if (x->title)
				tbits |= bit[i];
			/* No test on tf~ (is it 0, as the last word's?): its division is not done
			 * yet, and a branch waiting on it, mispredicted, throws away the next
			 * words' and documents' divisions. A word not there adds idf x 0, +0. */
			s += idf[i] * saturate(tfn);
		}
		/* The whole title bonus needs every word in the title (and a title): only
		 * there is it worth the caller's exact scoring through the context. Some
		 * words only need which ones. */
		tbits &= all;
		title[j] = 0;
		if (tbits && segment_tables_len(&t, doc, FIELD_TITLE)) {
			if (tbits == all)
				title[j] = 1;
			else
				s += rank_title_part(plan->slot_idf, plan->n_slots, tbits);
		}
		out[j] = s;
		/* Without a branch: whether it reaches the floor is a coin flip. */
		keep[nk] = base + j;
		nk += title[j] | (s >= floor);
	}
	*n_keep = nk;
	return scored;
}

uint64_t bulk_body_slots(const struct bulk *b, uint32_t c, uint32_t n_slots)
{
	uint64_t bits = 0;

	for (uint32_t i = 0; i < b->n_leaves; i++) {
		const struct leaf *l = b->leaves[i];
		if (l->slot >= 0 && (uint32_t)l->slot < n_slots && b->e[(size_t)i * b->cap + c].body)
			bits |= 1ull << (l->slot & 63);
	}
	return bits;
}

double bulk_score(const struct bulk *b, uint32_t c, struct score_ctx *ctx)
{
	double s = 0;

	for (uint32_t i = 0; i < b->n_leaves; i++) {
		const struct bulk_entry *e = &b->e[(size_t)i * b->cap + c];
		s += leaf_formula(b->leaves[i], b->leaves[i]->fields, e->wtf, e->title, e->body, ctx);
	}
	return s;
}

/* ---- Building ------------------------------------------------------------------------- */

static int build_kids(const struct plan *plan, const struct index *idx, uint32_t s,
		      struct pnode *const *nodes, uint32_t n, struct qiter **kids)
{
	int rc;

	for (uint32_t i = 0; i < n; i++)
		if ((rc = iter_build(plan, idx, s, nodes[i], &kids[i])) < 0) {
			while (i-- > 0)
				iter_free(kids[i]);
			return rc;
		}
	return 0;
}

int iter_build(const struct plan *plan, const struct index *idx, uint32_t s, const struct pnode *node,
	       struct qiter **out)
{
	int rc;

	*out = NULL;
	switch (node->kind) {
	case PN_LEAF:
		return leaf_build(plan, idx, s, node->leaf, out);
	case PN_AND:
	case PN_PHRASE: {
		size_t size = node->kind == PN_AND ? sizeof(struct and_iter) : sizeof(struct phrase_iter);
		struct and_iter *a = as_calloc(1, size + (node->n_kids + node->n_nots) * sizeof(struct qiter *));
		if (!a)
			return AS_ENOMEM;
		a->it.ops = node->kind == PN_AND ? &and_ops : &phrase_ops;
		a->kids = (struct qiter **)((char *)a + size);
		a->nots = a->kids + node->n_kids;
		if ((rc = build_kids(plan, idx, s, node->kids, node->n_kids, a->kids)) < 0) {
			as_free(a);
			return rc;
		}
		a->n = node->n_kids;
		if ((rc = build_kids(plan, idx, s, node->nots, node->n_nots, a->nots)) < 0) {
			and_free(&a->it);
			return rc;
		}
		a->n_nots = node->n_nots;
		if (node->kind == PN_PHRASE) {
			struct phrase_iter *ph = (struct phrase_iter *)a;
			ph->offsets = node->offsets;
			ph->mask = node->kids[0]->leaf->fields;
			ph->slot = node->kids[0]->leaf->slot;
			for (uint32_t i = 1; i < node->n_kids; i++)
				if (node->kids[i]->leaf->slot != ph->slot)
					ph->slot = -1;
		}
		*out = &a->it;
		return 0;
	}
	case PN_OR:
	case PN_MAX: {
		struct or_iter *o = as_calloc(1, sizeof(*o) + node->n_kids * sizeof(struct qiter *));
		if (!o)
			return AS_ENOMEM;
		o->it.ops = &or_ops;
		o->kids = (struct qiter **)(o + 1);
		o->max = node->kind == PN_MAX;
		if ((rc = build_kids(plan, idx, s, node->kids, node->n_kids, o->kids)) < 0) {
			as_free(o);
			return rc;
		}
		o->n = node->n_kids;
		*out = &o->it;
		return 0;
	}
	}
	return AS_EINVAL;
}

void iter_free(struct qiter *it)
{
	if (it)
		it->ops->free(it);
}
