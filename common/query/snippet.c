#include "common/query/snippet.h"

#include <stdint.h>
#include <string.h>

#include "common/query/limits.h"
#include "common/query/plan.h"
#include "common/query/rank.h"
#include "common/text/analyzer.h"
#include "common/util/arena.h"
#include "common/util/buf.h"
#include "common/util/error.h"

#define MAX_HL 128
#define MAX_MATCHES 256
#define MAX_PHRASES 16
/* Phrase words seen lately, and how far back (in positions) a phrase may start. */
#define RING 64
#define PHRASE_REACH 64
/* How far past the first window holding every query word a denser one is looked for. */
#define SNIPPET_REACH (3 * SNIPPET_LEN)

struct hl {
	const char *term;
	size_t len;
	int slot;
	int phrase;      /* -1, or the phrase this word is member `member` of */
	uint32_t member;
};

/* A phrase of the query: a quoted one, a compound's parts, a synonym of several words. */
struct phrase {
	const uint32_t *offsets; /* each member's position from the first's */
	uint32_t n;
	uint64_t slots;
};

/* A phrase word the text had at a position. */
struct seen {
	uint32_t pos, member;
	int phrase;
	size_t start;
};

struct match {
	size_t start, end;
	uint64_t slots;
	uint32_t pos; /* its last word's position */
};

static int is_ws(char c)
{
	return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
}

/* A break inside a run without spaces, at s[i] (before `end`): the bytes of a no-break,
 * narrow or thin space, or of a dash, or a / _ = ? & | - ; the cut goes after it, so
 * its length is returned (0: none). */
static size_t breaks_after(const char *s, size_t i, size_t end)
{
	static const char *const seps[] = { "\xc2\xa0", "\xe2\x80\xaf", "\xe2\x80\x89", "\xe2\x80\x94", "\xe2\x80\x93" };

	if (strchr("/_=?&|-", s[i]) && s[i])
		return 1;
	for (size_t k = 0; k < sizeof(seps) / sizeof(seps[0]); k++) {
		size_t l = strlen(seps[k]);
		if (i + l <= end && memcmp(s + i, seps[k], l) == 0)
			return l;
	}
	return 0;
}

/* Whether a cut before s[i] falls on a break: the byte before ends one. */
static int breaks_before(const char *s, size_t i)
{
	if (i == 0)
		return 0;
	if (strchr("/_=?&|-", s[i - 1]) && s[i - 1])
		return 1;
	/* The last byte of a no-break (c2 a0), narrow or thin space, or a dash (e2 80 xx). */
	return (i >= 2 && (unsigned char)s[i - 2] == 0xc2 && (unsigned char)s[i - 1] == 0xa0) ||
	       (i >= 3 && (unsigned char)s[i - 3] == 0xe2 && (unsigned char)s[i - 2] == 0x80 &&
		((unsigned char)s[i - 1] == 0xaf || (unsigned char)s[i - 1] == 0x89 || (unsigned char)s[i - 1] == 0x94 ||
		 (unsigned char)s[i - 1] == 0x93));
}

static size_t utf8_back(const char *s, size_t i)
{
	while (i > 0 && ((unsigned char)s[i] & 0xC0) == 0x80)
		i--;
	return i;
}

/* Matches of m[i..j) that follow the one before them at the next position, of another
 * word: words side by side, as the visitor typed them (`aide numérique`). */
static unsigned adjacent(const struct match *m, size_t i, size_t j)
{
	unsigned a = 0;

	for (size_t k = i + 1; k < j; k++)
		a += m[k].pos == m[k - 1].pos + 1 && m[k].slots != m[k - 1].slots;
	return a;
}

/* Distinct slots of m[i..j). */
static unsigned distinct(const struct match *m, size_t i, size_t j, uint64_t *seen_out)
{
	uint64_t seen = 0;

	for (size_t k = i; k < j; k++)
		seen |= m[k].slots;
	if (seen_out)
		*seen_out = seen;
	return (unsigned)__builtin_popcountll(seen);
}

/* The plan's phrases (excluded ones aside) into ph[], their members' leaves into kid[]
 * (kid[i] the leaves of ph[i], in order). Returns the count of phrases. */
static uint32_t phrases_of(const struct pnode *n, struct phrase *ph, const struct leaf *kid[][QUERY_MAX_TERMS],
			   uint32_t np)
{
	if (!n)
		return np;
	if (n->kind == PN_PHRASE) {
		if (np == MAX_PHRASES || n->n_kids == 0 || n->n_kids > QUERY_MAX_TERMS)
			return np;
		ph[np].offsets = n->offsets;
		ph[np].n = n->n_kids;
		ph[np].slots = 0;
		for (uint32_t i = 0; i < n->n_kids; i++) {
			kid[np][i] = n->kids[i]->leaf;
			if (kid[np][i]->slot >= 0)
				ph[np].slots |= 1ull << (kid[np][i]->slot & 63);
		}
		return np + 1;
	}
	for (uint32_t i = 0; i < n->n_kids; i++)
		np = phrases_of(n->kids[i], ph, kid, np);
	return np;
}

/* Where phrase p, whose last member is at pos, starts: the first member's start, every
 * member seen at its place; SIZE_MAX when one is missing. */
static size_t phrase_start(const struct phrase *p, int pi, const struct seen *ring, size_t n_ring, uint32_t pos)
{
	size_t start = SIZE_MAX;

	for (uint32_t j = 0; j + 1 < p->n; j++) {
		uint32_t back = p->offsets[p->n - 1] - p->offsets[j], k;
		if (back > pos)
			return SIZE_MAX;
		for (k = 0; k < n_ring; k++)
			if (ring[k].phrase == pi && ring[k].member == j && ring[k].pos == pos - back)
				break;
		if (k == n_ring)
			return SIZE_MAX;
		if (j == 0)
			start = ring[k].start;
	}
	return start;
}

/* &, <, > and " escaped; the apostrophe stays as is (text, never an attribute):
 * `d'<mark>apprentissage</mark>` as DESIGN.md shows it. */
static void add_html(struct buf *out, const char *s, size_t len)
{
	size_t run = 0;

	for (size_t i = 0; i < len; i++) {
		const char *esc;
		switch (s[i]) {
		case '&': esc = "&amp;"; break;
		case '<': esc = "&lt;"; break;
		case '>': esc = "&gt;"; break;
		case '"': esc = "&quot;"; break;
		default: continue;
		}
		buf_add(out, s + run, i - run);
		buf_addstr(out, esc);
		run = i + 1;
	}
	buf_add(out, s + run, len - run);
}

/* HTML-escaped text with whitespace runs collapsed to one space. */
static void add_text(struct buf *out, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		size_t j = i;
		while (j < len && !is_ws(s[j]))
			j++;
		add_html(out, s + i, j - i);
		if (j < len) {
			buf_addch(out, ' ');
			while (j < len && is_ws(s[j]))
				j++;
		}
		i = j;
	}
}

/* Bytes before the end of a partial body that the analyzer may read ahead of a token
 * (elisions, compounds, apostrophes): a decision taken within them could change with
 * the rest of the body. */
#define PART_MARGIN 256

/*
 * The snippet of body[from..limit), the text analysed and shown (full_len: the whole
 * body's length, for the ellipses). `partial`: the body goes on past len, so the window
 * must be found well inside it, else 1 with nothing appended.
 */
static int make(struct analyzer *an, const struct plan *plan, uint64_t slots, const char *body, size_t from,
		size_t limit, size_t len, size_t full_len, int partial, size_t skip, uint32_t span_first,
		uint32_t span_last, struct buf *out)
{
	struct hl hl[MAX_HL];
	struct match m[MAX_MATCHES];
	struct phrase ph[MAX_PHRASES];
	const struct leaf *kid[MAX_PHRASES][QUERY_MAX_TERMS];
	struct seen ring[RING];
	size_t n_hl = 0, n = 0, best_i = 0, best_j = 0, n_ring = 0;
	uint64_t all = 0;
	unsigned best_d = 0, best_c = 0, best_a = 0, best_t = 0;
	double best_w = 0;
	struct token tok;
	int rc = 0, done = 0, broke = 0;

	if (!body)
		return 0;
	/*
	 * A phrase's words are marked where the whole phrase is, as one mark, and never
	 * alone: `registre national des entreprises` (RNE's synonym) must not mark every
	 * `entreprise`, nor the quoted "métiers d'art" every `métiers`.
	 */
	uint32_t np = phrases_of(plan->root, ph, kid, 0);
	/* A span's positions may be a phrase's first word only (its word's positions are
	 * its first member's): the phrase's other words come after span_last. */
	uint32_t reach = 0;
	for (uint32_t p = 0; p < np; p++)
		if (ph[p].offsets[ph[p].n - 1] > reach)
			reach = ph[p].offsets[ph[p].n - 1];
	for (uint32_t i = 0; i < plan->n_leaves; i++) {
		const struct leaf *l = plan->leaves[i];
		int phrase = -1;
		uint32_t member = 0;
		if (l->slot < 0)
			continue;
		for (uint32_t p = 0; p < np && phrase < 0; p++)
			for (uint32_t j = 0; j < ph[p].n; j++)
				if (kid[p][j] == l) {
					phrase = (int)p;
					member = j;
					break;
				}
		for (uint32_t t = 0; t < l->n_terms && n_hl < MAX_HL; t++) {
			hl[n_hl].term = l->terms[t].term;
			hl[n_hl].len = l->terms[t].term_len;
			hl[n_hl].phrase = phrase;
			hl[n_hl].member = member;
			hl[n_hl++].slot = l->slot;
		}
		all |= 1ull << (l->slot & 63);
	}
	/* Only the words the body holds can be found in it. */
	all &= slots;
	if (!all)
		n_hl = 0;
	if (n_hl > 0) {
		/* Only words beginning like a query term can be one: the others are not
		 * analysed (most of a snippet's cost). */
		uint8_t first[32] = { 0 };
		for (size_t h = 0; h < n_hl; h++)
			if (hl[h].len)
				first[(uint8_t)hl[h].term[0] >> 3] |= (uint8_t)(1u << ((uint8_t)hl[h].term[0] & 7));
		analyzer_only_first(an, first);
		analyzer_start(an, body + from, limit - from, ANALYZER_DOCUMENT);
		size_t stop_at = SIZE_MAX;
		while (n < MAX_MATCHES && (rc = analyzer_next(an, &tok)) == 0) {
			size_t h;
			tok.start += from;
			tok.end += from;
			/* Past the scan's reach, and past the best window's text (its marks). */
			if (done && tok.start >= stop_at && (best_j == 0 || tok.start >= m[best_i].start + SNIPPET_LEN)) {
				broke = tok.start + PART_MARGIN < len;
				break;
			}
			if (tok.flags & TOKEN_SKIPPED)
				continue;
			/* Past the span snippet_span() chose: its window is among those seen. */
			if (span_first != UINT32_MAX && !done && tok.position > span_last + reach) {
				done = 1;
				stop_at = tok.start;
			}
			size_t ms = SIZE_MAX;
			uint64_t mslots = 0;
			for (h = 0; h < n_hl; h++) {
				if (!((hl[h].len == tok.term_len && memcmp(hl[h].term, tok.term, tok.term_len) == 0) ||
				      (tok.alt_len && hl[h].len == tok.alt_len && memcmp(hl[h].term, tok.alt, tok.alt_len) == 0)))
					continue;
				if (hl[h].phrase < 0) {
					if (!mslots)
						ms = tok.start, mslots = 1ull << (hl[h].slot & 63);
					continue;
				}
				const struct phrase *p = &ph[hl[h].phrase];
				if (hl[h].member + 1 == p->n) {
					size_t st = p->n == 1 ? tok.start
							      : phrase_start(p, hl[h].phrase, ring, n_ring, tok.position);
					if (st != SIZE_MAX) {
						ms = st < ms ? st : ms;
						mslots |= p->slots;
					}
					continue;
				}
				/* Kept for the phrase's last word, PHRASE_REACH positions at most. */
				size_t kept = 0;
				for (size_t k = 0; k < n_ring; k++)
					if (ring[k].pos + PHRASE_REACH >= tok.position)
						ring[kept++] = ring[k];
				n_ring = kept;
				if (n_ring == RING)
					memmove(ring, ring + 1, --n_ring * sizeof(*ring));
				ring[n_ring++] = (struct seen){ tok.position, hl[h].member, hl[h].phrase, tok.start };
			}
			if (ms == SIZE_MAX)
				continue;
			/* A phrase ending here covers the matches since its start. */
			while (n > 0 && m[n - 1].start >= ms) {
				mslots |= m[n - 1].slots;
				n--;
			}
			if (best_j > n) {
				/* The best window lost its last match to the phrase: chosen again. */
				best_i = best_j = 0;
				best_d = best_c = best_a = best_t = 0;
				best_w = 0;
				done = 0;
			}
			if (n > 0 && ms <= m[n - 1].end) {
				/* A part inside its compound, or right after the last (`PrimeRénov` of
				 * `MaPrimeRénov`): one mark. */
				if (tok.end > m[n - 1].end)
					m[n - 1].end = tok.end;
				m[n - 1].slots |= mslots;
				continue;
			}
			m[n].start = ms;
			m[n].end = tok.end;
			m[n].slots = mslots;
			m[n].pos = tok.position;
			n++;
			if (done && tok.start >= stop_at)
				continue; /* past the scan's reach: marks of the chosen window only */
			/* The window ending at this match, ranked by the query words it holds (the
			 * rarest first), then by those side by side, then by its matches: the densest
			 * passage, not the first that holds every word. The first window holding all
			 * of them starts a last stretch of SNIPPET_REACH bytes, not the whole body. */
			size_t i = n - 1;
			while (i > 0 && m[i - 1].start + SNIPPET_LEN >= tok.end)
				i--;
			/* With a span, windows in it: it was chosen on every occurrence. */
			while (span_first != UINT32_MAX && i + 1 < n && m[i].pos < span_first)
				i++;
			if (span_first != UINT32_MAX && m[n - 1].pos < span_first)
				continue;
			/* A window past the title repeated at the body's start (skip), which the hit
			 * shows already, before one in it, unless that one holds more words: the
			 * window from the first match past the title is a candidate too. */
			uint64_t seen, seen_i = 0;
			for (size_t i2 = i;; i2++) {
				if (i2 > i && (i2 == n || m[i2 - 1].start >= skip))
					break;
				if (i2 > i && m[i2].start < skip)
					continue;
				unsigned d = distinct(m, i2, n, &seen), a = adjacent(m, i2, n), t = m[i2].start >= skip;
				if (i2 == i)
					seen_i = seen;
				double w = d >= best_d ? rank_slots_idf(plan->slot_idf, plan->n_slots, seen) : 0;
				if (d > best_d ||
				    (d == best_d &&
				     (w > best_w ||
				      (w == best_w &&
				       (t > best_t || (t == best_t && (a > best_a || (a == best_a && n - i2 > best_c)))))))) {
					best_d = d, best_w = w, best_t = t, best_a = a, best_c = (unsigned)(n - i2);
					best_i = i2, best_j = n;
				}
			}
			if (!done && span_first == UINT32_MAX && (seen_i & all) == all) {
				done = 1;
				stop_at = tok.end + SNIPPET_REACH;
			}
		}
		analyzer_only_first(an, NULL);
		if (!done && rc < 0 && rc != 1)
			return rc;
		/* The scan must have stopped on its own, well inside the part. */
		if (partial && !broke)
			return 1;
	}
	size_t start, end;
	if (best_j > best_i) {
		size_t ws = m[best_i].start, we = m[best_j - 1].end;
		size_t room = we - ws < SNIPPET_LEN ? SNIPPET_LEN - (we - ws) : 0;
		size_t before = room / 3 < ws ? room / 3 : ws;
		start = ws - before;
		end = start + SNIPPET_LEN;
		if (end < we)
			end = we;
		if (end > limit) {
			/* The text ends first: the room goes before (never before what was
			 * analysed, whose matches would show unmarked). */
			size_t back = end - limit;
			start = start - from > back ? start - back : from;
			end = limit;
		}
		if (start < skip && skip <= ws) {
			/* The title, shown by the hit already, is not shown again. */
			start = skip;
			if (end < start + SNIPPET_LEN)
				end = start + SNIPPET_LEN < limit ? start + SNIPPET_LEN : limit;
		}
		/* Word boundaries: start after a space, end before one, never cutting a match;
		 * in a long run without spaces (an address, words joined by no-break spaces or
		 * dashes), after or before a break there rather than at the match itself. */
		if (start > 0 && !is_ws(body[start - 1])) {
			size_t s = start;
			while (s < ws && !is_ws(body[s]))
				s++;
			if (s < ws) {
				start = s + 1;
			} else {
				for (s = start; s < ws && !breaks_after(body, s, ws); s++)
					;
				start = s < ws ? s + breaks_after(body, s, ws) : ws;
			}
		}
		if (end < limit && !is_ws(body[end])) {
			size_t e = end;
			while (e > we && !is_ws(body[e - 1]))
				e--;
			if (e <= we)
				for (e = end; e > we && !breaks_before(body, e); e--)
					;
			end = e > we ? e : we;
		}
	} else {
		start = from < skip && skip < limit ? skip : from;
		end = limit - start < SNIPPET_LEN ? limit : start + SNIPPET_LEN;
		if (end < limit && !is_ws(body[end])) {
			size_t e = end;
			while (e > start && !is_ws(body[e - 1]))
				e--;
			if (e > start)
				end = e;
		}
	}
	start = utf8_back(body, start);
	end = utf8_back(body, end);
	while (start < end && is_ws(body[start]))
		start++;
	while (end > start && is_ws(body[end - 1]))
		end--;
	if (partial && end + PART_MARGIN >= len)
		return 1;
	if (start > 0)
		buf_addstr(out, "… ");
	size_t at = start;
	for (size_t k = 0; k < n; k++) {
		if (m[k].start < at || m[k].end > end)
			continue;
		add_text(out, body + at, m[k].start - at);
		buf_addstr(out, "<mark>");
		add_html(out, body + m[k].start, m[k].end - m[k].start);
		buf_addstr(out, "</mark>");
		at = m[k].end;
	}
	add_text(out, body + at, end - at);
	if (end < full_len)
		buf_addstr(out, " …");
	return out->err;
}

int snippet_make_part(struct analyzer *an, const struct plan *plan, uint64_t slots, const char *body, size_t len,
		      size_t full_len, size_t skip, struct buf *out)
{
	/* A part shorter than what the whole body would be scanned for. */
	int partial = full_len > len && len <= SNIPPET_MAX_SCAN;

	return make(an, plan, slots, body, 0, len > SNIPPET_MAX_SCAN ? utf8_back(body, SNIPPET_MAX_SCAN) : len, len,
		    full_len, partial, skip, UINT32_MAX, 0, out);
}

int snippet_make(struct analyzer *an, const struct plan *plan, uint64_t slots, const char *body, size_t len,
		 struct buf *out)
{
	return snippet_make_part(an, plan, slots, body, len, len, 0, out);
}

int snippet_make_region(struct analyzer *an, const struct plan *plan, uint64_t slots, const char *body, size_t from,
			size_t to, size_t full_len, size_t skip, uint32_t first, uint32_t last, struct buf *out)
{
	if (from > to)
		from = to;
	return make(an, plan, slots, body, utf8_back(body, from), utf8_back(body, to), to, full_len, 0, skip, first,
		    last, out);
}

size_t snippet_title_skip(const char *body, size_t len, const char *title)
{
	size_t at = 0, tl = title ? strlen(title) : 0;

	while (at < len && is_ws(body[at]))
		at++;
	if (!tl || len - at < tl || memcmp(body + at, title, tl) != 0 || (at + tl < len && !is_ws(body[at + tl])))
		return 0;
	return at + tl;
}

int snippet_span(const uint32_t *const *pos, const uint32_t *n, const double *idf, uint32_t ns, struct arena *arena,
		 uint32_t *first, uint32_t *last)
{
	uint32_t at[64] = { 0 }, cnt[64] = { 0 }, present = 0, total = 0, m = 0, i = 0, d = 0;
	uint32_t best_d = 0, best_c = 0;
	uint64_t seen = 0;
	double best_w = 0;
	uint64_t *e;

	if (ns > 64)
		ns = 64;
	for (uint32_t s = 0; s < ns; s++)
		if (n[s]) {
			present++;
			total += n[s];
		}
	if (!present)
		return 1;
	/* Every occurrence in position order: position << 6 | word. */
	if (!(e = arena_alloc(arena, (size_t)total * sizeof(*e))))
		return AS_ENOMEM;
	for (;;) {
		uint32_t bs = ns;
		for (uint32_t s = 0; s < ns; s++)
			if (at[s] < n[s] && (bs == ns || pos[s][at[s]] < pos[bs][at[bs]]))
				bs = s;
		if (bs == ns)
			break;
		e[m++] = (uint64_t)pos[bs][at[bs]++] << 6 | bs;
	}
	/* Spans ending at each occurrence in turn, as short as SNIPPET_SPAN positions, ranked
	 * by the words they hold (the rarest first), then by the words side by side in them
	 * (a phrase, `aide numérique` as typed, rather than the same words apart), then by
	 * their occurrences: the densest passage, not the first holding every word. */
	uint32_t adj = 0, best_a = 0;
	for (uint32_t j = 0; j < m; j++) {
		if (cnt[e[j] & 63]++ == 0)
			d++, seen |= 1ull << (e[j] & 63);
		if (j > i && (e[j] >> 6) == (e[j - 1] >> 6) + 1 && (e[j] & 63) != (e[j - 1] & 63))
			adj++;
		while ((e[j] >> 6) - (e[i] >> 6) >= SNIPPET_SPAN) {
			if (--cnt[e[i] & 63] == 0)
				d--, seen &= ~(1ull << (e[i] & 63));
			if ((e[i + 1] >> 6) == (e[i] >> 6) + 1 && (e[i + 1] & 63) != (e[i] & 63))
				adj--;
			i++;
		}
		double w = d >= best_d ? rank_slots_idf(idf, ns, seen) : 0;
		if (d > best_d ||
		    (d == best_d && (w > best_w || (w == best_w && (adj > best_a || (adj == best_a && j - i + 1 > best_c)))))) {
			best_d = d;
			best_w = w;
			best_a = adj;
			best_c = j - i + 1;
			*first = (uint32_t)(e[i] >> 6);
			*last = (uint32_t)(e[j] >> 6);
		}
	}
	return 0;
}
