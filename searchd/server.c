#include "searchd/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>
#include <zlib.h>

#include "common/query/search.h"
#include "common/util/buf.h"
#include "common/util/error.h"
#include "common/util/mem.h"
#include "searchd/live.h"
#include "searchd/metrics.h"
#include "searchd/request.h"
#include "searchd/result_cache.h"

/* build/gen/web_assets.c, made from web/ by scripts/embed.sh; NULL-terminated. */
struct web_asset {
	const char *path;
	const char *type;
	const unsigned char *data;
	size_t len;
};
extern const struct web_asset web_assets[];

/* An embedded file ready to serve: its validator and, when it pays, a gzip copy. */
struct asset {
	const struct web_asset *src;
	char etag[32];
	unsigned char *gz;
	size_t gz_len;
};

struct server {
	struct MHD_Daemon *mhd;
	struct live *live;
	struct server_config cfg;
	struct asset *assets;
	size_t n_assets;
	char url[160];
	atomic_long in_flight;
};

/* Bodies shorter than this go out as they are: gzip's header and a round trip of CPU
 * would cost more than the bytes saved. */
#define GZIP_MIN 512
/* Level 4 of zlib: most of the ratio of the default 6 for about half the time on
 * small JSON bodies. */
#define GZIP_LEVEL 4
#define SUGGEST_DEFAULT 8
#define SUGGEST_MAX 20
/* How much of a request target the access log keeps. */
#define LOG_TARGET_MAX 400

/* ---- Per request ---------------------------------------------------------------- */

enum method { METHOD_OTHER, METHOD_GET, METHOD_HEAD, METHOD_OPTIONS };

/* Made by the URI callback, before any header is read; freed when the answer is sent. */
struct request {
	struct timespec start;
	enum route route;
	enum method method;
	char method_text[16]; /* as sent, for the log, when not one of ours */
	int seen;          /* the handler was called once */
	unsigned status;   /* 0 until an answer is queued */
	size_t bytes;      /* body bytes queued */
	size_t target_len; /* of the raw target, which may be longer than kept */
	char target[];     /* min(target_len, REQUEST_MAX_TARGET) bytes, NUL-terminated */
};

/* ---- Per thread ------------------------------------------------------------------- */

/* What one libmicrohttpd thread reuses from a request to the next. */
struct worker {
	struct searcher *searcher; /* made on first use */
	struct result_cache *cache; /* made on first use, when enabled */
	struct buf out;
	struct buf gz;
	z_stream zs;
	int zs_ready;
	char storage[REQUEST_STORAGE(REQUEST_MAX_TARGET)];
};

static pthread_key_t worker_key;
static pthread_once_t worker_once = PTHREAD_ONCE_INIT;

static void worker_free(void *p)
{
	struct worker *w = p;

	if (!w)
		return;
	searcher_free(w->searcher);
	result_cache_free(w->cache);
	buf_release(&w->out);
	buf_release(&w->gz);
	if (w->zs_ready)
		deflateEnd(&w->zs);
	as_free(w);
}

static void worker_key_init(void)
{
	if (pthread_key_create(&worker_key, worker_free) != 0)
		abort(); /* only when the process is out of keys: nothing can work */
}

static struct worker *worker_get(void)
{
	struct worker *w = pthread_getspecific(worker_key);

	if (!w) {
		if (!(w = as_calloc(1, sizeof(*w))))
			return NULL;
		if (pthread_setspecific(worker_key, w) != 0) {
			as_free(w);
			return NULL;
		}
	}
	return w;
}

/* ---- Answers ------------------------------------------------------------------------- */

/* Everything an answer needs to know about the request it answers. */
struct ctx {
	struct server *srv;
	struct MHD_Connection *con;
	struct request *req;
	struct worker *w;
	const char *origin; /* the Origin header when allowed, else NULL */
};

enum {
	BODY_STATIC = 1,   /* body outlives the response: no copy */
	BODY_COMPRESS = 2, /* worth gzipping when the client accepts it */
};

struct answer {
	unsigned status;
	const char *type;
	const void *body;
	size_t len;
	unsigned flags;
	const char *etag;          /* or NULL */
	const char *cache_control; /* or NULL */
	const void *gz;            /* a ready gzip copy of body (static assets), or NULL */
	size_t gz_len;
	int page;                  /* the search page: gets its security policy */
};

/* True when Accept-Encoding lists gzip with a non-zero quality (RFC 9110 12.5.3). */
static int accepts_gzip(const char *h)
{
	while (h && *h) {
		const char *item = h + strspn(h, " \t,");
		const char *end = item + strcspn(item, ",");
		size_t name = strcspn(item, " \t;,");

		if ((name == 4 && !strncasecmp(item, "gzip", 4)) ||
		    (name == 6 && !strncasecmp(item, "x-gzip", 6))) {
			const char *q = item + name;

			while (q < end && (q = strchr(q, 'q')) && q < end) {
				const char *v = q + 1 + strspn(q + 1, " \t");

				if (*v == '=' && (q[-1] == ';' || q[-1] == ' ' || q[-1] == '\t')) {
					double quality = strtod(v + 1, NULL);
					return quality > 0.0;
				}
				q++;
			}
			return 1;
		}
		h = *end ? end + 1 : end;
	}
	return 0;
}

/* Compresses body into w->gz as one gzip member; 0, or <0 to send it as it is. */
static int gzip_body(struct worker *w, const void *body, size_t len)
{
	if (!w->zs_ready) {
		memset(&w->zs, 0, sizeof(w->zs));
		/* 15 + 16: a gzip header and trailer rather than zlib's (zlib.h, deflateInit2). */
		if (deflateInit2(&w->zs, GZIP_LEVEL, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
			return -1;
		w->zs_ready = 1;
	} else if (deflateReset(&w->zs) != Z_OK)
		return -1;
	buf_reset(&w->gz);
	if (buf_grow(&w->gz, deflateBound(&w->zs, len)) < 0)
		return -1;
	w->zs.next_in = (Bytef *)body;
	w->zs.avail_in = (uInt)len;
	w->zs.next_out = (Bytef *)w->gz.ptr;
	w->zs.avail_out = (uInt)(w->gz.cap - 1);
	if (deflate(&w->zs, Z_FINISH) != Z_STREAM_END)
		return -1;
	w->gz.len = w->gz.cap - 1 - w->zs.avail_out;
	return 0;
}

static void add_header(struct MHD_Response *r, const char *name, const char *value)
{
	/* Fails only out of memory; the answer still goes, without that header. */
	(void)MHD_add_response_header(r, name, value);
}

static void add_cors(struct ctx *x, struct MHD_Response *r)
{
	if (x->origin) {
		add_header(r, "Access-Control-Allow-Origin", x->origin);
		add_header(r, "Access-Control-Expose-Headers", "ETag");
	}
}

static enum MHD_Result send_answer(struct ctx *x, const struct answer *a)
{
	struct MHD_Response *r;
	const void *body = a->body;
	size_t len = a->len;
	enum MHD_ResponseMemoryMode mode = (a->flags & BODY_STATIC) ? MHD_RESPMEM_PERSISTENT
								    : MHD_RESPMEM_MUST_COPY;
	int gz = 0, compressible = (a->flags & BODY_COMPRESS) && a->status != 304;
	enum MHD_Result ok;

	if (compressible && len >= GZIP_MIN &&
	    accepts_gzip(MHD_lookup_connection_value(x->con, MHD_HEADER_KIND, "Accept-Encoding"))) {
		if (a->gz) {
			body = a->gz, len = a->gz_len, gz = 1;
		} else if (x->w && gzip_body(x->w, body, len) == 0 && x->w->gz.len < len) {
			body = x->w->gz.ptr, len = x->w->gz.len, gz = 1;
			mode = MHD_RESPMEM_MUST_COPY;
		}
	}
	if (a->status == 304 || a->status == 204)
		body = "", len = 0;
	r = MHD_create_response_from_buffer(len, (void *)body, mode);
	if (!r)
		return MHD_NO;
	if (a->status != 304 && a->status != 204)
		add_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, a->type);
	if (gz)
		add_header(r, MHD_HTTP_HEADER_CONTENT_ENCODING, "gzip");
	if (a->flags & BODY_COMPRESS)
		add_header(r, MHD_HTTP_HEADER_VARY,
			   x->srv->cfg.n_cors_origins ? "Accept-Encoding, Origin" : "Accept-Encoding");
	else if (x->srv->cfg.n_cors_origins)
		add_header(r, MHD_HTTP_HEADER_VARY, "Origin");
	if (a->etag)
		add_header(r, MHD_HTTP_HEADER_ETAG, a->etag);
	if (a->cache_control)
		add_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, a->cache_control);
	add_header(r, "X-Content-Type-Options", "nosniff");
	if (a->status == 405) /* required with a 405 (RFC 9110 15.5.6) */
		add_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD, OPTIONS");
	if (a->page) {
		/* The page loads nothing from elsewhere; a script that slipped into a result
		 * could neither run inline nor send anything away. */
		add_header(r, "Content-Security-Policy",
			   "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
			   "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
			   "frame-ancestors 'self'");
		add_header(r, "Referrer-Policy", "strict-origin-when-cross-origin");
	}
	add_cors(x, r);
	ok = MHD_queue_response(x->con, a->status, r);
	MHD_destroy_response(r);
	if (ok == MHD_YES) {
		x->req->status = a->status;
		x->req->bytes = len;
	}
	return ok;
}

/* A JSON error body: the engine's serializer for its codes, ours for HTTP's own. */
static enum MHD_Result send_error(struct ctx *x, unsigned status, const char *code, int as_code,
				  const char *message)
{
	struct buf tmp = BUF_INIT, *out = x->w ? &x->w->out : &tmp;
	struct answer a = { .status = status, .type = "application/json; charset=utf-8",
			    .cache_control = "no-store", .flags = BODY_COMPRESS };
	enum MHD_Result ok;

	buf_reset(out);
	if (code) {
		buf_addstr(out, "{\"error\": {\"code\": \"");
		buf_addstr(out, code);
		buf_addstr(out, "\", \"message\": \"");
		buf_add_json_str(out, message, strlen(message));
		buf_addstr(out, "\"}}\n");
	} else
		search_error_json(as_code, message, out);
	if (out->err) {
		/* Out of memory: a fixed body still says what happened. */
		static const char oom[] = "{\"error\": {\"code\": \"unavailable\", \"message\": \"out of memory\"}}\n";
		a.status = 503, a.body = oom, a.len = sizeof(oom) - 1, a.flags = BODY_STATIC;
	} else
		a.body = out->ptr, a.len = out->len;
	ok = send_answer(x, &a);
	buf_release(&tmp);
	return ok;
}

/* The status for an AS_E* code from the engine. */
static unsigned status_for(int rc)
{
	switch (rc) {
	case AS_EINVAL:
	case AS_ELIMIT:
		return MHD_HTTP_BAD_REQUEST;
	case AS_ENOENT:
		return MHD_HTTP_NOT_FOUND;
	case AS_ENOMEM:
		return MHD_HTTP_SERVICE_UNAVAILABLE;
	default:
		return MHD_HTTP_INTERNAL_SERVER_ERROR;
	}
}

static enum MHD_Result send_engine_error(struct ctx *x, int rc)
{
	return send_error(x, status_for(rc), NULL, rc, as_error_message(rc));
}

/* Sends w->out as JSON, or a 503 when building it ran out of memory. */
static enum MHD_Result send_json(struct ctx *x, const char *etag, const char *cache_control)
{
	struct answer a = { .status = 200, .type = "application/json; charset=utf-8",
			    .body = x->w->out.ptr, .len = x->w->out.len, .flags = BODY_COMPRESS,
			    .etag = etag, .cache_control = cache_control };

	if (x->w->out.err)
		return send_error(x, 503, NULL, AS_ENOMEM, "out of memory building the answer");
	return send_answer(x, &a);
}

/* True when If-None-Match names `etag` (or is `*`): the client's copy is current. */
static int not_modified(struct ctx *x, const char *etag)
{
	const char *h = MHD_lookup_connection_value(x->con, MHD_HEADER_KIND, MHD_HTTP_HEADER_IF_NONE_MATCH);
	const char *opaque = strchr(etag, '"'); /* weak comparison: W/ prefixes do not count */

	if (!h)
		return 0;
	if (!strcmp(h + strspn(h, " \t"), "*"))
		return 1;
	return strstr(h, opaque) != NULL;
}

static enum MHD_Result send_not_modified(struct ctx *x, const char *etag, const char *cache_control,
					 unsigned flags)
{
	struct answer a = { .status = 304, .etag = etag, .cache_control = cache_control, .flags = flags };

	return send_answer(x, &a);
}

/*
 * The generation to answer from, its ETag written to etag (per generation: an answer
 * changes only when the index does). NULL, nothing held, when the client's copy is that
 * generation's: the caller sends a 304.
 */
static struct generation *acquire_fresh(struct ctx *x, char *etag, size_t size)
{
	struct generation *g = live_acquire(x->srv->live);

	snprintf(etag, size, "W/\"%s-%llx\"", g->name, (unsigned long long)g->folder);
	if (!not_modified(x, etag))
		return g;
	live_release(g);
	return NULL;
}

/* ---- Routes ----------------------------------------------------------------------------- */

/* Answers cacheable by generation: revalidated each time, 304 while it is unchanged. */
#define CACHE_GENERATION "public, no-cache"

/*
 * /search is strict about its parameters: an unknown one (a typo like "pgae", a tracking
 * tag) is a 400 naming it, never silently ignored, so that a caller learns at once that
 * a filter did not apply. An empty optional value ("type=") counts as absent: that is
 * how an HTML form sends a field left blank.
 */
static const char *const search_params[] = { "q", "page", "limit", "type", "department",
					     "from", "to", "sort", NULL };

static int known(const char *const *names, const char *name)
{
	for (; *names; names++)
		if (!strcmp(*names, name))
			return 1;
	return 0;
}

static struct searcher *worker_searcher(struct worker *w)
{
	if (!w->searcher && searcher_new(&w->searcher) < 0)
		w->searcher = NULL;
	return w->searcher;
}

static enum MHD_Result route_search(struct ctx *x, const struct request_target *t)
{
	struct search_request sr;
	const struct request_param *q = NULL;
	const struct search_result *res;
	struct generation *g;
	struct searcher *s;
	char etag[96];
	enum MHD_Result ok;
	int rc;

	search_request_init(&sr);
	for (size_t i = 0; i < t->n_params; i++) {
		const struct request_param *p = &t->params[i];

		if (!known(search_params, p->name)) {
			as_error_set(AS_EINVAL, "unknown parameter '%s' (expected q, page, limit, type, "
				     "department, from, to or sort)", p->name);
			return send_error(x, 400, NULL, AS_EINVAL, as_error_message(AS_EINVAL));
		}
		if (!strcmp(p->name, "q")) {
			q = p;
			continue;
		}
		/* search_request_set() reads an empty value ("type=") as the field not given. */
		if ((rc = search_request_set(&sr, p->name, p->value)) < 0)
			return send_engine_error(x, rc);
	}
	if (!q || search_query_blank(q->value))
		return send_error(x, 400, NULL, AS_EINVAL,
				  q ? "q: empty; give the words to search for"
				    : "q: missing; give the words to search for, as in /search?q=apprentissage");
	if ((rc = search_request_set(&sr, "q", q->value)) < 0)
		return send_engine_error(x, rc);
	if (!(s = worker_searcher(x->w)))
		return send_error(x, 503, NULL, AS_ENOMEM, "out of memory");

	if (!(g = acquire_fresh(x, etag, sizeof(etag))))
		return send_not_modified(x, etag, CACHE_GENERATION, BODY_COMPRESS);
	if (x->srv->cfg.cache_entries && !x->w->cache)
		x->w->cache = result_cache_new(x->srv->cfg.cache_entries);
	if (x->w->cache) {
		size_t len;
		const char *body = result_cache_get(x->w->cache, g->seq, x->req->target,
						    x->req->target_len, &len);

		if (body) {
			struct answer a = { .status = 200, .type = "application/json; charset=utf-8",
					    .body = body, .len = len, .flags = BODY_COMPRESS,
					    .etag = etag, .cache_control = CACHE_GENERATION };

			live_release(g);
			return send_answer(x, &a);
		}
	}
	rc = search_run(s, g->idx, &sr, &res);
	if (rc < 0) {
		live_release(g);
		return send_engine_error(x, rc);
	}
	buf_reset(&x->w->out);
	search_result_json(res, &x->w->out);
	if (x->w->cache && !x->w->out.err)
		result_cache_put(x->w->cache, g->seq, x->req->target, x->req->target_len,
				 x->w->out.ptr, x->w->out.len);
	/* The result may point into the index: serialize before letting it go. */
	live_release(g);
	ok = send_json(x, etag, CACHE_GENERATION);
	return ok;
}

static enum MHD_Result route_suggest(struct ctx *x, const struct request_target *t)
{
	const struct request_param *q = request_param_find(t, "q");
	const struct request_param *lim = request_param_find(t, "limit");
	unsigned long limit = SUGGEST_DEFAULT;
	struct generation *g;
	struct searcher *s;
	char etag[96];
	int rc;

	for (size_t i = 0; i < t->n_params; i++)
		if (strcmp(t->params[i].name, "q") && strcmp(t->params[i].name, "limit")) {
			as_error_set(AS_EINVAL, "unknown parameter '%s' (expected q or limit)",
				     t->params[i].name);
			return send_error(x, 400, NULL, AS_EINVAL, as_error_message(AS_EINVAL));
		}
	if (!q || search_query_blank(q->value))
		return send_error(x, 400, NULL, AS_EINVAL, q ? "q: empty" : "q: missing");
	if (lim && lim->value_len) {
		char *end;

		errno = 0;
		limit = strtoul(lim->value, &end, 10);
		if (*end || errno || lim->value[0] < '0' || lim->value[0] > '9' || limit < 1 ||
		    limit > SUGGEST_MAX) {
			as_error_set(AS_EINVAL, "limit: '%s' is not a number from 1 to %d", lim->value,
				     SUGGEST_MAX);
			return send_error(x, 400, NULL, AS_EINVAL, as_error_message(AS_EINVAL));
		}
	}
	if (!(s = worker_searcher(x->w)))
		return send_error(x, 503, NULL, AS_ENOMEM, "out of memory");
	if (!(g = acquire_fresh(x, etag, sizeof(etag))))
		return send_not_modified(x, etag, CACHE_GENERATION, BODY_COMPRESS);
	buf_reset(&x->w->out);
	rc = search_suggest_json(s, g->idx, q->value, (uint32_t)limit, &x->w->out);
	live_release(g);
	if (rc < 0)
		return send_engine_error(x, rc);
	return send_json(x, etag, CACHE_GENERATION);
}

static enum MHD_Result route_document(struct ctx *x, const char *id)
{
	struct generation *g;
	struct searcher *s;
	char etag[96];
	int rc;

	if (!*id)
		return send_error(x, 404, NULL, AS_ENOENT, "no document id after /documents/");
	if (!(s = worker_searcher(x->w)))
		return send_error(x, 503, NULL, AS_ENOMEM, "out of memory");
	if (!(g = acquire_fresh(x, etag, sizeof(etag))))
		return send_not_modified(x, etag, CACHE_GENERATION, BODY_COMPRESS);
	buf_reset(&x->w->out);
	/* Only an id the index holds can match: "../../etc/passwd" is just an unknown id. */
	rc = search_document_json(s, g->idx, id, &x->w->out);
	live_release(g);
	if (rc < 0)
		return send_engine_error(x, rc);
	return send_json(x, etag, CACHE_GENERATION);
}

static enum MHD_Result route_health(struct ctx *x)
{
	struct generation *g = live_acquire(x->srv->live);

	buf_reset(&x->w->out);
	buf_addstr(&x->w->out, "{\"status\": \"ok\", \"generation\": \"");
	buf_add_json_str(&x->w->out, g->name, strlen(g->name));
	buf_addf(&x->w->out, "\", \"documents\": %llu}\n", (unsigned long long)g->n_docs);
	live_release(g);
	return send_json(x, NULL, "no-store");
}

static enum MHD_Result route_metrics(struct ctx *x)
{
	struct generation *g = live_acquire(x->srv->live);
	struct answer a = { .status = 200, .type = "text/plain; version=0.0.4; charset=utf-8",
			    .flags = BODY_COMPRESS, .cache_control = "no-store" };

	buf_reset(&x->w->out);
	metrics_render(&x->w->out, g->name, g->n_docs,
		       atomic_load_explicit(&x->srv->in_flight, memory_order_relaxed));
	live_release(g);
	if (x->w->out.err)
		return send_error(x, 503, NULL, AS_ENOMEM, "out of memory");
	a.body = x->w->out.ptr, a.len = x->w->out.len;
	return send_answer(x, &a);
}

static const struct asset *find_asset(const struct server *srv, const char *path)
{
	if (!strcmp(path, "/"))
		path = "/index.html";
	for (size_t i = 0; i < srv->n_assets; i++)
		if (!strcmp(srv->assets[i].src->path, path))
			return &srv->assets[i];
	return NULL;
}

/* The route of a decoded path (*as: the file of a page's route), ROUTE_OTHER for none. */
static enum route route_of(const struct server *srv, const char *path, const struct asset **as)
{
	*as = NULL;
	if (!strcmp(path, "/search"))
		return ROUTE_SEARCH;
	if (!strcmp(path, "/suggest"))
		return ROUTE_SUGGEST;
	if (!strncmp(path, "/documents/", 11))
		return ROUTE_DOCUMENT;
	if (!strcmp(path, "/health"))
		return ROUTE_HEALTH;
	if (!strcmp(path, "/metrics"))
		return ROUTE_METRICS;
	if ((*as = find_asset(srv, path)))
		return !strcmp(path, "/widget.js") ? ROUTE_WIDGET : ROUTE_PAGE;
	return ROUTE_OTHER;
}

static enum MHD_Result route_asset(struct ctx *x, const struct asset *as)
{
	struct answer a = { .status = 200, .type = as->src->type, .body = as->src->data,
			    .len = as->src->len, .flags = BODY_STATIC | BODY_COMPRESS,
			    .etag = as->etag, .gz = as->gz, .gz_len = as->gz_len,
			    /* Five minutes, then revalidated: the files change only with the binary. */
			    .cache_control = "public, max-age=300",
			    .page = !strcmp(as->src->path, "/index.html") };

	if (not_modified(x, as->etag))
		return send_not_modified(x, as->etag, a.cache_control, BODY_COMPRESS);
	return send_answer(x, &a);
}

/* ---- libmicrohttpd callbacks -------------------------------------------------------- */

static void *on_uri(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct server *srv = cls;
	size_t len = strlen(uri);
	size_t keep = len > REQUEST_MAX_TARGET ? REQUEST_MAX_TARGET : len;
	struct request *r = as_malloc(sizeof(*r) + keep + 1);

	(void)con;
	if (!r)
		return NULL; /* the handler answers 503 */
	clock_gettime(CLOCK_MONOTONIC, &r->start);
	r->route = ROUTE_OTHER;
	r->method = METHOD_OTHER;
	r->method_text[0] = '\0';
	r->seen = 0;
	r->status = 0;
	r->bytes = 0;
	r->target_len = len;
	memcpy(r->target, uri, keep);
	r->target[keep] = '\0';
	atomic_fetch_add_explicit(&srv->in_flight, 1, memory_order_relaxed);
	return r;
}

/* Appends s as a quoted log field: controls, quotes, backslashes and non-ASCII bytes
 * escaped, so a request can neither forge log lines nor break a parser. */
static size_t log_quoted(char *o, size_t cap, const char *s, size_t len, int truncated)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = 0;

	o[n++] = '"';
	for (size_t i = 0; i < len && n + 6 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
			o[n++] = '\\', o[n++] = 'x', o[n++] = hex[c >> 4], o[n++] = hex[c & 15];
		} else
			o[n++] = (char)c;
	}
	if (truncated && n + 5 < cap)
		memcpy(o + n, "...", 3), n += 3;
	o[n++] = '"';
	return n;
}


static void access_log(struct MHD_Connection *con, const struct request *r, unsigned status,
		       double seconds)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	static _Thread_local char stamp[32];
	static _Thread_local time_t stamp_sec = -1;
	char ip[INET6_ADDRSTRLEN] = "-", line[LOG_TARGET_MAX * 4 + 256];
	struct timespec now;
	struct tm tm;
	size_t n, shown = r->target_len < LOG_TARGET_MAX ? r->target_len : LOG_TARGET_MAX;

	if (ci && ci->client_addr) {
		const struct sockaddr *sa = ci->client_addr;

		if (sa->sa_family == AF_INET)
			inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, ip, sizeof(ip));
		else if (sa->sa_family == AF_INET6)
			inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, ip, sizeof(ip));
	}
	clock_gettime(CLOCK_REALTIME, &now);
	/* Formatted once a second per thread: at tens of thousands of requests a second,
	 * gmtime and strftime would cost more than the rest of the line. */
	if (now.tv_sec != stamp_sec) {
		gmtime_r(&now.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
		stamp_sec = now.tv_sec;
	}
	n = (size_t)snprintf(line, sizeof(line), "%s %s %s ", stamp, ip,
			      r->method_text[0] ? r->method_text : "-");
	n += log_quoted(line + n, sizeof(line) - n - 96, r->target, shown, r->target_len > shown);
	n += (size_t)snprintf(line + n, sizeof(line) - n, " %u %zu %.3fms %s\n", status, r->bytes,
			      seconds * 1e3, metrics_route_name(r->route));
	/* One write(2) per line: lines from concurrent threads never interleave. */
	if (write(STDERR_FILENO, line, n) < 0) {
		/* Nowhere left to say it. */
	}
}

static void on_completed(void *cls, struct MHD_Connection *con, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct server *srv = cls;
	struct request *r = *con_cls;
	struct timespec end;
	double seconds;
	unsigned status;

	if (!r)
		return;
	*con_cls = NULL;
	clock_gettime(CLOCK_MONOTONIC, &end);
	seconds = (double)(end.tv_sec - r->start.tv_sec) + (double)(end.tv_nsec - r->start.tv_nsec) / 1e9;
	/* 499: the client went away before an answer (nginx's convention). */
	(void)toe;
	status = r->status ? r->status : 499;
	metrics_request(r->route, status, seconds);
	if (srv->cfg.access_log)
		access_log(con, r, status, seconds);
	as_free(r);
	atomic_fetch_sub_explicit(&srv->in_flight, 1, memory_order_relaxed);
}

static enum method parse_method(const char *m)
{
	if (!strcmp(m, MHD_HTTP_METHOD_GET))
		return METHOD_GET;
	if (!strcmp(m, MHD_HTTP_METHOD_HEAD))
		return METHOD_HEAD;
	if (!strcmp(m, MHD_HTTP_METHOD_OPTIONS))
		return METHOD_OPTIONS;
	return METHOD_OTHER;
}

/* The Origin header when it is one the daemon was told to allow, else NULL. */
static const char *allowed_origin(const struct server *srv, struct MHD_Connection *con)
{
	const char *o = MHD_lookup_connection_value(con, MHD_HEADER_KIND, "Origin");

	if (!o)
		return NULL;
	for (size_t i = 0; i < srv->cfg.n_cors_origins; i++) {
		if (!strcmp(srv->cfg.cors_origins[i], "*"))
			return "*";
		if (!strcmp(srv->cfg.cors_origins[i], o))
			return o;
	}
	return NULL;
}

static enum MHD_Result preflight(struct ctx *x)
{
	struct MHD_Response *r;
	enum MHD_Result ok;

	r = MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	add_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD, OPTIONS");
	if (x->origin) {
		add_cors(x, r);
		add_header(r, "Access-Control-Allow-Methods", "GET, HEAD, OPTIONS");
		add_header(r, "Access-Control-Allow-Headers", "If-None-Match, Content-Type");
		add_header(r, "Access-Control-Max-Age", "600");
	}
	if (x->srv->cfg.n_cors_origins)
		add_header(r, MHD_HTTP_HEADER_VARY, "Origin");
	ok = MHD_queue_response(x->con, 204, r);
	MHD_destroy_response(r);
	if (ok == MHD_YES)
		x->req->status = 204;
	return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *con, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **con_cls)
{
	struct server *srv = cls;
	struct request *r = *con_cls;
	struct request_target t;
	struct ctx x = { .srv = srv, .con = con, .req = r };
	const struct asset *as;
	int rc;

	(void)url, (void)version, (void)upload_data;
	if (!r) {
		/* The URI callback could not allocate: answer without bookkeeping. */
		static const char oom[] = "{\"error\": {\"code\": \"unavailable\", \"message\": \"out of memory\"}}\n";
		struct MHD_Response *resp = MHD_create_response_from_buffer(sizeof(oom) - 1, (void *)oom,
									    MHD_RESPMEM_PERSISTENT);
		enum MHD_Result ok;

		if (!resp)
			return MHD_NO;
		ok = MHD_queue_response(con, 503, resp);
		MHD_destroy_response(resp);
		return ok;
	}
	if (r->status) {
		/* Answered already (a body we do not read is being sent): discard it. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	r->method = parse_method(method);
	/*
	 * libmicrohttpd 0.9.75 closes the connection after an answer queued in the first
	 * call (made as soon as the headers are in), as if a body were left unread: answer
	 * GET, HEAD and OPTIONS from a later call, which comes at once when there is no
	 * body, so that keep-alive connections stay open. A body (none is expected) is
	 * read and dropped first. Other methods get their 405 at once, and the connection
	 * closes: nothing of theirs is worth reading.
	 */
	if (!r->seen) {
		r->seen = 1;
		if (r->method != METHOD_OTHER)
			return MHD_YES;
	} else if (*upload_data_size) {
		*upload_data_size = 0;
		return MHD_YES;
	}
	/* Kept for the log only: letters, at most 15 (a method is a token, RFC 9110 9.1). */
	for (size_t i = 0; i < sizeof(r->method_text) - 1 && method[i]; i++) {
		char c = method[i];
		r->method_text[i] = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ? c : '?';
		r->method_text[i + 1] = '\0';
	}
	x.origin = allowed_origin(srv, con);
	x.w = worker_get();
	if (!x.w)
		return send_error(&x, 503, NULL, AS_ENOMEM, "out of memory");
	if (r->method == METHOD_OTHER) {
		enum MHD_Result ok;
		char msg[96];

		snprintf(msg, sizeof(msg), "method %.32s not allowed: use GET", method);
		ok = send_error(&x, 405, "method_not_allowed", 0, msg);
		return ok;
	}
	if (r->target_len > REQUEST_MAX_TARGET) {
		char msg[96];

		snprintf(msg, sizeof(msg), "the URL is longer than %d bytes", REQUEST_MAX_TARGET);
		return send_error(&x, 414, "uri_too_long", 0, msg);
	}
	if ((rc = request_target_parse(r->target, r->target_len, x.w->storage, sizeof(x.w->storage), &t)) < 0) {
		/* Route it anyway for the metrics, by the raw path's start. */
		if (!strncmp(r->target, "/search", 7))
			r->route = ROUTE_SEARCH;
		else if (!strncmp(r->target, "/suggest", 8))
			r->route = ROUTE_SUGGEST;
		else if (!strncmp(r->target, "/documents/", 11))
			r->route = ROUTE_DOCUMENT;
		return send_error(&x, 400, NULL, AS_EINVAL, as_error_message(rc));
	}
	enum route route = route_of(srv, t.path, &as);
	/* A preflight for a route that exists: OPTIONS elsewhere is the 404 below. */
	if (r->method == METHOD_OPTIONS && route != ROUTE_OTHER)
		return preflight(&x);
	r->route = route;
	switch (route) {
	case ROUTE_SEARCH:
		return route_search(&x, &t);
	case ROUTE_SUGGEST:
		return route_suggest(&x, &t);
	case ROUTE_DOCUMENT:
		return route_document(&x, t.path + 11);
	case ROUTE_HEALTH:
		return route_health(&x);
	case ROUTE_METRICS:
		return route_metrics(&x);
	case ROUTE_PAGE:
	case ROUTE_WIDGET:
		return route_asset(&x, as);
	default: /* ROUTE_OTHER */
		break;
	}
	as_error_set(AS_ENOENT, "no route %.200s (routes: /search, /suggest, /documents/{id}, /health, "
		     "/metrics, /)", t.path);
	return send_error(&x, 404, NULL, AS_ENOENT, as_error_message(AS_ENOENT));
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];
	size_t n;
	int k;

	(void)cls;
	k = snprintf(line, sizeof(line), "artisearchd: libmicrohttpd: ");
	n = k > 0 ? (size_t)k : 0;
	k = vsnprintf(line + n, sizeof(line) - n - 1, fmt, ap);
	if (k > 0)
		n += (size_t)k < sizeof(line) - n - 1 ? (size_t)k : sizeof(line) - n - 2;
	while (n > 0 && line[n - 1] == '\n')
		n--;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0) {
		/* Nowhere left to say it. */
	}
}

/* ---- Start and stop ---------------------------------------------------------------- */

/* Splits "host:port", "[v6]:port" or ":port"; host may come back empty (all addresses). */
static int split_listen(const char *listen, char *host, size_t host_cap, char *port, size_t port_cap)
{
	const char *colon;
	size_t hl;

	if (listen[0] == '[') {
		const char *close = strchr(listen, ']');

		if (!close || close[1] != ':')
			return -1;
		hl = (size_t)(close - listen - 1);
		if (hl >= host_cap)
			return -1;
		memcpy(host, listen + 1, hl);
		host[hl] = '\0';
		colon = close + 1;
	} else {
		if (!(colon = strrchr(listen, ':')))
			return -1;
		hl = (size_t)(colon - listen);
		if (hl >= host_cap)
			return -1;
		memcpy(host, listen, hl);
		host[hl] = '\0';
	}
	if (!colon[1] || strlen(colon + 1) >= port_cap || strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    strtoul(colon + 1, NULL, 10) > 65535)
		return -1;
	strcpy(port, colon + 1);
	return 0;
}

/*
 * The addresses `listen` names, for bind: you own *ai (freeaddrinfo). AS_EINVAL when it
 * is not HOST:PORT or HOST names no address (a bad value); AS_EIO when the resolver
 * cannot answer now.
 */
static int resolve_listen(const char *listen, struct addrinfo **ai)
{
	const struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
					.ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	char host[256], port[16];
	int gai;

	if (split_listen(listen, host, sizeof(host), port, sizeof(port)) < 0)
		return as_error_set(AS_EINVAL, "--listen: '%s' is not HOST:PORT (a port from 0 to 65535)", listen);
	if ((gai = getaddrinfo(host[0] ? host : NULL, port, &hints, ai)) != 0)
		return as_error_set(gai == EAI_NONAME || gai == EAI_SERVICE || gai == EAI_FAMILY ||
				    gai == EAI_ADDRFAMILY || gai == EAI_NODATA ? AS_EINVAL : AS_EIO,
				    "--listen: %s: %s", listen, gai_strerror(gai));
	return 0;
}

int server_check_listen(const char *listen)
{
	struct addrinfo *ai;
	int rc = resolve_listen(listen, &ai);

	if (rc == 0)
		freeaddrinfo(ai);
	return rc == AS_EINVAL ? rc : 0;
}

static int bind_listen(const char *addr, char *url, size_t url_cap, int *out_fd)
{
	char shown[INET6_ADDRSTRLEN];
	struct addrinfo *ai, *p;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int fd = -1, err = 0, rc;

	if ((rc = resolve_listen(addr, &ai)) < 0)
		return rc;
	for (p = ai; p; p = p->ai_next) {
		int one = 1;

		fd = socket(p->ai_family, p->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, p->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, p->ai_addr, p->ai_addrlen) == 0 && listen(fd, 1024) == 0)
			break;
		err = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(ai);
	if (fd < 0)
		return as_error_set(AS_EIO, "--listen: cannot listen on %s: %s", addr, strerror(err));
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET6) {
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, shown, sizeof(shown));
			snprintf(url, url_cap, "http://[%s]:%u/", shown,
				 ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
		} else {
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, shown, sizeof(shown));
			snprintf(url, url_cap, "http://%s:%u/", shown,
				 ntohs(((struct sockaddr_in *)&ss)->sin_port));
		}
	}
	*out_fd = fd;
	return 0;
}

static int prepare_assets(struct server *srv)
{
	size_t n = 0;

	while (web_assets[n].path)
		n++;
	if (n && !(srv->assets = as_calloc(n, sizeof(*srv->assets))))
		return as_error_set(AS_ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++) {
		struct asset *a = &srv->assets[i];
		uLongf len;

		a->src = &web_assets[i];
		snprintf(a->etag, sizeof(a->etag), "\"%016llx\"",
			 (unsigned long long)XXH3_64bits(a->src->data, a->src->len));
		/* Compressed once, at the best level: it is served many times. */
		len = compressBound((uLong)a->src->len) + 32;
		if ((a->gz = as_malloc(len))) {
			z_stream zs = { 0 };

			if (deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) == Z_OK) {
				zs.next_in = (Bytef *)a->src->data;
				zs.avail_in = (uInt)a->src->len;
				zs.next_out = a->gz;
				zs.avail_out = (uInt)len;
				if (deflate(&zs, Z_FINISH) == Z_STREAM_END && zs.total_out < a->src->len)
					a->gz_len = zs.total_out;
				deflateEnd(&zs);
			}
			if (!a->gz_len) {
				as_free(a->gz);
				a->gz = NULL;
			}
		}
	}
	srv->n_assets = n;
	return 0;
}

static void free_assets(struct server *srv)
{
	for (size_t i = 0; i < srv->n_assets; i++)
		as_free(srv->assets[i].gz);
	as_free(srv->assets);
}

int server_start(const struct server_config *cfg, struct live *live, struct server **out)
{
	struct server *srv;
	unsigned threads = cfg->threads;
	int fd = -1, rc;

	*out = NULL;
	pthread_once(&worker_once, worker_key_init);
	if (!(srv = as_calloc(1, sizeof(*srv))))
		return as_error_set(AS_ENOMEM, "out of memory");
	srv->live = live;
	srv->cfg = *cfg;
	atomic_init(&srv->in_flight, 0);
	if (!threads) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		threads = n > 0 ? (unsigned)n : 1;
	}
	if ((rc = prepare_assets(srv)) < 0)
		goto fail;
	if ((rc = bind_listen(cfg->listen, srv->url, sizeof(srv->url), &fd)) < 0)
		goto fail;
	/*
	 * A pool of threads, each with its own epoll set over the shared listening socket
	 * (libmicrohttpd's "thread pool" mode); ITC lets server_stop() quiesce it. Turbo
	 * skips a few defensive checks on sockets libmicrohttpd made itself.
	 */
	srv->mhd = MHD_start_daemon(
		MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG | MHD_USE_TURBO,
		0, NULL, NULL, on_request, srv,
		/* First, so that libmicrohttpd's own start-up messages come through it too. */
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		MHD_OPTION_LISTEN_SOCKET, (MHD_socket)fd,
		MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections,
		MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->per_ip_connections,
		MHD_OPTION_CONNECTION_TIMEOUT, cfg->timeout_s,
		/* Request line and headers must fit here: anything larger is refused by
		 * libmicrohttpd itself (414 or 431) before reaching a handler. */
		MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)32 * 1024,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, srv,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv,
		/* Last: one thread is the internal thread alone, and libmicrohttpd warns of
		 * a pool size of 1 (or 0), so the option then ends the list instead. */
		threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, threads,
		MHD_OPTION_END);
	if (!srv->mhd) {
		rc = as_error_set(AS_EIO, "cannot start the HTTP server on %s", cfg->listen);
		goto fail;
	}
	*out = srv;
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free_assets(srv);
	as_free(srv);
	return rc;
}

const char *server_url(const struct server *s)
{
	return s->url;
}

void server_stop(struct server *s, unsigned timeout_ms)
{
	struct timespec tick = { 0, 5 * 1000 * 1000 };
	MHD_socket fd;

	if (!s)
		return;
	/* No new connection from here on; those open go on being served. */
	fd = MHD_quiesce_daemon(s->mhd);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	for (unsigned waited = 0; waited < timeout_ms; waited += 5) {
		if (atomic_load(&s->in_flight) == 0)
			break;
		nanosleep(&tick, NULL);
	}
	MHD_stop_daemon(s->mhd);
	free_assets(s);
	as_free(s);
}
