/*
 * In-process query latency: query_bench INDEX_DIR QUERY_FILE [REPEAT [MODE]]
 *
 * Opens the index once, reads one query per line, runs every query once untimed (warm
 * caches), then REPEAT times (default 5) timing each search_run() for the top 10 with
 * CLOCK_MONOTONIC. Prints one JSON line per mode, retrieval without snippets first
 * (what Xapian's figures compare with), then with snippets and the JSON serialisation:
 *   {"mode": "top10", "unit": "us", "queries": N, "runs": M, "p50_us": ..., "p95_us": ...,
 *    "p99_us": ..., "mean_us": ..., "hits_mean": ...}
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/index/index.h"
#include "common/query/search.h"
#include "common/util/buf.h"
#include "common/util/error.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double percentile(const double *v, size_t n, double p)
{
	size_t i = (size_t)(p / 100.0 * (double)(n - 1) + 0.5);

	return v[i < n ? i : n - 1];
}

/* One query's top 10 without snippets: its time in µs, or < 0 when it fails. */
static double time_top10(struct searcher *s, const struct index *idx, const char *q,
			 const struct search_result **res)
{
	struct search_request req;
	double t0;

	search_request_init(&req);
	req.q = q;
	req.no_snippets = 1;
	t0 = now_us();
	if (search_run(s, idx, &req, res) < 0)
		return -1;
	return now_us() - t0;
}

static int measure(struct searcher *s, const struct index *idx, char **qs, size_t n_q, int repeat,
		   int snippets, const char *mode)
{
	size_t n = n_q * (size_t)repeat, k = 0;
	double *lat = malloc((n ? n : 1) * sizeof(*lat)), sum = 0, hits = 0;
	struct buf out = BUF_INIT;

	for (int r = -1; r < repeat; r++)
		for (size_t i = 0; i < n_q; i++) {
			struct search_request req;
			const struct search_result *res;
			double t0, t1;
			int rc;

			search_request_init(&req);
			req.q = qs[i];
			req.no_snippets = !snippets;
			t0 = now_us();
			rc = search_run(s, idx, &req, &res);
			if (rc == 0 && snippets) {
				buf_reset(&out);
				search_result_json(res, &out);
			}
			t1 = now_us();
			if (rc < 0) {
				fprintf(stderr, "query_bench: [%s]: %s\n", qs[i], as_error_message(rc));
				continue;
			}
			if (r < 0)
				continue; /* the untimed pass */
			lat[k++] = t1 - t0;
			sum += t1 - t0;
			hits += search_result_n_hits(res);
		}
	qsort(lat, k, sizeof(*lat), cmp_double);
	if (k)
		printf("{\"mode\": \"%s\", \"unit\": \"us\", \"queries\": %zu, \"runs\": %zu, \"p50_us\": %.2f, "
		       "\"p95_us\": %.2f, \"p99_us\": %.2f, \"mean_us\": %.2f, \"hits_mean\": %.2f}\n",
		       mode, n_q, k, percentile(lat, k, 50), percentile(lat, k, 95), percentile(lat, k, 99), sum / k,
		       hits / k);
	free(lat);
	buf_release(&out);
	return k ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct index *idx;
	struct searcher *s;
	char line[4096], **qs = NULL;
	size_t n_q = 0;
	int repeat = argc > 3 ? atoi(argv[3]) : 5, rc;
	FILE *fp;

	if (argc < 3) {
		fprintf(stderr, "usage: query_bench INDEX_DIR QUERY_FILE [REPEAT]\n");
		return 2;
	}
	if ((rc = index_open(argv[1], &idx)) < 0) {
		fprintf(stderr, "query_bench: %s\n", as_error_message(rc));
		return 2;
	}
	if (!(fp = fopen(argv[2], "r"))) {
		perror(argv[2]);
		return 2;
	}
	while (fgets(line, sizeof(line), fp)) {
		line[strcspn(line, "\r\n")] = 0;
		if (!*line)
			continue;
		qs = realloc(qs, (n_q + 1) * sizeof(*qs));
		qs[n_q++] = strdup(line);
	}
	fclose(fp);
	if (repeat < 1)
		repeat = 1;
	if (searcher_new(&s) < 0)
		return 2;
	/* MODE (for profiling one of them): top10 or snippets; default both. Per query: each
	 * (best of REPEAT in a row, caches warm) or rounds (min, median and max over REPEAT
	 * passes of the whole list, as top10 times them). */
	const char *mode = argc > 4 ? argv[4] : "";
	rc = 0;
	if (strcmp(mode, "each") == 0) {
		/* Each query's best time of REPEAT, slowest first: where the tail comes from. */
		for (size_t i = 0; i < n_q; i++) {
			double best = 1e30;
			const struct search_result *res = NULL;
			for (int r = 0; r <= repeat; r++) {
				double t = time_top10(s, idx, qs[i], &res);
				if (t < 0)
					break;
				if (r > 0 && t < best)
					best = t;
			}
			if (res)
				printf("%10.1f %8llu %8llu %s\n", best, (unsigned long long)search_result_total(res),
				       (unsigned long long)search_result_n_scored(res), qs[i]);
		}
		goto done;
	}
	if (strcmp(mode, "rounds") == 0) {
		/* The other queries evict a query's data between its runs, as in top10's passes:
		 * the tail of those figures comes from these, not from each's warm times. */
		double *t = calloc(n_q * (size_t)repeat + 1, sizeof(*t));
		if (!t) {
			fprintf(stderr, "query_bench: out of memory\n");
			rc = 1;
			goto done;
		}
		for (int r = -1; r < repeat; r++)
			for (size_t i = 0; i < n_q; i++) {
				const struct search_result *res;
				double ti = time_top10(s, idx, qs[i], &res);
				if (r >= 0 && ti >= 0)
					t[i * (size_t)repeat + (size_t)r] = ti;
			}
		for (size_t i = 0; i < n_q; i++) {
			qsort(t + i * (size_t)repeat, (size_t)repeat, sizeof(*t), cmp_double);
			printf("%10.1f %10.1f %10.1f %s\n", t[i * (size_t)repeat], t[i * (size_t)repeat + (size_t)repeat / 2],
			       t[i * (size_t)repeat + (size_t)repeat - 1], qs[i]);
		}
		free(t);
		goto done;
	}
	if (strcmp(mode, "snippets") != 0)
		rc |= measure(s, idx, qs, n_q, repeat, 0, "top10");
	if (strcmp(mode, "top10") != 0)
		rc |= measure(s, idx, qs, n_q, repeat, 1, "top10+snippets+json");
done:
	searcher_free(s);
	index_close(idx);
	for (size_t i = 0; i < n_q; i++)
		free(qs[i]);
	free(qs);
	return rc ? 1 : 0;
}
