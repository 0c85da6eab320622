/*
 * Allocation failure at every allocation (SQLite's faultsim, through the fault
 * injection of common/util/mem.h): of indexing a small corpus through the writer API,
 * first commit and incremental commit, and of answering queries. Each failure must be
 * a clean AS_ENOMEM (no crash; no leak, which LeakSanitizer checks under
 * `make SANITIZE=address,undefined test`), must leave the published index whole, and
 * must leave the searcher usable for the next query.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/index/check.h"
#include "common/index/index.h"
#include "common/query/search.h"
#include "common/util/buf.h"
#include "common/util/error.h"
#include "common/util/mem.h"
#include "tests/unit/sample_index.h"

#define SMALL 12 /* documents of the corpus indexed under fault injection */

static char root[PATH_MAX];

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* rm -rf without a shell: this runs once per injected failure. */
static void rm_rf(const char *path)
{
	assert_int_equal(nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS), 0);
}

static int setup(void **state)
{
	/* tmpfs when there is one: hundreds of indexes are written and fsynced. */
	const char *t = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");

	(void)state;
	snprintf(root, sizeof(root), "%s/faults-XXXXXX", t && *t ? t : "/tmp");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	as_mem_fail_reset();
	rm_rf(root);
	return 0;
}

/* The live documents of the index in dir, or -1 when it cannot be opened. */
static long n_live(const char *dir)
{
	struct index *idx;
	struct index_stats st;

	if (index_open(dir, &idx) < 0)
		return -1;
	index_get_stats(idx, &st);
	index_close(idx);
	return (long)st.n_docs;
}

static void assert_checks(const char *dir)
{
	struct buf report = BUF_INIT;
	int rc = index_check(dir, NULL, &report);

	if (rc != 0)
		fail_msg("index_check: %s\n%s", as_error_message(rc), report.ptr ? report.ptr : "");
	buf_release(&report);
}

/* Fails allocation k of `commit` for every k; returns how many failures were injected. */
static long fault_each(const char *dir, int second, long expect_docs_before)
{
	long n, k, failures = 0;
	int rc;

	/* Measure the run once. */
	as_mem_fail_reset();
	rc = sample_index_commit(dir, SMALL, second);
	n = as_mem_n_allocs();
	assert_int_equal(rc, 0);
	assert_true(n > 10);
	for (k = 0; k < n; k++) {
		char sub[PATH_MAX + 32];
		snprintf(sub, sizeof(sub), "%s/k%ld", root, k);
		/* The state before the run: nothing, or the first commit. */
		if (second)
			assert_int_equal(sample_index_commit(sub, SMALL, 0), 0);
		as_mem_fail_reset();
		as_mem_fail_after(k);
		rc = sample_index_commit(sub, SMALL, second);
		as_mem_fail_reset();
		if (rc != 0 && rc != AS_ENOMEM)
			fail_msg("allocation %ld of %ld: %d (%s), expected AS_ENOMEM", k, n, rc, as_error_message(rc));
		if (rc == AS_ENOMEM) {
			failures++;
			/* The published index is the one before the run, whole. */
			assert_int_equal(n_live(sub), expect_docs_before);
			if (expect_docs_before >= 0)
				assert_checks(sub);
		} else {
			assert_checks(sub);
		}
		/* The next run completes (the lock was released, leftovers are cleaned). */
		assert_int_equal(sample_index_commit(sub, SMALL, second), 0);
		assert_checks(sub);
		assert_int_equal(n_live(sub), second ? SMALL + 1 : SMALL);
		rm_rf(sub);
	}
	print_message("fault injection: %ld allocations of a %s commit, %ld failed cleanly\n", n,
		      second ? "incremental" : "first", failures);
	return failures;
}

static void faults_index_first_commit(void **state)
{
	char dir[PATH_MAX + 16];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/measure1", root);
	assert_true(fault_each(dir, 0, -1) > 0);
}

static void faults_index_incremental_commit(void **state)
{
	char dir[PATH_MAX + 16];

	(void)state;
	snprintf(dir, sizeof(dir), "%s/measure2", root);
	assert_int_equal(sample_index_commit(dir, SMALL, 0), 0);
	/* The second commit deletes 2 of SMALL, updates 1 and adds 3. */
	assert_true(fault_each(dir, 1, SMALL) > 0);
}

static const char *const queries[] = {
	"apprentissage",
	"\"contrat d'apprentissage\" -chat",
	"numéri* OR (reprise transmission) title:CMA",
	"boulangeri patisier electricien", /* typos */
	"a* b* c* d* e* f* g*",
	"zzzzzz qqqqq",                    /* nothing: relaxed */
};

static void faults_query(void **state)
{
	char dir[PATH_MAX + 16];
	struct index *idx;
	struct searcher *s;
	long total = 0, failures = 0;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/query", root);
	assert_int_equal(sample_index_build(dir, 40), 0);
	assert_int_equal(index_open(dir, &idx), 0);

	/* searcher_new itself. */
	for (long k = 0;; k++) {
		as_mem_fail_reset();
		as_mem_fail_after(k);
		int rc = searcher_new(&s);
		as_mem_fail_reset();
		if (rc == 0)
			break;
		assert_int_equal(rc, AS_ENOMEM);
		assert_null(s);
	}

	for (size_t q = 0; q < sizeof(queries) / sizeof(queries[0]); q++) {
		for (int route = 0; route < 3; route++) {
			struct search_request req;
			const struct search_result *res;
			struct buf out = BUF_INIT, ref = BUF_INIT;
			long n, k;
			int rc;

			search_request_init(&req);
			assert_int_equal(search_request_set(&req, "q", queries[q]), 0);
			if (route == 1)
				assert_int_equal(search_request_set(&req, "sort", "date"), 0);
			/* Measure once, keeping the answer to compare with. */
			as_mem_fail_reset();
			if (route == 2) {
				assert_int_equal(search_suggest_json(s, idx, queries[q], 10, &ref), 0);
			} else {
				assert_int_equal(search_run(s, idx, &req, &res), 0);
				search_result_json(res, &ref);
			}
			n = as_mem_n_allocs();
			for (k = 0; k < n; k++) {
				as_mem_fail_reset();
				as_mem_fail_after(k);
				if (route == 2) {
					rc = search_suggest_json(s, idx, queries[q], 10, &out);
				} else {
					rc = search_run(s, idx, &req, &res);
					if (rc == 0)
						search_result_json(res, &out);
				}
				as_mem_fail_reset();
				if (rc != 0 && rc != AS_ENOMEM)
					fail_msg("query '%s' allocation %ld of %ld: %d (%s)", queries[q], k, n, rc,
						 as_error_message(rc));
				if (rc == AS_ENOMEM || out.err)
					failures++;
				buf_release(&out);
				/* The searcher answers the next query exactly as before. */
				if (route == 2) {
					assert_int_equal(search_suggest_json(s, idx, queries[q], 10, &out), 0);
				} else {
					assert_int_equal(search_run(s, idx, &req, &res), 0);
					search_result_json(res, &out);
				}
				/* took_ms differs; compare from the hits on. */
				const char *a = strstr(out.ptr, "\"relaxed\""), *b = strstr(ref.ptr, "\"relaxed\"");
				if (a && b && strcmp(a, b) != 0) {
					size_t d = 0;
					while (a[d] && a[d] == b[d])
						d++;
					fprintf(stderr, "got      ...%.300s\nexpected ...%.300s\n", a + (d > 100 ? d - 100 : 0),
						b + (d > 100 ? d - 100 : 0));
					fail_msg("query '%s' route %d: after failing allocation %ld of %ld, the next answer "
						 "differs at byte %zu (lengths %zu, %zu)", queries[q], route, k, n, d,
						 strlen(a), strlen(b));
				} else if (!a || !b)
					assert_int_equal(out.len > 0, ref.len > 0);
				buf_release(&out);
			}
			total += n;
			buf_release(&ref);
		}
	}
	print_message("fault injection: %ld allocations of answering queries, %ld failed cleanly\n", total,
		      failures);
	assert_true(failures > 0);
	searcher_free(s);
	index_close(idx);
}

/* The words of a segment, loaded in memory on the first typo walk: each allocation fails cleanly. */
static void faults_dict_keys(void **state)
{
	char dir[PATH_MAX + 16];
	const struct dict_keys *dk;
	struct index *idx;
	long k;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/keys", root);
	assert_int_equal(sample_index_build(dir, 40), 0);
	for (k = 0;; k++) {
		int rc;
		/* A fresh index each time: the keys stay cached once built. */
		assert_int_equal(index_open(dir, &idx), 0);
		as_mem_fail_reset();
		as_mem_fail_after(k);
		rc = segment_dict_keys(index_segment(idx, 0), DICT_WORDS, &dk);
		as_mem_fail_reset();
		if (rc == 0) {
			assert_true(dk->n > 0);
			index_close(idx);
			break;
		}
		assert_int_equal(rc, AS_ENOMEM);
		assert_null(dk);
		/* Nothing half-built was kept: the next call builds it whole. */
		assert_int_equal(segment_dict_keys(index_segment(idx, 0), DICT_WORDS, &dk), 0);
		assert_true(dk->n > 0);
		index_close(idx);
	}
	assert_true(k > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(faults_index_first_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(faults_index_incremental_commit, setup, teardown),
		cmocka_unit_test_setup_teardown(faults_query, setup, teardown),
		cmocka_unit_test_setup_teardown(faults_dict_keys, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
