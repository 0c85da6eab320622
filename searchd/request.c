#include "searchd/request.h"

#include <string.h>

#include "common/util/error.h"

int request_utf8_valid(const char *str, size_t len)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	/* The table of well-formed byte sequences of RFC 3629 section 4 (also Unicode's
	 * table 3-7): the second byte's range depends on the first, which is how overlong
	 * forms and surrogates are excluded. */
	while (i < len) {
		unsigned c = s[i];
		unsigned lo = 0x80, hi = 0xBF;
		size_t n;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			n = 1;
		else if (c >= 0xE0 && c <= 0xEF) {
			n = 2;
			if (c == 0xE0)
				lo = 0xA0;
			else if (c == 0xED)
				hi = 0x9F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			n = 3;
			if (c == 0xF0)
				lo = 0x90;
			else if (c == 0xF4)
				hi = 0x8F;
		} else
			return 0;
		if (len - i - 1 < n)
			return 0;
		if (s[i + 1] < lo || s[i + 1] > hi)
			return 0;
		for (size_t k = 2; k <= n; k++)
			if (s[i + k] < 0x80 || s[i + k] > 0xBF)
				return 0;
		i += n + 1;
	}
	return 1;
}

static int hex_value(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Percent-decodes src[0..len) into dst (NUL-terminated); `plus` turns '+' into a space.
 * Returns the decoded length, or -1 for a bad escape, -2 for a NUL byte.
 */
static long decode(const char *src, size_t len, int plus, char *dst)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)src[i];

		if (c == '%') {
			int h, l;

			if (len - i < 3 || (h = hex_value((unsigned char)src[i + 1])) < 0 ||
			    (l = hex_value((unsigned char)src[i + 2])) < 0)
				return -1;
			c = (unsigned char)(h << 4 | l);
			i += 2;
		} else if (c == '+' && plus)
			c = ' ';
		if (c == '\0')
			return -2;
		dst[o++] = (char)c;
	}
	dst[o] = '\0';
	return (long)o;
}

/* A printable rendering of a parameter name for error messages (which also reach the log):
 * printable ASCII as is, anything else as '?'; truncated to fit. */
static const char *shown_name(const char *name, size_t len, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 4 < cap; i++) {
		unsigned char c = (unsigned char)name[i];
		out[o++] = (c >= 0x20 && c < 0x7f && c != '"') ? (char)c : '?';
	}
	out[o] = '\0';
	return out;
}

int request_target_parse(const char *raw, size_t len, char *storage, size_t storage_len,
			 struct request_target *out)
{
	const char *query, *end = raw + len, *p;
	char *o = storage;
	long n;

	memset(out, 0, sizeof(*out));
	if (len > REQUEST_MAX_TARGET)
		return as_error_set(AS_ELIMIT, "the request target is longer than %d bytes",
				    REQUEST_MAX_TARGET);
	if (storage_len < REQUEST_STORAGE(len))
		return as_error_set(AS_EINVAL, "request storage too small");
	if (len == 0 || raw[0] != '/')
		return as_error_set(AS_EINVAL, "the request path must start with '/'");

	query = memchr(raw, '?', len);
	/* A fragment never reaches a server, but a hand-made request may carry one. */
	p = memchr(raw, '#', len);
	if (p && (!query || p < query))
		query = NULL, end = p;
	else if (p)
		end = p;

	n = decode(raw, (size_t)((query ? query : end) - raw), 0, o);
	if (n < 0)
		return as_error_set(AS_EINVAL, "the request path %s",
				    n == -1 ? "has a bad %-escape" : "contains a NUL byte");
	if (!request_utf8_valid(o, (size_t)n))
		return as_error_set(AS_EINVAL, "the request path is not valid UTF-8");
	out->path = o;
	out->path_len = (size_t)n;
	o += n + 1;

	for (p = query ? query + 1 : end; p < end;) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		const char *eq = memchr(p, '=', (size_t)(stop - p));
		const char *name_end = eq ? eq : stop;
		struct request_param *prm;
		char shown[REQUEST_MAX_NAME + 8];

		if (stop == p) { /* "a=1&&b=2" or a trailing '&' */
			p = stop + 1;
			continue;
		}
		if (out->n_params == REQUEST_MAX_PARAMS)
			return as_error_set(AS_ELIMIT, "more than %d parameters", REQUEST_MAX_PARAMS);
		prm = &out->params[out->n_params];
		n = decode(p, (size_t)(name_end - p), 1, o);
		if (n < 0)
			return as_error_set(AS_EINVAL, "a parameter name %s",
					    n == -1 ? "has a bad %-escape" : "contains a NUL byte");
		if (n == 0)
			return as_error_set(AS_EINVAL, "a parameter has no name");
		shown_name(o, (size_t)n, shown, sizeof(shown));
		if ((size_t)n > REQUEST_MAX_NAME || !request_utf8_valid(o, (size_t)n))
			return as_error_set(AS_EINVAL, "unknown parameter '%s'", shown);
		prm->name = o;
		prm->name_len = (size_t)n;
		o += n + 1;
		n = eq ? decode(eq + 1, (size_t)(stop - eq - 1), 1, o) : (*o = '\0', 0);
		if (n < 0)
			return as_error_set(AS_EINVAL, "%s: %s", shown,
					    n == -1 ? "bad %-escape" : "contains a NUL byte");
		if (!request_utf8_valid(o, (size_t)n))
			return as_error_set(AS_EINVAL, "%s: not valid UTF-8", shown);
		prm->value = o;
		prm->value_len = (size_t)n;
		o += n + 1;
		for (size_t i = 0; i < out->n_params; i++)
			if (!strcmp(out->params[i].name, prm->name))
				return as_error_set(AS_EINVAL, "%s: given more than once", shown);
		out->n_params++;
		p = stop + 1;
	}
	return 0;
}

const struct request_param *request_param_find(const struct request_target *t, const char *name)
{
	for (size_t i = 0; i < t->n_params; i++)
		if (!strcmp(t->params[i].name, name))
			return &t->params[i];
	return NULL;
}
