/*
 * The relevance suite: tests/relevance/judgments.tsv (query, document id, grade 0-2)
 * run against an index of corpus/, scored by nDCG@10 (gain 2^grade - 1, log2 discount,
 * Järvelin & Kekäläinen 2002) and MRR (reciprocal rank of the first grade-2 document,
 * 0 past rank 10). The test fails when either mean falls below the floor recorded in
 * tests/relevance/floor.txt; raise the floor when the engine improves.
 *
 * ARTISEARCH_RELEVANCE_VERBOSE=1 prints every query's figures and top hits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/index/index.h"
#include "common/query/search.h"
#include "tests/unit/query_fixture.h"

#define MAX_J 64

struct query_j {
	char q[256];
	char ids[MAX_J][256];
	int grades[MAX_J];
	int n;
};

static struct query_j *load(const char *path, int *n_out)
{
	FILE *fp = fopen(path, "r");
	struct query_j *qs = NULL;
	int n = 0;
	char line[2048];

	if (!fp)
		return NULL;
	while (fgets(line, sizeof(line), fp)) {
		char *q = line, *id, *g, *nl;
		if ((nl = strchr(line, '\n')))
			*nl = 0;
		if (!*line || *line == '#')
			continue;
		if (!(id = strchr(q, '\t')))
			continue;
		*id++ = 0;
		if (!(g = strchr(id, '\t')))
			continue;
		*g++ = 0;
		int i;
		for (i = 0; i < n; i++)
			if (strcmp(qs[i].q, q) == 0)
				break;
		if (i == n) {
			qs = realloc(qs, (size_t)(n + 1) * sizeof(*qs));
			memset(&qs[n], 0, sizeof(qs[n]));
			snprintf(qs[n].q, sizeof(qs[n].q), "%.255s", q);
			n++;
		}
		if (qs[i].n < MAX_J) {
			snprintf(qs[i].ids[qs[i].n], sizeof(qs[i].ids[0]), "%.255s", id);
			qs[i].grades[qs[i].n++] = atoi(g);
		}
	}
	fclose(fp);
	*n_out = n;
	return qs;
}

static int grade_of(const struct query_j *j, const char *id)
{
	for (int i = 0; i < j->n; i++)
		if (strcmp(j->ids[i], id) == 0)
			return j->grades[i];
	return 0;
}

static int cmp_int_desc(const void *a, const void *b)
{
	return *(const int *)b - *(const int *)a;
}

static void test_relevance(void **state)
{
	char dir[512];
	struct index *idx;
	struct searcher *s;
	int n_q = 0, verbose = getenv("ARTISEARCH_RELEVANCE_VERBOSE") != NULL;
	struct query_j *qs = load("tests/relevance/judgments.tsv", &n_q);
	double sum_ndcg = 0, sum_mrr = 0, floor_ndcg = 0, floor_mrr = 0;
	FILE *fp;

	(void)state;
	assert_non_null(qs);
	assert_true(n_q > 0);
	assert_true(qfix_build_index("corpus", 0, dir, sizeof(dir)) > 0);
	assert_int_equal(index_open(dir, &idx), 0);
	assert_int_equal(searcher_new(&s), 0);
	for (int i = 0; i < n_q; i++) {
		struct search_request req;
		const struct search_result *res;
		double dcg = 0, idcg = 0, rr = 0;
		int ideal[MAX_J];

		search_request_init(&req);
		req.q = qs[i].q;
		req.no_snippets = 1;
		assert_int_equal(search_run(s, idx, &req, &res), 0);
		for (uint32_t h = 0; h < search_result_n_hits(res) && h < 10; h++) {
			int g = grade_of(&qs[i], search_result_hit(res, h, NULL, NULL));
			dcg += (pow(2, g) - 1) / log2(h + 2.0);
			if (g == 2 && rr == 0)
				rr = 1.0 / (h + 1);
		}
		memcpy(ideal, qs[i].grades, sizeof(int) * (size_t)qs[i].n);
		qsort(ideal, (size_t)qs[i].n, sizeof(int), cmp_int_desc);
		for (int h = 0; h < qs[i].n && h < 10; h++)
			idcg += (pow(2, ideal[h]) - 1) / log2(h + 2.0);
		double ndcg = idcg > 0 ? dcg / idcg : 0;
		sum_ndcg += ndcg;
		sum_mrr += rr;
		if (verbose || rr < 0.5) {
			printf("%-40s nDCG@10 %.3f RR %.3f  total %llu%s\n", qs[i].q, ndcg, rr,
			       (unsigned long long)search_result_total(res), search_result_relaxed(res) ? " (relaxed)" : "");
			for (uint32_t h = 0; h < search_result_n_hits(res) && h < (verbose ? 5u : 3u); h++) {
				const char *id = search_result_hit(res, h, NULL, NULL);
				printf("    %d %s\n", grade_of(&qs[i], id), id);
			}
		}
	}
	double ndcg = sum_ndcg / n_q, mrr = sum_mrr / n_q;
	printf("relevance: %d queries, nDCG@10 %.4f, MRR %.4f\n", n_q, ndcg, mrr);
	if ((fp = fopen("tests/relevance/floor.txt", "r"))) {
		char line[256];
		while (fgets(line, sizeof(line), fp)) {
			sscanf(line, "ndcg@10 %lf", &floor_ndcg);
			sscanf(line, "mrr %lf", &floor_mrr);
		}
		fclose(fp);
	}
	printf("floor: nDCG@10 %.4f, MRR %.4f\n", floor_ndcg, floor_mrr);
	searcher_free(s);
	index_close(idx);
	qfix_remove(dir);
	free(qs);
	assert_true(ndcg >= floor_ndcg);
	assert_true(mrr >= floor_mrr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relevance),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
