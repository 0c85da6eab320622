/*
 * See json_check.h. A recursive-descent reader of the RFC 8259 grammar, depth-bounded.
 */
#include "tests/fuzz/json_check.h"

#include "common/util/buf.h"
#include "tests/fuzz/fuzz.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 64

struct jc {
	const unsigned char *p, *end;
	char *why;
	size_t why_len;
	int failed;
};

static int fail(struct jc *j, const char *fmt, ...)
{
	va_list ap;

	if (!j->failed && j->why_len) {
		va_start(ap, fmt);
		vsnprintf(j->why, j->why_len, fmt, ap);
		va_end(ap);
	}
	j->failed = 1;
	return -1;
}

static void ws(struct jc *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
		j->p++;
}

static int hex(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* One UTF-8 character at j->p (first byte >= 0x80); 0 or -1. */
static int utf8_char(struct jc *j)
{
	unsigned c = *j->p, n, cp, min;

	if (c >= 0xC2 && c <= 0xDF)
		n = 1, cp = c & 0x1F, min = 0x80;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 2, cp = c & 0x0F, min = 0x800;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 3, cp = c & 0x07, min = 0x10000;
	else
		return fail(j, "invalid UTF-8 byte 0x%02X", c);
	if ((size_t)(j->end - j->p) <= n)
		return fail(j, "truncated UTF-8 character");
	for (unsigned i = 1; i <= n; i++) {
		if ((j->p[i] & 0xC0) != 0x80)
			return fail(j, "invalid UTF-8 continuation byte");
		cp = cp << 6 | (j->p[i] & 0x3F);
	}
	if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return fail(j, "invalid UTF-8 sequence (overlong or surrogate)");
	j->p += n + 1;
	return 0;
}

/* A string; its raw (still escaped) bytes in [*s, *e). */
static int string(struct jc *j, const unsigned char **s, const unsigned char **e)
{
	if (j->p >= j->end || *j->p != '"')
		return fail(j, "string expected");
	j->p++;
	*s = j->p;
	while (j->p < j->end && *j->p != '"') {
		unsigned c = *j->p;
		if (c < 0x20)
			return fail(j, "unescaped control character 0x%02X in a string", c);
		if (c == '\\') {
			j->p++;
			if (j->p >= j->end)
				return fail(j, "string ends in a backslash");
			c = *j->p;
			if (c == 'u') {
				if (j->end - j->p < 5 || hex(j->p[1]) < 0 || hex(j->p[2]) < 0 || hex(j->p[3]) < 0 ||
				    hex(j->p[4]) < 0)
					return fail(j, "bad \\u escape");
				j->p += 5;
			} else if (strchr("\"\\/bfnrt", (int)c) && c) {
				j->p++;
			} else {
				return fail(j, "bad escape \\%c", c);
			}
		} else if (c >= 0x80) {
			if (utf8_char(j) < 0)
				return -1;
		} else {
			j->p++;
		}
	}
	if (j->p >= j->end)
		return fail(j, "unterminated string");
	*e = j->p;
	j->p++;
	return 0;
}

/* A snippet: the only markup is <mark> and </mark>, and & starts an entity. */
static int snippet_ok(struct jc *j, const unsigned char *s, const unsigned char *e)
{
	const unsigned char *p;

	for (p = s; p < e; p++) {
		if (*p == '<') {
			if ((size_t)(e - p) >= 6 && !memcmp(p, "<mark>", 6))
				p += 5;
			else if ((size_t)(e - p) >= 7 && !memcmp(p, "</mark>", 7))
				p += 6;
			else
				return fail(j, "snippet holds markup other than <mark>: \"%.*s\"", (int)(e - s > 120 ? 120 : e - s), s);
		} else if (*p == '>') {
			return fail(j, "snippet holds an unescaped '>': \"%.*s\"", (int)(e - s > 120 ? 120 : e - s), s);
		} else if (*p == '&') {
			const unsigned char *q = p + 1;
			while (q < e && q - p < 10 && ((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '#'))
				q++;
			if (q >= e || *q != ';' || q == p + 1)
				return fail(j, "snippet holds a bare '&': \"%.*s\"", (int)(e - s > 120 ? 120 : e - s), s);
		}
	}
	return 0;
}

static int value(struct jc *j, int depth);

static int number(struct jc *j)
{
	const unsigned char *start = j->p;

	if (j->p < j->end && *j->p == '-')
		j->p++;
	if (j->p >= j->end)
		return fail(j, "number expected");
	if (*j->p == '0') {
		j->p++;
	} else if (*j->p >= '1' && *j->p <= '9') {
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	} else {
		return fail(j, "bad number at \"%.10s\"", start);
	}
	if (j->p < j->end && *j->p == '.') {
		j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return fail(j, "bad fraction");
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
		j->p++;
		if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
			j->p++;
		if (j->p >= j->end || *j->p < '0' || *j->p > '9')
			return fail(j, "bad exponent");
		while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
			j->p++;
	}
	return 0;
}

static int literal(struct jc *j, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, word, n))
		return fail(j, "unexpected byte '%c'", j->p < j->end ? *j->p : '?');
	j->p += n;
	return 0;
}

static int object(struct jc *j, int depth)
{
	const unsigned char *ks = NULL, *ke = NULL, *vs, *ve;

	j->p++;
	ws(j);
	if (j->p < j->end && *j->p == '}') {
		j->p++;
		return 0;
	}
	for (;;) {
		ws(j);
		if (string(j, &ks, &ke) < 0)
			return -1;
		ws(j);
		if (j->p >= j->end || *j->p != ':')
			return fail(j, "':' expected");
		j->p++;
		ws(j);
		if (ke - ks == 7 && !memcmp(ks, "snippet", 7) && j->p < j->end && *j->p == '"') {
			if (string(j, &vs, &ve) < 0 || snippet_ok(j, vs, ve) < 0)
				return -1;
		} else if (value(j, depth + 1) < 0) {
			return -1;
		}
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == '}') {
			j->p++;
			return 0;
		}
		return fail(j, "',' or '}' expected");
	}
}

static int array(struct jc *j, int depth)
{
	j->p++;
	ws(j);
	if (j->p < j->end && *j->p == ']') {
		j->p++;
		return 0;
	}
	for (;;) {
		ws(j);
		if (value(j, depth + 1) < 0)
			return -1;
		ws(j);
		if (j->p < j->end && *j->p == ',') {
			j->p++;
			continue;
		}
		if (j->p < j->end && *j->p == ']') {
			j->p++;
			return 0;
		}
		return fail(j, "',' or ']' expected");
	}
}

static int value(struct jc *j, int depth)
{
	const unsigned char *s, *e;

	if (depth > MAX_DEPTH)
		return fail(j, "nested deeper than %d", MAX_DEPTH);
	ws(j);
	if (j->p >= j->end)
		return fail(j, "value expected, got the end");
	switch (*j->p) {
	case '{': return object(j, depth);
	case '[': return array(j, depth);
	case '"': return string(j, &s, &e);
	case 't': return literal(j, "true");
	case 'f': return literal(j, "false");
	case 'n': return literal(j, "null");
	default: return number(j);
	}
}

int json_check(const char *s, size_t len, char *why, size_t why_len)
{
	struct jc j = { (const unsigned char *)s, (const unsigned char *)s + len, why, why_len, 0 };

	if (why_len)
		why[0] = 0;
	if (!s)
		return fail(&j, "no output");
	if (value(&j, 0) < 0)
		return -1;
	ws(&j);
	if (j.p != j.end)
		return fail(&j, "bytes after the value at offset %td", (const char *)j.p - s);
	return 0;
}

void json_assert_valid(const struct buf *out, const char *what)
{
	char why[256];

	FUZZ_ASSERT(!out->err);
	if (json_check(out->ptr, out->len, why, sizeof(why)) < 0) {
		fprintf(stderr, "%s: invalid JSON: %s\n%.*s\n", what, why, (int)(out->len > 2000 ? 2000 : out->len),
			out->ptr ? out->ptr : "");
		FUZZ_ASSERT(!"valid JSON");
	}
}
