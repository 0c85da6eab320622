#include "tests/unit/query_fixture.h"

#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/index/writer.h"
#include "common/text/analyzer.h"
#include "common/util/buf.h"
#include "common/util/mem.h"
#include "indexer/extract.h"

struct qfix_files {
	char **paths;
	size_t n, cap;
};

static void qfix_walk(const char *root, const char *rel, struct qfix_files *f)
{
	char path[8192];
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof(path), "%s%s%s", root, *rel ? "/" : "", rel);
	if (!(d = opendir(path)))
		return;
	while ((e = readdir(d))) {
		char sub[2048];
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		snprintf(path, sizeof(path), "%s/%s", root, sub);
		if (stat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			qfix_walk(root, sub, f);
		} else if (S_ISREG(st.st_mode) && extract_format_of(sub) != EXTRACT_UNSUPPORTED) {
			if (f->n == f->cap) {
				f->cap = f->cap ? f->cap * 2 : 64;
				f->paths = realloc(f->paths, f->cap * sizeof(*f->paths));
			}
			f->paths[f->n++] = strdup(sub);
		}
	}
	closedir(d);
}

static int qfix_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int qfix_read(const char *path, char **data, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	long n;

	if (!fp)
		return -1;
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	*data = malloc((size_t)n + 1);
	*len = fread(*data, 1, (size_t)n, fp);
	fclose(fp);
	return 0;
}

int qfix_build_index(const char *corpus_dir, unsigned segment_docs, char *dir, size_t len)
{
	struct qfix_files files = { 0 };
	struct index_writer *w = NULL;
	struct index_summary sum;
	struct analyzer *an = analyzer_new();
	const char *tmp = getenv("TMPDIR");
	int n_docs = 0, rc = 0;

	snprintf(dir, len, "%s/qfix-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!an || !mkdtemp(dir))
		return -1;
	qfix_walk(corpus_dir, "", &files);
	qsort(files.paths, files.n, sizeof(*files.paths), qfix_cmp);
	for (size_t i = 0; i < files.n && rc >= 0; i++) {
		char path[8192], *data = NULL;
		size_t dlen = 0;
		struct document doc;
		struct analyzed_doc *ad;
		uint8_t hash[INDEX_HASH_LEN] = { 0 };

		if (!w) {
			if ((rc = index_writer_open(dir, 0, &w)) < 0)
				break;
			/* Keep what earlier commits added: the writer deletes what it does not see. */
			for (size_t j = 0; j < i; j++) {
				uint8_t h[INDEX_HASH_LEN] = { 0 };
				memcpy(h, &j, sizeof(j) < sizeof(h) ? sizeof(j) : sizeof(h));
				index_writer_known(w, files.paths[j], h);
			}
		}
		snprintf(path, sizeof(path), "%s/%s", corpus_dir, files.paths[i]);
		if (qfix_read(path, &data, &dlen) < 0)
			continue;
		memset(&doc, 0, sizeof(doc));
		memcpy(hash, &i, sizeof(i) < sizeof(hash) ? sizeof(i) : sizeof(hash));
		if (extract_document(files.paths[i], data, dlen, &doc, NULL) == 0) {
			if ((rc = analyzed_doc_build(an, &doc, &ad)) == 0 && (rc = index_writer_add(w, ad, hash)) == 0)
				n_docs++;
			document_clear(&doc);
		}
		free(data);
		if (w && segment_docs && n_docs % segment_docs == 0 && n_docs > 0) {
			if ((rc = index_writer_commit(w, &sum)) < 0)
				break;
			index_writer_free(w);
			w = NULL;
		}
	}
	if (w && rc >= 0)
		rc = index_writer_commit(w, &sum);
	index_writer_free(w);
	analyzer_free(an);
	for (size_t i = 0; i < files.n; i++)
		free(files.paths[i]);
	free(files.paths);
	return rc < 0 ? rc : n_docs;
}

static int qfix_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void qfix_remove(const char *dir)
{
	nftw(dir, qfix_rm, 16, FTW_DEPTH | FTW_PHYS);
}
