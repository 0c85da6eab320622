/*
 * `check` and `dump`: decode every structure of a generation, through the same readers
 * the query engine uses, and say what is wrong or what is there.
 */
#include "common/index/check.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "common/index/index_int.h"
#include "common/util/arena.h"
#include "common/util/buf.h"
#include "common/util/error.h"
#include "common/util/mem.h"

struct checker {
	struct buf *report;
	int rc;
	unsigned n_problems;
	char first[512]; /* the first problem: the thread's message is overwritten by later calls */
};

static void __attribute__((format(printf, 3, 4))) problem(struct checker *c, int code, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	buf_addf(c->report, "problem: %s\n", msg);
	if (!c->rc) {
		c->rc = as_error_set(code, "%s", msg);
		memcpy(c->first, msg, sizeof(c->first));
	}
	c->n_problems++;
}

static int key_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	size_t m = al < bl ? al : bl;
	int c = m ? memcmp(a, b, m) : 0;
	return c ? c : (al > bl) - (al < bl);
}

static void check_list(struct checker *c, const struct segment *seg, const char *key, const struct term_info *ti)
{
	struct postings *p, *q;
	uint32_t n = 0, prev = 0, max_tf[N_FIELDS] = { 0 }, min_len[N_FIELDS] = { 0 }, bt[N_FIELDS], bl[N_FIELDS];
	int rc, f;

	if ((rc = postings_open(seg, ti, POSTINGS_POSITIONS, &p)) < 0) {
		problem(c, rc, "%s: key '%s': %s", seg->name, key, as_error_message(rc));
		return;
	}
	if ((rc = postings_open(seg, ti, 0, &q)) < 0) {
		postings_free(p);
		problem(c, rc, "%s: key '%s': %s", seg->name, key, as_error_message(rc));
		return;
	}
	while ((rc = postings_next(p)) == 0) {
		uint32_t doc = postings_doc(p), tf[N_FIELDS];
		if (n && doc <= prev)
			problem(c, AS_ECORRUPT, "%s: key '%s': documents not increasing", seg->name, key);
		prev = doc;
		n++;
		postings_freqs(p, tf);
		for (f = 0; f < N_FIELDS; f++) {
			const uint32_t *pos;
			uint32_t np, i, len = segment_field_len(seg, doc, f);
			if ((rc = postings_positions(p, f, &pos, &np)) < 0)
				break;
			if (np != tf[f])
				problem(c, AS_ECORRUPT, "%s: key '%s' doc %u: %u positions for tf %u", seg->name, key, doc, np, tf[f]);
			for (i = 1; i < np; i++)
				if (pos[i] <= pos[i - 1])
					problem(c, AS_ECORRUPT, "%s: key '%s' doc %u: positions not increasing", seg->name, key, doc);
			if (!tf[f])
				continue;
			if (tf[f] > max_tf[f])
				max_tf[f] = tf[f];
			if (!min_len[f] || (len ? len : 1) < min_len[f])
				min_len[f] = len ? len : 1;
		}
		if (rc < 0)
			break;
		/* Block maxima bound the documents they cover. */
		if ((rc = postings_shallow_seek(q, doc)) != 0) {
			problem(c, AS_ECORRUPT, "%s: key '%s': shallow seek to %u failed", seg->name, key, doc);
			rc = rc < 0 ? rc : 0;
			break;
		}
		postings_block_max(q, bt, bl);
		if (postings_block_last(q) < doc)
			problem(c, AS_ECORRUPT, "%s: key '%s': block ends before doc %u", seg->name, key, doc);
		for (f = 0; f < N_FIELDS; f++)
			if (tf[f] > bt[f] || (tf[f] && bl[f] > (segment_field_len(seg, doc, f) ? segment_field_len(seg, doc, f) : 1)))
				problem(c, AS_ECORRUPT, "%s: key '%s' doc %u: block maxima do not bound it", seg->name, key, doc);
		if ((rc = postings_seek(q, doc)) != 0 || postings_doc(q) != doc) {
			problem(c, AS_ECORRUPT, "%s: key '%s': seek to %u does not land on it", seg->name, key, doc);
			rc = rc < 0 ? rc : 0;
			break;
		}
	}
	if (rc < 0)
		problem(c, rc, "%s: key '%s': %s", seg->name, key, as_error_message(rc));
	else if (n != ti->doc_freq)
		problem(c, AS_ECORRUPT, "%s: key '%s': %u documents, doc_freq says %u", seg->name, key, n, ti->doc_freq);
	else
		for (f = 0; f < N_FIELDS; f++)
			if (max_tf[f] != ti->max_tf[f] || min_len[f] != ti->min_len[f])
				problem(c, AS_ECORRUPT, "%s: key '%s': list maxima are wrong", seg->name, key);
	postings_free(p);
	postings_free(q);
}

static void check_dict(struct checker *c, const struct segment *seg, enum dict dict)
{
	struct term_iter *it;
	char prev[KEY_MAX + 1];
	size_t prev_len = 0, kl;
	uint64_t n = 0;
	const char *k;
	int rc;

	if ((rc = term_iter_new(seg, dict, &it)) < 0) {
		problem(c, rc, "%s", as_error_message(rc));
		return;
	}
	while ((rc = term_iter_next(it)) == 0) {
		k = term_iter_key(it, &kl);
		if (n && key_cmp(prev, prev_len, k, kl) >= 0)
			problem(c, AS_ECORRUPT, "%s.%s: keys out of order at '%.*s'", seg->name,
				dict == DICT_TERMS ? "terms" : "words", (int)kl, k);
		memcpy(prev, k, kl);
		prev[kl] = 0;
		prev_len = kl;
		n++;
		if (dict == DICT_TERMS)
			check_list(c, seg, prev, term_iter_info(it));
		else if (term_iter_info(it)->doc_freq > seg->n_docs)
			problem(c, AS_ECORRUPT, "%s.words: '%s' in more documents than the segment has", seg->name, prev);
		if (c->n_problems > 100)
			break;
	}
	if (rc < 0)
		problem(c, rc, "%s", as_error_message(rc));
	else if (rc > 0 && n != seg->dicts[dict].n_keys)
		problem(c, AS_ECORRUPT, "%s.%s: %llu keys, the tail says %llu", seg->name, dict == DICT_TERMS ? "terms" : "words",
			(unsigned long long)n, (unsigned long long)seg->dicts[dict].n_keys);
	term_iter_free(it);
}

static void check_docs(struct checker *c, const struct index *idx, uint32_t si)
{
	const struct segment *seg = idx->segs[si];
	struct arena *a = arena_new(0);
	struct store_cache cache[2];
	uint64_t total[N_FIELDS] = { 0 };
	uint32_t d, s2, d2;
	int rc, f;

	memset(cache, 0, sizeof(cache));
	if (!a) {
		problem(c, AS_ENOMEM, "out of memory");
		return;
	}
	for (d = 0; d < seg->n_docs; d++) {
		struct stored_doc sd;
		struct doc_values v;
		arena_reset(a);
		for (f = 0; f < N_FIELDS; f++)
			total[f] += segment_field_len(seg, d, f);
		if ((rc = segment_get_doc_cached(seg, d, STORED_BODY, a, cache, &sd)) < 0) {
			problem(c, rc, "%s", as_error_message(rc));
			continue;
		}
		if (!sd.id || strcmp(sd.id, segment_doc_id(seg, d)))
			problem(c, AS_ECORRUPT, "%s: document %u: stored id differs from the id table", seg->name, d);
		segment_doc_values(seg, d, &v);
		if ((v.type && !segment_value_name(seg, VALUE_TYPE, v.type)) ||
		    (v.department && !segment_value_name(seg, VALUE_DEPARTMENT, v.department)))
			problem(c, AS_ECORRUPT, "%s.docs: document %u: unknown value id", seg->name, d);
		if (segment_is_live(seg, d) &&
		    (index_find_doc(idx, segment_doc_id(seg, d), &s2, &d2) != 0 || s2 < si))
			problem(c, AS_ECORRUPT, "%s: document '%s' cannot be found by id", seg->name, segment_doc_id(seg, d));
		if (c->n_problems > 100)
			break;
	}
	for (f = 0; f < N_FIELDS; f++)
		if (total[f] != seg->total_len[f])
			problem(c, AS_ECORRUPT, "%s.docs: field length totals are wrong", seg->name);
	store_cache_release(&cache[0]);
	store_cache_release(&cache[1]);
	arena_free(a);
}

int index_check(const char *dir, const char *generation, struct buf *report)
{
	struct checker c = { .report = report };
	struct index *idx;
	uint32_t i;
	uint64_t keys = 0, docs = 0;
	int rc;

	rc = generation ? index_open_generation(dir, generation, &idx) : index_open(dir, &idx);
	if (rc < 0) {
		buf_addf(report, "problem: %s\n", as_error_message(rc));
		return rc;
	}
	for (i = 0; i < idx->n_segments; i++) {
		const struct segment *seg = idx->segs[i];
		check_dict(&c, seg, DICT_TERMS);
		check_dict(&c, seg, DICT_WORDS);
		check_docs(&c, idx, i);
		keys += seg->dicts[0].n_keys;
		docs += seg->n_docs;
	}
	buf_addf(report, "%s: %u segments, %llu documents (%llu live), %llu term keys: %s\n", idx->generation,
		 idx->n_segments, (unsigned long long)docs, (unsigned long long)idx->stats.n_docs,
		 (unsigned long long)keys, c.n_problems ? "CORRUPT" : "ok");
	index_close(idx);
	if (c.rc)
		as_error_set(c.rc, "%s", c.first);
	return c.rc;
}

/* ---- dump ---- */

static void dump_key(struct buf *out, const char *k, size_t kl)
{
	size_t i;

	for (i = 0; i < kl; i++) {
		unsigned char ch = (unsigned char)k[i];
		if (ch < 0x20 || ch == 0x7f)
			buf_addf(out, "\\x%02x", ch);
		else
			buf_addch(out, ch);
	}
}

static int dump_dict(const struct index *idx, enum dict dict, const char *prefix, struct buf *out)
{
	size_t pl = prefix ? strlen(prefix) : 0;
	uint32_t s;
	int rc = 0, f;

	for (s = 0; s < idx->n_segments && rc >= 0; s++) {
		const struct segment *seg = idx->segs[s];
		struct term_iter *it;
		buf_addf(out, "segment %s\n", seg->name);
		if ((rc = term_iter_new(seg, dict, &it)) < 0)
			return rc;
		for (rc = term_iter_seek(it, prefix ? prefix : "", pl); rc == 0; rc = term_iter_next(it)) {
			size_t kl;
			const char *k = term_iter_key(it, &kl);
			const struct term_info *ti = term_iter_info(it);
			struct postings *p;
			if (kl < pl || memcmp(k, prefix, pl))
				break;
			buf_addstr(out, "  ");
			dump_key(out, k, kl);
			buf_addf(out, "  df=%u", ti->doc_freq);
			if (dict == DICT_WORDS) {
				buf_addch(out, '\n');
				continue;
			}
			buf_addf(out, " max_tf=%u,%u,%u min_len=%u,%u,%u bytes=%llu\n", ti->max_tf[0], ti->max_tf[1],
				 ti->max_tf[2], ti->min_len[0], ti->min_len[1], ti->min_len[2],
				 (unsigned long long)ti->postings_len);
			if ((rc = postings_open(seg, ti, POSTINGS_POSITIONS, &p)) < 0)
				break;
			while ((rc = postings_next(p)) == 0) {
				uint32_t tf[N_FIELDS], d = postings_doc(p);
				postings_freqs(p, tf);
				buf_addf(out, "    doc %u%s", d, segment_is_live(seg, d) ? "" : " (deleted)");
				for (f = 0; f < N_FIELDS; f++) {
					const uint32_t *pos;
					uint32_t np, i;
					static const char *const names[N_FIELDS] = { "title", "tags", "body" };
					if (!tf[f] || postings_positions(p, f, &pos, &np) < 0)
						continue;
					buf_addf(out, " %s:", names[f]);
					for (i = 0; i < np; i++)
						buf_addf(out, "%s%u", i ? "," : "", pos[i]);
				}
				buf_addch(out, '\n');
			}
			postings_free(p);
			if (rc < 0)
				break;
		}
		term_iter_free(it);
	}
	return rc < 0 ? rc : 0;
}

int index_dump(const char *dir, const char *what, struct buf *out)
{
	struct index *idx;
	uint32_t s;
	int rc = 0;

	if ((rc = index_open(dir, &idx)) < 0)
		return rc;
	if (!strcmp(what, "manifest") || !strcmp(what, "segments")) {
		buf_addf(out, "generation %s (number %llu, next segment %llu), %u segments, %llu live documents\n",
			 idx->generation, (unsigned long long)idx->gen_no, (unsigned long long)idx->next_segment,
			 idx->n_segments, (unsigned long long)idx->stats.n_docs);
		for (s = 0; s < idx->n_segments; s++) {
			const struct segment *seg = idx->segs[s];
			buf_addf(out, "  %s: %u documents, %u deleted\n", seg->name, seg->n_docs, seg->n_deleted);
			if (!strcmp(what, "segments"))
				buf_addf(out,
					 "    terms %zu bytes (%llu keys), words %zu bytes (%llu keys), post %zu bytes, "
					 "docs %zu bytes, stor %zu bytes (%u+%u blocks)\n",
					 seg->dicts[0].f.size, (unsigned long long)seg->dicts[0].n_keys, seg->dicts[1].f.size,
					 (unsigned long long)seg->dicts[1].n_keys, seg->post.size, seg->docs.size,
					 seg->stor.size, seg->n_store_blocks[0], seg->n_store_blocks[1]);
		}
	} else if (!strncmp(what, "terms", 5) && (what[5] == 0 || what[5] == ':')) {
		rc = dump_dict(idx, DICT_TERMS, what[5] ? what + 6 : NULL, out);
	} else if (!strncmp(what, "words", 5) && (what[5] == 0 || what[5] == ':')) {
		rc = dump_dict(idx, DICT_WORDS, what[5] ? what + 6 : NULL, out);
	} else if (!strncmp(what, "doc:", 4)) {
		uint32_t si, d;
		struct arena *a = arena_new(0);
		struct stored_doc sd;
		struct doc_values v;
		size_t i;
		if (!a)
			rc = AS_ENOMEM;
		else if ((rc = index_find_doc(idx, what + 4, &si, &d)) < 0)
			as_error_set(rc, "no document '%s' in the index", what + 4);
		else if ((rc = segment_get_doc(idx->segs[si], d, STORED_BODY, a, &sd)) == 0) {
			const struct segment *seg = idx->segs[si];
			segment_doc_values(seg, d, &v);
			buf_addf(out, "segment %s doc %u\nid: %s\ntitle: %s\ndate: %s (%d)\ntype: %s (%u)\n", seg->name, d,
				 sd.id, sd.title ? sd.title : "", sd.date ? sd.date : "", v.date, sd.type ? sd.type : "",
				 v.type);
			buf_addf(out, "department: %s (%u)\nurl: %s\ntags:", sd.department ? sd.department : "",
				 v.department, sd.url ? sd.url : "");
			for (i = 0; i < sd.n_tags; i++)
				buf_addf(out, " [%s]", sd.tags[i]);
			buf_addf(out, "\nfield lengths: title %u, tags %u, body %u\nhash: ",
				 segment_field_len(seg, d, FIELD_TITLE), segment_field_len(seg, d, FIELD_TAGS),
				 segment_field_len(seg, d, FIELD_BODY));
			for (i = 0; i < 16; i++)
				buf_addf(out, "%02x", segment_doc_hash(seg, d)[i]);
			buf_addf(out, "\nbody (%zu bytes):\n%s\n", sd.body_len, sd.body ? sd.body : "");
		}
		arena_free(a);
	} else {
		rc = as_error_set(AS_EINVAL, "dump: unknown part '%s' (manifest, segments, terms[:PREFIX], words[:PREFIX], doc:ID)", what);
	}
	index_close(idx);
	return rc;
}
