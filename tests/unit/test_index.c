/*
 * The on-disk index end to end: build from documents, read back every structure,
 * incremental add/update/delete, merges, corruption of each file, crashes while
 * publishing. Documents are tokenized here by a stand-in (words split on spaces,
 * lower-cased), so these tests do not depend on the French analyzer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "common/index/check.h"
#include "common/index/codec.h"
#include "common/index/index.h"
#include "common/index/writer.h"
#include "common/text/analyzer.h"
#include "common/util/arena.h"
#include "common/util/buf.h"
#include "common/util/error.h"
#include "common/util/mem.h"

/* ---- helpers ---- */

static char tmpdir[PATH_MAX];

static void make_tmpdir(void)
{
	const char *t = getenv("TMPDIR");
	snprintf(tmpdir, sizeof(tmpdir), "%s/ixtest-XXXXXX", t && *t ? t : "/tmp");
	assert_non_null(mkdtemp(tmpdir));
}

static void rm_rf(const char *path)
{
	char cmd[PATH_MAX + 16];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	(void)state;
	make_tmpdir();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (!getenv("KEEP_TEST_INDEX"))
		rm_rf(tmpdir);
	return 0;
}

/* Tokenizes text on spaces: term = exact = word = the lower-cased word, except that a
 * word written `stem|exact` gives term `stem` and exact form `exact` (an accented
 * variant), and `stem|exact|alt` also an alternative key. */
static void add_field(struct analyzed_doc *ad, enum field f, const char *text, uint32_t base)
{
	char w[256];
	const char *p = text;
	uint32_t pos = 0;

	while (*p) {
		size_t n = strcspn(p, " ");
		if (n) {
			struct token t;
			char *bar, *bar2;
			memset(&t, 0, sizeof(t));
			memcpy(w, p, n);
			w[n] = 0;
			for (size_t i = 0; i < n; i++)
				if (w[i] >= 'A' && w[i] <= 'Z')
					w[i] = (char)(w[i] - 'A' + 'a');
			t.term = t.exact = t.word = w;
			t.term_len = t.exact_len = t.word_len = n;
			if ((bar = strchr(w, '|'))) {
				*bar = 0;
				t.term_len = t.word_len = (size_t)(bar - w);
				t.exact = bar + 1;
				if ((bar2 = strchr(bar + 1, '|'))) {
					*bar2 = 0;
					t.alt = bar2 + 1;
					t.alt_len = strlen(bar2 + 1);
				}
				t.exact_len = strlen(t.exact);
			}
			t.position = pos++;
			assert_int_equal(analyzed_doc_add_token(ad, f, &t, base), 0);
		}
		p += n;
		while (*p == ' ')
			p++;
	}
}

struct tdoc {
	const char *id, *title, *body, *date, *type, *dept, *url;
	const char *tags[3];
};

static struct analyzed_doc *mkdoc(const struct tdoc *td)
{
	struct document d;
	struct analyzed_doc *ad;
	size_t n = 0;

	memset(&d, 0, sizeof(d));
	d.id = (char *)td->id;
	d.title = (char *)td->title;
	d.body = (char *)td->body;
	d.body_len = td->body ? strlen(td->body) : 0;
	d.date = (char *)td->date;
	d.type = (char *)td->type;
	d.department = (char *)td->dept;
	d.url = (char *)td->url;
	while (n < 3 && td->tags[n])
		n++;
	d.tags = (char **)td->tags;
	d.n_tags = n;
	assert_int_equal(analyzed_doc_new(&d, &ad), 0);
	if (td->title)
		add_field(ad, FIELD_TITLE, td->title, 0);
	for (size_t i = 0; i < n; i++)
		add_field(ad, FIELD_TAGS, td->tags[i], (uint32_t)(100 * i));
	if (td->body)
		add_field(ad, FIELD_BODY, td->body, 0);
	assert_int_equal(analyzed_doc_finish(ad), 0);
	return ad;
}

static void hash_of(const char *s, uint8_t h[INDEX_HASH_LEN])
{
	uint64_t x = 1469598103934665603ull;
	memset(h, 0, INDEX_HASH_LEN);
	for (; *s; s++)
		x = (x ^ (uint8_t)*s) * 1099511628211ull;
	memcpy(h, &x, 8);
}

/* Adds docs through the writer's incremental protocol. */
static void index_docs(const char *dir, int full, const struct tdoc *docs, size_t n, struct index_summary *sum)
{
	struct index_writer *w;
	uint8_t h[INDEX_HASH_LEN];
	char key[4096];

	assert_int_equal(index_writer_open(dir, full, &w), 0);
	for (size_t i = 0; i < n; i++) {
		snprintf(key, sizeof(key), "%s/%s/%s", docs[i].title ? docs[i].title : "", docs[i].body ? docs[i].body : "",
			 docs[i].date ? docs[i].date : "");
		hash_of(key, h);
		if (index_writer_known(w, docs[i].id, h) == 0)
			continue;
		assert_int_equal(index_writer_add(w, mkdoc(&docs[i]), h), 0);
	}
	assert_int_equal(index_writer_commit(w, sum), 0);
	index_writer_free(w);
}

static const struct tdoc base_docs[] = {
	{ "communiques/a.md", "Apprentissage record", "les contrats d apprentissage ont triple en occitanie",
	  "2024-05-02", "communique", "31", "https://cma/a", { "apprentissage", "emploi" } },
	{ "guides/b.md", "Guide de la micro entreprise", "creer sa micro entreprise etape par etape entreprise",
	  "2023-01-15", "guide", "34", NULL, { NULL } },
	{ "communiques/c.md", "Salon des metiers", "le salon des metiers d art ouvre ses portes chat|chât",
	  NULL, "communique", NULL, NULL, { "salon" } },
};

/* Every live document's id, in a sorted string. */
static void collect_ids(struct index *idx, struct buf *out)
{
	struct arena *a = arena_new(0);
	static char *ids[8192];
	size_t n = 0;

	for (uint32_t s = 0; s < index_n_segments(idx); s++) {
		const struct segment *seg = index_segment(idx, s);
		for (uint32_t d = 0; d < segment_n_docs(seg); d++) {
			struct stored_doc sd;
			if (!segment_is_live(seg, d))
				continue;
			assert_int_equal(segment_get_doc(seg, d, 0, a, &sd), 0);
			ids[n++] = strdup(sd.id);
		}
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(ids[i], ids[j]) > 0) {
				char *t = ids[i];
				ids[i] = ids[j];
				ids[j] = t;
			}
	for (size_t i = 0; i < n; i++) {
		buf_addf(out, "%s;", ids[i]);
		free(ids[i]);
	}
	arena_free(a);
}

/* The current document's positions, field by field ("p.p./" each), which must number
 * its frequencies tf. */
static void positions_text(struct postings *p, const uint32_t tf[N_FIELDS], struct buf *out)
{
	for (int f = 0; f < N_FIELDS; f++) {
		const uint32_t *pos;
		uint32_t np;
		assert_int_equal(postings_positions(p, f, &pos, &np), 0);
		assert_int_equal(np, tf[f]);
		for (uint32_t i = 0; i < np; i++)
			buf_addf(out, "%u.", pos[i]);
		buf_addch(out, '/');
	}
}

/* Live documents containing key, as "id:tf0,tf1,tf2@positions;" sorted by id. */
static void key_docs(struct index *idx, const char *key, struct buf *out)
{
	struct arena *a = arena_new(0);
	static char *items[8192];
	size_t n = 0;

	for (uint32_t s = 0; s < index_n_segments(idx); s++) {
		const struct segment *seg = index_segment(idx, s);
		struct term_info ti;
		struct postings *p;
		int rc;
		if (segment_lookup(seg, DICT_TERMS, key, strlen(key), &ti) != 0)
			continue;
		assert_int_equal(postings_open(seg, &ti, POSTINGS_POSITIONS, &p), 0);
		while ((rc = postings_next(p)) == 0) {
			uint32_t d = postings_doc(p), tf[N_FIELDS];
			struct stored_doc sd;
			struct buf b = BUF_INIT;
			if (!segment_is_live(seg, d))
				continue;
			postings_freqs(p, tf);
			assert_int_equal(segment_get_doc(seg, d, 0, a, &sd), 0);
			buf_addf(&b, "%s:%u,%u,%u@", sd.id, tf[0], tf[1], tf[2]);
			positions_text(p, tf, &b);
			items[n++] = buf_detach(&b, NULL);
		}
		assert_true(rc > 0);
		postings_free(p);
	}
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(items[i], items[j]) > 0) {
				char *t = items[i];
				items[i] = items[j];
				items[j] = t;
			}
	for (size_t i = 0; i < n; i++) {
		buf_addf(out, "%s;", items[i]);
		as_free(items[i]);
	}
	arena_free(a);
}

/* Reads every list of every segment, tolerating AS_ECORRUPT (for corruption tests). */
static void key_docs_lenient(struct index *idx, struct buf *out)
{
	struct arena *a = arena_new(0);
	for (uint32_t s = 0; s < index_n_segments(idx); s++) {
		const struct segment *seg = index_segment(idx, s);
		struct term_iter *it;
		int rc;
		assert_int_equal(term_iter_new(seg, DICT_TERMS, &it), 0);
		while ((rc = term_iter_next(it)) == 0) {
			struct postings *p;
			if (postings_open(seg, term_iter_info(it), POSTINGS_POSITIONS, &p) < 0)
				continue;
			while ((rc = postings_next(p)) == 0) {
				const uint32_t *pos;
				uint32_t np;
				struct stored_doc sd;
				postings_positions(p, FIELD_BODY, &pos, &np);
				buf_addf(out, "%u", postings_doc(p));
				arena_reset(a);
				if (postings_doc(p) % 16 == 0 && segment_get_doc(seg, postings_doc(p), STORED_BODY, a, &sd) == 0)
					buf_addstr(out, sd.id);
				postings_shallow_seek(p, postings_doc(p) + 1000);
			}
			assert_true(rc > 0 || rc == AS_ECORRUPT);
			postings_free(p);
		}
		assert_true(rc > 0 || rc == AS_ECORRUPT);
		term_iter_free(it);
	}
	arena_free(a);
}

/* ---- tests ---- */

static void test_build_and_read(void **state)
{
	struct index_summary sum;
	struct index *idx;
	struct index_stats st;
	struct arena *a = arena_new(0);
	struct stored_doc sd;
	struct doc_values v;
	struct term_info ti;
	uint32_t seg_i, doc;
	const struct segment *seg;
	struct buf b = BUF_INIT;
	(void)state;

	index_docs(tmpdir, 0, base_docs, 3, &sum);
	assert_int_equal(sum.published, 1);
	assert_int_equal(sum.added, 3);
	assert_int_equal(sum.n_docs, 3);
	assert_true(sum.index_bytes > 0);
	assert_int_equal(index_open(tmpdir, &idx), 0);
	assert_string_equal(index_generation(idx), sum.generation);
	assert_int_equal(index_n_segments(idx), 1);
	index_get_stats(idx, &st);
	assert_int_equal(st.n_docs, 3);
	assert_int_equal(st.total_field_len[FIELD_TITLE], 2 + 5 + 3);

	assert_int_equal(index_find_doc(idx, "guides/b.md", &seg_i, &doc), 0);
	seg = index_segment(idx, seg_i);
	assert_int_equal(segment_get_doc(seg, doc, STORED_BODY, a, &sd), 0);
	assert_string_equal(sd.id, "guides/b.md");
	assert_string_equal(sd.title, "Guide de la micro entreprise");
	assert_string_equal(sd.date, "2023-01-15");
	assert_string_equal(sd.type, "guide");
	assert_string_equal(sd.department, "34");
	assert_null(sd.url);
	assert_int_equal(sd.n_tags, 0);
	assert_string_equal(sd.body, base_docs[1].body);
	assert_int_equal(sd.body_len, strlen(base_docs[1].body));
	assert_int_equal(segment_field_len(seg, doc, FIELD_BODY), 8);
	assert_int_equal(segment_field_len(seg, doc, FIELD_TITLE), 5);
	segment_doc_values(seg, doc, &v);
	assert_int_equal(v.date, 20230115);
	assert_string_equal(segment_value_name(seg, VALUE_TYPE, v.type), "guide");
	assert_string_equal(segment_value_name(seg, VALUE_DEPARTMENT, v.department), "34");
	assert_int_equal(segment_value_id(seg, VALUE_TYPE, "guide"), v.type);
	assert_int_equal(segment_value_id(seg, VALUE_TYPE, "nope"), 0);
	assert_int_equal(index_find_doc(idx, "communiques/c.md", &seg_i, &doc), 0);
	segment_doc_values(seg, doc, &v);
	assert_int_equal(v.date, 0);
	assert_int_equal(v.department, 0);
	assert_null(segment_value_name(seg, VALUE_DEPARTMENT, v.department));
	assert_int_equal(segment_get_doc(seg, doc, 0, a, &sd), 0);
	assert_int_equal(sd.n_tags, 1);
	assert_string_equal(sd.tags[0], "salon");
	assert_null(sd.body);
	assert_int_equal(index_find_doc(idx, "nope.md", &seg_i, &doc), AS_ENOENT);

	key_docs(idx, "apprentissage", &b);
	assert_string_equal(b.ptr, "communiques/a.md:1,1,1@0./0./3./;");
	buf_reset(&b);
	key_docs(idx, "entreprise", &b);
	assert_string_equal(b.ptr, "guides/b.md:1,0,2@4.//3.7./;");
	buf_reset(&b);
	key_docs(idx, "chat\x01" "chât", &b);
	assert_string_equal(b.ptr, "communiques/c.md:0,0,1@//9./;");
	assert_int_equal(segment_lookup(seg, DICT_TERMS, "chat", 4, &ti), 1);
	assert_int_equal(segment_lookup(seg, DICT_TERMS, "entreprise", 10, &ti), 0);
	assert_int_equal(ti.doc_freq, 1);
	assert_int_equal(ti.max_tf[FIELD_BODY], 2);
	assert_int_equal(ti.min_len[FIELD_BODY], 8);
	assert_int_equal(ti.max_tf[FIELD_TAGS], 0);
	assert_int_equal(segment_lookup(seg, DICT_WORDS, "chat", 4, &ti), 0);
	assert_int_equal(ti.doc_freq, 1);
	assert_int_equal(segment_lookup(seg, DICT_WORDS, "metiers", 7, &ti), 0);
	assert_int_equal(ti.doc_freq, 1);

	/* Ordered iteration and seek on the word dictionary. */
	{
		struct term_iter *it;
		const char *k;
		size_t kl;
		int rc, n = 0;
		buf_reset(&b);
		assert_int_equal(term_iter_new(seg, DICT_WORDS, &it), 0);
		for (rc = term_iter_seek(it, "me", 2); rc == 0; rc = term_iter_next(it)) {
			k = term_iter_key(it, &kl);
			if (kl < 2 || memcmp(k, "me", 2))
				break;
			buf_add(&b, k, kl);
			buf_addch(&b, ';');
		}
		assert_int_equal(rc, 0);
		assert_string_equal(b.ptr, "metiers;");
		assert_int_equal(term_iter_seek(it, "zzz", 3), 1);
		assert_int_equal(term_iter_next(it), 1);
		assert_int_equal(term_iter_seek(it, "", 0), 0);
		for (rc = 0; rc == 0; rc = term_iter_next(it))
			n++;
		assert_true(rc > 0);
		assert_true(n > 20);
		term_iter_free(it);
	}
	index_close(idx);
	arena_free(a);
	buf_release(&b);
	{
		struct buf r = BUF_INIT;
		assert_int_equal(index_check(tmpdir, NULL, &r), 0);
		buf_release(&r);
	}
}

/* ---- a larger random corpus, checked against a model ---- */

static uint64_t rng_state;
static uint32_t rnd(void)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33);
}

#define N_VOCAB 60
static char vocab[N_VOCAB][16];

/* Word i is chosen with a skewed distribution so some keys fill many blocks. */
static int pick_word(void)
{
	uint32_t r = rnd() % 1000;
	return r < 300 ? (int)(r % 3) : (int)(r % N_VOCAB);
}

static char *random_text(int n_words)
{
	struct buf b = BUF_INIT;
	for (int i = 0; i < n_words; i++)
		buf_addf(&b, "%s%s", i ? " " : "", vocab[pick_word()]);
	return buf_detach(&b, NULL);
}

static void make_corpus(struct tdoc *docs, char **bufs, int n, uint64_t seed)
{
	rng_state = seed;
	for (int i = 0; i < N_VOCAB; i++)
		snprintf(vocab[i], sizeof(vocab[i]), "w%02d", i);
	for (int i = 0; i < n; i++) {
		memset(&docs[i], 0, sizeof(docs[i]));
		bufs[3 * i] = malloc(32);
		snprintf(bufs[3 * i], 32, "doc/%05d.txt", i);
		bufs[3 * i + 1] = random_text(1 + (int)(rnd() % 4));
		bufs[3 * i + 2] = random_text((int)(rnd() % 60));
		docs[i].id = bufs[3 * i];
		docs[i].title = bufs[3 * i + 1];
		docs[i].body = bufs[3 * i + 2];
		docs[i].type = (i % 3) ? "communique" : "guide";
		docs[i].dept = (i % 5) ? "31" : NULL;
	}
}

static void free_corpus(char **bufs, int n)
{
	for (int i = 0; i < 3 * n; i++)
		free(bufs[i]);
}

/* What the postings of key must say, computed from the texts: "id:tf,tf,tf@pos;". */
static void model_key(const struct tdoc *docs, int n, const char *key, struct buf *out)
{
	for (int i = 0; i < n; i++) {
		struct buf pos[2] = { BUF_INIT, BUF_INIT };
		uint32_t tf[2] = { 0, 0 };
		const char *texts[2] = { docs[i].title, docs[i].body };
		if (!docs[i].id)
			continue;
		for (int f = 0; f < 2; f++) {
			const char *p = texts[f];
			uint32_t at = 0;
			while (p && *p) {
				size_t l = strcspn(p, " ");
				if (l == strlen(key) && !memcmp(p, key, l)) {
					tf[f]++;
					buf_addf(&pos[f], "%u.", at);
				}
				at++;
				p += l;
				while (*p == ' ')
					p++;
			}
		}
		if (tf[0] || tf[1])
			buf_addf(out, "%s:%u,0,%u@%s//%s/;", docs[i].id, tf[0], tf[1], pos[0].ptr ? pos[0].ptr : "",
				 pos[1].ptr ? pos[1].ptr : "");
		buf_release(&pos[0]);
		buf_release(&pos[1]);
	}
}

static void assert_matches_model(struct index *idx, const struct tdoc *docs, int n)
{
	for (int k = 0; k < N_VOCAB; k += 7) {
		struct buf got = BUF_INIT, want = BUF_INIT;
		key_docs(idx, vocab[k], &got);
		model_key(docs, n, vocab[k], &want);
		assert_string_equal(got.ptr ? got.ptr : "", want.ptr ? want.ptr : "");
		buf_release(&got);
		buf_release(&want);
	}
}

#define N_BIG 1500

static void test_many_docs_seek(void **state)
{
	static struct tdoc docs[N_BIG];
	static char *bufs[3 * N_BIG];
	struct index_summary sum;
	struct index *idx;
	struct buf r = BUF_INIT;
	(void)state;

	make_corpus(docs, bufs, N_BIG, 42);
	index_docs(tmpdir, 0, docs, N_BIG, &sum);
	assert_int_equal(sum.n_docs, N_BIG);
	assert_int_equal(index_open(tmpdir, &idx), 0);
	assert_matches_model(idx, docs, N_BIG);

	/* seek and shallow seek against a plain scan, on a list of many blocks */
	{
		const struct segment *seg = index_segment(idx, 0);
		struct term_info ti;
		struct postings *p, *q;
		uint32_t all[N_BIG], n = 0;
		int rc;
		assert_int_equal(segment_lookup(seg, DICT_TERMS, "w00", 3, &ti), 0);
		assert_true(ti.doc_freq > 3 * 128);
		assert_int_equal(postings_open(seg, &ti, 0, &p), 0);
		while ((rc = postings_next(p)) == 0)
			all[n++] = postings_doc(p);
		assert_int_equal(n, ti.doc_freq);
		postings_free(p);
		rng_state = 7;
		for (int trial = 0; trial < 200; trial++) {
			uint32_t target = 0, i = 0;
			assert_int_equal(postings_open(seg, &ti, 0, &q), 0);
			for (int step = 0; step < 20; step++) {
				uint32_t bt[N_FIELDS], bl[N_FIELDS];
				target += rnd() % 200;
				while (i < n && all[i] < target)
					i++;
				rc = postings_shallow_seek(q, target);
				if (i == n) {
					assert_true(rc > 0);
				} else {
					assert_int_equal(rc, 0);
					assert_true(postings_block_last(q) >= all[i]);
					postings_block_max(q, bt, bl);
					assert_true(bt[FIELD_BODY] + bt[FIELD_TITLE] > 0);
				}
				rc = postings_seek(q, target);
				if (i == n) {
					assert_true(rc > 0);
					break;
				}
				assert_int_equal(rc, 0);
				assert_int_equal(postings_doc(q), all[i]);
			}
			postings_free(q);
		}
	}
	/* Positions read for scattered documents (each decoded alone, inside packed chunks
	 * or the varint tail of its block) are those of a full scan. */
	{
		const struct segment *seg = index_segment(idx, 0);
		struct term_info ti;
		struct postings *p;
		static struct buf want[N_BIG];
		uint32_t all[N_BIG], n = 0;
		int rc;
		assert_int_equal(segment_lookup(seg, DICT_TERMS, "w00", 3, &ti), 0);
		assert_int_equal(postings_open(seg, &ti, POSTINGS_POSITIONS, &p), 0);
		while ((rc = postings_next(p)) == 0) {
			for (int f = 0; f < N_FIELDS; f++) {
				const uint32_t *pos;
				uint32_t np;
				assert_int_equal(postings_positions(p, f, &pos, &np), 0);
				for (uint32_t i = 0; i < np; i++)
					buf_addf(&want[n], "%u.", pos[i]);
				buf_addch(&want[n], '/');
			}
			all[n++] = postings_doc(p);
		}
		assert_true(rc > 0);
		postings_free(p);
		rng_state = 11;
		for (int trial = 0; trial < 50; trial++) {
			uint32_t target = 0, i = 0;
			assert_int_equal(postings_open(seg, &ti, POSTINGS_POSITIONS, &p), 0);
			for (;;) {
				struct buf got = BUF_INIT;
				target += rnd() % 300;
				while (i < n && all[i] < target)
					i++;
				if (postings_seek(p, target) > 0) {
					assert_int_equal(i, n);
					break;
				}
				assert_int_equal(postings_doc(p), all[i]);
				/* fields in reverse order: any field first, the same document's positions */
				for (int f = N_FIELDS - 1; f >= 0; f--) {
					const uint32_t *pos;
					uint32_t np;
					struct buf one = BUF_INIT;
					assert_int_equal(postings_positions(p, f, &pos, &np), 0);
					for (uint32_t k = 0; k < np; k++)
						buf_addf(&one, "%u.", pos[k]);
					buf_addch(&one, '/');
					buf_addstr(&one, got.len ? got.ptr : "");
					buf_release(&got);
					got = one;
				}
				assert_string_equal(got.ptr, want[i].ptr);
				buf_release(&got);
				target = all[i] + 1;
			}
			postings_free(p);
		}
		for (uint32_t i = 0; i < n; i++)
			buf_release(&want[i]);
	}
	/* A body's beginning (segment_get_body inflates its block only up to there) is
	 * the beginning of the whole body, whatever its place in its block. */
	{
		const struct segment *seg = index_segment(idx, 0);
		struct arena *a = arena_new(0);
		const size_t maxes[] = { 1, 7, 100, 4096, SIZE_MAX };
		assert_non_null(a);
		for (uint32_t d = 0; d < N_BIG; d += 7) {
			struct stored_doc sd;
			assert_int_equal(segment_get_doc(seg, d, STORED_BODY, a, &sd), 0);
			for (size_t k = 0; k < sizeof(maxes) / sizeof(maxes[0]); k++) {
				const char *body;
				size_t len, full;
				assert_int_equal(segment_get_body(seg, d, maxes[k], a, &body, &len, &full), 0);
				assert_int_equal(full, sd.body_len);
				assert_int_equal(len, full < maxes[k] ? full : maxes[k]);
				assert_memory_equal(body, sd.body, len);
				assert_int_equal(body[len], 0);
			}
			arena_reset(a);
		}
		arena_free(a);
	}
	index_close(idx);
	assert_int_equal(index_check(tmpdir, NULL, &r), 0);
	buf_release(&r);
	free_corpus(bufs, N_BIG);
}

/* One document's frequencies and positions, field by field, as text. */
static void doc_text(struct postings *p, struct buf *out)
{
	uint32_t tf[N_FIELDS];

	postings_freqs(p, tf);
	buf_addf(out, "%u:", postings_doc(p));
	positions_text(p, tf, out);
}

/*
 * Lists read through a block cache are the lists read without: a first reader decodes
 * each block into the cache, a second on the same list then finds them there while the
 * first still points into its last one, seeks land on the same documents, and a reset
 * cache serves the next reader right (its slots are refilled).
 */
static void test_block_cache(void **state)
{
	static struct tdoc docs[N_BIG];
	static char *bufs[3 * N_BIG];
	struct index_summary sum;
	struct index *idx;
	struct block_cache *cache;
	(void)state;

	make_corpus(docs, bufs, N_BIG, 43);
	index_docs(tmpdir, 0, docs, N_BIG, &sum);
	assert_int_equal(index_open(tmpdir, &idx), 0);
	assert_int_equal(block_cache_new(&cache), 0);
	const struct segment *seg = index_segment(idx, 0);
	static const char *const terms[] = { "w00", "w01", "w02", "w10", "w33" };
	for (int round = 0; round < 2; round++) {
		block_cache_reset(cache);
		for (size_t t = 0; t < sizeof(terms) / sizeof(terms[0]); t++) {
			struct term_info ti;
			struct postings *p, *a, *b;
			struct buf want = BUF_INIT, got_a = BUF_INIT, got_b = BUF_INIT;
			int rc;
			if (segment_lookup(seg, DICT_TERMS, terms[t], strlen(terms[t]), &ti) != 0)
				continue;
			assert_int_equal(postings_open(seg, &ti, POSTINGS_POSITIONS, &p), 0);
			while ((rc = postings_next(p)) == 0)
				doc_text(p, &want);
			assert_true(rc > 0);
			postings_free(p);
			/* a fills the cache (or, on the second round's later terms, reads it);
			 * b reads behind it, from the cache */
			assert_int_equal(postings_open_cached(seg, &ti, POSTINGS_POSITIONS, cache, &a), 0);
			assert_int_equal(postings_open_cached(seg, &ti, POSTINGS_POSITIONS, cache, &b), 0);
			int ra, rb = 0; /* b: one step for two of a's */
			uint32_t step = 0;
			for (ra = postings_next(a); ra == 0; ra = postings_next(a), step++) {
				doc_text(a, &got_a);
				if (step % 2 == 1 && rb == 0 && (rb = postings_next(b)) == 0)
					doc_text(b, &got_b);
			}
			assert_true(ra > 0);
			while (rb == 0 && (rb = postings_next(b)) == 0)
				doc_text(b, &got_b);
			assert_true(rb > 0);
			assert_string_equal(got_a.ptr, want.ptr);
			assert_string_equal(got_b.ptr, want.ptr);
			postings_free(a);
			postings_free(b);
			/* seeks through the cache, every block of it decoded by now */
			rng_state = 5 + t;
			for (int trial = 0; trial < 20; trial++) {
				uint32_t target = rnd() % 200;
				assert_int_equal(postings_open_cached(seg, &ti, POSTINGS_POSITIONS, cache, &p), 0);
				assert_int_equal(postings_open(seg, &ti, POSTINGS_POSITIONS, &a), 0);
				for (;;) {
					int r1 = postings_seek(p, target), r2 = postings_seek(a, target);
					assert_int_equal(r1, r2);
					if (r1)
						break;
					struct buf x = BUF_INIT, y = BUF_INIT;
					doc_text(p, &x);
					doc_text(a, &y);
					assert_string_equal(x.ptr, y.ptr);
					buf_release(&x);
					buf_release(&y);
					target = postings_doc(p) + 1 + rnd() % 300;
				}
				postings_free(p);
				postings_free(a);
			}
			buf_release(&want);
			buf_release(&got_a);
			buf_release(&got_b);
		}
	}
	block_cache_free(cache);
	index_close(idx);
	free_corpus(bufs, N_BIG);
}

/* ---- with the French analyzer ---- */

/* Every token the analyzer gives is findable: its key (term, or term 0x01 exact) has
 * the token's position in the right field, its alt key too, and its word is in the
 * word dictionary. Asserted token by token so that it holds whatever the stemmer says. */
static void test_real_analyzer(void **state)
{
	static const char body[] =
		"L'apprentissage à Saint-Étienne : les événements et l'évènement du 2 mai, 73 700 euros. "
		"Pêche et péché, la C.M.A. de Haute-Garonne accompagne les micro-entreprises.";
	struct document d;
	char *tags[] = { "chambre de métiers", "artisanat" };
	struct analyzer *an = analyzer_new();
	struct analyzed_doc *ad;
	struct index_writer *w;
	struct index_summary sum;
	struct index *idx;
	struct token tok;
	uint8_t h[INDEX_HASH_LEN] = { 1 };
	struct buf r = BUF_INIT;
	int rc, n_tokens = 0, n_forms = 0;
	(void)state;

	assert_non_null(an);
	memset(&d, 0, sizeof(d));
	d.id = "communiques/2024-05-02.md";
	d.title = "Les événements de Saint-Étienne";
	d.body = (char *)body;
	d.body_len = strlen(body);
	d.tags = tags;
	d.n_tags = 2;
	d.date = "2024-05-02";
	assert_int_equal(analyzed_doc_build(an, &d, &ad), 0);
	assert_true(analyzed_doc_text_len(ad) >= strlen(body));
	assert_int_equal(index_writer_open(tmpdir, 1, &w), 0);
	assert_int_equal(index_writer_add(w, ad, h), 0);
	assert_int_equal(index_writer_commit(w, &sum), 0);
	index_writer_free(w);
	assert_int_equal(index_check(tmpdir, NULL, &r), 0);
	assert_int_equal(index_open(tmpdir, &idx), 0);

	analyzer_start(an, body, strlen(body), ANALYZER_DOCUMENT);
	while ((rc = analyzer_next(an, &tok)) == 0) {
		const struct segment *seg = index_segment(idx, 0);
		char key[600];
		size_t kl = tok.term_len;
		struct term_info ti;
		struct postings *p;
		const uint32_t *pos;
		uint32_t np, i;
		int found = 0;
		memcpy(key, tok.term, tok.term_len);
		if (tok.exact_len != tok.term_len || memcmp(tok.exact, tok.term, tok.term_len)) {
			key[kl++] = 0x01;
			memcpy(key + kl, tok.exact, tok.exact_len);
			kl += tok.exact_len;
		}
		assert_int_equal(segment_lookup(seg, DICT_TERMS, key, kl, &ti), 0);
		assert_int_equal(postings_open(seg, &ti, POSTINGS_POSITIONS, &p), 0);
		assert_int_equal(postings_next(p), 0);
		assert_int_equal(postings_positions(p, FIELD_BODY, &pos, &np), 0);
		for (i = 0; i < np; i++)
			found |= pos[i] == tok.position;
		assert_true(found);
		postings_free(p);
		if (tok.alt_len)
			assert_int_equal(segment_lookup(seg, DICT_TERMS, tok.alt, tok.alt_len, &ti), 0);
		assert_int_equal(segment_lookup(seg, DICT_WORDS, tok.word, tok.word_len, &ti), 0);
		if (tok.form_len) {
			/* The word as written, after it (FORMAT.md "Dictionaries"). */
			memcpy(key, tok.word, tok.word_len);
			key[tok.word_len] = 0x01;
			memcpy(key + tok.word_len + 1, tok.form, tok.form_len);
			assert_int_equal(segment_lookup(seg, DICT_WORDS, key, tok.word_len + 1 + tok.form_len, &ti), 0);
			assert_int_equal(ti.doc_freq, 1);
			n_forms++;
		}
		n_tokens++;
	}
	assert_true(rc > 0);
	assert_true(n_tokens > 15);
	/* saint-étienne, étienne, événements, évènement, pêche, péché, haute-garonne,
	 * micro-entreprises */
	assert_int_equal(n_forms, 8);
	struct term_info ti;
	static const char se[] = "saintetienne\x01" "saint-\xc3\xa9" "tienne";
	assert_int_equal(segment_lookup(index_segment(idx, 0), DICT_WORDS, se, sizeof(se) - 1, &ti), 0);
	index_close(idx);
	analyzer_free(an);
	buf_release(&r);
}

/* Body marks (index.h) say where a body's positions are: each names a whole word (not a
 * compound's part) at its position and byte offset, as the analyser read them, at least
 * BODY_MARK_EVERY positions apart; an analyser started at a mark reads that word. Merged
 * into a new segment, a body keeps its marks. */
static void test_body_marks(void **state)
{
	static const char sentence[] =
		"L'apprentissage à Saint-Étienne : les événements et l'évènement du 2 mai, 73 700 euros. "
		"Pêche et péché, la C.M.A. de Haute-Garonne accompagne les micro-entreprises d'aujourd'hui.\n";
	struct analyzer *an = analyzer_new();
	struct buf body = BUF_INIT, r = BUF_INIT;
	struct index_writer *w;
	struct index_summary sum;
	struct index *idx;
	struct token tok;
	uint8_t h[INDEX_HASH_LEN] = { 2 };
	(void)state;

	assert_non_null(an);
	for (int i = 0; i < 80; i++)
		buf_addstr(&body, sentence);
	for (int round = 0; round < 10; round++) {
		struct document d;
		struct analyzed_doc *ad;
		char id[32];
		snprintf(id, sizeof(id), "guides/%d.txt", round);
		memset(&d, 0, sizeof(d));
		d.id = id;
		d.title = "Marques";
		d.body = body.ptr;
		d.body_len = body.len;
		assert_int_equal(analyzed_doc_build(an, &d, &ad), 0);
		/* A commit each, the earlier documents kept, and the last commit merges all
		 * segments into one, whose records must keep their marks. */
		assert_int_equal(index_writer_open(tmpdir, round == 0, &w), 0);
		for (int prev = 0; prev < round; prev++) {
			char pid[32];
			snprintf(pid, sizeof(pid), "guides/%d.txt", prev);
			assert_int_equal(index_writer_known(w, pid, h), 0);
		}
		if (round == 9)
			index_writer_force_merge(w);
		assert_int_equal(index_writer_add(w, ad, h), 0);
		assert_int_equal(index_writer_commit(w, &sum), 0);
		index_writer_free(w);
	}
	assert_int_equal(index_check(tmpdir, NULL, &r), 0);
	assert_int_equal(index_open(tmpdir, &idx), 0);
	assert_int_equal(index_n_segments(idx), 1);
	struct arena *a = arena_new(0);
	assert_non_null(a);
	uint32_t checked = 0;
	for (uint32_t s = 0; s < index_n_segments(idx); s++) {
		const struct segment *seg = index_segment(idx, s);
		for (uint32_t doc = 0; doc < segment_n_docs(seg); doc++) {
			struct body_mark *mk;
			uint32_t nm, last_pos = 0, k = 0;
			size_t blen;
			assert_int_equal(segment_body_marks(seg, doc, a, &mk, &nm, &blen), 0);
			assert_int_equal(blen, body.len);
			analyzer_start(an, body.ptr, body.len, ANALYZER_DOCUMENT);
			while (analyzer_next(an, &tok) == 0)
				last_pos = tok.position;
			/* One mark per BODY_MARK_EVERY positions, give or take the words the
			 * marks must skip. */
			assert_true(nm >= last_pos / BODY_MARK_EVERY - 2);
			assert_true(nm <= last_pos / BODY_MARK_EVERY);
			static char want[64][64];
			static size_t wl[64];
			assert_true(nm <= 64);
			analyzer_start(an, body.ptr, body.len, ANALYZER_DOCUMENT);
			while (k < nm && analyzer_next(an, &tok) == 0) {
				if (tok.start != mk[k].off)
					continue;
				assert_int_equal(tok.position, mk[k].pos);
				assert_false(tok.flags & TOKEN_PART);
				assert_true(k == 0 ? mk[k].pos >= BODY_MARK_EVERY
						   : mk[k].pos >= mk[k - 1].pos + BODY_MARK_EVERY);
				assert_true(tok.term_len < sizeof(want[k]));
				memcpy(want[k], tok.term, tok.term_len);
				wl[k] = tok.term_len;
				k++;
			}
			assert_int_equal(k, nm);
			/* Started at a mark, the analyser reads the marked word first. */
			for (k = 0; k < nm; k++) {
				analyzer_start(an, body.ptr + mk[k].off, body.len - mk[k].off, ANALYZER_DOCUMENT);
				assert_int_equal(analyzer_next(an, &tok), 0);
				assert_int_equal(tok.start, 0);
				assert_int_equal(tok.term_len, wl[k]);
				assert_memory_equal(tok.term, want[k], wl[k]);
			}
			checked++;
			arena_reset(a);
		}
	}
	assert_int_equal(checked, 10);
	/* The merge adds up the written forms' documents as the words'. */
	struct term_info ti;
	static const char aj[] = "aujourdhui\x01" "aujourd'hui";
	assert_int_equal(segment_lookup(index_segment(idx, 0), DICT_WORDS, aj, sizeof(aj) - 1, &ti), 0);
	assert_int_equal(ti.doc_freq, 10);
	assert_int_equal(segment_lookup(index_segment(idx, 0), DICT_WORDS, "aujourdhui", 10, &ti), 0);
	assert_int_equal(ti.doc_freq, 10);
	arena_free(a);
	index_close(idx);
	analyzer_free(an);
	buf_release(&body);
	buf_release(&r);
}

/* ---- incremental indexing ---- */

static void test_incremental(void **state)
{
	struct index_summary sum;
	struct index *idx;
	struct buf b = BUF_INIT, r = BUF_INIT;
	uint32_t si, d;
	struct tdoc docs[4];
	struct index_writer *w;
	(void)state;

	index_docs(tmpdir, 0, base_docs, 3, &sum);
	assert_string_equal(sum.generation, "gen-000001");
	/* the same corpus again: nothing published */
	index_docs(tmpdir, 0, base_docs, 3, &sum);
	assert_int_equal(sum.published, 0);
	assert_int_equal(sum.unchanged, 3);
	assert_int_equal(sum.added + sum.updated + sum.deleted, 0);
	assert_string_equal(sum.generation, "gen-000001");
	assert_int_equal(sum.n_docs, 3);

	/* b changed, c gone, d new */
	docs[0] = base_docs[0];
	docs[1] = base_docs[1];
	docs[1].body = "une entreprise artisanale";
	docs[2] = (struct tdoc){ "guides/d.md", "Nouveau guide", "le guide de l entreprise", "2024-06-01", "guide",
				 "31", NULL, { NULL } };
	index_docs(tmpdir, 0, docs, 3, &sum);
	assert_int_equal(sum.published, 1);
	assert_int_equal(sum.added, 1);
	assert_int_equal(sum.updated, 1);
	assert_int_equal(sum.deleted, 1);
	assert_int_equal(sum.unchanged, 1);
	assert_int_equal(sum.n_docs, 3);
	assert_string_equal(sum.generation, "gen-000002");
	assert_int_equal(index_open(tmpdir, &idx), 0);
	collect_ids(idx, &b);
	assert_string_equal(b.ptr, "communiques/a.md;guides/b.md;guides/d.md;");
	buf_reset(&b);
	key_docs(idx, "entreprise", &b);
	assert_string_equal(b.ptr, "guides/b.md:1,0,1@4.//1./;guides/d.md:0,0,1@//4./;");
	assert_int_equal(index_find_doc(idx, "communiques/c.md", &si, &d), AS_ENOENT);
	assert_int_equal(index_n_segments(idx), 2);
	{
		struct index_stats st;
		index_get_stats(idx, &st);
		assert_int_equal(st.n_docs, 3);
		assert_int_equal(st.total_field_len[FIELD_BODY], 8 + 3 + 5);
	}
	index_close(idx);
	assert_int_equal(index_check(tmpdir, NULL, &r), 0);
	/* the old generation is gone once the new one is published */
	{
		char p[3 * PATH_MAX];
		struct stat st;
		snprintf(p, sizeof(p), "%s/gen-000001", tmpdir);
		assert_int_not_equal(stat(p, &st), 0);
	}

	/* explicit delete; unknown ids are ENOENT */
	assert_int_equal(index_writer_open(tmpdir, 0, &w), 0);
	for (int i = 0; i < 3; i++) {
		uint8_t h[INDEX_HASH_LEN];
		memset(h, 0, sizeof(h));
		index_writer_known(w, docs[i].id, h);
	}
	assert_int_equal(index_writer_delete(w, "guides/d.md"), 0);
	assert_int_equal(index_writer_delete(w, "guides/d.md"), AS_ENOENT);
	assert_int_equal(index_writer_delete(w, "nope"), AS_ENOENT);
	assert_int_equal(index_writer_commit(w, &sum), 0);
	assert_int_equal(sum.deleted, 1);
	assert_int_equal(sum.n_docs, 2);
	index_writer_free(w);
	assert_int_equal(index_open(tmpdir, &idx), 0);
	buf_reset(&b);
	collect_ids(idx, &b);
	assert_string_equal(b.ptr, "communiques/a.md;guides/b.md;");
	index_close(idx);

	/* --full rebuilds from nothing */
	index_docs(tmpdir, 1, base_docs, 1, &sum);
	assert_int_equal(sum.published, 1);
	assert_int_equal(sum.added, 1);
	assert_int_equal(sum.n_docs, 1);
	assert_int_equal(index_open(tmpdir, &idx), 0);
	assert_int_equal(index_n_segments(idx), 1);
	buf_reset(&b);
	collect_ids(idx, &b);
	assert_string_equal(b.ptr, "communiques/a.md;");
	index_close(idx);
	assert_int_equal(index_check(tmpdir, NULL, &r), 0);
	buf_release(&b);
	buf_release(&r);
}

static void test_lock(void **state)
{
	struct index_writer *w1, *w2;
	pid_t pid;
	int status;
	(void)state;

	assert_int_equal(index_writer_open(tmpdir, 0, &w1), 0);
	assert_int_equal(index_writer_open(tmpdir, 0, &w2), AS_ELOCKED);
	assert_null(w2);
	index_writer_free(w1);
	assert_int_equal(index_writer_open(tmpdir, 0, &w2), 0);
	index_writer_free(w2);
	/* a writer killed while holding the lock: the kernel releases it */
	pid = fork();
	if (pid == 0) {
		struct index_writer *w;
		if (index_writer_open(tmpdir, 0, &w) != 0)
			_exit(1);
		raise(SIGKILL);
		_exit(2);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(index_writer_open(tmpdir, 0, &w1), 0);
	index_writer_free(w1);
}

/* ---- merges ---- */

/* Indexes docs[0..n) into dir in `commits` batches (with a small memory budget so
 * batches flush several segments), deleting every 7th document of the previous batch
 * and updating every 5th. Leaves the final set of live documents in `final`. */
static void index_in_batches(const char *dir, struct tdoc *docs, int n, int commits, int force_merge,
			     struct tdoc *final)
{
	int per = (n + commits - 1) / commits;
	for (int c = 0; c < commits; c++) {
		struct index_writer *w;
		struct index_summary sum;
		assert_int_equal(index_writer_open(dir, 0, &w), 0);
		index_writer_set_memory_budget(w, 160 * 1024);
		if (force_merge && c == commits - 1)
			index_writer_force_merge(w);
		for (int i = 0; i < (c + 1) * per && i < n; i++) {
			uint8_t h[INDEX_HASH_LEN];
			char key[64];
			int in_prev = i < c * per;
			if (in_prev && i % 7 == 3)
				continue; /* deleted by not being seen */
			snprintf(key, sizeof(key), "%d/%d", i, in_prev && i % 5 == 1 ? c : 0);
			hash_of(key, h);
			if (index_writer_known(w, docs[i].id, h) == 0)
				continue;
			if (in_prev && i % 5 == 1) {
				/* an update: new title */
				docs[i].title = (c % 2) ? "w01 w02 w03" : "w04 w05";
			}
			assert_int_equal(index_writer_add(w, mkdoc(&docs[i]), h), 0);
		}
		assert_int_equal(index_writer_commit(w, &sum), 0);
		index_writer_free(w);
	}
	for (int i = 0; i < n; i++) {
		final[i] = docs[i];
		if (i < (commits - 1) * per && i % 7 == 3)
			final[i].id = NULL;
	}
}

#define N_MERGE 1200

static void test_merge_identical(void **state)
{
	static struct tdoc docs[N_MERGE], final[N_MERGE], live[N_MERGE];
	static char *bufs[3 * N_MERGE];
	char dir2[3 * PATH_MAX];
	struct index *idx;
	struct buf r = BUF_INIT, a = BUF_INIT, b = BUF_INIT;
	struct index_summary sum;
	int n_live = 0;
	(void)state;

	make_corpus(docs, bufs, N_MERGE, 99);
	/* many commits: the log policy must merge (8 small segments per level at most) */
	index_in_batches(tmpdir, docs, N_MERGE, 12, 0, final);
	assert_int_equal(index_open(tmpdir, &idx), 0);
	assert_true(index_n_segments(idx) < 12);
	assert_matches_model(idx, final, N_MERGE);
	collect_ids(idx, &a);
	index_close(idx);
	assert_int_equal(index_check(tmpdir, NULL, &r), 0);

	/* the same documents indexed at once give the same answers */
	for (int i = 0; i < N_MERGE; i++)
		if (final[i].id)
			live[n_live++] = final[i];
	snprintf(dir2, sizeof(dir2), "%s/fresh", tmpdir);
	index_docs(dir2, 1, live, (size_t)n_live, &sum);
	assert_int_equal(index_open(dir2, &idx), 0);
	assert_matches_model(idx, final, N_MERGE);
	collect_ids(idx, &b);
	assert_string_equal(a.ptr, b.ptr);
	index_close(idx);

	/* and a forced merge into one segment too, deleted documents dropped */
	{
		struct index_writer *w;
		assert_int_equal(index_writer_open(tmpdir, 0, &w), 0);
		for (int i = 0; i < N_MERGE; i++) {
			uint8_t h[INDEX_HASH_LEN];
			if (final[i].id)
				index_writer_known(w, final[i].id, h);
		}
		assert_int_equal(index_writer_delete(w, final[0].id), 0);
		final[0].id = NULL;
		index_writer_force_merge(w);
		assert_int_equal(index_writer_commit(w, &sum), 0);
		index_writer_free(w);
	}
	assert_int_equal(index_open(tmpdir, &idx), 0);
	assert_int_equal(index_n_segments(idx), 1);
	assert_int_equal(index_segment(idx, 0) ? segment_n_docs(index_segment(idx, 0)) : 0, n_live - 1);
	assert_matches_model(idx, final, N_MERGE);
	index_close(idx);
	assert_int_equal(index_check(tmpdir, NULL, &r), 0);
	buf_release(&r);
	buf_release(&a);
	buf_release(&b);
	free_corpus(bufs, N_MERGE);
}

/* ---- corruption ---- */

static void test_corrupt_each_file(void **state)
{
	struct index_summary sum;
	struct index *idx;
	char gen_dir[2 * PATH_MAX];
	struct dirent *e;
	DIR *d;
	int n_files = 0;
	struct buf r = BUF_INIT;
	(void)state;

	struct tdoc second[2] = { base_docs[0], base_docs[2] };

	index_docs(tmpdir, 0, base_docs, 2, &sum);
	index_docs(tmpdir, 0, second, 2, &sum); /* b deleted (a .del file), c in a new segment */
	snprintf(gen_dir, sizeof(gen_dir), "%s/%s", tmpdir, sum.generation);
	d = opendir(gen_dir);
	assert_non_null(d);
	while ((e = readdir(d))) {
		char path[3 * PATH_MAX];
		struct stat st;
		int fd;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", gen_dir, e->d_name);
		assert_int_equal(stat(path, &st), 0);
		/* flip one byte at several places: header, middle, last (the CRC itself) */
		for (int k = 0; k < 3; k++) {
			off_t at = k == 0 ? 5 : k == 1 ? st.st_size / 2 : st.st_size - 1;
			unsigned char ch;
			int rc;
			fd = open(path, O_RDWR);
			assert_true(fd >= 0);
			assert_int_equal(pread(fd, &ch, 1, at), 1);
			ch ^= 0x40;
			assert_int_equal(pwrite(fd, &ch, 1, at), 1);
			rc = index_open(tmpdir, &idx);
			assert_int_equal(rc, AS_ECORRUPT);
			assert_null(idx);
			assert_non_null(strstr(as_error_message(rc), e->d_name));
			buf_reset(&r);
			assert_int_equal(index_check(tmpdir, NULL, &r), AS_ECORRUPT);
			assert_non_null(strstr(r.ptr, e->d_name));
			ch ^= 0x40;
			assert_int_equal(pwrite(fd, &ch, 1, at), 1);
			close(fd);
		}
		/* truncated, then restored */
		{
			unsigned char tail[3];
			fd = open(path, O_RDWR);
			assert_int_equal(pread(fd, tail, 3, st.st_size - 3), 3);
			assert_int_equal(ftruncate(fd, st.st_size - 3), 0);
			assert_int_equal(index_open(tmpdir, &idx), AS_ECORRUPT);
			assert_int_equal(pwrite(fd, tail, 3, st.st_size - 3), 3);
			close(fd);
		}
		assert_int_equal(index_open(tmpdir, &idx), 0);
		index_close(idx);
		n_files++;
	}
	closedir(d);
	assert_int_equal(n_files, 1 + 2 * 5 + 1); /* manifest, two segments, one .del */
	buf_release(&r);
}

static void test_no_index(void **state)
{
	struct index *idx;
	char p[3 * PATH_MAX];
	FILE *f;
	(void)state;

	assert_int_equal(index_open(tmpdir, &idx), AS_ENOENT);
	snprintf(p, sizeof(p), "%s/CURRENT", tmpdir);
	f = fopen(p, "w");
	fputs("../etc\n", f);
	fclose(f);
	assert_int_equal(index_open(tmpdir, &idx), AS_ECORRUPT);
	f = fopen(p, "w");
	fputs("gen-000009\n", f);
	fclose(f);
	assert_int_equal(index_open(tmpdir, &idx), AS_ENOENT);
}

/* Rewrites a file's CRC after it was changed, so the structure checks are what must
 * catch the change. */
static void fix_crc(const char *path)
{
	int fd = open(path, O_RDWR);
	struct stat st;
	unsigned char *b;
	uint32_t crc;
	assert_true(fd >= 0);
	assert_int_equal(fstat(fd, &st), 0);
	b = malloc((size_t)st.st_size);
	assert_int_equal(pread(fd, b, (size_t)st.st_size, 0), st.st_size);
	crc = (uint32_t)crc32(0L, b, (unsigned)(st.st_size - 4));
	for (int i = 0; i < 4; i++)
		b[st.st_size - 4 + i] = (unsigned char)(crc >> (8 * i));
	assert_int_equal(pwrite(fd, b + st.st_size - 4, 4, st.st_size - 4), 4);
	free(b);
	close(fd);
}

/* Bytes changed with a valid checksum: every decoder must answer AS_ECORRUPT or read
 * something consistent, never crash or read out of bounds (ASan). */
static void test_structural_corruption(void **state)
{
	static struct tdoc docs[200];
	static char *bufs[600];
	struct index_summary sum;
	char gen_dir[2 * PATH_MAX];
	static const char *const files[] = { "seg-000000.terms", "seg-000000.words", "seg-000000.post",
					     "seg-000000.docs", "seg-000000.stor", "seg-000000.del", "manifest" };
	(void)state;

	make_corpus(docs, bufs, 200, 5);
	index_docs(tmpdir, 0, docs, 200, &sum);
	docs[7].id = docs[8].id = NULL;
	{
		struct index_writer *w;
		assert_int_equal(index_writer_open(tmpdir, 0, &w), 0);
		for (int i = 0; i < 200; i++) {
			uint8_t h[INDEX_HASH_LEN];
			if (docs[i].id)
				index_writer_known(w, docs[i].id, h);
		}
		assert_int_equal(index_writer_commit(w, &sum), 0);
		index_writer_free(w);
	}
	snprintf(gen_dir, sizeof(gen_dir), "%s/%s", tmpdir, sum.generation);
	rng_state = 2024;
	for (size_t fi = 0; fi < sizeof(files) / sizeof(files[0]); fi++) {
		char path[3 * PATH_MAX];
		struct stat st;
		unsigned char *orig;
		int fd, n_corrupt = 0;
		snprintf(path, sizeof(path), "%s/%s", gen_dir, files[fi]);
		assert_int_equal(stat(path, &st), 0);
		orig = malloc((size_t)st.st_size);
		fd = open(path, O_RDWR);
		assert_int_equal(pread(fd, orig, (size_t)st.st_size, 0), st.st_size);
		for (int trial = 0; trial < 60; trial++) {
			struct buf r = BUF_INIT;
			struct index *idx;
			int rc, n_bytes = 1 + (int)(rnd() % 3);
			for (int k = 0; k < n_bytes; k++) {
				off_t at = 16 + (off_t)(rnd() % (uint32_t)(st.st_size - 20));
				unsigned char ch = (unsigned char)rnd();
				assert_int_equal(pwrite(fd, &ch, 1, at), 1);
			}
			fix_crc(path);
			rc = index_check(tmpdir, NULL, &r);
			assert_true(rc == 0 || rc == AS_ECORRUPT);
			n_corrupt += rc == AS_ECORRUPT;
			rc = index_open(tmpdir, &idx);
			assert_true(rc == 0 || rc == AS_ECORRUPT);
			if (rc == 0) {
				struct buf b = BUF_INIT;
				key_docs_lenient(idx, &b);
				buf_release(&b);
				index_close(idx);
			}
			buf_release(&r);
			assert_int_equal(pwrite(fd, orig, (size_t)st.st_size, 0), st.st_size);
		}
		close(fd);
		free(orig);
		/* most random changes are caught by the structure checks alone */
		assert_true(n_corrupt > 20);
	}
	free_corpus(bufs, 200);
}

/*
 * A stored block's header is checked when the block is read, not at open (where it
 * would fault in the whole file): a length reaching into the block index opens, then
 * reading a document of that block is AS_ECORRUPT naming the file, and the other
 * blocks still read.
 */
static void test_store_block_checked_on_read(void **state)
{
	static struct tdoc docs[200];
	static char *bufs[600];
	struct index_summary sum;
	struct index *idx;
	struct stored_doc sd;
	char path[3 * PATH_MAX];
	unsigned char *b;
	struct stat st;
	int fd;
	(void)state;

	make_corpus(docs, bufs, 200, 11);
	index_docs(tmpdir, 0, docs, 200, &sum);
	snprintf(path, sizeof(path), "%s/%s/seg-000000.stor", tmpdir, sum.generation);
	assert_int_equal(stat(path, &st), 0);
	b = malloc((size_t)st.st_size);
	fd = open(path, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, b, (size_t)st.st_size, 0), st.st_size);
	/* FORMAT.md's stor tail: counts of blocks, then where each stream's index starts. */
	const unsigned char *t = b + st.st_size - 4 - 32;
	uint32_t n_blocks = le32(t + 4);
	uint64_t idx0 = le64(t + 16);
	assert_true(n_blocks >= 2);
	const unsigned char *e = b + idx0 + 12; /* the second block of the first stream */
	uint32_t first = le32(e);
	uint64_t off = le64(e + 4);
	st32(b + off + 8, (uint32_t)(idx0 - off)); /* its compressed length: past its end */
	assert_int_equal(pwrite(fd, b, (size_t)st.st_size, 0), st.st_size);
	close(fd);
	free(b);
	fix_crc(path);

	assert_int_equal(index_open(tmpdir, &idx), 0);
	struct arena *a = arena_new(0);
	const struct segment *seg = index_segment(idx, 0);
	int rc = segment_get_doc(seg, first, 0, a, &sd);
	assert_int_equal(rc, AS_ECORRUPT);
	assert_non_null(strstr(as_error_message(rc), "seg-000000.stor"));
	arena_reset(a);
	assert_int_equal(segment_get_doc(seg, 0, 0, a, &sd), 0);
	assert_non_null(sd.id);
	arena_free(a);
	index_close(idx);
	free_corpus(bufs, 200);
}

/* ---- kill -9 while publishing ---- */

static void test_crash_while_publishing(void **state)
{
	static const char *const steps[] = { "flush", "segments", "manifest", "current-tmp", "rename", "published" };
	struct index_summary sum;
	struct buf r = BUF_INIT, ids = BUF_INIT;
	(void)state;

	index_docs(tmpdir, 0, base_docs, 2, &sum);
	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		struct index *idx;
		pid_t pid = fork();
		int status;
		if (pid == 0) {
			struct index_writer *w;
			struct index_summary cs;
			uint8_t h[INDEX_HASH_LEN];
			setenv("ARTISEARCH_CRASH_AT", steps[s], 1);
			if (index_writer_open(tmpdir, 0, &w) != 0)
				_exit(1);
			index_writer_known(w, base_docs[0].id, h);
			memset(h, (int)s + 1, sizeof(h));
			if (index_writer_add(w, mkdoc(&base_docs[2 - s % 2]), h) != 0)
				_exit(1);
			index_writer_commit(w, &cs);
			_exit(3); /* not reached: the crash hook kills us */
		}
		assert_int_equal(waitpid(pid, &status, 0), pid);
		assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		/* CURRENT names a complete generation that passes check */
		buf_reset(&r);
		assert_int_equal(index_check(tmpdir, NULL, &r), 0);
		assert_int_equal(index_open(tmpdir, &idx), 0);
		buf_reset(&ids);
		collect_ids(idx, &ids);
		index_close(idx);
		if (s >= 4) /* renamed: the new generation is the published one */
			assert_string_equal(ids.ptr, s % 2 ? "communiques/a.md;guides/b.md;" : "communiques/a.md;communiques/c.md;");
		else
			assert_true(!strcmp(ids.ptr, "communiques/a.md;guides/b.md;") ||
				    !strcmp(ids.ptr, "communiques/a.md;communiques/c.md;"));
		/* a new writer can commit over whatever was left */
		index_docs(tmpdir, 0, base_docs, 2, &sum);
		assert_int_equal(index_check(tmpdir, NULL, &r), 0);
		assert_int_equal(index_open(tmpdir, &idx), 0);
		buf_reset(&ids);
		collect_ids(idx, &ids);
		assert_string_equal(ids.ptr, "communiques/a.md;guides/b.md;");
		index_close(idx);
		/* leftovers of the crash are gone: one generation, no CURRENT.tmp */
		{
			DIR *d = opendir(tmpdir);
			struct dirent *e;
			int gens = 0;
			while ((e = readdir(d))) {
				gens += !strncmp(e->d_name, "gen-", 4);
				assert_string_not_equal(e->d_name, "CURRENT.tmp");
			}
			closedir(d);
			assert_int_equal(gens, 1);
		}
	}
	buf_release(&r);
	buf_release(&ids);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_build_and_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_many_docs_seek, setup, teardown),
		cmocka_unit_test_setup_teardown(test_block_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_analyzer, setup, teardown),
		cmocka_unit_test_setup_teardown(test_body_marks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_incremental, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_merge_identical, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_each_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_index, setup, teardown),
		cmocka_unit_test_setup_teardown(test_structural_corruption, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_block_checked_on_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_while_publishing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
