/*
 * The daemon's request handling without a socket: the raw request target (what follows
 * GET, "/search?q=caf%C3%A9&page=2") through searchd/request.h's strict decoder, then
 * the route and parameter path of searchd/server.c (route_search, route_suggest,
 * route_document) over the sample index. server.c keeps its routes static and bound to
 * libmicrohttpd connections, so the dispatch below mirrors them: unknown parameters
 * refused, empty filters skipped, each value through search_request_set(), then
 * search_run() and the JSON.
 *
 * Checks: the decoder accepts only targets whose path starts with '/' and whose
 * decoded strings are valid UTF-8 without NUL; every answer the daemon would send
 * (result, suggestions, document, or the JSON error) is valid JSON with escaped
 * snippets (json_check.h).
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/index/index.h"
#include "common/query/search.h"
#include "common/util/buf.h"
#include "common/util/error.h"
#include "searchd/request.h"
#include "tests/fuzz/fuzz.h"
#include "tests/fuzz/json_check.h"
#include "tests/unit/sample_index.h"

static struct index *idx;
static struct searcher *searcher;

static void cleanup(void)
{
	searcher_free(searcher);
}

static void setup(void)
{
	int rc;

	idx = sample_index_open_temp("fuzz_searchd");
	atexit(cleanup);
	if ((rc = searcher_new(&searcher)) < 0) {
		fprintf(stderr, "fuzz_searchd: %s\n", as_error_message(rc));
		abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setup();
	return 0;
}

/* The JSON error body of a 4xx/5xx, as send_engine_error() makes it. */
static void error_answer(int rc, struct buf *out)
{
	buf_reset(out);
	search_error_json(rc, as_error_message(rc), out);
	json_assert_valid(out, "error");
}

static const char *const search_params[] = { "q", "page", "limit", "type", "department", "from", "to",
					     "sort", NULL };

static int known(const char *name)
{
	for (const char *const *n = search_params; *n; n++)
		if (!strcmp(*n, name))
			return 1;
	return 0;
}

static int blank(const char *s)
{
	return s[strspn(s, " \t\r\n\f\v")] == '\0';
}

static void route_search(const struct request_target *t, struct buf *out)
{
	struct search_request sr;
	const struct request_param *q = NULL;
	const struct search_result *res;
	int rc;

	search_request_init(&sr);
	for (size_t i = 0; i < t->n_params; i++) {
		const struct request_param *p = &t->params[i];
		if (!known(p->name))
			return error_answer(as_error_set(AS_EINVAL, "unknown parameter '%s'", p->name), out);
		if (!strcmp(p->name, "q")) {
			q = p;
			continue;
		}
		if (p->value_len == 0)
			continue;
		if ((rc = search_request_set(&sr, p->name, p->value)) < 0) {
			FUZZ_ASSERT(rc == AS_EINVAL);
			return error_answer(rc, out);
		}
	}
	if (!q || blank(q->value))
		return error_answer(as_error_set(AS_EINVAL, "q: missing"), out);
	if ((rc = search_request_set(&sr, "q", q->value)) < 0) {
		FUZZ_ASSERT(rc == AS_EINVAL);
		return error_answer(rc, out);
	}
	rc = search_run(searcher, idx, &sr, &res);
	if (rc < 0) {
		FUZZ_ASSERT(rc == AS_EINVAL);
		return error_answer(rc, out);
	}
	FUZZ_ASSERT(search_result_n_hits(res) <= sr.limit);
	buf_reset(out);
	search_result_json(res, out);
	json_assert_valid(out, "search");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct request_target t;
	struct buf out = BUF_INIT;
	char *storage;
	int rc;

	if (!idx)
		setup();
	if (size > REQUEST_MAX_TARGET)
		return 0; /* 414 before parsing */
	FUZZ_ASSERT((storage = malloc(REQUEST_STORAGE(size))));
	rc = request_target_parse((const char *)data, size, storage, REQUEST_STORAGE(size), &t);
	if (rc < 0) {
		FUZZ_ASSERT(rc == AS_EINVAL || rc == AS_ELIMIT);
		error_answer(rc, &out);
		goto done;
	}
	FUZZ_ASSERT(t.path && t.path_len >= 1 && t.path[0] == '/');
	FUZZ_ASSERT(strlen(t.path) == t.path_len && request_utf8_valid(t.path, t.path_len));
	FUZZ_ASSERT(t.n_params <= REQUEST_MAX_PARAMS);
	for (size_t i = 0; i < t.n_params; i++) {
		const struct request_param *p = &t.params[i];
		FUZZ_ASSERT(strlen(p->name) == p->name_len && p->name_len <= REQUEST_MAX_NAME);
		FUZZ_ASSERT(strlen(p->value) == p->value_len);
		FUZZ_ASSERT(request_utf8_valid(p->name, p->name_len) && request_utf8_valid(p->value, p->value_len));
		FUZZ_ASSERT(request_param_find(&t, p->name) != NULL);
	}

	if (!strcmp(t.path, "/search")) {
		route_search(&t, &out);
	} else if (!strcmp(t.path, "/suggest")) {
		const struct request_param *q = request_param_find(&t, "q");
		if (q && !blank(q->value)) {
			buf_reset(&out);
			rc = search_suggest_json(searcher, idx, q->value, 10, &out);
			if (rc < 0)
				error_answer(rc, &out);
			else
				json_assert_valid(&out, "suggest");
		}
	} else if (!strncmp(t.path, "/documents/", 11) && t.path[11]) {
		buf_reset(&out);
		rc = search_document_json(searcher, idx, t.path + 11, &out);
		FUZZ_ASSERT(rc == 0 || rc == AS_ENOENT || rc == AS_EINVAL);
		if (rc < 0)
			error_answer(rc, &out);
		else
			json_assert_valid(&out, "document");
	}
done:
	buf_release(&out);
	free(storage);
	return 0;
}
