/*
 * The daemon's request-target parser (searchd/request.c): percent-decoding, UTF-8
 * validation, parameter splitting and limits. The daemon's objects are not in a library,
 * so the module is compiled into this test directly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "common/util/error.h"
#include "searchd/request.c"

static char storage[REQUEST_STORAGE(REQUEST_MAX_TARGET)];

static int parse(const char *raw, struct request_target *t)
{
	return request_target_parse(raw, strlen(raw), storage, sizeof(storage), t);
}

static void test_path_and_params(void **state)
{
	struct request_target t;

	(void)state;
	assert_int_equal(parse("/search?q=caf%C3%A9+cr%C3%A8me&page=2", &t), 0);
	assert_string_equal(t.path, "/search");
	assert_int_equal(t.n_params, 2);
	assert_string_equal(t.params[0].name, "q");
	assert_string_equal(t.params[0].value, "café crème");
	assert_int_equal(t.params[0].value_len, strlen("café crème"));
	assert_string_equal(request_param_find(&t, "page")->value, "2");
	assert_null(request_param_find(&t, "limit"));

	assert_int_equal(parse("/documents/communiques/a%20b+c.md", &t), 0);
	assert_string_equal(t.path, "/documents/communiques/a b+c.md"); /* '+' is literal in a path */
	assert_int_equal(t.n_params, 0);

	assert_int_equal(parse("/search?q=a&&b=&c#frag", &t), 0);
	assert_int_equal(t.n_params, 3);
	assert_string_equal(t.params[1].name, "b");
	assert_string_equal(t.params[1].value, "");
	assert_string_equal(t.params[2].name, "c");
	assert_string_equal(t.params[2].value, "");

	assert_int_equal(parse("/x?q=%3D%26%3F", &t), 0);
	assert_string_equal(t.params[0].value, "=&?");
}

static void test_rejects(void **state)
{
	static const char *const bad[] = {
		"",                  /* no path */
		"search",            /* not starting with / */
		"/search?q=%FF",     /* not UTF-8 */
		"/search?q=%C3%28",  /* bad continuation */
		"/search?q=%C0%AF",  /* overlong '/' */
		"/search?q=%E0%80%AF", /* overlong, three bytes */
		"/search?q=%ED%A0%80", /* a surrogate */
		"/search?q=%F4%90%80%80", /* past U+10FFFF */
		"/search?q=%C3",     /* truncated sequence */
		"/search?q=a%00b",   /* NUL */
		"/search?q=%zz",     /* bad escape */
		"/search?q=%4",      /* short escape */
		"/search?q=%",       /* lone % */
		"/se%FFarch",        /* path not UTF-8 */
		"/a%00b",            /* NUL in the path */
		"/search?=x",        /* no name */
		"/search?q=a&q=b",   /* twice */
		"/search?aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa=1", /* name too long */
	};
	struct request_target t;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i], &t);

		if (rc >= 0)
			fail_msg("accepted: %s", bad[i]);
		assert_true(rc == AS_EINVAL || rc == AS_ELIMIT);
	}
}

static void test_error_messages_name_the_parameter(void **state)
{
	struct request_target t;

	(void)state;
	assert_int_equal(parse("/search?page=1&q=%FF", &t), AS_EINVAL);
	assert_non_null(strstr(as_error_message(AS_EINVAL), "q: not valid UTF-8"));
	assert_int_equal(parse("/search?q=a&page=1&page=2", &t), AS_EINVAL);
	assert_non_null(strstr(as_error_message(AS_EINVAL), "page"));
	/* A name that cannot be shown is shown with '?' for what is not printable ASCII. */
	assert_int_equal(parse("/search?%01%22x=1&q=a&%01%22x=2", &t), AS_EINVAL);
	assert_null(strchr(as_error_message(AS_EINVAL), '\x01'));
}

static void test_limits(void **state)
{
	static char raw[REQUEST_MAX_TARGET + 64];
	struct request_target t;
	size_t n;

	(void)state;
	/* REQUEST_MAX_PARAMS parameters pass, one more does not. */
	n = (size_t)snprintf(raw, sizeof(raw), "/search?");
	for (int i = 0; i < REQUEST_MAX_PARAMS; i++)
		n += (size_t)snprintf(raw + n, sizeof(raw) - n, "p%d=%d&", i, i);
	assert_int_equal(parse(raw, &t), 0);
	assert_int_equal(t.n_params, REQUEST_MAX_PARAMS);
	snprintf(raw + n, sizeof(raw) - n, "one=more");
	assert_int_equal(parse(raw, &t), AS_ELIMIT);

	/* The longest target fits the storage exactly; one byte more is refused. */
	memset(raw, 'a', sizeof(raw));
	memcpy(raw, "/search?q=", 10);
	raw[REQUEST_MAX_TARGET] = '\0';
	assert_int_equal(parse(raw, &t), 0);
	assert_int_equal(t.params[0].value_len, REQUEST_MAX_TARGET - 10);
	raw[REQUEST_MAX_TARGET] = 'a';
	raw[REQUEST_MAX_TARGET + 1] = '\0';
	assert_int_equal(parse(raw, &t), AS_ELIMIT);

	/* Storage too small for the target is refused, never overrun. */
	assert_int_equal(request_target_parse("/x?a=b", 6, storage, 4, &t), AS_EINVAL);
}

static void test_utf8(void **state)
{
	(void)state;
	assert_true(request_utf8_valid("", 0));
	assert_true(request_utf8_valid("abc", 3));
	assert_true(request_utf8_valid("\xC3\xA9", 2));             /* é */
	assert_true(request_utf8_valid("\xE2\x80\xAF", 3));         /* narrow no-break space */
	assert_true(request_utf8_valid("\xF0\x9F\x98\x80", 4));     /* an emoji */
	assert_true(request_utf8_valid("\xF4\x8F\xBF\xBF", 4));     /* U+10FFFF */
	assert_false(request_utf8_valid("\x80", 1));
	assert_false(request_utf8_valid("\xC1\xBF", 2));
	assert_false(request_utf8_valid("\xE0\x9F\xBF", 3));
	assert_false(request_utf8_valid("\xED\xBF\xBF", 3));
	assert_false(request_utf8_valid("\xF0\x8F\xBF\xBF", 4));
	assert_false(request_utf8_valid("\xF5\x80\x80\x80", 4));
	assert_false(request_utf8_valid("\xE2\x80", 2));
	assert_false(request_utf8_valid("\xFF", 1));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_path_and_params),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_error_messages_name_the_parameter),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_utf8),
	};
	return cmocka_run_group_tests_name("request", tests, NULL, NULL);
}
