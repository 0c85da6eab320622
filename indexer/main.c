/*
 * artisearch-index [--index DIR] [--full] CORPUS_DIR
 *
 * Turns a folder of documents into an index, incrementally, and publishes it
 * atomically (DESIGN.md). The work, in three steps:
 *
 *   1. walk CORPUS_DIR (hidden names skipped; ids sorted, so runs are reproducible),
 *      read and hash every file (XXH3-128) and ask the writer whether it has changed;
 *   2. extract and analyse the new and changed files on every core: worker threads,
 *      each with its own analyzer, take files in id order; the main thread hands the
 *      results to the writer in that same order (so document numbers do not depend on
 *      thread timing), within a bounded window so that memory stays flat;
 *   3. commit: delete what is gone, write, publish.
 *
 * A file that cannot be read or extracted costs that file alone: it is named in the
 * summary with the reason, and a version indexed earlier is removed (the index holds
 * what the corpus holds and can be read). Exit status: 0 when the run completed, 1
 * when the index directory is unusable (not writable, locked by another indexer, disk
 * full), 2 for bad usage.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "common/index/document.h"
#include "common/index/writer.h"
#include "common/text/analyzer.h"
#include "common/util/buf.h"
#include "common/util/error.h"
#include "common/util/mem.h"
#include "indexer/extract.h"

#ifndef ARTISEARCH_VERSION
#define ARTISEARCH_VERSION "0.1.0"
#endif

#define PROG "artisearch-index"
/*
 * How far workers may run ahead of the writer, which takes results in id order: at
 * most this many files, and this many input bytes beyond the file it waits for. The
 * window lets the other workers go on while one spends seconds on a large PDF, and
 * bounds the memory that finished results hold.
 */
#define WINDOW_FILES 1024
#define WINDOW_BYTES ((uint64_t)64 << 20)
/* Larger files are skipped: nothing the CMA publishes comes near it. */
#define MAX_FILE_BYTES ((uint64_t)1 << 30)

static const char usage_text[] =
	"usage: " PROG " [--index DIR] [--full] CORPUS_DIR\n"
	"\n"
	"Indexes the documents of CORPUS_DIR (.md, .html, .htm, .txt, .pdf; hidden files\n"
	"and folders, and links to files outside it, are skipped): adds, updates and\n"
	"deletes what changed since the last\n"
	"run, judged by content, then publishes the new index atomically.\n"
	"\n"
	"  --index DIR   the index directory (default: $ARTISEARCH_INDEX, else data/index)\n"
	"  --full        rebuild the index from nothing\n"
	"  --help        show this help\n"
	"  --version     show the version\n"
	"\n"
	"Exit status: 0 done (files that could not be read are listed and skipped),\n"
	"1 the index directory is unusable, 2 bad usage.\n";

/* ---- the corpus ---- */

struct file {
	char *id;       /* path relative to the corpus root, '/'-separated */
	char *path;     /* path to open */
	uint64_t size;
	uint8_t hash[INDEX_HASH_LEN];
	int changed;    /* index_writer_known() said it was indexed with another hash */

	/* filled by a worker */
	struct analyzed_doc *ad;
	int rc;
	char *message;  /* why it was refused (rc < 0) */
	char *warnings; /* lines to show, or NULL */
	size_t text_len;
	int done;
};

struct skip {
	char *id;
	char *why;
};

struct run {
	const char *root;
	char *real_root;     /* root with its links resolved (realpath), or NULL */
	dev_t index_dev;     /* the index directory, when it lies inside the corpus */
	ino_t index_ino;

	struct file *files;  /* supported files, sorted by id */
	size_t n_files, cap_files;
	struct skip *skips;
	size_t n_skips, cap_skips;
	struct index_writer *w;

	/* step 2 */
	struct file **jobs;  /* the files to extract, in id order */
	size_t n_jobs;
	size_t next_job;     /* next to hand to a worker */
	size_t consumed;     /* results taken by the main thread */
	uint64_t bytes_ahead; /* input bytes of the files handed out and not yet consumed */
	pthread_mutex_t lock;
	pthread_cond_t job_done;
	pthread_cond_t window_moved;

	/* progress */
	int tty;
	uint64_t bytes_total, bytes_done;
	size_t files_done;
	double started, last_progress;
	int progress_shown;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void oom(void)
{
	fprintf(stderr, PROG ": out of memory\n");
	exit(1);
}

static char *xstrdup(const char *s)
{
	char *p = as_strdup(s);

	if (!p)
		oom();
	return p;
}

static void add_skip(struct run *r, const char *id, const char *why)
{
	if (r->n_skips == r->cap_skips) {
		size_t cap = r->cap_skips ? r->cap_skips * 2 : 16;
		struct skip *s = as_realloc(r->skips, cap * sizeof(*s));
		if (!s)
			oom();
		r->skips = s;
		r->cap_skips = cap;
	}
	r->skips[r->n_skips].id = xstrdup(id);
	r->skips[r->n_skips].why = xstrdup(why);
	r->n_skips++;
}

static void add_file(struct run *r, const char *id, const char *path, uint64_t size)
{
	struct file *f;

	if (r->n_files == r->cap_files) {
		size_t cap = r->cap_files ? r->cap_files * 2 : 256;
		struct file *nf = as_realloc(r->files, cap * sizeof(*nf));
		if (!nf)
			oom();
		r->files = nf;
		r->cap_files = cap;
	}
	f = &r->files[r->n_files++];
	memset(f, 0, sizeof(*f));
	f->id = xstrdup(id);
	f->path = xstrdup(path);
	f->size = size;
}

static void join(char *out, size_t cap, const char *a, const char *b)
{
	if (snprintf(out, cap, "%s%s%s", a, *a ? "/" : "", b) >= (int)cap)
		out[0] = '\0';
}

static int name_ok(const char *name)
{
	const unsigned char *p;

	for (p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p == 0x7F)
			return 0;
	return extract_utf8_valid(name, strlen(name));
}

/* The id with every byte outside printable ASCII and valid UTF-8 shown as '?', for the summary. */
static const char *printable(const char *id, char *out, size_t cap)
{
	size_t i, n = 0;

	for (i = 0; id[i] && n + 1 < cap; i++) {
		unsigned char c = (unsigned char)id[i];
		out[n++] = (char)(c < 0x20 || c >= 0x7F ? '?' : c);
	}
	out[n] = '\0';
	return out;
}

/* Where a link leads: 1 inside the corpus, 0 outside it, -1 inside but under a hidden
 * name (`.brouillons/`), which the walk never enters. */
static int inside_root(const struct run *r, const char *path)
{
	char *real = realpath(path, NULL);
	size_t n = r->real_root ? strlen(r->real_root) : 0;
	int in = real && n && strncmp(real, r->real_root, n) == 0 && (real[n] == '/' || r->real_root[n - 1] == '/');

	if (in && strstr(real + n - 1, "/."))
		in = -1;
	free(real);
	return in;
}

/* Whether an error reading a file or folder that is listed says it is gone (a broken
 * link, a name removed meanwhile), not only unreadable this time. */
static int gone(int e)
{
	return e == ENOENT || e == ENOTDIR || e == ELOOP || e == ENAMETOOLONG;
}

enum what { A_FILE, A_FOLDER, A_FILE_OR_FOLDER };

/* A file or folder of the corpus that cannot be read: skipped, and what the index holds
 * of it kept rather than deleted, unless it is gone (a permission or an I/O error must
 * not empty the index). A writer error met here is the commit's to report. */
static void unreadable(struct run *r, const char *id, enum what what, int e)
{
	char why[320];
	int kept = 0, k;

	if (!gone(e) && what != A_FOLDER && (k = index_writer_keep(r->w, id, 0)) > 0)
		kept += k;
	if (!gone(e) && what != A_FILE && (k = index_writer_keep(r->w, id, 1)) > 0)
		kept += k;
	if (what == A_FOLDER)
		snprintf(why, sizeof(why), "cannot read this folder (%s); %s", strerror(e),
			 kept ? "the documents indexed from it are kept" : "its files are left out");
	else
		snprintf(why, sizeof(why), "cannot read (%s)%s", strerror(e),
			 kept ? "; what was indexed from it earlier is kept" : "");
	add_skip(r, *id ? id : ".", why);
}

/* Lists corpus/rel recursively. */
static void walk(struct run *r, const char *rel)
{
	char dir_path[PATH_MAX];
	DIR *d;
	struct dirent *e;

	join(dir_path, sizeof(dir_path), r->root, rel);
	d = opendir(dir_path);
	if (!d) {
		unreadable(r, rel, A_FOLDER, errno);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		char id[PATH_MAX], path[PATH_MAX], why[256];
		struct stat st, lst;
		const char *ext;

		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		join(id, sizeof(id), rel, e->d_name);
		if (e->d_name[0] == '.') {
			/* .git/, editors' backups: said once, not descended into. */
			add_skip(r, name_ok(e->d_name) ? id : printable(id, why, sizeof(why)), "hidden name");
			continue;
		}
		join(path, sizeof(path), r->root, id);
		if (!id[0] || !path[0]) {
			char longer[PATH_MAX + 300];
			snprintf(longer, sizeof(longer), "%s/%s", rel, e->d_name);
			add_skip(r, longer, "path too long");
			continue;
		}
		if (!name_ok(e->d_name)) {
			/* Ids are valid UTF-8 (document.h) and one line each in the summary. */
			add_skip(r, printable(id, why, sizeof(why)),
				 "file name not valid UTF-8 or with control characters; rename it");
			continue;
		}
		if (lstat(path, &lst) < 0 || stat(path, &st) < 0) {
			unreadable(r, id, A_FILE_OR_FOLDER, errno);
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			if (st.st_dev == r->index_dev && st.st_ino == r->index_ino)
				continue; /* the index itself */
			if (S_ISLNK(lst.st_mode)) {
				/* Followed, a link to a parent folder would never end. */
				add_skip(r, id, "symbolic link to a folder; not followed");
				continue;
			}
			walk(r, id);
			continue;
		}
		if (!S_ISREG(st.st_mode)) {
			add_skip(r, id, "not a regular file");
			continue;
		}
		if (S_ISLNK(lst.st_mode)) {
			/* A link must not publish a file from elsewhere on the machine, nor one
			 * the corpus hides. */
			int in = inside_root(r, path);
			if (in <= 0) {
				add_skip(r, id, in ? "symbolic link to a file under a hidden name; not followed"
						   : "symbolic link to a file outside the corpus; not followed");
				continue;
			}
		}
		if (extract_format_of(id) == EXTRACT_UNSUPPORTED) {
			ext = strrchr(e->d_name, '.');
			if (ext && ext != e->d_name)
				snprintf(why, sizeof(why), "unsupported format (%s)", ext);
			else
				snprintf(why, sizeof(why), "unsupported format (no extension)");
			add_skip(r, id, why);
			continue;
		}
		if ((uint64_t)st.st_size > MAX_FILE_BYTES) {
			add_skip(r, id, "larger than 1 GiB");
			continue;
		}
		add_file(r, id, path, (uint64_t)st.st_size);
	}
	closedir(d);
}

static int by_id(const void *a, const void *b)
{
	return strcmp(((const struct file *)a)->id, ((const struct file *)b)->id);
}

static int skip_by_id(const void *a, const void *b)
{
	return strcmp(((const struct skip *)a)->id, ((const struct skip *)b)->id);
}

/* Reads a whole file: 0, or an errno with *data NULL. You own *data (as_free). */
static int read_file(const char *path, char **data, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	size_t cap, n = 0;
	char *p;
	ssize_t got;
	int e;

	*data = NULL;
	*len = 0;
	if (fd < 0)
		return errno;
	if (fstat(fd, &st) < 0) {
		e = errno;
		close(fd);
		return e;
	}
	cap = (size_t)st.st_size + 1;
	p = as_malloc(cap);
	if (!p) {
		close(fd);
		return ENOMEM;
	}
	for (;;) {
		if (n == cap - 1) {
			/* the file grew since fstat */
			char *q = as_realloc(p, cap * 2);
			if (!q) {
				as_free(p);
				close(fd);
				return ENOMEM;
			}
			p = q;
			cap *= 2;
		}
		got = read(fd, p + n, cap - 1 - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			e = errno;
			as_free(p);
			close(fd);
			return e;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	close(fd);
	*data = p;
	*len = n;
	return 0;
}

static void hash_bytes(const char *data, size_t len, uint8_t out[INDEX_HASH_LEN])
{
	XXH128_canonical_t c;

	XXH128_canonicalFromHash(&c, XXH3_128bits(data, len));
	memcpy(out, c.digest, INDEX_HASH_LEN);
}

/* ---- step 2: workers ---- */

static void extract_one(struct analyzer *an, struct file *f)
{
	struct document doc;
	struct buf warnings = BUF_INIT;
	char *data;
	size_t len;
	int e;

	e = read_file(f->path, &data, &len);
	if (e) {
		char msg[256];
		snprintf(msg, sizeof(msg), "%s: cannot read (%s)", f->id, strerror(e));
		f->rc = AS_EIO;
		f->message = xstrdup(msg);
		return;
	}
	/* The bytes extracted are the bytes hashed, even if the file changed since step 1. */
	hash_bytes(data, len, f->hash);
	f->rc = extract_document(f->id, data, len, &doc, &warnings);
	as_free(data);
	if (warnings.len)
		f->warnings = buf_detach(&warnings, NULL);
	buf_release(&warnings);
	if (f->rc < 0) {
		f->message = xstrdup(as_error_message(f->rc));
		return;
	}
	f->rc = analyzed_doc_build(an, &doc, &f->ad);
	document_clear(&doc);
	if (f->rc < 0) {
		char msg[512];
		snprintf(msg, sizeof(msg), "%s: cannot be analysed (%s)", f->id, as_error_message(f->rc));
		f->message = xstrdup(msg);
		f->ad = NULL;
		return;
	}
	f->text_len = analyzed_doc_text_len(f->ad);
}

static void *worker(void *arg)
{
	struct run *r = arg;
	struct analyzer *an = analyzer_new();

	if (!an)
		oom();
	pthread_mutex_lock(&r->lock);
	for (;;) {
		size_t i;

		while (r->next_job < r->n_jobs && r->next_job > r->consumed &&
		       (r->next_job >= r->consumed + WINDOW_FILES || r->bytes_ahead >= WINDOW_BYTES))
			pthread_cond_wait(&r->window_moved, &r->lock);
		if (r->next_job >= r->n_jobs)
			break;
		i = r->next_job++;
		r->bytes_ahead += r->jobs[i]->size;
		pthread_mutex_unlock(&r->lock);
		extract_one(an, r->jobs[i]);
		pthread_mutex_lock(&r->lock);
		r->jobs[i]->done = 1;
		pthread_cond_broadcast(&r->job_done);
	}
	pthread_mutex_unlock(&r->lock);
	analyzer_free(an);
	return NULL;
}

/* ---- output ---- */

static void progress_clear(struct run *r)
{
	if (r->progress_shown) {
		fputs("\r\033[K", stderr);
		r->progress_shown = 0;
	}
}

static void progress(struct run *r, int force)
{
	double t = now(), dt = t - r->started, mbs, eta;

	if (!r->tty || (!force && t - r->last_progress < 0.1))
		return;
	r->last_progress = t;
	mbs = dt > 0 ? (double)r->bytes_done / 1e6 / dt : 0;
	eta = r->bytes_done > 0 ? dt * (double)(r->bytes_total - r->bytes_done) / (double)r->bytes_done : 0;
	fprintf(stderr, "\r\033[K%zu/%zu files  %.1f MB/s  ETA %d:%02d", r->files_done, r->n_jobs, mbs,
		(int)eta / 60, (int)eta % 60);
	fflush(stderr);
	r->progress_shown = 1;
}

static void print_warnings(struct run *r, const char *lines)
{
	const char *p = lines, *nl;

	progress_clear(r);
	while (*p) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p);
		fprintf(stderr, PROG ": warning: %.*s\n", (int)(nl - p), p);
		p = *nl ? nl + 1 : nl;
	}
}

static void human_bytes(char *out, size_t cap, uint64_t n)
{
	if (n < 10 * 1000)
		snprintf(out, cap, "%llu bytes", (unsigned long long)n);
	else if (n < 10 * 1000 * 1000)
		snprintf(out, cap, "%.1f kB", (double)n / 1e3);
	else
		snprintf(out, cap, "%.1f MB", (double)n / 1e6);
}

/* Fatal: the index cannot be used. */
static int die_index(const char *dir, int rc)
{
	const char *msg = as_error_message(rc);

	if (rc == AS_ELOCKED)
		fprintf(stderr, PROG ": %s\n" PROG ": another artisearch-index is updating %s; run again when it has finished\n",
			msg, dir);
	else if (rc == AS_EVERSION || rc == AS_ECORRUPT)
		fprintf(stderr, PROG ": cannot use the index %s: %s\n"
			PROG ": run again with --full to rebuild it from the documents\n", dir, msg);
	else if (rc == AS_ENOSPC)
		fprintf(stderr, PROG ": the disk holding the index %s is full: %s\n"
			PROG ": nothing was published; the previous index is intact and still served\n",
			dir, msg);
	else
		fprintf(stderr, PROG ": cannot use the index %s: %s\n", dir, msg);
	return 1;
}

static int usage_error(const char *fmt, const char *arg)
{
	fprintf(stderr, PROG ": ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nusage: " PROG " [--index DIR] [--full] CORPUS_DIR (see --help)\n");
	return 2;
}

/* ---- main ---- */

int main(int argc, char **argv)
{
	const char *index_dir = getenv("ARTISEARCH_INDEX"), *corpus = NULL;
	struct run r;
	struct index_writer *w = NULL;
	struct index_summary sum;
	struct stat st;
	pthread_t *threads = NULL;
	long n_threads;
	size_t i;
	uint64_t text_bytes = 0, files_extracted = 0;
	int full = 0, rc, only_args = 0;
	double elapsed;
	char size_text[32];

	if (!index_dir || !*index_dir)
		index_dir = "data/index";
	for (i = 1; i < (size_t)argc; i++) {
		const char *a = argv[i];
		if (!only_args && strcmp(a, "--") == 0) {
			only_args = 1;
		} else if (!only_args && (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)) {
			fputs(usage_text, stdout);
			return 0;
		} else if (!only_args && strcmp(a, "--version") == 0) {
			printf(PROG " %s\n", ARTISEARCH_VERSION);
			return 0;
		} else if (!only_args && strcmp(a, "--full") == 0) {
			full = 1;
		} else if (!only_args && strcmp(a, "--index") == 0) {
			if (++i == (size_t)argc)
				return usage_error("%s needs a directory", "--index");
			index_dir = argv[i];
		} else if (!only_args && strncmp(a, "--index=", 8) == 0) {
			index_dir = a + 8;
		} else if (!only_args && a[0] == '-' && a[1]) {
			return usage_error("unknown option %s", a);
		} else if (corpus) {
			return usage_error("one CORPUS_DIR only (%s is one too many)", a);
		} else {
			corpus = a;
		}
	}
	if (!corpus)
		return usage_error("%s", "no CORPUS_DIR given");
	if (!*index_dir)
		return usage_error("%s", "--index needs a directory");
	if (stat(corpus, &st) < 0) {
		fprintf(stderr, PROG ": corpus '%s': %s\n", corpus, strerror(errno));
		return 2;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, PROG ": corpus '%s': not a folder\n", corpus);
		return 2;
	}
	if (access(corpus, R_OK | X_OK) < 0) {
		/* Never go on: an unreadable corpus would look empty, and commit would
		 * delete every document. */
		fprintf(stderr, PROG ": %s: %s\n", corpus, strerror(errno));
		return 2;
	}

	{
		struct stat ist;
		if (stat(index_dir, &ist) == 0 && ist.st_dev == st.st_dev && ist.st_ino == st.st_ino) {
			fprintf(stderr, PROG ": %s: the index cannot be the corpus folder itself\n", index_dir);
			return 2;
		}
	}

	memset(&r, 0, sizeof(r));
	r.root = corpus;
	r.tty = isatty(2);
	r.started = now();
	pthread_mutex_init(&r.lock, NULL);
	pthread_cond_init(&r.job_done, NULL);
	pthread_cond_init(&r.window_moved, NULL);

	rc = index_writer_open(index_dir, full, &w);
	if (rc < 0)
		return die_index(index_dir, rc);
	if (stat(index_dir, &st) == 0) {
		r.index_dev = st.st_dev;
		r.index_ino = st.st_ino;
	}
	r.real_root = realpath(corpus, NULL);
	r.w = w;

	/* Step 1: list, hash, compare. */
	walk(&r, "");
	if (r.n_files > 1)
		qsort(r.files, r.n_files, sizeof(*r.files), by_id);
	r.jobs = as_malloc((r.n_files ? r.n_files : 1) * sizeof(*r.jobs));
	if (!r.jobs)
		oom();
	for (i = 0; i < r.n_files; i++) {
		struct file *f = &r.files[i];
		char *data;
		size_t len;
		int e = read_file(f->path, &data, &len);

		if (e) {
			unreadable(&r, f->id, A_FILE, e);
			continue;
		}
		hash_bytes(data, len, f->hash);
		as_free(data);
		rc = index_writer_known(w, f->id, f->hash);
		if (rc == 0)
			continue; /* unchanged */
		if (rc < 0 && rc != AS_ENOENT) {
			index_writer_free(w);
			return die_index(index_dir, rc);
		}
		f->changed = rc > 0;
		r.jobs[r.n_jobs++] = f;
		r.bytes_total += f->size;
	}

	/* Step 2: extract and analyse on every core; add in id order. */
	rc = 0;
	n_threads = sysconf(_SC_NPROCESSORS_ONLN);
	if (n_threads < 1)
		n_threads = 1;
	if (n_threads > 16)
		n_threads = 16;
	if ((size_t)n_threads > r.n_jobs)
		n_threads = (long)r.n_jobs;
	threads = as_malloc(((size_t)n_threads + 1) * sizeof(*threads));
	if (!threads)
		oom();
	for (i = 0; i < (size_t)n_threads; i++) {
		int e = pthread_create(&threads[i], NULL, worker, &r);
		if (e) {
			fprintf(stderr, PROG ": cannot start a thread: %s\n", strerror(e));
			return 1;
		}
	}
	for (i = 0; i < r.n_jobs; i++) {
		struct file *f = r.jobs[i];

		pthread_mutex_lock(&r.lock);
		while (!f->done)
			pthread_cond_wait(&r.job_done, &r.lock);
		pthread_mutex_unlock(&r.lock);

		if (f->warnings)
			print_warnings(&r, f->warnings);
		if (f->rc == 0) {
			rc = index_writer_add(w, f->ad, f->hash);
			f->ad = NULL;
			if (rc < 0) {
				progress_clear(&r);
				/* The writer's error is sticky: nothing more can be done. */
				break;
			}
			text_bytes += f->text_len;
			files_extracted++;
		} else {
			const char *why = f->message;
			size_t idlen = strlen(f->id);
			/* The message names the file: "ID: why"; the summary puts the id first. */
			if (strncmp(why, f->id, idlen) == 0 && why[idlen] == ':' && why[idlen + 1] == ' ')
				why += idlen + 2;
			add_skip(&r, f->id, why);
			/* The version indexed earlier is no longer what the corpus holds. */
			if (f->changed && (rc = index_writer_delete(w, f->id)) < 0)
				break;
		}
		r.files_done++;
		r.bytes_done += f->size;
		progress(&r, 0);

		pthread_mutex_lock(&r.lock);
		r.consumed = i + 1;
		r.bytes_ahead -= f->size;
		pthread_cond_broadcast(&r.window_moved);
		pthread_mutex_unlock(&r.lock);
	}
	if (rc < 0 && r.n_jobs) {
		/* Let the workers finish their files and stop: no more jobs. */
		pthread_mutex_lock(&r.lock);
		r.n_jobs = r.next_job;
		r.consumed = r.next_job;
		pthread_cond_broadcast(&r.window_moved);
		pthread_mutex_unlock(&r.lock);
	}
	for (i = 0; i < (size_t)n_threads; i++)
		pthread_join(threads[i], NULL);
	progress_clear(&r);

	/* Step 3: publish (after a writer error, commit returns it and publishes nothing). */
	if (rc >= 0) {
		if (r.tty) {
			fprintf(stderr, "%zu/%zu files  writing the index...", r.files_done, r.n_jobs);
			fflush(stderr);
			r.progress_shown = 1;
		}
		rc = index_writer_commit(w, &sum);
		progress_clear(&r);
	}
	if (rc < 0) {
		die_index(index_dir, rc);
		index_writer_free(w);
		return 1;
	}
	index_writer_free(w);
	elapsed = now() - r.started;

	if (r.n_skips > 1)
		qsort(r.skips, r.n_skips, sizeof(*r.skips), skip_by_id);
	printf("added %llu, updated %llu, deleted %llu, unchanged %llu, skipped %zu\n",
	       (unsigned long long)sum.added, (unsigned long long)sum.updated,
	       (unsigned long long)sum.deleted, (unsigned long long)sum.unchanged, r.n_skips);
	for (i = 0; i < r.n_skips; i++)
		printf("skipped %s: %s\n", r.skips[i].id, r.skips[i].why);
	printf("time %.2f s: %llu files extracted, %.2f MB of text, %.2f MB/s, %.1f files/s\n", elapsed,
	       (unsigned long long)files_extracted, (double)text_bytes / 1e6,
	       elapsed > 0 ? (double)text_bytes / 1e6 / elapsed : 0.0,
	       elapsed > 0 ? (double)files_extracted / elapsed : 0.0);
	human_bytes(size_text, sizeof(size_text), sum.index_bytes);
	printf("index %s: %llu documents, %s\n", index_dir, (unsigned long long)sum.n_docs, size_text);
	if (sum.published)
		printf("published %s\n", sum.generation);
	else
		printf("nothing changed: %s stays published\n", sum.generation[0] ? sum.generation : "no generation");

	for (i = 0; i < r.n_files; i++) {
		as_free(r.files[i].id);
		as_free(r.files[i].path);
		as_free(r.files[i].message);
		as_free(r.files[i].warnings);
		analyzed_doc_free(r.files[i].ad);
	}
	for (i = 0; i < r.n_skips; i++) {
		as_free(r.skips[i].id);
		as_free(r.skips[i].why);
	}
	as_free(r.files);
	as_free(r.skips);
	as_free(r.jobs);
	as_free(threads);
	free(r.real_root);
	return 0;
}
