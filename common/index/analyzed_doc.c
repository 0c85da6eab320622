/*
 * A document's tokens grouped by key before it reaches the writer: one small hash
 * table per document, so that index_writer_add() does one look-up in the writer's
 * table per distinct key of the document, not one per token (Zettair's and Lucene's
 * per-document term aggregation).
 */
#include <string.h>
#include <xxhash.h>

#include "common/index/index_int.h"
#include "common/index/writer.h"
#include "common/text/analyzer.h"
#include "common/util/error.h"
#include "common/util/mem.h"

static int table_grow(uint32_t **table, uint32_t *cap, const struct ad_key *keys, uint32_t n)
{
	uint32_t nc = *cap ? *cap * 2 : 256, i;
	uint32_t *t = as_calloc(nc, sizeof(*t));

	if (!t)
		return AS_ENOMEM;
	for (i = 0; i < n; i++) {
		uint32_t h = (uint32_t)keys[i].hash & (nc - 1);
		while (t[h])
			h = (h + 1) & (nc - 1);
		t[h] = i + 1;
	}
	as_free(*table);
	*table = t;
	*cap = nc;
	return 0;
}

int64_t ad_set_intern(struct ad_set *s, const char *key, size_t len, uint64_t h)
{
	uint32_t slot, i;

	if ((s->n + 1) * 2 > s->cap && table_grow(&s->table, &s->cap, s->keys, s->n))
		return -1;
	slot = (uint32_t)h & (s->cap - 1);
	while ((i = s->table[slot])) {
		const struct ad_key *k = &s->keys[i - 1];
		if (k->hash == h && k->len == len && !memcmp(s->bytes.ptr + k->off, key, len))
			return i - 1;
		slot = (slot + 1) & (s->cap - 1);
	}
	if (s->n == s->keys_cap) {
		uint32_t nc = s->keys_cap ? s->keys_cap * 2 : 64;
		struct ad_key *nk = as_realloc(s->keys, nc * sizeof(*nk));
		if (!nk)
			return -1;
		s->keys = nk;
		s->keys_cap = nc;
	}
	memset(&s->keys[s->n], 0, sizeof(s->keys[s->n]));
	s->keys[s->n].off = (uint32_t)s->bytes.len;
	s->keys[s->n].len = (uint32_t)len;
	s->keys[s->n].hash = h;
	buf_add(&s->bytes, key, len);
	if (s->bytes.err)
		return -1;
	s->table[slot] = s->n + 1;
	return s->n++;
}

static int64_t intern(struct ad_set *s, const char *key, size_t len)
{
	return ad_set_intern(s, key, len, XXH3_64bits(key, len));
}

static char *dup_or_null(const char *s)
{
	return s ? as_strdup(s) : NULL;
}

int analyzed_doc_new(const struct document *doc, struct analyzed_doc **out)
{
	struct analyzed_doc *ad;
	size_t i;

	*out = NULL;
	if (!doc->id || !*doc->id)
		return as_error_set(AS_EINVAL, "document without an id");
	ad = as_calloc(1, sizeof(*ad));
	if (!ad)
		return AS_ENOMEM;
	ad->id = as_strdup(doc->id);
	ad->type = dup_or_null(doc->type);
	ad->department = dup_or_null(doc->department);
	ad->date = parse_date(doc->date);
	ad->mark_next = BODY_MARK_EVERY;
	ad->body_len = doc->body ? doc->body_len : 0;
	ad->body = as_malloc(ad->body_len + 1);
	if (!ad->id || (doc->type && !ad->type) || (doc->department && !ad->department) || !ad->body) {
		analyzed_doc_free(ad);
		return AS_ENOMEM;
	}
	if (ad->body_len)
		memcpy(ad->body, doc->body, ad->body_len);
	ad->body[ad->body_len] = '\0';
	store_meta_put(&ad->meta, doc->id, doc->title, doc->date, doc->type, doc->department, doc->url,
		       doc->tags, doc->n_tags);
	if (ad->meta.err) {
		analyzed_doc_free(ad);
		return AS_ENOMEM;
	}
	ad->text_len = ad->body_len + (doc->title ? strlen(doc->title) : 0);
	for (i = 0; i < doc->n_tags; i++)
		ad->text_len += doc->tags[i] ? strlen(doc->tags[i]) : 0;
	*out = ad;
	return 0;
}

static int add_occ(struct analyzed_doc *ad, int64_t k, enum field f, uint32_t pos)
{
	struct ad_key *key;
	uint64_t fp = ((uint64_t)f << 32 | pos) + 1;

	if (k < 0)
		return ad->err = AS_ENOMEM;
	key = &ad->keys.keys[k];
	if (fp <= key->last || key->tf[f] >= TF_MAX)
		return 0; /* same position twice, or the clamp of FORMAT.md "Limits" */
	key->last = fp;
	key->tf[f]++;
	key->count++;
	if (ad->n_occ == ad->occ_cap) {
		size_t nc = ad->occ_cap ? ad->occ_cap * 2 : 1024;
		struct ad_occ *n = as_realloc(ad->occ, nc * sizeof(*n));
		if (!n)
			return ad->err = AS_ENOMEM;
		ad->occ = n;
		ad->occ_cap = nc;
	}
	ad->occ[ad->n_occ].key = (uint32_t)k;
	ad->occ[ad->n_occ].pos = pos;
	ad->n_occ++;
	return 0;
}

int analyzed_doc_add_token(struct analyzed_doc *ad, enum field f, const struct token *tok, uint32_t position_base)
{
	char key[KEY_MAX + 1];
	uint64_t pos = (uint64_t)tok->position + position_base;
	size_t len;

	if (ad->err)
		return ad->err;
	if ((unsigned)f >= N_FIELDS || ad->finished)
		return ad->err = as_error_set(AS_EINVAL, "analyzed_doc_add_token: bad field or finished document");
	if (pos >= (1u << 31))
		return 0;
	if (!(tok->flags & TOKEN_COMPOUND))
		ad->field_len[f]++;
	/* A body mark on the first whole word at least BODY_MARK_EVERY positions past the
	 * last one (a part starts inside its compound: an analyser started there would
	 * read another word). */
	if (f == FIELD_BODY && !(tok->flags & TOKEN_PART) && pos >= ad->mark_next && tok->start > ad->mark_off &&
	    tok->start < ad->body_len && tok->start < UINT32_MAX) {
		varint_put(&ad->marks, pos - ad->mark_pos);
		varint_put(&ad->marks, tok->start - ad->mark_off);
		ad->mark_pos = (uint32_t)pos;
		ad->mark_off = (uint32_t)tok->start;
		ad->mark_next = (uint32_t)pos + BODY_MARK_EVERY;
		if (ad->marks.err)
			return ad->err = AS_ENOMEM;
	}
	if (tok->term_len && tok->term_len <= KEY_MAX) {
		if (tok->exact_len == tok->term_len && !memcmp(tok->exact, tok->term, tok->term_len)) {
			add_occ(ad, intern(&ad->keys, tok->term, tok->term_len), f, (uint32_t)pos);
		} else if (tok->term_len + 1 + tok->exact_len <= KEY_MAX) {
			memcpy(key, tok->term, tok->term_len);
			key[tok->term_len] = 0x01;
			memcpy(key + tok->term_len + 1, tok->exact, tok->exact_len);
			len = tok->term_len + 1 + tok->exact_len;
			add_occ(ad, intern(&ad->keys, key, len), f, (uint32_t)pos);
		}
	}
	if (tok->alt_len && tok->alt_len <= KEY_MAX)
		add_occ(ad, intern(&ad->keys, tok->alt, tok->alt_len), f, (uint32_t)pos);
	if (tok->word_len && tok->word_len <= KEY_MAX && intern(&ad->words, tok->word, tok->word_len) < 0)
		ad->err = AS_ENOMEM;
	/* The word as written, where it is more than its accents (FORMAT.md "Dictionaries"):
	 * `word 0x01 form`, counted by documents as the word is. */
	if (tok->form_len && tok->word_len + 1 + tok->form_len <= KEY_MAX) {
		memcpy(key, tok->word, tok->word_len);
		key[tok->word_len] = 0x01;
		memcpy(key + tok->word_len + 1, tok->form, tok->form_len);
		if (intern(&ad->words, key, tok->word_len + 1 + tok->form_len) < 0)
			ad->err = AS_ENOMEM;
	}
	return ad->err;
}

int analyzed_doc_finish(struct analyzed_doc *ad)
{
	uint32_t i, total = 0;
	size_t j;

	if (ad->err || ad->finished)
		return ad->err;
	ad->pos = as_malloc((ad->n_occ ? ad->n_occ : 1) * sizeof(*ad->pos));
	if (!ad->pos)
		return ad->err = AS_ENOMEM;
	for (i = 0; i < ad->keys.n; i++) {
		ad->keys.keys[i].first = total;
		total += ad->keys.keys[i].count;
		ad->keys.keys[i].count = 0;
	}
	/* Occurrences are in token order: field by field, positions increasing, so a
	 * stable counting sort by key leaves each key's positions field-grouped and sorted. */
	for (j = 0; j < ad->n_occ; j++) {
		struct ad_key *k = &ad->keys.keys[ad->occ[j].key];
		ad->pos[k->first + k->count++] = ad->occ[j].pos;
	}
	as_free(ad->occ);
	ad->occ = NULL;
	ad->finished = 1;
	return 0;
}

void analyzed_doc_free(struct analyzed_doc *ad)
{
	int s;

	if (!ad)
		return;
	as_free(ad->id);
	as_free(ad->type);
	as_free(ad->department);
	as_free(ad->body);
	buf_release(&ad->meta);
	buf_release(&ad->marks);
	for (s = 0; s < 2; s++) {
		struct ad_set *set = s ? &ad->words : &ad->keys;
		as_free(set->keys);
		as_free(set->table);
		buf_release(&set->bytes);
	}
	as_free(ad->occ);
	as_free(ad->pos);
	as_free(ad);
}

size_t analyzed_doc_text_len(const struct analyzed_doc *ad)
{
	return ad->text_len;
}
