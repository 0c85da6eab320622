/*
 * mhd_bare: the fastest artisearchd could answer, for `make bench` (bench/http_bench.sh).
 *
 *     mhd_bare PORT SIZE [THREADS]
 *
 * A bare libmicrohttpd server configured as artisearchd is (a pool of threads, one per
 * core by default, each with its own epoll loop) that answers every request with the
 * same SIZE bytes of JSON-looking text from memory. Whatever /search costs above this
 * is the daemon's own work: routing, the query, serialization, logging.
 */
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

static char *body;
static size_t body_len;

static enum MHD_Result answer(void *cls, struct MHD_Connection *con, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	struct MHD_Response *r;
	enum MHD_Result ok;

	static int seen;

	(void)cls, (void)url, (void)method, (void)version, (void)upload_data;
	(void)upload_data_size;
	/* Answer from the second call, as artisearchd does: libmicrohttpd 0.9.75 closes the
	 * connection after an answer queued in the first one. */
	if (*con_cls != &seen) {
		*con_cls = &seen;
		return MHD_YES;
	}
	r = MHD_create_response_from_buffer(body_len, body, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
	ok = MHD_queue_response(con, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ok;
}

int main(int argc, char **argv)
{
	struct MHD_Daemon *d;
	unsigned threads;
	long port;
	sigset_t s;
	int sig;

	if (argc < 3) {
		fputs("usage: mhd_bare PORT SIZE [THREADS]\n", stderr);
		return 2;
	}
	port = strtol(argv[1], NULL, 10);
	body_len = strtoul(argv[2], NULL, 10);
	threads = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	if (port <= 0 || port > 65535 || !body_len || body_len > (64 << 20) || !threads) {
		fputs("mhd_bare: bad PORT, SIZE or THREADS\n", stderr);
		return 2;
	}
	if (!(body = malloc(body_len)))
		return 1;
	/* A body shaped like a search answer: printable, with a closing brace and newline. */
	for (size_t i = 0; i < body_len; i++)
		body[i] = "abcdefghijklmnopqrstuvwxyz \"{}:,"[i % 32];
	body[0] = '{';
	if (body_len > 1)
		body[body_len - 1] = '\n';

	sigemptyset(&s);
	sigaddset(&s, SIGTERM);
	sigaddset(&s, SIGINT);
	pthread_sigmask(SIG_BLOCK, &s, NULL);
	d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_TURBO, (uint16_t)port,
			     NULL, NULL, answer, NULL,
			     MHD_OPTION_THREAD_POOL_SIZE, threads,
			     MHD_OPTION_CONNECTION_LIMIT, 1024u,
			     MHD_OPTION_CONNECTION_TIMEOUT, 10u,
			     MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
			     MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "mhd_bare: cannot listen on port %ld\n", port);
		return 1;
	}
	fprintf(stderr, "mhd_bare: %zu bytes on http://127.0.0.1:%ld/ (%u threads)\n", body_len, port, threads);
	sigwait(&s, &sig);
	MHD_stop_daemon(d);
	free(body);
	return 0;
}
