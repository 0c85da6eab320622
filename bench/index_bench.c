/*
 * index_bench: indexing throughput and index size on a folder of extracted text files
 * (first line the title, then the body), as bench/make-corpus.py writes them.
 *
 *     index_bench TEXT_DIR INDEX_DIR [--threads N]
 *
 * Prints documents, MB of text, seconds split into analysis and writing, MB/s, and the
 * size of each kind of index file as a fraction of the text. Analysis runs on N threads
 * (default 1) in batches; the writer takes documents on the main thread, as the indexer
 * does.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/index/document.h"
#include "common/index/writer.h"
#include "common/text/analyzer.h"
#include "common/util/error.h"

static char **paths;
static size_t n_paths, cap_paths;

static int visit(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (type == FTW_F && strlen(p) > 4 && !strcmp(p + strlen(p) - 4, ".txt")) {
		if (n_paths == cap_paths) {
			cap_paths = cap_paths ? cap_paths * 2 : 1024;
			paths = realloc(paths, cap_paths * sizeof(*paths));
		}
		paths[n_paths++] = strdup(p);
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

struct job {
	size_t from, to;
	struct analyzed_doc **out;
	size_t root_len;
};

static void *analyze(void *arg)
{
	struct job *j = arg;
	struct analyzer *an = analyzer_new();
	size_t i;

	for (i = j->from; i < j->to; i++) {
		FILE *f = fopen(paths[i], "rb");
		struct document d;
		char *text, *nl;
		long n;
		memset(&d, 0, sizeof(d));
		j->out[i] = NULL;
		if (!f)
			continue;
		fseek(f, 0, SEEK_END);
		n = ftell(f);
		fseek(f, 0, SEEK_SET);
		text = malloc((size_t)n + 1);
		n = (long)fread(text, 1, (size_t)n, f);
		text[n] = 0;
		fclose(f);
		nl = strchr(text, '\n');
		d.id = paths[i] + j->root_len;
		d.title = text;
		if (nl) {
			*nl = 0;
			d.body = nl + 1;
			d.body_len = (size_t)(text + n - (nl + 1));
		}
		if (analyzed_doc_build(an, &d, &j->out[i]) < 0)
			j->out[i] = NULL;
		free(text);
	}
	analyzer_free(an);
	return NULL;
}

static unsigned long long sizes[6];
static const char *const kinds[6] = { ".terms", ".words", ".post", ".docs", ".stor", "other" };
static int size_visit(const char *p, const struct stat *st, int type, struct FTW *ftw)
{
	int k;
	(void)ftw;
	if (type != FTW_F)
		return 0;
	for (k = 0; k < 5; k++)
		if (strlen(p) > strlen(kinds[k]) && !strcmp(p + strlen(p) - strlen(kinds[k]), kinds[k]))
			break;
	sizes[k] += (unsigned long long)st->st_size;
	return 0;
}

int main(int argc, char **argv)
{
	struct index_writer *w;
	struct index_summary sum;
	struct analyzed_doc **docs;
	size_t i, text = 0, batch = 256;
	double t0, t_an = 0, t_wr = 0, t1, t_commit;
	int threads = 1, rc, k;
	unsigned long long total = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: index_bench TEXT_DIR INDEX_DIR [--threads N]\n");
		return 2;
	}
	if (argc > 4 && !strcmp(argv[3], "--threads"))
		threads = atoi(argv[4]) > 0 ? atoi(argv[4]) : 1;
	nftw(argv[1], visit, 16, FTW_PHYS);
	qsort(paths, n_paths, sizeof(*paths), cmp_str);
	docs = calloc(n_paths + 1, sizeof(*docs));
	t0 = now();
	if ((rc = index_writer_open(argv[2], 1, &w)) < 0) {
		fprintf(stderr, "index_bench: %s\n", as_error_message(rc));
		return 1;
	}
	for (i = 0; i < n_paths; i += batch) {
		pthread_t th[16];
		struct job jobs[16];
		size_t end = i + batch < n_paths ? i + batch : n_paths, per = (end - i + threads - 1) / threads, j;
		double a = now(), b;
		for (k = 0; k < threads; k++) {
			jobs[k].from = i + k * per < end ? i + k * per : end;
			jobs[k].to = i + (k + 1) * per < end ? i + (k + 1) * per : end;
			jobs[k].out = docs;
			jobs[k].root_len = strlen(argv[1]) + 1;
			pthread_create(&th[k], NULL, analyze, &jobs[k]);
		}
		for (k = 0; k < threads; k++)
			pthread_join(th[k], NULL);
		b = now();
		t_an += b - a;
		for (j = i; j < end; j++) {
			uint8_t h[INDEX_HASH_LEN] = { 0 };
			if (!docs[j])
				continue;
			text += analyzed_doc_text_len(docs[j]);
			memcpy(h, &j, sizeof(j));
			if ((rc = index_writer_add(w, docs[j], h)) < 0) {
				fprintf(stderr, "index_bench: %s\n", as_error_message(rc));
				return 1;
			}
		}
		t_wr += now() - b;
	}
	t1 = now();
	if ((rc = index_writer_commit(w, &sum)) < 0) {
		fprintf(stderr, "index_bench: %s\n", as_error_message(rc));
		return 1;
	}
	index_writer_free(w);
	t_commit = now() - t1;
	t_wr += t_commit;
	t1 = now() - t0;
	nftw(argv[2], size_visit, 16, FTW_PHYS);
	printf("documents %zu, text %.2f MB, %d analysis thread(s)\n", n_paths, text / 1e6, threads);
	printf("total %.3f s = %.2f MB/s (analysis %.3f s, writer %.3f s incl. commit %.3f s)\n", t1, text / 1e6 / t1,
	       t_an, t_wr, t_commit);
	for (k = 0; k < 6; k++)
		total += sizes[k];
	for (k = 0; k < 6; k++)
		printf("  %-7s %10llu bytes  %.3f x text\n", kinds[k], sizes[k], (double)sizes[k] / (double)text);
	printf("  total   %10llu bytes  %.3f x text; postings+positions+dictionaries %.3f x text\n", total,
	       (double)total / (double)text, (double)(sizes[0] + sizes[1] + sizes[2]) / (double)text);
	return 0;
}
