#ifndef AS_BUF_H
#define AS_BUF_H
/*
 * A growable byte buffer, after git's strbuf.
 *
 * Invariants: `ptr` is NULL only while `cap` is 0; when cap > 0, ptr[len] == '\0', so
 * the contents can be used as a C string (they may also hold NUL bytes). A buffer
 * starts as BUF_INIT or zeroed memory, needs no allocation until written, and is
 * released with buf_release(). Growth failure is sticky: `err` becomes AS_ENOMEM and
 * later appends are no-ops, so a writer may append many times and check once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
	char *ptr;
	size_t len;
	size_t cap;
	int err; /* 0, or AS_ENOMEM after a failed growth */
};

#define BUF_INIT { NULL, 0, 0, 0 }

/* Makes room for `extra` more bytes; 0 or AS_ENOMEM (also recorded in b->err). */
int buf_grow(struct buf *b, size_t extra);

void buf_add(struct buf *b, const void *data, size_t len);
void buf_addstr(struct buf *b, const char *s);
void buf_addch(struct buf *b, int c);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vaddf(struct buf *b, const char *fmt, va_list ap);

/* Bytes of the well-formed UTF-8 character at s[0..len): 1 for ASCII, 0 when there is
 * none (a stray or cut byte, an overlong form, a surrogate). */
size_t buf_utf8_char(const char *s, size_t len);
/* Appends s[0..len) as the inside of a JSON string (no quotes): escapes ", \ and
 * controls; a byte that is no part of a well-formed UTF-8 character becomes \ufffd. */
void buf_add_json_str(struct buf *b, const char *s, size_t len);
/* Appends s[0..len) with &, <, >, " and ' escaped for HTML text and attributes. */
void buf_add_html(struct buf *b, const char *s, size_t len);

/* Empties the buffer, keeping its memory (and clearing err). */
void buf_reset(struct buf *b);
/* Frees the memory; the buffer is BUF_INIT again. */
void buf_release(struct buf *b);
/* Hands over the contents (NUL-terminated; never NULL unless err): you own them, free with as_free. */
char *buf_detach(struct buf *b, size_t *len);

#endif
