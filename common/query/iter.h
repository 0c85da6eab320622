#ifndef AS_QUERY_ITER_H
#define AS_QUERY_ITER_H
/*
 * Query evaluation over one segment: a tree of iterators built from a plan (plan.h),
 * after SQLite FTS5's expression nodes (sqlite3Fts5ExprFirst/Next/Eof). The vtable is
 * minimal: moving (next, seek), the current document (`doc`), and what scoring needs
 * (score, bound). Loop idiom:
 *
 *     struct qiter *it;
 *     iter_build(plan, seg_no, plan->root, &it);
 *     for (rc = it->ops->next(it); rc == 0; rc = it->ops->next(it))
 *             use(it->doc);                   matches in increasing document order
 *     if (rc < 0) error;
 *     iter_free(it);
 *
 * next() and seek() return 0 positioned, >0 exhausted (doc == QITER_END), <0 an error
 * from the index. seek(target) moves to the first match >= target and never backwards
 * (a positioned iterator already at or past target stays). `doc` is meaningful only
 * after a call returned 0.
 *
 * score() is the score of the current document, given its field lengths in ctx; it
 * also records, per query word (slot), which leaf matched and its title frequency,
 * for the title and proximity bonuses. bound(target, &last) is an upper bound of
 * score() for every document in target..last, from the index's per-block maxima
 * (postings_shallow_seek / postings_block_max), as block-max WAND and MaxScore use
 * them (Ding & Suel, "Faster top-k document retrieval using block-max indexes",
 * SIGIR 2011); it does not move the iterator. It also ORs into *title_slots the bit
 * (1 << slot) of every query word that may occur in a title there, so the caller can
 * bound the title bonus too. doc_bound(ctx) tightens that bound for one document of
 * the range given its field lengths (ctx_set_doc): the block maxima of the last bound()
 * call, normalised by this document's lengths rather than the block's shortest; it adds
 * to ctx->title_tf_ub the most title occurrences the words can have there. Neither
 * reads the postings, so both are much cheaper than moving to the document and scoring it.
 * mark(ctx) records in ctx what score() records for the proximity bonus (each word's
 * leaf on the document, its title occurrences) without scoring: for documents whose
 * first-phase score is already known.
 */
#include <stdint.h>

#include "common/index/index.h"

struct plan;
struct pnode;

#define QITER_END UINT32_MAX

struct qiter;
struct leaf_iter;

/* What score() reads about the current document and writes about the query words. */
struct score_ctx {
	uint32_t len[N_FIELDS];          /* the document's field lengths */
	double fnorm[N_FIELDS];          /* W_f / (1 - B_f + B_f len_f / avglen_f), set by ctx_set_doc */
	uint32_t n_slots;
	struct leaf_iter **slot_iter;    /* [n_slots]: a leaf of that word positioned on the document */
	uint32_t *slot_title_tf;         /* [n_slots]: occurrences in the title */
	double *slot_score;              /* [n_slots]: its BM25F part, for --explain */
	uint64_t body_slots;             /* bit (1 << slot) of each word found in the body */
	uint32_t title_tf_ub;            /* doc_bound(): the most title occurrences the words can have */
	double *norm_cache;              /* [N_FIELDS * CTX_NORM_CACHE], zeroed per query, or NULL */
	double len_w[N_FIELDS];          /* B_f / avglen_f, set by the first ctx_set_doc() */
	int len_w_set;
};

/* Field lengths below this have their norms cached by ctx_set_doc(): titles and tags are
 * short, and a division per field per scored document shows in profiles. */
#define CTX_NORM_CACHE 64

/* Sets the field lengths of the document about to be scored and their BM25F norms. */
void ctx_set_doc(struct score_ctx *ctx, const struct plan *plan, const uint32_t len[N_FIELDS]);

struct qiter_ops {
	int (*next)(struct qiter *it);
	int (*seek)(struct qiter *it, uint32_t target);
	double (*score)(struct qiter *it, struct score_ctx *ctx);
	double (*bound)(struct qiter *it, uint32_t target, uint32_t *last, uint64_t *title_slots);
	double (*doc_bound)(struct qiter *it, struct score_ctx *ctx);
	void (*mark)(struct qiter *it, struct score_ctx *ctx);
	void (*free)(struct qiter *it);
};

struct qiter {
	const struct qiter_ops *ops;
	uint32_t doc;
	int started;
};

/* An iterator for `node` over segment number seg_no of the plan's index. Positions are
 * decoded when the plan needs them. You own *out; free with iter_free(). */
int iter_build(const struct plan *plan, const struct index *idx, uint32_t seg_no,
	       const struct pnode *node, struct qiter **out);
void iter_free(struct qiter *it);

/*
 * The bulk path, for the commonest plans: one word, words that must all be there (with
 * excluded words), or words of which any may be, matched list by list rather than
 * through iterators: the rarest word's lists decoded whole (for any of the words, every
 * list), the others sought candidate by candidate and merged in step inside their
 * blocks (or only sought, when candidates are few). Much cheaper per
 * match than the iterators, so every match is scored: exact totals and facets visit
 * them all anyway. bulk_match(): 0 with *n candidates (in document order, not yet
 * checked for deletion or filters), 1 when the plan has another shape or a word with keys
 * that only score (leaf_key.opt; use iterators),
 * <0 on error. bulk_view() gives candidate c's document docs[c] and
 * whether it matches, alive[c] (valid until the next bulk_match()); bulk_score() is
 * score() for a matching one.
 */
struct bulk;
int bulk_new(struct bulk **out);
void bulk_free(struct bulk *b);
int bulk_match(struct bulk *b, const struct plan *plan, const struct index *idx, uint32_t seg_no, uint32_t *n);
void bulk_view(const struct bulk *b, const uint32_t **docs, const uint8_t **alive);
double bulk_score(const struct bulk *b, uint32_t c, struct score_ctx *ctx);
/*
 * bulk_score() of the candidates cs[0..n) (matching ones, in document order) into out[]:
 * exactly what set_doc() then bulk_score() give. title[j] is set where every query word
 * is in the document's title: the title bonus may apply there, which the caller adds
 * through ctx (set_doc, bulk_score); elsewhere it is zero. A candidate whose score is
 * surely below `floor` may get -HUGE_VAL instead (-HUGE_VAL: none is). base + j of the
 * candidates that may reach floor (title[j] set, or out[j] >= floor) go to keep[], *n_keep
 * of them. Returns how many were scored. bulk_body_slots() is the body_slots
 * bulk_score() leaves in ctx for candidate c.
 */
uint32_t bulk_score_all(struct bulk *b, struct score_ctx *ctx, const struct plan *plan, const struct segment *seg,
			const uint32_t *cs, uint32_t n, double floor, double *out, uint8_t *title, uint32_t base,
			uint32_t *keep, uint32_t *n_keep);
uint64_t bulk_body_slots(const struct bulk *b, uint32_t c, uint32_t n_slots);

/* Positions of a leaf's word in field f of its current document, merged over its keys;
 * owned by the iterator until it moves. 0, or <0 on error. */
int leaf_iter_positions(struct leaf_iter *li, enum field f, const uint32_t **pos, uint32_t *n);

#endif
