/*
 * The query parser with the analyzer, and everything a query reaches (plan, prefix and
 * typo expansion, synonyms, iterators, scoring, snippets, facets, JSON), over the sample
 * index (tests/unit/sample_index.h). Input: one byte of options, then the query text:
 *     bits 0-1   sort date / explain / a type filter / a page 2 of limit 3
 *     bit  2     also ask /suggest and /documents/ with the same text
 *     bit  3     exhaustive scoring (no pruning)
 *     bit  5     the bulk path wherever the plan allows it (the sample index is too
 *                small for it to be chosen on its own)
 * Checks: query_parse never fails but for ENOMEM; search_run succeeds or says
 * AS_EINVAL (nothing left to search); the JSON of the result, of /suggest and of
 * /documents/ is valid JSON in valid UTF-8 whose snippets hold no markup but <mark>
 * (json_check.h); the hits of a page are at most its limit.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/index/index.h"
#include "common/query/parse.h"
#include "common/query/search.h"
#include "common/util/arena.h"
#include "common/util/buf.h"
#include "common/util/error.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/json_check.h"
#include "tests/unit/sample_index.h"

static struct index *idx;
static struct searcher *searcher;
static struct arena *arena;

static void cleanup(void)
{
	searcher_free(searcher);
	arena_free(arena);
}

static void setup(void)
{
	int rc;

	idx = sample_index_open_temp("fuzz_query");
	atexit(cleanup);
	if ((rc = searcher_new(&searcher)) < 0) {
		fprintf(stderr, "fuzz_query: %s\n", as_error_message(rc));
		abort();
	}
	FUZZ_ASSERT((arena = arena_new(0)));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setup();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct search_request req;
	const struct search_result *res;
	struct qnode *tree;
	struct buf out = BUF_INIT;
	char *q;
	unsigned opt;
	int rc;

	if (!idx)
		setup();
	if (size < 1)
		return 0;
	opt = data[0];
	/* The query as the daemon and the CLI hand it over: a C string. */
	FUZZ_ASSERT((q = malloc(size)));
	memcpy(q, data + 1, size - 1);
	q[size - 1] = 0;

	arena_reset(arena);
	FUZZ_ASSERT(query_parse(q, strlen(q), arena, &tree) >= 0);
	query_dump(tree, &out);
	FUZZ_ASSERT(!out.err);
	buf_reset(&out);

	search_request_init(&req);
	rc = search_request_set(&req, "q", q);
	FUZZ_ASSERT(rc == 0 || rc == AS_EINVAL);
	if (rc == 0) {
		switch (opt & 3) {
		case 1: FUZZ_ASSERT(search_request_set(&req, "sort", "date") == 0); break;
		case 2: FUZZ_ASSERT(search_request_set(&req, "explain", "1") == 0); break;
		case 3:
			FUZZ_ASSERT(search_request_set(&req, "page", "2") == 0);
			FUZZ_ASSERT(search_request_set(&req, "limit", "3") == 0);
			FUZZ_ASSERT(search_request_set(&req, "type", "guide") == 0);
			break;
		}
		req.exhaustive = (opt & 8) != 0;
		req.no_bulk = (opt & 32) != 0;
		rc = search_run(searcher, idx, &req, &res);
		if (rc < 0) {
			if (rc != AS_EINVAL) {
				fprintf(stderr, "search_run: %d %s\n", rc, as_error_message(rc));
				FUZZ_ASSERT(!"search_run fails only with AS_EINVAL");
			}
			search_error_json(rc, as_error_message(rc), &out);
			json_assert_valid(&out, "error");
		} else {
			FUZZ_ASSERT(search_result_n_hits(res) <= req.limit);
			FUZZ_ASSERT(search_result_n_hits(res) <= search_result_total(res));
			search_result_json(res, &out);
			json_assert_valid(&out, "search");
			buf_reset(&out);
			search_result_text(res, opt & 16, &out);
			FUZZ_ASSERT(!out.err);
		}
	}
	if (opt & 4) {
		buf_reset(&out);
		rc = search_suggest_json(searcher, idx, q, 10, &out);
		FUZZ_ASSERT(rc == 0 || rc == AS_EINVAL);
		if (rc == 0)
			json_assert_valid(&out, "suggest");
		buf_reset(&out);
		rc = search_document_json(searcher, idx, q, &out);
		FUZZ_ASSERT(rc == 0 || rc == AS_ENOENT || rc == AS_EINVAL);
		if (rc == 0)
			json_assert_valid(&out, "document");
	}
	buf_release(&out);
	free(q);
	return 0;
}
