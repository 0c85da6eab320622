#include "searchd/metrics.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "common/util/buf.h"

static const char *const route_names[N_ROUTES] = {
	"search", "suggest", "document", "health", "metrics", "page", "widget", "other",
};

/* The statuses the daemon answers with; anything else is counted as "other". */
static const unsigned statuses[] = { 200, 204, 304, 400, 404, 405, 413, 414, 500, 503 };
#define N_STATUSES (sizeof(statuses) / sizeof(statuses[0]) + 1)

/* Latency buckets in seconds: from 50 µs (a cached answer) to 1 s (a pathological query). */
static const double buckets[] = { 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
				  0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0 };
#define N_BUCKETS (sizeof(buckets) / sizeof(buckets[0]))

static atomic_ulong requests[N_ROUTES][N_STATUSES];
static atomic_ulong latency_count[N_ROUTES][N_BUCKETS + 1]; /* not cumulative; +1: above all */
static atomic_ulong latency_sum_us[N_ROUTES];
static atomic_ulong reloads, reload_failures;

const char *metrics_route_name(enum route r)
{
	return (unsigned)r < N_ROUTES ? route_names[r] : "other";
}

static size_t status_slot(unsigned status)
{
	for (size_t i = 0; i < N_STATUSES - 1; i++)
		if (statuses[i] == status)
			return i;
	return N_STATUSES - 1;
}

void metrics_request(enum route r, unsigned status, double seconds)
{
	size_t b = 0;

	if ((unsigned)r >= N_ROUTES)
		r = ROUTE_OTHER;
	while (b < N_BUCKETS && seconds > buckets[b])
		b++;
	atomic_fetch_add_explicit(&requests[r][status_slot(status)], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&latency_count[r][b], 1, memory_order_relaxed);
	atomic_fetch_add_explicit(&latency_sum_us[r], (unsigned long)(seconds * 1e6 + 0.5),
				  memory_order_relaxed);
}

void metrics_reload(int ok)
{
	atomic_fetch_add_explicit(ok ? &reloads : &reload_failures, 1, memory_order_relaxed);
}

static unsigned long load(atomic_ulong *v)
{
	return atomic_load_explicit(v, memory_order_relaxed);
}

void metrics_render(struct buf *out, const char *generation, uint64_t n_docs, long in_flight)
{
	const char *digits = generation ? strpbrk(generation, "0123456789") : NULL;

	buf_addstr(out, "# HELP artisearch_http_requests_total HTTP requests answered, by route and status.\n"
			"# TYPE artisearch_http_requests_total counter\n");
	for (int r = 0; r < N_ROUTES; r++)
		for (size_t s = 0; s < N_STATUSES; s++) {
			unsigned long v = load(&requests[r][s]);

			if (!v)
				continue;
			if (s < N_STATUSES - 1)
				buf_addf(out, "artisearch_http_requests_total{route=\"%s\",status=\"%u\"} %lu\n",
					 route_names[r], statuses[s], v);
			else
				buf_addf(out, "artisearch_http_requests_total{route=\"%s\",status=\"other\"} %lu\n",
					 route_names[r], v);
		}

	buf_addstr(out, "# HELP artisearch_http_request_duration_seconds Time from the request line to the last byte sent.\n"
			"# TYPE artisearch_http_request_duration_seconds histogram\n");
	for (int r = 0; r < N_ROUTES; r++) {
		unsigned long cumulative = 0;

		for (size_t b = 0; b <= N_BUCKETS; b++) {
			cumulative += load(&latency_count[r][b]);
			if (b < N_BUCKETS)
				buf_addf(out, "artisearch_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} %lu\n",
					 route_names[r], buckets[b], cumulative);
			else
				buf_addf(out, "artisearch_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %lu\n",
					 route_names[r], cumulative);
		}
		buf_addf(out, "artisearch_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
			 route_names[r], (double)load(&latency_sum_us[r]) / 1e6);
		buf_addf(out, "artisearch_http_request_duration_seconds_count{route=\"%s\"} %lu\n",
			 route_names[r], cumulative);
	}

	buf_addf(out, "# HELP artisearch_http_requests_in_flight Requests being answered now.\n"
		      "# TYPE artisearch_http_requests_in_flight gauge\n"
		      "artisearch_http_requests_in_flight %ld\n", in_flight);
	buf_addf(out, "# HELP artisearch_documents Live documents in the served generation.\n"
		      "# TYPE artisearch_documents gauge\n"
		      "artisearch_documents %llu\n", (unsigned long long)n_docs);
	buf_addstr(out, "# HELP artisearch_generation Number of the served generation (gen-000042: 42).\n"
			"# TYPE artisearch_generation gauge\n");
	buf_addf(out, "artisearch_generation %llu\n",
		 digits ? strtoull(digits, NULL, 10) : 0ULL);
	buf_addstr(out, "# HELP artisearch_generation_info The served generation, by name.\n"
			"# TYPE artisearch_generation_info gauge\n"
			"artisearch_generation_info{generation=\"");
	/* Generation names are ours ("gen-" and digits), but never trust a file's bytes
	 * inside a label: keep only characters a label value may hold unescaped. */
	for (const char *g = generation ? generation : ""; *g; g++)
		if ((*g >= '0' && *g <= '9') || (*g >= 'a' && *g <= 'z') || (*g >= 'A' && *g <= 'Z') ||
		    *g == '-' || *g == '_' || *g == '.')
			buf_addch(out, *g);
	buf_addstr(out, "\"} 1\n");
	buf_addf(out, "# HELP artisearch_reloads_total Generations swapped in after start.\n"
		      "# TYPE artisearch_reloads_total counter\n"
		      "artisearch_reloads_total %lu\n", load(&reloads));
	buf_addf(out, "# HELP artisearch_reload_failures_total Generations refused (failed to open or verify).\n"
		      "# TYPE artisearch_reload_failures_total counter\n"
		      "artisearch_reload_failures_total %lu\n", load(&reload_failures));
}
