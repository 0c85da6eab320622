/*
 * The index reader on mutated index files: every decoder of FORMAT.md (manifest,
 * dictionaries, postings with skips and positions, per-document data, stored fields,
 * deletions) and the checker behind `artisearch check`.
 *
 * At start-up the sample index (tests/unit/sample_index.h) is built in a private
 * folder. An input mutates one file of its published generation:
 *     byte 0      bits 0-4: which file (mod the number of files, in name order);
 *                 bit 7 set: keep the input's own CRC instead of recomputing it;
 *                 bit 6 clear: the rest of the input is the file's new bytes;
 *                 bit 6 set, a patch of the pristine file: bytes 1-4 an offset (u32 LE,
 *                 mod the file's size), then the bytes written there (bit 5 set: the
 *                 file is also cut after them).
 * Patches keep inputs small whatever the file's size, so that libFuzzer explores every
 * region of the large files (postings, stored fields) and not only the small ones:
 * with whole files, the 78-byte manifest reaches the same coverage as any valid file
 * and the corpus would keep only it.
 * The CRC (the last 4 bytes, FORMAT.md "Every file") is recomputed by default, since a
 * mutation that breaks it only reaches the checksum test: with it fixed, the mutation
 * reaches the structure decoders, which is what this target is for.
 *
 * Then index_open, index_check, and a walk of everything a query or a tool reads. What
 * must hold: no crash, no leak, no read outside the files; a failure is AS_ECORRUPT
 * (AS_EVERSION for a version field, AS_ENOENT for a manifest naming a missing segment,
 * AS_ENOMEM), with a message; and when index_check passes, reading never fails.
 *
 * FUZZ_INDEX_SEEDS=DIR writes the seed inputs (one per file, unmutated) into DIR.
 */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "common/index/check.h"
#include "common/index/index.h"
#include "common/util/arena.h"
#include "common/util/buf.h"
#include "common/util/error.h"
#include "tests/fuzz/fuzz.h"
#include "tests/unit/sample_index.h"

#define MAX_FILES 32
#define WALK_KEYS 400   /* keys read per dictionary: bounds the cost of one input */
#define WALK_DOCS 300

static char root[PATH_MAX], gen_dir[PATH_MAX + 64];
#define PATH_BUF (2 * PATH_MAX + 256)
static struct {
	char name[64];
	uint8_t *data;
	size_t len;
} files[MAX_FILES];
static size_t n_files;

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void write_file(const char *name, const uint8_t *data, size_t len)
{
	char path[PATH_BUF];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", gen_dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	FUZZ_ASSERT(fd >= 0);
	FUZZ_ASSERT(len == 0 || write(fd, data, len) == (ssize_t)len);
	close(fd);
}

static void cleanup(void)
{
	char cmd[PATH_MAX + 16];

	if (root[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			fprintf(stderr, "fuzz_index: could not remove %s\n", root);
	}
}

static void setup(void)
{
	/* tmpfs when there is one: on ext4, rewriting a truncated file forces a flush to
	 * disk at close (auto_da_alloc), which would make every input cost a disk write. */
	const char *t = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : getenv("TMPDIR");
	char cur[64], *names[MAX_FILES];
	DIR *d;
	struct dirent *e;
	FILE *f;
	size_t i;
	int rc;

	snprintf(root, sizeof(root), "%s/fuzz-index-XXXXXX", t && *t ? t : "/tmp");
	FUZZ_ASSERT(mkdtemp(root));
	atexit(cleanup);
	rc = sample_index_build(root, 0);
	if (rc < 0) {
		fprintf(stderr, "fuzz_index: building the sample index: %s\n", as_error_message(rc));
		abort();
	}
	snprintf(gen_dir, sizeof(gen_dir), "%s/CURRENT", root);
	f = fopen(gen_dir, "r");
	FUZZ_ASSERT(f && fgets(cur, sizeof(cur), f));
	fclose(f);
	cur[strcspn(cur, "\n")] = 0;
	snprintf(gen_dir, sizeof(gen_dir), "%s/%s", root, cur);

	FUZZ_ASSERT((d = opendir(gen_dir)));
	while ((e = readdir(d)))
		if (e->d_name[0] != '.') {
			FUZZ_ASSERT(n_files < MAX_FILES);
			names[n_files++] = strdup(e->d_name);
		}
	closedir(d);
	qsort(names, n_files, sizeof(*names), cmp_name);
	for (i = 0; i < n_files; i++) {
		char path[PATH_BUF];
		struct stat st;
		int fd;

		snprintf(files[i].name, sizeof(files[i].name), "%s", names[i]);
		free(names[i]);
		snprintf(path, sizeof(path), "%s/%s", gen_dir, files[i].name);
		FUZZ_ASSERT((fd = open(path, O_RDONLY)) >= 0 && fstat(fd, &st) == 0);
		files[i].len = (size_t)st.st_size;
		FUZZ_ASSERT((files[i].data = malloc(files[i].len + 1)));
		FUZZ_ASSERT(read(fd, files[i].data, files[i].len) == (ssize_t)files[i].len);
		close(fd);
		/* Break hard links with the writer's other generations: files are rewritten in place. */
		unlink(path);
		write_file(files[i].name, files[i].data, files[i].len);
	}

	if ((t = getenv("FUZZ_INDEX_SEEDS"))) {
		for (i = 0; i < n_files; i++) {
			char path[PATH_BUF];
			snprintf(path, sizeof(path), "%s/%s", t, files[i].name);
			FUZZ_ASSERT((f = fopen(path, "wb")));
			fputc((int)i, f);
			fwrite(files[i].data, 1, files[i].len, f);
			fclose(f);
			/* Patches: a byte changed at a quarter, a half and near the end of the body. */
			for (int k = 1; k <= 3; k++) {
				size_t off = k < 3 ? files[i].len * (size_t)k / 4 : (files[i].len > 40 ? files[i].len - 40 : 0);
				snprintf(path, sizeof(path), "%s/%s.patch%d", t, files[i].name, k);
				FUZZ_ASSERT((f = fopen(path, "wb")));
				fputc((int)(i | 0x40), f);
				for (int b = 0; b < 4; b++)
					fputc((int)(off >> (8 * b)) & 0xff, f);
				fputc(files[i].data[off] ^ 0x01, f);
				fclose(f);
			}
		}
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	setup();
	return 0;
}

/* A failure of the reader: one of the codes the format allows, with a sentence. */
static void check_failure(int rc)
{
	if (rc == AS_ECORRUPT || rc == AS_EVERSION || rc == AS_ENOENT || rc == AS_ENOMEM) {
		FUZZ_ASSERT(as_error_message(rc)[0]);
		return;
	}
	fprintf(stderr, "unexpected error %d: %s\n", rc, as_error_message(rc));
	FUZZ_ASSERT(!"reader failed with a code other than AS_ECORRUPT");
}

/* Reads one postings list in full, then again by seeks and shallow seeks. */
static int walk_postings(const struct segment *seg, const struct term_info *ti, uint32_t n_docs)
{
	struct postings *p;
	uint32_t tf[N_FIELDS], max_tf[N_FIELDS], min_len[N_FIELDS], last = 0, n = 0, target;
	int rc, first = 1;

	if ((rc = postings_open(seg, ti, POSTINGS_POSITIONS, &p)) < 0)
		return rc;
	while ((rc = postings_next(p)) == 0) {
		uint32_t doc = postings_doc(p);
		if (!first && doc <= last) {
			postings_free(p);
			return as_error_set(AS_ECORRUPT, "postings not increasing (undetected)");
		}
		first = 0;
		last = doc;
		postings_freqs(p, tf);
		for (int f = 0; f < N_FIELDS; f++) {
			const uint32_t *pos;
			uint32_t np;
			if ((rc = postings_positions(p, (enum field)f, &pos, &np)) < 0)
				break;
			for (uint32_t k = 0; k < np; k++)
				(void)pos[k];
		}
		if (rc < 0 || ++n > n_docs + 1)
			break;
	}
	postings_free(p);
	if (rc < 0)
		return rc;

	if ((rc = postings_open(seg, ti, 0, &p)) < 0)
		return rc;
	for (target = 0; target < n_docs + 2; target += 37) {
		if ((rc = postings_shallow_seek(p, target)) != 0)
			break;
		(void)postings_block_last(p);
		postings_block_max(p, max_tf, min_len);
		if ((rc = postings_seek(p, target)) != 0)
			break;
		(void)postings_doc(p);
	}
	postings_free(p);
	return rc < 0 ? rc : 0;
}

static int walk_dict(const struct segment *seg, enum dict which)
{
	struct term_iter *it;
	struct term_info ti;
	int rc, n = 0;

	if ((rc = term_iter_new(seg, which, &it)) < 0)
		return rc;
	for (rc = term_iter_seek(it, "", 0); rc == 0 && n < WALK_KEYS; rc = term_iter_next(it), n++) {
		size_t len;
		const char *key = term_iter_key(it, &len);
		const struct term_info *info = term_iter_info(it);
		if ((rc = segment_lookup(seg, which, key, len, &ti)) < 0)
			break;
		if (which == DICT_TERMS && (rc = walk_postings(seg, info, segment_n_docs(seg))) < 0)
			break;
		/* A seek into the middle of the key space (prefix expansion, typo walk). */
		if (n % 16 == 0 && len > 1) {
			struct term_iter *it2;
			if ((rc = term_iter_new(seg, which, &it2)) < 0)
				break;
			rc = term_iter_seek(it2, key, len - 1);
			term_iter_free(it2);
			if (rc < 0)
				break;
		}
	}
	term_iter_free(it);
	if (rc < 0)
		return rc;
	/* Again, round and round, past the 512 seeks after which a dictionary builds its
	 * samples and its hash: look-ups through them, of keys and of the stems of `stem
	 * 0x01 form` keys. */
	if ((rc = term_iter_new(seg, which, &it)) < 0)
		return rc;
	for (rc = term_iter_next(it), n = 0; rc >= 0 && n < 300; rc = term_iter_next(it), n++) {
		if (rc > 0 && (rc = term_iter_seek(it, "", 0)) != 0)
			break; /* a small dictionary: round again */
		size_t len;
		char key[256];
		const char *k = term_iter_key(it, &len), *sep;
		if (len >= sizeof(key))
			continue;
		memcpy(key, k, len);
		if ((rc = segment_lookup(seg, which, key, len, &ti)) < 0)
			break;
		struct term_iter *it2;
		if ((rc = term_iter_new(seg, which, &it2)) < 0)
			break;
		sep = memchr(key, 0x01, len);
		rc = term_iter_seek_family(it2, key, sep ? (size_t)(sep - key) : len);
		if (rc == 0)
			rc = term_iter_next(it2);
		term_iter_free(it2);
		if (rc < 0)
			break;
	}
	term_iter_free(it);
	if (rc < 0)
		return rc;
	rc = segment_lookup(seg, which, "artisan", 7, &ti);
	return rc < 0 ? rc : 0;
}

static int walk_docs(const struct index *idx, const struct segment *seg, struct arena *arena)
{
	uint32_t d, n = segment_n_docs(seg);
	int rc;

	for (d = 0; d < n && d < WALK_DOCS; d++) {
		struct stored_doc sd;
		struct doc_values v;
		uint32_t s2, d2;

		(void)segment_is_live(seg, d);
		for (int f = 0; f < N_FIELDS; f++)
			(void)segment_field_len(seg, d, (enum field)f);
		segment_doc_values(seg, d, &v);
		(void)segment_value_name(seg, VALUE_TYPE, v.type);
		(void)segment_value_name(seg, VALUE_DEPARTMENT, v.department);
		arena_reset(arena);
		if ((rc = segment_get_doc(seg, d, STORED_BODY, arena, &sd)) < 0)
			return rc;
		{
			/* The partial inflate a snippet does: the same bytes as the whole body. */
			const char *part;
			size_t len, full;
			if ((rc = segment_get_body(seg, d, 100, arena, &part, &len, &full)) < 0)
				return rc;
			if (full != sd.body_len || memcmp(part, sd.body, len) != 0)
				abort();
		}
		if (sd.id && segment_is_live(seg, d)) {
			rc = index_find_doc(idx, sd.id, &s2, &d2);
			if (rc < 0 && rc != AS_ENOENT)
				return rc;
		}
	}
	(void)segment_value_id(seg, VALUE_TYPE, "guide");
	(void)segment_value_id(seg, VALUE_DEPARTMENT, "31");
	return 0;
}

static int walk(const struct index *idx)
{
	struct arena *arena = arena_new(0);
	struct index_stats st;
	int rc = 0;

	if (!arena)
		return AS_ENOMEM;
	index_get_stats(idx, &st);
	(void)index_generation(idx);
	for (uint32_t i = 0; i < index_n_segments(idx) && rc >= 0; i++) {
		const struct segment *seg = index_segment(idx, i);
		if ((rc = walk_dict(seg, DICT_TERMS)) < 0 || (rc = walk_dict(seg, DICT_WORDS)) < 0)
			break;
		rc = walk_docs(idx, seg, arena);
	}
	arena_free(arena);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct index *idx;
	struct buf report = BUF_INIT, dump = BUF_INIT;
	size_t which, len;
	uint8_t *bytes;
	int rc, checked;

	if (!n_files)
		setup();
	if (size < 1)
		return 0;
	which = (data[0] & 0x1f) % n_files;
	if (data[0] & 0x40) {
		/* A patch of the pristine file. */
		size_t flen = files[which].len, off, n;
		if (size < 5)
			return 0;
		off = (size_t)(data[1] | data[2] << 8 | data[3] << 16 | (uint32_t)data[4] << 24) % (flen ? flen : 1);
		n = size - 5;
		len = (data[0] & 0x20) ? off + n : (off + n > flen ? off + n : flen);
		bytes = calloc(1, len + 1);
		FUZZ_ASSERT(bytes);
		memcpy(bytes, files[which].data, off + n < flen ? ((data[0] & 0x20) ? off : flen) : off);
		memcpy(bytes + off, data + 5, n);
	} else {
		len = size - 1;
		bytes = malloc(len + 1);
		FUZZ_ASSERT(bytes);
		memcpy(bytes, data + 1, len);
	}
	if (!(data[0] & 0x80) && len >= 4) {
		uLong crc = crc32(0L, bytes, (uInt)(len - 4));
		for (int k = 0; k < 4; k++)
			bytes[len - 4 + k] = (uint8_t)(crc >> (8 * k));
	}
	write_file(files[which].name, bytes, len);
	free(bytes);

	checked = index_check(root, NULL, &report);
	if (getenv("FUZZ_DEBUG"))
		fprintf(stderr, "fuzz_index: %s (%zu bytes): check %d %s\n%s", files[which].name, len, checked,
			checked < 0 ? as_error_message(checked) : "", checked < 0 && report.ptr ? report.ptr : "");
	if (checked < 0) {
		check_failure(checked);
		/* "refused with a message naming the file" (what `artisearch check` prints). */
		const char *m = as_error_message(checked);
		static const char *const names[] = { "seg-", ".terms", ".words", ".post", ".docs", ".stor", ".del",
						     "manifest", "CURRENT" };
		int named = checked == AS_ENOMEM;
		for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			named |= strstr(m, names[k]) != NULL;
		if (!named) {
			fprintf(stderr, "index_check: the message names no file: %s\n", m);
			FUZZ_ASSERT(!"index_check's message names the file");
		}
	}
	FUZZ_ASSERT(!report.err);

	rc = index_open(root, &idx);
	if (rc < 0) {
		check_failure(rc);
		FUZZ_ASSERT(checked < 0); /* what check passes, open must accept */
	} else {
		rc = walk(idx);
		if (rc < 0) {
			check_failure(rc);
			if (checked == 0) {
				fprintf(stderr, "check passed, reading failed: %s\n", as_error_message(rc));
				FUZZ_ASSERT(!"index_check passed an index the reader refuses");
			}
		}
		index_close(idx);
		static const char *const whats[] = { "manifest", "segments", "terms:art", "words:re",
						     "doc:communiques/doc-000004.md" };
		for (size_t k = 0; k < sizeof(whats) / sizeof(whats[0]); k++) {
			buf_reset(&dump);
			rc = index_dump(root, whats[k], &dump);
			if (rc < 0 && !(rc == AS_ENOENT && k == 4))
				check_failure(rc);
		}
	}
	buf_release(&report);
	buf_release(&dump);
	write_file(files[which].name, files[which].data, files[which].len);
	return 0;
}
