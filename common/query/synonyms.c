#include "common/query/synonyms.h"

#include <stdlib.h>
#include <string.h>

#include "common/text/analyzer.h"
#include "common/util/arena.h"
#include "common/util/error.h"
#include "common/util/mem.h"

/* The bytes of synonyms.txt, compiled into the library by the Makefile (WORDLISTS). */
extern const char synonyms_txt[];

struct synonyms {
	struct arena *arena;
	struct syn_group *groups;
	uint32_t n_groups;
	struct syn_ref *refs; /* every member, by first term then list order */
	uint32_t n_refs;
	/* Open addressing over the distinct first terms: 1 + the index of the term's first
	 * ref, 0 for an empty slot. Most query words are in no group: one probe says so. */
	uint32_t *slots;
	uint32_t mask;
};

/* FNV-1a. */
static uint32_t term_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h;
}

static int cmp_term(const char *a, size_t al, const char *b, size_t bl)
{
	int c = memcmp(a, b, al < bl ? al : bl);

	return c ? c : (al > bl) - (al < bl);
}

static int cmp_ref(const void *a, const void *b)
{
	const struct syn_ref *x = a, *y = b;
	int c = cmp_term(x->member->terms[0], x->member->term0_len, y->member->terms[0], y->member->term0_len);

	if (c)
		return c;
	/* List order: groups are one array, members one array per group. */
	if (x->group != y->group)
		return x->group < y->group ? -1 : 1;
	return (x->member > y->member) - (x->member < y->member);
}

static int index_refs(struct synonyms *syn)
{
	uint32_t n = 0;

	for (uint32_t g = 0; g < syn->n_groups; g++)
		n += syn->groups[g].n_members;
	if (!(syn->refs = arena_alloc(syn->arena, (n ? n : 1) * sizeof(*syn->refs))))
		return AS_ENOMEM;
	for (uint32_t g = 0; g < syn->n_groups; g++)
		for (uint32_t m = 0; m < syn->groups[g].n_members; m++) {
			syn->refs[syn->n_refs].group = &syn->groups[g];
			syn->refs[syn->n_refs++].member = &syn->groups[g].members[m];
		}
	qsort(syn->refs, syn->n_refs, sizeof(*syn->refs), cmp_ref);
	uint32_t size = 16;
	while (size < 4 * (uint64_t)syn->n_refs)
		size *= 2;
	if (!(syn->slots = arena_calloc(syn->arena, size, sizeof(*syn->slots))))
		return AS_ENOMEM;
	syn->mask = size - 1;
	for (uint32_t i = 0; i < syn->n_refs; i++) {
		const struct syn_member *m = syn->refs[i].member, *prev = i ? syn->refs[i - 1].member : NULL;
		if (prev && cmp_term(prev->terms[0], prev->term0_len, m->terms[0], m->term0_len) == 0)
			continue;
		uint32_t h = term_hash(m->terms[0], m->term0_len) & syn->mask;
		while (syn->slots[h])
			h = (h + 1) & syn->mask;
		syn->slots[h] = i + 1;
	}
	return 0;
}

static int analyse_member(struct synonyms *syn, struct analyzer *an, const char *s, size_t len,
			  struct syn_member *m)
{
	struct token tok;
	uint32_t cap = 0, first = 0;
	int rc;

	memset(m, 0, sizeof(*m));
	analyzer_start(an, s, len, ANALYZER_QUERY);
	while ((rc = analyzer_next(an, &tok)) == 0) {
		if (tok.flags & TOKEN_COMPOUND)
			continue; /* the parts stand for it, as in a phrase */
		if (m->n_terms == cap) {
			uint32_t ncap = cap ? cap * 2 : 4;
			const char **t = arena_alloc(syn->arena, ncap * sizeof(*t));
			const char **w = arena_alloc(syn->arena, ncap * sizeof(*w));
			uint32_t *p = arena_alloc(syn->arena, ncap * sizeof(*p));
			if (!t || !w || !p)
				return AS_ENOMEM;
			if (cap) {
				memcpy(t, m->terms, cap * sizeof(*t));
				memcpy(w, m->words, cap * sizeof(*w));
				memcpy(p, m->positions, cap * sizeof(*p));
			}
			m->terms = t, m->words = w, m->positions = p;
			cap = ncap;
		}
		if (m->n_terms == 0)
			first = tok.position;
		m->terms[m->n_terms] = arena_strndup(syn->arena, tok.term, tok.term_len);
		m->words[m->n_terms] = arena_strndup(syn->arena, tok.word, tok.word_len);
		m->positions[m->n_terms] = tok.position - first;
		if (!m->terms[m->n_terms] || !m->words[m->n_terms])
			return AS_ENOMEM;
		m->n_terms++;
	}
	if (m->n_terms)
		m->term0_len = strlen(m->terms[0]);
	return rc < 0 ? rc : 0;
}

int synonyms_new(struct analyzer *an, const char *text, size_t len, struct synonyms **out)
{
	struct synonyms *syn = as_calloc(1, sizeof(*syn));
	uint32_t cap = 0;
	size_t i = 0;
	int rc = AS_ENOMEM;

	*out = NULL;
	if (!syn || !(syn->arena = arena_new(0)))
		goto fail;
	while (i < len) {
		size_t eol = i, end;
		while (eol < len && text[eol] != '\n')
			eol++;
		end = eol;
		for (size_t j = i; j < eol; j++)
			if (text[j] == '#') {
				end = j;
				break;
			}
		/* Members of the line. */
		struct syn_member members[32];
		uint32_t n = 0;
		size_t s = i;
		while (s < end && n < 32) {
			size_t e = s;
			while (e < end && text[e] != '|')
				e++;
			if ((rc = analyse_member(syn, an, text + s, e - s, &members[n])) < 0)
				goto fail;
			if (members[n].n_terms > 0)
				n++;
			s = e + 1;
		}
		i = eol + 1;
		if (n < 2)
			continue;
		if (syn->n_groups == cap) {
			uint32_t ncap = cap ? cap * 2 : 64;
			struct syn_group *g = arena_alloc(syn->arena, ncap * sizeof(*g));
			rc = AS_ENOMEM;
			if (!g)
				goto fail;
			if (cap)
				memcpy(g, syn->groups, cap * sizeof(*g));
			syn->groups = g;
			cap = ncap;
		}
		struct syn_group *g = &syn->groups[syn->n_groups++];
		g->members = arena_alloc(syn->arena, n * sizeof(*g->members));
		rc = AS_ENOMEM;
		if (!g->members)
			goto fail;
		memcpy(g->members, members, n * sizeof(*members));
		g->n_members = n;
	}
	if ((rc = index_refs(syn)) < 0)
		goto fail;
	*out = syn;
	return 0;
fail:
	synonyms_free(syn);
	return rc;
}

int synonyms_new_default(struct analyzer *an, struct synonyms **out)
{
	return synonyms_new(an, synonyms_txt, strlen(synonyms_txt), out);
}

void synonyms_free(struct synonyms *syn)
{
	if (!syn)
		return;
	arena_free(syn->arena);
	as_free(syn);
}

uint32_t synonyms_starting(const struct synonyms *syn, const char *term, size_t len, const struct syn_ref **out)
{
	uint32_t h, first, n;

	*out = NULL;
	if (!syn)
		return 0;
	*out = syn->refs;
	for (h = term_hash(term, len) & syn->mask; syn->slots[h]; h = (h + 1) & syn->mask) {
		const struct syn_member *m = syn->refs[syn->slots[h] - 1].member;
		if (m->term0_len == len && memcmp(m->terms[0], term, len) == 0)
			break;
	}
	if (!syn->slots[h])
		return 0;
	first = n = syn->slots[h] - 1;
	while (n < syn->n_refs && syn->refs[n].member->term0_len == len &&
	       memcmp(syn->refs[n].member->terms[0], term, len) == 0)
		n++;
	*out = syn->refs + first;
	return n - first;
}

void synonyms_lookup(const struct synonyms *syn, const char *term, size_t len,
		     void (*fn)(void *ctx, const struct syn_member *m), void *ctx)
{
	const struct syn_ref *r;
	const struct syn_group *done = NULL;
	uint32_t n = synonyms_starting(syn, term, len, &r);

	/* Each group once, at its first one-word member equal to the term. */
	for (uint32_t i = 0; i < n; i++) {
		if (r[i].member->n_terms != 1 || r[i].group == done)
			continue;
		done = r[i].group;
		for (uint32_t k = 0; k < done->n_members; k++)
			if (&done->members[k] != r[i].member)
				fn(ctx, &done->members[k]);
	}
}
