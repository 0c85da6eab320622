#ifndef AS_SEARCHD_REQUEST_H
#define AS_SEARCHD_REQUEST_H
/*
 * Parsing a request target ("/search?q=caf%C3%A9+cr%C3%A8me&page=2") into its path and
 * parameters, strictly, before anything else looks at it. The daemon decodes the raw
 * target itself rather than trusting libmicrohttpd's lenient unescaping, so that every
 * route sees the same rules:
 *
 *   - %XX must be two hex digits; `+` is a space in the query (HTML forms), not in the path;
 *   - decoded bytes must be valid UTF-8 (no overlong forms, no surrogates, nothing past
 *     U+10FFFF) and must not contain NUL;
 *   - at most REQUEST_MAX_PARAMS parameters, each name at most REQUEST_MAX_NAME bytes;
 *   - a target longer than REQUEST_MAX_TARGET bytes is refused before parsing (414).
 *
 * Failures are AS_EINVAL (or AS_ELIMIT for too many parameters) with a sentence naming the
 * parameter in as_error_message(), which the daemon sends back in a 400.
 *
 * No allocation: the decoded strings live in `storage`, supplied by the caller, which must
 * hold at least REQUEST_STORAGE(len) bytes; they are valid while it is.
 */
#include <stddef.h>

#define REQUEST_MAX_TARGET 8192
#define REQUEST_MAX_PARAMS 16
#define REQUEST_MAX_NAME 32
/* Decoding never lengthens a string; each piece gets a NUL. */
#define REQUEST_STORAGE(len) ((len) + 2 * REQUEST_MAX_PARAMS + 2)

struct request_param {
	const char *name, *value; /* NUL-terminated, in storage */
	size_t name_len, value_len;
};

struct request_target {
	const char *path; /* decoded, starts with '/' */
	size_t path_len;
	struct request_param params[REQUEST_MAX_PARAMS];
	size_t n_params;
};

/* Parses raw[0..len); see above. 0 or <0 (AS_EINVAL, AS_ELIMIT). */
int request_target_parse(const char *raw, size_t len, char *storage, size_t storage_len,
			 struct request_target *out);

/* The parameter called `name`, or NULL. */
const struct request_param *request_param_find(const struct request_target *t, const char *name);

/* 1 when s[0..len) is well-formed UTF-8 (RFC 3629), else 0. */
int request_utf8_valid(const char *s, size_t len);

#endif
