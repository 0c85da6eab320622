#include "common/util/error.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static _Thread_local int last_code;
static _Thread_local char last_message[512];

const char *as_strerror(int code)
{
	switch (code) {
	case AS_OK: return "success";
	case AS_ENOMEM: return "out of memory";
	case AS_EIO: return "input/output error";
	case AS_ECORRUPT: return "corrupt index data";
	case AS_EINVAL: return "invalid argument";
	case AS_ENOENT: return "not found";
	case AS_ELOCKED: return "index is locked by another indexer";
	case AS_ENOSPC: return "no space left on device";
	case AS_EFORMAT: return "unreadable document";
	case AS_ELIMIT: return "limit exceeded";
	case AS_EVERSION: return "unsupported format version";
	}
	return "unknown error";
}

int as_error_set(int code, const char *fmt, ...)
{
	char msg[sizeof(last_message)];
	va_list ap;

	/* Formatted aside first: callers wrap the previous message, as in
	 * as_error_set(AS_ECORRUPT, "%s: %s", name, as_error_message(rc)), and vsnprintf()
	 * into the buffer it reads from is undefined (glibc left the message empty). */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	memcpy(last_message, msg, sizeof(msg));
	last_code = code;
	return code;
}

int as_error_from_errno(int err)
{
	switch (err) {
	case ENOSPC:
	case EDQUOT: return AS_ENOSPC;
	case ENOMEM: return AS_ENOMEM;
	case ENOENT: return AS_ENOENT;
	}
	return AS_EIO;
}

const char *as_error_message(int code)
{
	if (code == last_code && last_message[0])
		return last_message;
	return as_strerror(code);
}

void as_error_clear(void)
{
	last_code = 0;
	last_message[0] = '\0';
}
