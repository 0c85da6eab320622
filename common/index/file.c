#include "common/index/file.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "common/index/codec.h"
#include "common/util/error.h"
#include "common/util/mem.h"

#define FLUSH_AT (256 * 1024)

static void flush(struct ixfile_writer *w)
{
	size_t done = 0;
	ssize_t n;

	if (w->err)
		return;
	if (w->buf.err) {
		w->err = as_error_set(AS_ENOMEM, "%s: out of memory", w->path);
		return;
	}
	while (done < w->buf.len) {
		n = write(w->fd, w->buf.ptr + done, w->buf.len - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			w->err = as_error_set(as_error_from_errno(errno), "%s: %s", w->path, strerror(errno));
			return;
		}
		done += (size_t)n;
	}
	buf_reset(&w->buf);
}

int ixfile_create(struct ixfile_writer *w, const char *path, const char kind[4])
{
	uint8_t h[IXFILE_HEADER] = { 'A', 'S', 'I', 'X' };

	memset(w, 0, sizeof(*w));
	w->fd = -1;
	w->crc = (uint32_t)crc32(0L, Z_NULL, 0);
	w->path = as_strdup(path);
	if (!w->path)
		return w->err = AS_ENOMEM;
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (w->fd < 0)
		return w->err = as_error_set(as_error_from_errno(errno), "%s: %s", path, strerror(errno));
	memcpy(h + 4, kind, 4);
	st32(h + 8, IXFILE_VERSION);
	ixfile_write(w, h, sizeof(h));
	return w->err;
}

void ixfile_write(struct ixfile_writer *w, const void *data, size_t len)
{
	if (w->err || !len)
		return;
	w->crc = (uint32_t)crc32_z(w->crc, data, len);
	w->off += len;
	buf_add(&w->buf, data, len);
	if (w->buf.len >= FLUSH_AT || w->buf.err)
		flush(w);
}

void ixfile_write_buf(struct ixfile_writer *w, const struct buf *b)
{
	if (b->err && !w->err)
		w->err = as_error_set(AS_ENOMEM, "%s: out of memory", w->path);
	ixfile_write(w, b->ptr, b->len);
}

int ixfile_finish(struct ixfile_writer *w)
{
	uint8_t t[4];

	st32(t, w->crc);
	if (!w->err) {
		buf_add(&w->buf, t, 4);
		flush(w);
	}
	if (!w->err && fsync(w->fd) < 0)
		w->err = as_error_set(as_error_from_errno(errno), "%s: fsync: %s", w->path, strerror(errno));
	if (w->fd >= 0 && close(w->fd) < 0 && !w->err)
		w->err = as_error_set(as_error_from_errno(errno), "%s: close: %s", w->path, strerror(errno));
	w->fd = -1;
	if (w->err && w->path)
		unlink(w->path);
	buf_release(&w->buf);
	as_free(w->path);
	w->path = NULL;
	return w->err;
}

void ixfile_abort(struct ixfile_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	if (w->path)
		unlink(w->path);
	buf_release(&w->buf);
	as_free(w->path);
	w->path = NULL;
}

int ixfile_open(struct ixfile *f, const char *path, const char *name, const char kind[4], unsigned flags)
{
	struct stat st;
	void *m;
	int fd, e;
	uint32_t crc;

	memset(f, 0, sizeof(*f));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		e = errno;
		return as_error_set(as_error_from_errno(e), "%s: %s", name, strerror(e));
	}
	if (fstat(fd, &st) < 0) {
		e = errno;
		close(fd);
		return as_error_set(AS_EIO, "%s: %s", name, strerror(e));
	}
	if (st.st_size < IXFILE_HEADER + 4 + 8) {
		close(fd);
		return as_error_set(AS_ECORRUPT, "%s: file too short (%lld bytes)", name, (long long)st.st_size);
	}
	int verify = (flags & IXFILE_VERIFY) || st.st_size <= IXFILE_TRUST_MIN;
	/* MAP_POPULATE: the checksum pass reads every page anyway; faulting them in one call
	 * is cheaper than one fault per page. */
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED | (verify ? MAP_POPULATE : 0), fd, 0);
	e = errno;
	close(fd);
	if (m == MAP_FAILED)
		return as_error_set(AS_EIO, "%s: mmap: %s", name, strerror(e));
	f->map = m;
	f->size = (size_t)st.st_size;
	crc = verify ? (uint32_t)crc32_z(crc32(0L, Z_NULL, 0), f->map, f->size - 4) : le32(f->map + f->size - 4);
	if (crc != le32(f->map + f->size - 4)) {
		ixfile_close(f);
		return as_error_set(AS_ECORRUPT, "%s: checksum mismatch", name);
	}
	if (memcmp(f->map, "ASIX", 4) || memcmp(f->map + 4, kind, 4)) {
		ixfile_close(f);
		return as_error_set(AS_ECORRUPT, "%s: not an artisearch %.4s file", name, kind);
	}
	if (le32(f->map + 8) != IXFILE_VERSION) {
		/* Read before ixfile_close() unmaps it. */
		unsigned version = (unsigned)le32(f->map + 8);
		ixfile_close(f);
		return as_error_set(AS_EVERSION, "%s: format version %u, expected %u", name, version,
				    IXFILE_VERSION);
	}
	f->body = f->map + IXFILE_HEADER;
	f->body_len = f->size - IXFILE_HEADER - 4;
	return 0;
}

void ixfile_close(struct ixfile *f)
{
	if (f && f->map)
		munmap((void *)f->map, f->size);
	if (f)
		memset(f, 0, sizeof(*f));
}

int fsync_dir(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), e;

	if (fd < 0) {
		e = errno;
		return as_error_set(as_error_from_errno(e), "%s: %s", path, strerror(e));
	}
	if (fsync(fd) < 0 && errno != EINVAL) {
		e = errno;
		close(fd);
		return as_error_set(as_error_from_errno(e), "%s: fsync: %s", path, strerror(e));
	}
	close(fd);
	return 0;
}

int ixfile_write_whole(const char *path, const char kind[4], const void *body, size_t len)
{
	struct ixfile_writer w;

	ixfile_create(&w, path, kind);
	ixfile_write(&w, body, len);
	return ixfile_finish(&w);
}
