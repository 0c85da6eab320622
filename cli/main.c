/*
 * artisearch: query an index from a terminal (DESIGN.md). Thin: options, a call into
 * common/query/search.h (or common/index/check.h for `check` and `dump`), output.
 *
 * Exit status: 0 when the query ran (with or without results) or the check passed;
 * 2 for any error (a bad option or parameter, a missing or corrupt index, a failed
 * check), as DESIGN.md asks of the CLI. With --json, errors are the JSON error object
 * on stdout as well as a line on stderr.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/index/check.h"
#include "common/index/index.h"
#include "common/query/search.h"
#include "common/util/buf.h"
#include "common/util/error.h"

#define VERSION "0.1.0"

static const char usage[] =
	"usage: artisearch [--index DIR] [--json] [--limit N] [--page P] [--type T]\n"
	"                  [--department D] [--from YYYY-MM-DD] [--to YYYY-MM-DD]\n"
	"                  [--sort relevance|date] [--explain] QUERY...\n"
	"       artisearch check [--index DIR]\n"
	"       artisearch dump [--index DIR] WHAT\n"
	"\n"
	"Searches the index for QUERY: words are ANDed; OR between words; -word excludes;\n"
	"\"a phrase\"; prefix*; title:word; parentheses. Accents and case never decide a match.\n"
	"\n"
	"  --index DIR      the index (default $ARTISEARCH_INDEX, else data/index)\n"
	"  --json           print the JSON result of the HTTP API\n"
	"  --limit N        hits per page (1-100, default 10)\n"
	"  --page P         page of results (default 1)\n"
	"  --type T         only documents of type T (communique, convention, guide...)\n"
	"  --department D   only documents of department D (e.g. 31)\n"
	"  --from DATE      only documents dated DATE (YYYY-MM-DD) or later\n"
	"  --to DATE        only documents dated DATE or earlier\n"
	"  --sort S         relevance (default) or date (newest first)\n"
	"  --explain        show how each hit's score is made\n"
	"  --help, --version\n"
	"\n"
	"check verifies every file and structure of the index; dump WHAT decodes part of it:\n"
	"manifest, segments, terms[:PREFIX], words[:PREFIX], doc:ID.\n"
	"Exit status: 0 success (even without results), 2 any error.\n";

static int json_out;

static int fail(int code, const char *fmt, const char *arg)
{
	char msg[1024];

	snprintf(msg, sizeof(msg), fmt, arg);
	fprintf(stderr, "artisearch: %s\n", msg);
	if (json_out) {
		struct buf b = BUF_INIT;
		search_error_json(code, msg, &b);
		fputs(b.ptr ? b.ptr : "", stdout);
		buf_release(&b);
	}
	return 2;
}

/* `--name VALUE` or `--name=VALUE`: the value, advancing *i, or NULL when absent. */
static const char *option_value(int argc, char **argv, int *i, const char *name)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n) != 0)
		return NULL;
	if (a[n] == '=')
		return a + n + 1;
	if (a[n] == 0 && *i + 1 < argc) {
		(*i)++;
		return argv[*i];
	}
	return NULL;
}

static int is_option(const char *a, const char *name)
{
	size_t n = strlen(name);

	return strncmp(a, name, n) == 0 && (a[n] == 0 || a[n] == '=');
}

/*
 * `artisearch --index DIR check` reads as `artisearch check --index DIR`: when only
 * --index options come before `check` or `dump`, the subcommand is moved to argv[1].
 * A query for the word itself stays possible after `--` or with another option first.
 */
static void hoist_subcommand(int argc, char **argv)
{
	int i = 1;
	char *sub;

	while (i < argc && is_option(argv[i], "--index"))
		i += strchr(argv[i], '=') ? 1 : 2;
	if (i <= 1 || i >= argc || (strcmp(argv[i], "check") && strcmp(argv[i], "dump")))
		return;
	sub = argv[i];
	memmove(argv + 2, argv + 1, (size_t)(i - 1) * sizeof(*argv));
	argv[1] = sub;
}

static const char *default_index(void)
{
	const char *e = getenv("ARTISEARCH_INDEX");

	return e && *e ? e : "data/index";
}

/* A one-shot query does not read the whole index to check its CRCs (index.h); the
 * structure is still checked, and `artisearch check` reads everything. */
static int open_index(const char *dir, struct index **idx)
{
	int rc = index_open_flags(dir, 0, idx);
	char msg[1024], current[1024];

	if (rc >= 0)
		return 0;
	/* No CURRENT: nothing was ever published here. AS_ENOENT also says a file of the
	 * published generation is missing, which is a damaged index, not a missing one. */
	snprintf(current, sizeof(current), "%s/CURRENT", dir);
	if (rc == AS_ENOENT && access(current, F_OK) != 0)
		snprintf(msg, sizeof(msg), "no index in '%s': build one with `artisearch-index --index %s CORPUS`",
			 dir, dir);
	else
		snprintf(msg, sizeof(msg), "cannot open index '%s': %s", dir, as_error_message(rc));
	return fail(rc, "%s", msg);
}

static int cmd_check(int argc, char **argv)
{
	const char *dir = default_index();
	struct buf report = BUF_INIT;
	int rc;

	for (int i = 2; i < argc; i++) {
		const char *v;
		if ((v = option_value(argc, argv, &i, "--index")) && *v)
			dir = v;
		else if (is_option(argv[i], "--index"))
			return fail(AS_EINVAL, "%s", "--index: needs a directory");
		else if (strcmp(argv[i], "--help") == 0)
			return fputs(usage, stdout), 0;
		else
			return fail(AS_EINVAL, "check: unknown argument '%s'", argv[i]);
	}
	rc = index_check(dir, NULL, &report);
	fputs(report.ptr ? report.ptr : "", stdout);
	buf_release(&report);
	if (rc < 0) {
		fprintf(stderr, "artisearch: check of '%s' failed: %s\n", dir, as_error_message(rc));
		return 2;
	}
	return 0;
}

static int cmd_dump(int argc, char **argv)
{
	const char *dir = default_index(), *what = NULL;
	struct buf out = BUF_INIT;
	int rc;

	for (int i = 2; i < argc; i++) {
		const char *v;
		if ((v = option_value(argc, argv, &i, "--index")) && *v)
			dir = v;
		else if (is_option(argv[i], "--index"))
			return fail(AS_EINVAL, "%s", "--index: needs a directory");
		else if (strcmp(argv[i], "--help") == 0)
			return fputs(usage, stdout), 0;
		else if (argv[i][0] == '-' && argv[i][1] == '-')
			return fail(AS_EINVAL, "dump: unknown option '%s'", argv[i]);
		else if (!what)
			what = argv[i];
		else
			return fail(AS_EINVAL, "dump: one WHAT only, got also '%s'", argv[i]);
	}
	if (!what)
		return fail(AS_EINVAL, "%s", "dump: say WHAT (manifest, segments, terms[:PREFIX], words[:PREFIX], doc:ID)");
	rc = index_dump(dir, what, &out);
	fputs(out.ptr ? out.ptr : "", stdout);
	buf_release(&out);
	if (rc < 0) {
		fprintf(stderr, "artisearch: dump %s: %s\n", what, as_error_message(rc));
		return 2;
	}
	return 0;
}

static int run(int argc, char **argv)
{
	static const char *const params[] = { "limit", "page", "type", "department", "from", "to", "sort" };
	const char *dir = default_index();
	struct search_request req;
	struct buf q = BUF_INIT, out = BUF_INIT;
	struct index *idx = NULL;
	struct searcher *s = NULL;
	const struct search_result *res;
	int rc, only_words = 0, status = 2;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--json") == 0)
			json_out = 1;
	hoist_subcommand(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "check") == 0)
		return cmd_check(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "dump") == 0)
		return cmd_dump(argc, argv);
	search_request_init(&req);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v;
		size_t p;
		if (only_words || a[0] != '-' || a[1] != '-') {
			/* A query word, `-word` exclusions included. */
			if (q.len)
				buf_addch(&q, ' ');
			buf_addstr(&q, a);
			continue;
		}
		if (strcmp(a, "--") == 0) {
			only_words = 1;
			continue;
		}
		if (strcmp(a, "--help") == 0) {
			fputs(usage, stdout);
			status = 0;
			goto done;
		}
		if (strcmp(a, "--version") == 0) {
			puts("artisearch " VERSION);
			status = 0;
			goto done;
		}
		if (strcmp(a, "--json") == 0)
			continue;
		if (strcmp(a, "--explain") == 0) {
			req.explain = 1;
			continue;
		}
		if (is_option(a, "--index")) {
			if (!(v = option_value(argc, argv, &i, "--index")) || !*v) {
				status = fail(AS_EINVAL, "%s", "--index: needs a directory");
				goto done;
			}
			dir = v;
			continue;
		}
		for (p = 0; p < sizeof(params) / sizeof(params[0]); p++) {
			char name[32];
			snprintf(name, sizeof(name), "--%s", params[p]);
			if (!is_option(a, name))
				continue;
			if (!(v = option_value(argc, argv, &i, name))) {
				status = fail(AS_EINVAL, "%s: needs a value", name);
				goto done;
			}
			if ((rc = search_request_set(&req, params[p], v)) < 0) {
				status = fail(rc, "%s", as_error_message(rc));
				goto done;
			}
			break;
		}
		if (p == sizeof(params) / sizeof(params[0])) {
			status = fail(AS_EINVAL, "unknown option '%s' (see --help)", a);
			goto done;
		}
	}
	if (q.err) {
		status = fail(AS_ENOMEM, "%s", "out of memory");
		goto done;
	}
	if (q.len == 0) {
		fprintf(stderr, "%s", usage);
		status = fail(AS_EINVAL, "%s", "q: empty; give the words to search for");
		goto done;
	}
	if ((rc = search_request_set(&req, "q", q.ptr)) < 0) {
		status = fail(rc, "%s", as_error_message(rc));
		goto done;
	}
	if (open_index(dir, &idx) != 0)
		goto done;
	if ((rc = searcher_new(&s)) < 0) {
		status = fail(rc, "%s", as_error_message(rc));
		goto done;
	}
	if ((rc = search_run(s, idx, &req, &res)) < 0) {
		status = fail(rc, "%s", as_error_message(rc));
		goto done;
	}
	if (json_out) {
		search_result_json(res, &out);
	} else {
		const char *term = getenv("TERM");
		int color = isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && !(term && strcmp(term, "dumb") == 0);
		search_result_text(res, color, &out);
	}
	if (out.err) {
		status = fail(AS_ENOMEM, "%s", "out of memory");
		goto done;
	}
	fwrite(out.ptr, 1, out.len, stdout);
	status = 0;
done:
	searcher_free(s);
	index_close(idx);
	buf_release(&q);
	buf_release(&out);
	return status;
}

/* Whatever was written to stdout must have reached it: a full disk or a closed pipe is an
 * error to say, not a silent exit 0. */
int main(int argc, char **argv)
{
	int status = run(argc, argv);

	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "artisearch: cannot write the output: %s\n", strerror(errno));
		return 2;
	}
	return status;
}
