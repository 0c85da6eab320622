/*
 * artisearchd: answers the website's search box over HTTP/JSON (DESIGN.md "HTTP API").
 *
 * The main thread only starts things and then waits on two sources: signals (through a
 * signalfd, with the signals blocked in every thread so none lands in a request thread)
 * and inotify on the index directory. A rename over CURRENT, or SIGHUP, reloads; SIGTERM
 * or SIGINT stops accepting, lets the requests in flight finish, and exits 0.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "common/util/error.h"
#include "searchd/live.h"
#include "searchd/metrics.h"
#include "searchd/server.h"

#define VERSION "0.1.0"
#define MAX_CORS_ORIGINS 32
/* How long SIGTERM waits for requests in flight before closing what is left. */
#define DRAIN_MS 10000

static void usage(FILE *f)
{
	fputs("usage: artisearchd [--index DIR] [--listen HOST:PORT] [--threads N]\n"
	      "                   [--cors-origin ORIGIN]... [--max-connections N]\n"
	      "                   [--per-ip-connections N] [--timeout SECONDS] [--cache N]\n"
	      "                   [--quiet]\n"
	      "\n"
	      "Serves the index over HTTP: /search, /suggest, /documents/{id}, /health, /metrics,\n"
	      "the search page at / and /widget.js. Reloads the index when it is republished\n"
	      "(or on SIGHUP); SIGTERM or SIGINT finishes the requests in flight and exits.\n"
	      "\n"
	      "  --index DIR            the index (default $ARTISEARCH_INDEX, else data/index)\n"
	      "  --listen HOST:PORT     address to listen on (default " SERVER_DEFAULT_LISTEN ";\n"
	      "                         port 0 picks a free one; the URL is printed)\n"
	      "  --threads N            request threads (default: one per core)\n"
	      "  --cors-origin ORIGIN   allow this origin (https://www.example.fr) to call the\n"
	      "                         API from its pages; repeatable; '*' allows any\n"
	      "  --max-connections N    open connections at most (default 1024)\n"
	      "  --per-ip-connections N open connections per client address (default 256, 0: no limit)\n"
	      "  --timeout SECONDS      close a connection idle or stalled that long (default 10)\n"
	      "  --cache N              /search answers kept per thread, by URL, until the next\n"
	      "                         generation (default 1024; 0: none)\n"
	      "  --quiet                no access log (one line per request on stderr otherwise)\n"
	      "  --help, --version\n"
	      "\n"
	      "Exit status: 0 stopped by SIGTERM or SIGINT, 1 the index or the address cannot\n"
	      "be used, 2 bad usage.\n",
	      f);
}

static int parse_uint(const char *opt, const char *s, unsigned long min, unsigned long max,
		      unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!*s || *end || errno || s[0] == '-' || v < min || v > max) {
		fprintf(stderr, "artisearchd: %s: '%s' is not a number from %lu to %lu\n", opt, s, min, max);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

/* The inode of DIR, 0 when it cannot be read. */
static ino_t dir_inode(const char *dir)
{
	struct stat st;

	return stat(dir, &st) == 0 ? st.st_ino : 0;
}

/* Watches DIR for a new CURRENT; -1 when inotify is unavailable (SIGHUP still works).
 * *ino is the folder watched: a watch follows it, not its name. */
static int watch_index(const char *dir, int *wd, ino_t *ino)
{
	int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);

	*ino = dir_inode(dir);
	if (fd < 0)
		return -1;
	/* The publisher renames CURRENT.tmp over CURRENT (IN_MOVED_TO); an editor or a
	 * script may rewrite it in place (IN_CLOSE_WRITE). */
	*wd = inotify_add_watch(fd, dir, IN_MOVED_TO | IN_CLOSE_WRITE | IN_DELETE_SELF | IN_MOVE_SELF);
	if (*wd < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads every pending event; 1 when one concerns CURRENT, -1 when the watch is gone. */
static int drain_inotify(int fd)
{
	char ev_buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	int hit = 0;
	ssize_t n;

	while ((n = read(fd, ev_buf, sizeof(ev_buf))) > 0) {
		for (char *p = ev_buf; p < ev_buf + n;) {
			const struct inotify_event *ev = (const struct inotify_event *)p;

			if (ev->mask & (IN_IGNORED | IN_DELETE_SELF | IN_MOVE_SELF))
				hit = -1;
			else if (hit >= 0 && ev->len && !strcmp(ev->name, "CURRENT"))
				hit = 1;
			p += sizeof(*ev) + ev->len;
		}
	}
	return hit;
}

static void reload(struct live *live, const char *why)
{
	struct generation *before = live_acquire(live), *after;
	int changed = 0, rc;

	rc = live_reload(live, &changed);
	if (rc < 0) {
		metrics_reload(0);
		fprintf(stderr, "artisearchd: %s: refused the new generation: %s; still serving %s\n",
			why, as_error_message(rc), before->name);
	} else if (changed) {
		metrics_reload(1);
		after = live_acquire(live);
		fprintf(stderr, "artisearchd: %s: now serving %s (%llu documents), was %s\n", why,
			after->name, (unsigned long long)after->n_docs, before->name);
		live_release(after);
	}
	live_release(before);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "index", required_argument, NULL, 'i' },
		{ "listen", required_argument, NULL, 'l' },
		{ "threads", required_argument, NULL, 't' },
		{ "cors-origin", required_argument, NULL, 'c' },
		{ "max-connections", required_argument, NULL, 'm' },
		{ "per-ip-connections", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "cache", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cors[MAX_CORS_ORIGINS];
	const char *dir = getenv("ARTISEARCH_INDEX");
	struct server_config cfg = {
		.listen = SERVER_DEFAULT_LISTEN,
		.cors_origins = cors,
		.max_connections = SERVER_DEFAULT_MAX_CONNECTIONS,
		.per_ip_connections = SERVER_DEFAULT_PER_IP,
		.timeout_s = SERVER_DEFAULT_TIMEOUT,
		.access_log = 1,
		.cache_entries = SERVER_DEFAULT_CACHE,
	};
	struct live *live = NULL;
	struct server *srv = NULL;
	struct generation *g;
	sigset_t sigs;
	int c, rc, sfd, ifd, wd = -1, status = 0;
	ino_t watched = 0;

	if (!dir || !*dir)
		dir = "data/index";
	/* One line naming the option, as the other two programs say it, not getopt's. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'i': dir = optarg; break;
		case 'l': cfg.listen = optarg; break;
		case 't':
			if (parse_uint("--threads", optarg, 1, 1024, &cfg.threads) < 0)
				return 2;
			break;
		case 'c':
			if (cfg.n_cors_origins == MAX_CORS_ORIGINS) {
				fprintf(stderr, "artisearchd: --cors-origin: at most %d origins\n", MAX_CORS_ORIGINS);
				return 2;
			}
			if (strcmp(optarg, "*") && strncmp(optarg, "http://", 7) && strncmp(optarg, "https://", 8)) {
				fprintf(stderr, "artisearchd: --cors-origin: '%s' is not an origin "
						"(https://host[:port]) or '*'\n", optarg);
				return 2;
			}
			cors[cfg.n_cors_origins++] = optarg;
			break;
		case 'm':
			if (parse_uint("--max-connections", optarg, 1, 1000000, &cfg.max_connections) < 0)
				return 2;
			break;
		case 'p':
			if (parse_uint("--per-ip-connections", optarg, 0, 1000000, &cfg.per_ip_connections) < 0)
				return 2;
			break;
		case 'T':
			if (parse_uint("--timeout", optarg, 1, 86400, &cfg.timeout_s) < 0)
				return 2;
			break;
		case 'q': cfg.access_log = 0; break;
		case 'C':
			if (parse_uint("--cache", optarg, 0, 1 << 20, &cfg.cache_entries) < 0)
				return 2;
			break;
		case 'h': usage(stdout); return 0;
		case 'V': puts("artisearchd " VERSION); return 0;
		case ':':
			fprintf(stderr, "artisearchd: %s: needs a value (see --help)\n", argv[optind - 1]);
			return 2;
		default:
			fprintf(stderr, "artisearchd: unknown option '%s' (see --help)\n", argv[optind - 1]);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "artisearchd: unexpected argument '%s' (see --help)\n", argv[optind]);
		return 2;
	}
	if (!*dir) {
		fprintf(stderr, "artisearchd: --index: needs a directory\n");
		return 2;
	}
	/* Checked before the index is opened: a typo is bad usage, whatever the index. */
	if ((rc = server_check_listen(cfg.listen)) < 0) {
		fprintf(stderr, "artisearchd: %s\n", as_error_message(rc));
		return 2;
	}

	/* Blocked before any thread starts, so every thread inherits the mask and the
	 * signals reach only the signalfd below. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((sfd = signalfd(-1, &sigs, SFD_CLOEXEC)) < 0) {
		perror("artisearchd: signalfd");
		return 1;
	}

	if ((rc = live_open(dir, &live)) < 0) {
		char current[PATH_MAX];

		/* AS_ENOENT is also a file of the published generation gone missing: only a
		 * directory without CURRENT has no index at all. */
		snprintf(current, sizeof(current), "%s/CURRENT", dir);
		if (rc == AS_ENOENT && access(current, F_OK) != 0)
			fprintf(stderr, "artisearchd: no index in '%s': build one with "
					"`artisearch-index --index %s CORPUS`\n", dir, dir);
		else
			fprintf(stderr, "artisearchd: cannot open index '%s': %s\n", dir, as_error_message(rc));
		return 1;
	}
	if ((ifd = watch_index(dir, &wd, &watched)) < 0)
		fprintf(stderr, "artisearchd: %s: cannot watch for new generations (%s); "
				"send SIGHUP after publishing\n", dir, strerror(errno));
	if ((rc = server_start(&cfg, live, &srv)) < 0) {
		fprintf(stderr, "artisearchd: %s\n", as_error_message(rc));
		live_close(live);
		return rc == AS_EINVAL ? 2 : 1;
	}
	g = live_acquire(live);
	fprintf(stderr, "artisearchd: serving %s (%llu documents) from %s on %s\n", g->name,
		(unsigned long long)g->n_docs, dir, server_url(srv));
	live_release(g);

	for (;;) {
		struct pollfd p[2] = { { sfd, POLLIN, 0 }, { ifd, POLLIN, 0 } };
		struct signalfd_siginfo si;

		/* Every few seconds, whether the folder of that name is still the one watched:
		 * deleted while a generation of it is open, it sends no event, and another may
		 * have been built or moved in its place. While none is watched, look again. */
		if (poll(p, ifd >= 0 ? 2 : 1, 5000) < 0) {
			if (errno == EINTR)
				continue;
			perror("artisearchd: poll");
			status = 1;
			break;
		}
		if (ifd >= 0 && !(p[1].revents & POLLIN) && dir_inode(dir) != watched) {
			fprintf(stderr, "artisearchd: %s was deleted or replaced; watching for it again\n", dir);
			close(ifd);
			ifd = -1;
		}
		if (ifd < 0) {
			if ((ifd = watch_index(dir, &wd, &watched)) >= 0)
				reload(live, "index directory is back");
		} else if (p[1].revents & POLLIN) {
			int hit = drain_inotify(ifd);

			if (hit > 0)
				reload(live, "CURRENT changed");
			else if (hit < 0) {
				fprintf(stderr, "artisearchd: %s was moved or deleted; still serving what "
						"is open, watching for it again\n", dir);
				close(ifd);
				ifd = -1;
			}
		}
		if (!(p[0].revents & POLLIN))
			continue;
		if (read(sfd, &si, sizeof(si)) != sizeof(si))
			continue;
		if (si.ssi_signo == SIGHUP) {
			reload(live, "SIGHUP");
			continue;
		}
		fprintf(stderr, "artisearchd: %s: finishing the requests in flight\n",
			si.ssi_signo == SIGINT ? "SIGINT" : "SIGTERM");
		break;
	}
	server_stop(srv, DRAIN_MS);
	live_close(live);
	if (ifd >= 0)
		close(ifd);
	close(sfd);
	fprintf(stderr, "artisearchd: stopped\n");
	return status;
}
