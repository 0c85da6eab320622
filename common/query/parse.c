#include "common/query/parse.h"

#include <stdint.h>
#include <string.h>

#include "common/index/index.h"
#include "common/query/limits.h"
#include "common/util/arena.h"
#include "common/util/buf.h"
#include "common/util/error.h"

/*
 * Two passes: a lexer turns the (truncated) text into a bounded array of tokens, then
 * a recursive-descent parser whose depth is bounded by QUERY_MAX_DEPTH builds the
 * tree. Every token is consumed exactly once, so the parse is linear in the input.
 */

enum tok_kind { T_END, T_WORD, T_PHRASE, T_LPAREN, T_RPAREN, T_OR, T_NOT, T_FIELD };

struct tok {
	enum tok_kind kind;
	const char *text;
	size_t len;
	unsigned fields;
};

struct parser {
	struct arena *arena;
	struct tok *toks;
	size_t n_toks, pos;
	unsigned ignored_parens; /* `(` read as absent past the depth bound: skip as many `)` */
	int nomem;
};

/* Length of a quote character at s (", “, ”, «, »), else 0. */
static size_t quote_len(const char *s, size_t left)
{
	const unsigned char *u = (const unsigned char *)s;

	if (u[0] == '"')
		return 1;
	if (left >= 3 && u[0] == 0xE2 && u[1] == 0x80 && (u[2] == 0x9C || u[2] == 0x9D))
		return 3;
	if (left >= 2 && u[0] == 0xC2 && (u[1] == 0xAB || u[1] == 0xBB))
		return 2;
	return 0;
}

static int is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

/* Ends a word: ASCII space, parentheses, quotes. */
static int ends_word(const char *s, size_t left)
{
	unsigned char c = (unsigned char)s[0];

	return is_space(c) || c == '(' || c == ')' || quote_len(s, left) > 0;
}

/* Whether a digit group ends at s: the query or the word ends, or a sign follows it
 * (`6 000€`, `50 000,`), not a letter or a digit (`5 0000`, `7 000e`). */
static int group_ends(const char *s, size_t left)
{
	if (left == 0 || ends_word(s, left))
		return 1;
	unsigned char c = (unsigned char)s[0];
	if (c < 0x80)
		return !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '*');
	return left >= 3 && memcmp(s, "\xE2\x82\xAC", 3) == 0; /* € */
}

static int all_digits(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return len > 0;
}

/* The end of a group of `width` digits after one plain space at q[j] (the analyzer's
 * digit groups, as typed in a search box), ending as group_ends() says; else 0. */
static size_t next_group(const char *q, size_t len, size_t j, size_t width)
{
	if (j + 1 + width > len || q[j] != ' ' || !all_digits(q + j + 1, width) ||
	    !group_ends(q + j + 1 + width, len - j - 1 - width))
		return 0;
	return j + 1 + width;
}

/* A field prefix (`title:`, `titre:`, case-insensitive): its length and mask, else 0. */
static size_t field_prefix(const char *s, size_t len, unsigned *fields)
{
	static const struct { const char *name; unsigned mask; } names[] = {
		{ "title:", 1u << FIELD_TITLE }, { "titre:", 1u << FIELD_TITLE },
		{ "tags:", 1u << FIELD_TAGS },   { "tag:", 1u << FIELD_TAGS },
		{ "body:", 1u << FIELD_BODY },
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t n = strlen(names[i].name);
		if (len >= n && strncasecmp(s, names[i].name, n) == 0) {
			*fields = names[i].mask;
			return n;
		}
	}
	return 0;
}

/* Cuts len back so that q[0..len) ends on a UTF-8 character boundary. */
static size_t utf8_cut(const char *q, size_t len)
{
	while (len > 0 && ((unsigned char)q[len] & 0xC0) == 0x80)
		len--;
	return len;
}

/* Whether toks[0..n) has the word w[0..len) already. */
static int repeated(const struct tok *toks, size_t n, const char *w, size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (toks[i].kind == T_WORD && toks[i].len == len && memcmp(toks[i].text, w, len) == 0)
			return 1;
	return 0;
}

static int cut_loses(const char *q, size_t kept, size_t len);

static int lex(struct parser *p, const char *q, size_t len)
{
	size_t i = 0, n = 0, words = 0;

	/* At most one token per byte, plus T_END. */
	p->toks = arena_alloc(p->arena, (len + 1) * sizeof(*p->toks));
	if (!p->toks)
		return AS_ENOMEM;
	int plain = 1; /* no operator so far: words, all ANDed */
	while (i < len && words < QUERY_MAX_WORDS) {
		const char *s = q + i;
		size_t left = len - i, ql;
		struct tok *t = &p->toks[n];

		memset(t, 0, sizeof(*t));
		if (is_space((unsigned char)*s) || (unsigned char)*s < 0x20) {
			i++;
			continue;
		}
		if (n && p->toks[n - 1].kind != T_WORD)
			plain = 0;
		if (*s == '(' || *s == ')') {
			t->kind = *s == '(' ? T_LPAREN : T_RPAREN;
			n++, i++;
			continue;
		}
		if ((ql = quote_len(s, left)) > 0) {
			size_t start = i + ql, j = start;
			while (j < len && quote_len(q + j, len - j) == 0)
				j++;
			t->kind = T_PHRASE;
			t->text = q + start;
			t->len = j - start;
			if (j < len)
				j += quote_len(q + j, len - j);
			i = j;
			if (t->len > 0)
				n++, words++;
			continue;
		}
		/* `+33 4 72 43 43 00`: a French telephone number in its international form is
		 * the number `04 72 43 43 00` (the plan looks for both writings). */
		if (*s == '+' && left > 3 && s[1] == '3' && s[2] == '3') {
			size_t k = next_group(q, len, i + 3, 1), k2;
			int g = 0;
			while (k && g < 4 && (k2 = next_group(q, len, k, 2)))
				k = k2, g++;
			if (k && g == 4 && k - i == 17 && s[4] != '0') {
				char *w = arena_alloc(p->arena, 14);
				if (!w)
					return AS_ENOMEM;
				/* `0d dd dd dd dd` from `+33 d dd dd dd dd`. */
				w[0] = '0', w[1] = s[4];
				memcpy(w + 2, s + 5, 12);
				t->kind = T_WORD;
				t->text = w;
				t->len = 14;
				n++, words++;
				i = k;
				continue;
			}
		}
		if (*s == '-' || *s == '+') {
			/* A sign glued to what follows; alone it means nothing. */
			if (left > 1 && !ends_word(s + 1, left - 1) && s[1] != '-' && s[1] != '+') {
				if (*s == '-') {
					t->kind = T_NOT;
					n++;
				}
			} else if (left > 1 && (s[1] == '(' || quote_len(s + 1, left - 1))) {
				if (*s == '-') {
					t->kind = T_NOT;
					n++;
				}
			}
			i++;
			continue;
		}
		/* A word. */
		size_t j = i;
		while (j < len && !ends_word(q + j, len - j))
			j++;
		/* `04 66 62 80 80`: a telephone number in groups of two is one number, as the
		 * analyzer reads it in documents. */
		if (j - i == 2 && s[0] == '0' && all_digits(s, 2)) {
			size_t k = j;
			int g = 0;
			while (g < 4 && (k = next_group(q, len, k, 2)))
				g++;
			if (g == 4)
				j = k;
		}
		/* `73 700`, `1 250 000`: digit groups split by plain spaces are one number
		 * (DESIGN.md): a first group of at most three digits, then every group of three. */
		if (j - i <= 3 && all_digits(s, j - i))
			for (size_t k; (k = next_group(q, len, j, 3));)
				j = k;
		size_t wl = j - i, fl;
		unsigned fields;
		i = j;
		if (wl == 2 && memcmp(s, "OR", 2) == 0) {
			t->kind = T_OR;
			n++;
			continue;
		}
		if (wl == 3 && memcmp(s, "AND", 3) == 0)
			continue;
		if (wl == 3 && memcmp(s, "NOT", 3) == 0) {
			t->kind = T_NOT;
			n++;
			continue;
		}
		if ((fl = field_prefix(s, wl, &fields)) > 0) {
			t->kind = T_FIELD;
			t->fields = fields;
			n++;
			i -= wl - fl; /* lex what follows the colon as usual */
			continue;
		}
		/* Nothing but stars and dashes: nothing to search. */
		size_t k = 0;
		while (k < wl && (s[k] == '*' || s[k] == '-' || s[k] == '+'))
			k++;
		if (k == wl)
			continue;
		/* A word repeated in a plain list of words is there already: `vente vente` is
		 * `vente` (the same documents, the word weighed once), and a pasted text does not
		 * reach the word bound on its repeats. Not a number: `14 66 62 80 80` is digits
		 * in their order. */
		if (plain && !all_digits(s, wl) && repeated(p->toks, n, s, wl))
			continue;
		t->kind = T_WORD;
		t->text = s;
		t->len = wl;
		n++, words++;
	}
	p->toks[n].kind = T_END;
	p->n_toks = n;
	/* What the word bound left out, if it is more than spaces, punctuation and words
	 * kept already (`a OR a OR ...`). */
	return cut_loses(q, i, len);
}

static struct tok *peek(struct parser *p)
{
	return &p->toks[p->pos];
}

static struct qnode *node_new(struct parser *p, enum qnode_kind kind)
{
	struct qnode *n = arena_calloc(p->arena, 1, sizeof(*n));

	if (!n)
		p->nomem = 1;
	else
		n->kind = kind;
	return n;
}

/* A group of kids: one kid is itself, several an AND/OR (nested ones of the same kind flattened). */
static struct qnode *group(struct parser *p, enum qnode_kind kind, struct qnode **kids, unsigned n)
{
	unsigned total = 0, k = 0;
	struct qnode *g;

	if (n == 0)
		return NULL;
	if (n == 1)
		return kids[0];
	for (unsigned i = 0; i < n; i++)
		total += kids[i]->kind == kind ? kids[i]->n_kids : 1;
	g = node_new(p, kind);
	if (!g || !(g->kids = arena_alloc(p->arena, total * sizeof(*g->kids)))) {
		p->nomem = 1;
		return NULL;
	}
	for (unsigned i = 0; i < n; i++) {
		if (kids[i]->kind == kind)
			for (unsigned j = 0; j < kids[i]->n_kids; j++)
				g->kids[k++] = kids[i]->kids[j];
		else
			g->kids[k++] = kids[i];
	}
	g->n_kids = k;
	return g;
}

static void set_fields(struct qnode *n, unsigned fields)
{
	if (!n)
		return;
	if (n->kind == QN_WORD || n->kind == QN_PHRASE) {
		if (!n->fields)
			n->fields = fields;
		return;
	}
	for (unsigned i = 0; i < n->n_kids; i++)
		set_fields(n->kids[i], fields);
}

static struct qnode *parse_or(struct parser *p, unsigned depth);

static struct qnode *parse_unary(struct parser *p, unsigned depth)
{
	unsigned nots = 0, fields = 0;
	struct qnode *n = NULL;
	struct tok *t;

	for (;;) {
		t = peek(p);
		if (t->kind == T_NOT)
			nots++;
		else if (t->kind == T_FIELD)
			fields = t->fields;
		else
			break;
		p->pos++;
	}
	switch (t->kind) {
	case T_WORD:
	case T_PHRASE:
		p->pos++;
		n = node_new(p, t->kind == T_WORD ? QN_WORD : QN_PHRASE);
		if (n) {
			n->text = t->text;
			n->len = t->len;
		}
		break;
	case T_LPAREN:
		p->pos++;
		if (depth + 1 >= QUERY_MAX_DEPTH) {
			p->ignored_parens++;
			return NULL; /* read as absent; parse_and goes on with what follows */
		}
		n = parse_or(p, depth + 1);
		if (peek(p)->kind == T_RPAREN)
			p->pos++;
		break;
	default:
		return NULL; /* a lone NOT or field before ), OR or the end */
	}
	if (fields)
		set_fields(n, fields);
	if (n && (nots & 1)) {
		struct qnode *neg = node_new(p, QN_NOT);
		if (!neg || !(neg->kids = arena_alloc(p->arena, sizeof(*neg->kids))))
			return p->nomem = 1, NULL;
		neg->kids[0] = n;
		neg->n_kids = 1;
		n = neg;
	}
	return n;
}

static struct qnode *parse_and(struct parser *p, unsigned depth)
{
	struct qnode *kids[QUERY_MAX_WORDS + 1];
	unsigned n = 0;

	for (;;) {
		struct tok *t = peek(p);
		if (t->kind == T_END || t->kind == T_OR)
			break;
		if (t->kind == T_RPAREN) {
			if (p->ignored_parens > 0) {
				p->ignored_parens--;
				p->pos++;
				continue;
			}
			if (depth > 0)
				break;
			p->pos++; /* a stray `)` at the top */
			continue;
		}
		size_t before = p->pos;
		struct qnode *k = parse_unary(p, depth);
		if (p->nomem)
			return NULL;
		if (k && n < QUERY_MAX_WORDS)
			kids[n++] = k;
		if (p->pos == before)
			p->pos++; /* never loop on a token nobody takes */
	}
	return group(p, QN_AND, kids, n);
}

static struct qnode *parse_or(struct parser *p, unsigned depth)
{
	struct qnode *kids[QUERY_MAX_WORDS + 1];
	unsigned n = 0;

	for (;;) {
		struct qnode *k = parse_and(p, depth);
		if (p->nomem)
			return NULL;
		if (k && n < QUERY_MAX_WORDS)
			kids[n++] = k;
		if (peek(p)->kind != T_OR)
			break;
		p->pos++;
	}
	/* `a OR -b` has no meaning of its own: the exclusion is dropped. */
	if (n > 1) {
		unsigned m = 0;
		for (unsigned i = 0; i < n; i++)
			if (kids[i]->kind != QN_NOT)
				kids[m++] = kids[i];
		n = m;
	}
	return group(p, QN_OR, kids, n);
}

/* Whether q[0..len) has the token t[0..tl) between spaces (or its ends). */
static int has_token(const char *q, size_t len, const char *t, size_t tl)
{
	for (size_t i = 0; i + tl <= len; i++)
		if ((i == 0 || is_space((unsigned char)q[i - 1])) && memcmp(q + i, t, tl) == 0 &&
		    (i + tl == len || is_space((unsigned char)q[i + tl])))
			return 1;
	return 0;
}

/*
 * Whether the text past the byte bound, q[kept..len), holds a word the kept part does
 * not: a pasted text repeating its words loses nothing by the cut, and is no partial
 * match. Past CUT_MAX_TOKENS of them (a few microseconds each), it is taken to.
 */
#define CUT_MAX_TOKENS 4096
static int cut_loses(const char *q, size_t kept, size_t len)
{
	unsigned n = 0;

	for (size_t i = kept; i < len;) {
		while (i < len && (is_space((unsigned char)q[i]) || (unsigned char)q[i] < 0x20))
			i++;
		size_t s = i;
		int word = 0;
		while (i < len && !is_space((unsigned char)q[i]) && (unsigned char)q[i] >= 0x20)
			word |= !strchr("()-+*\"", q[i++]);
		if (!word)
			continue;
		if (++n > CUT_MAX_TOKENS || !has_token(q, kept, q + s, i - s))
			return 1;
	}
	return 0;
}

int query_parse(const char *q, size_t len, struct arena *arena, struct qnode **out)
{
	struct parser p = { .arena = arena };
	struct qnode *root;
	int rc;

	int cut = 0;

	*out = NULL;
	if (len > QUERY_MAX_BYTES) {
		size_t kept = utf8_cut(q, QUERY_MAX_BYTES), b = kept;
		/* Never inside a word (`salo` of `salon`): back to the space before it, if any. */
		while (b > 0 && !is_space((unsigned char)q[b]) && !is_space((unsigned char)q[b - 1]))
			b--;
		if (b > 0)
			kept = b;
		cut = cut_loses(q, kept, len);
		len = kept;
	}
	if ((rc = lex(&p, q, len)) < 0)
		return rc;
	root = parse_or(&p, 0);
	if (p.nomem)
		return AS_ENOMEM;
	/* A query of exclusions alone matches nothing; the plan decides. */
	*out = root;
	return cut || rc;
}

static void dump_fields(unsigned fields, struct buf *out)
{
	if (fields == (1u << FIELD_TITLE))
		buf_addstr(out, "title:");
	else if (fields == (1u << FIELD_TAGS))
		buf_addstr(out, "tags:");
	else if (fields == (1u << FIELD_BODY))
		buf_addstr(out, "body:");
}

void query_dump(const struct qnode *n, struct buf *out)
{
	if (!n) {
		buf_addstr(out, "()");
		return;
	}
	switch (n->kind) {
	case QN_WORD:
		dump_fields(n->fields, out);
		buf_add(out, n->text, n->len);
		break;
	case QN_PHRASE:
		dump_fields(n->fields, out);
		buf_addch(out, '"');
		buf_add(out, n->text, n->len);
		buf_addch(out, '"');
		break;
	case QN_AND:
	case QN_OR:
	case QN_NOT:
		buf_addstr(out, n->kind == QN_AND ? "(AND" : n->kind == QN_OR ? "(OR" : "(NOT");
		for (unsigned i = 0; i < n->n_kids; i++) {
			buf_addch(out, ' ');
			query_dump(n->kids[i], out);
		}
		buf_addch(out, ')');
		break;
	}
}
