/*
 * Dynamic pruning and the bulk path are exact: for many fixed-seed random queries over
 * an index of corpus/, the top k found by search_run's default (the bulk path wherever
 * the plan allows it, else block-max pruning) and by the pruned iterator walk for every
 * plan are the same documents with the same scores as walking and scoring every match,
 * and the totals (always counted over every match) agree. Pages continue each other.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/index/index.h"
#include "common/query/parse.h"
#include "common/query/plan.h"
#include "common/query/rank.h"
#include "common/query/search.h"
#include "common/query/synonyms.h"
#include "common/text/analyzer.h"
#include "common/util/arena.h"
#include "common/util/buf.h"
#include "tests/unit/query_fixture.h"

struct fixture {
	char dir[512];
	struct index *idx;
	struct searcher *s;
	char **words;
	size_t n_words;
};

static int setup_with(void **state, unsigned segment_docs)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct term_iter *it;
	int rc;

	if (qfix_build_index("corpus", segment_docs, f->dir, sizeof(f->dir)) <= 0)
		return -1;
	if (index_open(f->dir, &f->idx) < 0 || searcher_new(&f->s) < 0)
		return -1;
	/* The words of the first segment's dictionary are the vocabulary of the queries. */
	if (term_iter_new(index_segment(f->idx, 0), DICT_WORDS, &it) < 0)
		return -1;
	for (rc = term_iter_seek(it, "", 0); rc == 0; rc = term_iter_next(it)) {
		size_t len;
		const char *k = term_iter_key(it, &len);
		f->words = realloc(f->words, (f->n_words + 1) * sizeof(*f->words));
		f->words[f->n_words++] = strndup(k, len);
	}
	term_iter_free(it);
	*state = f;
	return f->n_words > 100 ? 0 : -1;
}

static int setup_one(void **state)
{
	return setup_with(state, 0);
}

static int setup_many(void **state)
{
	/* Several segments: the threshold carries over from one to the next. */
	return setup_with(state, 7);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	searcher_free(f->s);
	index_close(f->idx);
	qfix_remove(f->dir);
	for (size_t i = 0; i < f->n_words; i++)
		free(f->words[i]);
	free(f->words);
	free(f);
	return 0;
}

static uint32_t rnd(uint64_t *seed)
{
	*seed = *seed * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(*seed >> 33);
}

/* A random query: 1-4 words, sometimes OR, a phrase, an exclusion, a prefix, a field. */
static void random_query(struct fixture *f, uint64_t *seed, char *q, size_t cap)
{
	unsigned n = 1 + rnd(seed) % 4;
	size_t len = 0;

	q[0] = 0;
	for (unsigned i = 0; i < n; i++) {
		const char *w = f->words[rnd(seed) % f->n_words];
		unsigned r = rnd(seed) % 20;
		const char *pre = "", *post = "";
		if (i > 0 && r == 0)
			pre = "OR ";
		else if (i > 0 && r == 1)
			pre = "-";
		else if (r == 2)
			pre = "title:";
		else if (r == 3 && strlen(w) > 3)
			post = "*";
		if (r == 4 && i + 1 < n) {
			const char *w2 = f->words[rnd(seed) % f->n_words];
			len += (size_t)snprintf(q + len, cap - len, "%s\"%s %s\"", i ? " " : "", w, w2);
			i++;
			continue;
		}
		len += (size_t)snprintf(q + len, cap - len, "%s%s%s%s", i ? " " : "", pre, w, post);
	}
}

struct outcome {
	uint64_t total, scored;
	uint32_t n;
	char ids[100][256];
	double scores[100];
	char facets[1024]; /* the JSON result's facets, counted over every match */
};

/* Filters of a request: a type, a department, dates, or none. */
struct filters {
	const char *type, *department, *from, *to;
};

enum mode { DEFAULT, ITERATORS, EXHAUSTIVE, SEPARATE };

static void run_filtered(struct fixture *f, const char *q, uint32_t limit, uint32_t page, const struct filters *fl,
			 enum mode mode, struct outcome *o)
{
	struct search_request req;
	const struct search_result *res;
	char lim[16], pg[16];
	struct buf json = BUF_INIT;

	search_request_init(&req);
	snprintf(lim, sizeof(lim), "%u", limit);
	snprintf(pg, sizeof(pg), "%u", page);
	assert_int_equal(search_request_set(&req, "q", q), 0);
	assert_int_equal(search_request_set(&req, "limit", lim), 0);
	assert_int_equal(search_request_set(&req, "page", pg), 0);
	if (fl && fl->type)
		assert_int_equal(search_request_set(&req, "type", fl->type), 0);
	if (fl && fl->department)
		assert_int_equal(search_request_set(&req, "department", fl->department), 0);
	if (fl && fl->from)
		assert_int_equal(search_request_set(&req, "from", fl->from), 0);
	if (fl && fl->to)
		assert_int_equal(search_request_set(&req, "to", fl->to), 0);
	req.no_snippets = 1;
	req.exhaustive = mode == EXHAUSTIVE;
	req.no_bulk = mode == ITERATORS;
	req.separate_keys = mode == SEPARATE;
	assert_int_equal(search_run(f->s, f->idx, &req, &res), 0);
	o->total = search_result_total(res);
	o->n = search_result_n_hits(res);
	o->scored = search_result_n_scored(res);
	for (uint32_t i = 0; i < o->n; i++) {
		const char *id = search_result_hit(res, i, &o->scores[i], NULL);
		snprintf(o->ids[i], sizeof(o->ids[i]), "%s", id);
	}
	search_result_json(res, &json);
	const char *fc = json.ptr ? strstr(json.ptr, "\"facets\"") : NULL;
	assert_non_null(fc);
	snprintf(o->facets, sizeof(o->facets), "%s", fc);
	buf_release(&json);
}

static void run(struct fixture *f, const char *q, uint32_t limit, uint32_t page, enum mode mode,
		struct outcome *o)
{
	run_filtered(f, q, limit, page, NULL, mode, o);
}

static void same(const char *q, uint32_t limit, uint32_t page, const char *how, const struct outcome *a,
		 const struct outcome *b)
{
	if (a->total != b->total || a->n != b->n)
		fail_msg("query [%s] limit %u page %u: %s total %llu hits %u, exhaustive total %llu hits %u", q, limit,
			 page, how, (unsigned long long)a->total, a->n, (unsigned long long)b->total, b->n);
	if (strcmp(a->facets, b->facets) != 0)
		fail_msg("query [%s] limit %u page %u: %s facets %s, exhaustive %s", q, limit, page, how, a->facets,
			 b->facets);
	for (uint32_t h = 0; h < a->n; h++)
		if (strcmp(a->ids[h], b->ids[h]) != 0 || a->scores[h] != b->scores[h])
			fail_msg("query [%s] limit %u page %u, hit %u: %s %s %.17g, exhaustive %s %.17g", q, limit, page,
				 h, how, a->ids[h], a->scores[h], b->ids[h], b->scores[h]);
}

static void compare_many(struct fixture *f, uint64_t seed, int n_queries)
{
	static struct outcome a, b, c;
	char q[1024];
	int pruned_differently = 0;
	uint64_t scored_pruned = 0, scored_all = 0;

	static const char *const types[] = { "communique", "guide", "convention" };
	static const char *const depts[] = { "31", "34", "12" };
	static const char *const dates[] = { "2023-01-01", "2024-03-15", "2024-09-30", "2025-06-01" };

	for (int i = 0; i < n_queries; i++) {
		uint32_t limit = 1 + rnd(&seed) % 10, page = 1 + rnd(&seed) % 2;
		struct filters fl = { 0 };
		/* One query in four filtered: the paths count and filter matches apart. */
		switch (rnd(&seed) % 16) {
		case 0: fl.type = types[rnd(&seed) % 3]; break;
		case 1: fl.department = depts[rnd(&seed) % 3]; break;
		case 2: fl.from = dates[rnd(&seed) % 4]; break;
		case 3: fl.to = dates[rnd(&seed) % 4]; fl.type = types[rnd(&seed) % 3]; break;
		default: break;
		}
		random_query(f, &seed, q, sizeof(q));
		run_filtered(f, q, limit, page, &fl, DEFAULT, &a);
		run_filtered(f, q, limit, page, &fl, EXHAUSTIVE, &b);
		run_filtered(f, q, limit, page, &fl, ITERATORS, &c);
		same(q, limit, page, "default", &a, &b);
		same(q, limit, page, "pruned", &c, &b);
		pruned_differently += c.total > c.n;
		scored_pruned += c.scored;
		scored_all += b.scored;
	}
	/* And pruning did skip work. */
	print_message("scored %llu of %llu matches with pruning\n", (unsigned long long)scored_pruned,
		      (unsigned long long)scored_all);
	assert_true(scored_pruned < scored_all);
	/* The queries exercised pruning: many had more matches than hits. */
	assert_true(pruned_differently > n_queries / 4);
}

static void test_random_queries(void **state)
{
	compare_many(*state, 20240502, 1500);
}

/* Common words: long lists, where pruning skips most scoring. */
static void test_frequent_words(void **state)
{
	static const char *const queries[] = {
		"artisanat", "artisans occitanie", "entreprise OR entreprises", "metiers de l'artisanat",
		"cma", "apprentissage", "formation artisans", "chambre", "a*", "c*", "entreprise -apprentissage",
		"\"chambre de métiers\"", "toulouse OR montpellier OR nimes", "artisan* occitanie",
	};
	struct fixture *f = *state;
	static struct outcome a, b, c;

	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++)
		for (uint32_t limit = 1; limit <= 10; limit += 3) {
			run(f, queries[i], limit, 1, DEFAULT, &a);
			run(f, queries[i], limit, 1, EXHAUSTIVE, &b);
			run(f, queries[i], limit, 1, ITERATORS, &c);
			assert_true(c.scored <= b.scored);
			same(queries[i], limit, 1, "default", &a, &b);
			same(queries[i], limit, 1, "pruned", &c, &b);
		}
}

/* Proximity reorders the first phase's best RANK_RERANK whatever the page, the rest
 * keep the first phase's order: pages of 5, deep ones included, are the slices of one
 * list of twice RANK_RERANK, in both paths. */
static void test_pages_continue(void **state)
{
	static const char *const queries[] = {
		"artisanat occitanie", "chambre metiers", "formation apprentissage", "entreprise artisans",
		"aide création entreprise", "cma toulouse", "contrat apprentissage employeur",
	};
	struct fixture *f = *state;
	static struct outcome all, page;

	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++)
		for (enum mode m = DEFAULT; m <= ITERATORS; m++) {
			run(f, queries[i], 2 * RANK_RERANK, 1, m, &all);
			for (uint32_t p = 1; p <= 2 * RANK_RERANK / 5; p++) {
				run(f, queries[i], 5, p, m, &page);
				assert_int_equal(page.total, all.total);
				for (uint32_t h = 0; h < page.n; h++)
					if (strcmp(page.ids[h], all.ids[(p - 1) * 5 + h]) != 0)
						fail_msg("query [%s] page %u hit %u: %s, but %s in the whole list", queries[i],
							 p, h, page.ids[h], all.ids[(p - 1) * 5 + h]);
				assert_int_equal(page.n, all.n > (p - 1) * 5 ? (all.n - (p - 1) * 5 < 5 ? all.n - (p - 1) * 5 : 5) : 0);
			}
		}
}

/* Keys folded into one (plan_merge_twins) in the plan of q. */
static uint32_t twins_in(struct fixture *f, struct analyzer *an, const struct synonyms *syn, struct arena *arena,
			 const char *q)
{
	struct qnode *root;
	struct plan *plan;

	arena_reset(arena);
	assert_true(query_parse(q, strlen(q), arena, &root) >= 0);
	assert_int_equal(plan_build(root, q, strlen(q), f->idx, an, syn, arena, &plan), 0);
	return plan_merge_twins(plan, f->idx);
}

/*
 * Words typed with their accents, which Snowball often stems apart from their folded
 * form: where every document writes them so, their two keys list the same occurrences
 * and are read as one. The hits, totals and facets are those of the keys read apart, the
 * scores too but for rounding; and such keys were met.
 */
static void test_twin_keys(void **state)
{
	struct fixture *f = *state;
	static struct outcome a, b;
	struct analyzer *an = analyzer_new();
	struct arena *arena = arena_new(64 * 1024);
	struct synonyms *syn;
	const char **forms = NULL;
	size_t n_forms = 0;
	uint64_t seed = 20261128;
	uint32_t merged = 0;
	char q[1024];

	assert_non_null(an);
	assert_non_null(arena);
	assert_int_equal(synonyms_new_default(an, &syn), 0);
	for (size_t i = 0; i < f->n_words; i++) {
		const char *sep = strchr(f->words[i], 0x01);
		if (sep && strpbrk(sep + 1, "-'") == NULL) {
			forms = realloc(forms, (n_forms + 1) * sizeof(*forms));
			forms[n_forms++] = sep + 1;
		}
	}
	assert_true(n_forms > 50);
	for (int i = 0; i < 400; i++) {
		unsigned n = 1 + rnd(&seed) % 3;
		size_t len = 0;
		/* One query in four a phrase of its first two words, in which they stay apart. */
		int phrase = n >= 2 && rnd(&seed) % 4 == 0;
		for (unsigned w = 0; w < n; w++)
			len += (size_t)snprintf(q + len, sizeof(q) - len, "%s%s%s%s", w ? " " : "", phrase && w == 0 ? "\"" : "",
						w == 2 ? f->words[rnd(&seed) % f->n_words] : forms[rnd(&seed) % n_forms],
						phrase && w == 1 ? "\"" : "");
		merged += twins_in(f, an, syn, arena, q);
		run(f, q, 10, 1, DEFAULT, &a);
		run(f, q, 10, 1, SEPARATE, &b);
		if (a.total != b.total || a.n != b.n || strcmp(a.facets, b.facets) != 0)
			fail_msg("query [%s]: total %llu hits %u, keys apart %llu hits %u", q, (unsigned long long)a.total,
				 a.n, (unsigned long long)b.total, b.n);
		for (uint32_t h = 0; h < a.n; h++)
			if (strcmp(a.ids[h], b.ids[h]) != 0 || fabs(a.scores[h] - b.scores[h]) > 1e-9 * fabs(b.scores[h]))
				fail_msg("query [%s] hit %u: %s %.17g, keys apart %s %.17g", q, h, a.ids[h], a.scores[h],
					 b.ids[h], b.scores[h]);
	}
	/* Phrases of the corpus with such words: their words keep their keys. */
	static const char *const phrases[] = {
		"\"sécurité sociale\"", "\"opportunités artisanales\"", "\"sécurité sanitaire\"",
		"\"charte de qualité\"", "\"fonds de solidarité\"", "\"première entreprise\"",
		"\"activités relevant\"", "\"sécurité sociale\" plafond", "\"fonds de solidarité\" OR cybersécurité",
	};
	for (size_t i = 0; i < sizeof(phrases) / sizeof(phrases[0]); i++) {
		run(f, phrases[i], 10, 1, DEFAULT, &a);
		run(f, phrases[i], 10, 1, SEPARATE, &b);
		assert_true(a.total > 0);
		same(phrases[i], 10, 1, "twins", &a, &b);
	}
	print_message("%u keys read with their twin\n", merged);
	assert_true(merged > 20);
	free(forms);
	synonyms_free(syn);
	arena_free(arena);
	analyzer_free(an);
}

int main(void)
{
	const struct CMUnitTest one[] = {
		cmocka_unit_test(test_random_queries),
		cmocka_unit_test(test_frequent_words),
		cmocka_unit_test(test_pages_continue),
		cmocka_unit_test(test_twin_keys),
	};
	const struct CMUnitTest many[] = {
		cmocka_unit_test(test_random_queries),
		cmocka_unit_test(test_frequent_words),
	};
	int rc = cmocka_run_group_tests_name("one segment", one, setup_one, teardown);
	return rc | cmocka_run_group_tests_name("several segments", many, setup_many, teardown);
}
