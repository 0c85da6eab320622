#include "common/query/iter.h"

#include <string.h>

#include "common/query/plan.h"
#include "common/query/rank.h"
#include "common/util/error.h"
#include "common/util/mem.h"

static const double field_w[N_FIELDS] = { RANK_W_TITLE, RANK_W_TAGS, RANK_W_BODY };
static const double field_b[N_FIELDS] = { RANK_B_TITLE, RANK_B_TAGS, RANK_B_BODY };

void ctx_set_doc(struct score_ctx *ctx, const struct plan *plan, const uint32_t len[N_FIELDS])
{
	for (int f = 0; f < N_FIELDS; f++) {
		ctx->len[f] = len[f];
		ctx->fnorm[f] = field_w[f] / (1.0 - field_b[f] + field_b[f] * len[f] / plan->avg_len[f]);
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
	unsigned mask;            /* fields that count */
	int masked;               /* mask is not every field: a match needs tf > 0 in it */
	double norm_a[N_FIELDS];  /* 1 - B_f */
	double norm_b[N_FIELDS];  /* B_f / avglen_f */
	uint32_t *pos;            /* merged positions */
	uint32_t pos_cap;
};

static uint32_t key_doc(struct postings *p, int rc)
{
	return rc == 0 ? postings_doc(p) : QITER_END;
}

static int leaf_masked_tf(struct leaf_iter *li)
{
	uint32_t tf[N_FIELDS];

	for (uint32_t k = 0; k < li->n; k++) {
		if (li->cur[k] != li->it.doc)
			continue;
		postings_freqs(li->p[k], tf);
		for (int f = 0; f < N_FIELDS; f++)
			if ((li->mask & (1u << f)) && tf[f] > 0)
				return 1;
	}
	return 0;
}

/* Positions it.doc on the smallest current key document that passes the field mask. */
static int leaf_settle(struct leaf_iter *li)
{
	for (;;) {
		uint32_t m = QITER_END;
		for (uint32_t k = 0; k < li->n; k++)
			if (li->cur[k] < m)
				m = li->cur[k];
		li->it.doc = m;
		if (m == QITER_END)
			return 1;
		if (!li->masked || leaf_masked_tf(li))
			return 0;
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

static double leaf_score(struct qiter *it, struct score_ctx *ctx)
{
	struct leaf_iter *li = (struct leaf_iter *)it;
	double tfn = 0, s;
	uint32_t raw[N_FIELDS], title = 0, body = 0;
	const double fw[N_FIELDS] = {
		(li->mask & (1u << FIELD_TITLE)) ? ctx->fnorm[FIELD_TITLE] : 0,
		(li->mask & (1u << FIELD_TAGS)) ? ctx->fnorm[FIELD_TAGS] : 0,
		(li->mask & (1u << FIELD_BODY)) ? ctx->fnorm[FIELD_BODY] : 0,
	};

	for (uint32_t k = 0; k < li->n; k++) {
		if (li->cur[k] != it->doc)
			continue;
		postings_freqs(li->p[k], raw);
		tfn += li->w[k] * (raw[FIELD_TITLE] * fw[FIELD_TITLE] + raw[FIELD_TAGS] * fw[FIELD_TAGS] +
				   raw[FIELD_BODY] * fw[FIELD_BODY]);
		title += raw[FIELD_TITLE];
		body += raw[FIELD_BODY];
	}
	s = li->leaf->idf * saturate(tfn);
	int slot = li->leaf->slot;
	if (slot >= 0 && (uint32_t)slot < ctx->n_slots) {
		if (!ctx->slot_iter[slot])
			ctx->slot_iter[slot] = li;
		if (!(li->mask & (1u << FIELD_TITLE)))
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

static double leaf_bound(struct qiter *it, uint32_t target, uint32_t *last, uint64_t *title_slots)
{
	struct leaf_iter *li = (struct leaf_iter *)it;
	uint32_t mtf[N_FIELDS], mlen[N_FIELDS];
	double tfn = 0;

	*last = QITER_END;
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
			return 1e30;
		}
		uint32_t bl = postings_block_last(li->p[k]);
		if (bl < *last)
			*last = bl;
		postings_block_max(li->p[k], mtf, mlen);
		if (mtf[FIELD_TITLE] && (li->mask & (1u << FIELD_TITLE)) && li->leaf->slot >= 0)
			*title_slots |= 1ull << (li->leaf->slot & 63);
		for (int f = 0; f < N_FIELDS; f++)
			if ((li->mask & (1u << f)) && mtf[f] > 0)
				tfn += li->w[k] * field_w[f] * mtf[f] / (li->norm_a[f] + li->norm_b[f] * mlen[f]);
	}
	if (*last < target)
		*last = target;
	return li->leaf->idf * saturate(tfn);
}

static void leaf_free(struct qiter *it)
{
	struct leaf_iter *li = (struct leaf_iter *)it;

	for (uint32_t k = 0; k < li->n; k++)
		postings_free(li->p[k]);
	as_free(li->pos);
	as_free(li);
}

static const struct qiter_ops leaf_ops = { leaf_next, leaf_seek, leaf_score, leaf_bound, leaf_free };

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
	struct leaf_iter *li = as_calloc(1, sizeof(*li) + n * (sizeof(struct postings *) + sizeof(uint32_t) + sizeof(double)));
	int rc;

	if (!li)
		return AS_ENOMEM;
	li->it.ops = &leaf_ops;
	li->leaf = l;
	li->w = (double *)(li + 1);
	li->p = (struct postings **)(li->w + n);
	li->cur = (uint32_t *)(li->p + n);
	li->mask = l->fields;
	li->masked = (l->fields & ((1u << N_FIELDS) - 1)) != (1u << N_FIELDS) - 1;
	for (int f = 0; f < N_FIELDS; f++) {
		li->norm_a[f] = 1.0 - field_b[f];
		li->norm_b[f] = field_b[f] / plan->avg_len[f];
	}
	for (uint32_t k = 0; k < n; k++) {
		const struct leaf_key *key = &l->seg_keys[s][k];
		if ((rc = postings_open(seg, &key->info, plan->positions ? POSTINGS_POSITIONS : 0, &li->p[li->n])) < 0) {
			leaf_free(&li->it);
			return rc;
		}
		li->w[li->n] = key->w;
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

static void and_free(struct qiter *it)
{
	struct and_iter *a = (struct and_iter *)it;

	for (uint32_t i = 0; i < a->n; i++)
		iter_free(a->kids[i]);
	for (uint32_t i = 0; i < a->n_nots; i++)
		iter_free(a->nots[i]);
	as_free(a);
}

static const struct qiter_ops and_ops = { and_next, and_seek, and_score, and_bound, and_free };

/* ---- Disjunction: OR (scores add up) and MAX (the best alternative scores) --------- */

struct or_iter {
	struct qiter it;
	struct qiter **kids;
	uint32_t n;
	int max;
};

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
		if (o->kids[i]->doc == it->doc) {
			double k = o->kids[i]->ops->score(o->kids[i], ctx);
			if (!o->max)
				s += k;
			else if (k > s)
				s = k;
		}
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
		if (!o->max)
			s += k;
		else if (k > s)
			s = k;
	}
	return s;
}

static void or_free(struct qiter *it)
{
	struct or_iter *o = (struct or_iter *)it;

	for (uint32_t i = 0; i < o->n; i++)
		iter_free(o->kids[i]);
	as_free(o);
}

static const struct qiter_ops or_ops = { or_next, or_seek, or_score, or_bound, or_free };

/* ---- Phrase: a conjunction of leaves at fixed relative positions ------------------- */

struct phrase_iter {
	struct and_iter a;  /* first: the conjunction of the words */
	const uint32_t *offsets;
	unsigned mask;
};

static int phrase_at(struct phrase_iter *ph, int *ok)
{
	static const enum field fields[] = { FIELD_TITLE, FIELD_TAGS, FIELD_BODY };
	const uint32_t *pos[32];
	uint32_t n[32], at[32];
	uint32_t nk = ph->a.n < 32 ? ph->a.n : 32;
	int rc;

	*ok = 0;
	for (size_t fi = 0; fi < 3; fi++) {
		enum field f = fields[fi];
		uint32_t j;
		if (!(ph->mask & (1u << f)))
			continue;
		for (j = 0; j < nk; j++) {
			if ((rc = leaf_iter_positions((struct leaf_iter *)ph->a.kids[j], f, &pos[j], &n[j])) < 0)
				return rc;
			if (n[j] == 0)
				break;
			at[j] = 0;
		}
		if (j < nk)
			continue;
		for (uint32_t i = 0; i < n[0]; i++) {
			uint32_t p0 = pos[0][i];
			for (j = 1; j < nk; j++) {
				uint32_t want = p0 + ph->offsets[j];
				while (at[j] < n[j] && pos[j][at[j]] < want)
					at[j]++;
				if (at[j] == n[j] || pos[j][at[j]] != want)
					break;
			}
			if (j == nk) {
				*ok = 1;
				return 0;
			}
		}
	}
	return 0;
}

static int phrase_find(struct phrase_iter *ph, uint32_t t)
{
	int rc, ok;

	for (;;) {
		if ((rc = and_align(&ph->a, t)) != 0)
			return rc;
		if ((rc = phrase_at(ph, &ok)) < 0)
			return rc;
		if (ok)
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

static const struct qiter_ops phrase_ops = { phrase_next, phrase_seek, and_score, and_bound, and_free };

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
