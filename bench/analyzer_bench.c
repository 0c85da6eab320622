/*
 * Throughput of the French analyzer on one core.
 *
 *   build/bench/analyzer_bench [-s SECONDS] [-q] [FILE|DIR ...]   (default: corpus/)
 *
 * Reads every file given (folders recursively) into memory as raw bytes, then analyses
 * them again and again in document mode (-q: query mode) with one analyzer for at
 * least SECONDS (default 3), and prints MB/s of input text and tokens/s. The first
 * round is timed apart: it fills the stem cache, which later rounds reuse as a long
 * indexing run does. Figures are per wall-clock second, and also per CPU second of
 * the analysing thread (steadier on a shared machine). The last line repeats them as
 * JSON for scripts.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/text/analyzer.h"

struct text {
	char *ptr;
	size_t len;
};

static struct text *texts;
static size_t n_texts, cap_texts, total_bytes;

static int add_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	FILE *f;
	char *p;

	(void)ftw;
	if (type != FTW_F || st->st_size <= 0)
		return 0;
	f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	p = malloc((size_t)st->st_size);
	if (!p || fread(p, 1, (size_t)st->st_size, f) != (size_t)st->st_size) {
		fprintf(stderr, "%s: cannot read\n", path);
		fclose(f);
		free(p);
		return 1;
	}
	fclose(f);
	if (n_texts == cap_texts) {
		cap_texts = cap_texts ? 2 * cap_texts : 64;
		texts = realloc(texts, cap_texts * sizeof(*texts));
		if (!texts)
			return 1;
	}
	texts[n_texts].ptr = p;
	texts[n_texts++].len = (size_t)st->st_size;
	total_bytes += (size_t)st->st_size;
	return 0;
}

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* CPU time of this thread: the figure that stays meaningful on a busy machine. */
static double cpu_now(void)
{
	return clock_s(CLOCK_THREAD_CPUTIME_ID);
}

/* One pass over every text; returns the tokens produced, or -1 on error. */
static long long one_round(struct analyzer *an, enum analyzer_mode mode)
{
	struct token tok;
	long long n = 0;
	size_t i;
	int rc;

	for (i = 0; i < n_texts; i++) {
		analyzer_start(an, texts[i].ptr, texts[i].len, mode);
		while ((rc = analyzer_next(an, &tok)) == 0)
			n++;
		if (rc < 0)
			return -1;
	}
	return n;
}

int main(int argc, char **argv)
{
	enum analyzer_mode mode = ANALYZER_DOCUMENT;
	double seconds = 3, t0, t1, c0, c1, first, first_cpu;
	long long tokens = 0, n;
	int i, rounds = 0, n_paths = 0;
	struct analyzer *an;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-s") && i + 1 < argc) {
			seconds = atof(argv[++i]);
		} else if (!strcmp(argv[i], "-q")) {
			mode = ANALYZER_QUERY;
		} else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			printf("usage: analyzer_bench [-s SECONDS] [-q] [FILE|DIR ...]\n");
			return 0;
		} else {
			n_paths++;
			if (nftw(argv[i], add_file, 16, FTW_PHYS) != 0) {
				fprintf(stderr, "analyzer_bench: %s: cannot read\n", argv[i]);
				return 2;
			}
		}
	}
	if (!n_paths && nftw("corpus", add_file, 16, FTW_PHYS) != 0) {
		fprintf(stderr, "analyzer_bench: corpus/: cannot read (give files to analyse)\n");
		return 2;
	}
	if (!total_bytes) {
		fprintf(stderr, "analyzer_bench: no text\n");
		return 2;
	}
	an = analyzer_new();
	if (!an) {
		fprintf(stderr, "analyzer_bench: out of memory\n");
		return 2;
	}

	t0 = now();
	c0 = cpu_now();
	if (one_round(an, mode) < 0)
		goto fail;
	first = now() - t0;
	first_cpu = cpu_now() - c0;

	t0 = now();
	c0 = cpu_now();
	do {
		n = one_round(an, mode);
		if (n < 0)
			goto fail;
		tokens += n;
		rounds++;
		t1 = now();
	} while (t1 - t0 < seconds);
	c1 = cpu_now();

	printf("analyzer: %zu files, %.2f MB, %s mode\n", n_texts, (double)total_bytes / 1e6,
	       mode == ANALYZER_QUERY ? "query" : "document");
	printf("first round (cold stem cache): %.1f MB/s, %.1f MB per CPU second\n",
	       (double)total_bytes / 1e6 / first, (double)total_bytes / 1e6 / first_cpu);
	printf("%d rounds in %.2f s: %.1f MB/s, %.2f M tokens/s\n", rounds, t1 - t0,
	       (double)total_bytes * rounds / 1e6 / (t1 - t0), (double)tokens / 1e6 / (t1 - t0));
	printf("per CPU second of this thread: %.1f MB/s\n",
	       (double)total_bytes * rounds / 1e6 / (c1 - c0));
	/* The same, for scripts (bench/bench.py reads mb_per_s). */
	printf("{\"files\": %zu, \"bytes\": %zu, \"rounds\": %d, \"mb_per_s\": %.2f, "
	       "\"tokens_per_s\": %.0f, \"cold_mb_per_s\": %.2f, \"cpu_mb_per_s\": %.2f}\n",
	       n_texts, total_bytes, rounds, (double)total_bytes * rounds / 1e6 / (t1 - t0),
	       (double)tokens / (t1 - t0), (double)total_bytes / 1e6 / first,
	       (double)total_bytes * rounds / 1e6 / (c1 - c0));
	analyzer_free(an);
	return 0;
fail:
	fprintf(stderr, "analyzer_bench: analysis failed\n");
	analyzer_free(an);
	return 1;
}
