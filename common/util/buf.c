#include "common/util/buf.h"

#include <stdio.h>
#include <string.h>
#include <utf8proc.h>

#include "common/util/error.h"
#include "common/util/mem.h"

int buf_grow(struct buf *b, size_t extra)
{
	size_t need, cap;
	char *p;

	if (b->err)
		return b->err;
	if (extra > SIZE_MAX / 2 - b->len)
		return b->err = AS_ENOMEM;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	p = as_realloc(b->ptr, cap);
	if (!p)
		return b->err = AS_ENOMEM;
	b->ptr = p;
	b->cap = cap;
	b->ptr[b->len] = '\0'; /* the invariant holds from the first allocation on */
	return 0;
}

void buf_add(struct buf *b, const void *data, size_t len)
{
	if (buf_grow(b, len))
		return;
	if (len)
		memcpy(b->ptr + b->len, data, len);
	b->len += len;
	b->ptr[b->len] = '\0';
}

void buf_addstr(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void buf_addch(struct buf *b, int c)
{
	char ch = (char)c;

	buf_add(b, &ch, 1);
}

void buf_vaddf(struct buf *b, const char *fmt, va_list ap)
{
	va_list cp;
	int n;

	if (buf_grow(b, 64))
		return;
	va_copy(cp, ap);
	n = vsnprintf(b->ptr + b->len, b->cap - b->len, fmt, cp);
	va_end(cp);
	if (n < 0)
		return;
	if ((size_t)n >= b->cap - b->len) {
		if (buf_grow(b, (size_t)n))
			return;
		vsnprintf(b->ptr + b->len, b->cap - b->len, fmt, ap);
	}
	b->len += (size_t)n;
}

void buf_addf(struct buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	buf_vaddf(b, fmt, ap);
	va_end(ap);
}

size_t buf_utf8_char(const char *s, size_t len)
{
	utf8proc_int32_t cp;
	utf8proc_ssize_t n;

	if (len == 0)
		return 0;
	if ((unsigned char)s[0] < 0x80)
		return 1;
	n = utf8proc_iterate((const utf8proc_uint8_t *)s, len < 4 ? (utf8proc_ssize_t)len : 4, &cp);
	return n > 0 ? (size_t)n : 0;
}

void buf_add_json_str(struct buf *b, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[6];

		if (c >= 0x80) {
			/* JSON is UTF-8: a byte that is not part of a character (a cut or
			 * corrupt text) becomes U+FFFD rather than invalid output. */
			size_t n = buf_utf8_char(s + i, len - i);
			if (n) {
				i += n - 1;
				continue;
			}
			buf_add(b, s + run, i - run);
			run = i + 1;
			buf_addstr(b, "\\ufffd");
			continue;
		}
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		buf_add(b, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			memcpy(u, "\\u00", 4);
			u[4] = hex[c >> 4];
			u[5] = hex[c & 15];
			buf_add(b, u, 6);
			continue;
		}
		buf_addstr(b, esc);
	}
	buf_add(b, s + run, len - run);
}

void buf_add_html(struct buf *b, const char *s, size_t len)
{
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		const char *esc;

		switch (s[i]) {
		case '&': esc = "&amp;"; break;
		case '<': esc = "&lt;"; break;
		case '>': esc = "&gt;"; break;
		case '"': esc = "&quot;"; break;
		case '\'': esc = "&#39;"; break;
		default: continue;
		}
		buf_add(b, s + run, i - run);
		buf_addstr(b, esc);
		run = i + 1;
	}
	buf_add(b, s + run, len - run);
}

void buf_reset(struct buf *b)
{
	b->len = 0;
	b->err = 0;
	if (b->ptr)
		b->ptr[0] = '\0';
}

void buf_release(struct buf *b)
{
	as_free(b->ptr);
	b->ptr = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}

char *buf_detach(struct buf *b, size_t *len)
{
	char *p;

	if (b->err)
		return NULL;
	if (!b->ptr && buf_grow(b, 0))
		return NULL;
	p = b->ptr;
	if (len)
		*len = b->len;
	b->ptr = NULL;
	b->len = b->cap = 0;
	return p;
}
