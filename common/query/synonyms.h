#ifndef AS_QUERY_SYNONYMS_H
#define AS_QUERY_SYNONYMS_H
/*
 * Synonyms and acronyms applied at query time (so the index never needs rebuilding when
 * the list changes). The list is common/query/synonyms.txt, compiled into the programs
 * (the daemon stays one file): one group per line, members separated by `|`, `#` starts
 * a comment. Every member is analysed like a query, so `CMA`, `C.M.A.` and `cma` are
 * one member, and `chambre de métiers et de l'artisanat` is the phrase of its terms.
 *
 * A query word whose term is a one-word member gets the group's other members as
 * alternatives: one-word members as extra keys of its leaf, longer ones as phrases.
 * Consecutive query words equal to a longer member get the one-word members as an
 * alternative to all of them (plan.c).
 */
#include <stddef.h>
#include <stdint.h>

struct analyzer;

struct syn_member {
	const char **terms;  /* analysed terms, NUL-terminated */
	const char **words;  /* the folded words, for display */
	uint32_t *positions; /* relative positions (stop words leave gaps) */
	uint32_t n_terms;
	size_t term0_len;    /* strlen(terms[0]) */
};

struct syn_group {
	struct syn_member *members;
	uint32_t n_members;
};

struct synonyms;

/* Parses text[0..len) (the format above). You own *out; free with synonyms_free(). */
int synonyms_new(struct analyzer *an, const char *text, size_t len, struct synonyms **out);
/* The list compiled into the programs. */
int synonyms_new_default(struct analyzer *an, struct synonyms **out);
void synonyms_free(struct synonyms *syn);

/*
 * Calls fn for each member of every group that has the one-word member `term`, except
 * that member itself. Owned by syn.
 */
void synonyms_lookup(const struct synonyms *syn, const char *term, size_t len,
		     void (*fn)(void *ctx, const struct syn_member *m), void *ctx);

/* A member and its group. */
struct syn_ref {
	const struct syn_group *group;
	const struct syn_member *member;
};

/*
 * Every member whose first term is term[0..len), in the list's order (group by group):
 * sets *out to them and returns how many (owned by syn). For matching several query
 * words against a longer member (`centre de formation d'apprentis` -> `cfa`). A hash
 * look-up: planning looks up every query word twice, and most are in no group.
 */
uint32_t synonyms_starting(const struct synonyms *syn, const char *term, size_t len, const struct syn_ref **out);

#endif
