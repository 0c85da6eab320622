#ifndef AS_IXFILE_H
#define AS_IXFILE_H
/*
 * Index files as FORMAT.md's envelope says: a 16-byte header (magic, kind, version), a
 * body, and a CRC-32 of everything before it. A writer streams a file through a buffer
 * while summing the CRC; a reader maps a file read-only and verifies it whole before
 * anyone decodes it. Internal to common/index/.
 */
#include <stddef.h>
#include <stdint.h>

#include "common/util/buf.h"

#define IXFILE_VERSION 9
#define IXFILE_HEADER 16

/* ---- Writing ---- */
struct ixfile_writer {
	int fd;
	uint32_t crc;
	uint64_t off;   /* bytes written so far, buffer included: the offset of the next byte */
	struct buf buf; /* pending bytes */
	char *path;
	int err;        /* sticky */
};

/* Creates path (truncating) and writes the header. On failure w->err is set and returned. */
int ixfile_create(struct ixfile_writer *w, const char *path, const char kind[4]);
void ixfile_write(struct ixfile_writer *w, const void *data, size_t len);
/* Appends a whole buffer (and reports its ENOMEM, if any). */
void ixfile_write_buf(struct ixfile_writer *w, const struct buf *b);
/* Writes the CRC, fsyncs and closes. Returns the sticky error. */
int ixfile_finish(struct ixfile_writer *w);
/* Closes and removes a file abandoned on an error path. */
void ixfile_abort(struct ixfile_writer *w);

/* ---- Reading ---- */
struct ixfile {
	const uint8_t *map; /* the whole file */
	size_t size;
	const uint8_t *body;  /* map + 16 */
	size_t body_len;      /* size - 20 */
};

/*
 * Maps path and verifies size, CRC, magic, kind and version: 0, AS_ENOENT (no such
 * file), AS_ECORRUPT or AS_EVERSION with as_error_set() naming `name` (the path shown to
 * the user), or AS_EIO. Without IXFILE_VERIFY in flags, a file over IXFILE_TRUST_MIN
 * bytes is mapped lazily and its CRC not checked: its readers bounds-check every access,
 * and a one-shot query must not read a whole large index to answer.
 */
enum { IXFILE_VERIFY = 1 };
#define IXFILE_TRUST_MIN (1024 * 1024)
int ixfile_open(struct ixfile *f, const char *path, const char *name, const char kind[4], unsigned flags);
void ixfile_close(struct ixfile *f);

/* fsync a directory. */
int fsync_dir(const char *path);
/* Writes a whole small file (header, body, CRC) and fsyncs it. */
int ixfile_write_whole(const char *path, const char kind[4], const void *body, size_t len);

#endif
