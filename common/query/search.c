#include "common/query/search.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <utf8proc.h>

#include "common/index/index.h"
#include "common/query/iter.h"
#include "common/query/limits.h"
#include "common/query/parse.h"
#include "common/query/plan.h"
#include "common/query/rank.h"
#include "common/query/snippet.h"
#include "common/query/synonyms.h"
#include "common/text/analyzer.h"
#include "common/text/doc_type.h"
#include "common/util/arena.h"
#include "common/util/buf.h"
#include "common/util/error.h"
#include "common/util/mem.h"

/*
 * search_run(): parse -> plan -> for each segment, one pass over every match that
 * counts it (total, facets: exact over all matches) and gives the first-phase score
 * (BM25F + title bonus) only to the documents that could still enter the best
 * RANK_RERANK: a document whose block-max bound (iter.h) plus the largest title bonus
 * cannot beat the worst kept score so far is counted and skipped (the bulk path,
 * cheaper per match, scores them all, but for the matches of a single word that surely
 * score below the kept ones). Then the second phase: the proximity bonus, which decodes
 * positions, for the kept candidates only, and the final order. Ties are broken by index
 * order (segment, document), so the pruned and the exhaustive runs return the same hits
 * with the same scores.
 */

enum { FACET_TYPE, FACET_YEAR, FACET_DEPARTMENT, N_FACETS };
static const char *const facet_names[N_FACETS] = { "type", "year", "department" };

#define YEAR_MIN 1900
#define N_YEARS 256

struct cand {
	double score; /* first phase, then final once reranked */
	double prox;  /* proximity bonus, if has_prox */
	int has_prox;
	int reranked; /* score includes prox: among the RANK_RERANK best of the first phase */
	double recent; /* the recency bonus the score includes (rerank), 0 without */
	int32_t date;
	uint32_t seg, doc;
	uint64_t body_slots; /* query words found in its body, for the snippet */
};

struct facet_val {
	const char *name;
	uint64_t count;
};

struct facet {
	struct facet_val *vals;
	uint32_t n, cap;
};

struct search_hit {
	uint32_t seg, doc;
	double score;
	struct stored_doc sd;
	const char *snippet;
	const char *explain;
};

struct search_result {
	const char *query;
	uint64_t total;
	uint32_t page, limit;
	double took_ms;
	int relaxed;
	int cut; /* words past the bounds of limits.h were left out */
	struct search_hit *hits;
	uint32_t n_hits;
	struct facet facets[N_FACETS];
	const char *suggestion;
	int explain;
	uint64_t n_scored; /* matches scored to the end (the rest were pruned) */
};

/*
 * A cache of the fields hits show (id, title, url, date, type, department), per
 * searcher: stored fields come in compressed blocks of many documents (FORMAT.md), and
 * decompressing one per hit would cost more than the whole search. Direct-mapped on
 * (segment, document); an entry is valid for the index object and generation that
 * filled it, so a reloaded index (a new generation) never sees stale fields.
 */
#define DOC_CACHE_SIZE 4096
enum { DC_ID, DC_TITLE, DC_URL, DC_DATE, DC_TYPE, DC_DEPARTMENT, N_DC };

struct doc_cache_entry {
	const struct index *idx;
	uint64_t generation;
	uint32_t seg, doc;
	char *blob;              /* the fields, NUL-separated; as_malloc'd */
	const char *fields[N_DC];
};

struct searcher {
	struct doc_cache_entry *cache; /* [DOC_CACHE_SIZE], allocated on first use */
	struct analyzer *an;
	struct synonyms *syn;
	struct arena *arena;
	struct search_result res;
	struct cand *heap;
	uint32_t heap_cap;
	uint32_t *counts[2]; /* per-segment counts by value id: type, department */
	uint32_t count_cap[2];
	uint32_t years[N_YEARS];
	int32_t year_lo, year_hi; /* the slots of years[] counted into: none when lo > hi */
	struct bulk *bulk;
	struct block_cache *blocks; /* the query's decoded blocks, emptied at each */
	uint32_t *b_cand;    /* the bulk path's counted candidates, their dates, scores */
	int32_t *b_date;
	double *b_score;
	uint8_t *b_title;
	size_t b_cap;
	struct buf tmp;
};

/* ---- Requests ------------------------------------------------------------------------ */

void search_request_init(struct search_request *req)
{
	memset(req, 0, sizeof(*req));
	req->page = 1;
	req->limit = 10;
	req->sort = SORT_RELEVANCE;
}

static int utf8_valid(const char *s)
{
	size_t len = strlen(s), k;

	for (size_t i = 0; i < len; i += k)
		if (!(k = buf_utf8_char(s + i, len - i)))
			return 0;
	return 1;
}

/*
 * How many bytes of s an error message quotes: at most max, never a character cut in
 * two nor an invalid byte (the message goes into JSON, which must stay UTF-8).
 */
static int quote_len(const char *s, int max)
{
	size_t len = strlen(s), i = 0, k;

	while (i < len && (k = buf_utf8_char(s + i, len - i)) && i + k <= (size_t)max)
		i += k;
	return (int)i;
}

int search_query_blank(const char *q)
{
	size_t len = q ? strlen(q) : 0;
	utf8proc_ssize_t k;
	utf8proc_int32_t cp;

	for (size_t i = 0; i < len; i += (size_t)k) {
		k = utf8proc_iterate((const utf8proc_uint8_t *)q + i, (utf8proc_ssize_t)(len - i), &cp);
		if (k <= 0)
			return 0;
		switch (utf8proc_category(cp)) {
		case UTF8PROC_CATEGORY_ZS:
		case UTF8PROC_CATEGORY_ZL:
		case UTF8PROC_CATEGORY_ZP:
		case UTF8PROC_CATEGORY_CC:
		case UTF8PROC_CATEGORY_CF:
			break;
		default:
			return 0;
		}
	}
	return 1;
}

static int parse_uint(const char *v, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t n = 0;

	if (!*v)
		return -1;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		n = n * 10 + (uint64_t)(*p - '0');
		if (n > max)
			return -1;
	}
	if (n < min)
		return -1;
	*out = (uint32_t)n;
	return 0;
}

/* YYYY-MM-DD, a real calendar day, as YYYYMMDD. */
static int parse_date(const char *v, int32_t *out)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, m, d;

	if (strlen(v) != 10 || v[4] != '-' || v[7] != '-')
		return -1;
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && (v[i] < '0' || v[i] > '9'))
			return -1;
	y = atoi(v), m = atoi(v + 5), d = atoi(v + 8);
	if (y < 1 || m < 1 || m > 12 || d < 1)
		return -1;
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (d > mdays[m - 1] + (m == 2 && leap))
		return -1;
	*out = y * 10000 + m * 100 + d;
	return 0;
}

int search_request_set(struct search_request *req, const char *name, const char *value)
{
	if (!name || !value)
		return as_error_set(AS_EINVAL, "missing parameter name or value");
	if (!utf8_valid(value))
		return as_error_set(AS_EINVAL, "%s: not valid UTF-8", name);
	/* An empty value is the parameter not given: an HTML form sends its blank fields
	 * ("limit=&sort="), and `artisearch --limit ""` must read as the daemon does. */
	if (!*value && strcmp(name, "q") != 0) {
		static const char *const optional[] = { "page", "limit", "type", "department", "from", "to",
							"sort", "explain" };
		for (size_t i = 0; i < sizeof(optional) / sizeof(optional[0]); i++)
			if (strcmp(name, optional[i]) == 0)
				return 0;
	}
	if (strcmp(name, "q") == 0) {
		req->q = value;
	} else if (strcmp(name, "page") == 0) {
		if (parse_uint(value, 1, SEARCH_MAX_DEPTH, &req->page) < 0)
			return as_error_set(AS_EINVAL, "page: '%.*s' is not a whole number from 1 to %d", quote_len(value, 40), value,
					    SEARCH_MAX_DEPTH);
	} else if (strcmp(name, "limit") == 0) {
		if (parse_uint(value, 1, SEARCH_MAX_LIMIT, &req->limit) < 0)
			return as_error_set(AS_EINVAL, "limit: '%.*s' is not a whole number from 1 to %d", quote_len(value, 40), value,
					    SEARCH_MAX_LIMIT);
	} else if (strcmp(name, "type") == 0 || strcmp(name, "department") == 0) {
		if (strlen(value) > 64)
			return as_error_set(AS_EINVAL, "%s: longer than 64 bytes", name);
		/* Spelt as the indexer spells the types and departments it stores. */
		int type = name[0] == 't';
		char *spelt = type ? req->type_spelt : req->department_spelt;
		size_t cap = type ? sizeof(req->type_spelt) : sizeof(req->department_spelt);
		struct buf b = BUF_INIT;
		int rc = (type ? doc_type_normalize : doc_department_normalize)(value, strlen(value), &b);
		if (rc == 0 && b.len >= cap)
			rc = as_error_set(AS_EINVAL, "%s: longer than %zu bytes once folded", name, cap - 1);
		if (rc == 0) {
			memcpy(spelt, b.len ? b.ptr : "", b.len + 1);
			*(type ? &req->type : &req->department) = spelt;
		}
		buf_release(&b);
		if (rc < 0)
			return rc;
	} else if (strcmp(name, "from") == 0 || strcmp(name, "to") == 0) {
		int32_t d = 0;
		if (parse_date(value, &d) < 0)
			return as_error_set(AS_EINVAL, "%s: '%.*s' is not a date YYYY-MM-DD", name, quote_len(value, 40), value);
		if (name[0] == 'f')
			req->from = d;
		else
			req->to = d;
	} else if (strcmp(name, "sort") == 0) {
		if (strcmp(value, "relevance") == 0)
			req->sort = SORT_RELEVANCE;
		else if (strcmp(value, "date") == 0)
			req->sort = SORT_DATE;
		else
			return as_error_set(AS_EINVAL, "sort: '%.*s' is neither 'relevance' nor 'date'", quote_len(value, 40), value);
	} else if (strcmp(name, "explain") == 0) {
		if (strcmp(value, "1") == 0 || strcmp(value, "true") == 0)
			req->explain = 1;
		else if (strcmp(value, "0") == 0 || strcmp(value, "false") == 0)
			req->explain = 0;
		else
			return as_error_set(AS_EINVAL, "explain: '%.*s' is neither 1 nor 0", quote_len(value, 40), value);
	} else {
		return as_error_set(AS_EINVAL, "unknown parameter '%.*s'", quote_len(name, 40), name);
	}
	return 0;
}

/* ---- Searcher ------------------------------------------------------------------------ */

int searcher_new(struct searcher **out)
{
	struct searcher *s = as_calloc(1, sizeof(*s));
	int rc = AS_ENOMEM;

	*out = NULL;
	if (!s || !(s->an = analyzer_new()) || !(s->arena = arena_new(256 * 1024)))
		goto fail;
	if ((rc = synonyms_new_default(s->an, &s->syn)) < 0 || (rc = block_cache_new(&s->blocks)) < 0)
		goto fail;
	*out = s;
	return 0;
fail:
	searcher_free(s);
	return rc;
}

void searcher_free(struct searcher *s)
{
	if (!s)
		return;
	analyzer_free(s->an);
	synonyms_free(s->syn);
	arena_free(s->arena);
	as_free(s->heap);
	bulk_free(s->bulk);
	block_cache_free(s->blocks);
	as_free(s->b_cand);
	as_free(s->b_date);
	as_free(s->b_score);
	as_free(s->b_title);
	as_free(s->counts[0]);
	as_free(s->counts[1]);
	if (s->cache)
		for (uint32_t i = 0; i < DOC_CACHE_SIZE; i++)
			as_free(s->cache[i].blob);
	as_free(s->cache);
	buf_release(&s->tmp);
	as_free(s);
}

/* ---- One run over the segments --------------------------------------------------------- */

struct parts {
	double base, title, prox;
};

struct run {
	struct searcher *s;
	const struct index *idx;
	const struct search_request *req;
	struct plan *plan;
	uint32_t depth; /* candidates the first phase keeps */
	uint32_t n_heap;
	uint64_t total, n_scored;
	double title_ub; /* the most the title bonus can add */
	double part_ub;  /* the most it adds for some words only */
	double idf_sum;  /* of the query words, the title bonus's unit */
	uint64_t all_slots;
	struct score_ctx ctx;
};

static int worse(const struct run *r, const struct cand *a, const struct cand *b)
{
	if (r->req->sort == SORT_DATE && a->date != b->date)
		return a->date < b->date;
	if (a->score != b->score)
		return a->score < b->score;
	if (a->seg != b->seg)
		return a->seg > b->seg;
	return a->doc > b->doc;
}

/* Sifts c down from the root's hole: children move up, c is written once. */
static void heap_down(struct run *r, const struct cand *c)
{
	struct cand *h = r->s->heap;
	uint32_t i = 0, n = r->n_heap;

	for (;;) {
		uint32_t l = 2 * i + 1, m;
		if (l >= n)
			break;
		m = l + 1 < n && worse(r, &h[l + 1], &h[l]) ? l + 1 : l;
		if (!worse(r, &h[m], c))
			break;
		h[i] = h[m];
		i = m;
	}
	h[i] = *c;
}

static void heap_push(struct run *r, const struct cand *c)
{
	struct cand *h = r->s->heap;

	if (r->n_heap < r->depth) {
		uint32_t i = r->n_heap++;
		while (i > 0 && worse(r, c, &h[(i - 1) / 2])) {
			h[i] = h[(i - 1) / 2];
			i = (i - 1) / 2;
		}
		h[i] = *c;
	} else if (worse(r, &h[0], c)) {
		heap_down(r, c);
	}
}

/* A candidate the full heap would not keep. */
static int would_drop(const struct run *r, const struct cand *c)
{
	return r->n_heap == r->depth && !worse(r, &r->s->heap[0], c);
}

/* Skips when bound cannot beat the worst kept score: a tie loses (later in index order).
 * The margin absorbs rounding between the bound's arithmetic and the score's. */
static int cannot_enter(const struct run *r, double bound)
{
	return r->n_heap == r->depth && bound + 1e-9 * (1.0 + fabs(bound)) <= r->s->heap[0].score;
}

/* First index in v[from..n) whose value is above x (after_equal) or at least x, by
 * galloping from `from`: the values asked for increase, so each search starts where
 * the last one ended. */
static uint32_t gallop(const uint32_t *v, uint32_t from, uint32_t n, uint32_t x, int after_equal)
{
	uint32_t lo = from, step = 1, hi;

	while (lo + step < n && (after_equal ? v[lo + step] <= x : v[lo + step] < x))
		lo += step, step *= 2;
	hi = lo + step < n ? lo + step : n;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (after_equal ? v[mid] <= x : v[mid] < x)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* min_distance() when one list is much the longer: each position of the short one
 * looks up its neighbours in the long one (the closest occurrence before and after
 * it are the only candidates), rather than the merge stepping through the long one. */
static uint32_t min_distance_short(const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb)
{
	uint32_t best = UINT32_MAX, k = 0;

	if (na <= nb) {
		for (uint32_t i = 0; i < na && best > 1; i++) {
			k = gallop(b, k, nb, a[i], 1); /* b[k] > a[i] >= b[k - 1] */
			if (k < nb && b[k] - a[i] < best)
				best = b[k] - a[i];
			if (k > 0 && a[i] - b[k - 1] + 1 < best)
				best = a[i] - b[k - 1] + 1;
		}
	} else {
		for (uint32_t j = 0; j < nb && best > 1; j++) {
			k = gallop(a, k, na, b[j], 0); /* a[k] >= b[j] > a[k - 1] */
			if (k < na && a[k] - b[j] + 1 < best)
				best = a[k] - b[j] + 1;
			if (k > 0 && b[j] - a[k - 1] < best)
				best = b[j] - a[k - 1];
		}
	}
	return best;
}

/* Smallest distance between occurrences of two words (b after a is closer than before):
 * one linear merge, left as soon as the distance is 1, the least there is, without a
 * branch on which list moves (interleaved positions make it a coin flip); lists eight
 * times apart in length take min_distance_short() instead. */
static uint32_t min_distance(const uint32_t *a, uint32_t na, const uint32_t *b, uint32_t nb)
{
	uint32_t i = 0, j = 0, best = UINT32_MAX;

	if ((uint64_t)na * 8 < nb || (uint64_t)nb * 8 < na)
		return min_distance_short(a, na, b, nb);

	while (i < na && j < nb) {
		uint32_t x = a[i], y = b[j], lt = x < y;
		uint32_t d = lt ? y - x : x - y + 1;
		best = d < best ? d : best;
		i += lt;
		j += lt ^ 1;
		if (best == 1)
			break;
	}
	return best;
}

/* Adjacent words s and s + 1 can be near: both on the document, as two leaves. */
static int prox_pair(const struct score_ctx *ctx, uint32_t s)
{
	return ctx->slot_iter[s] && ctx->slot_iter[s + 1] && ctx->slot_iter[s] != ctx->slot_iter[s + 1];
}

/* Lowers best[s] to the distance of words s and s + 1 in the positions fetched (n[s]
 * of them at pos[s]; none fetched: n[s] is 0). Inlined, so that the compiler sees each
 * word's n and pos set before they are read. */
static inline __attribute__((always_inline)) void closest_pairs(const struct score_ctx *ctx, uint32_t ns,
								 const uint32_t *const *pos, const uint32_t *n,
								 uint32_t *best)
{
	for (uint32_t s = 0; s + 1 < ns; s++)
		if (n[s] && n[s + 1] && ctx->slot_iter[s] != ctx->slot_iter[s + 1]) {
			uint32_t d = min_distance(pos[s], n[s], pos[s + 1], n[s + 1]);
			if (d < best[s])
				best[s] = d;
		}
}

static int proximity(struct run *r, double *out)
{
	const struct plan *p = r->plan;
	const struct score_ctx *ctx = &r->ctx;
	const uint32_t *pos[QUERY_MAX_TERMS + 1];
	uint32_t n[QUERY_MAX_TERMS + 1], best[QUERY_MAX_TERMS + 1];
	uint32_t ns = p->n_slots < QUERY_MAX_TERMS ? p->n_slots : QUERY_MAX_TERMS;
	double bonus = 0;
	int rc;

	for (uint32_t s = 0; s < ns; s++)
		best[s] = UINT32_MAX;
	/* Field by field, each word's positions fetched once (valid until its leaf is asked
	 * for another field), and only when a pair they belong to can still get closer:
	 * decoding positions is the dearest part of the bonus. In the title both words must
	 * be there; in the body, a pair already at distance 1 in the title is done. */
	for (uint32_t s = 0; s < ns; s++) {
		n[s] = 0;
		if (!ctx->slot_title_tf[s] ||
		    !((s > 0 && prox_pair(ctx, s - 1) && ctx->slot_title_tf[s - 1]) ||
		      (s + 1 < ns && prox_pair(ctx, s) && ctx->slot_title_tf[s + 1])))
			continue;
		if ((rc = leaf_iter_positions(ctx->slot_iter[s], FIELD_TITLE, &pos[s], &n[s])) < 0)
			return rc;
	}
	closest_pairs(ctx, ns, pos, n, best);
	/* Then the tags (`grille tarifaire` side by side in a tag is as close as in a title),
	 * then the body, for the pairs still apart: the positions of a document's fields are
	 * decoded together, so the tags cost little more. */
	static const enum field then[] = { FIELD_TAGS, FIELD_BODY };
	for (int f = 0; f < 2; f++) {
		for (uint32_t s = 0; s < ns; s++) {
			n[s] = 0;
			if (!((s > 0 && prox_pair(ctx, s - 1) && best[s - 1] > 1) ||
			      (s + 1 < ns && prox_pair(ctx, s) && best[s] > 1)))
				continue;
			if ((rc = leaf_iter_positions(ctx->slot_iter[s], then[f], &pos[s], &n[s])) < 0)
				return rc;
		}
		closest_pairs(ctx, ns, pos, n, best);
	}
	for (uint32_t s = 0; s + 1 < ns; s++)
		if (best[s] <= RANK_PROX_WINDOW) {
			double idf = p->slot_idf[s] < p->slot_idf[s + 1] ? p->slot_idf[s] : p->slot_idf[s + 1];
			bonus += RANK_PROX_W * idf / (best[s] ? best[s] : 1);
		}
	*out = bonus;
	return 0;
}

/* Title bonus: every query word in the title, more when the title is little else; less
 * for some of the words only (rank.h). */
static double title_bonus(const struct plan *p, const struct score_ctx *ctx)
{
	uint32_t in_title = 0;
	uint64_t slots = 0;
	double idf = 0, cov;

	if (p->n_slots == 0 || ctx->len[FIELD_TITLE] == 0)
		return 0;
	for (uint32_t s = 0; s < p->n_slots; s++) {
		idf += p->slot_idf[s];
		if (ctx->slot_title_tf[s] == 0)
			continue;
		in_title += ctx->slot_title_tf[s];
		slots |= 1ull << (s & 63);
	}
	if (!slots)
		return 0;
	if ((uint32_t)__builtin_popcountll(slots) < p->n_slots)
		return rank_title_part(p->slot_idf, p->n_slots, slots);
	cov = (double)in_title / ctx->len[FIELD_TITLE];
	if (cov > 1)
		cov = 1;
	return (RANK_TITLE_ALL + RANK_TITLE_EXACT * cov * cov) * idf;
}

/* The document about to be bounded or scored: its field lengths and norms in r->ctx. */
static void set_doc(struct run *r, const struct segment *seg, uint32_t doc)
{
	uint32_t len[N_FIELDS];

	segment_field_lens(seg, doc, len);
	ctx_set_doc(&r->ctx, r->plan, len);
}

/*
 * The score of the root's current document, set_doc() already called for it: the first
 * phase (BM25F and title bonus), plus the proximity bonus when with_prox. 0, or <0 on
 * error.
 */
static int score_doc(struct run *r, struct qiter *root, int with_prox, double *score, struct parts *parts)
{
	const struct plan *p = r->plan;
	struct score_ctx *ctx = &r->ctx;
	double base, title = 0, prox = 0;
	int rc;

	memset(ctx->slot_iter, 0, p->n_slots * sizeof(*ctx->slot_iter));
	memset(ctx->slot_title_tf, 0, p->n_slots * sizeof(*ctx->slot_title_tf));
	memset(ctx->slot_score, 0, p->n_slots * sizeof(*ctx->slot_score));
	ctx->body_slots = 0;
	base = root->ops->score(root, ctx);
	title = title_bonus(p, ctx);
	if (with_prox && r->plan->n_slots >= 2 && (rc = proximity(r, &prox)) < 0)
		return rc;
	*score = base + title + prox;
	if (parts) {
		parts->base = base;
		parts->title = title;
		parts->prox = prox;
	}
	return 0;
}

/* count_value() for an id past the counts: grows them first. */
static __attribute__((noinline)) int count_grow(struct searcher *s, int kind, uint16_t id, uint32_t n)
{
	uint32_t ncap = (uint32_t)id + 64;
	uint32_t *c = as_realloc(s->counts[kind], ncap * sizeof(*c));

	if (!c)
		return AS_ENOMEM;
	memset(c + s->count_cap[kind], 0, (ncap - s->count_cap[kind]) * sizeof(*c));
	s->counts[kind] = c;
	s->count_cap[kind] = ncap;
	s->counts[kind][id] += n;
	return 0;
}

/* Counts of a segment's value ids, grown on demand (out of line: once per searcher). */
static inline int count_value(struct searcher *s, int kind, uint16_t id, uint32_t n)
{
	if (id >= s->count_cap[kind])
		return count_grow(s, kind, id, n);
	s->counts[kind][id] += n;
	return 0;
}

static int facet_add(struct searcher *s, struct facet *f, const char *name, uint64_t count)
{
	for (uint32_t i = 0; i < f->n; i++)
		if (strcmp(f->vals[i].name, name) == 0) {
			f->vals[i].count += count;
			return 0;
		}
	if (f->n == f->cap) {
		uint32_t ncap = f->cap ? f->cap * 2 : 16;
		struct facet_val *v = arena_alloc(s->arena, ncap * sizeof(*v));
		if (!v)
			return AS_ENOMEM;
		if (f->n)
			memcpy(v, f->vals, f->n * sizeof(*v));
		f->vals = v;
		f->cap = ncap;
	}
	if (!(f->vals[f->n].name = arena_strndup(s->arena, name, strlen(name))))
		return AS_ENOMEM;
	f->vals[f->n++].count = count;
	return 0;
}

/* Moves a segment's counts into the result's facets, and clears them. */
static int facets_merge(struct searcher *s, const struct segment *seg)
{
	static const enum value_kind kinds[2] = { VALUE_TYPE, VALUE_DEPARTMENT };
	static const int facet_of[2] = { FACET_TYPE, FACET_DEPARTMENT };
	char year[16];
	int rc = 0;

	for (int k = 0; k < 2; k++)
		for (uint32_t id = 1; id < s->count_cap[k]; id++) {
			if (!s->counts[k][id])
				continue;
			const char *name = segment_value_name(seg, kinds[k], (uint16_t)id);
			if (name && rc == 0)
				rc = facet_add(s, &s->res.facets[facet_of[k]], name, s->counts[k][id]);
			s->counts[k][id] = 0;
		}
	for (int32_t y = s->year_lo; y <= s->year_hi; y++) {
		if (!s->years[y])
			continue;
		snprintf(year, sizeof(year), "%d", YEAR_MIN + y);
		if (rc == 0)
			rc = facet_add(s, &s->res.facets[FACET_YEAR], year, s->years[y]);
		s->years[y] = 0;
	}
	s->year_lo = N_YEARS;
	s->year_hi = -1;
	return rc;
}

/* A date's slot in the year facet's counts, or -1: no date, or a year out of range. */
static inline int32_t year_slot(int32_t date)
{
	int32_t y = date / 10000 - YEAR_MIN;

	return date && y >= 0 && y < N_YEARS ? y : -1;
}

/* n matches more in year slot y (none for -1); facets_merge() reads the slots between
 * the lowest and the highest so counted, not all N_YEARS of them. */
static inline void year_add(struct searcher *s, int32_t y, uint32_t n)
{
	if (y < 0)
		return;
	s->years[y] += n;
	s->year_lo = y < s->year_lo ? y : s->year_lo;
	s->year_hi = y > s->year_hi ? y : s->year_hi;
}

/* Counts a match with these values (total, facets) if it passes the filters: 1 counted,
 * 0 filtered out, AS_ENOMEM. */
static inline int count_match(struct run *r, struct doc_values dv, uint16_t type_id, uint16_t dept_id)
{
	const struct search_request *req = r->req;
	struct searcher *s = r->s;

	if ((type_id && dv.type != type_id) || (dept_id && dv.department != dept_id) ||
	    (req->from && (!dv.date || dv.date < req->from)) || (req->to && (!dv.date || dv.date > req->to)))
		return 0;
	r->total++;
	if ((dv.type && count_value(s, 0, dv.type, 1) < 0) || (dv.department && count_value(s, 1, dv.department, 1) < 0))
		return AS_ENOMEM;
	year_add(s, year_slot(dv.date), 1);
	return 1;
}

/*
 * count_match() for the n live candidates of the bulk path when no filter is set (each
 * is counted), their dates into b_date. Documents of a type, a department, a year come
 * in runs (a corpus folder is indexed in one go): a run is counted once at its end, as
 * incrementing one counter per document waits on the last increment of the same
 * counter, through memory, at every document.
 */
static int count_runs(struct run *r, const struct segment_tables *t, const uint32_t *docs, uint32_t n)
{
	struct searcher *s = r->s;
	uint16_t type = 0, dept = 0;
	int32_t date = 0, year = -1;
	uint32_t type_at = 0, dept_at = 0, year_at = 0; /* where each run started */

	r->total += n;
	for (uint32_t j = 0; j < n; j++) {
		struct doc_values val = segment_tables_values(t, docs[s->b_cand[j]]);
		s->b_date[j] = val.date;
		if (val.type != type) {
			if (type && count_value(s, 0, type, j - type_at) < 0)
				return AS_ENOMEM;
			type = val.type, type_at = j;
		}
		if (val.department != dept) {
			if (dept && count_value(s, 1, dept, j - dept_at) < 0)
				return AS_ENOMEM;
			dept = val.department, dept_at = j;
		}
		/* Dates come in runs too: a year is worked out when the date changes. */
		if (val.date != date) {
			int32_t y = year_slot(val.date);
			date = val.date;
			if (y != year) {
				year_add(s, year, j - year_at);
				year = y, year_at = j;
			}
		}
	}
	if ((type && count_value(s, 0, type, n - type_at) < 0) || (dept && count_value(s, 1, dept, n - dept_at) < 0))
		return AS_ENOMEM;
	year_add(s, year, n - year_at);
	return 0;
}

/* count_match() for a document of the segment, if it is live. */
static int count_doc(struct run *r, const struct segment *seg, uint32_t doc, uint16_t type_id, uint16_t dept_id,
		     struct doc_values *dv)
{
	if (!segment_is_live(seg, doc))
		return 0;
	segment_doc_values(seg, doc, dv);
	return count_match(r, *dv, type_id, dept_id);
}

struct seg_pass {
	struct qiter *root;
	const struct segment *seg;
	uint32_t s_no;
	uint32_t blk_last;
	double blk_bound;
	int have_blk, prune;
	int blk_title;   /* every word may be in a title in this block */
	double blk_part; /* else the title bonus of the words that may be */
};

/* The first phase for one counted match: pruned by its block's bound, else scored and
 * offered to the candidates. */
static int consider(struct run *r, struct seg_pass *sp, uint32_t doc, int32_t date)
{
	struct qiter *root = sp->root;
	struct cand c;
	int rc;

	int full = sp->prune && r->n_heap == r->depth;

	if (full) {
		if (!sp->have_blk || doc > sp->blk_last) {
			/* The whole title bonus needs every word in the title: possible in
			 * this block only if every word's block has title occurrences; else
			 * at most the part of the words whose blocks have some. */
			uint64_t title_slots = 0;
			sp->blk_bound = root->ops->bound(root, doc, &sp->blk_last, &title_slots);
			title_slots &= r->all_slots;
			sp->blk_title = title_slots == r->all_slots;
			sp->blk_part = sp->blk_title || !title_slots
					       ? 0
					       : rank_title_part(r->plan->slot_idf, r->plan->n_slots, title_slots);
			sp->blk_bound += sp->blk_title ? r->title_ub : sp->blk_part;
			sp->have_blk = 1;
		}
		if (cannot_enter(r, sp->blk_bound))
			return 0;
	}
	set_doc(r, sp->seg, doc);
	if (full) {
		/* The block's maxima with this document's lengths: long documents, long
		 * titles, are bound much lower than by the block's shortest. */
		uint32_t title_len = r->ctx.len[FIELD_TITLE];
		r->ctx.title_tf_ub = 0;
		double b = root->ops->doc_bound(root, &r->ctx);
		if (sp->blk_title && title_len > 0) {
			double cov = (double)r->ctx.title_tf_ub / title_len;
			if (cov > 1)
				cov = 1;
			double whole = (RANK_TITLE_ALL + RANK_TITLE_EXACT * cov * cov) * r->idf_sum;
			b += whole > r->part_ub ? whole : r->part_ub;
		} else if (title_len > 0) {
			b += sp->blk_part;
		}
		if (cannot_enter(r, b))
			return 0;
	}
	if ((rc = score_doc(r, root, 0, &c.score, NULL)) < 0)
		return rc;
	r->n_scored++;
	c.date = date;
	c.seg = sp->s_no;
	c.doc = doc;
	c.prox = 0;
	c.has_prox = 0;
	c.reranked = 0;
	c.recent = 0;
	/* Entering the candidates: its proximity now, while the lists are on it (a second
	 * phase would seek them back). */
	if (r->plan->n_slots >= 2 && !would_drop(r, &c)) {
		if ((rc = proximity(r, &c.prox)) < 0)
			return rc;
		c.has_prox = 1;
	}
	c.body_slots = r->ctx.body_slots;
	heap_push(r, &c);
	return 0;
}

/* Room for n candidates of the bulk path; kept from query to query. */
static int bulk_scratch(struct searcher *s, uint32_t n)
{
	if (n <= s->b_cap)
		return 0;
	size_t cap = (size_t)n + n / 2 + 64;
	as_free(s->b_cand);
	as_free(s->b_date);
	as_free(s->b_score);
	as_free(s->b_title);
	s->b_cand = as_malloc(cap * sizeof(*s->b_cand));
	s->b_date = as_malloc(cap * sizeof(*s->b_date));
	s->b_score = as_malloc(cap * sizeof(*s->b_score));
	s->b_title = as_malloc(cap);
	s->b_cap = s->b_cand && s->b_date && s->b_score && s->b_title ? cap : 0;
	return s->b_cap ? 0 : AS_ENOMEM;
}

/* The bulk path's candidates keep[0..n) of a slice (indices into the searcher's b_*
 * arrays) offered to the kept ones: scored exactly where the title bonus may apply. */
static void offer_slice(struct run *r, const struct segment *seg, uint32_t s_no, const uint32_t *bdocs,
		       const uint32_t *keep, uint32_t n)
{
	struct searcher *s = r->s;
	struct score_ctx *ctx = &r->ctx;
	const struct plan *p = r->plan;
	int by_score = r->req->sort == SORT_RELEVANCE;

	for (uint32_t k = 0; k < n; k++) {
		uint32_t j = keep[k], c = s->b_cand[j];
		struct cand cd;
		cd.score = s->b_score[j];
		if (s->b_title[j]) {
			set_doc(r, seg, bdocs[c]);
			for (uint32_t sl = 0; sl < p->n_slots; sl++)
				ctx->slot_title_tf[sl] = 0, ctx->slot_score[sl] = 0;
			ctx->body_slots = 0;
			cd.score = bulk_score(s->bulk, c, ctx) + title_bonus(p, ctx);
		}
		if (r->n_heap == r->depth && by_score && cd.score < s->heap[0].score)
			continue; /* cannot enter, whatever the tie-break */
		cd.date = s->b_date[j];
		cd.seg = s_no;
		cd.doc = bdocs[c];
		cd.prox = 0;
		cd.has_prox = 0;
		cd.reranked = 0;
		cd.recent = 0;
		cd.body_slots = bulk_body_slots(s->bulk, c, ctx->n_slots);
		heap_push(r, &cd);
	}
}

/*
 * One pass over a segment's matches: each is counted (total, facets) and given its
 * first-phase score. The commonest plans (a word, words that must all or any of which
 * may be there) take the bulk path (iter.h), which finds and scores matches cheaply; the
 * others (phrases, nested groups) walk
 * the iterators and score a match only if its block's bound (iter.h: BM25F block
 * maxima, plus the title bonus where every word can be in a title), then its own, can
 * beat the worst kept candidate.
 */
static int run_segment(struct run *r, uint32_t s_no)
{
	struct searcher *s = r->s;
	const struct search_request *req = r->req;
	const struct segment *seg = index_segment(r->idx, s_no);
	uint16_t type_id = 0, dept_id = 0;
	struct seg_pass sp = { 0 };
	struct doc_values dv;
	uint32_t n;
	int rc;

	if (req->type && !(type_id = segment_value_id(seg, VALUE_TYPE, req->type)))
		return 0; /* no document of this segment has that type */
	if (req->department && !(dept_id = segment_value_id(seg, VALUE_DEPARTMENT, req->department)))
		return 0;
	if (!s->bulk && (rc = bulk_new(&s->bulk)) < 0)
		return rc;
	/* The exhaustive run (tests) walks the iterators without pruning: the reference the
	 * bulk path and the pruned walk must both agree with. */
	rc = req->exhaustive || req->no_bulk ? 1 : bulk_match(s->bulk, r->plan, r->idx, s_no, &n);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		struct score_ctx *ctx = &r->ctx;
		const struct plan *p = r->plan;
		uint32_t m = 0;
		if ((rc = bulk_scratch(s, n)) < 0)
			return rc;
		/* count_doc() over the segment's tables: no call into the index per match. */
		struct segment_tables t;
		segment_tables(seg, &t);
		const uint32_t *bdocs;
		const uint8_t *alive;
		bulk_view(s->bulk, &bdocs, &alive);
		/* The live matches first, gathered without a branch: which candidates the
		 * other words left alive is a coin flip to a branch predictor. */
		uint32_t live = 0;
		for (uint32_t c = 0; c < n; c++) {
			s->b_cand[live] = c;
			live += alive[c] & segment_tables_live(&t, bdocs[c]);
		}
		if (!type_id && !dept_id && !req->from && !req->to) {
			if ((rc = count_runs(r, &t, bdocs, live)) < 0)
				return rc;
			m = live;
		} else {
			for (uint32_t j = 0; j < live; j++) {
				uint32_t c = s->b_cand[j];
				struct doc_values val = segment_tables_values(&t, bdocs[c]);
				if ((rc = count_match(r, val, type_id, dept_id)) < 0)
					return rc;
				s->b_cand[m] = c;
				s->b_date[m] = val.date;
				m += (uint32_t)rc;
			}
		}
		/* In slices, so that the kept candidates' floor rises between them. Of a
		 * slice, only those that may reach the floor are offered, gathered without a
		 * branch: once the floor is up, nearly all of them are below it. */
		uint32_t keep[64];
		for (uint32_t j0 = 0; j0 < m; j0 += 64) {
			uint32_t len = m - j0 < 64 ? m - j0 : 64, nk = 0;
			double floor = r->n_heap == r->depth && req->sort == SORT_RELEVANCE ? s->heap[0].score : -HUGE_VAL;
			r->n_scored += bulk_score_all(s->bulk, ctx, p, seg, s->b_cand + j0, len, floor, s->b_score + j0,
						      s->b_title + j0, j0, keep, &nk);
			offer_slice(r, seg, s_no, bdocs, keep, nk);
		}
		return facets_merge(s, seg);
	}
	sp.seg = seg;
	sp.s_no = s_no;
	sp.prune = !req->exhaustive && req->sort == SORT_RELEVANCE;
	if ((rc = iter_build(r->plan, r->idx, s_no, r->plan->root, &sp.root)) < 0)
		return rc;
	for (rc = sp.root->ops->next(sp.root); rc == 0; rc = sp.root->ops->next(sp.root)) {
		uint32_t doc = sp.root->doc;
		if ((rc = count_doc(r, seg, doc, type_id, dept_id, &dv)) > 0)
			rc = consider(r, &sp, doc, dv.date);
		if (rc < 0 || (req->exists_only && r->total))
			break;
	}
	iter_free(sp.root);
	if (rc < 0)
		return rc;
	return facets_merge(s, seg);
}

static int cmp_seg_doc(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;

	if (x->seg != y->seg)
		return x->seg < y->seg ? -1 : 1;
	return (x->doc > y->doc) - (x->doc < y->doc);
}

/* Best first (qsort_r: the daemon runs searches on several threads at once). */
static int cmp_cand(const void *a, const void *b, void *run)
{
	return worse(run, b, a) ? -1 : worse(run, a, b) ? 1 : 0;
}

/* Sorts the first n candidates best first, or by segment and document when by_doc.
 * Both orders are total, so any sort gives the same result: the few dozen a top-k
 * keeps are sorted by insertion, cheaper than qsort's indirect calls. */
static void sort_cands(struct run *r, uint32_t n, int by_doc)
{
	struct cand *h = r->s->heap;

	if (n > 32) {
		if (by_doc)
			qsort(h, n, sizeof(*h), cmp_seg_doc);
		else
			qsort_r(h, n, sizeof(*h), cmp_cand, r);
		return;
	}
	for (uint32_t i = 1; i < n; i++) {
		struct cand c = h[i];
		uint32_t j = i;
		while (j > 0 && (by_doc ? cmp_seg_doc(&c, &h[j - 1]) < 0 : worse(r, &h[j - 1], &c))) {
			h[j] = h[j - 1];
			j--;
		}
		h[j] = c;
	}
}

/*
 * Seeks candidate c back in its segment's iterators (*root, built for segment *cur,
 * rebuilt when c is in another; candidates come in document order) and marks the leaves
 * positioned on it in r->ctx. 1 when c is there and marked, 0 when not, <0 on error.
 */
static int seek_mark(struct run *r, struct qiter **root, uint32_t *cur, const struct cand *c)
{
	int rc;

	if (c->seg != *cur) {
		iter_free(*root);
		*root = NULL;
		*cur = c->seg;
		if ((rc = iter_build(r->plan, r->idx, *cur, r->plan->root, root)) < 0)
			return rc;
	}
	if ((rc = (*root)->ops->seek(*root, c->doc)) < 0)
		return rc;
	if (rc > 0 || (*root)->doc != c->doc)
		return 0;
	memset(r->ctx.slot_iter, 0, r->plan->n_slots * sizeof(*r->ctx.slot_iter));
	memset(r->ctx.slot_title_tf, 0, r->plan->n_slots * sizeof(*r->ctx.slot_title_tf));
	(*root)->ops->mark(*root, &r->ctx);
	return 1;
}

/* Days since 0000-03-01 of a YYYYMMDD date (days_from_civil, H. Hinnant). */
static int64_t date_days(int32_t date)
{
	int64_t y = date / 10000, m = date / 100 % 100, d = date % 100;

	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400, yoe = y - era * 400;
	int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy;
}

/*
 * Recency, in the second phase too: of two documents the words find about as well, the
 * newer first (this year's tariffs before last year's, which differ by a few words).
 * The newest dated document of the n reranked gets RANK_RECENCY of its score more, one
 * RANK_RECENCY_YEARS older or undated nothing, in proportion between.
 */
static void recency(struct run *r, uint32_t n)
{
	struct cand *h = r->s->heap;
	int32_t newest = 0;

	for (uint32_t i = 0; i < n; i++)
		if (h[i].date > newest)
			newest = h[i].date;
	if (!newest)
		return;
	int64_t now = date_days(newest);
	for (uint32_t i = 0; i < n; i++) {
		if (h[i].date <= 0)
			continue;
		double age = (double)(now - date_days(h[i].date)) / (365.25 * RANK_RECENCY_YEARS);
		if (age < 1) {
			h[i].recent = RANK_RECENCY * h[i].score * (1 - age);
			h[i].score += h[i].recent;
		}
	}
}

/*
 * The second phase, and the final order of the heap: the best RANK_RERANK of the first
 * phase get their proximity bonus and their recency, and are reordered; the rest keep the
 * first phase's order after them. The order of every match is thus the same whatever the
 * page asked, so pages never overlap nor skip. The bulk path's candidates are sought
 * back, segment by segment in document order so that each list moves forward only; the
 * iterators computed theirs on the way. Sorted by date, only proximity, which breaks ties.
 */
static int rerank(struct run *r)
{
	struct qiter *root = NULL;
	uint32_t cur = UINT32_MAX, m = r->n_heap < RANK_RERANK ? r->n_heap : RANK_RERANK;
	int rc = 0, prox = r->plan->n_slots >= 2, recent = r->req->sort == SORT_RELEVANCE;

	/* The first phase's order picks the candidates reranked; when all of them are, the
	 * order by document below replaces it. */
	if (!prox || r->n_heap > m)
		sort_cands(r, r->n_heap, 0);
	if (m == 0 || (!prox && !recent))
		return 0;
	if (prox)
		sort_cands(r, m, 1);
	for (uint32_t i = 0; prox && i < m && rc >= 0; i++) {
		struct cand *c = &r->s->heap[i];
		c->reranked = 1;
		if (c->has_prox) {
			c->score += c->prox;
			continue;
		}
		/* Its first-phase score is known: only what proximity reads. */
		if ((rc = seek_mark(r, &root, &cur, c)) <= 0)
			continue;
		if ((rc = proximity(r, &c->prox)) < 0)
			break;
		c->score += c->prox;
	}
	iter_free(root);
	if (rc < 0)
		return rc;
	if (recent)
		recency(r, m);
	sort_cands(r, m, 0);
	return 0;
}

/* The snippet of a document without a body from its tags, joined by commas, into
 * s->tmp (left as it is when it has none). 0, or <0. */
static int tags_snippet(struct searcher *s, const struct plan *plan, const struct segment *seg, const struct cand *c)
{
	struct stored_doc sd;
	struct buf text = BUF_INIT;
	int rc;

	if ((rc = segment_get_doc(seg, c->doc, 0, s->arena, &sd)) < 0 || sd.n_tags == 0)
		return rc;
	for (size_t i = 0; i < sd.n_tags; i++) {
		if (i)
			buf_addstr(&text, ", ");
		buf_addstr(&text, sd.tags[i]);
	}
	buf_reset(&s->tmp);
	rc = text.err ? AS_ENOMEM : snippet_make(s->an, plan, ~0ull, text.ptr, text.len, &s->tmp);
	buf_release(&text);
	return rc;
}

/* Where a hit's snippet is: the span of its body's positions snippet_span() picks. */
struct span {
	uint32_t first, last;
	int ok;
};

/*
 * The spans of hits heap[first..first + n): each hit sought back in its segment's
 * iterators (in document order, so that lists move forward only), and its query words'
 * body positions read from the leaves positioned on it. A hit whose positions cannot be
 * read this way (no word in its body) gets none, and its snippet is sought in its body.
 */
static int hit_spans(struct run *r, uint32_t first, uint32_t n, struct span *sp)
{
	struct plan *p = r->plan;
	uint32_t ns = p->n_slots < 64 ? p->n_slots : 64, cur = UINT32_MAX;
	uint32_t *order = arena_alloc(r->s->arena, (n ? n : 1) * sizeof(*order));
	struct qiter *root = NULL;
	int rc = 0;

	if (!order)
		return AS_ENOMEM;
	/* The first phase is over: its lists needed no positions when it had no phrase
	 * and a single word, these do. */
	p->positions = 1;
	for (uint32_t i = 0; i < n; i++) {
		const struct cand *c = &r->s->heap[first + i];
		uint32_t j = i;
		sp[i].ok = 0;
		while (j > 0 && cmp_seg_doc(c, &r->s->heap[first + order[j - 1]]) < 0) {
			order[j] = order[j - 1];
			j--;
		}
		order[j] = i;
	}
	for (uint32_t k = 0; k < n && rc >= 0 && ns; k++) {
		const struct cand *c = &r->s->heap[first + order[k]];
		const uint32_t *pos[64];
		uint32_t np[64];
		if (!c->body_slots)
			continue;
		if ((rc = seek_mark(r, &root, &cur, c)) <= 0)
			continue;
		for (uint32_t sl = 0; sl < ns && rc >= 0; sl++) {
			np[sl] = 0;
			pos[sl] = NULL;
			if (r->ctx.slot_iter[sl])
				rc = leaf_iter_positions(r->ctx.slot_iter[sl], FIELD_BODY, &pos[sl], &np[sl]);
		}
		if (rc >= 0 && (rc = snippet_span(pos, np, p->slot_idf, ns, r->s->arena, &sp[order[k]].first,
							   &sp[order[k]].last)) == 0)
			sp[order[k]].ok = 1;
		rc = rc > 0 ? 0 : rc;
	}
	iter_free(root);
	return rc;
}

/*
 * The snippet of a hit from its span: the body marks (index.h) before and after it give
 * a passage that holds it with room around, and only that passage is decompressed up to
 * and analysed. 0, 1 when the hit's body is to be scanned from its start instead (its
 * span lies deeper than SNIPPET_MAX_DEPTH, or SNIPPET_MAX_DEEP when `deep`), <0 on
 * error.
 */
static int span_snippet(struct searcher *s, const struct plan *plan, const struct segment *seg, const struct cand *c,
			const struct span *sp, int deep, const char *title, const char **body, size_t *part)
{
	struct body_mark *mk;
	uint32_t nm, from_pos = 0;
	size_t full, from = 0, to;
	int rc;

	if ((rc = segment_body_marks(seg, c->doc, s->arena, &mk, &nm, &full)) < 0)
		return rc;
	to = full;
	for (uint32_t i = 0; i < nm; i++) {
		if (mk[i].pos + SNIPPET_MARGIN_BEFORE <= sp->first)
			from = mk[i].off, from_pos = mk[i].pos;
		if (mk[i].pos >= sp->last + SNIPPET_MARGIN_AFTER) {
			to = mk[i].off;
			break;
		}
	}
	if (to > (deep ? SNIPPET_MAX_DEEP : SNIPPET_MAX_DEPTH))
		return 1;
	if ((rc = segment_get_body(seg, c->doc, to, s->arena, body, part, &full)) < 0)
		return rc;
	buf_reset(&s->tmp);
	return snippet_make_region(s->an, plan, c->body_slots, *body, from, *part, full,
				   from ? 0 : snippet_title_skip(*body, *part, title), sp->first - from_pos, sp->last - from_pos,
				   &s->tmp);
}

static int run_plan(struct run *r)
{
	const struct plan *p = r->plan;
	int rc;

	r->total = 0;
	r->n_scored = 0;
	r->n_heap = 0;
	for (int f = 0; f < N_FACETS; f++)
		r->s->res.facets[f].n = 0;
	/* A previous run that failed inside a segment (AS_ENOMEM) never reached
	 * facets_merge(), which clears these: start from zero. */
	for (int k = 0; k < 2; k++)
		if (r->s->counts[k])
			memset(r->s->counts[k], 0, r->s->count_cap[k] * sizeof(r->s->counts[k][0]));
	memset(r->s->years, 0, sizeof(r->s->years));
	r->s->year_lo = N_YEARS;
	r->s->year_hi = -1;
	if (!p->root || p->stats.n_docs == 0)
		return 0;
	/* Largest title bonus: every word in an exact title. */
	double idf = 0;
	for (uint32_t s = 0; s < p->n_slots; s++)
		idf += p->slot_idf[s];
	r->idf_sum = idf;
	/* All but one word, each with the idf of all: above any title with some words. */
	double most = p->n_slots ? (double)(p->n_slots - 1) / p->n_slots : 0;
	r->part_ub = RANK_TITLE_PART * most * most * idf;
	r->title_ub = (RANK_TITLE_ALL + RANK_TITLE_EXACT) * idf;
	if (r->title_ub < r->part_ub)
		r->title_ub = r->part_ub;
	r->all_slots = p->n_slots >= 64 ? ~0ull : (1ull << p->n_slots) - 1;
	for (uint32_t s = 0; s < p->n_segments && !(r->req->exists_only && r->total); s++)
		if ((rc = run_segment(r, s)) < 0)
			return rc;
	return 0;
}

static int cmp_facet_count(const void *a, const void *b)
{
	const struct facet_val *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int cmp_facet_name_desc(const void *a, const void *b)
{
	const struct facet_val *x = a, *y = b;

	return strcmp(y->name, x->name);
}

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	while (s && *s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

/* The displayed fields of a hit, from the cache or the stored fields. */
static int get_fields(struct searcher *s, const struct index *idx, uint32_t seg, uint32_t doc,
		      struct stored_doc *out)
{
	uint64_t gen = hash_str(index_generation(idx));
	uint32_t slot = (seg * 2654435761u + doc) % DOC_CACHE_SIZE;
	struct doc_cache_entry *e;
	struct stored_doc sd;
	int rc;

	if (!s->cache && !(s->cache = as_calloc(DOC_CACHE_SIZE, sizeof(*s->cache))))
		return segment_get_doc(index_segment(idx, seg), doc, 0, s->arena, out);
	e = &s->cache[slot];
	if (!(e->blob && e->idx == idx && e->generation == gen && e->seg == seg && e->doc == doc)) {
		if ((rc = segment_get_doc(index_segment(idx, seg), doc, 0, s->arena, &sd)) < 0)
			return rc;
		const char *f[N_DC] = { sd.id, sd.title, sd.url, sd.date, sd.type, sd.department };
		size_t total = 0, at = 0;
		for (int i = 0; i < N_DC; i++)
			total += f[i] ? strlen(f[i]) + 1 : 0;
		as_free(e->blob);
		e->blob = NULL;
		if (!(e->blob = as_malloc(total + 1))) {
			*out = sd; /* uncached, still served */
			return 0;
		}
		for (int i = 0; i < N_DC; i++) {
			if (!f[i]) {
				e->fields[i] = NULL;
				continue;
			}
			size_t l = strlen(f[i]) + 1;
			memcpy(e->blob + at, f[i], l);
			e->fields[i] = e->blob + at;
			at += l;
		}
		e->idx = idx;
		e->generation = gen;
		e->seg = seg;
		e->doc = doc;
	}
	memset(out, 0, sizeof(*out));
	out->id = e->fields[DC_ID];
	out->title = e->fields[DC_TITLE];
	out->url = e->fields[DC_URL];
	out->date = e->fields[DC_DATE];
	out->type = e->fields[DC_TYPE];
	out->department = e->fields[DC_DEPARTMENT];
	return 0;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* The --explain line of a hit: its score parts, word by word. */
static int explain_hit(struct run *r, struct search_hit *h, int with_prox, double recent)
{
	struct searcher *s = r->s;
	struct qiter *root;
	struct parts parts = { 0 };
	double score = 0;
	int rc;

	if ((rc = iter_build(r->plan, r->idx, h->seg, r->plan->root, &root)) < 0)
		return rc;
	rc = root->ops->seek(root, h->doc);
	if (rc == 0 && root->doc == h->doc) {
		set_doc(r, index_segment(r->idx, h->seg), h->doc);
		rc = score_doc(r, root, with_prox, &score, &parts);
	}
	if (rc == 0) {
		buf_reset(&s->tmp);
		buf_addstr(&s->tmp, "words");
		for (uint32_t slot = 0; slot < r->plan->n_slots; slot++) {
			const char *w = "?";
			for (uint32_t i = 0; i < r->plan->n_leaves; i++)
				if (r->plan->leaves[i]->slot == (int)slot) {
					w = r->plan->leaves[i]->word ? r->plan->leaves[i]->word : "?";
					break;
				}
			buf_addf(&s->tmp, "%s %s %.3f", slot ? "," : "", w, r->ctx.slot_score[slot]);
			if (r->ctx.slot_title_tf[slot])
				buf_addf(&s->tmp, " (title %u)", r->ctx.slot_title_tf[slot]);
		}
		buf_addf(&s->tmp, " = %.3f; title bonus %.3f; proximity %.3f; recency %.3f; total %.3f", parts.base,
			 parts.title, parts.prox, recent, score + recent);
		if (!s->tmp.err)
			h->explain = arena_strndup(s->arena, s->tmp.ptr, s->tmp.len);
	}
	iter_free(root);
	return rc < 0 ? rc : 0;
}

int search_run(struct searcher *s, const struct index *idx, const struct search_request *req,
	       const struct search_result **out)
{
	struct search_result *res = &s->res;
	double t0 = now_ms();
	struct qnode *q;
	struct plan *plan;
	struct run r;
	uint32_t k, depth;
	int rc;

	*out = NULL;
	arena_reset(s->arena);
	memset(res, 0, sizeof(*res));
	const char *text = req->q ? req->q : "";
	size_t len = strlen(text);
	if (search_query_blank(text))
		return as_error_set(AS_EINVAL, "q: empty; give the words to search for");
	if (req->page == 0 || req->limit == 0)
		return as_error_set(AS_EINVAL, "%s: must be at least 1", req->page == 0 ? "page" : "limit");
	if ((uint64_t)req->page * req->limit > SEARCH_MAX_DEPTH)
		return as_error_set(AS_EINVAL, "page: %u \xc3\x97 limit %u goes past the %dth result, the deepest served "
				    "(the last page is %u)", req->page, req->limit, SEARCH_MAX_DEPTH,
				    SEARCH_MAX_DEPTH / req->limit);
	if (req->from && req->to && req->from > req->to)
		return as_error_set(AS_EINVAL, "from: %04d-%02d-%02d is after to: %04d-%02d-%02d", req->from / 10000,
				    req->from / 100 % 100, req->from % 100, req->to / 10000, req->to / 100 % 100,
				    req->to % 100);

	res->query = text;
	res->page = req->page;
	res->limit = req->limit;
	res->explain = req->explain;
	if ((rc = query_parse(text, len, s->arena, &q)) < 0)
		return rc;
	int cut = rc > 0; /* words past the bounds were left out */
	if ((rc = plan_build(q, text, len, idx, s->an, s->syn, s->arena, &plan)) < 0)
		return rc;
	if (!req->separate_keys)
		plan_merge_twins(plan, idx);
	block_cache_reset(s->blocks);
	plan->blocks = s->blocks;
	k = req->page * req->limit;
	depth = k;
	/* The second phase (proximity, and recency relative to the newest of them) reorders
	 * the first RANK_RERANK candidates: the first phase keeps as many whatever the page
	 * and limit, so that pages of any size continue one another (--limit 1 reranked a
	 * single candidate, fully recent against itself). Sorted by date, proximity only
	 * breaks ties between documents of the same date. */
	if (req->sort == SORT_RELEVANCE && k < RANK_RERANK)
		depth = RANK_RERANK;
	if (depth > s->heap_cap) {
		struct cand *h = as_realloc(s->heap, depth * sizeof(*h));
		if (!h)
			return AS_ENOMEM;
		s->heap = h;
		s->heap_cap = depth;
	}
	memset(&r, 0, sizeof(r));
	r.s = s;
	r.idx = idx;
	r.req = req;
	r.plan = plan;
	r.depth = depth;
	r.ctx.n_slots = plan->n_slots;
	r.ctx.slot_iter = arena_calloc(s->arena, plan->n_slots + 1, sizeof(*r.ctx.slot_iter));
	r.ctx.slot_title_tf = arena_calloc(s->arena, plan->n_slots + 1, sizeof(*r.ctx.slot_title_tf));
	r.ctx.slot_score = arena_calloc(s->arena, plan->n_slots + 1, sizeof(*r.ctx.slot_score));
	r.ctx.norm_cache = arena_calloc(s->arena, N_FIELDS * CTX_NORM_CACHE, sizeof(*r.ctx.norm_cache));
	if (!r.ctx.slot_iter || !r.ctx.slot_title_tf || !r.ctx.slot_score)
		return AS_ENOMEM;
	if ((rc = run_plan(&r)) < 0)
		return rc;
	if (r.total == 0 && plan->and_root) {
		/* No document has every word: the best partial matches, said so. */
		if ((rc = plan_relax(plan, s->arena)) < 0 || (rc = run_plan(&r)) < 0)
			return rc;
		res->relaxed = r.total > 0;
	}
	/* Documents matched the words kept, not every word typed: a partial match too. */
	res->cut = cut;
	if (cut && r.total > 0)
		res->relaxed = 1;
	res->total = r.total;
	res->n_scored = r.n_scored;
	if (plan->suggestion && r.total > 0)
		res->suggestion = plan->suggestion;
	if ((rc = rerank(&r)) < 0)
		return rc;
	uint32_t first = (req->page - 1) * req->limit;
	res->n_hits = r.n_heap > first ? r.n_heap - first : 0;
	if (res->n_hits > req->limit)
		res->n_hits = req->limit;
	if (res->n_hits && !(res->hits = arena_calloc(s->arena, res->n_hits, sizeof(*res->hits))))
		return AS_ENOMEM;
	struct span *spans = NULL;
	if (!req->no_snippets && res->n_hits) {
		if (!(spans = arena_alloc(s->arena, res->n_hits * sizeof(*spans))))
			return AS_ENOMEM;
		if ((rc = hit_spans(&r, first, res->n_hits, spans)) < 0)
			return rc;
	}
	for (uint32_t h = 0; h < res->n_hits; h++) {
		struct search_hit *hit = &res->hits[h];
		const struct cand *c = &s->heap[first + h];
		hit->seg = c->seg;
		hit->doc = c->doc;
		hit->score = c->score;
		if ((rc = get_fields(s, idx, c->seg, c->doc, &hit->sd)) < 0)
			return rc;
		if (!req->no_snippets) {
			const char *body = NULL;
			size_t part = 0, full = SIZE_MAX;
			rc = spans[h].ok ? span_snippet(s, plan, index_segment(idx, c->seg), c, &spans[h], 0,
							hit->sd.title, &body, &part)
					 : 1;
			/* Without a span, most windows are found in a body's first kilobytes:
			 * decompress and analyse those first, and the most the snippet ever reads
			 * (SNIPPET_MAX_SCAN bytes, and a few past them to cut on a character) only
			 * when they are not enough. */
			if (rc > 0) {
				if ((rc = segment_get_body(index_segment(idx, c->seg), c->doc, SNIPPET_FIRST_PART,
							   s->arena, &body, &part, &full)) < 0)
					return rc;
				buf_reset(&s->tmp);
				rc = snippet_make_part(s->an, plan, c->body_slots, body, part, full,
						       snippet_title_skip(body, part, hit->sd.title), &s->tmp);
			}
			if (rc > 0) {
				if ((rc = segment_get_body(index_segment(idx, c->seg), c->doc, SNIPPET_MAX_SCAN + 8,
							   s->arena, &body, &part, &full)) < 0)
					return rc;
				buf_reset(&s->tmp);
				rc = snippet_make_part(s->an, plan, c->body_slots, body, part, full,
						       snippet_title_skip(body, part, hit->sd.title), &s->tmp);
			}
			/* The words only past SNIPPET_MAX_DEPTH (a body of megabytes): nothing in
			 * its start to mark, so the passage is decompressed however deep it is. */
			if (rc == 0 && spans[h].ok && !memmem(s->tmp.ptr ? s->tmp.ptr : "", s->tmp.len, "<mark>", 6) &&
			    (rc = span_snippet(s, plan, index_segment(idx, c->seg), c, &spans[h], 1, hit->sd.title, &body,
					       &part)) > 0)
				rc = 0; /* deeper still: the body's start stays */
			/* No body (a page of tags, a heading alone): its tags, where the words may be. */
			if (rc == 0 && full == 0 && (rc = tags_snippet(s, plan, index_segment(idx, c->seg), c)) > 0)
				rc = 0;
			if (rc < 0)
				return rc;
			hit->sd.body = body;
			hit->sd.body_len = part;
			if (s->tmp.err)
				return AS_ENOMEM;
			if (!(hit->snippet = arena_strndup(s->arena, s->tmp.ptr ? s->tmp.ptr : "", s->tmp.len)))
				return AS_ENOMEM;
		}
		if (req->explain && (rc = explain_hit(&r, hit, c->reranked, c->recent)) < 0)
			return rc;
	}
	for (int f = 0; f < N_FACETS; f++) {
		if (res->facets[f].n > 1)
			qsort(res->facets[f].vals, res->facets[f].n, sizeof(struct facet_val),
			      f == FACET_YEAR ? cmp_facet_name_desc : cmp_facet_count);
		if (res->facets[f].n > FACET_MAX_VALUES)
			res->facets[f].n = FACET_MAX_VALUES;
	}
	res->took_ms = now_ms() - t0;
	*out = res;
	return 0;
}

/* ---- Reading a result ------------------------------------------------------------------ */

uint64_t search_result_total(const struct search_result *res)
{
	return res->total;
}

uint64_t search_result_n_scored(const struct search_result *res)
{
	return res->n_scored;
}

uint32_t search_result_n_hits(const struct search_result *res)
{
	return res->n_hits;
}

int search_result_relaxed(const struct search_result *res)
{
	return res->relaxed;
}

const char *search_result_suggestion(const struct search_result *res)
{
	return res->suggestion;
}

const char *search_result_hit(const struct search_result *res, uint32_t i, double *score, const char **snippet)
{
	if (i >= res->n_hits)
		return NULL;
	if (score)
		*score = res->hits[i].score;
	if (snippet)
		*snippet = res->hits[i].snippet;
	return res->hits[i].sd.id;
}

uint64_t search_result_facet(const struct search_result *res, const char *facet, const char *value)
{
	for (int f = 0; f < N_FACETS; f++) {
		if (strcmp(facet, facet_names[f]) != 0)
			continue;
		for (uint32_t i = 0; i < res->facets[f].n; i++)
			if (strcmp(res->facets[f].vals[i].name, value) == 0)
				return res->facets[f].vals[i].count;
	}
	return 0;
}

/* ---- JSON ------------------------------------------------------------------------------ */

static void json_str(struct buf *out, const char *s)
{
	if (!s) {
		buf_addstr(out, "null");
		return;
	}
	buf_addch(out, '"');
	buf_add_json_str(out, s, strlen(s));
	buf_addch(out, '"');
}

/* A number JSON accepts: finite, shortest of %.4f without trailing zeros. */
static void json_num(struct buf *out, double v)
{
	char tmp[64];
	int n;

	if (!isfinite(v))
		v = 0;
	n = snprintf(tmp, sizeof(tmp), "%.4f", v);
	while (n > 1 && tmp[n - 1] == '0')
		n--;
	if (n > 1 && tmp[n - 1] == '.')
		n--;
	buf_add(out, tmp, (size_t)n);
}

void search_result_json(const struct search_result *res, struct buf *out)
{
	buf_addstr(out, "{\"query\": ");
	json_str(out, res->query);
	buf_addf(out, ", \"total\": %llu, \"page\": %u, \"limit\": %u, \"took_ms\": ",
		 (unsigned long long)res->total, res->page, res->limit);
	json_num(out, res->took_ms);
	buf_addf(out, ", \"relaxed\": %s,\n \"hits\": [", res->relaxed ? "true" : "false");
	for (uint32_t i = 0; i < res->n_hits; i++) {
		const struct search_hit *h = &res->hits[i];
		buf_addstr(out, i ? ",\n  {\"id\": " : "\n  {\"id\": ");
		json_str(out, h->sd.id);
		buf_addstr(out, ", \"title\": ");
		json_str(out, h->sd.title);
		buf_addstr(out, ", \"url\": ");
		json_str(out, h->sd.url);
		buf_addstr(out, ", \"date\": ");
		json_str(out, h->sd.date);
		buf_addstr(out, ", \"type\": ");
		json_str(out, h->sd.type);
		buf_addstr(out, ", \"department\": ");
		json_str(out, h->sd.department);
		buf_addstr(out, ", \"score\": ");
		json_num(out, h->score);
		buf_addstr(out, ", \"snippet\": ");
		json_str(out, h->snippet);
		if (res->explain) {
			buf_addstr(out, ", \"explain\": ");
			json_str(out, h->explain);
		}
		buf_addch(out, '}');
	}
	buf_addstr(out, res->n_hits ? "],\n \"facets\": {" : "],\n \"facets\": {");
	for (int f = 0; f < N_FACETS; f++) {
		buf_addf(out, "%s\"%s\": {", f ? ", " : "", facet_names[f]);
		for (uint32_t i = 0; i < res->facets[f].n; i++) {
			buf_addstr(out, i ? ", " : "");
			json_str(out, res->facets[f].vals[i].name);
			buf_addf(out, ": %llu", (unsigned long long)res->facets[f].vals[i].count);
		}
		buf_addch(out, '}');
	}
	buf_addstr(out, "},\n \"suggestion\": ");
	json_str(out, res->suggestion);
	buf_addstr(out, "}\n");
}

static const char *error_code(int code)
{
	switch (code) {
	case AS_EINVAL: return "invalid_parameter";
	case AS_ENOENT: return "not_found";
	case AS_ECORRUPT: return "corrupt_index";
	case AS_EVERSION: return "unsupported_index_version";
	case AS_EIO: return "io_error";
	case AS_ENOMEM: return "out_of_memory";
	case AS_ELIMIT: return "limit_exceeded";
	default: return "internal_error";
	}
}

void search_error_json(int code, const char *message, struct buf *out)
{
	buf_addstr(out, "{\"error\": {\"code\": ");
	json_str(out, error_code(code));
	buf_addstr(out, ", \"message\": ");
	json_str(out, message ? message : as_strerror(code));
	buf_addstr(out, "}}\n");
}

/* ---- Terminal output ------------------------------------------------------------------- */

/* The snippet for a terminal: entities decoded, marks in bold (or nothing). */
static void add_snippet_text(struct buf *out, const char *s, int color)
{
	static const struct { const char *ent; char c; } ents[] = {
		{ "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' }, { "&#39;", '\'' },
	};
	while (*s) {
		if (strncmp(s, "<mark>", 6) == 0) {
			if (color)
				buf_addstr(out, "\033[1;33m");
			s += 6;
			continue;
		}
		if (strncmp(s, "</mark>", 7) == 0) {
			if (color)
				buf_addstr(out, "\033[0m");
			s += 7;
			continue;
		}
		if (*s == '&') {
			size_t e;
			for (e = 0; e < sizeof(ents) / sizeof(ents[0]); e++)
				if (strncmp(s, ents[e].ent, strlen(ents[e].ent)) == 0)
					break;
			if (e < sizeof(ents) / sizeof(ents[0])) {
				buf_addch(out, ents[e].c);
				s += strlen(ents[e].ent);
				continue;
			}
		}
		buf_addch(out, *s++);
	}
}

void search_result_text(const struct search_result *res, int color, struct buf *out)
{
	const char *bold = color ? "\033[1m" : "", *dim = color ? "\033[2m" : "", *off = color ? "\033[0m" : "";
	uint32_t first = (res->page - 1) * res->limit;

	if (res->suggestion)
		buf_addf(out, "Did you mean: %s%s%s\n\n", bold, res->suggestion, off);
	if (res->relaxed && res->cut)
		buf_addf(out, "Only the start of the query was searched (%d words, %d bytes at most); showing what matches it.\n\n",
			 QUERY_MAX_WORDS, QUERY_MAX_BYTES);
	else if (res->relaxed)
		buf_addstr(out, "No document has every word; showing the closest matches.\n\n");
	for (uint32_t i = 0; i < res->n_hits; i++) {
		const struct search_hit *h = &res->hits[i];
		buf_addf(out, "%2u. %s%s%s\n", first + i + 1, bold, h->sd.title ? h->sd.title : h->sd.id, off);
		buf_addf(out, "    %s", dim);
		int any = 0;
		if (h->sd.date)
			buf_addf(out, "%s", h->sd.date), any = 1;
		if (h->sd.type)
			buf_addf(out, "%s%s", any ? " · " : "", h->sd.type), any = 1;
		if (h->sd.department)
			buf_addf(out, "%s%s", any ? " · " : "", h->sd.department), any = 1;
		buf_addf(out, "%s%s%s\n", any ? " · " : "", h->sd.url ? h->sd.url : h->sd.id, off);
		if (h->snippet && *h->snippet) {
			buf_addstr(out, "    ");
			add_snippet_text(out, h->snippet, color);
			buf_addch(out, '\n');
		}
		if (h->explain)
			buf_addf(out, "    %sscore %.3f: %s%s\n", dim, h->score, h->explain, off);
		buf_addch(out, '\n');
	}
	unsigned long long pages = (res->total + res->limit - 1) / res->limit;
	if (res->total == 0)
		buf_addf(out, "No results for \"%s\".\n", res->query);
	else if (res->n_hits == 0)
		buf_addf(out, "%s%llu result%s · page %u is past the last page (%llu) · %.2f ms%s\n", dim,
			 (unsigned long long)res->total, res->total == 1 ? "" : "s", res->page, pages, res->took_ms, off);
	else
		buf_addf(out, "%s%llu result%s · page %u of %llu · %.2f ms%s\n", dim, (unsigned long long)res->total,
			 res->total == 1 ? "" : "s", res->page, pages, res->took_ms, off);
}

/* ---- Suggest and documents ---------------------------------------------------------------- */

/* Completions /suggest weighs against the words typed before (suggest_in_context), and
 * the most it shows. */
#define SUGGEST_CONTEXT 10
#define SUGGEST_MAX 20

struct candidate {
	char word[128];
	size_t len;
	int continues; /* some document has it after the words typed before */
	int rank;      /* by document frequency */
};

static int cmp_candidate(const void *a, const void *b)
{
	const struct candidate *x = a, *y = b;

	if (x->continues != y->continues)
		return y->continues - x->continues;
	return x->rank - y->rank;
}

/* Whether a live document has word w[0..len) (folded) by its stem, as a search for it
 * would find: 1, 0, or <0 on error. A word that analyses to no term is kept (1). */
static int word_live(struct searcher *s, const struct index *idx, const char *w, size_t len)
{
	char term[TYPO_MAX_WORD * 4 + 1];
	struct token tok;
	size_t tl;
	int found = 0, rc = 0;

	analyzer_start(s->an, w, len, ANALYZER_QUERY);
	if (analyzer_next(s->an, &tok) != 0 || tok.term_len == 0 || tok.term_len >= sizeof(term))
		return 1;
	memcpy(term, tok.term, tok.term_len);
	tl = tok.term_len;
	for (uint32_t i = 0; i < index_n_segments(idx) && !found && rc >= 0; i++) {
		const struct segment *seg = index_segment(idx, i);
		struct term_iter *it;
		if ((rc = term_iter_new(seg, DICT_TERMS, &it)) < 0)
			break;
		for (rc = term_iter_seek(it, term, tl); rc == 0 && !found; rc = term_iter_next(it)) {
			size_t kl;
			const char *k = term_iter_key(it, &kl);
			struct postings *p;
			if (kl < tl || memcmp(k, term, tl) != 0 || (kl > tl && k[tl] != 0x01))
				break; /* past the stem's keys */
			if ((rc = postings_open(seg, term_iter_info(it), 0, &p)) < 0)
				break;
			while (!found && (rc = postings_next(p)) == 0)
				found = segment_is_live(seg, postings_doc(p));
			postings_free(p);
			if (rc < 0)
				break;
		}
		term_iter_free(it);
	}
	return rc < 0 ? rc : found;
}

/*
 * Keeps of the completions c[0..n) those some live document has, copied to cand; returns
 * their number. The word dictionary counts the documents of a segment as written, deleted
 * ones included, and a merge carries its sources' words on: a word of deleted or
 * rewritten documents alone would be offered, and then find nothing.
 */
static int live_completions(struct searcher *s, const struct index *idx, const struct completion *c, int n,
			    struct candidate *cand)
{
	int k = 0, rc;

	for (int i = 0; i < n && k < SUGGEST_MAX; i++) {
		if (c[i].len >= sizeof(cand[0].word))
			continue;
		if ((rc = word_live(s, idx, c[i].word, c[i].len)) < 0)
			return rc;
		if (!rc)
			continue;
		memcpy(cand[k].word, c[i].word, c[i].len);
		cand[k].len = c[i].len;
		cand[k].rank = k;
		cand[k++].continues = 0;
	}
	return k;
}

/*
 * The most frequent completions of the folded prefix `word`, those that continue the
 * words typed before it (q[0..start)) as a phrase of the documents first: `journées eur`
 * offers européennes before euros, which is commoner alone, and `contrat d'appren`
 * apprentissage. Of the `limit` most frequent, the first SUGGEST_CONTEXT are looked for
 * as a phrase by a search of its own that stops at its first match (exists_only); the
 * others, and those no document continues so, keep their order. Into cand[], sorted;
 * returns how many, or <0.
 */
static int suggest_in_context(struct searcher *s, const struct index *idx, const char *q, size_t start,
			      const char *word, size_t wl, uint32_t limit, struct candidate *cand)
{
	struct completion *c;
	struct buf text = BUF_INIT;
	int n = plan_complete(idx, s->arena, word, wl, limit, &c), k, rc = 0;

	if (n < 0)
		return n;
	if ((k = live_completions(s, idx, c, n, cand)) < 0)
		return k;
	/* From here on, each search resets the arena c lives in. */
	for (int i = 0; i < k && i < SUGGEST_CONTEXT && rc >= 0; i++) {
		struct search_request req;
		const struct search_result *res;
		buf_reset(&text);
		buf_addch(&text, '"');
		buf_add(&text, q, start);
		buf_add(&text, cand[i].word, cand[i].len);
		buf_addch(&text, '"');
		if (text.err) {
			rc = AS_ENOMEM;
			break;
		}
		search_request_init(&req);
		req.q = text.ptr;
		req.limit = 1;
		req.no_snippets = 1;
		req.exists_only = 1;
		rc = search_run(s, idx, &req, &res);
		if (rc == 0 && !search_result_relaxed(res))
			cand[i].continues = search_result_total(res) > 0;
		if (rc != AS_ENOMEM)
			rc = 0;
	}
	buf_release(&text);
	if (rc < 0)
		return rc;
	qsort(cand, (size_t)k, sizeof(*cand), cmp_candidate);
	return k;
}

int search_suggest_json(struct searcher *s, const struct index *idx, const char *q, uint32_t limit,
			struct buf *out)
{
	struct candidate cand[SUGGEST_MAX];
	struct completion view[SUGGEST_MAX];
	int context = 0;
	struct completion *c = NULL;
	size_t len = q ? strlen(q) : 0, start;
	int n = 0, rc;

	arena_reset(s->arena);
	if (!q || !utf8_valid(q))
		return as_error_set(AS_EINVAL, "q: not valid UTF-8");
	if (limit == 0 || limit > SUGGEST_MAX)
		limit = limit ? SUGGEST_MAX : 8;
	if (len > QUERY_MAX_BYTES)
		len = QUERY_MAX_BYTES;
	while (len > 0 && ((unsigned char)q[len] & 0xC0) == 0x80 && len < strlen(q))
		len--;
	/* The last word, as typed so far. */
	start = len;
	while (start > 0 && q[start - 1] != ' ' && q[start - 1] != '\t' && q[start - 1] != '"' && q[start - 1] != '(')
		start--;
	/* `-boul`, `title:boul`, `titre:boul`: the operator stays as typed, the word is
	 * completed. */
	if (start < len && q[start] == '-')
		start++;
	for (size_t i = start; i < len && i - start <= 5 && ((q[i] | 0x20) >= 'a' && (q[i] | 0x20) <= 'z'); i++)
		if (q[i + 1] == ':') {
			start = i + 2;
			break;
		}
	buf_reset(&s->tmp);
	if (start < len) {
		const char *w = q + start;
		size_t wl = len - start;
		/* `d'appren`: complete `appren` (the elision is not part of the word). */
		for (size_t i = wl; i > 0; i--)
			if (w[i - 1] == '\'' || (i >= 3 && memcmp(w + i - 3, "\xe2\x80\x99", 3) == 0)) {
				start += i;
				w += i;
				wl -= i;
				break;
			}
		while (wl > 0 && w[wl - 1] == '*')
			wl--;
		if ((rc = analyzer_fold(w, wl, &s->tmp)) < 0)
			return rc;
		/* Words typed before this one, plain words only (no quote, group, field,
		 * exclusion or prefix: they would not make a phrase with it)? */
		for (size_t i = 0; i < start && context >= 0; i++)
			if (strchr("\"():*", q[i]) || (q[i] == '-' && (i == 0 || q[i - 1] == ' ')))
				context = -1;
			else if ((unsigned char)q[i] >= 0x80 || (q[i] >= '0' && q[i] <= '9') ||
				 ((q[i] | 0x20) >= 'a' && (q[i] | 0x20) <= 'z'))
				context = 1;
		context = context > 0;
		if (s->tmp.len > 0 && context) {
			n = suggest_in_context(s, idx, q, start, s->tmp.ptr, s->tmp.len, limit, cand);
		} else if (s->tmp.len > 0) {
			n = plan_complete(idx, s->arena, s->tmp.ptr, s->tmp.len, limit, &c);
			/* None as typed: as it was surely meant (`aprent`). */
			if (n == 0)
				n = plan_complete_typo(idx, s->arena, s->tmp.ptr, s->tmp.len, limit, &c);
			if (n > 0)
				n = live_completions(s, idx, c, n, cand);
		}
		if (n < 0)
			return n;
		/* cand holds them now: the arena is free for plan_accent(). */
		arena_reset(s->arena);
		for (int i = 0; i < n; i++)
			view[i] = (struct completion){ cand[i].word, cand[i].len, 0 };
		c = view;
	}
	buf_addstr(out, "{\"query\": ");
	json_str(out, q);
	buf_addstr(out, ", \"suggestions\": [");
	for (int i = 0; i < n; i++) {
		/* Completions come folded from the word dictionary: shown with their accents. */
		const char *w = plan_accent(idx, s->an, s->arena, c[i].word, c[i].len, q + start, len - start);
		if (!w)
			return AS_ENOMEM;
		buf_addstr(out, i ? ", \"" : "\"");
		buf_add_json_str(out, q, start);
		buf_add_json_str(out, w, strlen(w));
		buf_addch(out, '"');
	}
	buf_addstr(out, "]}\n");
	return out->err;
}

int search_document_json(struct searcher *s, const struct index *idx, const char *id, struct buf *out)
{
	struct stored_doc sd;
	uint32_t seg, doc;
	int rc;

	arena_reset(s->arena);
	if ((rc = index_find_doc(idx, id, &seg, &doc)) < 0)
		return rc == AS_ENOENT ? as_error_set(AS_ENOENT, "no document '%.*s'", quote_len(id, 200), id) : rc;
	if ((rc = segment_get_doc(index_segment(idx, seg), doc, 0, s->arena, &sd)) < 0)
		return rc;
	buf_addstr(out, "{\"id\": ");
	json_str(out, sd.id);
	buf_addstr(out, ", \"title\": ");
	json_str(out, sd.title);
	buf_addstr(out, ", \"url\": ");
	json_str(out, sd.url);
	buf_addstr(out, ", \"date\": ");
	json_str(out, sd.date);
	buf_addstr(out, ", \"type\": ");
	json_str(out, sd.type);
	buf_addstr(out, ", \"department\": ");
	json_str(out, sd.department);
	buf_addstr(out, ", \"tags\": [");
	for (size_t i = 0; i < sd.n_tags; i++) {
		buf_addstr(out, i ? ", " : "");
		json_str(out, sd.tags[i]);
	}
	buf_addstr(out, "]}\n");
	return out->err;
}
