/*
 * See sample_index.h. The documents are generated from word lists with a fixed
 * pattern (no randomness), so the index is identical on every run.
 */
#include "tests/unit/sample_index.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/index/index.h"
#include "common/index/writer.h"
#include "common/text/analyzer.h"
#include "common/util/error.h"

static const char *const words[] = {
	"apprentissage", "artisan", "chambre", "métiers", "formation", "entreprise",
	"boulangerie", "pâtissier", "menuiserie", "électricien", "coiffure", "numérique",
	"accompagnement", "création", "reprise", "transmission", "contrat", "jeunes",
	"Haute-Garonne", "C.M.A.", "73 700", "l'économie", "d'Occitanie", "châtiment",
	"chat", "pêche", "péché", "reconnaissance", "savoir-faire", "aujourd'hui",
};
#define N_WORDS (sizeof(words) / sizeof(words[0]))

static const char *const types[] = { "communique", "guide", "convention", "actualite" };
static const char *const depts[] = { "31", "34", "30", "82", "2A" };

void sample_doc(size_t i, int v, struct document *doc, char *scratch, size_t scratch_len)
{
	static char id[64], title[160], date[16], url[96];
	static char *tags[2];
	static char tag0[32], tag1[32];
	size_t k, n = 0;

	memset(doc, 0, sizeof(*doc));
	snprintf(id, sizeof(id), "%ss/doc-%03zu.md", types[i % 4], i);
	snprintf(title, sizeof(title), "%s %s et %s%s", words[i % N_WORDS], words[(i * 7 + 3) % N_WORDS],
		 words[(i * 13 + 5) % N_WORDS], v ? " (mise à jour)" : "");
	doc->id = id;
	doc->title = title;
	if (i % 5) {
		snprintf(date, sizeof(date), "20%02zu-%02zu-%02zu", 18 + i % 8, 1 + i % 12, 1 + i % 28);
		doc->date = date;
	}
	doc->type = (char *)types[i % 4];
	if (i % 3)
		doc->department = (char *)depts[i % 5];
	if (i % 2) {
		snprintf(url, sizeof(url), "https://www.cma-occitanie.fr/%s/%zu", types[i % 4], i);
		doc->url = url;
	}
	snprintf(tag0, sizeof(tag0), "%s", words[(i * 3) % N_WORDS]);
	snprintf(tag1, sizeof(tag1), "tag %zu", i % 7);
	tags[0] = tag0;
	tags[1] = tag1;
	doc->tags = tags;
	doc->n_tags = i % 3;
	if (doc->n_tags > 2)
		doc->n_tags = 2;
	/* Every document has "artisan" (a list of > 128 documents: full blocks and skips);
	 * the rest varies with i so that lists have every length. */
	n += (size_t)snprintf(scratch + n, scratch_len - n, "Un artisan de la chambre. ");
	for (k = 0; k < 12 + i % 40 && n + 64 < scratch_len; k++)
		n += (size_t)snprintf(scratch + n, scratch_len - n, "%s%s", words[(i * k + k * k + v) % N_WORDS],
				      k % 9 == 8 ? ".\n\n" : " ");
	doc->body = scratch;
	doc->body_len = n;
}

static void sample_hash(size_t i, int v, uint8_t hash[INDEX_HASH_LEN])
{
	memset(hash, 0, INDEX_HASH_LEN);
	memcpy(hash, &i, sizeof(i));
	hash[INDEX_HASH_LEN - 1] = (uint8_t)v;
}

static int add(struct index_writer *w, struct analyzer *an, size_t i, int v)
{
	char scratch[4096];
	struct document doc;
	struct analyzed_doc *ad;
	uint8_t hash[INDEX_HASH_LEN];
	int rc;

	sample_doc(i, v, &doc, scratch, sizeof(scratch));
	sample_hash(i, v, hash);
	rc = index_writer_known(w, doc.id, hash);
	if (rc == 0)
		return 0;
	if (rc < 0 && rc != AS_ENOENT)
		return rc;
	if ((rc = analyzed_doc_build(an, &doc, &ad)) < 0)
		return rc;
	return index_writer_add(w, ad, hash);
}

int sample_index_commit(const char *dir, size_t n_first, int second)
{
	struct index_writer *w = NULL;
	struct analyzer *an;
	struct index_summary sum;
	size_t i;
	int rc;

	if (!n_first)
		n_first = SAMPLE_N_DOCS;
	if (!(an = analyzer_new()))
		return AS_ENOMEM;
	if ((rc = index_writer_open(dir, 0, &w)) < 0)
		goto out;
	for (i = 0; i < n_first && rc >= 0; i++) {
		/* Second commit: documents 1 and 2 gone (unseen), 3 updated, three added. */
		if (second && (i == 1 || i == 2))
			continue;
		rc = add(w, an, i, second && i == 3);
	}
	for (i = n_first; second && i < n_first + 3 && rc >= 0; i++)
		rc = add(w, an, i, 0);
	if (rc >= 0)
		rc = index_writer_commit(w, &sum);
out:
	index_writer_free(w);
	analyzer_free(an);
	return rc < 0 ? rc : 0;
}

int sample_index_build(const char *dir, size_t n_first)
{
	int rc = sample_index_commit(dir, n_first, 0);

	return rc < 0 ? rc : sample_index_commit(dir, n_first, 1);
}

static char temp_root[PATH_MAX];
static struct index *temp_index;
static const char *temp_who;

static void temp_cleanup(void)
{
	char cmd[PATH_MAX + 16];

	index_close(temp_index);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", temp_root);
	if (system(cmd) != 0)
		fprintf(stderr, "%s: could not remove %s\n", temp_who, temp_root);
}

struct index *sample_index_open_temp(const char *who)
{
	const char *t = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	int rc;

	temp_who = who;
	snprintf(temp_root, sizeof(temp_root), "%s/%s-XXXXXX", t && *t ? t : "/tmp", who);
	if (!mkdtemp(temp_root)) {
		perror(who);
		abort();
	}
	atexit(temp_cleanup);
	if ((rc = sample_index_build(temp_root, 0)) < 0 || (rc = index_open(temp_root, &temp_index)) < 0) {
		fprintf(stderr, "%s: %s\n", who, as_error_message(rc));
		abort();
	}
	return temp_index;
}
