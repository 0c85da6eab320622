#ifndef AS_SEARCHD_METRICS_H
#define AS_SEARCHD_METRICS_H
/*
 * The daemon's counters, rendered as Prometheus text (exposition format 0.0.4) by
 * GET /metrics. Every counter is a relaxed atomic: request threads only ever add, and a
 * scrape reads a value that is at worst a few requests old.
 */
#include <stdint.h>

struct buf;

enum route {
	ROUTE_SEARCH,
	ROUTE_SUGGEST,
	ROUTE_DOCUMENT,
	ROUTE_HEALTH,
	ROUTE_METRICS,
	ROUTE_PAGE,   /* / and the page's own files */
	ROUTE_WIDGET, /* /widget.js */
	ROUTE_OTHER,  /* unknown routes, bad methods, requests refused before routing */
	N_ROUTES
};

/* "search", "suggest"...; the label value in /metrics and the access log. */
const char *metrics_route_name(enum route r);

/* Counts one finished request: its route, HTTP status and latency in seconds. */
void metrics_request(enum route r, unsigned status, double seconds);
/* Counts one reload: ok, a new generation swapped in; else one refused. */
void metrics_reload(int ok);

/*
 * Appends the whole exposition: the counters above, plus the live generation's name and
 * document count and the number of requests being answered now.
 */
void metrics_render(struct buf *out, const char *generation, uint64_t n_docs, long in_flight);

#endif
