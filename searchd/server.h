#ifndef AS_SEARCHD_SERVER_H
#define AS_SEARCHD_SERVER_H
/*
 * The HTTP side of artisearchd: libmicrohttpd with its own pool of threads, each running
 * an epoll loop, so that a slow or half-sent request only ever costs a socket, never a
 * thread. Routes (DESIGN.md "HTTP API"): /search, /suggest, /documents/{id}, /health,
 * /metrics, / and the page's files, /widget.js. Every answer the daemon makes itself is
 * JSON (or the page); errors are {"error": {"code", "message"}} with a 4xx/5xx status.
 *
 * Each request holds a reference to the live generation (live.h) from its start to the
 * end of its answer, so a reload never pulls an index from under it.
 */
#include <stddef.h>

struct live;

struct server_config {
	const char *listen;               /* "127.0.0.1:8080", "[::1]:8080", ":8080" (all) */
	unsigned threads;                 /* libmicrohttpd's pool; 0: one per core */
	const char *const *cors_origins;  /* origins allowed cross-origin ("*": any) */
	size_t n_cors_origins;
	unsigned max_connections;         /* beyond: accepted then closed at once */
	unsigned per_ip_connections;      /* 0: no limit */
	unsigned timeout_s;               /* an idle (or stalled) connection is closed after */
	int access_log;                   /* one line per request on stderr */
	unsigned cache_entries;           /* /search answers kept per thread (0: none) */
};

#define SERVER_DEFAULT_LISTEN "127.0.0.1:8080"
#define SERVER_DEFAULT_MAX_CONNECTIONS 1024
#define SERVER_DEFAULT_PER_IP 256
#define SERVER_DEFAULT_TIMEOUT 10
#define SERVER_DEFAULT_CACHE 1024

struct server;

/* 0 when `listen` reads as HOST:PORT (see server_config) and HOST names an address,
 * else AS_EINVAL with a sentence naming --listen: the option parser asks, so that a
 * typo is bad usage. */
int server_check_listen(const char *listen);

/*
 * Binds the address and starts serving `live` (borrowed: it must outlive the server).
 * <0 with a message when the address cannot be bound or the threads cannot start:
 * AS_EINVAL when it is no address at all (not HOST:PORT, a host that resolves to none).
 */
int server_start(const struct server_config *cfg, struct live *live, struct server **out);

/* "http://127.0.0.1:8080/", with the port actually bound (for --listen HOST:0). */
const char *server_url(const struct server *s);

/*
 * Stops accepting connections, waits up to `timeout_ms` for the requests being answered
 * to finish, then stops the threads and frees the server.
 */
void server_stop(struct server *s, unsigned timeout_ms);

#endif
