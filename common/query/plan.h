#ifndef AS_QUERY_PLAN_H
#define AS_QUERY_PLAN_H
/*
 * From a parsed query to what the index must be asked: each word analysed as the
 * documents were (common/text/analyzer.h), prefixes expanded on the dictionary of
 * words, synonyms added, misspelt words corrected, and every term resolved to the keys
 * of each segment with its global statistics.
 *
 * A plan is a tree of pnodes whose leaves are query words. A leaf matches the union of
 * several dictionary keys (accent variants `chat`, `chat\x01chât`; prefix completions;
 * corrections; one-word synonyms), each with a weight (rank.h RANK_W_*), and is scored
 * as one BM25F term. Query words are numbered in `slots` (the positive words in query
 * order) for the title bonus and proximity; the leaves of one word's alternatives
 * (`Haute-Garonne` and the phrase `haute garonne`) share its slot.
 *
 * Everything lives in the arena given to plan_build(); the plan borrows the index.
 */
#include <stddef.h>
#include <stdint.h>

#include "common/index/index.h"

struct analyzer;
struct arena;
struct qnode;
struct synonyms;

/* How a term came to a leaf. */
enum term_origin { ORIGIN_QUERY, ORIGIN_PREFIX, ORIGIN_TYPO, ORIGIN_SYNONYM };

/* One analysed term of a leaf: all keys [term] and [term 0x01 *] of the dictionary. */
struct leaf_term {
	const char *term, *exact; /* NUL-terminated, in the arena */
	size_t term_len, exact_len;
	const char *word;         /* the folded word it came from, for suggestions */
	enum term_origin origin;
	double w;                 /* rank.h weight of the origin */
	int accent_typed;         /* the query spelt accents: prefer its exact form */
	int family;               /* another word of the query word's family (plan.c
				   * add_stem_word): in a title, no title match */
	uint64_t df_exact, df_all;/* global document frequencies, filled by resolution */
};

/* One key of one segment that a leaf matches. */
struct leaf_key {
	struct term_info info;
	double w;         /* term weight x accent weight */
	uint32_t term;    /* index in leaf->terms */
	int exact;        /* the key's accented form is the query's */
	uint32_t title;   /* 1, or 0 for another word's accents (`châtiment` for `chat`): its
			   * occurrences in a title are no title match; 2 for two twin keys
			   * read as one (plan_merge_twins) */
	int opt;          /* only a family word's (plan.c add_stem_word): it scores where the
			   * word's other keys match, and matches nothing alone */
	const char *key;  /* for --explain */
	size_t key_len;
};

struct leaf {
	struct leaf_term *terms;
	uint32_t n_terms, cap_terms;
	unsigned fields;       /* mask of 1 << enum field that count (default: all) */
	int slot;              /* index in plan->slots, -1 for an excluded word */
	int prefix;            /* written `word*` */
	int no_typo;           /* numbers, short words, phrase members: never corrected */
	int completable;       /* a word typed as such (not a number, nor in a phrase) */
	const char *word;      /* the folded query word (prefix: the prefix) */
	size_t word_len;
	const char *surface;   /* the word as typed, for the suggestion */
	size_t surface_len;
	const char *correction;/* the folded word that replaced a misspelt one, or NULL */
	uint64_t df;           /* global document frequency (sum over keys, at most n_docs) */
	double idf;
	struct leaf_key **seg_keys; /* [n_segments] */
	uint32_t *seg_n_keys;
};

enum pnode_kind {
	PN_LEAF,
	PN_AND,    /* all kids; none of nots */
	PN_OR,     /* any kid; scores add up (the visitor's OR) */
	PN_MAX,    /* any kid; the best one scores (alternatives of one word) */
	PN_PHRASE, /* all kids (leaves) at positions offsets[i] from the first */
};

struct pnode {
	enum pnode_kind kind;
	struct leaf *leaf;
	struct pnode **kids;
	uint32_t n_kids;
	struct pnode **nots;
	uint32_t n_nots;
	uint32_t *offsets;
	uint64_t cost; /* an estimate of the documents it matches, to order AND kids */
};

struct plan {
	struct pnode *root;       /* NULL: matches nothing */
	struct leaf **leaves;     /* every leaf, excluded words included */
	uint32_t n_leaves, cap_leaves;
	uint32_t n_slots;
	double *slot_idf;         /* [n_slots]: idf of each query word (its best leaf) */
	uint32_t n_segments;
	struct index_stats stats;
	double avg_len[N_FIELDS];
	int positions;            /* phrases or proximity need positions */
	const char *suggestion;   /* the query with corrections, or NULL */
	int and_root;             /* the root is an AND of several words: relaxable */
	struct block_cache *blocks; /* the lists' shared decoded blocks (index.h): the
				     * searcher's, set after plan_build; NULL: none */
};

/*
 * Builds the plan of `root` (may be NULL) over `idx`. `q` is the query text, for the
 * suggestion. 0, or <0 (AS_ENOMEM, or an index error such as AS_ECORRUPT).
 */
int plan_build(const struct qnode *root, const char *q, size_t q_len, const struct index *idx,
	       struct analyzer *an, const struct synonyms *syn, struct arena *arena,
	       struct plan **out);

/*
 * Makes one key of a word's keys side by side whose lists are the same bytes, with the
 * sum of their weights (plan.c): a word typed with accents that Snowball stems apart
 * from its folded form often has two such keys. One list to decode instead of two, the
 * same scores but for rounding. Words in a phrase keep theirs. Returns how many keys
 * were folded into another.
 */
uint32_t plan_merge_twins(struct plan *plan, const struct index *idx);

/* The relaxed form of an AND plan: its words ORed (exclusions kept). 0 or AS_ENOMEM. */
int plan_relax(struct plan *plan, struct arena *arena);

/* Appends the plan as text (for --explain and tests). */
struct buf;
void plan_dump(const struct plan *plan, struct buf *out);

/*
 * The most frequent words of DICT_WORDS (stop words excepted) that start with
 * prefix[0..len): at most `max`, most frequent first, in *out (allocated in arena).
 * Each segment keeps its `max` best of at most PREFIX_MAX_SCAN words; equal words of
 * several segments add up. Returns how many, or <0 (index error, AS_ENOMEM).
 */
struct completion {
	const char *word;
	size_t len;
	uint64_t df;
};
int plan_complete(const struct index *idx, struct arena *arena, const char *prefix, size_t len,
		  uint32_t max, struct completion **out);
/*
 * The same for a prefix typed with a typo (`aprent`): the words that begin within
 * typo_max_edits() of it (typo_walk_prefix), the closest first, then the most frequent.
 * For when plan_complete() finds none. Returns how many, or <0.
 */
int plan_complete_typo(const struct index *idx, struct arena *arena, const char *prefix, size_t len,
		       uint32_t max, struct completion **out);
/*
 * A folded word (a correction, a completion) as the documents write it: the form most
 * of its documents write when that is more than accents (`haute-garonne`,
 * `aujourd'hui`, `œuvre`: the word dictionary's `word 0x01 form` keys), else the accented
 * form most of its documents have (the term dictionary's `stem 0x01 exact` keys, the
 * word as written up to its last accent) in place of its beginning, so that a visitor
 * reads `numérique`, not `numerique`. The word itself (in arena) when its stem has no
 * accented form or most documents write it without; NULL on allocation failure. With
 * `typed` (what the visitor typed for it, or NULL), a form with the accents typed is
 * preferred to a commoner one: `pêchr` is `pêche`, not `péché`.
 */
const char *plan_accent(const struct index *idx, struct analyzer *an, struct arena *arena, const char *word,
			size_t len, const char *typed, size_t typed_len);

/* BM25 idf of a document frequency among n_docs. */
double plan_idf(uint64_t df, uint64_t n_docs);

#endif
