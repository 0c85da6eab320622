/*
 * The query engine on real results: an index of corpus/ built through the extraction
 * library and the writer, and each feature of the query language, ranking, typo
 * tolerance, synonyms, filters, facets, pagination, snippets and JSON asserted on what
 * search_run() answers.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "common/index/index.h"
#include "common/query/search.h"
#include "common/query/limits.h"
#include "common/query/snippet.h"
#include "common/query/typo.h"
#include "common/util/arena.h"
#include "common/util/buf.h"
#include "common/util/error.h"
#include "common/util/mem.h"
#include "tests/unit/query_fixture.h"

static char dir[512];
static struct index *idx;
static struct searcher *s;

static int setup(void **state)
{
	(void)state;
	if (qfix_build_index("corpus", 0, dir, sizeof(dir)) <= 0)
		return -1;
	if (index_open(dir, &idx) < 0 || searcher_new(&s) < 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	searcher_free(s);
	index_close(idx);
	qfix_remove(dir);
	return 0;
}

/* Runs q with optional "name=value" parameters (NULL-terminated). */
static const struct search_result *run(const char *q, ...)
{
	struct search_request req;
	const struct search_result *res;
	va_list ap;
	const char *p;
	static char buf[16][128];
	int nb = 0;

	search_request_init(&req);
	assert_int_equal(search_request_set(&req, "q", q), 0);
	va_start(ap, q);
	while ((p = va_arg(ap, const char *))) {
		const char *eq = strchr(p, '=');
		snprintf(buf[nb], sizeof(buf[nb]), "%.*s", (int)(eq - p), p);
		assert_int_equal(search_request_set(&req, buf[nb], eq + 1), 0);
		nb++;
	}
	va_end(ap);
	int rc = search_run(s, idx, &req, &res);
	if (rc < 0)
		fail_msg("query [%s]: %s", q, as_error_message(rc));
	return res;
}

static const char *hit(const struct search_result *res, uint32_t i)
{
	return search_result_hit(res, i, NULL, NULL);
}

static int rank_of(const struct search_result *res, const char *id)
{
	for (uint32_t i = 0; i < search_result_n_hits(res); i++)
		if (strcmp(hit(res, i), id) == 0)
			return (int)i + 1;
	return 0;
}

static uint64_t total(const char *q)
{
	return search_result_total(run(q, NULL));
}

/* ---- Analysis at query time ---------------------------------------------------------- */

static void test_same_analysis(void **state)
{
	(void)state;
	/* Elisions, both apostrophes, case and accents never decide a match. */
	uint64_t n = total("apprentissage");
	assert_true(n > 5);
	assert_int_equal(total("l'apprentissage"), n);
	assert_int_equal(total("l’apprentissage"), n);
	assert_int_equal(total("L'APPRENTISSAGE"), n);
	assert_int_equal(total("metiers"), total("métiers"));
	assert_int_equal(total("MÉTIERS"), total("métiers"));
	/* A phrase typed without its apostrophe finds the phrase written with one. */
	assert_true(total("\"métiers d'art\"") > 5);
	assert_int_equal(total("\"metiers d art\""), total("\"métiers d'art\""));
	/* Hyphens: the compound and its parts. */
	assert_true(total("tarn-et-garonne") > 0);
	assert_int_equal(total("tarn-et-garonne"), total("tarn et garonne"));
	assert_true(total("haute-garonne") > 0);
	assert_true(total("auto-entrepreneur") > 0);
	/* Dotted acronyms and digit groups, as the analyzer reads them. */
	assert_int_equal(total("C.M.A."), total("CMA"));
	assert_true(total("73 700") > 0);
	assert_int_equal(total("73 700"), total("73700"));
	/* Three groups too: a SIREN of 9 digits written `912 345 678`. */
	assert_true(total("912 345 678") > 0);
	assert_int_equal(total("912 345 678"), total("912345678"));
	/* Singular and plural find the same documents, where Snowball stems them apart
	 * (`boulanger` as a verb, `boulangers` as a noun; `élu`, `élus`). */
	assert_true(total("boulangers") > 0);
	assert_int_equal(total("boulanger"), total("boulangers"));
	assert_int_equal(total("boulangers -boulanger"), 0);
	assert_int_equal(total("élu"), total("élus"));
	assert_true(total("élu") > 2);
}

/* ---- The query language ---------------------------------------------------------------- */

static void test_boolean_counts(void **state)
{
	(void)state;
	uint64_t a = total("apprentissage"), b = total("toulouse"), ab = total("apprentissage toulouse");
	assert_true(ab > 0 && ab < a && ab < b);
	assert_int_equal(total("apprentissage OR toulouse"), a + b - ab);
	assert_int_equal(total("apprentissage -toulouse"), a - ab);
	assert_int_equal(total("apprentissage NOT toulouse"), a - ab);
	assert_int_equal(total("(apprentissage OR toulouse) apprentissage"), a);
	/* A phrase is stricter than its words. */
	uint64_t words = total("brevet maîtrise"), phrase = total("\"brevet de maîtrise\"");
	assert_true(phrase > 0 && phrase <= words);
	assert_int_equal(rank_of(run("\"brevet de maîtrise\"", NULL), "guides/brevet-de-maitrise-btm-formation.pdf"), 1);
	/* title: restricts to titles. */
	const struct search_result *res = run("title:apprentissage", "limit=100", NULL);
	assert_true(search_result_total(res) > 0 && search_result_total(res) < a);
	/* Exclusions alone match nothing; lenient leftovers are ignored. */
	assert_int_equal(total("-apprentissage"), 0);
	assert_int_equal(total("apprentissage -"), a);
	assert_int_equal(total("OR apprentissage OR"), a);
	assert_int_equal(total("((apprentissage"), a);
	/* A quoted word is taken literally (no synonyms); unbalanced, the quote still closes. */
	assert_int_equal(total("\"apprentissage"), total("\"apprentissage\""));
	assert_int_equal(total("apprentissage)))"), a);
}

static void test_hostile_queries(void **state)
{
	char *q = malloc(20001);
	(void)state;
	/* 10 000 parentheses, 5 000+ characters, odd bytes: an answer, never a crash. */
	memset(q, '(', 10000);
	strcpy(q + 10000, "apprentissage");
	run(q, NULL);
	for (int i = 0; i < 20000; i++)
		q[i] = "ab* -\"()OR"[i % 11];
	q[20000] = 0;
	run(q, NULL);
	for (int i = 0; i < 6000; i++)
		q[i] = "apprentissage "[i % 14];
	q[6000] = 0;
	assert_true(search_result_total(run(q, NULL)) > 0);
	run("*", NULL);
	run("-", NULL);
	run("a*", NULL);
	run("title:", NULL);
	/* A quoted compound whose parts are too short to be words: the compound itself. */
	run("\"d-c\"", NULL);
	run("am\"d-c\"\"g*", NULL);
	run("-\"d-c\" apprentissage", NULL);
	assert_true(search_result_total(run("\"a-b-c\" OR apprentissage", NULL)) > 0);
	free(q);
	/* Invalid UTF-8 is refused by search_request_set(); given directly, still no crash. */
	struct search_request req;
	const struct search_result *res;
	search_request_init(&req);
	req.q = "\xc3 apprentissage \xff\xfe";
	assert_int_equal(search_run(s, idx, &req, &res), 0);
}

/* ---- Ranking ----------------------------------------------------------------------------- */

static void test_exact_accent_first(void **state)
{
	(void)state;
	/* `chat` and `châtiment` fold to one stem: the exact form first (FRENCH.md 3). */
	const struct search_result *res = run("chat", NULL);
	assert_int_equal(rank_of(res, "communiques/2023/2023-09-04-chat-en-ligne-conseillers.md"), 1);
	int chatiment = rank_of(res, "communiques/2022/2022-09-20-tailleur-pierre-conques-tympan.md");
	assert_true(chatiment == 0 || chatiment > 1);
	/* `pêche` and `péché`: each query finds its own word first, and both documents. */
	res = run("pêche", NULL);
	assert_int_equal(rank_of(res, "communiques/2022/2022-05-12-pecheurs-poissonniers-sete.md"), 1);
	assert_true(rank_of(res, "communiques/2023/2023-06-13-concours-fougasse-aigues-mortes.md") > 1);
	res = run("péché", NULL);
	assert_int_equal(rank_of(res, "communiques/2023/2023-06-13-concours-fougasse-aigues-mortes.md"), 1);
	assert_true(rank_of(res, "communiques/2022/2022-05-12-pecheurs-poissonniers-sete.md") > 1);
}

static void test_exact_title_first(void **state)
{
	static const char *const cases[][2] = {
		{ "Micro-entreprise : le mode d'emploi de l'auto-entrepreneur artisan",
		  "guides/micro-entreprise-auto-entrepreneur-mode-emploi.md" },
		{ "Recruter un apprenti : le guide de l’employeur artisan", "guides/contrat-apprentissage-employeur-guide.md" },
		{ "reprendre une entreprise artisanale", "guides/reprendre-une-entreprise-artisanale.md" },
		{ "salon apprentissage toulouse", "communiques/2019/2019-02-14-salon-apprentissage-toulouse.md" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct search_result *res = run(cases[i][0], NULL);
		if (rank_of(res, cases[i][1]) != 1)
			fail_msg("[%s]: %s at rank %d, %s first", cases[i][0], cases[i][1], rank_of(res, cases[i][1]),
				 hit(res, 0));
	}
}

/* A title with some of the query words gets part of the title bonus, by their share: the
 * guide titled with three of four words first, before the employer's guide whose title
 * has one and whose body has them all many times. */
static void test_partial_title(void **state)
{
	struct search_request req;
	const struct search_result *res;
	struct buf out = BUF_INIT;

	(void)state;
	res = run("aides embauche apprenti occitanie", NULL);
	if (rank_of(res, "guides/aides-embauche-apprenti-2026.md") != 1)
		fail_msg("aides-embauche-apprenti-2026 at rank %d, %s first",
			 rank_of(res, "guides/aides-embauche-apprenti-2026.md"), hit(res, 0));
	/* Its explanation shows the part: `occitanie` is not in its title. */
	search_request_init(&req);
	req.q = "aides embauche apprenti occitanie";
	req.explain = 1;
	req.limit = 1;
	assert_int_equal(search_run(s, idx, &req, &res), 0);
	search_result_json(res, &out);
	const char *t = strstr(out.ptr, "title bonus ");
	assert_non_null(t);
	assert_true(strtod(t + 12, NULL) > 0.1);
	/* No query word in the title, no bonus. */
	buf_reset(&out);
	req.q = "aides embauche apprenti -title:aides -title:embauche -title:apprenti -title:apprentissage";
	req.limit = 5;
	assert_int_equal(search_run(s, idx, &req, &res), 0);
	assert_true(search_result_n_hits(res) > 0);
	search_result_json(res, &out);
	for (const char *p = strstr(out.ptr, "title bonus "); p; p = strstr(p + 1, "title bonus "))
		assert_true(strtod(p + 12, NULL) == 0);
	buf_release(&out);
}

static void test_scores_and_explain(void **state)
{
	struct search_request req;
	const struct search_result *res;
	struct buf out = BUF_INIT;
	double prev = 1e300, sc;

	(void)state;
	res = run("transition écologique", "limit=20", NULL);
	for (uint32_t i = 0; i < search_result_n_hits(res); i++) {
		search_result_hit(res, i, &sc, NULL);
		assert_true(sc > 0 && sc <= prev);
		prev = sc;
	}
	search_request_init(&req);
	req.q = "transition écologique";
	req.explain = 1;
	assert_int_equal(search_run(s, idx, &req, &res), 0);
	search_result_json(res, &out);
	assert_non_null(strstr(out.ptr, "\"explain\": \"words"));
	assert_non_null(strstr(out.ptr, "proximity"));
	/* Each hit's explanation adds up to its score (proximity included). */
	int n = 0;
	for (const char *p = strstr(out.ptr, "\"score\": "); p; p = strstr(p, "\"score\": ")) {
		double score = strtod(p + 9, NULL), total;
		const char *t = strstr(p, "; total ");
		assert_non_null(t);
		total = strtod(t + 8, NULL);
		if (fabs(score - total) > 0.002)
			fail_msg("hit %d: score %.4f, explanation's total %.4f", n, score, total);
		p = t;
		n++;
	}
	assert_int_equal(n, (int)search_result_n_hits(res));
	buf_release(&out);
}

/* ---- Prefixes, typos, synonyms, relaxation ---------------------------------------------------- */

static void test_prefix(void **state)
{
	(void)state;
	/* On the words as written: `reconnaissa` is longer than the stem `reconnaiss`. */
	const struct search_result *res = run("reconnaissa*", NULL);
	assert_int_equal(rank_of(res, "guides/metiers-d-art-reconnaissance-et-accompagnement.html"), 1);
	assert_true(total("apprenti*") >= total("apprentissage"));
	/* Bounded, cheap, never empty-handed on a common letter: the letters of the
	 * elisions too (`t` alone is the article of `t'`, dropped; `t*` is every word in t),
	 * and a prefix finds what one of its completions finds. */
	assert_true(total("a*") > 0);
	assert_true(total("poisson*") > 0);
	static const char *const letters[][2] = { { "t*", "toulouse" }, { "c*", "chambre" }, { "d*", "demande" },
						  { "m*", "metiers" }, { "s*", "salon" }, { "j*", "jeunes" },
						  { "n*", "numerique" } };
	for (size_t i = 0; i < sizeof(letters) / sizeof(letters[0]); i++)
		if (total(letters[i][0]) == 0 || total(letters[i][0]) < total(letters[i][1]) / 2)
			fail_msg("[%s]: %llu results, [%s] %llu", letters[i][0], (unsigned long long)total(letters[i][0]),
				 letters[i][1], (unsigned long long)total(letters[i][1]));
	/* Search as you type: the last word, still being typed and matching nothing as it
	 * stands, is completed (not corrected into another word)... */
	res = run("cybersecu", NULL);
	assert_true(search_result_total(res) >= 3);
	assert_non_null(strstr(search_result_hit(res, 0, NULL, NULL), "cybersecurite"));
	assert_null(search_result_suggestion(res));
	res = run("apprentiss", NULL);
	assert_true(search_result_total(res) >= total("apprentissage") - 2);
	assert_null(search_result_suggestion(res));
	res = run("contrat d'appren", NULL);
	assert_true(search_result_total(res) > 5);
	assert_false(search_result_relaxed(res));
	/* ... but a word followed by a space is finished, a word inside the query is not
	 * the one being typed, and a word that matches stays as it is. */
	assert_int_equal(total("cybersecu "), 0);
	assert_true(search_result_relaxed(run("cybersecu cma", NULL)));
	assert_true(total("art") < total("art*"));
	/* A word that matches only through its stem, written by no document, is being
	 * typed too: `coiff` (the stem of `coiffe`) is `coiffure`, `coiffeuse`...; `horai`
	 * (stemmed `hor`, as `hors`) is `horaires`. */
	assert_int_equal(total("coiff"), total("coiff*"));
	assert_true(total("coiff") >= total("coiffure"));
	res = run("horai", NULL);
	assert_true(search_result_total(res) >= total("horaires"));
	assert_null(search_result_suggestion(res));
	/* The last part of a hyphenated word too: `micro-entrep` is micro-entreprise being
	 * typed, not `micro-entrée`. */
	res = run("micro-entrep", NULL);
	assert_true(search_result_total(res) >= total("micro-entreprise"));
	assert_null(search_result_suggestion(res));
}

static void test_typo(void **state)
{
	const struct search_result *res;
	uint64_t n;
	(void)state;
	/* A word that matches nothing is corrected, and the suggestion says so. */
	res = run("aprentissage", NULL);
	assert_true(search_result_total(res) > 0);
	assert_non_null(search_result_suggestion(res));
	assert_string_equal(search_result_suggestion(res), "apprentissage");
	res = run("plombeir chauffagiste", NULL);
	assert_true(search_result_total(res) > 0);
	assert_string_equal(search_result_suggestion(res), "plombier chauffagiste");
	/* The suggestion has the accents of the documents, typed or not. */
	assert_string_equal(search_result_suggestion(run("numériqeu", NULL)), "numérique");
	assert_string_equal(search_result_suggestion(run("numeriqeu", NULL)), "numérique");
	assert_string_equal(search_result_suggestion(run("diplômess", NULL)), "diplômes");
	assert_string_equal(search_result_suggestion(run("aujourdhiu", NULL)), "aujourd'hui");
	/* A spelling of the same sound beats a closer spelling: `transition` is one edit
	 * from `transmition`, `transmission` two, and the one meant. */
	assert_true(total("transition") > 0);
	assert_string_equal(search_result_suggestion(run("transmition", NULL)), "transmission");
	assert_string_equal(search_result_suggestion(run("fotographe", NULL)), "photographe");
	assert_string_equal(search_result_suggestion(run("otomobile", NULL)), "automobile");
	/* A silent final t: `artisant` is `artisan`, not `artisanat` (also one edit). */
	assert_string_equal(search_result_suggestion(run("artisant", NULL)), "artisan");
	/* Transposition counts one edit; 9+ letters allow two. */
	assert_true(total("formaiton") > 0);
	assert_true(total("aprentisage") > 0);
	/* A corrected word has the synonyms the word typed right has (`alternance`). */
	assert_int_equal(total("aprentisage"), total("apprentissage"));
	/* An elided article typed without its apostrophe is read as the elision. */
	n = total("metiers d'art");
	res = run("metiers dart", NULL);
	assert_true(n > 0);
	assert_int_equal(search_result_total(res), n);
	assert_false(search_result_relaxed(res));
	assert_string_equal(search_result_suggestion(res), "metiers d'art");
	assert_string_equal(search_result_suggestion(run("detudes", NULL)), "d'études");
	/* ... an article only, before a vowel or an h: `sage` is no `s'âge`. */
	assert_int_equal(total("sage"), 0);
	/* A misspelt part of a compound is corrected, as the word alone would be. */
	n = total("micro-entreprise");
	res = run("micro-entreprize", NULL);
	assert_true(n > 0);
	assert_int_equal(search_result_total(res), n);
	assert_string_equal(search_result_suggestion(res), "micro-entreprise");
	/* A correct word is never "corrected", and exact beats corrected. */
	res = run("apprentissage", NULL);
	assert_null(search_result_suggestion(res));
	/* Nor is a word the documents write in the other number only: `solaire` where one
	 * guide writes `solaires` is that guide, not `salaire`'s fourteen; `glace` is no
	 * `place`. */
	res = run("solaire", NULL);
	assert_null(search_result_suggestion(res));
	assert_int_equal(search_result_total(res), 1);
	assert_string_equal(hit(res, 0), "guides/guide-apprentissage-cfa-occitanie-2025.pdf");
	assert_null(search_result_suggestion(run("glace", NULL)));
	assert_null(search_result_suggestion(run("tarte", NULL)));
	/* Short words are never corrected (FRENCH.md 8). */
	assert_int_equal(total("cqp"), 0);
	/* The distance itself. */
	assert_int_equal(typo_distance("formation", 9, "formaiton", 9), 1);
	assert_int_equal(typo_distance("apprentissage", 13, "aprentisage", 11), 2);
	assert_int_equal(typo_max_edits("metir", 5), 1);
	assert_int_equal(typo_max_edits("cap", 3), 0);
	assert_int_equal(typo_max_edits("apprentis", 9), 2);
}

/* The dictionary in memory is the dictionary: same keys, same order, same frequencies. */
static void test_dict_keys(void **state)
{
	(void)state;
	for (uint32_t sg = 0; sg < index_n_segments(idx); sg++) {
		const struct segment *seg = index_segment(idx, sg);
		const struct dict_keys *dk, *again;
		struct term_iter *it;
		size_t i = 0, len;
		int rc;

		assert_int_equal(segment_dict_keys(seg, DICT_WORDS, &dk), 0);
		assert_int_equal(segment_dict_keys(seg, DICT_WORDS, &again), 0);
		assert_ptr_equal(dk, again); /* built once */
		assert_int_equal(term_iter_new(seg, DICT_WORDS, &it), 0);
		for (rc = term_iter_seek(it, "", 0); rc == 0; rc = term_iter_next(it), i++) {
			const char *k = term_iter_key(it, &len);
			assert_true(i < dk->n);
			assert_int_equal(dk->off[i + 1] - dk->off[i], len);
			assert_memory_equal(dk->bytes + dk->off[i], k, len);
			assert_int_equal(dk->doc_freq[i], term_iter_info(it)->doc_freq);
		}
		assert_int_equal(rc, 1);
		assert_int_equal(i, dk->n);
		term_iter_free(it);
	}
}

/* A seek lands where a scan from the first key does, on every key and between keys. */
static int seek_expect(char **keys, size_t n, const char *k, size_t len)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2, ml = strlen(keys[mid]), m = ml < len ? ml : len;
		int c = memcmp(keys[mid], k, m);
		if (c < 0 || (c == 0 && ml < len))
			lo = mid + 1;
		else
			hi = mid;
	}
	return (int)lo;
}

static void assert_info_equal(const struct term_info *a, const struct term_info *b)
{
	assert_int_equal(a->doc_freq, b->doc_freq);
	for (int f = 0; f < N_FIELDS; f++) {
		assert_int_equal(a->max_tf[f], b->max_tf[f]);
		assert_int_equal(a->min_len[f], b->min_len[f]);
	}
	assert_int_equal(a->postings_offset, b->postings_offset);
	assert_int_equal(a->postings_len, b->postings_len);
}

/* The iterator is on key `want`, and the scan goes on from there. */
static void assert_at(struct term_iter *it, char **keys, const struct term_info *infos, size_t n, size_t want)
{
	size_t len;
	const char *k = term_iter_key(it, &len);

	assert_int_equal(len, strlen(keys[want]));
	assert_memory_equal(k, keys[want], len);
	assert_info_equal(term_iter_info(it), &infos[want]);
	if (want + 1 < n) {
		assert_int_equal(term_iter_next(it), 0);
		k = term_iter_key(it, &len);
		assert_int_equal(len, strlen(keys[want + 1]));
		assert_memory_equal(k, keys[want + 1], len);
		assert_info_equal(term_iter_info(it), &infos[want + 1]);
	}
}

static void test_dict_seek(void **state)
{
	(void)state;
	for (uint32_t sg = 0; sg < index_n_segments(idx); sg++)
		for (int dict = DICT_TERMS; dict <= DICT_WORDS; dict++) {
			const struct segment *seg = index_segment(idx, sg);
			struct term_iter *it;
			struct term_info *infos = NULL;
			char **keys = NULL, probe[300];
			size_t n = 0, len;
			int rc;

			assert_int_equal(term_iter_new(seg, dict, &it), 0);
			for (rc = term_iter_next(it); rc == 0; rc = term_iter_next(it), n++) {
				const char *k = term_iter_key(it, &len);
				assert_non_null(keys = realloc(keys, (n + 1) * sizeof(*keys)));
				assert_non_null(infos = realloc(infos, (n + 1) * sizeof(*infos)));
				assert_non_null(keys[n] = strndup(k, len));
				infos[n] = *term_iter_info(it);
			}
			assert_int_equal(rc, 1);
			assert_true(n > 64); /* several blocks */
			for (size_t i = 0; i < n; i++) {
				size_t kl = strlen(keys[i]);
				/* The key itself, then just after it, then a prefix of it. */
				for (int v = 0; v < 3; v++) {
					size_t pl = v == 0 ? kl : v == 1 ? kl + 1 : kl / 2;
					memcpy(probe, keys[i], kl);
					probe[kl] = '\0';
					int want = seek_expect(keys, n, probe, pl);
					rc = term_iter_seek(it, probe, pl);
					if ((size_t)want == n) {
						assert_int_equal(rc, 1);
						continue;
					}
					assert_int_equal(rc, 0);
					assert_at(it, keys, infos, n, (size_t)want);
				}
			}
			/* A key's family: the key, or its stem's first `stem 0x01 form` key, or
			 * none (where a dictionary without its hash lands on a later key). Each key
			 * and each stem of a form key, after enough seeks to have the hash, and a
			 * prefix of each, mostly no key. */
			size_t forms = 0;
			for (size_t i = 0; i < n; i++)
				for (int v = 0; v < 3; v++) {
					const char *sep = strchr(keys[i], 0x01);
					size_t kl = strlen(keys[i]);
					size_t pl = v == 0 ? kl : v == 1 ? (sep ? (size_t)(sep - keys[i]) : kl) : kl / 2 + 1;
					forms += v == 1 && sep;
					memcpy(probe, keys[i], pl);
					int want = seek_expect(keys, n, probe, pl);
					int member = (size_t)want < n && strncmp(keys[want], probe, pl) == 0 &&
						     (keys[want][pl] == '\0' || keys[want][pl] == 0x01);
					rc = term_iter_seek_family(it, probe, pl);
					assert_true(rc >= 0);
					const char *k = rc == 0 ? term_iter_key(it, &len) : NULL;
					if (member) {
						assert_int_equal(rc, 0);
						assert_at(it, keys, infos, n, (size_t)want);
					} else if (rc == 0) {
						assert_false(len >= pl && memcmp(k, probe, pl) == 0 &&
							     (len == pl || k[pl] == 0x01));
					}
				}
			if (dict == DICT_TERMS)
				assert_true(forms > 0);
			/* A target longer than any key, through the hash too: none of its family,
			 * and a plain seek lands where a scan would. */
			char longer[300];
			memset(longer, 'e', sizeof(longer));
			assert_int_equal(term_iter_seek_family(it, longer, sizeof(longer)), 1);
			int want = seek_expect(keys, n, longer, sizeof(longer));
			rc = term_iter_seek(it, longer, sizeof(longer));
			assert_int_equal(rc, (size_t)want == n ? 1 : 0);
			if (rc == 0)
				assert_at(it, keys, infos, n, (size_t)want);
			assert_int_equal(term_iter_seek(it, "\xff\xff", 2), 1);
			term_iter_free(it);
			for (size_t i = 0; i < n; i++)
				free(keys[i]);
			free(keys);
			free(infos);
		}
}

static void *keys_thread(void *arg)
{
	const struct segment *seg = arg;
	const struct dict_keys *dk = NULL;

	return segment_dict_keys(seg, DICT_WORDS, &dk) == 0 ? (void *)dk : NULL;
}

/* Threads racing for a segment's first walk all get the one copy that was kept. */
static void test_dict_keys_threads(void **state)
{
	struct index *fresh;
	pthread_t t[4];
	void *got[4];

	(void)state;
	assert_int_equal(index_open(dir, &fresh), 0);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, keys_thread, (void *)index_segment(fresh, 0)), 0);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(pthread_join(t[i], &got[i]), 0);
		assert_non_null(got[i]);
		assert_ptr_equal(got[i], got[0]);
	}
	index_close(fresh);
}

struct found {
	char keys[1 << 18];
	size_t used;
	unsigned n;
};

static void found_reset(struct found *a, struct found *b)
{
	a->used = b->used = 0;
	a->n = b->n = 0;
	a->keys[0] = b->keys[0] = 0;
}

static void on_found(void *ctx, const char *key, size_t len, unsigned dist, uint32_t df)
{
	struct found *f = ctx;
	int w = snprintf(f->keys + f->used, sizeof(f->keys) - f->used, "%.*s/%u/%u ", (int)len, key, dist, df);

	assert_true(w > 0 && (size_t)w < sizeof(f->keys) - f->used);
	f->used += (size_t)w;
	f->n++;
}


/*
 * The automaton walk finds exactly the words a scan of the whole dictionary with
 * typo_distance() finds (written forms, `word 0x01 form`, are no words), in the same
 * order, for misspellings of every 7th word: one and two edits of each kind, at each
 * end and in the middle.
 */
static void test_typo_walk_exhaustive(void **state)
{
	unsigned words = 0, matches = 0, prefixes = 0;

	(void)state;
	for (uint32_t sg = 0; sg < index_n_segments(idx); sg++) {
		const struct segment *seg = index_segment(idx, sg);
		const struct dict_keys *dk;

		assert_int_equal(segment_dict_keys(seg, DICT_WORDS, &dk), 0);
		for (size_t src = 0; src < dk->n; src += 7) {
			size_t sl = dk->off[src + 1] - dk->off[src];
			const char *sk = dk->bytes + dk->off[src];
			if (sl < 3 || sl > 20 || memchr(sk, 0x01, sl))
				continue; /* a word's written form (`word 0x01 form`) is no word */
			for (int v = 0; v < 7; v++) {
				char q[32];
				size_t ql = sl, at = (src / 7 + (size_t)v) % (sl - 1);
				memcpy(q, sk, sl);
				switch (v) {
				case 0: /* as is */
					break;
				case 1: /* drop a letter */
					memmove(q + at, q + at + 1, sl - at - 1);
					ql--;
					break;
				case 2: /* swap two */
					q[at] = sk[at + 1], q[at + 1] = sk[at];
					break;
				case 3: /* replace one */
					q[at] = (char)('a' + (sk[at] - 'a' + 7 + 26) % 26);
					break;
				case 4: /* add one */
					memmove(q + at + 1, q + at, sl - at);
					q[at] = 'e';
					ql++;
					break;
				case 5: /* two: drop the first, replace the last */
					memmove(q, q + 1, sl - 1);
					ql--;
					q[ql - 1] = 'z';
					break;
				case 6: /* two: swap at both ends */
					q[0] = sk[1], q[1] = sk[0];
					q[sl - 2] = sk[sl - 1], q[sl - 1] = sk[sl - 2];
					break;
				}
				for (unsigned e = 1; e <= 2; e++) {
					static struct found walk, scan;
					found_reset(&walk, &scan);
					for (size_t i = 0; i < dk->n; i++) {
						const char *k = dk->bytes + dk->off[i];
						size_t kl = dk->off[i + 1] - dk->off[i];
						unsigned d = typo_distance(q, ql, k, kl);
						if (d <= e && !memchr(k, 0x01, kl))
							on_found(&scan, k, kl, d, dk->doc_freq[i]);
					}
					/* Both ways of reading the dictionary: its words in memory, and
					 * in place through a term_iter (a one-shot command's first walks). */
					for (int keys = 1; keys >= 0; keys--) {
						static struct found none;
						found_reset(&walk, &none);
						typo_use_keys(keys);
						assert_int_equal(typo_walk(seg, q, ql, e, on_found, &walk), 0);
						if (strcmp(walk.keys, scan.keys) != 0)
							fail_msg("'%.*s' within %u (%s): walk [%s] scan [%s]", (int)ql, q, e,
								 keys ? "in memory" : "in place", walk.keys, scan.keys);
					}
					typo_use_keys(-1);
					words++;
					matches += walk.n;
					/* The prefix walk, on one in 16 of them: keys one of whose prefixes
					 * is within e, with the shallowest such prefix's distance. */
					if (words % 16 || ql < 5)
						continue;
					static struct found pwalk, pscan;
					found_reset(&pwalk, &pscan);
					typo_use_keys(prefixes % 2);
					assert_int_equal(typo_walk_prefix(seg, q, ql, e, on_found, &pwalk), 0);
					typo_use_keys(-1);
					for (size_t i = 0; i < dk->n; i++) {
						const char *k = dk->bytes + dk->off[i];
						size_t kl = dk->off[i + 1] - dk->off[i];
						if (memchr(k, 0x01, kl))
							continue;
						for (size_t pl = 1; pl <= kl; pl++) {
							unsigned d = typo_distance(q, ql, k, pl);
							if (d <= e) {
								on_found(&pscan, k, kl, d, dk->doc_freq[i]);
								break;
							}
						}
					}
					if (strcmp(pwalk.keys, pscan.keys) != 0)
						fail_msg("'%.*s' prefix within %u: walk [%.300s] scan [%.300s]", (int)ql, q, e,
							 pwalk.keys, pscan.keys);
					prefixes++;
				}
			}
		}
	}
	print_message("typo walk: %u walks equal to a scan, %u words found; %u prefix walks\n", words, matches,
		      prefixes);
	/* The sample is not empty, and misspellings do find their words. */
	assert_true(words > 1000);
	assert_true(matches > words / 2);
	assert_true(prefixes > 100);
}

static void test_synonyms(void **state)
{
	(void)state;
	/* An acronym finds its expansion and the other way round. */
	const struct search_result *res = run("centre de formation d'apprentis", "limit=50", NULL);
	assert_true(rank_of(res, "guides/guide-apprentissage-cfa-occitanie-2025.pdf") > 0);
	assert_true(total("cfa") >= total("\"centre de formation d'apprentis\""));
	/* Several words equal to a long member bring its acronym in. */
	assert_true(total("centre de formation d'apprentis") >= total("cfa"));
	assert_true(total("centre de formation d'apprentis") > total("\"centre de formation d'apprentis\""));
	assert_true(total("chambre de métiers") > 0);
	assert_true(total("cma") > 0);
	/* Typed without its accents, a long member is the same member (`tres` is stemmed
	 * apart from `très`): its acronym comes in as well. */
	assert_true(total("très petite entreprise") > total("\"très petite entreprise\""));
	assert_int_equal(total("tres petite entreprise"), total("très petite entreprise"));
	/* A past participle the stemmer keeps apart from its verb and noun finds them. */
	static const char *const participles[][2] = { { "inscrit", "inscription" }, { "ouvert", "ouverture" },
						      { "obtenu", "obtention" }, { "transmis", "transmission" } };
	for (size_t i = 0; i < sizeof(participles) / sizeof(participles[0]); i++)
		if (total(participles[i][0]) < total(participles[i][1]))
			fail_msg("[%s] %llu results, fewer than [%s]", participles[i][0],
				 (unsigned long long)total(participles[i][0]), participles[i][1]);
	/* Forms of a verb the stemmer keeps apart (`vendre` vendr, `vendez` vend): each
	 * finds the pages that write the other. */
	assert_true(total("vendez") > 0);
	assert_int_equal(total("vendez"), total("vendu"));
	assert_int_equal(total("vendez"), total("vendons"));
	assert_true(total("vendre") >= total("vendez")); /* and `céder` */
	/* A verb and its noun (`se reconvertir`, `reconversion`) likewise. */
	assert_true(total("reconversion") > 0);
	assert_true(total("reconvertir") >= total("reconversion"));
}

static void test_relaxed(void **state)
{
	const struct search_result *res;
	(void)state;
	res = run("apprentissage zzyzzyqq", NULL);
	assert_true(search_result_relaxed(res));
	assert_true(search_result_total(res) > 0);
	res = run("apprentissage toulouse", NULL);
	assert_false(search_result_relaxed(res));
	assert_int_equal(search_result_total(run("zzyzzyqq", NULL)), 0);
	/* Words past QUERY_MAX_WORDS are left out: what matches the others is a partial match,
	 * said so, even when some document has all the words kept. (A plain word repeated
	 * is there once: phrases, kept as typed, reach the bound.) */
	char q[1024];
	size_t n = 0;
	for (int i = 0; i < QUERY_MAX_WORDS; i++)
		n += (size_t)snprintf(q + n, sizeof(q) - n, "\"apprentissage\" ");
	res = run(q, NULL);
	assert_true(search_result_total(res) > 0);
	assert_false(search_result_relaxed(res));
	snprintf(q + n, sizeof(q) - n, "zzyzzyqq");
	res = run(q, NULL);
	assert_true(search_result_total(res) > 0);
	assert_true(search_result_relaxed(res));
}

/* ---- Filters, facets, sorting, pagination ---------------------------------------------------- */

static void test_filters_and_facets(void **state)
{
	const struct search_result *res;
	struct buf out = BUF_INIT;
	(void)state;
	res = run("artisans", "limit=100", NULL);
	uint64_t all = search_result_total(res);
	uint64_t guides = search_result_facet(res, "type", "guide"), comm = search_result_facet(res, "type", "communique"),
		 conv = search_result_facet(res, "type", "convention");
	assert_true(guides > 0 && comm > 0);
	assert_true(guides + comm + conv <= all);
	/* Facets count every match, not the page. */
	res = run("artisans", "limit=1", NULL);
	assert_int_equal(search_result_facet(res, "type", "guide"), guides);
	res = run("artisans", "type=guide", "limit=100", NULL);
	assert_int_equal(search_result_total(res), guides);
	search_result_json(res, &out);
	assert_null(strstr(out.ptr, "\"type\": \"communique\""));
	buf_release(&out);
	res = run("artisans", "department=31", NULL);
	assert_true(search_result_total(res) > 0 && search_result_total(res) < all);
	assert_int_equal(search_result_facet(res, "department", "31"), search_result_total(res));
	res = run("artisans", "from=2024-01-01", "to=2024-12-31", NULL);
	assert_true(search_result_total(res) > 0);
	assert_int_equal(search_result_facet(res, "year", "2024"), search_result_total(res));
	assert_int_equal(search_result_total(run("artisans", "type=nosuchtype", NULL)), 0);
	/* Sorted by date: newest first. */
	res = run("apprentissage", "sort=date", "limit=20", NULL);
	out = (struct buf)BUF_INIT;
	search_result_json(res, &out);
	const char *p = out.ptr, *prev = "9999-99-99";
	while ((p = strstr(p, "\"date\": \""))) {
		p += 9;
		assert_true(strncmp(p, prev, 10) <= 0);
		prev = p;
	}
	buf_release(&out);
}

static void test_pagination(void **state)
{
	char ids[30][256];
	const struct search_result *res;
	(void)state;
	res = run("artisans", "limit=20", NULL);
	assert_int_equal(search_result_n_hits(res), 20);
	for (int i = 0; i < 20; i++)
		snprintf(ids[i], sizeof(ids[i]), "%s", hit(res, (uint32_t)i));
	res = run("artisans", "limit=10", "page=2", NULL);
	assert_int_equal(search_result_n_hits(res), 10);
	for (int i = 0; i < 10; i++)
		assert_string_equal(hit(res, (uint32_t)i), ids[10 + i]);
	res = run("artisans", "limit=10", "page=90", NULL);
	assert_int_equal(search_result_n_hits(res), 0);
	assert_true(search_result_total(res) > 20);
	/* Pages of any size continue one another, one word or several: the second phase
	 * (recency, proximity) reorders the same candidates whatever the limit. */
	static const char *const qs[] = { "artisans", "apprentissage", "salon artisanat" };
	for (size_t q = 0; q < sizeof(qs) / sizeof(qs[0]); q++) {
		char want[20][256], lim[16], pg[16];
		res = run(qs[q], "limit=20", NULL);
		uint32_t n = search_result_n_hits(res);
		assert_true(n >= 12);
		for (uint32_t i = 0; i < n; i++)
			snprintf(want[i], sizeof(want[i]), "%s", hit(res, i));
		for (uint32_t limit = 1; limit <= 7; limit += 2)
			for (uint32_t at = 0; at < n; at += limit) {
				snprintf(lim, sizeof(lim), "limit=%u", limit);
				snprintf(pg, sizeof(pg), "page=%u", at / limit + 1);
				res = run(qs[q], lim, pg, NULL);
				for (uint32_t i = 0; i < search_result_n_hits(res) && at + i < n; i++)
					if (strcmp(hit(res, i), want[at + i]))
						fail_msg("[%s] limit %u page %u, hit %u: %s, not %s", qs[q], limit, at / limit + 1,
							 i, hit(res, i), want[at + i]);
			}
	}
}

/* ---- Snippets and JSON ------------------------------------------------------------------------ */

static void test_snippets(void **state)
{
	const struct search_result *res;
	const char *snip;
	(void)state;
	res = run("apprentissage", NULL);
	search_result_hit(res, 0, NULL, &snip);
	assert_non_null(snip);
	assert_non_null(strstr(snip, "<mark>"));
	assert_true(strlen(snip) < 600);
	/* Elisions stay outside the mark; stemmed forms are marked as written. */
	int elided = 0;
	for (uint32_t i = 0; i < search_result_n_hits(res); i++) {
		search_result_hit(res, i, NULL, &snip);
		elided |= strstr(snip, "'<mark>apprentissage</mark>") || strstr(snip, "’<mark>apprentissage</mark>");
		assert_null(strstr(snip, "<mark>l'"));
		assert_null(strstr(snip, "<mark>apprentissag</mark>"));
	}
	assert_true(elided);
	/* Folded and corrected matches are marked too. */
	res = run("metiers", NULL);
	search_result_hit(res, 0, NULL, &snip);
	assert_non_null(strstr(snip, "<mark>métiers</mark>") ? strstr(snip, "<mark>métiers</mark>") : strstr(snip, "<mark>Métiers</mark>"));
	res = run("aprentissage", NULL);
	search_result_hit(res, 0, NULL, &snip);
	assert_non_null(strstr(snip, "pprentissage</mark>"));
	/* Document text is escaped: a page about HTML code shows it as text. */
	res = run("script", "limit=20", NULL);
	for (uint32_t i = 0; i < search_result_n_hits(res); i++) {
		search_result_hit(res, i, NULL, &snip);
		assert_null(strstr(snip, "<script"));
		const char *m = snip;
		while ((m = strchr(m, '<'))) {
			assert_true(strncmp(m, "<mark>", 6) == 0 || strncmp(m, "</mark>", 7) == 0);
			m++;
		}
	}
}

/* A long body whose query words first meet deep inside it: the snippet is that passage,
 * found from the words' positions and the body's marks, with both words marked, however
 * far from the beginning (a scan from the start stopped at its first 64 KB). */
/* Of two passages with as many distinct query words, the one with the rarer word: a
 * long guide's one sentence on `erasmus` shows, not its first section dense with
 * `apprenti`; more distinct words still come first. */
static void test_snippet_span_rare_word(void **state)
{
	struct arena *a = arena_new(4096);
	static const uint32_t common[] = { 10, 11, 13, 15, 17, 300, 340 }, rare[] = { 200 };
	const uint32_t *pos[2] = { common, rare };
	uint32_t n[2] = { 7, 1 }, first, last;
	double idf[2] = { 0.6, 3.2 };

	(void)state;
	assert_non_null(a);
	assert_int_equal(snippet_span(pos, n, idf, 2, a, &first, &last), 0);
	assert_true(first <= 200 && last >= 200);
	/* Equal weights: the most occurrences, as before. */
	idf[1] = 0.6;
	assert_int_equal(snippet_span(pos, n, idf, 2, a, &first, &last), 0);
	assert_true(first == 10 && last == 17);
	/* Both words within a span: that span, whatever the weights. */
	static const uint32_t rare2[] = { 200, 320 };
	pos[1] = rare2;
	n[1] = 2;
	idf[1] = 3.2;
	assert_int_equal(snippet_span(pos, n, idf, 2, a, &first, &last), 0);
	assert_true(first <= 320 && last >= 300 && last - first < SNIPPET_SPAN);
	arena_free(a);
}

static void test_snippet_deep(void **state)
{
	char corpus[] = "/tmp/artisearch-deep-XXXXXX", path[600], ixdir[512];
	struct index *deep;
	struct searcher *ds;
	struct search_request req;
	const struct search_result *res;
	const char *snip;
	FILE *f;
	(void)state;

	assert_non_null(mkdtemp(corpus));
	snprintf(path, sizeof(path), "%s/guides", corpus);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/guides/long.txt", corpus);
	assert_non_null(f = fopen(path, "w"));
	fputs("Guide des métiers du bâtiment\n\n", f);
	for (int i = 0; i < 4000; i++)
		fprintf(f, "Les artisans du bâtiment posent %d tuiles et le coelacanthe attend. ", i);
	fputs("Au large, le coelacanthe nage près du récif corallien de la réserve. ", f);
	for (int i = 0; i < 40; i++)
		fputs("Les maçons montent les murs de la maison. ", f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/guides/court.txt", corpus);
	assert_non_null(f = fopen(path, "w"));
	fputs("Récif\n\nLe récif corallien abrite le coelacanthe.\n", f);
	fclose(f);
	/* A word written only past the first megabyte (SNIPPET_MAX_DEPTH). */
	snprintf(path, sizeof(path), "%s/guides/tres-long.txt", corpus);
	assert_non_null(f = fopen(path, "w"));
	fputs("Catalogue des ardoises\n\n", f);
	for (int i = 0; i < 30000; i++)
		fputs("Les couvreurs posent des ardoises sur le toit. ", f);
	fputs("Dans la remise dort un ornithorynque empaillé.\n", f);
	fclose(f);
	assert_true(qfix_build_index(corpus, 0, ixdir, sizeof(ixdir)) > 0);
	assert_int_equal(index_open(ixdir, &deep), 0);
	assert_int_equal(searcher_new(&ds), 0);
	search_request_init(&req);
	assert_int_equal(search_request_set(&req, "q", "coelacanthe récif"), 0);
	assert_int_equal(search_run(ds, deep, &req, &res), 0);
	assert_int_equal(search_result_total(res), 2);
	int seen = 0;
	for (uint32_t i = 0; i < search_result_n_hits(res); i++) {
		if (strcmp(search_result_hit(res, i, NULL, &snip), "guides/long.txt"))
			continue;
		seen = 1;
		assert_true(strncmp(snip, "… ", strlen("… ")) == 0);
		assert_non_null(strstr(snip, "<mark>coelacanthe</mark> nage près du <mark>récif</mark>"));
		assert_true(strlen(snip) < 600);
	}
	assert_true(seen);
	/* A single word: its first occurrence, near the start, shown from there. */
	assert_int_equal(search_request_set(&req, "q", "tuiles"), 0);
	assert_int_equal(search_run(ds, deep, &req, &res), 0);
	search_result_hit(res, 0, NULL, &snip);
	assert_non_null(strstr(snip, "posent 0 <mark>tuiles</mark>"));
	/* Nothing to mark in the first megabyte: the passage is read however deep it is. */
	assert_int_equal(search_request_set(&req, "q", "ornithorynque"), 0);
	assert_int_equal(search_run(ds, deep, &req, &res), 0);
	assert_int_equal(search_result_total(res), 1);
	search_result_hit(res, 0, NULL, &snip);
	assert_non_null(strstr(snip, "un <mark>ornithorynque</mark> empaillé"));
	searcher_free(ds);
	index_close(deep);
	qfix_remove(ixdir);
	snprintf(path, sizeof(path), "rm -rf '%s'", corpus);
	assert_int_equal(system(path), 0);
}

/* An index of its own from files (name, text; NULL-terminated pairs) in a fresh corpus. */
static void mini_index(char *corpus, char *ixdir, size_t ixlen, const char *const *files)
{
	char path[600];
	FILE *f;

	assert_non_null(mkdtemp(corpus));
	snprintf(path, sizeof(path), "%s/guides", corpus);
	assert_int_equal(mkdir(path, 0755), 0);
	for (int i = 0; files[i]; i += 2) {
		snprintf(path, sizeof(path), "%s/guides/%s", corpus, files[i]);
		assert_non_null(f = fopen(path, "w"));
		fputs(files[i + 1], f);
		fclose(f);
	}
	assert_true(qfix_build_index(corpus, 0, ixdir, ixlen) > 0);
}

/* The query q on a mini index: its result in *res, its total returned. */
static uint64_t mini_run(struct searcher *ms, const struct index *mi, const char *q, const struct search_result **res)
{
	struct search_request req;

	search_request_init(&req);
	assert_int_equal(search_request_set(&req, "q", q), 0);
	assert_int_equal(search_run(ms, mi, &req, res), 0);
	return search_result_total(*res);
}

/* Undoes mini_index() and the searcher over it. */
static void mini_close(struct searcher *ms, struct index *mi, const char *corpus, const char *ixdir)
{
	char cmd[600];

	searcher_free(ms);
	index_close(mi);
	qfix_remove(ixdir);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", corpus);
	assert_int_equal(system(cmd), 0);
}

/* mini_index(), then the index opened and a searcher over it. */
static void mini_open(char *corpus, char *ixdir, size_t ixlen, const char *const *files, struct index **mi,
		      struct searcher **ms)
{
	mini_index(corpus, ixdir, ixlen, files);
	assert_int_equal(index_open(ixdir, mi), 0);
	assert_int_equal(searcher_new(ms), 0);
}

/* The query q on a mini index matches `total` documents, every word of it, `first`
 * first; its result returned. */
static const struct search_result *mini_expect(struct searcher *ms, const struct index *mi, const char *q,
					       uint64_t total, const char *first)
{
	const struct search_result *res;

	assert_int_equal(mini_run(ms, mi, q, &res), total);
	assert_false(search_result_relaxed(res));
	assert_string_equal(search_result_hit(res, 0, NULL, NULL), first);
	return res;
}

/* An accent in a word's ending alone (the stemmer's `march` for both) tells `marché`
 * from `marche`: typed with it, the word as typed first (FRENCH.md 3); typed without
 * accents, either may be meant and both are found. */
static void test_accent_in_ending(void **state)
{
	static const char *const files[] = {
		"k.txt", "Départ\n\nLe départ à la retraite des artisans boulangers.\n",
		"l.txt", "Artisan\n\nUn artisan retraité raconte son métier de boulanger.\n",
		"m.txt", "Halle\n\nLe marché couvert ouvre le samedi.\n",
		"n.txt", "Randonnée\n\nLa marche nordique pour les artisans.\n",
		NULL,
	};
	char corpus[] = "/tmp/artisearch-accent-XXXXXX", ixdir[512];
	struct index *mi;
	struct searcher *ms;
	struct search_request req;
	const struct search_result *res;
	static const char *const cases[][2] = { { "marché", "guides/m.txt" }, { "marchés", "guides/m.txt" },
						 { "retraité", "guides/l.txt" }, { "retraités", "guides/l.txt" } };
	(void)state;

	mini_open(corpus, ixdir, sizeof(ixdir), files, &mi, &ms);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		search_request_init(&req);
		assert_int_equal(search_request_set(&req, "q", cases[i][0]), 0);
		assert_int_equal(search_run(ms, mi, &req, &res), 0);
		assert_int_equal(search_result_total(res), 2);
		assert_string_equal(search_result_hit(res, 0, NULL, NULL), cases[i][1]);
	}
	static const char *const plain[] = { "marche", "retraite" };
	for (size_t i = 0; i < 2; i++) {
		double a, b;
		search_request_init(&req);
		assert_int_equal(search_request_set(&req, "q", plain[i]), 0);
		assert_int_equal(search_run(ms, mi, &req, &res), 0);
		assert_int_equal(search_result_total(res), 2);
		search_result_hit(res, 0, &a, NULL);
		search_result_hit(res, 1, &b, NULL);
		assert_true(b > 0.8 * a); /* neither form a mere variant of the other */
	}
	mini_close(ms, mi, corpus, ixdir);
}

/* The snippet's window is the densest passage, not the first holding the words: where a
 * quoted phrase is whole (its words apart near the start would give no mark at all),
 * where the words are many and side by side; at the end of a short body the room goes
 * before the match; in an address without spaces it is cut at the address's slashes and
 * dashes, not at the match. A document without a body shows its tags; a text's first
 * line, its title, is not repeated before the text the words are in. */
static void test_snippet_window(void **state)
{
	static const char *const files[] = {
		"a.txt", "Guide de l'employeur\n\nVous souhaitez former un jeune ? Le contrat vous engage pendant toute la "
			 "durée de la formation, et l'apprentissage d'un métier demande du temps.\n\nAvant la signature, "
			 "vérifiez que votre entreprise peut accueillir un jeune dans de bonnes conditions : un tuteur "
			 "disponible, un poste de travail adapté, des équipements de protection conformes. Le tuteur doit "
			 "justifier d'un diplôme au moins équivalent à celui préparé par le jeune et d'une expérience "
			 "professionnelle dans le métier.\n\nLe jeune suit ses enseignements théoriques dans un centre et "
			 "ses enseignements pratiques dans l'entreprise. Le calendrier est fixé avec le centre au début de "
			 "l'année. Les absences sont signalées à l'employeur.\n\nLe contrat d'apprentissage est enregistré "
			 "par la chambre dans les cinq jours ouvrables suivant sa réception.\n",
		"b.txt", "Bilan de l'année\n\nLe numérique change les habitudes des clients des artisans. Les conseillers "
			 "reçoivent sur rendez-vous du lundi au vendredi. Une aide est prévue pour certains projets.\n\nLes "
			 "élus ont voté le budget primitif lors de la dernière assemblée générale. Le réseau régional poursuit "
			 "la modernisation de ses services en ligne pour les usagers. Une réunion se tiendra dans chaque "
			 "bassin du département.\n\nLe chèque numérique : une aide au numérique de 500 euros pour les "
			 "artisans qui investissent dans le numérique. C'est l'aide numérique la plus simple à obtenir.\n",
		"c.txt", "Fête\n\nLa chambre organise la fête des métiers d'art le 5 avril à Albi, avec les céramistes, les "
			 "ébénistes et les verriers.\n",
		"d.txt", "Contact\n\nAccueil du lundi au vendredi de 9 h à 17 h, sur rendez-vous l'après-midi. Formulaire en "
			 "ligne : https://www.cma-exemple.fr/demarches/immatriculation-au-registre-national-des-"
			 "entreprises-guichet-unique-formalites\n",
		"e.md", "---\ntitle: Taxe\ntags: [fiscalité, solde]\n---\n",
		"g.txt", "Travaux\n\nLes artisans RGE peuvent proposer MaPrimeRénov' à leurs clients.\n",
		"f.txt", "Transmettre par une cession\n\nLa cession d'une entreprise artisanale se prépare des années avant.\n",
		NULL,
	};
	char corpus[] = "/tmp/artisearch-window-XXXXXX", ixdir[512];
	struct index *mi;
	struct searcher *ms;
	const struct search_result *res;
	const char *snip;
	(void)state;

	mini_open(corpus, ixdir, sizeof(ixdir), files, &mi, &ms);
	static const char *const cases[][3] = {
		{ "\"contrat d'apprentissage\"", "guides/a.txt", "Le <mark>contrat d'apprentissage</mark> est enregistré" },
		{ "aide numerique", "guides/b.txt", "C'est l'<mark>aide</mark> <mark>numérique</mark> la plus simple" },
		{ "verriers", "guides/c.txt", "La chambre organise la fête" },
		{ "guichet unique", "guides/d.txt", "entreprises-<mark>guichet</mark>-<mark>unique</mark>-formalites" },
		/* Parts of a word right after one another: one mark, not two side by side. */
		{ "prime renov", "guides/g.txt", "Ma<mark>PrimeRénov</mark>" },
		/* No body: the tags show where the word is. */
		{ "solde", "guides/e.md", "fiscalité, <mark>solde</mark>" },
		/* The title, the text's first line, is not shown again before the text... */
		{ "cession", "guides/f.txt", "… La <mark>cession</mark> d'une" },
		/* ... unless the words are only there. */
		{ "transmettre", "guides/f.txt", "<mark>Transmettre</mark> par une cession La cession" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		res = mini_expect(ms, mi, cases[i][0], 1, cases[i][1]);
		search_result_hit(res, 0, NULL, &snip);
		if (!strstr(snip, cases[i][2]))
			fail_msg("[%s]: snippet [%s], without [%s]", cases[i][0], snip, cases[i][2]);
		/* The address's page shows the text before the address too. */
		if (strstr(cases[i][1], "d.txt"))
			assert_true(strlen(snip) > 120);
	}
	mini_close(ms, mi, corpus, ixdir);
}

/* A telephone number is found as the documents write it, national or international,
 * whichever way it is typed. */
static void test_phone_numbers(void **state)
{
	static const char *const files[] = {
		"a.txt", "Lyon\n\nTéléphone : +33 4 72 43 43 00, du lundi au vendredi.\n",
		"b.txt", "Saint-Étienne\n\nTéléphone : 04 77 92 38 00, sur rendez-vous.\n",
		"c.txt", "Chiffres\n\nEn 2024, 33 entreprises sur 72 ont répondu ; 4 ont 43 salariés, 00 autres.\n",
		"d.txt", "Mentions légales\n\nÉditeur du site : la chambre de métiers et de l'artisanat, établissement "
			 "public administratif de l'État, siège au 18 bis boulevard Lascrosses à Toulouse. SIRET : "
			 "183 100 013 00025. Code APE : 94.11Z, activités des organisations patronales et consulaires. "
			 "Directeur de la publication : le président de la chambre. Hébergement : un prestataire "
			 "établi en France, dont les serveurs sont situés dans l'Union européenne.\n",
		"e.txt", "Rapport\n\nLe rapport 183100013 compte 00025 pages.\n",
		NULL,
	};
	/* A SIRET in one piece finds it written in its groups (SIREN, then NIC), side by
	 * side only. */
	static const char *const cases[][2] = {
		{ "04 72 43 43 00", "guides/a.txt" }, { "0472434300", "guides/a.txt" },
		{ "04.72.43.43.00", "guides/a.txt" }, { "+33 4 72 43 43 00", "guides/a.txt" },
		{ "+33 4 77 92 38 00", "guides/b.txt" }, { "0477923800", "guides/b.txt" },
		{ "18310001300025", "guides/d.txt" },
	};
	char corpus[] = "/tmp/artisearch-phone-XXXXXX", ixdir[512];
	struct index *mi;
	struct searcher *ms;
	(void)state;

	mini_open(corpus, ixdir, sizeof(ixdir), files, &mi, &ms);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		mini_expect(ms, mi, cases[i][0], 1, cases[i][1]);
	/* Its snippet marks the groups, the phrase's words past the one its span holds. */
	const char *snip;
	search_result_hit(mini_expect(ms, mi, "18310001300025", 1, "guides/d.txt"), 0, NULL, &snip);
	assert_non_null(strstr(snip, "<mark>183 100 013 00025</mark>"));
	mini_close(ms, mi, corpus, ixdir);
}

/* `chat` and `châtiment` share Snowball's stem `chat` (FRENCH.md 3): typed without
 * accents, `chat` is the cat, whose title matches; `châtiment` is another word, derived
 * from the stem, and its title is no title match for `chat`. `chatiment` and the
 * accented `pêche` and `péché` each find their own word first, and are corrected and
 * completed into the one whose accents were typed. An inflection with
 * accents is no other word: for `boulangeries`, `boulangère` in a title is a title match. */
static void test_other_word_accents(void **state)
{
	static const char *const files[] = {
		"chat.txt", "Le chat du boulanger\n\nUn chat dort sur le comptoir.\n",
		"chatiment.txt", "Le châtiment\n\nUn châtiment exemplaire fut prononcé.\n",
		"peche.txt", "La pêche artisanale\n\nLa pêche artisanale est un métier de tradition.\n",
		"peche2.txt", "Réflexion sur le péché\n\nLe péché originel est un thème ancien.\n",
		"fiche.txt", "Boulanger, boulangère\n\nLa fiche du métier.\n",
		"fete.txt", "Fête des boulangers\n\nLes boulangeries ouvrent leurs portes, boulangeries de quartier.\n",
		"cote.txt", "Le guide\n\nLa cote des métiers du bois.\n",
		"cote2.txt", "Le guide\n\nLa côte des métiers du bois.\n",
		NULL,
	};
	static const char *const cases[][2] = { { "chat", "guides/chat.txt" },
						 { "chatiment", "guides/chatiment.txt" },
						 { "châtiment", "guides/chatiment.txt" },
						 { "pêche", "guides/peche.txt" },
						 { "péché", "guides/peche2.txt" } };
	char corpus[] = "/tmp/artisearch-otherword-XXXXXX", ixdir[512];
	struct index *mi;
	struct searcher *ms;
	const struct search_result *res;
	double first, second;
	(void)state;

	mini_open(corpus, ixdir, sizeof(ixdir), files, &mi, &ms);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		res = mini_expect(ms, mi, cases[i][0], 2, cases[i][1]);
		search_result_hit(res, 0, &first, NULL);
		search_result_hit(res, 1, &second, NULL);
		/* `chatiment` typed without its accent may be the stem's other words too: first
		 * by its title; the others by far. */
		if (!(first > (strcmp(cases[i][0], "chatiment") ? 1.5 : 1.0) * second))
			fail_msg("[%s]: %.3f then %.3f: the other word too close", cases[i][0], first, second);
	}
	/* A correction, a completion, written with the accents typed: `pêche`, as common as
	 * `péché` (which sorts first), for `pêchr` and `pêch`; `péché` for `péch`. */
	assert_int_equal(mini_run(ms, mi, "pêchr", &res), 2);
	assert_string_equal(search_result_suggestion(res), "pêche");
	struct buf out = BUF_INIT;
	assert_int_equal(search_suggest_json(ms, mi, "pêch", 5, &out), 0);
	assert_non_null(strstr(out.ptr, "[\"pêche\"]"));
	buf_reset(&out);
	assert_int_equal(search_suggest_json(ms, mi, "péch", 5, &out), 0);
	assert_non_null(strstr(out.ptr, "[\"péché\"]"));
	buf_release(&out);
	/* Typed without accents, a word written both ways: the form as typed first, the
	 * other close behind (visitors type without accents), and the other way round. */
	static const char *const typed[][2] = { { "cote", "guides/cote.txt" }, { "côte", "guides/cote2.txt" } };
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(mini_run(ms, mi, typed[i][0], &res), 2);
		assert_string_equal(search_result_hit(res, 0, &first, NULL), typed[i][1]);
		search_result_hit(res, 1, &second, NULL);
		if (!(first > second && (i == 1 || second > 0.9 * first)))
			fail_msg("[%s]: %.3f then %.3f", typed[i][0], first, second);
	}
	/* The fiche's title says `boulangère`, an inflection of the stem: a title match as
	 * `boulangers` is the other page's (without it, the fiche would score far lower). */
	assert_int_equal(mini_run(ms, mi, "boulangeries", &res), 2);
	search_result_hit(res, 0, &first, NULL);
	search_result_hit(res, 1, &second, NULL);
	if (!(second > 0.8 * first))
		fail_msg("[boulangeries]: %.3f then %.3f: an inflection's title lost", first, second);
	mini_close(ms, mi, corpus, ixdir);
}

/* A typo in a word the documents write in the other number only: `lutier` is two edits
 * from `luthiers`, one from its plural's. */
static void test_typo_in_other_number(void **state)
{
	static const char *const files[] = {
		"a.txt", "Salon des métiers d'art\n\nLes luthiers et les ébénistes exposent à Lyon.\n",
		"b.txt", "Boulangerie\n\nLes boulangers de Lyon ouvrent le dimanche.\n",
		NULL,
	};
	char corpus[] = "/tmp/artisearch-othernumber-XXXXXX", ixdir[512];
	struct index *mi;
	struct searcher *ms;
	const struct search_result *res;
	(void)state;

	mini_open(corpus, ixdir, sizeof(ixdir), files, &mi, &ms);
	res = mini_expect(ms, mi, "lutier", 1, "guides/a.txt");
	assert_string_equal(search_result_suggestion(res), "luthiers");
	res = mini_expect(ms, mi, "lutiers lyon", 1, "guides/a.txt");
	assert_string_equal(search_result_suggestion(res), "luthiers lyon");
	mini_close(ms, mi, corpus, ixdir);
}

/* A word whose stem matches but that is nowhere as typed is corrected when a word an edit
 * away is far commoner: `transmision` has the stem of a single `transmise`. */
static void test_typo_of_a_rare_stem(void **state)
{
	static char name[24][16], text[24][128];
	static const char *files[2 * 24 + 1];
	char corpus[] = "/tmp/artisearch-rare-XXXXXX", ixdir[512];
	struct index *mi;
	struct searcher *ms;
	const struct search_result *res;
	(void)state;

	for (int i = 0; i < 24; i++) {
		snprintf(name[i], sizeof(name[i]), "d%02d.txt", i);
		if (i == 0)
			snprintf(text[i], sizeof(text[i]), "Cession\n\nL'entreprise sera transmise au repreneur.\n");
		else
			snprintf(text[i], sizeof(text[i]), "Bourse %d\n\nLa transmission d'entreprise, bourse %d.\n", i, i);
		files[2 * i] = name[i];
		files[2 * i + 1] = text[i];
	}
	files[48] = NULL;
	mini_open(corpus, ixdir, sizeof(ixdir), files, &mi, &ms);
	assert_int_equal(mini_run(ms, mi, "transmision", &res), 24);
	assert_string_equal(search_result_suggestion(res), "transmission");
	/* A word of the index stays as it is, however rare. */
	assert_int_equal(mini_run(ms, mi, "transmise", &res), 1);
	assert_null(search_result_suggestion(res));
	mini_close(ms, mi, corpus, ixdir);

	/* Three `transmission` for one `transmise`: a correction three times commoner than
	 * the stem is enough. */
	char corpus2[] = "/tmp/artisearch-rare-XXXXXX";
	for (int i = 4; i < 24; i++)
		snprintf(text[i], sizeof(text[i]), "Atelier %d\n\nUn atelier de poterie, session %d.\n", i, i);
	mini_index(corpus2, ixdir, sizeof(ixdir), files);
	assert_int_equal(index_open(ixdir, &mi), 0);
	assert_int_equal(searcher_new(&ms), 0);
	assert_int_equal(mini_run(ms, mi, "transmision", &res), 4);
	assert_string_equal(search_result_suggestion(res), "transmission");
	mini_close(ms, mi, corpus2, ixdir);
}

/* A phrase (a synonym of several words, a quoted one) weighs and is marked where the
 * whole phrase is, not wherever one of its words is. */
static void test_phrase_weight_and_marks(void **state)
{
	static const char *const files[] = {
		"a.txt", "Entreprises nationales et registre des entreprises\n\nChaque entreprise doit "
			 "s'inscrire au registre national des entreprises. Une entreprise artisanale, une "
			 "entreprise commerciale : toute entreprise nationale a son registre.\n",
		"b.txt", "Le RNE pour les artisans\n\nDepuis 2023, le RNE remplace le répertoire des métiers.\n",
		NULL,
	};
	char corpus[] = "/tmp/artisearch-phrase-XXXXXX", ixdir[512];
	struct index *mi;
	struct searcher *ms;
	struct search_request req;
	const struct search_result *res;
	const char *snip;
	(void)state;

	mini_open(corpus, ixdir, sizeof(ixdir), files, &mi, &ms);
	search_request_init(&req);
	/* `rne` is `registre national des entreprises` too (synonyms.txt): once in a's
	 * body, where its words are everywhere, title included; b says RNE in its title. */
	assert_int_equal(mini_run(ms, mi, "RNE", &res), 2);
	assert_string_equal(search_result_hit(res, 0, NULL, NULL), "guides/b.txt");
	assert_string_equal(search_result_hit(res, 1, NULL, &snip), "guides/a.txt");
	assert_non_null(strstr(snip, "<mark>registre national des entreprises</mark>"));
	assert_null(strstr(snip, "<mark>entreprise</mark>"));
	assert_null(strstr(snip, "<mark>registre</mark>"));
	/* A quoted phrase likewise: its words alone are not marked. */
	assert_int_equal(search_request_set(&req, "q", "\"entreprise artisanale\""), 0);
	assert_int_equal(search_run(ms, mi, &req, &res), 0);
	assert_int_equal(search_result_total(res), 1);
	search_result_hit(res, 0, NULL, &snip);
	assert_non_null(strstr(snip, "<mark>entreprise artisanale</mark>"));
	assert_null(strstr(snip, "<mark>entreprise</mark>"));
	mini_close(ms, mi, corpus, ixdir);
}

/* A name written in camel case is found by its parts typed apart, and by the whole
 * typed in one word, in any case. */
static void test_camel_case_names(void **state)
{
	static const char *const files[] = {
		"a.txt", "Rénovation énergétique\n\nLes artisans RGE accompagnent leurs clients dans le "
			 "dispositif MaPrimeRénov' pour isoler un logement.\n",
		"b.txt", "Prime à l'embauche\n\nUne prime pour l'artisan qui recrute un apprenti.\n",
		"c.txt", "Rénover sa boutique\n\nUn guide pour rénover le local d'une entreprise.\n",
		NULL,
	};
	char corpus[] = "/tmp/artisearch-camel-XXXXXX", ixdir[512];
	struct index *mi;
	struct searcher *ms;
	struct search_request req;
	const struct search_result *res;
	const char *snip;
	static const char *const queries[] = { "prime renov", "ma prime rénov", "maprimerenov", "MaPrimeRénov",
					       "\"prime rénov\"" };
	(void)state;

	mini_open(corpus, ixdir, sizeof(ixdir), files, &mi, &ms);
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		search_request_init(&req);
		assert_int_equal(search_request_set(&req, "q", queries[i]), 0);
		assert_int_equal(search_run(ms, mi, &req, &res), 0);
		assert_int_equal(search_result_total(res), 1);
		assert_false(search_result_relaxed(res));
		assert_string_equal(search_result_hit(res, 0, NULL, &snip), "guides/a.txt");
		assert_non_null(strstr(snip, "Rénov</mark>"));
	}
	/* Misspelt in camel case, it is corrected as the one word it is written as (`rénv`
	 * alone is too short to be corrected). */
	search_request_init(&req);
	assert_int_equal(mini_run(ms, mi, "MaPrimeRénv", &res), 1);
	assert_string_equal(search_result_hit(res, 0, NULL, NULL), "guides/a.txt");
	/* A part alone finds it among the others. */
	search_request_init(&req);
	assert_int_equal(mini_run(ms, mi, "prime", &res), 2);
	mini_close(ms, mi, corpus, ixdir);
}

/* Amounts as visitors type them: `1500 euros` finds the guide that writes `1 500 €`, and
 * `1 500 €` the one that writes `1500 euros`; the sign is marked in the snippet. */
static void test_euro_amounts(void **state)
{
	static const char *const files[] = {
		"a.txt", "Chèque numérique\n\nLa CMA verse 1 500 \xE2\x82\xAC pour un site marchand.\n",
		"b.txt", "Prime à l'embauche\n\nUne prime de 1500 euros pour le premier apprenti.\n",
		"c.txt", "Tarifs\n\nLe stage coûte 1500 heures de travail, pas d'aide.\n",
		NULL,
	};
	char corpus[] = "/tmp/artisearch-euro-XXXXXX", ixdir[512];
	struct index *mi;
	struct searcher *ms;
	const struct search_result *res;
	const char *snip;
	(void)state;

	mini_open(corpus, ixdir, sizeof(ixdir), files, &mi, &ms);
	static const char *const queries[] = { "1500 euros", "1 500 \xE2\x82\xAC", "1500\xE2\x82\xAC", "1 500 euros" };
	for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
		assert_int_equal(mini_run(ms, mi, queries[i], &res), 2);
		assert_false(search_result_relaxed(res));
		for (uint32_t h = 0; h < 2; h++)
			assert_string_not_equal(search_result_hit(res, h, NULL, NULL), "guides/c.txt");
	}
	mini_run(ms, mi, "cheque 1500 euros", &res);
	assert_string_equal(search_result_hit(res, 0, NULL, &snip), "guides/a.txt");
	assert_non_null(strstr(snip, "<mark>1 500</mark> <mark>\xE2\x82\xAC</mark>"));
	mini_close(ms, mi, corpus, ixdir);
}

/* Ordinals in words find them in digits, and the other way round: `premier trimestre`
 * finds `1er trimestre`, `2e année` finds `deuxième année`; `1 janvier`, `1er janvier`. */
static void test_ordinal_words(void **state)
{
	static const char *const files[] = {
		"a.txt", "Réunions du 1er trimestre 2025\n\nLes dates des réunions.\n",
		"b.txt", "Salaire\n\nEn deuxième année, l'apprenti touche 51 % du SMIC.\n",
		"c.txt", "Bilan\n\nUn trimestre sans réunion, une année calme.\n",
		"d.txt", "Ce qui change au 1er janvier\n\nLes nouveautés de l'année.\n",
		"e.txt", "Janvier\n\nUn mois de janvier, 2 réunions.\n",
		"f.txt", "Assemblée\n\nL'assemblée générale se tient le 15 mars 2025 à Rodez.\n",
		"g.txt", "Tableau\n\nLes cases 15, 03 et 2025 du tableau sont remplies.\n",
		NULL,
	};
	char corpus[] = "/tmp/artisearch-ordinal-XXXXXX", ixdir[512];
	struct index *mi;
	struct searcher *ms;
	const struct search_result *res;
	static const char *const cases[][2] = {
		{ "premier trimestre", "guides/a.txt" }, { "premiere trimestre", "guides/a.txt" },
		{ "1er trimestre", "guides/a.txt" }, { "2e annee", "guides/b.txt" },
		{ "deuxieme annee", "guides/b.txt" }, { "2eme année", "guides/b.txt" },
		/* The first of a month is written 1er. */
		{ "1 janvier", "guides/d.txt" },
		/* A date in digits is also the date written out, first. */
		{ "assemblee 15/03/2025", "guides/f.txt" }, { "assemblee 03/2025", "guides/f.txt" },
	};
	(void)state;

	mini_open(corpus, ixdir, sizeof(ixdir), files, &mi, &ms);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		mini_expect(ms, mi, cases[i][0], 1, cases[i][1]);
	/* Either way: its numbers are still the date's digits. */
	assert_int_equal(mini_run(ms, mi, "15/03/2025", &res), 2);
	assert_string_equal(search_result_hit(res, 0, NULL, NULL), "guides/f.txt");
	/* Not a date (no month 13): its numbers alone, which no document has all of. */
	mini_run(ms, mi, "15/13/2025", &res);
	assert_true(search_result_relaxed(res));
	mini_close(ms, mi, corpus, ixdir);
}

/* A document's type and department are terms of it, as its tags are: `communiqué` and
 * `93` find the press release of Seine-Saint-Denis whose text says neither, `guide` and
 * `31` the guide (its folder's type) of Haute-Garonne whose text says neither. */
static void test_type_and_department_words(void **state)
{
	static const char *const files[] = {
		"a.md", "---\ntitle: Rentrée des apprentis\ntype: communique\ndepartment: \"93\"\n---\n\n"
			"Les apprentis de Bobigny font leur rentrée.\n",
		"b.md", "---\ntitle: Apprentis et employeurs\ndepartment: \"31\"\n---\n\n"
			"Le livret des apprentis pour les employeurs de Toulouse.\n",
		NULL,
	};
	char corpus[] = "/tmp/artisearch-typewords-XXXXXX", ixdir[512];
	struct index *mi;
	struct searcher *ms;
	const struct search_result *res;
	(void)state;

	mini_open(corpus, ixdir, sizeof(ixdir), files, &mi, &ms);
	static const char *const cases[][2] = {
		{ "communiqué apprentis", "guides/a.md" }, { "communique apprentis", "guides/a.md" },
		{ "93 apprentis", "guides/a.md" }, { "apprentis 31", "guides/b.md" },
		{ "guide apprentis", "guides/b.md" },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		mini_expect(ms, mi, cases[i][0], 1, cases[i][1]);
	/* Without them, both. */
	assert_int_equal(mini_run(ms, mi, "apprentis", &res), 2);
	/* They are no words the documents write: no completion offers `communique` (as
	 * folded, no document writes it), nor 93. */
	struct buf out = BUF_INIT;
	assert_int_equal(search_suggest_json(ms, mi, "commun", 5, &out), 0);
	assert_non_null(strstr(out.ptr, "\"suggestions\": []"));
	buf_reset(&out);
	assert_int_equal(search_suggest_json(ms, mi, "9", 5, &out), 0);
	assert_non_null(strstr(out.ptr, "\"suggestions\": []"));
	buf_release(&out);
	mini_close(ms, mi, corpus, ixdir);
}

/* Two words side by side in a tag are as close as in a title: the page tagged `grille
 * tarifaire` before the one whose text says it once in passing. */
static void test_tag_proximity(void **state)
{
	static const char *const files[] = {
		"a.md", "---\ntitle: Les prix des démarches\ntags: [grille tarifaire, formalités]\n---\n\n"
			"Immatriculation : 60 euros. Modification : 50 euros. La grille des prix change "
			"chaque année ; le tarifaire dépend de la démarche.\n",
		"b.md", "---\ntitle: Formalités assistées\n---\n\n"
			"Un conseiller vous aide. Consultez la grille tarifaire de l'année pour le prix.\n",
		NULL,
	};
	char corpus[] = "/tmp/artisearch-tagprox-XXXXXX", ixdir[512];
	struct index *mi;
	struct searcher *ms;
	(void)state;

	mini_open(corpus, ixdir, sizeof(ixdir), files, &mi, &ms);
	mini_expect(ms, mi, "grille tarifaire", 2, "guides/a.md");
	mini_close(ms, mi, corpus, ixdir);
}

/* Of two versions of a page that the words find as well, the newer first; the year typed
 * picks its own; --explain shows the part recency took. */
static void test_recency(void **state)
{
	static const char *const files[] = {
		"a.md", "---\ntitle: Tarifs des formalités 2024\ndate: 2024-01-10\n---\n\n"
			"Les tarifs des formalités de la chambre pour l'année 2024 : immatriculation, "
			"modification, radiation.\n",
		"b.md", "---\ntitle: Tarifs des formalités 2025\ndate: 2025-01-12\n---\n\n"
			"Les tarifs des formalités de la chambre pour l'année 2025 : immatriculation, "
			"modification, radiation, attestation.\n",
		NULL,
	};
	char corpus[] = "/tmp/artisearch-recency-XXXXXX", ixdir[512];
	struct index *mi;
	struct searcher *ms;
	struct search_request req;
	const struct search_result *res;
	double a, b;
	(void)state;

	mini_open(corpus, ixdir, sizeof(ixdir), files, &mi, &ms);
	mini_expect(ms, mi, "tarifs formalites", 2, "guides/b.md");
	mini_expect(ms, mi, "tarifs", 2, "guides/b.md");
	mini_expect(ms, mi, "tarifs 2024", 1, "guides/a.md");
	/* A nudge: the older is close behind. */
	res = mini_expect(ms, mi, "tarifs", 2, "guides/b.md");
	search_result_hit(res, 0, &a, NULL);
	search_result_hit(res, 1, &b, NULL);
	assert_true(b > 0.97 * a);
	search_request_init(&req);
	assert_int_equal(search_request_set(&req, "q", "tarifs formalites"), 0);
	req.explain = 1;
	assert_int_equal(search_run(ms, mi, &req, &res), 0);
	struct buf out = BUF_INIT;
	search_result_json(res, &out);
	const char *first = strstr(out.ptr, "recency "), *second = first ? strstr(first + 1, "recency ") : NULL;
	double r0, r1;
	assert_non_null(second);
	assert_int_equal(sscanf(first, "recency %lf", &r0), 1);
	assert_int_equal(sscanf(second, "recency %lf", &r1), 1);
	/* The newer's 1 % of the rest of its score; a year older, two thirds of that. */
	search_result_hit(res, 0, &a, NULL);
	assert_true(fabs(r0 - 0.01 * (a - r0)) < 0.001);
	assert_true(r1 > 0.5 * r0 && r1 < 0.8 * r0);
	buf_release(&out);
	mini_close(ms, mi, corpus, ixdir);
}

/* Snowball reads a noun in -er as a verb: `boulanger` is boulang, `boulangerie` and
 * `boulangers` boulanger. A word whose stem is a word documents write scores that
 * word's occurrences too, as another word of its family, in the documents it matches:
 * it matches no other (a page of `CAP Boulanger` is no answer to `boulangerie` that
 * --sort date may put first), and its title is no title match. Not where that stem is as
 * much another word's (`boucher`'s bouch is `bouche`'s too). */
static void test_stem_word(void **state)
{
	static const char *const files[] = {
		"cap.txt", "CAP Boulanger\n\nLe boulanger pétrit la pâte ; un boulanger se lève tôt pour sa boulangerie.\n",
		"rue.txt", "Boulangerie du quartier\n\nLa boulangerie ouvre au coin de la rue.\n",
		"coin.txt", "Commerces\n\nUne boulangerie, une épicerie.\n",
		"seul.txt", "Le fournil\n\nUn boulanger seul.\n",
		"montre.txt", "Horloger\n\nUn horloger répare les montres dans son atelier d'horlogerie.\n",
		"art.txt", "Métiers d'art\n\nL'horlogerie recrute.\n",
		"b1.txt", "Commerces\n\nLa boucherie ferme le lundi.\n",
		"b2.txt", "Goût\n\nLa bouche, la boucherie, la bouche et le goût : une bouche.\n",
		"boucher.txt", "Le boucher\n\nUn boucher prépare la viande.\n",
		NULL,
	};
	char corpus[] = "/tmp/artisearch-stemword-XXXXXX", ixdir[512];
	struct index *mi;
	struct searcher *ms;
	const struct search_result *res;
	const char *snip;
	(void)state;

	mini_open(corpus, ixdir, sizeof(ixdir), files, &mi, &ms);
	res = mini_expect(ms, mi, "boulangerie", 3, "guides/rue.txt");
	assert_string_equal(search_result_hit(res, 1, NULL, &snip), "guides/cap.txt");
	assert_non_null(strstr(snip, "<mark>boulanger</mark>"));
	mini_expect(ms, mi, "horlogerie", 2, "guides/montre.txt");
	mini_expect(ms, mi, "boucherie", 2, "guides/b1.txt");
	/* The iterators (which such words take) pruned as scored exhaustively. */
	static const char *const qs[] = { "boulangerie", "boulangerie OR horlogerie", "boulangerie rue",
					  "boulangerie -rue", "horlogerie OR boucherie" };
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		struct search_request req;
		char ids[10][64];
		double scores[10];
		uint32_t n;
		search_request_init(&req);
		assert_int_equal(search_request_set(&req, "q", qs[i]), 0);
		assert_int_equal(search_run(ms, mi, &req, &res), 0);
		n = search_result_n_hits(res);
		assert_true(n > 0 && n <= 10);
		for (uint32_t h = 0; h < n; h++)
			snprintf(ids[h], sizeof(ids[h]), "%s", search_result_hit(res, h, &scores[h], NULL));
		req.exhaustive = 1;
		assert_int_equal(search_run(ms, mi, &req, &res), 0);
		assert_int_equal(search_result_n_hits(res), n);
		for (uint32_t h = 0; h < n; h++) {
			double sc;
			assert_string_equal(search_result_hit(res, h, &sc, NULL), ids[h]);
			assert_true(sc == scores[h]);
		}
	}
	mini_close(ms, mi, corpus, ixdir);
}

/* A word typed glued that documents write as two or three (`exaequo`, `ex æquo`;
 * `madeinfrance`; `293b`, `293 B`) finds them as their phrase, and the suggestion writes
 * them apart; a word that is in the index is never split (`rendezvous` is written so),
 * nor one whose parts no document writes side by side.
 * Misspelt sound-alikes of a `ç` (`masson`) are that word, not one edit away (`maison`). */
static void test_glued_words(void **state)
{
	static const char *const files[] = {
		"a.txt", "Concours\n\nDeux boulangeries classées ex æquo au concours du croissant.\n",
		"b.txt", "Agenda\n\nPrenez rendez vous avec un conseiller, ou un rendezvous en ligne.\n",
		"c.txt", "Métiers\n\nLe maçon construit la maison ; la maison du maçon.\n",
		"d.txt", "Maison\n\nUne maison de la création, une maison des métiers.\n",
		"e.txt", "Label\n\nLe label made in France, selon l'article 293 B du code.\n",
		NULL,
	};
	char corpus[] = "/tmp/artisearch-glued-XXXXXX", ixdir[512];
	struct index *mi;
	struct searcher *ms;
	const struct search_result *res;
	const char *snip;
	(void)state;

	mini_open(corpus, ixdir, sizeof(ixdir), files, &mi, &ms);
	assert_int_equal(mini_run(ms, mi, "exaequo", &res), 1);
	assert_string_equal(search_result_hit(res, 0, NULL, &snip), "guides/a.txt");
	assert_non_null(strstr(snip, "<mark>ex æquo</mark>"));
	assert_non_null(search_result_suggestion(res));
	assert_string_equal(search_result_suggestion(res), "ex æquo");
	assert_int_equal(mini_run(ms, mi, "concours exaequo", &res), 1);
	assert_string_equal(search_result_suggestion(res), "concours ex æquo");
	/* In the index as typed: found so, not split. */
	assert_int_equal(mini_run(ms, mi, "rendezvous", &res), 1);
	assert_null(search_result_suggestion(res));
	/* Three words when two will not do; a single letter where digits and letters meet. */
	assert_int_equal(mini_run(ms, mi, "madeinfrance", &res), 1);
	assert_string_equal(search_result_hit(res, 0, NULL, NULL), "guides/e.txt");
	assert_string_equal(search_result_suggestion(res), "made in france");
	assert_int_equal(mini_run(ms, mi, "article 293b", &res), 1);
	assert_string_equal(search_result_hit(res, 0, NULL, NULL), "guides/e.txt");
	/* Found nowhere, glued or not: nothing. */
	assert_int_equal(mini_run(ms, mi, "exaequi", &res), 0);
	/* Words of the index that no document writes side by side: no such phrase, so no
	 * suggestion beside the partial matches (`in ter professionnel`). */
	assert_int_equal(mini_run(ms, mi, "concours conseillermaison", &res), 1);
	assert_true(search_result_relaxed(res));
	assert_null(search_result_suggestion(res));
	assert_int_equal(mini_run(ms, mi, "masson", &res), 1);
	assert_string_equal(search_result_hit(res, 0, NULL, NULL), "guides/c.txt");
	assert_string_equal(search_result_suggestion(res), "maçon");
	mini_close(ms, mi, corpus, ixdir);
}

/* An article of a code or a form's number is found however it is written: `L6222-18`
 * finds `L. 6222-18`, `L. 6222-27` finds `L6222-27`, `fa13` finds `FA 13`. */
static void test_letters_digits(void **state)
{
	static const char *const files[] = {
		"a.txt", "Rupture\n\nSelon l'article L. 6222-18 du code du travail, le contrat est rompu.\n",
		"b.txt", "Salaire\n\nVoir l'article L6222-27 du code du travail sur le salaire.\n",
		"c.txt", "Formulaires\n\nLa fiche FA 13 et la fiche FA 14 sont jointes au dossier.\n",
		"d.txt", "Tableau\n\nLa cellule 6222 du tableau vaut 18 et la ligne 13 est vide.\n",
		NULL,
	};
	char corpus[] = "/tmp/artisearch-ldigits-XXXXXX", ixdir[512];
	struct index *mi;
	struct searcher *ms;
	/* `L. 6222-18` is two numbers, as `2019-2026` is: the table that has both comes
	 * second. */
	static const struct {
		const char *q, *first;
		uint64_t total;
	} cases[] = {
		{ "L6222-18", "guides/a.txt", 1 }, { "article l6222-18", "guides/a.txt", 1 },
		{ "L. 6222-18", "guides/a.txt", 2 }, { "L. 6222-27", "guides/b.txt", 1 },
		{ "l 6222-27", "guides/b.txt", 1 }, { "L6222-27", "guides/b.txt", 1 },
		{ "fa13", "guides/c.txt", 1 }, { "FA 14", "guides/c.txt", 1 },
	};
	(void)state;

	mini_open(corpus, ixdir, sizeof(ixdir), files, &mi, &ms);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_null(search_result_suggestion(mini_expect(ms, mi, cases[i].q, cases[i].total, cases[i].first)));
	mini_close(ms, mi, corpus, ixdir);
}

/* Two words typed apart, one of which is nowhere, find the word documents write joined
 * (`cyber sécurité`, `cybersécurité`); a hyphenated word has its synonyms as a word does
 * (`auto-entrepreneur`, `micro-entrepreneur`). */
/* Accents never decide a match (FRENCH.md 3), even where Snowball stems a word and its
 * accented form apart: `salariee` finds what `salariée` finds (the `salarié` documents
 * too), `premiere` what `première` finds, `creees` has `créées`' synonyms. */
static void test_accentless_forms(void **state)
{
	static const char *const files[] = {
		"a.txt", "Embaucher\n\nLa salariée à temps partiel signe son contrat.\n",
		"b.txt", "Le contrat\n\nChaque salarié reçoit une copie.\n",
		"c.txt", "Salon\n\nLa première édition du salon.\n",
		"d.txt", "Aides\n\nLes entreprises créées en 2024.\n",
		"e.txt", "Guide\n\nLa création d'entreprise pas à pas.\n",
		"f.txt", "Portrait\n\nUne menuisière installée à Albi.\n",
		"g.txt", "Trophées\n\nLa menuisière primée.\n",
		"h.txt", "Fiche\n\nLe métier de menuisier.\n",
		NULL,
	};
	static const char *const pairs[][2] = {
		{ "salariee", "salariée" }, { "salariees", "salariées" }, { "premiere", "première" },
		{ "premiere edition", "première édition" }, { "creees", "créées" },
	};
	char corpus[] = "/tmp/artisearch-accentless-XXXXXX", ixdir[512];
	struct index *mi;
	struct searcher *ms;
	const struct search_result *res;
	(void)state;

	mini_open(corpus, ixdir, sizeof(ixdir), files, &mi, &ms);
	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		uint64_t n[2];
		for (int k = 0; k < 2; k++) {
			n[k] = mini_run(ms, mi, pairs[i][k], &res);
			assert_false(search_result_relaxed(res));
		}
		if (n[0] != n[1] || n[0] == 0)
			fail_msg("[%s] %llu documents, [%s] %llu", pairs[i][0], (unsigned long long)n[0], pairs[i][1],
				 (unsigned long long)n[1]);
	}
	/* Both the salariée and the salarié documents. */
	assert_int_equal(mini_run(ms, mi, "salariee", &res), 2);
	/* `créées` has `création`'s synonym group (créer): so has `creees`. */
	assert_int_equal(mini_run(ms, mi, "creees", &res), 2);
	/* A suggestion is written as its documents write the word: `menuisier` has no
	 * accent, though `menuisière`'s stem is `menuisièr`. */
	mini_run(ms, mi, "menusier", &res);
	assert_non_null(search_result_suggestion(res));
	assert_string_equal(search_result_suggestion(res), "menuisier");
	mini_close(ms, mi, corpus, ixdir);
}

static void test_joined_words_and_compound_synonyms(void **state)
{
	static const char *const files[] = {
		"a.txt", "Cybersécurité des TPE\n\nProtéger son atelier des attaques : sauvegardes, mots de "
			 "passe, mises à jour.\n",
		"b.txt", "Atelier numérique\n\nUn atelier sur la sécurité des données pour les artisans.\n",
		"c.txt", "Devenir micro-entrepreneur\n\nLes formalités du régime de la micro-entreprise.\n",
		"d.txt", "Sécurité au travail\n\nPrévenir les accidents dans l'atelier.\n",
		"e.txt", "Métiers de bouche\n\nLes bouchers-charcutiers du Tarn se forment.\n",
		"f.txt", "Rentrée au CFA de Saint-Étienne\n\nLes apprentis de Haute-Garonne visitent Saint-Étienne.\n",
		NULL,
	};
	char corpus[] = "/tmp/artisearch-joined-XXXXXX", ixdir[512];
	struct index *mi;
	struct searcher *ms;
	struct search_request req;
	const struct search_result *res;
	(void)state;

	mini_open(corpus, ixdir, sizeof(ixdir), files, &mi, &ms);
	search_request_init(&req);
	mini_run(ms, mi, "cyber securite", &res);
	assert_false(search_result_relaxed(res));
	assert_int_equal(search_result_total(res), 1); /* a, joined; not b nor d, sécurité alone */
	assert_string_equal(search_result_hit(res, 0, NULL, NULL), "guides/a.txt");
	/* The joined word alone is a word like any other. */
	assert_int_equal(mini_run(ms, mi, "cybersecurite", &res), 1);
	/* Words that are both somewhere stay an AND. */
	assert_int_equal(mini_run(ms, mi, "securite atelier", &res), 2);
	assert_int_equal(mini_run(ms, mi, "auto-entrepreneur", &res), 1);
	assert_string_equal(search_result_hit(res, 0, NULL, NULL), "guides/c.txt");
	/* A part of a hyphenated word has its other number, as a word typed alone: Snowball
	 * reads `boucher` as a verb (`bouch`) and `bouchers` as a noun. */
	assert_int_equal(mini_run(ms, mi, "boucher-charcutier", &res), 1);
	assert_string_equal(search_result_hit(res, 0, NULL, NULL), "guides/e.txt");
	/* A part has its one-word synonyms, as the word typed alone has: addresses and
	 * signs write `St-Étienne`, `Hte-Garonne`. */
	static const char *const abbreviated[] = { "st-etienne", "st etienne", "St-Étienne", "hte-garonne" };
	for (size_t i = 0; i < sizeof(abbreviated) / sizeof(abbreviated[0]); i++) {
		assert_int_equal(search_request_set(&req, "q", abbreviated[i]), 0);
		assert_int_equal(search_run(ms, mi, &req, &res), 0);
		if (search_result_total(res) != 1 || search_result_relaxed(res))
			fail_msg("[%s]: total %llu, relaxed %d", abbreviated[i],
				 (unsigned long long)search_result_total(res), search_result_relaxed(res));
		assert_string_equal(search_result_hit(res, 0, NULL, NULL), "guides/f.txt");
	}
	mini_close(ms, mi, corpus, ixdir);
}

static void test_json(void **state)
{
	struct buf out = BUF_INIT;
	const struct search_result *res;
	(void)state;
	res = run("salon apprentissage toulouse", NULL);
	search_result_json(res, &out);
	assert_true(strncmp(out.ptr, "{\"query\": \"salon apprentissage toulouse\", \"total\": ", 51) == 0);
	static const char *const keys[] = { "\"page\": 1", "\"limit\": 10", "\"took_ms\": ", "\"relaxed\": false",
					    "\"hits\": [", "\"id\": \"communiques/2019/2019-02-14-salon-apprentissage-toulouse.md\"",
					    "\"title\": ", "\"url\": ", "\"date\": \"2019-02-14\"", "\"type\": \"communique\"",
					    "\"department\": \"31\"", "\"score\": ", "\"snippet\": ", "\"facets\": {\"type\": {",
					    "\"year\": {", "\"department\": {", "\"suggestion\": null}" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strstr(out.ptr, keys[i]))
			fail_msg("JSON lacks %s: %s", keys[i], out.ptr);
	buf_reset(&out);
	search_error_json(AS_EINVAL, "page: 'x' is not a whole number", &out);
	assert_string_equal(out.ptr, "{\"error\": {\"code\": \"invalid_parameter\", \"message\": \"page: 'x' is not a whole number\"}}\n");
	/* Suggest: completions of the last word, most frequent first. */
	buf_reset(&out);
	assert_int_equal(search_suggest_json(s, idx, "contrat d'appren", 5, &out), 0);
	assert_non_null(strstr(out.ptr, "\"contrat d'apprentissage\""));
	/* Shown with the accents the documents write them with, typed or not. */
	buf_reset(&out);
	assert_int_equal(search_suggest_json(s, idx, "metie", 5, &out), 0);
	assert_non_null(strstr(out.ptr, "\"métiers\""));
	assert_null(strstr(out.ptr, "\"metiers\""));
	/* ... and their hyphens, apostrophes and ligatures, whole words and accents in
	 * their endings included (the word dictionary's written forms). */
	static const char *const shown[][2] = {
		{ "haute", "\"haute-garonne\"" }, { "Haute-Ga", "\"haute-garonne\"" },
		{ "micro-entr", "\"micro-entreprise\"" }, { "aujourd", "\"aujourd'hui\"" },
		{ "coeu", "\"c\xc5\x93ur\"" }, { "boulangerie-p", "\"boulangerie-p\xc3\xa2tisserie\"" },
	};
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
		buf_reset(&out);
		assert_int_equal(search_suggest_json(s, idx, shown[i][0], 8, &out), 0);
		if (!strstr(out.ptr, shown[i][1]))
			fail_msg("/suggest?q=%s lacks %s: %s", shown[i][0], shown[i][1], out.ptr);
	}
	assert_null(strstr(out.ptr, "boulangeriep"));
	/* After other words, the completions that continue them as a phrase first:
	 * `euros` is commoner than `européennes`, not after `journées`. */
	buf_reset(&out);
	assert_int_equal(search_suggest_json(s, idx, "eur", 8, &out), 0);
	assert_non_null(strstr(out.ptr, "\"européennes\""));
	assert_true(strstr(out.ptr, "\"euros\"") && strstr(out.ptr, "\"euros\"") < strstr(out.ptr, "\"européennes\""));
	buf_reset(&out);
	assert_int_equal(search_suggest_json(s, idx, "journées eur", 8, &out), 0);
	static const char first[] = "{\"query\": \"journées eur\", \"suggestions\": [\"journées européennes\",";
	assert_true(strncmp(out.ptr, first, sizeof(first) - 1) == 0);
	/* A prefix that begins no word is completed as it was surely meant. */
	buf_reset(&out);
	assert_int_equal(search_suggest_json(s, idx, "aprent", 8, &out), 0);
	assert_non_null(strstr(out.ptr, "\"apprentissage\""));
	/* An operator before the word stays as typed. */
	buf_reset(&out);
	assert_int_equal(search_suggest_json(s, idx, "-appren", 8, &out), 0);
	assert_non_null(strstr(out.ptr, "\"-apprentissage\""));
	buf_reset(&out);
	assert_int_equal(search_suggest_json(s, idx, "metiers titre:appren", 8, &out), 0);
	assert_non_null(strstr(out.ptr, "\"metiers titre:apprentissage\""));
	/* A document without its body. */
	buf_reset(&out);
	assert_int_equal(search_document_json(s, idx, "guides/brevet-de-maitrise-btm-formation.pdf", &out), 0);
	assert_non_null(strstr(out.ptr, "\"id\": \"guides/brevet-de-maitrise-btm-formation.pdf\""));
	assert_null(strstr(out.ptr, "body"));
	buf_reset(&out);
	assert_int_equal(search_document_json(s, idx, "nope.md", &out), AS_ENOENT);
	buf_release(&out);
}

/* Well-formed UTF-8 as utf8proc reads it (through buf_utf8_char()). */
static int valid_utf8(const char *s)
{
	size_t len = strlen(s), k;

	for (size_t i = 0; i < len; i += k)
		if (!(k = buf_utf8_char(s + i, len - i)))
			return 0;
	return 1;
}

/* Error messages quote a bad value cut on a character, and JSON strings stay UTF-8 whatever
 * bytes they are given: both reach the daemon's JSON errors. */
static void test_messages_stay_utf8(void **state)
{
	struct search_request req;
	struct buf b = BUF_INIT;
	char v[64];

	(void)state;
	search_request_init(&req);
	/* 39 bytes, then ª (C2 AA) across the 40-byte quote limit. */
	snprintf(v, sizeof(v), "%s\xC2\xAA" "c", "2027-01-01search?q=\"<script>\" artisan-p");
	assert_int_equal(strlen(v), 42);
	assert_int_equal(search_request_set(&req, "from", v), AS_EINVAL);
	assert_true(valid_utf8(as_error_message(AS_EINVAL)));
	assert_non_null(strstr(as_error_message(AS_EINVAL), "artisan-p'"));
	const char *raw = "a\xC2" "b\xFF\xE2\x82\xAC\xED\xA0\x80";
	buf_add_json_str(&b, raw, strlen(raw));
	assert_non_null(b.ptr);
	assert_string_equal(b.ptr, "a\\ufffdb\\ufffd\xE2\x82\xAC\\ufffd\\ufffd\\ufffd");
	buf_release(&b);
}

static void test_strict_parameters(void **state)
{
	static const char *const bad[][2] = {
		{ "page", "0" }, { "page", "x" }, { "page", "-1" }, { "page", "10001" }, { "limit", "0" },
		{ "limit", "101" }, { "limit", "10 " }, { "from", "2024-02-30" }, { "from", "2024-13-01" },
		{ "to", "24-01-01" }, { "sort", "score" }, { "nope", "1" }, { "q", "\xff" },
	};
	struct search_request req;
	const struct search_result *res;
	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		search_request_init(&req);
		assert_int_equal(search_request_set(&req, bad[i][0], bad[i][1]), AS_EINVAL);
		assert_non_null(strstr(as_error_message(AS_EINVAL), bad[i][0]));
	}
	search_request_init(&req);
	assert_int_equal(search_request_set(&req, "from", "2024-02-29"), 0);
	assert_int_equal(req.from, 20240229);
	req.q = "   ";
	assert_int_equal(search_run(s, idx, &req, &res), AS_EINVAL);
	req.q = "apprentissage";
	req.to = 20200101;
	assert_int_equal(search_run(s, idx, &req, &res), AS_EINVAL);
	search_request_init(&req);
	req.q = "apprentissage";
	req.page = 1001;
	req.limit = 10;
	assert_int_equal(search_run(s, idx, &req, &res), AS_EINVAL);
}

/* Every allocation of a search failing in turn (SQLite's faultsim): AS_ENOMEM or an
 * answer, never a crash or a leak (ASan), and the searcher works again afterwards. */
static void test_allocation_failures(void **state)
{
	static const char *const queries[] = { "aprentissage \"chambre de métiers\" -toulouse OR reconnaissa*",
					       "haute-garonne cfa", "apprentissage zzyzzyqq" };
	(void)state;
	for (size_t qi = 0; qi < sizeof(queries) / sizeof(queries[0]); qi++) {
		struct search_request req;
		const struct search_result *res;
		struct searcher *fresh;
		long n_allocs;

		search_request_init(&req);
		req.q = queries[qi];
		req.explain = 1;
		assert_int_equal(searcher_new(&fresh), 0);
		as_mem_fail_reset();
		long before = as_mem_n_allocs();
		assert_int_equal(search_run(fresh, idx, &req, &res), 0);
		n_allocs = as_mem_n_allocs() - before;
		searcher_free(fresh);
		for (long n = 0; n <= n_allocs + 2; n++) {
			int rc;
			assert_int_equal(searcher_new(&fresh), 0);
			as_mem_fail_after(n);
			rc = search_run(fresh, idx, &req, &res);
			as_mem_fail_reset();
			if (rc < 0)
				assert_int_equal(rc, AS_ENOMEM);
			assert_int_equal(search_run(fresh, idx, &req, &res), 0);
			searcher_free(fresh);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_analysis),  cmocka_unit_test(test_boolean_counts),
		cmocka_unit_test(test_hostile_queries), cmocka_unit_test(test_exact_accent_first),
		cmocka_unit_test(test_exact_title_first), cmocka_unit_test(test_partial_title),
		cmocka_unit_test(test_scores_and_explain),
		cmocka_unit_test(test_prefix),         cmocka_unit_test(test_typo),
		cmocka_unit_test(test_dict_keys),      cmocka_unit_test(test_dict_keys_threads),
		cmocka_unit_test(test_dict_seek),
		cmocka_unit_test(test_typo_walk_exhaustive),
		cmocka_unit_test(test_synonyms),       cmocka_unit_test(test_relaxed),
		cmocka_unit_test(test_filters_and_facets), cmocka_unit_test(test_pagination),
		cmocka_unit_test(test_snippets), cmocka_unit_test(test_snippet_span_rare_word),       cmocka_unit_test(test_snippet_deep),
		cmocka_unit_test(test_accent_in_ending),
		cmocka_unit_test(test_snippet_window),
		cmocka_unit_test(test_phone_numbers),
		cmocka_unit_test(test_other_word_accents),
		cmocka_unit_test(test_typo_in_other_number),
		cmocka_unit_test(test_camel_case_names),
		cmocka_unit_test(test_accentless_forms), cmocka_unit_test(test_euro_amounts), cmocka_unit_test(test_letters_digits), cmocka_unit_test(test_ordinal_words), cmocka_unit_test(test_glued_words), cmocka_unit_test(test_stem_word), cmocka_unit_test(test_type_and_department_words), cmocka_unit_test(test_recency), cmocka_unit_test(test_tag_proximity), cmocka_unit_test(test_joined_words_and_compound_synonyms),
		cmocka_unit_test(test_phrase_weight_and_marks),
		cmocka_unit_test(test_typo_of_a_rare_stem),
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_strict_parameters), cmocka_unit_test(test_allocation_failures),
		cmocka_unit_test(test_messages_stay_utf8),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
