#include "common/query/plan.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "common/query/iter.h"
#include "common/query/limits.h"
#include "common/query/parse.h"
#include "common/query/rank.h"
#include "common/query/synonyms.h"
#include "common/query/typo.h"
#include "common/text/analyzer.h"
#include "common/util/arena.h"
#include "common/util/buf.h"
#include "common/util/error.h"

struct builder {
	const struct index *idx;
	struct analyzer *an;
	const struct synonyms *syn;
	struct arena *arena;
	struct plan *plan;
	const char *q;
	size_t q_len;
	int rc;          /* first error */
	int has_phrase;
	struct term_iter **iters; /* DICT_TERMS iterator per segment, made on demand */
};

/* Grows an arena array of `size`-byte items to hold n + 1. */
static void *grow(struct builder *b, void *arr, uint32_t n, uint32_t *cap, size_t size)
{
	void *na;
	uint32_t ncap;

	if (n < *cap)
		return arr;
	ncap = *cap ? *cap * 2 : 4;
	if (!(na = arena_alloc(b->arena, (size_t)ncap * size))) {
		b->rc = AS_ENOMEM;
		return NULL;
	}
	if (n)
		memcpy(na, arr, (size_t)n * size);
	*cap = ncap;
	return na;
}

static char *dup(struct builder *b, const char *s, size_t len)
{
	char *d = arena_strndup(b->arena, s, len);

	if (!d)
		b->rc = AS_ENOMEM;
	return d;
}

double plan_idf(uint64_t df, uint64_t n_docs)
{
	double n = (double)n_docs, d = (double)df;

	if (d > n)
		d = n;
	return log(1.0 + (n - d + 0.5) / (d + 0.5));
}

/* ---- Leaves and nodes ------------------------------------------------------------ */

static struct leaf *leaf_new(struct builder *b, int slot, unsigned fields)
{
	struct plan *p = b->plan;
	struct leaf *l;

	if (p->n_leaves >= QUERY_MAX_TERMS)
		return NULL;
	l = arena_calloc(b->arena, 1, sizeof(*l));
	struct leaf **nl = grow(b, p->leaves, p->n_leaves, &p->cap_leaves, sizeof(*nl));
	if (!l || !nl) {
		b->rc = AS_ENOMEM;
		return NULL;
	}
	l->slot = slot;
	l->fields = fields ? fields : (1u << N_FIELDS) - 1;
	p->leaves = nl;
	p->leaves[p->n_leaves++] = l;
	return l;
}

/*
 * Adds a term to a leaf (once: a second origin keeps the better weight). The strings are
 * copied unless `owned`: NUL-terminated copies in the arena already (analyse()'s).
 */
static void leaf_add_term_owned(struct builder *b, struct leaf *l, const char *term, size_t term_len,
				const char *exact, size_t exact_len, const char *word, size_t word_len,
				enum term_origin origin, double w, int accent_typed, int owned)
{
	struct leaf_term *t;

	if (term_len == 0)
		return;
	for (uint32_t i = 0; i < l->n_terms; i++) {
		t = &l->terms[i];
		if (t->term_len == term_len && memcmp(t->term, term, term_len) == 0 &&
		    t->exact_len == exact_len && memcmp(t->exact, exact, exact_len) == 0) {
			t->family = 0; /* reached otherwise too: the word's own */
			if (w > t->w) {
				t->w = w;
				t->origin = origin;
			}
			return;
		}
	}
	if (!(t = grow(b, l->terms, l->n_terms, &l->cap_terms, sizeof(*t))))
		return;
	l->terms = t;
	t = &l->terms[l->n_terms];
	memset(t, 0, sizeof(*t));
	t->term = owned ? term : dup(b, term, term_len);
	t->exact = owned ? exact : dup(b, exact, exact_len);
	t->word = owned ? word : dup(b, word, word_len);
	t->term_len = term_len;
	t->exact_len = exact_len;
	t->origin = origin;
	t->w = w;
	t->accent_typed = accent_typed;
	if (t->term && t->exact && t->word)
		l->n_terms++;
}

static void leaf_add_term(struct builder *b, struct leaf *l, const char *term, size_t term_len,
			  const char *exact, size_t exact_len, const char *word, size_t word_len,
			  enum term_origin origin, double w, int accent_typed)
{
	leaf_add_term_owned(b, l, term, term_len, exact, exact_len, word, word_len, origin, w, accent_typed, 0);
}

/* Adds the term(s) of one word of the dictionary (prefix completion, correction). */
static void leaf_add_word(struct builder *b, struct leaf *l, const char *word, size_t len,
			  enum term_origin origin, double w)
{
	struct token tok;
	int rc;

	analyzer_start(b->an, word, len, ANALYZER_QUERY);
	while ((rc = analyzer_next(b->an, &tok)) == 0) {
		if (tok.flags & TOKEN_PART)
			continue;
		leaf_add_term(b, l, tok.term, tok.term_len, tok.exact, tok.exact_len, word, len,
			      origin, w, 0);
		if (tok.alt_len)
			leaf_add_term(b, l, tok.alt, tok.alt_len, tok.alt, tok.alt_len, word, len,
				      origin, w, 0);
		break;
	}
	if (rc < 0 && !b->rc)
		b->rc = rc;
}

static struct pnode *node_new(struct builder *b, enum pnode_kind kind, uint32_t n_kids)
{
	struct pnode *n = arena_calloc(b->arena, 1, sizeof(*n));

	if (!n || (n_kids && !(n->kids = arena_calloc(b->arena, n_kids, sizeof(*n->kids))))) {
		b->rc = AS_ENOMEM;
		return NULL;
	}
	n->kind = kind;
	return n;
}

static struct pnode *leaf_node(struct builder *b, struct leaf *l)
{
	struct pnode *n;

	if (!l || !(n = node_new(b, PN_LEAF, 0)))
		return NULL;
	n->leaf = l;
	return n;
}

/* ---- Prefixes ---------------------------------------------------------------------- */

static int cmp_completion(const void *a, const void *b)
{
	const struct completion *x = a, *y = b;
	int c;

	if (x->df != y->df)
		return x->df > y->df ? -1 : 1;
	c = memcmp(x->word, y->word, x->len < y->len ? x->len : y->len);
	return c ? c : (x->len > y->len) - (x->len < y->len);
}

/*
 * The most frequent words of DICT_WORDS starting with prefix[0..len): at most `max`, in
 * *out (arena), most frequent first. Each segment keeps its best `max` (a bounded
 * min-heap would do; the scan is bounded by PREFIX_MAX_SCAN anyway), then equal words
 * of several segments add up.
 */
int plan_complete(const struct index *idx, struct arena *arena, const char *prefix, size_t len,
		  uint32_t max, struct completion **out)
{
	uint32_t n_segs = index_n_segments(idx), n = 0, cap = max * (n_segs ? n_segs : 1);
	struct completion *all = arena_alloc(arena, (size_t)(cap + 1) * sizeof(*all));

	*out = all;
	if (!all)
		return AS_ENOMEM;
	for (uint32_t s = 0; s < n_segs; s++) {
		struct term_iter *it;
		uint32_t base = n, scanned = 0;
		int rc;

		if ((rc = term_iter_new(index_segment(idx, s), DICT_WORDS, &it)) < 0)
			return rc;
		for (rc = term_iter_seek(it, prefix, len); rc == 0 && scanned < PREFIX_MAX_SCAN;
		     rc = term_iter_next(it), scanned++) {
			size_t kl;
			const char *k = term_iter_key(it, &kl);
			uint64_t df = term_iter_info(it)->doc_freq;
			if (kl < len || memcmp(k, prefix, len) != 0)
				break;
			if (analyzer_is_stop_word(k, kl) || memchr(k + len, 0x01, kl - len))
				continue; /* a word's written form (word_form) is no word */
			if (n - base < max) {
				if (!(all[n].word = arena_strndup(arena, k, kl))) {
					term_iter_free(it);
					return AS_ENOMEM;
				}
				all[n].len = kl;
				all[n++].df = df;
				continue;
			}
			/* Replace the least frequent of this segment's list when better. */
			uint32_t worst = base;
			for (uint32_t i = base + 1; i < n; i++)
				if (all[i].df < all[worst].df)
					worst = i;
			if (df > all[worst].df) {
				if (!(all[worst].word = arena_strndup(arena, k, kl))) {
					term_iter_free(it);
					return AS_ENOMEM;
				}
				all[worst].len = kl;
				all[worst].df = df;
			}
		}
		term_iter_free(it);
		if (rc < 0)
			return rc;
	}
	/* Merge equal words of different segments. */
	for (uint32_t i = 0; i < n; i++)
		for (uint32_t j = i + 1; j < n; j++)
			if (all[j].len == all[i].len && all[i].len && memcmp(all[i].word, all[j].word, all[i].len) == 0) {
				all[i].df += all[j].df;
				all[j].len = 0;
				all[j].df = 0;
			}
	uint32_t k = 0;
	for (uint32_t i = 0; i < n; i++)
		if (all[i].len)
			all[k++] = all[i];
	qsort(all, k, sizeof(*all), cmp_completion);
	return (int)(k < max ? k : max);
}

static void expand_prefix(struct builder *b, struct leaf *l)
{
	struct completion *c;
	int n;

	if (l->word_len < PREFIX_MIN_LEN)
		return;
	n = plan_complete(b->idx, b->arena, l->word, l->word_len, PREFIX_MAX_EXPANSIONS, &c);
	if (n < 0) {
		b->rc = n;
		return;
	}
	for (int i = 0; i < n; i++) {
		int whole = c[i].len == l->word_len;
		leaf_add_word(b, l, c[i].word, c[i].len, whole ? ORIGIN_QUERY : ORIGIN_PREFIX,
			      whole ? RANK_W_EXACT : RANK_W_PREFIX);
	}
}

struct typo_completions {
	struct arena *arena;
	struct completion *c;
	unsigned *dist;
	uint32_t n, max;
	int err;
};

/* Whether a (at distance da) should come before b (at db). */
static int completes_better(const struct completion *a, unsigned da, const struct completion *b, unsigned db)
{
	return da != db ? da < db : a->df > b->df;
}

static void on_typo_completion(void *ctx, const char *key, size_t len, unsigned dist, uint32_t df)
{
	struct typo_completions *t = ctx;
	struct completion c = { key, len, df };
	uint32_t i, worst = 0;

	if (t->err || analyzer_is_stop_word(key, len))
		return;
	for (i = 0; i < t->n; i++)
		if (t->c[i].len == len && memcmp(t->c[i].word, key, len) == 0) {
			t->c[i].df += df; /* the same word in another segment */
			return;
		}
	if (t->n == t->max) {
		for (i = 1; i < t->n; i++)
			if (completes_better(&t->c[worst], t->dist[worst], &t->c[i], t->dist[i]))
				worst = i;
		if (!completes_better(&c, dist, &t->c[worst], t->dist[worst]))
			return;
		i = worst;
	} else {
		i = t->n++;
	}
	if (!(t->c[i].word = arena_strndup(t->arena, key, len))) {
		t->err = AS_ENOMEM;
		return;
	}
	t->c[i].len = len;
	t->c[i].df = df;
	t->dist[i] = dist;
}

int plan_complete_typo(const struct index *idx, struct arena *arena, const char *prefix, size_t len,
		       uint32_t max, struct completion **out)
{
	unsigned k = typo_max_edits(prefix, len);
	struct typo_completions t = { arena, NULL, NULL, 0, max, 0 };

	*out = NULL;
	if (k == 0 || len > TYPO_MAX_WORD || max == 0)
		return 0;
	t.c = arena_alloc(arena, max * sizeof(*t.c));
	t.dist = arena_alloc(arena, max * sizeof(*t.dist));
	if (!t.c || !t.dist)
		return AS_ENOMEM;
	for (uint32_t s = 0; s < index_n_segments(idx) && !t.err; s++) {
		int rc = typo_walk_prefix(index_segment(idx, s), prefix, len, k, on_typo_completion, &t);
		if (rc < 0)
			return rc;
	}
	if (t.err)
		return t.err;
	/* The closest, then the most frequent: a few, sorted by insertion. */
	for (uint32_t i = 1; i < t.n; i++)
		for (uint32_t j = i; j > 0 && completes_better(&t.c[j], t.dist[j], &t.c[j - 1], t.dist[j - 1]); j--) {
			struct completion c = t.c[j];
			unsigned d = t.dist[j];
			t.c[j] = t.c[j - 1], t.dist[j] = t.dist[j - 1];
			t.c[j - 1] = c, t.dist[j - 1] = d;
		}
	*out = t.c;
	return (int)t.n;
}

/* ---- Analysis of words and phrases --------------------------------------------------- */

struct qtok {
	struct token t;
	char *term, *exact, *alt, *word;
};

#define MAX_TOKS 24

/* Runs the analyzer over text, copying up to MAX_TOKS tokens. */
static int analyse(struct builder *b, const char *text, size_t len, struct qtok *toks)
{
	struct token tok;
	int rc, n = 0;

	analyzer_start(b->an, text, len, ANALYZER_QUERY);
	while ((rc = analyzer_next(b->an, &tok)) == 0) {
		if (n == MAX_TOKS)
			continue;
		/* The analyzer's strings last until its next token: copied, in one allocation. */
		size_t tl = tok.term_len, el = tok.exact_len, al = tok.alt ? tok.alt_len : 0, wl = tok.word_len;
		char *m = arena_alloc(b->arena, tl + el + al + wl + 4);
		if (!m)
			return b->rc = AS_ENOMEM;
		toks[n].t = tok;
		toks[n].term = memcpy(m, tok.term, tl);
		m[tl] = '\0', m += tl + 1;
		toks[n].exact = memcpy(m, tok.exact, el);
		m[el] = '\0', m += el + 1;
		toks[n].alt = al ? memcpy(m, tok.alt, al) : m;
		m[al] = '\0', m += al + 1;
		toks[n].word = memcpy(m, tok.word, wl);
		m[wl] = '\0';
		n++;
	}
	if (rc < 0)
		return b->rc = rc;
	return n;
}

struct syn_ctx {
	struct builder *b;
	struct leaf *leaf;
	struct pnode *alts[SYNONYM_MAX_EXPANSIONS];
	uint32_t n_alts, n_added;
	unsigned fields;
	double w; /* add_word_synonym()'s weight */
};

static struct pnode *phrase_node(struct builder *b, const char *const *terms, const char *const *words,
				 const uint32_t *positions, uint32_t n, int slot, unsigned fields);

static void add_synonym(void *ctx, const struct syn_member *m)
{
	struct syn_ctx *sc = ctx;

	if (sc->n_added >= SYNONYM_MAX_EXPANSIONS)
		return;
	sc->n_added++;
	if (m->n_terms == 1) {
		leaf_add_term(sc->b, sc->leaf, m->terms[0], strlen(m->terms[0]), m->terms[0],
			      strlen(m->terms[0]), m->words[0], strlen(m->words[0]), ORIGIN_SYNONYM,
			      RANK_W_SYNONYM, 0);
		return;
	}
	struct pnode *ph = phrase_node(sc->b, m->terms, m->words, m->positions, m->n_terms,
				       sc->leaf->slot, sc->fields);
	if (ph && sc->n_alts < SYNONYM_MAX_EXPANSIONS)
		sc->alts[sc->n_alts++] = ph;
}

/* add_synonym() for a leaf that cannot take phrases beside it: a corrected word (its
 * synonyms weighed as a correction's, rank.h; word_node() built its phrases before the
 * corrections were known) or a part of a hyphenated word (a member of the parts' phrase:
 * `st-etienne` is `saint-étienne`). Its one-word synonyms join the leaf with weight sc->w;
 * longer members are left out. */
static void add_word_synonym(void *ctx, const struct syn_member *m)
{
	struct syn_ctx *sc = ctx;

	if (m->n_terms != 1 || sc->n_added >= SYNONYM_MAX_EXPANSIONS)
		return;
	sc->n_added++;
	leaf_add_term(sc->b, sc->leaf, m->terms[0], strlen(m->terms[0]), m->terms[0], strlen(m->terms[0]),
		      m->words[0], strlen(m->words[0]), ORIGIN_SYNONYM, sc->w, 0);
}

/*
 * The other grammatical number of a query word, when Snowball stems it otherwise: it
 * reads `boulanger` as a verb (`boulang`) but `boulangers` as a noun (`boulanger`), and
 * keeps `élu` and `élus` apart, so a visitor typing one would miss the documents saying
 * the other (FRENCH.md 5). The stem of the word with a final s or x dropped, or with an s
 * added, joins the leaf as the word itself when it differs.
 */
static void add_other_number(struct builder *b, struct leaf *l, const struct qtok *t, int accent_typed)
{
	char v[TYPO_MAX_WORD + 2];
	size_t n = t->t.word_len;
	struct token tok;

	if (n < 3 || n > TYPO_MAX_WORD || (t->t.flags & TOKEN_NUMBER) || (t->word[n - 1] == 's' && t->word[n - 2] == 's'))
		return; /* `-ss` is no plural (`stress`; `diplômess` is a typo) */
	memcpy(v, t->word, n);
	if (v[n - 1] == 's' || v[n - 1] == 'x')
		n--;
	else
		v[n++] = 's';
	analyzer_start(b->an, v, n, ANALYZER_QUERY);
	if (analyzer_next(b->an, &tok) != 0 || (tok.flags & (TOKEN_COMPOUND | TOKEN_PART)))
		return;
	if ((tok.term_len == t->t.term_len && memcmp(tok.term, t->term, tok.term_len) == 0) ||
	    (tok.term_len == t->t.alt_len && memcmp(tok.term, t->alt, tok.term_len) == 0))
		return;
	leaf_add_term(b, l, tok.term, tok.term_len, tok.exact, tok.exact_len, t->word, t->t.word_len, ORIGIN_QUERY,
		      RANK_W_EXACT, accent_typed);
}

static uint64_t word_df(struct builder *b, const char *w, size_t len);
static uint64_t dict_df(struct builder *b, enum dict kind, const char *w, size_t len);

/*
 * Snowball reads a noun in -er as a verb: `boulanger` is boulang, but its plural and
 * `boulangerie` are boulanger, as `horloger` and `horlogerie`, `boucher` and
 * `boucherie`. A word whose stem ends in -er and is itself a word the documents
 * write, which Snowball stems without its -er, scores that word too where it matches
 * (leaf_key.opt: the family word matches nothing alone, so the matches and --sort date
 * stay the word's own).
 */
static void add_stem_word(struct builder *b, struct leaf *l, const struct qtok *t)
{
	size_t n = t->t.term_len;
	struct token tok;

	if (n < 4 || n > TYPO_MAX_WORD || (t->t.flags & TOKEN_NUMBER) || memcmp(t->term + n - 2, "er", 2) != 0)
		return;
	analyzer_start(b->an, t->term, n, ANALYZER_QUERY);
	if (analyzer_next(b->an, &tok) != 0 || (tok.flags & (TOKEN_COMPOUND | TOKEN_PART)))
		return;
	/* Only that: another suffix taken off (`selection`, a word, is select) finds other
	 * words (`select`). */
	if (tok.term_len + 2 != n || memcmp(tok.term, t->term, tok.term_len) != 0 ||
	    (tok.term_len == t->t.alt_len && memcmp(tok.term, t->alt, tok.term_len) == 0))
		return;
	/* And only where that stem is mostly that word's: `boucher`'s bouch is also `bouche`
	 * and `Bouches-du-Rhône`, `horloger`'s horlog `horloge`. */
	uint64_t written = word_df(b, t->term, n);
	if (written == 0 || dict_df(b, DICT_TERMS, tok.term, tok.term_len) > written + written / 4)
		return;
	uint32_t n_terms = l->n_terms;
	leaf_add_term(b, l, tok.term, tok.term_len, tok.exact, tok.exact_len, t->word, t->t.word_len, ORIGIN_QUERY,
		      RANK_W_STEM_WORD, 0);
	if (l->n_terms > n_terms)
		l->terms[n_terms].family = 1;
}

/* Whether the word was typed with an accent that its exact stem keeps (`marché`). */
static int typed_accent(const struct qtok *t)
{
	return t->t.exact_len != t->t.term_len || memcmp(t->exact, t->term, t->t.term_len) != 0;
}

static void add_accented_forms(struct builder *b, struct leaf *l, const struct qtok *t);

/* A leaf for one analysed token of the query. */
static struct leaf *token_leaf(struct builder *b, const struct qtok *t, const char *lexeme, int slot,
			       unsigned fields)
{
	struct leaf *l = leaf_new(b, slot, fields);

	if (!l)
		return NULL;
	l->word = t->word;
	l->word_len = t->t.word_len;
	l->surface = lexeme + t->t.start;
	l->surface_len = t->t.end - t->t.start;
	if (t->t.flags & TOKEN_PREFIX) {
		l->prefix = 1;
		l->no_typo = 1;
		expand_prefix(b, l);
		return l;
	}
	int accent_typed = typed_accent(t);
	leaf_add_term_owned(b, l, t->term, t->t.term_len, t->exact, t->t.exact_len, t->word, t->t.word_len,
			    ORIGIN_QUERY, RANK_W_EXACT, accent_typed, 1);
	if (t->t.alt_len)
		leaf_add_term_owned(b, l, t->alt, t->t.alt_len, t->alt, t->t.alt_len, t->word, t->t.word_len,
				    ORIGIN_QUERY, RANK_W_EXACT, 0, 1);
	add_other_number(b, l, t, accent_typed);
	if (slot >= 0 && !(t->t.flags & TOKEN_NUMBER))
		add_accented_forms(b, l, t);
	add_stem_word(b, l, t); /* last: a term the word has already is no family word */
	l->no_typo = slot < 0 || (t->t.flags & TOKEN_NUMBER) || typo_max_edits(t->word, t->t.word_len) == 0;
	l->completable = slot >= 0 && !(t->t.flags & TOKEN_NUMBER);
	return l;
}

/* A leaf node plus its synonyms: the leaf alone, or MAX(leaf, synonym phrases...). */
static struct pnode *word_node(struct builder *b, const struct qtok *t, const char *lexeme, int slot,
			       unsigned fields)
{
	struct leaf *l = token_leaf(b, t, lexeme, slot, fields);
	struct pnode *n = leaf_node(b, l), *m;
	struct syn_ctx sc = { .b = b, .leaf = l, .fields = fields };

	if (!n || l->prefix || slot < 0)
		return n;
	synonyms_lookup(b->syn, t->term, t->t.term_len, add_synonym, &sc);
	/* Else those of the word's other stems (its other number, its accented forms), as
	 * the word typed so would have: `creees` has `créées`' synonyms. */
	for (uint32_t k = 1; k < l->n_terms && sc.n_added == 0; k++)
		if (l->terms[k].origin == ORIGIN_QUERY)
			synonyms_lookup(b->syn, l->terms[k].term, l->terms[k].term_len, add_synonym, &sc);
	if (sc.n_alts == 0)
		return n;
	if (!(m = node_new(b, PN_MAX, sc.n_alts + 1)))
		return NULL;
	m->kids[0] = n;
	memcpy(m->kids + 1, sc.alts, sc.n_alts * sizeof(*sc.alts));
	m->n_kids = sc.n_alts + 1;
	return m;
}

static struct pnode *phrase_node(struct builder *b, const char *const *terms, const char *const *words,
				 const uint32_t *positions, uint32_t n, int slot_shared, unsigned fields)
{
	struct pnode *ph;

	if (n == 0)
		return NULL;
	if (!(ph = node_new(b, PN_PHRASE, n)) || !(ph->offsets = arena_calloc(b->arena, n, sizeof(uint32_t))))
		return b->rc = AS_ENOMEM, NULL;
	for (uint32_t i = 0; i < n; i++) {
		int slot = slot_shared;
		struct leaf *l = leaf_new(b, slot, fields);
		if (!l)
			return NULL;
		size_t tl = strlen(terms[i]);
		l->word = words[i];
		l->word_len = strlen(words[i]);
		l->no_typo = 1;
		leaf_add_term(b, l, terms[i], tl, terms[i], tl, words[i], l->word_len, ORIGIN_SYNONYM,
			      RANK_W_SYNONYM, 0);
		if (!(ph->kids[i] = leaf_node(b, l)))
			return NULL;
		ph->offsets[i] = positions[i] - positions[0];
	}
	ph->n_kids = n;
	b->has_phrase = 1;
	return ph;
}

static struct pnode *and_of(struct builder *b, struct pnode **kids, uint32_t n)
{
	struct pnode *a;

	if (n == 0)
		return NULL;
	if (n == 1)
		return kids[0];
	if (!(a = node_new(b, PN_AND, n)))
		return NULL;
	memcpy(a->kids, kids, n * sizeof(*kids));
	a->n_kids = n;
	return a;
}

static int new_slot(struct builder *b, int negated)
{
	return negated ? -1 : (int)b->plan->n_slots++;
}

/* The months, folded as query words are and as documents write them. */
static const struct month {
	const char *folded, *written;
} months[12] = {
	{ "janvier", "janvier" }, { "fevrier", "février" }, { "mars", "mars" }, { "avril", "avril" },
	{ "mai", "mai" }, { "juin", "juin" }, { "juillet", "juillet" }, { "aout", "août" },
	{ "septembre", "septembre" }, { "octobre", "octobre" }, { "novembre", "novembre" },
	{ "decembre", "décembre" },
};

/* The number of 1 to 4 digits at s[*i..len) (*i moves past it), or -1. */
static int date_number(const char *s, size_t len, size_t *i, size_t max_digits)
{
	size_t k = 0;
	int v = 0;

	while (*i < len && k < max_digits && s[*i] >= '0' && s[*i] <= '9')
		v = v * 10 + (s[(*i)++] - '0'), k++;
	return k && (*i == len || s[*i] < '0' || s[*i] > '9') ? v : -1;
}

/*
 * A date typed in digits (`01/07/2025`, `01/2025`): its numbers, or the date as French
 * documents write it (`1er juillet 2025`, `janvier 2025`), each word of the one in the
 * slot of its number in the other. NULL when the word is not such a date.
 */
static struct pnode *date_node(struct builder *b, const struct qnode *q, int negated)
{
	const char *s = q->text;
	size_t len = q->len, i = 0;
	int v[3], nv = 0;

	if (negated)
		return NULL;
	for (;;) {
		if (nv == 3 || (v[nv++] = date_number(s, len, &i, 4)) < 0)
			return NULL;
		if (i == len)
			break;
		if (s[i++] != '/')
			return NULL;
	}
	if (nv < 2)
		return NULL; /* a number */
	int day = nv == 3 ? v[0] : 0, month = v[nv - 2], year = v[nv - 1];
	if ((nv == 3 && (day < 1 || day > 31)) || month < 1 || month > 12 || year < 1000 || year > 2999)
		return NULL;
	char text[64];
	const char *mw = months[month - 1].written;
	int tl = day == 1 ? snprintf(text, sizeof(text), "1er %s %d", mw, year)
		 : day ? snprintf(text, sizeof(text), "%d %s %d", day, mw, year)
		       : snprintf(text, sizeof(text), "%s %d", mw, year);
	const char *written = dup(b, text, (size_t)tl);
	struct qtok digits[MAX_TOKS], words[MAX_TOKS];
	int nd = analyse(b, s, len, digits), nw = written ? analyse(b, written, (size_t)tl, words) : -1;
	if (nd != nv || nw != nv)
		return NULL;
	struct pnode *a[3], *w[3], *mx = node_new(b, PN_MAX, 2);
	for (int k = 0; k < nv; k++) {
		int slot = new_slot(b, 0);
		if (!(a[k] = word_node(b, &digits[k], s, slot, q->fields)) ||
		    !(w[k] = word_node(b, &words[k], written, slot, q->fields)))
			return NULL;
		w[k]->leaf->no_typo = 1;
		w[k]->leaf->completable = 0;
	}
	if (!mx || !(mx->kids[0] = and_of(b, a, (uint32_t)nv)) || !(mx->kids[1] = and_of(b, w, (uint32_t)nv)))
		return NULL;
	mx->n_kids = 2;
	return mx;
}

/* A number typed in one piece, or the same digits as the groups documents write (a
 * phrase of terms at positions at[]): the better of the two. */
static struct pnode *word_or_groups(struct builder *b, struct pnode *word, const char *const *terms,
				    const uint32_t *at, uint32_t n, int slot, unsigned fields)
{
	struct pnode *mx = node_new(b, PN_MAX, 2);
	if (!mx)
		return b->rc = AS_ENOMEM, NULL;
	struct pnode *ph = phrase_node(b, terms, terms, at, n, slot, fields);
	if (!ph)
		return b->rc ? NULL : word;
	mx->kids[0] = word;
	mx->kids[1] = ph;
	mx->n_kids = 2;
	return mx;
}

/*
 * A French telephone number typed in its national form (`04 72 43 43 00`, one number
 * once read) is also the international one documents write, `+33 4 72 43 43 00`: the
 * phrase of its groups after the 0 (`33 4 72 43 43 00`), as word's alternative. Else
 * word itself.
 */
static struct pnode *phone_node(struct builder *b, const struct qtok *t, struct pnode *word, int slot,
				unsigned fields)
{
	const char *d = t->term;
	static const uint32_t at[] = { 0, 1, 2, 3, 4, 5 };

	if (!(t->t.flags & TOKEN_NUMBER) || t->t.term_len != 10 || d[0] != '0' || d[1] < '1' || d[1] > '9')
		return word;
	for (int i = 0; i < 10; i++)
		if (d[i] < '0' || d[i] > '9')
			return word;
	char *g = arena_alloc(b->arena, 6 * 3);
	if (!g)
		return b->rc = AS_ENOMEM, NULL;
	const char *terms[6];
	memcpy(g, "33", 3);
	g[3] = d[1], g[4] = 0;
	terms[0] = g, terms[1] = g + 3;
	for (int k = 0; k < 4; k++) {
		char *e = g + 6 + 3 * k;
		e[0] = d[2 + 2 * k], e[1] = d[3 + 2 * k], e[2] = 0;
		terms[2 + k] = e;
	}
	return word_or_groups(b, word, terms, at, 6, slot, fields);
}

/*
 * A SIRET typed in one piece (`18310001300025`, as copied from an invoice) where the
 * documents write it in its groups (`183 100 013 00025`, which the analyzer reads as the
 * SIREN `183100013` then the NIC `00025`): the number, or the two side by side.
 */
static struct pnode *siret_node(struct builder *b, const struct qtok *t, struct pnode *word, int slot,
				unsigned fields)
{
	const char *d = t->term;
	static const uint32_t at[] = { 0, 1 };

	if (!word || !(t->t.flags & TOKEN_NUMBER) || t->t.term_len != 14)
		return word;
	for (int i = 0; i < 14; i++)
		if (d[i] < '0' || d[i] > '9')
			return word;
	char *g = arena_alloc(b->arena, 10 + 6);
	if (!g)
		return b->rc = AS_ENOMEM, NULL;
	memcpy(g, d, 9);
	g[9] = 0;
	memcpy(g + 10, d + 9, 5);
	g[15] = 0;
	const char *terms[2] = { g, g + 10 };
	return word_or_groups(b, word, terms, at, 2, slot, fields);
}

static struct pnode *build_word(struct builder *b, const struct qnode *q, int negated)
{
	struct qtok toks[MAX_TOKS];
	struct pnode *nodes[MAX_TOKS];
	uint32_t n_nodes = 0;
	struct pnode *date = date_node(b, q, negated);
	if (date || b->rc)
		return date;
	int n = analyse(b, q->text, q->len, toks), compound = -1, n_compound = 0, n_parts = 0;

	if (n <= 0)
		return NULL;
	for (int i = 0; i < n; i++) {
		if (toks[i].t.flags & TOKEN_COMPOUND)
			compound = i, n_compound++;
		else if (toks[i].t.flags & TOKEN_PART)
			n_parts++;
	}
	/* `Haute-Garonne`: the compound term, or the phrase of its parts (FRENCH.md 10). */
	if (n_compound == 1 && n_parts >= 2) {
		int slot = new_slot(b, negated);
		struct leaf *cl = token_leaf(b, &toks[compound], q->text, slot, q->fields);
		struct syn_ctx sc = { .b = b, .leaf = cl, .fields = q->fields };
		/* The compound's synonyms as a word's (`auto-entrepreneur`, `micro-entrepreneur`). */
		if (cl && slot >= 0 && !cl->prefix && cl->n_terms)
			synonyms_lookup(b->syn, cl->terms[0].term, cl->terms[0].term_len, add_synonym, &sc);
		struct pnode *alt = node_new(b, PN_MAX, 2 + sc.n_alts), *ph;
		if (!cl || !alt)
			return NULL;
		/* A word in camel case is written as one word, and may be misspelt as one
		 * (`ConvertToRUL`); a hyphenated one is corrected by its parts alone. */
		if (!(toks[compound].t.flags & TOKEN_CAMEL))
			cl->no_typo = 1;
		const char *terms[MAX_TOKS], *words[MAX_TOKS];
		uint32_t pos[MAX_TOKS], k = 0;
		for (int i = 0; i < n; i++)
			if (toks[i].t.flags & TOKEN_PART) {
				terms[k] = toks[i].term;
				words[k] = toks[i].word;
				pos[k++] = toks[i].t.position;
			}
		ph = phrase_node(b, terms, words, pos, k, slot, q->fields);
		/* Parts are the query's own words, not synonyms: corrected as any word typed
		 * alone would be (`micro-entreprize` finds micro-entreprise), the suggestion
		 * spelling them where they were typed. The whole is not: a compound absent
		 * from the index is found by its parts, not turned into another compound. */
		if (ph)
			for (uint32_t i = 0, j = 0; i < ph->n_kids; i++, j++) {
				struct leaf *pl = ph->kids[i]->leaf;
				while (!(toks[j].t.flags & TOKEN_PART))
					j++;
				pl->terms[0].origin = ORIGIN_QUERY;
				pl->terms[0].w = RANK_W_EXACT;
				pl->surface = q->text + toks[j].t.start;
				pl->surface_len = toks[j].t.end - toks[j].t.start;
				/* `boucher-charcutier` finds `bouchers-charcutiers`, as the words
				 * typed apart would. */
				add_other_number(b, pl, &toks[j], typed_accent(&toks[j]));
				if (slot >= 0 && pl->n_terms) {
					struct syn_ctx ps = { .b = b, .leaf = pl, .w = RANK_W_SYNONYM };
					synonyms_lookup(b->syn, pl->terms[0].term, pl->terms[0].term_len,
							add_word_synonym, &ps);
				}
				pl->no_typo = slot < 0 || (toks[j].t.flags & TOKEN_NUMBER) ||
					      typo_max_edits(pl->word, pl->word_len) == 0;
				/* The last part may be the word being typed (`micro-entrep`). */
				pl->completable = slot >= 0 && !(toks[j].t.flags & TOKEN_NUMBER);
			}
		alt->kids[0] = leaf_node(b, cl);
		alt->n_kids = 1;
		if (ph)
			alt->kids[alt->n_kids++] = ph;
		memcpy(alt->kids + alt->n_kids, sc.alts, sc.n_alts * sizeof(*sc.alts));
		alt->n_kids += sc.n_alts;
		nodes[n_nodes++] = alt->n_kids == 1 ? alt->kids[0] : alt;
		for (int i = 0; i < n; i++)
			if (!(toks[i].t.flags & (TOKEN_PART | TOKEN_COMPOUND)))
				if ((nodes[n_nodes] = word_node(b, &toks[i], q->text, new_slot(b, negated), q->fields)))
					n_nodes++;
		return b->rc ? NULL : and_of(b, nodes, n_nodes);
	}
	for (int i = 0; i < n; i++) {
		if (toks[i].t.flags & TOKEN_COMPOUND)
			continue;
		int slot = new_slot(b, negated);
		if ((nodes[n_nodes] = word_node(b, &toks[i], q->text, slot, q->fields))) {
			if (n == 1 && slot >= 0) {
				nodes[n_nodes] = phone_node(b, &toks[i], nodes[n_nodes], slot, q->fields);
				nodes[n_nodes] = siret_node(b, &toks[i], nodes[n_nodes], slot, q->fields);
			}
			n_nodes++;
		}
	}
	/* Several words in one written word (`pme/tpe`, `3.5`): all of them. */
	return b->rc ? NULL : and_of(b, nodes, n_nodes);
}

static struct pnode *build_phrase(struct builder *b, const struct qnode *q, int negated)
{
	struct qtok toks[MAX_TOKS];
	uint32_t pos[MAX_TOKS], k = 0;
	int n = analyse(b, q->text, q->len, toks);

	if (n <= 0)
		return NULL;
	/* A phrase is the sequence of its words: a compound's parts stand for it, unless it
	 * has none of its own (`"d-c"`: the parts are too short to be words). */
	unsigned skip = TOKEN_COMPOUND;
	for (int i = 0; i < n; i++)
		if (!(toks[i].t.flags & skip))
			k++;
	if (k == 0)
		skip = 0;
	k = 0;
	for (int i = 0; i < n; i++)
		if (!(toks[i].t.flags & skip))
			pos[k++] = toks[i].t.position;
	if (k == 1) {
		for (int i = 0; i < n; i++)
			if (!(toks[i].t.flags & skip)) {
				toks[i].t.flags &= ~(unsigned)TOKEN_PREFIX;
				return leaf_node(b, token_leaf(b, &toks[i], q->text, new_slot(b, negated), q->fields));
			}
	}
	struct pnode *ph = node_new(b, PN_PHRASE, k);
	if (!ph || !(ph->offsets = arena_calloc(b->arena, k, sizeof(uint32_t))))
		return b->rc = AS_ENOMEM, NULL;
	for (uint32_t i = 0, j = 0; i < (uint32_t)n; i++) {
		if (toks[i].t.flags & skip)
			continue;
		toks[i].t.flags &= ~(unsigned)TOKEN_PREFIX;
		struct leaf *l = token_leaf(b, &toks[i], q->text, new_slot(b, negated), q->fields);
		if (!l)
			return NULL;
		l->no_typo = 1;
		ph->kids[j] = leaf_node(b, l);
		ph->offsets[j] = pos[j] - pos[0];
		j++;
	}
	ph->n_kids = k;
	b->has_phrase = 1;
	return b->rc ? NULL : ph;
}

/* The leaf a query word's node is built on (its synonyms aside), or NULL. */
static struct leaf *primary_leaf(struct pnode *n)
{
	if (n->kind == PN_MAX && n->n_kids && n->kids[0]->kind == PN_LEAF)
		n = n->kids[0];
	if (n->kind != PN_LEAF || n->leaf->prefix || !n->leaf->n_terms ||
	    n->leaf->terms[0].origin != ORIGIN_QUERY)
		return NULL;
	return n->leaf;
}

/*
 * Consecutive words of an AND equal to a synonym member of several words (`centre de
 * formation d'apprentis`): those words, or the group's one-word members (`cfa`), as
 * one alternative. The longest member wins at each position. Returns the new count.
 */
/* Whether the query word of leaf l is term t: its own stem, or another it was read as
 * (`tres` is stemmed `tre`, and is `très` too: `tres`). */
static int word_is_term(const struct leaf *l, const char *t)
{
	for (uint32_t k = 0; k < l->n_terms; k++)
		if (l->terms[k].origin == ORIGIN_QUERY && strcmp(l->terms[k].term, t) == 0)
			return 1;
	return 0;
}

static uint32_t phrase_synonyms(struct builder *b, struct pnode **kids, uint32_t nk)
{
	for (uint32_t i = 0; i < nk && !b->rc; i++) {
		const struct syn_group *best_g = NULL;
		struct leaf *l0 = primary_leaf(kids[i]);
		uint32_t best_len = 0;
		if (!l0)
			continue;
		for (uint32_t k = 0; k < l0->n_terms; k++) {
			const struct syn_ref *refs;
			uint32_t n_refs;
			if (l0->terms[k].origin != ORIGIN_QUERY)
				continue;
			n_refs = synonyms_starting(b->syn, l0->terms[k].term, l0->terms[k].term_len, &refs);
			for (uint32_t r = 0; r < n_refs; r++) {
				const struct syn_member *mem = refs[r].member;
				uint32_t j;
				if (mem->n_terms < 2 || mem->n_terms <= best_len || i + mem->n_terms > nk)
					continue;
				for (j = 1; j < mem->n_terms; j++) {
					struct leaf *l = primary_leaf(kids[i + j]);
					if (!l || !word_is_term(l, mem->terms[j]))
						break;
				}
				if (j == mem->n_terms)
					best_g = refs[r].group, best_len = mem->n_terms;
			}
		}
		if (!best_g)
			continue;
		struct leaf *first = primary_leaf(kids[i]), *alt = leaf_new(b, first->slot, first->fields);
		if (!alt)
			return nk;
		alt->word = first->word;
		alt->word_len = first->word_len;
		alt->no_typo = 1;
		for (uint32_t m = 0; m < best_g->n_members; m++) {
			const struct syn_member *mem = &best_g->members[m];
			if (mem->n_terms == 1)
				leaf_add_term(b, alt, mem->terms[0], mem->term0_len, mem->terms[0], mem->term0_len,
					      mem->words[0], strlen(mem->words[0]), ORIGIN_SYNONYM, RANK_W_SYNONYM, 0);
		}
		if (alt->n_terms == 0)
			continue; /* no one-word member: the words alone (the leaf stays unused) */
		struct pnode *span = and_of(b, kids + i, best_len), *mx = node_new(b, PN_MAX, 2);
		if (!span || !mx)
			return nk;
		mx->kids[0] = span;
		mx->kids[1] = leaf_node(b, alt);
		mx->n_kids = mx->kids[1] ? 2 : 1;
		kids[i] = mx;
		memmove(kids + i + 1, kids + i + best_len, (nk - i - best_len) * sizeof(*kids));
		nk -= best_len - 1;
	}
	return nk;
}

static struct pnode *build(struct builder *b, const struct qnode *q, int negated)
{
	struct pnode *kids[QUERY_MAX_WORDS + 1], *nots[QUERY_MAX_WORDS + 1], *n;
	uint32_t nk = 0, nn = 0;

	if (!q || b->rc)
		return NULL;
	switch (q->kind) {
	case QN_WORD:
		return build_word(b, q, negated);
	case QN_PHRASE:
		return build_phrase(b, q, negated);
	case QN_NOT:
		return NULL; /* an exclusion outside an AND excludes from nothing */
	case QN_AND:
		for (unsigned i = 0; i < q->n_kids && nk < QUERY_MAX_WORDS; i++) {
			if (q->kids[i]->kind == QN_NOT) {
				if ((n = build(b, q->kids[i]->kids[0], 1)))
					nots[nn++] = n;
			} else if ((n = build(b, q->kids[i], negated))) {
				kids[nk++] = n;
			}
		}
		if (nk == 0 || b->rc)
			return NULL; /* exclusions alone match nothing */
		if (!negated && b->syn)
			nk = phrase_synonyms(b, kids, nk);
		if (nn == 0)
			return and_of(b, kids, nk);
		if (!(n = node_new(b, PN_AND, nk)) || !(n->nots = arena_alloc(b->arena, nn * sizeof(*nots))))
			return b->rc = AS_ENOMEM, NULL;
		memcpy(n->kids, kids, nk * sizeof(*kids));
		memcpy(n->nots, nots, nn * sizeof(*nots));
		n->n_kids = nk;
		n->n_nots = nn;
		return n;
	case QN_OR:
		for (unsigned i = 0; i < q->n_kids && nk < QUERY_MAX_WORDS; i++)
			if ((n = build(b, q->kids[i], negated)))
				kids[nk++] = n;
		if (nk <= 1 || b->rc)
			return nk ? kids[0] : NULL;
		if (!(n = node_new(b, PN_OR, nk)))
			return NULL;
		memcpy(n->kids, kids, nk * sizeof(*kids));
		n->n_kids = nk;
		return n;
	}
	return NULL;
}

/* ---- Resolution: terms -> keys of each segment ----------------------------------- */

static void resolve_terms(struct builder *b, struct leaf *l, uint32_t from)
{
	struct plan *p = b->plan;

	for (uint32_t s = 0; s < p->n_segments && !b->rc; s++) {
		const struct segment *seg = index_segment(b->idx, s);
		uint32_t cap = l->seg_n_keys[s];
		int rc;

		if (!b->iters[s] && (rc = term_iter_new(seg, DICT_TERMS, &b->iters[s])) < 0) {
			b->rc = rc;
			return;
		}
		if (cap)
			cap = l->seg_n_keys[s]; /* grow() doubles from here; copies what is there */
		for (uint32_t t = from; t < l->n_terms && !b->rc; t++) {
			struct leaf_term *lt = &l->terms[t];
			for (rc = term_iter_seek_family(b->iters[s], lt->term, lt->term_len); rc == 0;
			     rc = term_iter_next(b->iters[s])) {
				size_t kl;
				const char *k = term_iter_key(b->iters[s], &kl);
				const char *ex;
				size_t el;
				if (kl < lt->term_len || memcmp(k, lt->term, lt->term_len) != 0)
					break;
				if (kl == lt->term_len) {
					ex = k, el = kl;
				} else if (k[lt->term_len] == 0x01) {
					ex = k + lt->term_len + 1, el = kl - lt->term_len - 1;
				} else {
					break; /* `chatte` after every `chat\x01...` */
				}
				const struct term_info *info = term_iter_info(b->iters[s]);
				int exact = el == lt->exact_len && memcmp(ex, lt->exact, el) == 0;
				lt->df_all += info->doc_freq;
				if (exact)
					lt->df_exact += info->doc_freq;
				/* A key reached through two terms counts once, with the better one. */
				uint32_t i, n = l->seg_n_keys[s];
				for (i = 0; i < n; i++)
					if (l->seg_keys[s][i].key_len == kl && memcmp(l->seg_keys[s][i].key, k, kl) == 0)
						break;
				if (i < n) {
					if (!lt->family)
						l->seg_keys[s][i].opt = 0;
					if (lt->w > l->terms[l->seg_keys[s][i].term].w) {
						l->seg_keys[s][i].term = t;
						l->seg_keys[s][i].exact = exact;
					}
					continue;
				}
				struct leaf_key *nk = grow(b, l->seg_keys[s], n, &cap, sizeof(*nk));
				if (!nk)
					return;
				l->seg_keys[s] = nk;
				nk[n].info = *info;
				nk[n].term = t;
				nk[n].exact = exact;
				nk[n].title = 1;
				nk[n].opt = lt->family;
				nk[n].key = dup(b, k, kl);
				nk[n].key_len = kl;
				l->seg_n_keys[s] = n + 1;
			}
			if (rc < 0)
				b->rc = rc;
		}
	}
}

/* Document frequency of a leaf's terms of the given origins, over every segment. */
static uint64_t leaf_df(const struct leaf *l, const struct plan *p, int query_only)
{
	uint64_t df = 0;

	for (uint32_t s = 0; s < p->n_segments; s++)
		for (uint32_t i = 0; i < l->seg_n_keys[s]; i++)
			if (!l->seg_keys[s][i].opt &&
			    (!query_only || l->terms[l->seg_keys[s][i].term].origin == ORIGIN_QUERY))
				df += l->seg_keys[s][i].info.doc_freq;
	return df;
}

struct typo_cand {
	char word[TYPO_MAX_WORD + 8];
	size_t len;
	unsigned dist;
	uint64_t df;
};

struct typo_ctx {
	struct typo_cand c[32];
	uint32_t n;
	const char *word;
	size_t len;
};

static void on_typo(void *ctx, const char *key, size_t len, unsigned dist, uint32_t df)
{
	struct typo_ctx *tc = ctx;
	uint32_t i;

	if (dist == 0 || len >= sizeof(tc->c[0].word) || analyzer_is_stop_word(key, len))
		return;
	for (i = 0; i < tc->n; i++)
		if (tc->c[i].len == len && memcmp(tc->c[i].word, key, len) == 0) {
			tc->c[i].df += df;
			return;
		}
	if (tc->n == 32) {
		/* Keep the closest, then the most frequent. */
		uint32_t worst = 0;
		for (i = 1; i < tc->n; i++)
			if (tc->c[i].dist > tc->c[worst].dist ||
			    (tc->c[i].dist == tc->c[worst].dist && tc->c[i].df < tc->c[worst].df))
				worst = i;
		if (dist > tc->c[worst].dist || (dist == tc->c[worst].dist && df <= tc->c[worst].df))
			return;
		i = worst;
	} else {
		i = tc->n++;
	}
	memcpy(tc->c[i].word, key, len);
	tc->c[i].word[len] = '\0'; /* a replaced entry may hold a longer word */
	tc->c[i].len = len;
	tc->c[i].dist = dist;
	tc->c[i].df = df;
}

static int cmp_typo(const void *a, const void *b)
{
	const struct typo_cand *x = a, *y = b;

	if (x->dist != y->dist)
		return x->dist < y->dist ? -1 : 1;
	if (x->df != y->df)
		return x->df > y->df ? -1 : 1;
	return strcmp(x->word, y->word);
}

/* Documents of the index where the folded word w[0..len) is written. */
static uint64_t dict_df(struct builder *b, enum dict kind, const char *w, size_t len)
{
	uint64_t df = 0;
	struct term_info ti;

	for (uint32_t s = 0; s < b->plan->n_segments && !b->rc; s++) {
		int rc = segment_lookup(index_segment(b->idx, s), kind, w, len, &ti);
		if (rc < 0)
			b->rc = rc;
		else if (rc == 0)
			df += ti.doc_freq;
	}
	return df;
}

static uint64_t word_df(struct builder *b, const char *w, size_t len)
{
	return dict_df(b, DICT_WORDS, w, len);
}

/*
 * Whether the word is written in the documents in the other number, plural in -s or -x,
 * singular without it: `buche` where they write `bûches` only. Such a word matches
 * through its stem, which is its own: not a typo (`bouche`).
 */
static int other_number_written(struct builder *b, const char *w, size_t len)
{
	char v[TYPO_MAX_WORD + 2];

	if (len == 0 || len > TYPO_MAX_WORD)
		return 0;
	if (w[len - 1] == 's' || w[len - 1] == 'x')
		return word_df(b, w, len - 1) > 0;
	memcpy(v, w, len);
	v[len] = 's';
	if (word_df(b, v, len + 1) > 0)
		return 1;
	v[len] = 'x';
	return word_df(b, v, len + 1) > 0;
}

/*
 * French misspellings are mostly of sound, not of keys (FRENCH.md 8): `transmition` for
 * `transmission` is two edits, when `transition` is one. A spelling of the same sound is
 * one of these rewrites at one place of the folded word; `ctx` says where: 'V' between
 * vowels, 'F' before e, i or y, 'H' before a, o, u or a consonant, '$' at the end, 0
 * anywhere. Each way round, when both spell the sound; a silent final t or d after n
 * too (`artisant` is `artisan`, one edit from `artisanat` as well); one way only, the `ss`
 * or `s` typed for a `ç`, folded `c` before a, o or u (`masson` is `maçon`, not `maison`).
 * A consonant doubled or undoubled (`s`, `ss` between vowels) is sound_alikes()' own
 * rewrite, for every consonant.
 */
static const struct sound_rule {
	const char *from, *to;
	char ctx;
} sound_rules[] = {
	{ "tion", "ssion", 0 }, { "tion", "sion", 0 }, { "ssion", "tion", 0 }, { "sion", "tion", 0 },
	{ "cion", "tion", 0 }, { "c", "ss", 'F' }, { "ss", "c", 'F' }, { "s", "c", 'F' },
	{ "c", "s", 'F' }, { "ph", "f", 0 }, { "f", "ph", 0 }, { "qu", "k", 0 },
	{ "k", "qu", 0 }, { "qu", "c", 'H' }, { "c", "qu", 'H' }, { "k", "c", 'H' },
	{ "c", "k", 'H' }, { "g", "j", 'F' }, { "j", "g", 'F' }, { "gu", "g", 'F' },
	{ "g", "gu", 'F' }, { "au", "o", 0 }, { "o", "au", 0 }, { "eau", "o", 0 },
	{ "o", "eau", 0 }, { "eau", "au", 0 }, { "au", "eau", 0 }, { "an", "en", 0 },
	{ "en", "an", 0 }, { "am", "em", 0 }, { "em", "am", 0 }, { "ai", "e", 0 },
	{ "e", "ai", 0 }, { "ei", "e", 0 }, { "ai", "ei", 0 }, { "ei", "ai", 0 },
	{ "ain", "in", 0 }, { "in", "ain", 0 }, { "ein", "in", 0 }, { "y", "i", 0 },
	{ "i", "y", 0 }, { "th", "t", 0 }, { "t", "th", 0 }, { "e", "er", '$' },
	{ "e", "ez", '$' }, { "er", "e", '$' }, { "ez", "e", '$' }, { "et", "e", '$' },
	{ "e", "et", '$' }, { "nt", "n", '$' }, { "n", "nt", '$' }, { "nt", "nd", '$' },
	{ "nd", "nt", '$' }, { "ss", "c", 'H' }, { "s", "c", 'H' },
};

static int is_vowel(char c)
{
	return c && strchr("aeiouy", c) != NULL;
}

/* Whether the rewrite of word[at..at + from_len) fits the rule's context. */
static int sound_fits(const char *w, size_t len, size_t at, size_t from_len, char ctx)
{
	char before = at ? w[at - 1] : 0, after = at + from_len < len ? w[at + from_len] : 0;

	switch (ctx) {
	case 'V': return is_vowel(before) && is_vowel(after);
	case 'F': return after && strchr("eiy", after);
	case 'H': return after && !strchr("eiy", after);
	case '$': return at + from_len == len;
	default: return 1;
	}
}

/*
 * The words of the index spelt as the leaf's word sounds (one sound_rules rewrite, or a
 * consonant doubled after a vowel or undoubled), as corrections at distance 0 into tc:
 * they are preferred to the closest spelling.
 */
static void sound_alikes(struct builder *b, const struct leaf *l, struct typo_ctx *tc)
{
	const char *w = l->word;
	size_t len = l->word_len;
	char v[TYPO_MAX_WORD + 8];

	for (size_t r = 0; r < sizeof(sound_rules) / sizeof(sound_rules[0]) + 2 && !b->rc; r++) {
		for (size_t at = 0; at < len && !b->rc; at++) {
			const char *from, *to;
			char one[2] = { w[at], 0 }, two[3] = { w[at], w[at], 0 };
			if (r < sizeof(sound_rules) / sizeof(sound_rules[0])) {
				from = sound_rules[r].from, to = sound_rules[r].to;
				if (strncmp(w + at, from, strlen(from)) != 0 ||
				    !sound_fits(w, len, at, strlen(from), sound_rules[r].ctx))
					continue;
			} else if (is_vowel(w[at]) || !isalpha((unsigned char)w[at]) || !at) {
				continue;
			} else if (r == sizeof(sound_rules) / sizeof(sound_rules[0])) {
				/* A consonant doubled (`aprenti`), after a vowel and before a vowel or l, r. */
				from = one, to = two;
				if (!is_vowel(w[at - 1]) || at + 1 >= len || w[at + 1] == w[at] ||
				    !(is_vowel(w[at + 1]) || w[at + 1] == 'l' || w[at + 1] == 'r'))
					continue;
			} else {
				/* A double consonant made single (`rappeller`). */
				from = two, to = one;
				if (at + 1 >= len || w[at + 1] != w[at])
					continue;
			}
			size_t fl = strlen(from), tl = strlen(to), vl = len - fl + tl;
			if (vl > TYPO_MAX_WORD || vl == 0)
				continue;
			memcpy(v, w, at);
			memcpy(v + at, to, tl);
			memcpy(v + at + tl, w + at + fl, len - at - fl);
			uint64_t df = word_df(b, v, vl);
			if (df > 0)
				on_typo(tc, v, vl, 1, (uint32_t)(df < UINT32_MAX ? df : UINT32_MAX));
		}
	}
	/* At distance 0 in the order of corrections: before any spelt one edit away. */
	for (uint32_t i = 0; i < tc->n; i++)
		tc->c[i].dist = 0;
}

/* Corrects a leaf that matches nothing or very little (rank.h TYPO_RARE_*). */
static void correct(struct builder *b, struct leaf *l)
{
	struct plan *p = b->plan;
	struct typo_ctx tc; /* 2.5 KB: filled only for the words that are corrected */
	unsigned k = typo_max_edits(l->word, l->word_len);
	uint64_t df;
	uint32_t from = l->n_terms, n;

	if (k == 0 || l->word_len > TYPO_MAX_WORD)
		return;
	/* A word that matches is corrected only if its stem is rare (a dictionary look-up for
	 * those alone) and it is nowhere as typed nor in the other number (its stem matches
	 * another word: `transmision` is `transmise`'s stem); then by corrections
	 * TYPO_ABSENT_RATIO times commoner than the stem. */
	if ((df = leaf_df(l, p, 1)) >= TYPO_RARE_DF &&
	    (df * TYPO_RARE_RATIO > p->stats.n_docs || word_df(b, l->word, l->word_len) > 0 ||
	     other_number_written(b, l->word, l->word_len)))
		return;
	tc.n = 0;
	tc.word = l->word;
	tc.len = l->word_len;
	sound_alikes(b, l, &tc);
	/* One edit first: only the closest corrections are kept, and a one-edit automaton
	 * visits a small fraction of the keys a two-edit one does. */
	for (unsigned e = 1; e <= k && tc.n == 0; e++)
		for (uint32_t s = 0; s < p->n_segments; s++) {
			int rc = typo_walk(index_segment(b->idx, s), l->word, l->word_len, e, on_typo, &tc);
			if (rc < 0) {
				b->rc = rc;
				return;
			}
		}
	/* None near: the word in the other number, as Snowball matches plurals, once its
	 * typo is corrected (`lutier` where the documents write `luthiers` alone, two edits
	 * away). The same number of edits from the word with a final s or x, or without. */
	char other[TYPO_MAX_WORD + 2];
	size_t ol = 0;
	if (tc.n == 0 && l->word_len > 1) {
		if (l->word[l->word_len - 1] == 's' || l->word[l->word_len - 1] == 'x') {
			memcpy(other, l->word, ol = l->word_len - 1);
		} else {
			memcpy(other, l->word, l->word_len);
			other[l->word_len] = 's';
			ol = l->word_len + 1;
		}
	}
	for (unsigned e = 1; ol && e <= typo_max_edits(other, ol) && tc.n == 0; e++)
		for (uint32_t s = 0; s < p->n_segments; s++) {
			int rc = typo_walk(index_segment(b->idx, s), other, ol, e, on_typo, &tc);
			if (rc < 0) {
				b->rc = rc;
				return;
			}
		}
	if (tc.n == 0)
		return;
	qsort(tc.c, tc.n, sizeof(tc.c[0]), cmp_typo);
	if (df > 0 && tc.c[0].df < TYPO_ABSENT_RATIO * df)
		return; /* the stem's matches may be the word's, and nothing much more common is near */
	/* The closest corrections only: `greece` must not become `greener` when `greek` is near. */
	n = 0;
	while (n < tc.n && n < TYPO_MAX_EXPANSIONS && tc.c[n].dist == tc.c[0].dist)
		n++;
	for (uint32_t i = 0; i < n; i++)
		leaf_add_word(b, l, tc.c[i].word, tc.c[i].len, ORIGIN_TYPO, RANK_W_TYPO);
	if (l->n_terms == from)
		return;
	/* The corrections' synonyms, as the word typed right would have had them
	 * (`aprentisage` finds what `apprentissage` finds, `alternance` included). */
	for (uint32_t i = from, end = l->n_terms; i < end; i++) {
		struct syn_ctx sc = { .b = b, .leaf = l, .n_added = 0, .w = RANK_W_TYPO_SYNONYM };
		synonyms_lookup(b->syn, l->terms[i].term, l->terms[i].term_len, add_word_synonym, &sc);
	}
	l->correction = dup(b, tc.c[0].word, tc.c[0].len);
	resolve_terms(b, l, from);
}

/*
 * `metiers dart`, `lartisanat`: an elided article typed without its apostrophe (a phone
 * keyboard, a hurried visitor) is glued to its word, which then matches nothing. A query
 * word found nowhere, made of an article that elides (l, d; the pronouns' elisions, as in
 * `s'inscrire`, come before verbs, which visitors rarely search) and a word of the index
 * that starts with a vowel or an h, as elision requires, is read as that word, at full
 * weight; the suggestion writes the apostrophe back (`metiers d'art`). Typo tolerance
 * would not do it: `dart` is too short for an edit. 1 when the leaf was so read.
 */
static int unelide(struct builder *b, struct leaf *l)
{
	const char *w = l->word;

	if (l->slot < 0 || l->prefix || !l->surface || l->word_len < 4 || l->word_len > TYPO_MAX_WORD ||
	    (w[0] != 'd' && w[0] != 'l') || !strchr("aeiouyh", w[1]) || leaf_df(l, b->plan, 1) > 0 ||
	    word_df(b, w + 1, l->word_len - 1) == 0)
		return 0;
	for (uint32_t i = 0; i < l->n_terms; i++)
		if (l->terms[i].origin == ORIGIN_PREFIX)
			return 0; /* completed as typed (complete_last): `dart` is `dartois` */
	uint32_t from = l->n_terms;
	leaf_add_word(b, l, w + 1, l->word_len - 1, ORIGIN_TYPO, RANK_W_EXACT);
	if (l->n_terms == from)
		return 0;
	resolve_terms(b, l, from);
	const char *rest = plan_accent(b->idx, b->an, b->arena, w + 1, l->word_len - 1, NULL, 0);
	size_t rl = rest ? strlen(rest) : 0;
	char *fix = rest ? arena_alloc(b->arena, rl + 3) : NULL;
	if (!fix) {
		b->rc = AS_ENOMEM;
		return 1;
	}
	fix[0] = w[0];
	fix[1] = '\'';
	memcpy(fix + 2, rest, rl + 1);
	l->correction = fix;
	return 1;
}

/*
 * Search as you type (FRENCH.md 6): the query's last word, with nothing typed after it
 * (not even a space), is still being typed. When it matches no document as it stands, it
 * is completed as `word*` would be, from the words as written, most frequent first:
 * `cybersecu` finds cybersécurité and `apprentiss` apprentissage, where a stemmed index
 * finds nothing, and typo tolerance would turn them into other words (`apprentis`).
 * So is a word that matches only through its stem but that no document writes (`coiff`,
 * the stem of `coiffe`, is `coiffeur`, `coiffure` being typed; `horai`, stemmed `hor`
 * as `hors`, is `horaires`): its own matches stay, the completions join them. Of a
 * hyphenated word, its whole and its last part (`micro-entrep`: `microentrep*` and
 * `entrep*`, not `entrée`). Completions found, the word is not corrected; none, it is, as
 * any other word.
 */
static void complete_last(struct builder *b)
{
	struct plan *p = b->plan;

	if (b->rc)
		return;
	/* The last word, and for a hyphenated one its whole and its last part too. */
	for (uint32_t i = 0; i < p->n_leaves && !b->rc; i++) {
		struct leaf *l = p->leaves[i];
		uint32_t from;
		if (!l->completable || l->prefix || !l->surface || l->surface < b->q ||
		    l->surface + l->surface_len != b->q + b->q_len || l->word_len < COMPLETE_MIN_LEN ||
		    (leaf_df(l, p, 1) > 0 && word_df(b, l->word, l->word_len) > 0))
			continue;
		from = l->n_terms;
		expand_prefix(b, l);
		if (l->n_terms == from)
			continue;
		resolve_terms(b, l, from);
		if (leaf_df(l, p, 0) > 0)
			l->no_typo = 1;
	}
}

/*
 * Whether the exact form e (a key's accented part: a word as written up to its last
 * accent, analyzer.c exact_from_word) is the folded word w written with accents: folded,
 * it begins w. *fl is its folded length. 1, 0, or AS_ENOMEM.
 */
static int form_of(const char *e, size_t el, const char *w, size_t wl, size_t *fl)
{
	struct buf f = BUF_INIT;
	int yes;

	if (analyzer_fold(e, el, &f) < 0 || f.err) {
		buf_release(&f);
		return AS_ENOMEM;
	}
	yes = f.len <= wl && memcmp(f.ptr, w, f.len) == 0;
	*fl = f.len;
	buf_release(&f);
	return yes;
}

/* A key's variants: `base 0x01 suffix` keys of a dictionary, by suffix. */
struct variant {
	char s[128];
	size_t len;
	uint64_t df;
};

/*
 * The keys `base 0x01 suffix` of dictionary d (which follow base's own key), summed
 * over the segments by suffix into v[0..8) (suffixes of 128 bytes or more left out);
 * *plain gets base's own documents. Returns how many, or <0.
 */
static int key_variants(const struct index *idx, enum dict d, const char *base, size_t len, struct variant v[8],
			uint64_t *plain)
{
	uint32_t nv = 0;
	int rc = 0;

	*plain = 0;
	for (uint32_t s = 0; s < index_n_segments(idx) && rc >= 0; s++) {
		struct term_iter *it;
		if ((rc = term_iter_new(index_segment(idx, s), d, &it)) < 0)
			return rc;
		for (rc = term_iter_seek_family(it, base, len); rc == 0; rc = term_iter_next(it)) {
			size_t kl;
			const char *k = term_iter_key(it, &kl);
			uint64_t df = term_iter_info(it)->doc_freq;
			if (kl < len || memcmp(k, base, len) != 0 || (kl > len && k[len] != 0x01))
				break; /* past base's keys (`chatte` after every `chat 0x01 ...`) */
			if (kl == len) {
				*plain += df;
				continue;
			}
			if (kl - len - 1 >= sizeof(v[0].s))
				continue;
			uint32_t i = 0;
			while (i < nv && !(v[i].len == kl - len - 1 && memcmp(v[i].s, k + len + 1, v[i].len) == 0))
				i++;
			if (i == nv) {
				if (nv == 8)
					continue;
				memcpy(v[nv].s, k + len + 1, kl - len - 1);
				v[nv].len = kl - len - 1;
				v[nv++].df = 0;
			}
			v[i].df += df;
		}
		term_iter_free(it);
	}
	return rc < 0 ? rc : (int)nv;
}

/*
 * A word typed without accents, as the documents write it with accents, where Snowball
 * stems the two apart: `salariee` is `salarie` but `salariée` is `salari` (as `salarié`,
 * `salariés`), `premiere` is `premier` but `première` `premi`. Accents never decide a match
 * (FRENCH.md 3): the stems of the written forms the word dictionary holds for the word
 * (`salariee 0x01 salariée`; a plural without any, its singular's) join the leaf as the
 * word itself. Only words ending in e or es, where Snowball's é, ée, és, ées and ière
 * endings lie: a dictionary look-up, two for such a plural.
 */
/* The written forms of w[0..len) that differ from it in accents alone (key_variants()
 * less the compounds and elisions written so) into v, how many, or <0. */
static int accent_forms(struct builder *b, const char *w, size_t len, struct variant v[8])
{
	uint64_t plain;
	int nv = key_variants(b->idx, DICT_WORDS, w, len, v, &plain), k = 0;

	for (int i = 0; i < nv; i++)
		if (!memchr(v[i].s, '-', v[i].len) && !memchr(v[i].s, '\'', v[i].len))
			v[k++] = v[i];
	return nv < 0 ? nv : k;
}

static void add_accented_forms(struct builder *b, struct leaf *l, const struct qtok *t)
{
	const char *w = t->word;
	size_t n = t->t.word_len;
	struct variant v[8];
	struct token tok;
	int nv;

	if (n < 4 || !(w[n - 1] == 'e' || (w[n - 1] == 's' && w[n - 2] == 'e')))
		return;
	for (size_t i = 0; i < l->surface_len; i++)
		if ((unsigned char)l->surface[i] >= 0x80)
			return; /* typed with accents: its own stem is the one meant */
	/* The word's own written forms; for a plural that has none, its singular's
	 * (`salariees` where the documents write `salariée`). */
	if ((nv = accent_forms(b, w, n, v)) == 0 && w[n - 1] == 's')
		nv = accent_forms(b, w, n - 1, v);
	if (nv < 0) {
		b->rc = nv;
		return;
	}
	for (int i = 0; i < nv && !b->rc; i++) {
		analyzer_start(b->an, v[i].s, v[i].len, ANALYZER_QUERY);
		if (analyzer_next(b->an, &tok) != 0 || (tok.flags & (TOKEN_COMPOUND | TOKEN_PART)))
			continue;
		/* A stem the leaf has already (`peche` and `pêche` share `pech`) is left to
		 * set_weights()' accent variants. */
		int known = 0;
		for (uint32_t k = 0; k < l->n_terms && !known; k++)
			known = l->terms[k].term_len == tok.term_len &&
				memcmp(l->terms[k].term, tok.term, tok.term_len) == 0;
		if (!known)
			leaf_add_term(b, l, tok.term, tok.term_len, tok.exact, tok.exact_len, w, n, ORIGIN_QUERY,
				      RANK_W_EXACT, 0);
	}
}

/* Whether some document writes the folded word w[0..len) as one word, not only
 * hyphenated (`Jean-Luc`, whose parts are indexed: `jean luc` already finds it). */
static int written_joined(struct builder *b, const char *w, size_t len)
{
	struct variant v[8];
	uint64_t plain = 0, hyphenated = 0;
	int nv = key_variants(b->idx, DICT_WORDS, w, len, v, &plain);

	if (nv < 0) {
		b->rc = nv;
		return 0;
	}
	for (int i = 0; i < nv; i++)
		if (memchr(v[i].s, '-', v[i].len))
			hyphenated += v[i].df;
	return plain > hyphenated;
}

/* A leaf's keys in every segment. */
static void resolve_leaf(struct builder *b, struct leaf *l)
{
	struct arena *arena = b->arena;
	uint32_t n = b->plan->n_segments;

	l->seg_keys = arena_calloc(arena, n + 1, sizeof(*l->seg_keys));
	l->seg_n_keys = arena_calloc(arena, n + 1, sizeof(*l->seg_n_keys));
	if (!l->seg_keys || !l->seg_n_keys)
		b->rc = AS_ENOMEM;
	else
		resolve_terms(b, l, 0);
}

/*
 * Two consecutive words of an AND, one of which is in no document, that documents write
 * as one (`cyber sécurité` for `cybersécurité`): the two words, or the joined word, as one
 * alternative, when the joined word is in the index and not only ever hyphenated (its
 * parts would have matched). The joined word stands for each of the two, in its slot: a
 * document that writes it has both words, side by side. Only for a word found nowhere: a
 * look-up per pair of every query would cost more than the rare joined word is worth.
 */
static void join_absent(struct builder *b, struct pnode *n)
{
	if (!n || b->rc)
		return;
	for (uint32_t i = 0; i < n->n_kids; i++)
		join_absent(b, n->kids[i]);
	if (n->kind != PN_AND)
		return;
	for (uint32_t i = 0; i + 1 < n->n_kids && !b->rc; i++) {
		struct leaf *l0 = primary_leaf(n->kids[i]), *l1 = primary_leaf(n->kids[i + 1]);
		char w[TYPO_MAX_WORD + 1];
		if (!l0 || !l1 || l0->slot < 0 || l1->slot < 0 || l0->fields != l1->fields || l0->word_len < 2 ||
		    l1->word_len < 2 || l0->word_len + l1->word_len > TYPO_MAX_WORD ||
		    (l0->word[0] >= '0' && l0->word[0] <= '9') || (l1->word[0] >= '0' && l1->word[0] <= '9') ||
		    (leaf_df(l0, b->plan, 0) > 0 && leaf_df(l1, b->plan, 0) > 0))
			continue;
		memcpy(w, l0->word, l0->word_len);
		memcpy(w + l0->word_len, l1->word, l1->word_len);
		size_t len = l0->word_len + l1->word_len;
		if (!written_joined(b, w, len))
			continue;
		struct pnode *alts[2];
		for (int j = 0; j < 2; j++) {
			struct leaf *alt = leaf_new(b, j ? l1->slot : l0->slot, l0->fields);
			if (!alt)
				return;
			alt->word = dup(b, w, len);
			alt->word_len = len;
			alt->surface = j ? l1->surface : l0->surface;
			alt->surface_len = j ? l1->surface_len : l0->surface_len;
			alt->no_typo = 1;
			leaf_add_word(b, alt, w, len, ORIGIN_SYNONYM, RANK_W_EXACT);
			if (!b->rc)
				resolve_leaf(b, alt);
			alts[j] = b->rc || alt->n_terms == 0 ? NULL : leaf_node(b, alt);
		}
		if (!alts[0] || !alts[1])
			continue;
		struct pnode *pair = and_of(b, n->kids + i, 2), *joined = and_of(b, alts, 2), *mx = node_new(b, PN_MAX, 2);
		if (!pair || !joined || !mx)
			return;
		mx->kids[0] = pair;
		mx->kids[1] = joined;
		mx->n_kids = 2;
		n->kids[i] = mx;
		/* The joined word is what was meant: neither word is then misspelt (`prud
		 * hommes` is not `prud sommes`). */
		l0->no_typo = l1->no_typo = 1;
		memmove(n->kids + i + 1, n->kids + i + 2, (n->n_kids - i - 2) * sizeof(*n->kids));
		n->n_kids--;
	}
}

/*
 * `1 janvier 2025`: the first day of a month is written `1er` (`1er janvier`), so a 1
 * typed before a month's name is that too. Before the leaves are resolved.
 */
static void first_of_month(struct builder *b, struct pnode *n)
{
	if (!n || b->rc || n->kind == PN_PHRASE)
		return;
	for (uint32_t i = 0; i < n->n_kids; i++)
		first_of_month(b, n->kids[i]);
	if (n->kind != PN_AND)
		return;
	for (uint32_t i = 0; i + 1 < n->n_kids; i++) {
		struct leaf *d = primary_leaf(n->kids[i]), *m = primary_leaf(n->kids[i + 1]);
		if (!d || !m || d->slot < 0 || d->word_len != 1 || d->word[0] != '1')
			continue;
		for (size_t k = 0; k < 12; k++)
			if (m->word_len == strlen(months[k].folded) && memcmp(m->word, months[k].folded, m->word_len) == 0) {
				leaf_add_word(b, d, "1er", 3, ORIGIN_SYNONYM, RANK_W_EXACT);
				break;
			}
	}
}

/* Whether a digit and a letter meet at w[at - 1], w[at]. */
static int kind_changes(const char *w, size_t at)
{
	return ((unsigned)(w[at - 1] - '0') < 10) != ((unsigned)(w[at] - '0') < 10);
}

/* Whether w[s..e) can be one of the words of a glued word: two bytes or more, or one
 * beside a change between digits and letters (`293b`: 293 B). */
static int glued_part(const char *w, size_t len, size_t s, size_t e)
{
	return e - s >= 2 || (s > 0 && kind_changes(w, s)) || (e < len && kind_changes(w, e));
}

/* Whether some document, deleted or not, has the phrase `ph` (its leaves resolved). */
static int phrase_written(struct builder *b, const struct pnode *ph)
{
	int positions = b->plan->positions, found = 0;

	b->plan->positions = 1; /* set for the whole plan once it is built */
	for (uint32_t s = 0; s < b->plan->n_segments && !found && !b->rc; s++) {
		struct qiter *it;
		int rc = iter_build(b->plan, b->idx, s, ph, &it);
		if (rc == 0) {
			rc = it->ops->next(it);
			iter_free(it);
		}
		if (rc < 0)
			b->rc = rc;
		found = rc == 0;
	}
	b->plan->positions = positions;
	return found;
}

/*
 * A word found nowhere, even corrected, that is two or three words of the index glued
 * (`exaequo` for `ex æquo`, `madeinfrance`, `293b` for `293 B`): the phrase of them, in
 * its slot, as a correction weighs. The cut whose rarest word is the commonest wins; three
 * words only when two will not do. Only for such a word: the look-ups, a few per place,
 * are for the query that would find nothing.
 */
static void split_glued(struct builder *b, struct pnode **np)
{
	struct pnode *n = *np;

	/* A phrase's words are leaves, one position each; the kids of a MAX are a word's
	 * readings already (a compound's whole beside its parts, synonyms). */
	if (!n || b->rc || n->kind == PN_PHRASE || n->kind == PN_MAX)
		return;
	if (n->kind != PN_LEAF) {
		for (uint32_t i = 0; i < n->n_kids; i++)
			split_glued(b, &n->kids[i]);
		return;
	}
	struct leaf *l = n->leaf;
	const char *w = l->word;
	size_t len = l->word_len, cut[2] = { 0, 0 }, nc = 0, letters = 0;
	uint64_t best = 0;
	if (l->slot < 0 || l->prefix || !l->surface || len < 4 || len > TYPO_MAX_WORD || leaf_df(l, b->plan, 0) > 0)
		return;
	for (size_t i = 0; i < len; i++) {
		if ((unsigned)(w[i] - 'a') >= 26 && (unsigned)(w[i] - '0') >= 10)
			return;
		letters += (unsigned)(w[i] - 'a') < 26;
	}
	if (!letters)
		return; /* a number */
	for (int parts = 2; parts <= 3 && !best && !b->rc; parts++)
		for (size_t a = 1; a < len && !b->rc; a++) {
			uint64_t d0 = glued_part(w, len, 0, a) ? word_df(b, w, a) : 0;
			for (size_t c = parts == 2 ? len : a + 1; d0 && c <= len && !b->rc; c++) {
				if (parts == 3 && (c == len || !glued_part(w, len, a, c) || !glued_part(w, len, c, len)))
					continue;
				if (parts == 2 && !glued_part(w, len, a, len))
					break;
				uint64_t d1 = word_df(b, w + a, c - a), d2 = parts == 3 && d1 ? word_df(b, w + c, len - c) : d1;
				uint64_t m = d0 < d1 ? d0 : d1;
				m = m < d2 ? m : d2;
				if (m > best)
					best = m, cut[0] = a, cut[1] = c, nc = (size_t)parts - 1;
			}
		}
	if (!best)
		return;
	char text[TYPO_MAX_WORD + 3];
	struct qtok toks[MAX_TOKS];
	size_t at[4] = { 0, cut[0], nc == 2 ? cut[1] : len, len }, tl = 0;
	for (size_t i = 0; i <= nc; i++) {
		memcpy(text + tl, w + at[i], at[i + 1] - at[i]);
		tl += at[i + 1] - at[i];
		text[tl++] = ' ';
	}
	int k = analyse(b, text, tl - 1, toks);
	if (k != (int)nc + 1)
		return;
	const char *terms[3], *words[3];
	uint32_t pos[3], from = b->plan->n_leaves;
	for (int i = 0; i < k; i++) {
		if (toks[i].t.flags & (TOKEN_COMPOUND | TOKEN_PART))
			return;
		terms[i] = toks[i].term, words[i] = toks[i].word, pos[i] = toks[i].t.position;
	}
	struct pnode *ph = phrase_node(b, terms, words, pos, (uint32_t)k, l->slot, l->fields);
	if (!ph)
		return;
	for (uint32_t i = from; i < b->plan->n_leaves && !b->rc; i++) {
		struct leaf *pl = b->plan->leaves[i];
		pl->terms[0].origin = ORIGIN_TYPO;
		pl->terms[0].w = RANK_W_TYPO;
		resolve_leaf(b, pl);
	}
	/* Words of the index are not enough: a document must write them side by side.
	 * `interprofessionnel`, absent, is no `in ter professionnel`. */
	if (!b->rc && !phrase_written(b, ph)) {
		b->plan->n_leaves = from; /* nothing else points to them */
		return;
	}
	/* The suggestion writes the words as the documents do (`ex æquo`). */
	struct buf fix = BUF_INIT;
	for (size_t i = 0; i <= nc; i++) {
		const char *f = plan_accent(b->idx, b->an, b->arena, w + at[i], at[i + 1] - at[i], NULL, 0);
		if (!f) {
			b->rc = AS_ENOMEM;
			break;
		}
		if (i)
			buf_addch(&fix, ' ');
		buf_addstr(&fix, f);
	}
	if (!b->rc && (fix.err || !(l->correction = dup(b, fix.ptr, fix.len))))
		b->rc = AS_ENOMEM;
	buf_release(&fix);
	if (!b->rc)
		*np = ph;
}

/*
 * How many of the accented letters of `typed` (its characters beyond ASCII, in lower
 * case), from the first, the written form f[0..fl) has in the same order: `pêchr` has 1
 * with `pêche`, 0 with `péché`; 0 for a word typed without accents.
 */
static size_t accents_agree(const char *f, size_t fl, const char *typed, size_t tl)
{
	size_t i = 0, j = 0, n = 0;

	for (;;) {
		utf8proc_int32_t a = -1, b = -1;
		utf8proc_ssize_t k;
		while (i < tl && (unsigned char)typed[i] < 0x80)
			i++;
		while (j < fl && (unsigned char)f[j] < 0x80)
			j++;
		if (i >= tl || j >= fl)
			return n;
		if ((k = utf8proc_iterate((const utf8proc_uint8_t *)typed + i, (utf8proc_ssize_t)(tl - i), &a)) <= 0)
			return n;
		i += (size_t)k;
		if ((k = utf8proc_iterate((const utf8proc_uint8_t *)f + j, (utf8proc_ssize_t)(fl - j), &b)) <= 0)
			return n;
		j += (size_t)k;
		if (utf8proc_tolower(a) != utf8proc_tolower(b))
			return n;
		n++;
	}
}

const char *plan_accent(const struct index *idx, struct analyzer *an, struct arena *arena, const char *word,
			size_t len, const char *typed, size_t typed_len)
{
	struct variant v[8];
	uint64_t plain = 0;
	char stem[260];
	size_t sl = 0;
	struct token tok;
	int rc, n = 0, nv;

	/* The form most documents of the word write, if at least half of them do: the
	 * word dictionary's `word 0x01 form` keys (FORMAT.md "Dictionaries"). Typed with
	 * accents, the form that has them, whatever its share (`pêchr` is `pêche`, though
	 * `péché` is as common). */
	if ((nv = key_variants(idx, DICT_WORDS, word, len, v, &plain)) < 0)
		return NULL;
	int best = -1;
	size_t agree = 0;
	for (int i = 0; typed && i < nv; i++) {
		size_t a = accents_agree(v[i].s, v[i].len, typed, typed_len);
		if (a > agree || (a && a == agree && v[i].df > v[best].df))
			best = i, agree = a;
	}
	if (best >= 0)
		return arena_strndup(arena, v[best].s, v[best].len);
	for (int i = 0; i < nv; i++)
		if (best < 0 || v[i].df > v[best].df)
			best = i;
	/* The word's own key counts all its documents, whatever their form. */
	if (best >= 0 && 2 * v[best].df >= plain)
		return arena_strndup(arena, v[best].s, v[best].len);
	/* Written so by most of its documents: as it is (`menuisier`, though `menuisière`
	 * has the stem `menuisièr`). */
	if (plain > 0)
		return arena_strndup(arena, word, len);
	/* Else, a word no document writes, the accented stem most of its documents have, in
	 * place of its beginning. */
	analyzer_start(an, word, len, ANALYZER_QUERY);
	while ((rc = analyzer_next(an, &tok)) == 0)
		if (n++ == 0 && tok.term_len < sizeof(stem) - 1) {
			memcpy(stem, tok.term, tok.term_len);
			sl = tok.term_len;
		}
	if (rc < 0 || n != 1 || sl == 0 || sl > len || memcmp(stem, word, sl) != 0)
		return arena_strndup(arena, word, len);
	if ((nv = key_variants(idx, DICT_TERMS, stem, sl, v, &plain)) < 0)
		return NULL;
	best = -1;
	size_t best_fl = 0, fl;
	for (int i = 0; i < nv; i++) {
		if (v[i].df <= plain || (best >= 0 && v[i].df <= v[best].df))
			continue;
		if ((rc = form_of(v[i].s, v[i].len, word, len, &fl)) < 0)
			return NULL;
		if (rc) {
			best = i;
			best_fl = fl;
		}
	}
	if (best < 0)
		return arena_strndup(arena, word, len);
	char *out = arena_alloc(arena, v[best].len + len - best_fl + 1);
	if (!out)
		return NULL;
	memcpy(out, v[best].s, v[best].len);
	memcpy(out + v[best].len, word + best_fl, len - best_fl);
	out[v[best].len + len - best_fl] = '\0';
	return out;
}

/* The query with each corrected word replaced by its correction. */
static void make_suggestion(struct builder *b)
{
	struct plan *p = b->plan;
	struct buf out = BUF_INIT;
	size_t at = 0;
	int any = 0;

	for (;;) {
		const struct leaf *next = NULL;
		for (uint32_t i = 0; i < p->n_leaves; i++) {
			const struct leaf *l = p->leaves[i];
			if (!l->correction || !l->surface || l->surface < b->q + at ||
			    l->surface + l->surface_len > b->q + b->q_len)
				continue;
			if (!next || l->surface < next->surface)
				next = l;
		}
		if (!next)
			break;
		size_t off = (size_t)(next->surface - b->q);
		const char *fix = plan_accent(b->idx, b->an, b->arena, next->correction, strlen(next->correction),
					      next->surface, next->surface_len);
		if (!fix) {
			b->rc = AS_ENOMEM;
			break;
		}
		buf_add(&out, b->q + at, off - at);
		buf_addstr(&out, fix);
		at = off + next->surface_len;
		any = 1;
	}
	if (any) {
		buf_add(&out, b->q + at, b->q_len - at);
		if (!out.err)
			p->suggestion = dup(b, out.ptr, out.len);
	}
	buf_release(&out);
}

/* Documents of one key (an accent variant) over every segment. */
static uint64_t variant_df(const struct leaf *l, const struct plan *p, const char *key, size_t len)
{
	uint64_t df = 0;

	for (uint32_t s = 0; s < p->n_segments; s++)
		for (uint32_t i = 0; i < l->seg_n_keys[s]; i++)
			if (l->seg_keys[s][i].key_len == len && memcmp(l->seg_keys[s][i].key, key, len) == 0)
				df += l->seg_keys[s][i].info.doc_freq;
	return df;
}

/*
 * Whether key k of term t is the word t came from itself written with accents
 * (form_of): `activite` typed, `activité` is such a key, `actif` is not.
 */
static int accents_of(const struct leaf *l, const struct leaf_term *t, const struct leaf_key *k)
{
	const char *w = t->word ? t->word : l->word;
	size_t fl;

	if (k->key_len <= t->term_len + 1 || k->key[t->term_len] != 0x01 || !w)
		return 0;
	return form_of(k->key + t->term_len + 1, k->key_len - t->term_len - 1, w,
		       t->word ? strlen(t->word) : l->word_len, &fl) == 1;
}

/*
 * Whether the accented part e[0..el) of a key of the word w[0..wl), typed without
 * accents, belongs only to words derived from its stem, not to w's inflections: the
 * stem `chat 0x01 chât` folds to w = `chat`, but the word dictionary's words written
 * `chât...` are `châtiment` alone, which ends 5 letters past what it shares with `chat`;
 * `boulangeries` and `boulangère` (the stem `boulanger 0x01 boulangèr`) end at most 3
 * letters past theirs, an inflection (FRENCH.md 5). 1 when words written so were found
 * and none is so close; 0 when one is, or none was found (nothing known).
 */
#define INFLECTION_MAX_TAIL 3
#define DERIVED_MAX_SCAN 256

static int derived_only(struct builder *b, const char *w, size_t wl, const char *e, size_t el)
{
	struct buf fe = BUF_INIT;
	int found = 0, close = 0;

	if (analyzer_fold(e, el, &fe) < 0 || fe.err) {
		buf_release(&fe);
		b->rc = AS_ENOMEM;
		return 0;
	}
	for (uint32_t s = 0; s < index_n_segments(b->idx) && !close && !b->rc; s++) {
		struct term_iter *it;
		uint32_t scanned = 0;
		int rc;
		if ((rc = term_iter_new(index_segment(b->idx, s), DICT_WORDS, &it)) < 0) {
			b->rc = rc;
			break;
		}
		for (rc = term_iter_seek(it, fe.ptr, fe.len); rc == 0 && !close && scanned++ < DERIVED_MAX_SCAN;
		     rc = term_iter_next(it)) {
			size_t kl;
			const char *k = term_iter_key(it, &kl), *sep = memchr(k, 0x01, kl);
			if (kl < fe.len || memcmp(k, fe.ptr, fe.len) != 0)
				break;
			/* `word 0x01 form`: a word written with accents; is it written e...? */
			if (!sep || (size_t)(k + kl - sep - 1) < el || memcmp(sep + 1, e, el) != 0)
				continue;
			size_t w2 = (size_t)(sep - k), cp = 0;
			while (cp < wl && cp < w2 && w[cp] == k[cp])
				cp++;
			found = 1;
			close = wl - cp <= INFLECTION_MAX_TAIL && w2 - cp <= INFLECTION_MAX_TAIL;
		}
		if (rc < 0)
			b->rc = rc;
		term_iter_free(it);
	}
	buf_release(&fe);
	return found && !close;
}

static void set_weights(struct builder *b, struct leaf *l)
{
	struct plan *p = b->plan;
	uint64_t df = 0;

	/* A leaf's df: its most frequent term's (accent variants of one term add up).
	 * Summing expansions would make `apprenti*` as common as every document. */
	for (uint32_t t = 0; t < l->n_terms; t++)
		if (!l->terms[t].family && l->terms[t].df_all > df)
			df = l->terms[t].df_all;

	for (uint32_t s = 0; s < p->n_segments; s++)
		for (uint32_t i = 0; i < l->seg_n_keys[s]; i++) {
			struct leaf_key *k = &l->seg_keys[s][i];
			const struct leaf_term *t = &l->terms[k->term];
			double w = t->w;
			int accented = k->key_len > t->term_len + 1 && k->key[t->term_len] == 0x01;
			int same = !k->exact && accents_of(l, t, k), other = 0;
			if (same && t->df_exact > 0 && !t->accent_typed) {
				const char *word = t->word ? t->word : l->word;
				other = derived_only(b, word, t->word ? strlen(t->word) : l->word_len, k->key + t->term_len + 1,
						     k->key_len - t->term_len - 1);
			}
			/* Prefer the query's exact accented form when it is a real word (rank.h);
			 * typed without accents, the word with its accents is no other word, unless
			 * only words derived from the stem are written so (`châtiment` for `chat`).
			 * Another word's accents in a title are no title match. */
			if (!k->exact && t->df_exact > 0 && (t->accent_typed || !same || other) &&
			    (t->accent_typed || other || (double)t->df_exact >= RANK_VARIANT_SHARE * (double)t->df_all)) {
				w *= RANK_W_VARIANT;
				k->title = !accented;
			} else if (!k->exact && t->df_exact > 0 && accented) {
				w *= RANK_W_UNTYPED_ACCENT;
			} else if (!k->exact && t->df_exact == 0) {
				/* No form as typed: the most frequent variant is the likelier intent. */
				uint64_t v = variant_df(l, p, k->key, k->key_len), best = 0;
				for (uint32_t s2 = 0; s2 < p->n_segments; s2++)
					for (uint32_t j = 0; j < l->seg_n_keys[s2]; j++)
						if (l->seg_keys[s2][j].term == k->term) {
							uint64_t d = variant_df(l, p, l->seg_keys[s2][j].key, l->seg_keys[s2][j].key_len);
							best = d > best ? d : best;
						}
				if (best > 0)
					w *= RANK_W_RARE_VARIANT + (1.0 - RANK_W_RARE_VARIANT) * (double)v / (double)best;
			}
			if (t->family)
				k->title = 0;
			k->w = w;
		}
	l->df = df < p->stats.n_docs ? df : p->stats.n_docs;
	l->idf = plan_idf(l->df, p->stats.n_docs);
}

static uint64_t set_cost(struct pnode *n)
{
	uint64_t c = 0;

	switch (n->kind) {
	case PN_LEAF:
		c = n->leaf->df;
		break;
	case PN_AND:
	case PN_PHRASE:
		c = UINT64_MAX;
		for (uint32_t i = 0; i < n->n_kids; i++) {
			uint64_t k = set_cost(n->kids[i]);
			c = k < c ? k : c;
		}
		for (uint32_t i = 0; i < n->n_nots; i++)
			set_cost(n->nots[i]);
		break;
	case PN_OR:
	case PN_MAX:
		for (uint32_t i = 0; i < n->n_kids; i++)
			c += set_cost(n->kids[i]);
		break;
	}
	return n->cost = c;
}

static int cmp_cost(const void *a, const void *b)
{
	const struct pnode *x = *(struct pnode *const *)a, *y = *(struct pnode *const *)b;

	return (x->cost > y->cost) - (x->cost < y->cost);
}

static void sort_and(struct pnode *n)
{
	if (n->kind == PN_AND)
		qsort(n->kids, n->n_kids, sizeof(*n->kids), cmp_cost);
	if (n->kind != PN_LEAF)
		for (uint32_t i = 0; i < n->n_kids; i++)
			sort_and(n->kids[i]);
}

int plan_build(const struct qnode *root, const char *q, size_t q_len, const struct index *idx,
	       struct analyzer *an, const struct synonyms *syn, struct arena *arena, struct plan **out)
{
	struct builder b = { .idx = idx, .an = an, .syn = syn, .arena = arena, .q = q, .q_len = q_len };
	struct plan *p = arena_calloc(arena, 1, sizeof(*p));

	*out = NULL;
	if (!p)
		return AS_ENOMEM;
	b.plan = p;
	p->n_segments = index_n_segments(idx);
	index_get_stats(idx, &p->stats);
	for (int f = 0; f < N_FIELDS; f++)
		p->avg_len[f] = p->stats.n_docs ? (double)p->stats.total_field_len[f] / (double)p->stats.n_docs : 1.0;
	for (int f = 0; f < N_FIELDS; f++)
		if (p->avg_len[f] <= 0)
			p->avg_len[f] = 1.0;
	if (!(b.iters = arena_calloc(arena, p->n_segments + 1, sizeof(*b.iters))))
		return AS_ENOMEM;
	p->root = build(&b, root, 0);
	first_of_month(&b, p->root);
	for (uint32_t i = 0; i < p->n_leaves && !b.rc; i++)
		resolve_leaf(&b, p->leaves[i]);
	join_absent(&b, p->root);
	complete_last(&b);
	for (uint32_t i = 0; i < p->n_leaves && !b.rc; i++)
		if (!unelide(&b, p->leaves[i]) && !p->leaves[i]->no_typo && !p->leaves[i]->prefix)
			correct(&b, p->leaves[i]);
	split_glued(&b, &p->root);
	for (uint32_t i = 0; i < p->n_segments; i++)
		term_iter_free(b.iters[i]);
	if (b.rc)
		return b.rc;
	for (uint32_t i = 0; i < p->n_leaves && !b.rc; i++)
		set_weights(&b, p->leaves[i]);
	if (b.rc)
		return b.rc;
	if (!(p->slot_idf = arena_calloc(arena, p->n_slots + 1, sizeof(double))))
		return AS_ENOMEM;
	for (uint32_t i = 0; i < p->n_leaves; i++) {
		const struct leaf *l = p->leaves[i];
		if (l->slot >= 0 && l->idf > p->slot_idf[l->slot])
			p->slot_idf[l->slot] = l->idf;
	}
	make_suggestion(&b);
	if (p->root) {
		set_cost(p->root);
		sort_and(p->root);
		p->and_root = p->root->kind == PN_AND && p->root->n_kids >= 2;
	}
	p->positions = b.has_phrase || p->n_slots >= 2;
	*out = p;
	return b.rc;
}

/* Marks in_phrase[i] for the leaves p->leaves[i] that a phrase of node n holds. */
static void phrase_leaves(const struct plan *p, const struct pnode *n, int in, uint8_t *in_phrase)
{
	if (!n)
		return;
	if (n->kind == PN_LEAF) {
		for (uint32_t i = 0; in && i < p->n_leaves; i++)
			if (p->leaves[i] == n->leaf)
				in_phrase[i] = 1;
		return;
	}
	for (uint32_t k = 0; k < n->n_kids; k++)
		phrase_leaves(p, n->kids[k], in || n->kind == PN_PHRASE, in_phrase);
	for (uint32_t k = 0; k < n->n_nots; k++)
		phrase_leaves(p, n->nots[k], in, in_phrase);
}

/*
 * `responsabilité`: `respons 0x01 responsabilité` and `responsabilit` list the same
 * occurrences where no document writes the word without its accents. The key kept
 * counts each occurrence w1 + w2 times, in titles t1 + t2 times, as the two did; the
 * two were next in the order the keys' sums add in, so only rounding differs.
 */
uint32_t plan_merge_twins(struct plan *p, const struct index *idx)
{
	uint32_t merged = 0;
	uint8_t in_phrase[QUERY_MAX_TERMS * 4] = { 0 };

	/* A phrase shares its occurrences out by key weight over the keys' frequencies
	 * (phrase_score()), where twins count theirs twice: its words keep their keys. */
	if (p->n_leaves > sizeof(in_phrase))
		return 0;
	phrase_leaves(p, p->root, 0, in_phrase);
	for (uint32_t i = 0; i < p->n_leaves; i++) {
		struct leaf *l = p->leaves[i];
		if (in_phrase[i])
			continue;
		for (uint32_t s = 0; s < p->n_segments; s++) {
			struct leaf_key *k = l->seg_keys[s];
			uint32_t n = l->seg_n_keys[s], m = n ? 1 : 0;
			for (uint32_t j = 1; j < n; j++) {
				struct leaf_key *last = &k[m - 1];
				if (last->opt == k[j].opt && postings_same(index_segment(idx, s), &last->info, &k[j].info)) {
					last->w += k[j].w;
					last->title += k[j].title;
					merged++;
					continue;
				}
				k[m++] = k[j];
			}
			l->seg_n_keys[s] = m;
		}
	}
	return merged;
}

int plan_relax(struct plan *p, struct arena *arena)
{
	struct pnode *r = p->root, *or, *and;

	if (!r || r->kind != PN_AND || r->n_kids < 2)
		return 0;
	if (!(or = arena_calloc(arena, 1, sizeof(*or))))
		return AS_ENOMEM;
	or->kind = PN_OR;
	or->kids = r->kids;
	or->n_kids = r->n_kids;
	or->cost = 0;
	for (uint32_t i = 0; i < r->n_kids; i++)
		or->cost += r->kids[i]->cost;
	if (r->n_nots == 0) {
		p->root = or;
	} else {
		if (!(and = arena_calloc(arena, 1, sizeof(*and))) || !(and->kids = arena_alloc(arena, sizeof(*and->kids))))
			return AS_ENOMEM;
		and->kind = PN_AND;
		and->kids[0] = or;
		and->n_kids = 1;
		and->nots = r->nots;
		and->n_nots = r->n_nots;
		and->cost = or->cost;
		p->root = and;
	}
	p->and_root = 0;
	return 0;
}

static void dump_node(const struct pnode *n, struct buf *out)
{
	static const char *names[] = { "LEAF", "AND", "OR", "MAX", "PHRASE" };

	if (n->kind == PN_LEAF) {
		const struct leaf *l = n->leaf;
		buf_addch(out, '[');
		for (uint32_t i = 0; i < l->n_terms; i++) {
			static const char *orig[] = { "", "prefix:", "typo:", "syn:" };
			if (i)
				buf_addch(out, '|');
			buf_addstr(out, orig[l->terms[i].origin]);
			buf_addstr(out, l->terms[i].term);
			if (strcmp(l->terms[i].term, l->terms[i].exact) != 0) {
				buf_addch(out, '/');
				buf_addstr(out, l->terms[i].exact);
			}
		}
		buf_addch(out, ']');
		return;
	}
	buf_addf(out, "(%s", names[n->kind]);
	for (uint32_t i = 0; i < n->n_kids; i++) {
		buf_addch(out, ' ');
		dump_node(n->kids[i], out);
	}
	for (uint32_t i = 0; i < n->n_nots; i++) {
		buf_addstr(out, " -");
		dump_node(n->nots[i], out);
	}
	buf_addch(out, ')');
}

void plan_dump(const struct plan *p, struct buf *out)
{
	if (!p->root)
		buf_addstr(out, "()");
	else
		dump_node(p->root, out);
}
