#ifndef AS_JSON_CHECK_H
#define AS_JSON_CHECK_H
/*
 * A strict JSON validator (RFC 8259) for the fuzz targets and hostile-input tests: the
 * daemon's and the CLI's output must be well-formed JSON of valid UTF-8 whatever the
 * query or the documents hold. It also checks what DESIGN.md says of snippets: the
 * value of every "snippet" key is HTML-escaped text in which the only markup is
 * <mark> and </mark>.
 *
 * Returns 0 when s[0..len) is one valid JSON value (surrounding whitespace allowed),
 * else -1 with a sentence in why[0..why_len).
 */
#include <stddef.h>

int json_check(const char *s, size_t len, char *why, size_t why_len);

/* For the fuzz targets: aborts (FUZZ_ASSERT) unless out holds valid JSON, printing the
 * reason and the start of the text; `what` names the output in the message. */
struct buf;
void json_assert_valid(const struct buf *out, const char *what);

#endif
