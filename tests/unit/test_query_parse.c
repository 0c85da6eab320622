/* The query parser (common/query/parse.h): the syntax of DESIGN.md, and leniency. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "common/query/limits.h"
#include "common/query/parse.h"
#include "common/util/arena.h"
#include "common/util/buf.h"
#include "common/util/mem.h"

static struct arena *arena;

static int setup(void **state)
{
	(void)state;
	arena = arena_new(0);
	return arena ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	arena_free(arena);
	return 0;
}

/* The parse of q rendered by query_dump. */
static char *parsed(const char *q)
{
	static char out[4096];
	struct qnode *n;
	struct buf b = BUF_INIT;

	arena_reset(arena);
	assert_int_equal(query_parse(q, strlen(q), arena, &n), 0);
	query_dump(n, &b);
	snprintf(out, sizeof(out), "%s", b.ptr ? b.ptr : "");
	buf_release(&b);
	return out;
}

static const struct { const char *q, *want; } cases[] = {
	/* The syntax of DESIGN.md. */
	{ "apprentissage", "apprentissage" },
	{ "salon apprentissage toulouse", "(AND salon apprentissage toulouse)" },
	{ "cfa OR apprentissage", "(OR cfa apprentissage)" },
	{ "artisan -boulanger", "(AND artisan (NOT boulanger))" },
	{ "\"chambre de métiers\" toulouse", "(AND \"chambre de métiers\" toulouse)" },
	{ "reconnaissa*", "reconnaissa*" },
	{ "title:apprentissage", "title:apprentissage" },
	{ "titre:apprentissage cfa", "(AND title:apprentissage cfa)" },
	{ "title:\"guide complet\"", "title:\"guide complet\"" },
	{ "title:(cfa apprentissage)", "(AND title:cfa title:apprentissage)" },
	{ "(cfa OR apprentissage) toulouse", "(AND (OR cfa apprentissage) toulouse)" },
	{ "a b OR c d", "(OR (AND a b) (AND c d))" },
	{ "-(a b) c", "(AND (NOT (AND a b)) c)" },
	{ "NOT boulanger artisan", "(AND (NOT boulanger) artisan)" },
	{ "a AND b", "(AND a b)" },
	{ "+a +b", "(AND a b)" },
	/* A word repeated in a plain list is there once; with operators, as written. */
	{ "vente vente", "vente" },
	{ "vente fonds vente commerce vente", "(AND vente fonds commerce)" },
	{ "Vente vente", "(AND Vente vente)" },
	{ "a -a", "(AND a (NOT a))" },
	{ "a OR a", "(OR a a)" },
	/* Words keep what the analyzer needs: hyphens, elisions, dots, digit groups. */
	{ "micro-entreprise", "micro-entreprise" },
	{ "l'apprentissage", "l'apprentissage" },
	{ "C.M.A. Toulouse", "(AND C.M.A. Toulouse)" },
	{ "73 700 entreprises", "(AND 73 700 entreprises)" },
	{ "12 345 678", "12 345 678" },
	{ "2024 700", "(AND 2024 700)" },
	{ "6 000€ aide", "(AND 6 000 € aide)" }, /* a sign may follow a group, */
	{ "7 000e", "(AND 7 000e)" },           /* not a letter */
	{ "04 66 62 80 80", "04 66 62 80 80" }, /* a telephone number: one word */
	{ "04 66 62 80", "(AND 04 66 62 80)" },
	{ "+33 4 66 62 80 80", "04 66 62 80 80" }, /* its international form: the same number */
	{ "+33 4 66 62 80", "(AND 33 4 66 62 80)" },
	{ "14 66 62 80 80", "(AND 14 66 62 80 80)" },
	/* Typographic quotes. */
	{ "“chambre de métiers”", "\"chambre de métiers\"" },
	{ "«apprentissage»", "\"apprentissage\"" },
	/* Leniency: never an error. */
	{ "\"chambre de métiers", "\"chambre de métiers\"" },
	{ "(cfa apprentissage", "(AND cfa apprentissage)" },
	{ "cfa) apprentissage)", "(AND cfa apprentissage)" },
	{ "-", "()" },
	{ "*", "()" },
	{ "OR", "()" },
	{ "OR cfa", "cfa" },
	{ "cfa OR", "cfa" },
	{ "cfa OR OR apprentissage", "(OR cfa apprentissage)" },
	{ "- cfa", "cfa" },
	{ "cfa -", "cfa" },
	{ "-cfa", "(NOT cfa)" },
	{ "cfa OR -apprentissage", "cfa" },
	{ "\"\"", "()" },
	{ "()", "()" },
	{ "title:", "()" },
	{ "or and not", "(AND or and not)" },
	{ "", "()" },
	{ "   ", "()" },
};

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *got = parsed(cases[i].q);
		if (strcmp(got, cases[i].want) != 0)
			fail_msg("parse of [%s]: got %s, want %s", cases[i].q, got, cases[i].want);
	}
}

/* Nesting past QUERY_MAX_DEPTH is read as if absent: 10 000 parentheses parse in linear time. */
static void test_deep_parentheses(void **state)
{
	size_t n = 10000;
	char *q = malloc(2 * n + 8);
	struct qnode *root;

	(void)state;
	memset(q, '(', n);
	memcpy(q + n, "cfa", 3);
	memset(q + n + 3, ')', n);
	q[2 * n + 3] = 0;
	arena_reset(arena);
	/* Only the first QUERY_MAX_BYTES bytes are read: all parentheses, no word (the word
	 * after them left out: 1). */
	assert_int_equal(query_parse(q, strlen(q), arena, &root), 1);
	assert_null(root);
	/* Within the byte bound: the word survives whatever the nesting. */
	size_t m = (QUERY_MAX_BYTES - 3) / 2;
	memset(q, '(', m);
	memcpy(q + m, "cfa", 3);
	memset(q + m + 3, ')', m);
	q[2 * m + 3] = 0;
	assert_string_equal(parsed(q), "cfa");
	/* Unbalanced the other way. */
	memset(q, ')', m);
	memcpy(q + m, "cfa", 3);
	memset(q + m + 3, '(', m);
	q[2 * m + 3] = 0;
	assert_string_equal(parsed(q), "cfa");
	free(q);
}

/* 5 000 characters: the first QUERY_MAX_WORDS words are kept, never more. */
static void test_long_query(void **state)
{
	char q[6000];
	size_t n = 0;
	struct qnode *root;

	(void)state;
	while (n + 8 < 5000)
		n += (size_t)snprintf(q + n, sizeof(q) - n, "mot%zu ", n);
	arena_reset(arena);
	/* 1: words past the bounds were left out, which the caller says (relaxed). */
	assert_int_equal(query_parse(q, n, arena, &root), 1);
	assert_non_null(root);
	assert_int_equal(root->kind, QN_AND);
	assert_true(root->n_kids <= QUERY_MAX_WORDS);
	/* As many words as the bound, then spaces and punctuation: nothing left out. */
	n = 0;
	for (int w = 0; w < QUERY_MAX_WORDS; w++)
		n += (size_t)snprintf(q + n, sizeof(q) - n, "mot%d ", w);
	n += (size_t)snprintf(q + n, sizeof(q) - n, " ) -- ** ");
	assert_int_equal(query_parse(q, n, arena, &root), 0);
	assert_int_equal(root->n_kids, QUERY_MAX_WORDS);
	n += (size_t)snprintf(q + n, sizeof(q) - n, "encore");
	assert_int_equal(query_parse(q, n, arena, &root), 1);
	/* Repeats of a word are no words past the bound. */
	n = 0;
	for (int w = 0; w < 2 * QUERY_MAX_WORDS; w++)
		n += (size_t)snprintf(q + n, sizeof(q) - n, "%s ", w % 2 ? "artisanale" : "pêche");
	assert_int_equal(query_parse(q, n, arena, &root), 0);
	assert_int_equal(root->n_kids, 2);
	/* Nor, with operators, words kept already: `a OR a OR ...` past the bound. */
	n = 0;
	for (int w = 0; w < QUERY_MAX_WORDS + 4; w++)
		n += (size_t)snprintf(q + n, sizeof(q) - n, "%sapprentissage", w ? " OR " : "");
	assert_int_equal(query_parse(q, n, arena, &root), 0);
	n += (size_t)snprintf(q + n, sizeof(q) - n, " OR salon");
	assert_int_equal(query_parse(q, n, arena, &root), 1);
	/* The byte bound cuts between words, never inside one (`salo` of `salon`), and
	 * loses nothing when what it leaves out repeats words kept: a pasted text. */
	n = 0;
	while (n + 6 < 5000)
		n += (size_t)snprintf(q + n, sizeof(q) - n, "salon ");
	assert_int_equal(query_parse(q, n, arena, &root), 0);
	assert_string_equal(parsed(q), "salon");
	n = 0;
	while (n + 9 < QUERY_MAX_BYTES + 60)
		n += (size_t)snprintf(q + n, sizeof(q) - n, "verriers ");
	n += (size_t)snprintf(q + n, sizeof(q) - n, "toulouse");
	assert_int_equal(query_parse(q, n, arena, &root), 1);
	struct buf dump = BUF_INIT;
	query_dump(root, &dump);
	assert_string_equal(dump.ptr, "verriers");
	buf_release(&dump);
	/* A byte cut inside a UTF-8 character is moved back to its start. */
	memset(q, 0, sizeof(q));
	for (n = 0; n + 2 < 5000; n += 2)
		memcpy(q + n, "é", 2);
	assert_int_equal(query_parse(q, n, arena, &root), 1);
	assert_non_null(root);
	assert_int_equal(root->kind, QN_WORD);
	assert_true(root->len <= QUERY_MAX_BYTES && root->len % 2 == 0);
}

/* Random bytes from a fixed seed: no crash, bounded output (ASan checks the rest). */
static void test_random_bytes(void **state)
{
	static const char alphabet[] = "ab -*\"()ORNT:tile\xc3\xa9\xe2\x80\x9c\xe2\x80\x9d\xc2\xab\xc2\xbb\xff";
	char q[300];
	struct qnode *root;
	unsigned seed = 12345;

	(void)state;
	for (int iter = 0; iter < 20000; iter++) {
		size_t len = (seed = seed * 1103515245 + 12345) >> 16 & 255;
		for (size_t i = 0; i < len; i++) {
			seed = seed * 1103515245 + 12345;
			q[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
		}
		arena_reset(arena);
		int rc = query_parse(q, len, arena, &root);
		assert_true(rc == 0 || rc == 1);
	}
}

/* Every allocation failing in turn: AS_ENOMEM, never a crash. */
static void test_allocation_failures(void **state)
{
	const char *q = "(a OR b) \"c d\" -e title:f g*";
	struct qnode *root;
	struct arena *small;

	(void)state;
	for (long n = 0; n < 10; n++) {
		as_mem_fail_after(n);
		small = arena_new(64);
		if (small) {
			int rc = query_parse(q, strlen(q), small, &root);
			assert_true(rc == 0 || rc < 0);
		}
		as_mem_fail_reset();
		arena_free(small);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_deep_parentheses),
		cmocka_unit_test(test_long_query),
		cmocka_unit_test(test_random_bytes),
		cmocka_unit_test(test_allocation_failures),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
