#ifndef AS_SEARCH_H
#define AS_SEARCH_H
/*
 * Answering a query: what both the CLI and the daemon call, so that `artisearch --json`
 * and `GET /search` give the same bytes (DESIGN.md "JSON result").
 *
 *     struct searcher *s;             one per thread: analyzer, arena, scratch
 *     struct search_request req;
 *     search_request_init(&req);
 *     rc = search_request_set(&req, "q", "apprentissage");      strict: AS_EINVAL names
 *     rc = search_request_set(&req, "page", "2");               the parameter
 *     rc = search_run(s, idx, &req, &res);
 *     search_result_json(res, &out);
 */
#include <stddef.h>
#include <stdint.h>

struct buf;
struct index;

enum search_sort { SORT_RELEVANCE, SORT_DATE };

struct search_request {
	const char *q;          /* the query as typed; NUL-terminated, borrowed */
	uint32_t page;          /* 1-based */
	uint32_t limit;         /* hits per page */
	const char *type;       /* filter, or NULL */
	const char *department; /* filter, or NULL */
	int32_t from, to;       /* YYYYMMDD bounds, inclusive; 0 = unbounded */
	enum search_sort sort;
	int explain;            /* fill each hit's score parts */
	int no_snippets;        /* skip snippets (benchmarks, or callers that want ids) */
	int exhaustive;         /* walk and score every match, no pruning, no bulk path (tests) */
	int no_bulk;            /* the pruned iterator walk even where the bulk path applies (tests) */
	int separate_keys;      /* no plan_merge_twins() (tests) */
	int exists_only;        /* stop at the first match: total is 0 or 1, facets partial (/suggest) */
	/* The type and department filters as search_request_set() spells them
	 * (common/text/doc_type.h, the spellings the indexer stores): `type` and
	 * `department` point here once set through it. */
	char type_spelt[256];
	char department_spelt[72];
};

/* Defaults: page 1, limit 10, relevance, no filter. */
void search_request_init(struct search_request *req);

/*
 * Sets the parameter `name` (q, page, limit, type, department, from, to, sort) from
 * its text. Strict: a bad value is AS_EINVAL with a sentence naming the parameter and
 * what is wrong, in as_error_message(); an unknown name is AS_EINVAL too. An empty
 * value of any parameter but q is that parameter not given (the request is left as it
 * was); an empty or blank q is refused by search_run(). `value` is borrowed and must
 * outlive the request. A type and a department are spelt as the indexer spells them
 * (`Communiqués` finds `communique`, `2a` finds `2A`) into req->type_spelt and
 * req->department_spelt, so the request must stay where it is while it is used (a
 * copy's `type` and `department` point into the original).
 */
int search_request_set(struct search_request *req, const char *name, const char *value);

/*
 * 1 when q holds nothing to search for: only separators (any Unicode space: U+00A0,
 * U+202F, U+3000...), control and format characters (a BOM, a zero-width space), by
 * utf8proc's categories. search_run() refuses such a q as empty, as the daemon does
 * before it. NULL is blank; invalid UTF-8 is not (search_request_set() refuses it).
 */
int search_query_blank(const char *q);

struct searcher;
int searcher_new(struct searcher **out);
void searcher_free(struct searcher *s);

struct search_result; /* owned by the searcher; valid until its next call */

/* Runs a query; <0 on error (AS_EINVAL for an empty query). */
int search_run(struct searcher *s, const struct index *idx, const struct search_request *req,
	       const struct search_result **out);
/* DESIGN.md's JSON result, appended to out. Every *_json() here ends its object with
 * one line feed, so the CLI and the daemon send the same bytes as they are. */
void search_result_json(const struct search_result *res, struct buf *out);
/* Human output for a terminal (`color`: bold matches with ANSI escapes). */
void search_result_text(const struct search_result *res, int color, struct buf *out);

/* Reading a result (tests, benchmarks): totals, and the i-th hit of the page. */
uint64_t search_result_total(const struct search_result *res);
uint32_t search_result_n_hits(const struct search_result *res);
/* Matches scored to the end; the others were skipped by dynamic pruning (tests, bench). */
uint64_t search_result_n_scored(const struct search_result *res);
int search_result_relaxed(const struct search_result *res);
/* The corrected query, or NULL. */
const char *search_result_suggestion(const struct search_result *res);
/* The hit's id (owned by the result), its score, and its snippet (NULL without). */
const char *search_result_hit(const struct search_result *res, uint32_t i, double *score,
			      const char **snippet);
/* Count of a facet value ("type", "year", "department"), 0 when absent. */
uint64_t search_result_facet(const struct search_result *res, const char *facet, const char *value);

/* {"error": {"code": "...", "message": "..."}} for an AS_E* code. */
void search_error_json(int code, const char *message, struct buf *out);

/* GET /suggest: {"query": "...", "suggestions": [...]}; at most `limit` completions. */
int search_suggest_json(struct searcher *s, const struct index *idx, const char *q, uint32_t limit,
			struct buf *out);

/* GET /documents/{id}: the document's fields without body; AS_ENOENT when absent. */
int search_document_json(struct searcher *s, const struct index *idx, const char *id, struct buf *out);

#endif
