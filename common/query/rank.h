#ifndef AS_QUERY_RANK_H
#define AS_QUERY_RANK_H
/*
 * Every ranking parameter, in one place. The figures were set on the relevance suite
 * (tests/relevance/: nDCG@10 and MRR over graded judgments of corpus/); each comment
 * says what the parameter is for. Change one, rerun `make test` (the suite prints its
 * figures), keep what helps across the suite, never for a single query. Each can be
 * overridden at build time (-DRANK_K1=1.5) for a parameter sweep.
 *
 * Score of a document = Σ over query words of BM25F(word)
 *                     + proximity bonus (adjacent query words close together)
 *                     + title bonus (every query word in the title; the closer the
 *                       title is to the query, the more; less for some words only).
 *
 * BM25F (Robertson, Zaragoza & Taylor, "Simple BM25 extension to multiple weighted
 * fields", CIKM 2004): field frequencies are length-normalised and weighted per field
 * before one saturation:
 *     tf~ = Σ_f W_f · tf_f / (1 - B_f + B_f · len_f / avglen_f)
 *     score = idf · tf~ · (K1 + 1) / (tf~ + K1),  idf = ln(1 + (N - df + 0.5) / (df + 0.5))
 * A query word matching several keys (accent variants, expansions) adds their
 * frequencies, each multiplied by the weight of how it matched (RANK_W_*).
 */
#include <stdint.h>

#ifndef RANK_K1
#define RANK_K1 1.2
#endif

/* A word in the title counts as much as RANK_W_TITLE in the body: titles are short and chosen. */
#ifndef RANK_W_TITLE
#define RANK_W_TITLE 3.0
#endif
#ifndef RANK_B_TITLE
#define RANK_B_TITLE 0.5
#endif
#ifndef RANK_W_TAGS
#define RANK_W_TAGS 2.0
#endif
#ifndef RANK_B_TAGS
#define RANK_B_TAGS 0.3
#endif
#ifndef RANK_W_BODY
#define RANK_W_BODY 1.0
#endif
/* Below the usual 0.75: on the suite the long, complete guides are the answers visitors
 * want, and full length normalisation buried them under short notices (0.75: nDCG@10
 * 0.924, 0.5: 0.933, 0.4: 0.937, 0.3: 0.939; 0.4 keeps a margin from favouring length
 * for its own sake). */
#ifndef RANK_B_BODY
#define RANK_B_BODY 0.4
#endif

/* How a key matched the query word, as a multiplier of its frequencies. */
/* The word as typed (stemmed and folded the same way). */
#ifndef RANK_W_EXACT
#define RANK_W_EXACT 1.0
#endif
/* Another accent variant of the same folded stem (`châtiment` for `chat`, `pêche` for
 * `péché`), when the query's own form is a real word of the index: the exact form ranks
 * first (FRENCH.md 3) while variants still match. */
#ifndef RANK_W_VARIANT
#define RANK_W_VARIANT 0.3
#endif
/* ... and the query's own form counts as real when it has at least this share of the
 * documents of all variants (else the visitor just typed without accents). */
#ifndef RANK_VARIANT_SHARE
#define RANK_VARIANT_SHARE 0.1
#endif
/* Typed without accents where the word is also written so (`cote`: `cote`, `côte`): the
 * form as typed first, by a margin that breaks ties and near ties, never relevance. */
#ifndef RANK_W_UNTYPED_ACCENT
#define RANK_W_UNTYPED_ACCENT 0.95
#endif
/* Typed without accents where only accented forms exist (`peche`: `pêche`, `péché`):
 * the more frequent form is the likelier intent; a rarer variant weighs down to
 * RANK_W_RARE_VARIANT, in proportion to its share. */
#ifndef RANK_W_RARE_VARIANT
#define RANK_W_RARE_VARIANT 0.8
#endif
/* A completion of `prefix*` (the whole word itself counts as EXACT). */
#ifndef RANK_W_PREFIX
#define RANK_W_PREFIX 0.7
#endif
/* A word spelt as the query word's stem, stemmed otherwise (plan.c add_stem_word:
 * `boulanger` for `boulangerie`): a word of its family, scored where the word matches. */
#ifndef RANK_W_STEM_WORD
#define RANK_W_STEM_WORD 0.3
#endif
/* A correction: always below an exact match. */
#ifndef RANK_W_TYPO
#define RANK_W_TYPO 0.45
#endif
/* A synonym or the expansion of an acronym. */
#ifndef RANK_W_SYNONYM
#define RANK_W_SYNONYM 0.8
#endif
/* A synonym of a correction: half of RANK_W_TYPO x RANK_W_SYNONYM, so that the word the
 * visitor most likely meant comes before its synonyms (`transmetre` is `transmettre`
 * first, `transmission` after: the guide so titled first in the second held-out set;
 * the relevance suite unchanged). */
#ifndef RANK_W_TYPO_SYNONYM
#define RANK_W_TYPO_SYNONYM 0.18
#endif

/* Proximity: for two adjacent query words both found, RANK_PROX_W · min(idf) / distance
 * when their closest occurrences are at most RANK_PROX_WINDOW positions apart
 * (after Rasolofo & Savoy, "Term proximity scoring for keyword-based retrieval", 2003). */
/* 0: nDCG@10 0.920; 0.6: 0.924; 1.2: 0.928; 2.0 less again (with B_BODY 0.5). */
#ifndef RANK_PROX_W
#define RANK_PROX_W 1.2
#endif
#ifndef RANK_PROX_WINDOW
#define RANK_PROX_WINDOW 6
#endif

/* Proximity decodes positions, the dearest part of a score: it is the second phase,
 * given to the RANK_RERANK best documents by the rest of the score (BM25F and the title
 * bonus), which it reorders; the rest keep the first phase's order below them, whatever
 * the page asked. Reranking the best 10 rather than 20 leaves every measure of quality
 * as it was (relevance suite nDCG@10 0.9450 -> 0.9447, MRR 0.9541; the audit sets'
 * MRR 0.982 and 0.9835; known items 0.978 / 0.978 / 0.968) and takes a tenth off the
 * query time (query_bench p50 30.3 -> 27.2 us, p99 104 -> 93 us, medians of 5
 * alternated runs): the first page gets its proximity, the next ones their BM25F order. */
#ifndef RANK_RERANK
#define RANK_RERANK 10
#endif
/* Recency, in the second phase (search.c recency()): the newest of the documents
 * reranked gets this share of its score more, one RANK_RECENCY_YEARS older nothing. A
 * nudge between versions of a page (the 2025 tariffs before the 2024 ones, a few words
 * apart), not a sort by date: 1 % is a tenth of what a word in the title adds. */
#ifndef RANK_RECENCY
#define RANK_RECENCY 0.01
#endif
#ifndef RANK_RECENCY_YEARS
#define RANK_RECENCY_YEARS 3
#endif

/* The bulk path seeks a word's list candidate by candidate, rather than merging the
 * blocks they fall in, when the list has more than this many documents per live
 * candidate: a seek costs about as much as merging that many postings. */
#ifndef RANK_PROBE_SPARSE
#define RANK_PROBE_SPARSE 8
#endif

/* Title bonus, in units of Σ idf of the query words, when every query word is in the
 * title: RANK_TITLE_ALL, plus RANK_TITLE_EXACT · coverage² where coverage is the share
 * of the title's words that are query words (1 for an exact title match). Known-item
 * searchers type a title; site-search users complain first of missing exact titles
 * (FRENCH.md 9). */
#ifndef RANK_TITLE_ALL
#define RANK_TITLE_ALL 0.4
#endif
#ifndef RANK_TITLE_EXACT
#define RANK_TITLE_EXACT 1.2
#endif
/* A title holding some of the query words, not all: RANK_TITLE_PART · share² · Σ idf of
 * those words, where share is how many of the query's words they are. `horaires cma
 * toulouse` puts the page titled "CMA Haute-Garonne : adresses, horaires et contacts"
 * before a Toulouse Christmas market. 0.5 on the held-out sets: audit 5's MRR 0.9528 ->
 * 0.9589, the suite and audits 1-4 as they were, the known items (whole titles) too;
 * 1.0 raised audit 5 further but lowered the suite's MRR (0.9541 -> 0.9510). */
#ifndef RANK_TITLE_PART
#define RANK_TITLE_PART 0.5
#endif

/* Σ idf of the query words of `slots` (a bit per word, slot_idf their idf), in word
 * order: the title bonus's unit, and what makes a snippet's passage say more. */
static inline double rank_slots_idf(const double *slot_idf, uint32_t n_slots, uint64_t slots)
{
	double idf = 0;

	for (uint32_t s = 0; s < n_slots && s < 64; s++)
		if (slots >> s & 1)
			idf += slot_idf[s];
	return idf;
}

/* The title bonus of a title with the query words of `slots`, some but not all of the
 * n_slots: the bound and both scorers share it, to the last bit. */
static inline double rank_title_part(const double *slot_idf, uint32_t n_slots, uint64_t slots)
{
	double share = (double)__builtin_popcountll(slots) / n_slots;

	return RANK_TITLE_PART * share * share * rank_slots_idf(slot_idf, n_slots, slots);
}

/* Typo tolerance: a word is corrected when it matches fewer than TYPO_RARE_DF documents
 * (1: none at all — a rare word of the corpus is a real word, and the walk is not paid
 * for words that match), or when it is nowhere as typed and only its stem matches, in at
 * most one document in TYPO_RARE_RATIO (`transmision`, `transmise`'s stem), then by
 * corrections that match TYPO_ABSENT_RATIO times more documents than the stem: a word
 * absent as typed, a letter away from a commoner one, is a typo more likely than an
 * inflection the documents never use (`transmision`: one `transmise`, six
 * `transmission`). */
#ifndef TYPO_RARE_DF
#define TYPO_RARE_DF 1
#endif
#ifndef TYPO_RARE_RATIO
#define TYPO_RARE_RATIO 20
#endif
#ifndef TYPO_ABSENT_RATIO
#define TYPO_ABSENT_RATIO 3
#endif

#endif
