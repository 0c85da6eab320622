#include "common/text/analyzer.h"

#include <libstemmer.h>
#include <pthread.h>
#include <string.h>
#include <utf8proc.h>
#include <xxhash.h>

#include "common/util/buf.h"
#include "common/util/error.h"
#include "common/util/mem.h"

/*
 * How it works. analyzer_next() finds the next word on the ORIGINAL bytes (so offsets
 * need no mapping back), classifying each code point as a letter, digit, mark,
 * apostrophe, hyphen, ignorable or separator. Only then is the word normalised:
 * its word characters are case-folded under NFKC (utf8proc) with œ and æ spelt out,
 * which gives the "lower" form, the key of the stem cache. A cache miss computes
 * everything else once per distinct word: the folded word, stop-word status, the
 * Snowball stem (`exact`), its accent folding (`term`) and the stem of the folded word
 * (`alt`). Text is mostly Latin, so code points below LATIN_N are normalised with a
 * table that utf8proc itself filled at start-up; a word holding anything else goes
 * through utf8proc whole.
 *
 * Where the rules come from: elisions as Lucene's ElisionFilter with FrenchAnalyzer's
 * thirteen articles (the same list), removed before the rest of the word is looked at
 * so that `l'Haute-Garonne` still makes a compound; a hyphenated word indexed whole and
 * as parts as Lucene's WordDelimiterGraphFilter with generateWordParts and
 * catenateWords; over-long words dropped rather than cut, as Tantivy's
 * RemoveLongFilter; stop words kept as positions, as FTS5 and Lucene do for phrases.
 */

/* Code points below this are normalised by table: Basic Latin to Latin Extended-B. */
#define LATIN_N 0x250

enum cls {
	CL_SEP,    /* separates words */
	CL_LETTER, /* Unicode L* */
	CL_DIGIT,  /* Unicode Nd */
	CL_MARK,   /* Unicode M*: part of the word it follows */
	CL_APOS,   /* ' and U+2019 */
	CL_HYPHEN, /* -, U+2010, U+2011 */
	CL_IGN,    /* soft hyphen, zero-width characters: ignored inside a word */
	CL_MIDDOT, /* U+00B7 of inclusive writing (`artisan·e·s`): joins like an apostrophe */
};

static inline int is_word_cls(int c)
{
	return c == CL_LETTER || c == CL_DIGIT || c == CL_MARK;
}

struct latin {
	uint8_t cls;
	uint8_t lower_len, fold_len;
	char lower[8]; /* NFKC case folding, œ/æ spelt out */
	char fold[8];  /* the same, accents stripped */
};

static struct latin latin[LATIN_N];

/* The stop words, folded, in an open-addressing set built once. */
#define STOP_SLOTS 1024
#define STOP_POOL 8192
static struct {
	uint16_t off[STOP_SLOTS];
	uint8_t len[STOP_SLOTS]; /* 0: empty slot */
	char pool[STOP_POOL];
	size_t n;       /* bytes of pool used */
	size_t n_words; /* words in the set */
} stops;

extern const char stopwords_fr_txt[]; /* generated from stopwords-fr.txt */

static pthread_once_t init_once = PTHREAD_ONCE_INIT;

/* Strict UTF-8 decoding: overlongs, surrogates and values past U+10FFFF are invalid.
 * Returns the bytes consumed (1 for an invalid byte, with *cp = -1); n > 0. */
static inline size_t decode(const uint8_t *s, size_t n, int32_t *cp)
{
	uint8_t c = s[0];
	int32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	if (c < 0xC2 || c > 0xF4)
		goto bad;
	if (c < 0xE0) {
		if (n < 2 || (s[1] & 0xC0) != 0x80)
			goto bad;
		*cp = ((int32_t)(c & 0x1F) << 6) | (s[1] & 0x3F);
		return 2;
	}
	if (c < 0xF0) {
		if (n < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80)
			goto bad;
		v = ((int32_t)(c & 0x0F) << 12) | ((int32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
		if (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))
			goto bad;
		*cp = v;
		return 3;
	}
	if (n < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 || (s[3] & 0xC0) != 0x80)
		goto bad;
	v = ((int32_t)(c & 0x07) << 18) | ((int32_t)(s[1] & 0x3F) << 12) |
	    ((int32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
	if (v < 0x10000 || v > 0x10FFFF)
		goto bad;
	*cp = v;
	return 4;
bad:
	*cp = -1;
	return 1;
}

static int cls_of_unicode(int32_t cp)
{
	switch (cp) {
	case 0x0027:
	case 0x2019:
		return CL_APOS;
	case 0x002D:
	case 0x2010:
	case 0x2011:
		return CL_HYPHEN;
	case 0x00B7:
		return CL_MIDDOT;
	case 0x00AD:
	case 0x200B:
	case 0x200C:
	case 0x200D:
	case 0x2060:
	case 0xFEFF:
		return CL_IGN;
	}
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
		return CL_LETTER;
	case UTF8PROC_CATEGORY_ND:
		return CL_DIGIT;
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ME:
		return CL_MARK;
	default:
		return CL_SEP;
	}
}

static inline int cls_of(int32_t cp)
{
	if (cp < 0)
		return CL_SEP;
	if (cp < LATIN_N)
		return latin[cp].cls;
	return cls_of_unicode(cp);
}

/* ---- Normalisation through utf8proc ---- */

#define OPT_LOWER (UTF8PROC_COMPOSE | UTF8PROC_COMPAT | UTF8PROC_CASEFOLD | UTF8PROC_IGNORE)
#define OPT_FOLD (OPT_LOWER | UTF8PROC_STRIPMARK)

/*
 * Normalises UTF-8 s[0..n) (valid) into code points u32[0..cap): returns their count,
 * a count larger than cap when u32 is too small (then call again), or <0 on error.
 */
static long norm_cps(const uint8_t *s, size_t n, utf8proc_option_t opt, int32_t *u32, size_t cap)
{
	utf8proc_ssize_t r;

	r = utf8proc_decompose_custom(s, (utf8proc_ssize_t)n, u32, (utf8proc_ssize_t)cap, opt, NULL,
				      NULL);
	if (r < 0 || (size_t)r > cap)
		return r;
	return utf8proc_normalize_utf32(u32, r, opt);
}

/* Encodes code points as UTF-8 at dst, spelling out œ and æ when `spell` (same byte
 * count: at most 4 bytes per code point). Returns the bytes written. */
static size_t encode_cps(const int32_t *u32, size_t n, char *dst, int spell)
{
	size_t i, len = 0;

	for (i = 0; i < n; i++) {
		if (!spell) {
			len += (size_t)utf8proc_encode_char(u32[i], (uint8_t *)dst + len);
		} else if (u32[i] == 0x0153) {
			dst[len++] = 'o';
			dst[len++] = 'e';
		} else if (u32[i] == 0x00E6) {
			dst[len++] = 'a';
			dst[len++] = 'e';
		} else {
			len += (size_t)utf8proc_encode_char(u32[i], (uint8_t *)dst + len);
		}
	}
	return len;
}

/* Growable code point scratch space. */
struct scratch {
	int32_t *u32;
	size_t cap;
};

/* Appends the normalisation of valid UTF-8 s[0..n) to out, œ and æ spelt out when
 * `spell`. */
static int norm_spell(struct scratch *sc, const char *s, size_t n, utf8proc_option_t opt, int spell,
		      struct buf *out)
{
	long r;

	for (;;) {
		r = norm_cps((const uint8_t *)s, n, opt, sc->u32, sc->cap);
		if (r < 0)
			return as_error_set(AS_EINVAL, "analyzer: utf8proc: %s",
					    utf8proc_errmsg((utf8proc_ssize_t)r));
		if ((size_t)r <= sc->cap)
			break;
		size_t cap = (size_t)r + 16;
		int32_t *p = as_realloc(sc->u32, cap * sizeof(*p));
		if (!p)
			return AS_ENOMEM;
		sc->u32 = p;
		sc->cap = cap;
	}
	if (buf_grow(out, 4 * (size_t)r))
		return AS_ENOMEM;
	out->len += encode_cps(sc->u32, (size_t)r, out->ptr + out->len, spell);
	out->ptr[out->len] = '\0';
	return 0;
}

static int norm_append(struct scratch *sc, const char *s, size_t n, utf8proc_option_t opt,
		       struct buf *out)
{
	return norm_spell(sc, s, n, opt, 1, out);
}

/*
 * The lower form of the word characters of s[0..n): letters, digits and marks kept,
 * everything else (apostrophes, hyphens, dots, spaces, ignorables, invalid bytes)
 * dropped. `raw` is scratch space for the slow path. Replaces the contents of out.
 */
static int lower_span(struct scratch *sc, const char *s, size_t n, struct buf *out, struct buf *raw, int *special)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0, k;
	int32_t cp;
	char *d;
	int sp = 0;

	buf_reset(out);
	/* Table entries are at most 3 bytes for 2-byte code points and 1 byte for ASCII. */
	if (buf_grow(out, 2 * n + 8))
		return AS_ENOMEM;
	d = out->ptr;
	while (i < n) {
		if (p[i] < 0x80) {
			const struct latin *l = &latin[p[i]];
			if (is_word_cls(l->cls))
				*d++ = l->lower[0];
			else
				sp = 1;
			i++;
			continue;
		}
		k = decode(p + i, n - i, &cp);
		if (cp >= LATIN_N)
			goto slow;
		if (cp >= 0 && is_word_cls(latin[cp].cls)) {
			memcpy(d, latin[cp].lower, latin[cp].lower_len);
			d += latin[cp].lower_len;
			sp |= cp == 0x0152 || cp == 0x0153 || cp == 0x00C6 || cp == 0x00E6;
		} else {
			sp = 1;
		}
		i += k;
	}
	out->len = (size_t)(d - out->ptr);
	out->ptr[out->len] = '\0';
	if (special)
		*special = sp;
	return 0;
slow:
	if (special)
		*special = 1;
	buf_reset(raw);
	for (i = 0; i < n; i += k) {
		k = decode(p + i, n - i, &cp);
		if (is_word_cls(cls_of(cp)))
			buf_add(raw, p + i, k);
	}
	if (raw->err)
		return AS_ENOMEM;
	buf_reset(out);
	return norm_append(sc, raw->ptr, raw->len, OPT_LOWER, out);
}

/* Appends the accent folding of a lower form (valid UTF-8) to out. */
static int fold_lower(struct scratch *sc, const char *s, size_t n, struct buf *out)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t i, k;
	int32_t cp;

	for (i = 0; i < n; i += k) {
		k = decode(p + i, n - i, &cp);
		if (cp < 0 || cp >= LATIN_N)
			return norm_append(sc, s, n, OPT_FOLD, out);
	}
	/* A table entry holds at most 8 bytes, for a code point of at least 1 byte. */
	if (buf_grow(out, 8 * n + 8))
		return AS_ENOMEM;
	for (i = 0; i < n; i += k) {
		k = decode(p + i, n - i, &cp);
		memcpy(out->ptr + out->len, latin[cp].fold, latin[cp].fold_len);
		out->len += latin[cp].fold_len;
	}
	out->ptr[out->len] = '\0';
	return 0;
}

/* ---- Start-up: the Latin table and the stop words (no allocation, cannot fail) ---- */

static uint32_t stop_hash(const char *w, size_t len)
{
	return (uint32_t)XXH3_64bits(w, len);
}

static void stop_add(const char *w, size_t len)
{
	uint32_t h;

	/* Bounds generous for a stop list; test_analyzer checks every listed word is in. */
	if (len == 0 || len > 255 || stops.n + len > STOP_POOL || stops.n_words >= STOP_SLOTS / 2)
		return;
	for (h = stop_hash(w, len) & (STOP_SLOTS - 1); stops.len[h]; h = (h + 1) & (STOP_SLOTS - 1))
		if (stops.len[h] == len && !memcmp(stops.pool + stops.off[h], w, len))
			return;
	memcpy(stops.pool + stops.n, w, len);
	stops.off[h] = (uint16_t)stops.n;
	stops.len[h] = (uint8_t)len;
	stops.n += len;
	stops.n_words++;
}

static void init_tables(void)
{
	int32_t cp, u32[32];
	uint8_t in[4];
	char out[128];
	long r;
	size_t n;
	const char *line, *end;

	for (cp = 0; cp < LATIN_N; cp++) {
		struct latin *l = &latin[cp];
		l->cls = (uint8_t)cls_of_unicode(cp);
		if (cp == 0)
			l->cls = CL_SEP;
		n = (size_t)utf8proc_encode_char(cp, in);
		r = norm_cps(in, n, OPT_LOWER, u32, 32);
		if (r >= 0 && r <= 2) {
			l->lower_len = (uint8_t)encode_cps(u32, (size_t)r, l->lower, 1);
		}
		if (r < 0 || r > 2 || l->lower_len > 3)
			l->cls = CL_SEP; /* never seen in Latin text; keeps the fast path bounded */
		r = norm_cps(in, n, OPT_FOLD, u32, 32);
		if (r >= 0 && r <= 2)
			l->fold_len = (uint8_t)encode_cps(u32, (size_t)r, l->fold, 1);
		else
			l->cls = CL_SEP;
	}

	/* The stop words: one per line, `#` comments, folded like token.word. */
	for (line = stopwords_fr_txt; *line; line = *end ? end + 1 : end) {
		end = strchr(line, '\n');
		if (!end)
			end = line + strlen(line);
		n = (size_t)(end - line);
		while (n && (line[n - 1] == ' ' || line[n - 1] == '\r' || line[n - 1] == '\t'))
			n--;
		if (n == 0 || line[0] == '#' || n > 30)
			continue;
		r = norm_cps((const uint8_t *)line, n, OPT_FOLD, u32, 32);
		if (r <= 0 || r > 30)
			continue;
		stop_add(out, encode_cps(u32, (size_t)r, out, 1));
	}
}

static void ensure_init(void)
{
	pthread_once(&init_once, init_tables);
}

int analyzer_word_char(int32_t cp)
{
	ensure_init(); /* the Latin table: callers need no analyzer */
	return is_word_cls(cls_of(cp));
}

int analyzer_is_stop_word(const char *w, size_t len)
{
	uint32_t h;

	ensure_init();
	if (len == 0 || len > 255)
		return 0;
	for (h = stop_hash(w, len) & (STOP_SLOTS - 1); stops.len[h]; h = (h + 1) & (STOP_SLOTS - 1))
		if (stops.len[h] == len && !memcmp(stops.pool + stops.off[h], w, len))
			return 1;
	return 0;
}

/* ---- The analyzer ---- */

/*
 * The stem cache: lower form -> everything a token needs. Open addressing with linear
 * probing; entries and their strings in flat arrays that grow by doubling up to
 * CACHE_MAX_ENTRIES and CACHE_MAX_POOL bytes (an analyzer that only sees queries stays
 * small). When either is full the whole cache is dropped and refilled: cheap, and it
 * bounds the memory of each thread (about 5 MB at most).
 */
#define CACHE_MIN_ENTRIES 256u
#define CACHE_MAX_ENTRIES (1u << 16)
#define CACHE_MIN_POOL (16u << 10)
#define CACHE_MAX_POOL (3u << 20)

struct entry {
	uint64_t hash;
	uint32_t off; /* in pool: key, word, term, exact, alt, one after another */
	uint16_t key_len, word_len, term_len, exact_len, alt_len;
	uint8_t stop, number;
	uint8_t accented; /* key (the lower form) is not word: the word as written has accents */
};

struct analyzer {
	struct sb_stemmer *stemmer;
	const char *text;
	size_t len, pos;
	enum analyzer_mode mode;
	uint32_t position;

	/* Parts of a compound still to return: hyphenated (1) or in camel case (2), whose
	 * parts start at camel[0..n_camel) (camel[0] the word's start). */
	int in_compound;
	size_t comp_next, comp_end;
	unsigned comp_prefix;
	size_t camel[ANALYZER_CAMEL_PARTS];
	unsigned n_camel, camel_i;
	/* The digits of a part written letters then digits (`L6222` in `L6222-18`), still
	 * to return after its letters: [split_start, split_end), with split_flags. */
	size_t split_start, split_end;
	unsigned split_flags;

	struct scratch sc;
	struct buf lower, raw, word, exact, term, alt, form;
	int lower_special; /* lower_span() dropped a character, or met œ or æ: make_form() */

	uint32_t *slots; /* entry index + 1, 0 empty; 2 * entry_cap of them */
	struct entry *entries;
	uint32_t n_entries, entry_cap;
	char *pool;
	size_t pool_len, pool_cap;

	const uint8_t *only_first; /* analyzer_only_first(), or NULL */
};

struct analyzer *analyzer_new(void)
{
	struct analyzer *an;

	ensure_init();
	an = as_calloc(1, sizeof(*an));
	if (!an)
		return NULL;
	an->stemmer = sb_stemmer_new("french", "UTF_8");
	if (!an->stemmer) {
		analyzer_free(an);
		return NULL;
	}
	return an;
}

void analyzer_free(struct analyzer *an)
{
	if (!an)
		return;
	sb_stemmer_delete(an->stemmer);
	as_free(an->slots);
	as_free(an->entries);
	as_free(an->pool);
	as_free(an->sc.u32);
	buf_release(&an->lower);
	buf_release(&an->raw);
	buf_release(&an->word);
	buf_release(&an->exact);
	buf_release(&an->term);
	buf_release(&an->alt);
	buf_release(&an->form);
	as_free(an);
}

int analyzer_start(struct analyzer *an, const char *text, size_t len, enum analyzer_mode mode)
{
	an->text = len ? text : "";
	an->len = len;
	an->pos = 0;
	an->mode = mode;
	an->position = 0;
	an->in_compound = 0;
	an->split_end = 0;
	return 0;
}

void analyzer_only_first(struct analyzer *an, const uint8_t *first)
{
	an->only_first = first;
}

int analyzer_stem(struct analyzer *an, const char *w, size_t len, const char **stem,
		  size_t *stem_len)
{
	const sb_symbol *s;

	if (len > (size_t)INT32_MAX)
		return as_error_set(AS_EINVAL, "analyzer_stem: word too long");
	s = sb_stemmer_stem(an->stemmer, (const sb_symbol *)w, (int)len);
	if (!s)
		return AS_ENOMEM;
	*stem = (const char *)s;
	*stem_len = (size_t)sb_stemmer_length(an->stemmer);
	return 0;
}

static int stem_into(struct analyzer *an, const char *w, size_t len, struct buf *out)
{
	const char *s = NULL;
	size_t n = 0;
	int rc;

	buf_reset(out);
	rc = analyzer_stem(an, w, len, &s, &n);
	if (rc)
		return rc;
	if (n == 0) { /* never seen; keep the word rather than an empty term */
		s = w;
		n = len;
	}
	buf_add(out, s, n);
	return out->err;
}

static int all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return n > 0;
}

/* Empties the cache, keeping its memory. */
static void cache_clear(struct analyzer *an)
{
	if (an->entry_cap)
		memset(an->slots, 0, 2 * (size_t)an->entry_cap * sizeof(*an->slots));
	an->n_entries = 0;
	an->pool_len = 0;
}

/* Room for one more entry with `need` bytes of strings: grows, or empties when at its
 * bounds. Old entries keep their offsets, so the pool may move. */
static int cache_make_room(struct analyzer *an, size_t need)
{
	uint32_t cap, i, slot, mask;
	uint32_t *slots;
	struct entry *entries;
	size_t pool_cap;
	char *pool;

	if (need > CACHE_MAX_POOL)
		return as_error_set(AS_EINVAL, "analyzer: word too long");
	if (an->n_entries == an->entry_cap) {
		if (an->entry_cap == CACHE_MAX_ENTRIES) {
			cache_clear(an);
		} else {
			cap = an->entry_cap ? 2 * an->entry_cap : CACHE_MIN_ENTRIES;
			entries = as_realloc(an->entries, cap * sizeof(*entries));
			if (!entries)
				return AS_ENOMEM;
			an->entries = entries;
			slots = as_calloc(2 * (size_t)cap, sizeof(*slots));
			if (!slots)
				return AS_ENOMEM;
			mask = 2 * cap - 1;
			for (i = 0; i < an->n_entries; i++) {
				for (slot = (uint32_t)an->entries[i].hash & mask; slots[slot];
				     slot = (slot + 1) & mask)
					;
				slots[slot] = i + 1;
			}
			as_free(an->slots);
			an->slots = slots;
			an->entry_cap = cap;
		}
	}
	if (an->pool_len + need > an->pool_cap) {
		if (an->pool_cap == CACHE_MAX_POOL) {
			cache_clear(an);
		} else {
			pool_cap = an->pool_cap ? 2 * an->pool_cap : CACHE_MIN_POOL;
			while (pool_cap < an->pool_len + need)
				pool_cap *= 2;
			if (pool_cap > CACHE_MAX_POOL)
				pool_cap = CACHE_MAX_POOL;
			if (an->pool_len + need > pool_cap) {
				cache_clear(an);
			}
			pool = as_realloc(an->pool, pool_cap);
			if (!pool)
				return AS_ENOMEM;
			an->pool = pool;
			an->pool_cap = pool_cap;
		}
	}
	return 0;
}

/*
 * Snowball's last step takes the accent off the final syllable of a stem (`péché` ->
 * `pech`, `évènement` -> `éven`), so its stem no longer says which accents the word had
 * and `peche` would look like an exact match of `péché`. When the folded stem is a prefix
 * of the folded word, the exact stem is instead that prefix as written (`péch`, `évèn`),
 * cut at the code point where the folding reaches the stem's length.
 *
 * When the ending the stemmer took off has accented letters, the exact stem goes on to
 * the last of them: `marché` and `marchés` are `marché`, `marche` and `marches` stay
 * `march`. The exact form then ranks first (FRENCH.md 3) where an accent is all that
 * tells two words apart (`retraité`, `retraite`), inflections of one accented word keep
 * one exact form, and the exact stem stays a prefix of the word as written.
 */
static int exact_from_word(struct analyzer *an)
{
	const struct buf *key = &an->lower, *term = &an->term;
	const uint8_t *p = (const uint8_t *)key->ptr;
	size_t i = 0, k, folded = 0;
	struct buf *f = &an->alt; /* free until the alt stem is computed */
	int32_t cp;
	int rc;

	while (i < key->len && folded < term->len) {
		k = decode(p + i, key->len - i, &cp);
		buf_reset(f);
		rc = fold_lower(&an->sc, key->ptr + i, k, f);
		if (rc)
			return rc;
		if (folded + f->len > term->len || memcmp(term->ptr + folded, f->ptr, f->len))
			return 0; /* not a prefix: keep Snowball's stem */
		folded += f->len;
		i += k;
	}
	if (folded == term->len) {
		size_t end = i;
		for (; i < key->len; i += k) {
			k = decode(p + i, key->len - i, &cp);
			buf_reset(f);
			if ((rc = fold_lower(&an->sc, key->ptr + i, k, f)))
				return rc;
			if (f->len != k || memcmp(f->ptr, key->ptr + i, k))
				end = i + k;
		}
		buf_reset(&an->exact);
		buf_add(&an->exact, key->ptr, end);
	}
	return an->exact.err;
}

/*
 * A French ordinal written with digits, folded (`3e`, `3eme`, `3ieme`, `2nd`, `2nde`,
 * `1er`, `1re`, `1ere`): its one spelling, digits then `e` (`1er` for the first ones),
 * written to o (room for len + 1 bytes); 0 when w is no such ordinal. Visitors type
 * `3eme` for `3e` and the stemmer would keep them apart (`3em`, `3e`).
 */
static size_t ordinal(const char *w, size_t len, char *o)
{
	static const char *const suffixes[] = { "e", "eme", "ieme", "nd", "nde", "er", "ere", "re" };
	size_t d = 0;

	while (d < len && w[d] >= '0' && w[d] <= '9')
		d++;
	if (d == 0 || d == len || w[0] == '0' || len - d > 4)
		return 0;
	for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		if (strlen(suffixes[i]) != len - d || memcmp(w + d, suffixes[i], len - d))
			continue;
		int first = suffixes[i][0] == 'r' || (suffixes[i][0] == 'e' && suffixes[i][1] == 'r');
		if (first && !(d == 1 && w[0] == '1'))
			return 0; /* `2er` is no ordinal */
		memcpy(o, w, d);
		if (first)
			o[d++] = 'e', o[d++] = 'r';
		else
			o[d++] = 'e';
		return d;
	}
	return 0;
}

/* Computes the cache entry of the lower form in an->lower and stores it. */
static int cache_fill(struct analyzer *an, uint64_t h, struct entry **out)
{
	uint32_t slot;
	struct buf *key = &an->lower;
	struct entry *e;
	size_t need;
	int rc, number, stop;
	char *p;

	buf_reset(&an->word);
	rc = fold_lower(&an->sc, key->ptr, key->len, &an->word);
	if (rc)
		return rc;
	number = all_digits(an->word.ptr, an->word.len);
	stop = !number && analyzer_is_stop_word(an->word.ptr, an->word.len);
	buf_reset(&an->alt);
	char ord[16];
	size_t ord_len = !number && an->word.len < sizeof(ord) - 1 ? ordinal(an->word.ptr, an->word.len, ord) : 0;
	if (number) {
		buf_reset(&an->exact);
		buf_add(&an->exact, key->ptr, key->len);
		buf_reset(&an->term);
		buf_add(&an->term, key->ptr, key->len);
	} else if (ord_len) {
		buf_reset(&an->exact);
		buf_add(&an->exact, ord, ord_len);
		buf_reset(&an->term);
		buf_add(&an->term, ord, ord_len);
	} else {
		rc = stem_into(an, key->ptr, key->len, &an->exact);
		if (rc)
			return rc;
		buf_reset(&an->term);
		rc = fold_lower(&an->sc, an->exact.ptr, an->exact.len, &an->term);
		if (rc)
			return rc;
		rc = exact_from_word(an);
		if (rc)
			return rc;
		buf_reset(&an->alt);
		if (an->word.len != key->len || memcmp(an->word.ptr, key->ptr, key->len)) {
			rc = stem_into(an, an->word.ptr, an->word.len, &an->alt);
			if (rc)
				return rc;
			if (an->alt.len == an->term.len &&
			    !memcmp(an->alt.ptr, an->term.ptr, an->term.len))
				an->alt.len = 0;
		}
	}
	if (an->exact.err || an->term.err)
		return AS_ENOMEM;
	if (key->len > UINT16_MAX || an->word.len > UINT16_MAX || an->exact.len > UINT16_MAX ||
	    an->term.len > UINT16_MAX || an->alt.len > UINT16_MAX)
		return as_error_set(AS_EINVAL, "analyzer: word too long");

	need = key->len + an->word.len + an->term.len + an->exact.len + an->alt.len;
	rc = cache_make_room(an, need);
	if (rc)
		return rc;
	for (slot = (uint32_t)h & (2 * an->entry_cap - 1); an->slots[slot];
	     slot = (slot + 1) & (2 * an->entry_cap - 1))
		;
	e = &an->entries[an->n_entries];
	e->hash = h;
	e->off = (uint32_t)an->pool_len;
	e->key_len = (uint16_t)key->len;
	e->word_len = (uint16_t)an->word.len;
	e->term_len = (uint16_t)an->term.len;
	e->exact_len = (uint16_t)an->exact.len;
	e->alt_len = (uint16_t)an->alt.len;
	e->stop = (uint8_t)stop;
	e->number = (uint8_t)number;
	e->accented = an->word.len != key->len || memcmp(an->word.ptr, key->ptr, key->len) != 0;
	p = an->pool + an->pool_len;
	memcpy(p, key->ptr, key->len);
	p += key->len;
	if (an->word.len)
		memcpy(p, an->word.ptr, an->word.len);
	p += an->word.len;
	memcpy(p, an->term.ptr, an->term.len);
	p += an->term.len;
	memcpy(p, an->exact.ptr, an->exact.len);
	p += an->exact.len;
	if (an->alt.len)
		memcpy(p, an->alt.ptr, an->alt.len);
	an->pool_len += need;
	an->slots[slot] = ++an->n_entries;
	*out = e;
	return 0;
}

/* The cache entry of the lower form in an->lower. */
static int cache_get(struct analyzer *an, struct entry **out)
{
	const char *k = an->lower.ptr;
	size_t klen = an->lower.len;
	uint64_t h = XXH3_64bits(k, klen);
	uint32_t slot, idx;

	uint32_t mask = 2 * an->entry_cap - 1;

	for (slot = (uint32_t)h & mask; an->entry_cap && (idx = an->slots[slot]) != 0;
	     slot = (slot + 1) & mask) {
		struct entry *e = &an->entries[idx - 1];
		if (e->hash == h && e->key_len == klen && !memcmp(an->pool + e->off, k, klen)) {
			*out = e;
			return 0;
		}
	}
	return cache_fill(an, h, out);
}

/* ---- Scanning the original text ---- */

/* The class of the code point at i (CL_SEP past the end), its length in *n. */
static inline int peek(const struct analyzer *an, size_t i, size_t *n)
{
	const uint8_t *p = (const uint8_t *)an->text;
	int32_t cp;

	if (i >= an->len) {
		*n = 0;
		return CL_SEP;
	}
	if (p[i] < 0x80) {
		*n = 1;
		return latin[p[i]].cls;
	}
	*n = decode(p + i, an->len - i, &cp);
	return cls_of(cp);
}

/* A run of word characters starting at i (which is one): its end. Ignorables between
 * word characters belong to the run. *n_letters counts its letters, *n_cps its code
 * points other than marks. */
static size_t scan_run(const struct analyzer *an, size_t i, unsigned *n_letters, unsigned *n_cps,
		       int *digits_only)
{
	const uint8_t *p = (const uint8_t *)an->text;
	unsigned nl = 0, nc = 0;
	int c, digits = 1;
	size_t n, j;

	for (;;) {
		/* Most text is ASCII: classify it without decoding. */
		while (i < an->len && p[i] < 0x80) {
			c = latin[p[i]].cls;
			if (c == CL_LETTER) {
				nl++;
				digits = 0;
			} else if (c != CL_DIGIT) {
				break;
			}
			nc++;
			i++;
		}
		c = peek(an, i, &n);
		if (is_word_cls(c)) {
			if (c == CL_LETTER)
				nl++;
			if (n != 1 || c != CL_DIGIT)
				digits = 0;
			if (c != CL_MARK)
				nc++;
			i += n;
			continue;
		}
		if (c != CL_IGN)
			break;
		/* Ignorables count only when a word character follows them. */
		j = i + n;
		while ((c = peek(an, j, &n)) == CL_IGN)
			j += n;
		if (!is_word_cls(c))
			break;
		i = j;
	}
	*n_letters = nl;
	*n_cps = nc;
	*digits_only = digits;
	return i;
}

/* The elisions of DESIGN.md: l' d' j' m' n' s' t' c' qu' jusqu' lorsqu' puisqu' quoiqu'.
 * By length, not a loop over a list: every short word of a text is asked. */
static int is_elision(const char *s, size_t n)
{
	char w[6];

	if (n == 0 || n > 6)
		return 0;
	for (size_t i = 0; i < n; i++)
		w[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] - 'A' + 'a' : s[i]);
	switch (n) {
	case 1:
		return memchr("ldjmnstc", w[0], 8) != NULL;
	case 2:
		return w[0] == 'q' && w[1] == 'u';
	case 5:
		return !memcmp(w, "jusqu", 5);
	case 6:
		return !memcmp(w, "lorsqu", 6) || !memcmp(w, "puisqu", 6) || !memcmp(w, "quoiqu", 6);
	}
	return 0;
}

/* The letter case of the code point at p, for camel_parts(): 1 small, 2 capital, 0 no
 * letter; its length in *n. */
static int letter_case(const uint8_t *p, size_t left, size_t *n)
{
	int32_t cp;

	if (p[0] < 0x80) {
		*n = 1;
		return p[0] >= 'a' && p[0] <= 'z' ? 1 : p[0] >= 'A' && p[0] <= 'Z' ? 2 : 0;
	}
	*n = decode(p, left, &cp);
	switch (utf8proc_category(cp)) {
	case UTF8PROC_CATEGORY_LL:
		return 1;
	case UTF8PROC_CATEGORY_LU:
		return 2;
	default:
		return 0;
	}
}

/*
 * Where a word written in camel case (`MaPrimeRénov`, `LibreOffice`) splits: before
 * each capital that follows a small letter, when every part then has two letters or
 * more (`iPhone`, `RdC` stay whole; `XIXe` has no small letter before a capital).
 * Fills starts[] (starts[0] = s) and returns the number of parts, else 0.
 */
static unsigned camel_parts(const struct analyzer *an, size_t s, size_t e, size_t *starts)
{
	const uint8_t *p = (const uint8_t *)an->text;
	unsigned k = 1, letters = 0;
	int prev = 0;
	size_t n, i;

	/* Most words have no capital past their first byte, nor a letter beyond Latin-1:
	 * one pass over the bytes says so. */
	for (i = s + 1; i < e; i++)
		if ((unsigned)(p[i] - 'A') < 26 || p[i] >= 0xC4 ||
		    (p[i] == 0xC3 && i + 1 < e && p[i + 1] < 0xA0))
			break;
	if (i >= e)
		return 0;
	starts[0] = s;
	for (i = s; i < e; i += n) {
		int c = letter_case(p + i, an->len - i, &n);
		if (c == 2 && prev == 1) {
			if (letters < 2 || k == ANALYZER_CAMEL_PARTS)
				return 0;
			starts[k++] = i;
			letters = 0;
		}
		if (c)
			letters++;
		prev = c ? c : prev;
	}
	return k >= 2 && letters >= 2 ? k : 0;
}

/* A word found on the original text. */
struct span {
	size_t start, end;     /* surface, elision excluded */
	size_t first_end;      /* end of its first run */
	unsigned first_cps;    /* code points of the first run */
	unsigned n_letters;    /* letters in the whole word */
	int digits_only;       /* one run of ASCII digits */
};

/* Whether an apostrophe (or, unless `apos_only`, a middle dot) at i is followed by a
 * word character: its length, else 0. */
static size_t apos_joins(const struct analyzer *an, size_t i, int apos_only)
{
	size_t n, m;
	int c = peek(an, i, &n);

	if (c != CL_APOS && (apos_only || c != CL_MIDDOT))
		return 0;
	if (!is_word_cls(peek(an, i + n, &m)))
		return 0;
	return n;
}

/* Same for a hyphen. */
static size_t hyphen_joins(const struct analyzer *an, size_t i)
{
	size_t n, m;

	if (peek(an, i, &n) != CL_HYPHEN)
		return 0;
	if (!is_word_cls(peek(an, i + n, &m)))
		return 0;
	return n;
}

/* The word starting with the word character at i: elisions dropped, runs joined by
 * apostrophes and middle dots. */
static void scan_word(const struct analyzer *an, size_t i, struct span *w)
{
	unsigned nl, nc;
	int digits;
	size_t e, a;

	for (;;) {
		e = scan_run(an, i, &nl, &nc, &digits);
		a = apos_joins(an, e, 1);
		if (a && is_elision(an->text + i, e - i)) {
			i = e + a;
			continue;
		}
		break;
	}
	a = apos_joins(an, e, 0);
	w->start = i;
	w->first_end = e;
	w->first_cps = nc;
	w->n_letters = nl;
	w->digits_only = digits;
	while (a) {
		w->digits_only = 0;
		e = scan_run(an, e + a, &nl, &nc, &digits);
		w->n_letters += nl;
		a = apos_joins(an, e, 0);
	}
	w->end = e;
}

/* A dotted acronym at i (`C.M.A.`): its end (after the last dot, when there is one), else 0. */
static size_t scan_acronym(const struct analyzer *an, size_t i)
{
	size_t n, start = i, end = 0, k = 0;
	int c;

	for (;;) {
		if (peek(an, i, &n) != CL_LETTER)
			break;
		i += n;
		while ((c = peek(an, i, &n)) == CL_MARK)
			i += n;
		if (is_word_cls(c))
			break; /* more than one letter: not part of the acronym */
		k++;
		end = i;
		if (i >= an->len || an->text[i] != '.')
			break;
		end = ++i;
		if (end - start > ANALYZER_MAX_WORD)
			break; /* dropped anyway; stop scanning */
	}
	return k >= 2 ? end : 0;
}

/* A separator of digit groups at i (U+0020, U+00A0, U+202F, U+2009): its length, else 0. */
static size_t group_sep(const struct analyzer *an, size_t i)
{
	const uint8_t *p = (const uint8_t *)an->text + i;
	size_t left = an->len - i;

	if (left >= 1 && p[0] == ' ')
		return 1;
	if (left >= 2 && p[0] == 0xC2 && p[1] == 0xA0)
		return 2;
	if (left >= 3 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] == 0xAF || p[2] == 0x89))
		return 3;
	return 0;
}

/*
 * The end of a group of `width` digits after a group separator at k (or a dot or a
 * hyphen too, when `marks`), not glued to a word character; else 0.
 */
static size_t next_group(const struct analyzer *an, size_t k, size_t width, int marks)
{
	size_t s, n;

	if (k >= an->len)
		return 0;
	s = marks && (an->text[k] == '.' || an->text[k] == '-') ? 1 : group_sep(an, k);
	if (!s || an->len - (k + s) < width)
		return 0;
	k += s;
	for (size_t i = 0; i < width; i++)
		if (an->text[k + i] < '0' || an->text[k + i] > '9')
			return 0;
	k += width;
	if (is_word_cls(peek(an, k, &n)) || peek(an, k, &n) == CL_IGN)
		return 0;
	return k;
}

/* Joins the digit groups after a group of 1-3 digits ending at `end`: the new end. */
static size_t scan_number(const struct analyzer *an, size_t start, size_t end)
{
	size_t k;

	while (end - start < ANALYZER_MAX_WORD && (k = next_group(an, end, 3, 0)))
		end = k;
	return end;
}

/*
 * A French telephone number as written after its first group `0d` ending at `end`: four
 * more groups of two digits, each after a group separator, a dot or a hyphen
 * (`04 66 62 80 80`, `05.61.10.47.47`): the end of the last group, else `end`. Joined,
 * it is the number a visitor types or pastes whole (`0466628080`).
 */
static size_t scan_phone(const struct analyzer *an, size_t end)
{
	size_t k = end;

	for (int g = 0; g < 4; g++)
		if (!(k = next_group(an, k, 2, 1)))
			return end;
	return k;
}

/*
 * Fills *tok for the surface text[s..e). Returns 0 with a token, 1 when the word yields
 * none (a stop word, empty once folded), <0 on error. Does not touch positions.
 */
/*
 * struct token's form of text[s..e) into an->form, when lower_span() dropped a character
 * of it or met a ligature (an->lower_special: no second pass over every token): the
 * lower form as lower_span() makes it, but with œ and æ as written, hyphens as '-',
 * apostrophes as '\'' and middle dots kept. Empty when that is the word itself.
 */
static int make_form(struct analyzer *an, size_t s, size_t e, const struct token *tok)
{
	const uint8_t *p = (const uint8_t *)an->text;
	struct buf *raw = &an->raw, *out = &an->form;
	size_t i, k, n = 0;
	int rc;

	buf_reset(out);
	buf_reset(raw);
	/* By table while every character is Latin (the lower forms lower_span() uses, œ and
	 * æ kept): utf8proc, which also composes decomposed accents, only beyond. */
	int slow = 0;
	for (i = s; i < e; i += k) {
		int32_t cp;
		k = decode(p + i, e - i, &cp);
		switch (cls_of(cp)) {
		case CL_HYPHEN:
			buf_addch(raw, '-');
			buf_addch(out, '-');
			n++;
			break;
		case CL_APOS:
			buf_addch(raw, '\'');
			buf_addch(out, '\'');
			n++;
			break;
		case CL_MIDDOT:
			n++;
			/* fall through */
		case CL_LETTER:
		case CL_DIGIT:
		case CL_MARK:
			buf_add(raw, p + i, k);
			if (cp == 0x0152 || cp == 0x0153) {
				buf_add(out, "\xc5\x93", 2);
				n++;
			} else if (cp == 0x00C6 || cp == 0x00E6) {
				buf_add(out, "\xc3\xa6", 2);
				n++;
			} else if (cp >= 0 && cp < LATIN_N && cp != 0x00B7) {
				buf_add(out, latin[cp].lower, latin[cp].lower_len);
			} else if (cp == 0x00B7) {
				buf_add(out, p + i, k);
			} else {
				slow = 1;
			}
			break;
		default:
			break;
		}
	}
	if (raw->err || out->err)
		return AS_ENOMEM;
	if (n == 0) {
		buf_reset(out);
		return 0; /* only an ignorable: the word with its accents, if any (make_token) */
	}
	if (slow) {
		buf_reset(out);
		if ((rc = norm_spell(&an->sc, raw->ptr, raw->len, OPT_LOWER, 0, out)) < 0) {
			buf_reset(out);
			return rc == AS_ENOMEM ? rc : 0;
		}
	}
	if (out->len == tok->word_len && memcmp(out->ptr, tok->word, out->len) == 0)
		buf_reset(out);
	return out->err ? AS_ENOMEM : 0;
}

/* make_token() of the word `word`, standing for the span [s, e) of the text (a sign). */
static int make_token_as(struct analyzer *an, const char *word, size_t s, size_t e, unsigned flags,
			 struct token *tok);

static int make_token(struct analyzer *an, size_t s, size_t e, unsigned flags, struct token *tok)
{
	return make_token_as(an, NULL, s, e, flags, tok);
}

static int make_token_as(struct analyzer *an, const char *word, size_t s, size_t e, unsigned flags,
			 struct token *tok)
{
	struct entry *ent = NULL;
	const char *p;
	int rc;

	tok->form = "";
	tok->form_len = 0;

	if (an->mode == ANALYZER_QUERY && e < an->len && an->text[e] == '*')
		flags |= TOKEN_PREFIX;
	if (an->only_first && !word && e > s && (uint8_t)an->text[s] < 0x80) {
		/* An ASCII letter or digit starts the word and, lowercased, its folded form. */
		uint8_t c = (uint8_t)an->text[s];
		if (c >= 'A' && c <= 'Z')
			c = (uint8_t)(c - 'A' + 'a');
		if (!(an->only_first[c >> 3] >> (c & 7) & 1)) {
			tok->word = tok->term = tok->exact = tok->alt = an->text + s;
			tok->word_len = e - s;
			tok->term_len = tok->exact_len = tok->alt_len = 0;
			tok->start = s;
			tok->end = e;
			tok->flags = flags | TOKEN_SKIPPED;
			return 0;
		}
	}
	rc = word ? lower_span(&an->sc, word, strlen(word), &an->lower, &an->raw, &an->lower_special)
		  : lower_span(&an->sc, an->text + s, e - s, &an->lower, &an->raw, &an->lower_special);
	if (rc)
		return rc;
	if (an->lower.len == 0)
		return 1;
	rc = cache_get(an, &ent);
	if (rc)
		return rc;
	if (ent->word_len == 0 || (ent->stop && !(flags & TOKEN_PREFIX)))
		return 1;
	p = an->pool + ent->off + ent->key_len;
	tok->word = p;
	tok->word_len = ent->word_len;
	p += ent->word_len;
	tok->term = p;
	tok->term_len = ent->term_len;
	p += ent->term_len;
	tok->exact = p;
	tok->exact_len = ent->exact_len;
	p += ent->exact_len;
	tok->alt = p;
	tok->alt_len = ent->alt_len;
	tok->start = s;
	tok->end = e;
	tok->flags = flags | (ent->number ? TOKEN_NUMBER : 0);
	if (an->mode != ANALYZER_DOCUMENT)
		return 0;
	buf_reset(&an->form);
	if (an->lower_special && !word && (rc = make_form(an, s, e, tok)) < 0)
		return rc;
	if (an->form.len) {
		tok->form = an->form.ptr;
		tok->form_len = an->form.len;
	} else if (ent->accented) {
		/* Accents only: the lower form is the word as written. */
		tok->form = an->lower.ptr;
		tok->form_len = an->lower.len;
	}
	return 0;
}

static uint32_t take_position(struct analyzer *an)
{
	uint32_t p = an->position;

	if (an->position < UINT32_MAX)
		an->position++;
	return p;
}

/*
 * Where a word written letters then digits splits (`FA13`, `L6222`, `covid19`): the
 * end of its letters, or 0 when it is not so written. A single letter takes three
 * digits or more (an article of a code, `L6222`; not a cell, `A1`, nor `B2`).
 */
static size_t letters_digits(const struct analyzer *an, size_t s, size_t e)
{
	const uint8_t *p = (const uint8_t *)an->text;
	size_t i = s, b;

	while (i < e && (unsigned)((p[i] | 0x20) - 'a') < 26)
		i++;
	b = i;
	while (i < e && (unsigned)(p[i] - '0') < 10)
		i++;
	if (i != e || b == s || b == e || (b - s == 1 && e - b < 3))
		return 0;
	return b;
}

/* The next part of the compound being returned. */
static int next_part(struct analyzer *an, struct token *tok)
{
	struct span w;
	size_t h;
	unsigned flags = TOKEN_PART;
	uint32_t pos;

	if (an->in_compound == 2) {
		size_t a = an->camel[an->camel_i++];
		size_t z = an->camel_i < an->n_camel ? an->camel[an->camel_i] : an->comp_end;
		if (an->camel_i == an->n_camel) {
			an->in_compound = 0;
			an->pos = an->comp_end;
			flags |= an->comp_prefix;
		}
		tok->position = take_position(an);
		return make_token(an, a, z, flags, tok);
	}
	scan_word(an, an->comp_next, &w);
	h = hyphen_joins(an, w.end);
	if (w.end >= an->comp_end || !h) {
		an->in_compound = 0;
		an->pos = an->comp_end;
		flags |= an->comp_prefix;
	} else {
		an->comp_next = w.end + h;
	}
	pos = take_position(an);
	if (w.end - w.start > ANALYZER_MAX_WORD)
		return 1;
	tok->position = pos;
	size_t b = w.end == w.first_end ? letters_digits(an, w.start, w.end) : 0;
	if (b) {
		/* `L6222-18` is also `L. 6222-18`: the letters, then the digits. */
		an->split_start = b;
		an->split_end = w.end;
		an->split_flags = flags;
		return make_token(an, w.start, b, TOKEN_PART, tok);
	}
	return make_token(an, w.start, w.end, flags, tok);
}

/* The euro sign U+20AC at byte i. */
static int is_euro(const struct analyzer *an, size_t i)
{
	return an->len - i >= 3 && memcmp(an->text + i, "\xE2\x82\xAC", 3) == 0;
}

int analyzer_next(struct analyzer *an, struct token *tok)
{
	const uint8_t *p = (const uint8_t *)an->text;
	struct span w, part;
	size_t n, e, h;
	int c, rc;

	for (;;) {
		if (an->split_end) {
			size_t a = an->split_start, z = an->split_end;
			an->split_end = 0;
			tok->position = take_position(an);
			rc = make_token(an, a, z, an->split_flags, tok);
			if (rc <= 0)
				return rc;
			continue;
		}
		if (an->in_compound) {
			rc = next_part(an, tok);
			if (rc <= 0)
				return rc;
			continue;
		}
		/* Skip to the next word character. */
		for (;;) {
			if (an->pos >= an->len)
				return 1;
			if (p[an->pos] < 0x80) {
				if (is_word_cls(latin[p[an->pos]].cls))
					break;
				an->pos++;
				continue;
			}
			c = peek(an, an->pos, &n);
			if (is_word_cls(c) || is_euro(an, an->pos))
				break;
			an->pos += n;
		}
		if (p[an->pos] == 0xE2 && is_euro(an, an->pos)) {
			size_t s = an->pos;
			an->pos += 3;
			tok->position = take_position(an);
			rc = make_token_as(an, "euros", s, an->pos, 0, tok);
			if (rc <= 0)
				return rc;
			continue;
		}

		scan_word(an, an->pos, &w);

		/* C.M.A. */
		if (w.end == w.first_end && w.first_cps == 1 && w.n_letters == 1 &&
		    w.end < an->len && an->text[w.end] == '.' && (e = scan_acronym(an, w.start))) {
			an->pos = e;
			tok->position = take_position(an);
			if (e - w.start > ANALYZER_MAX_WORD)
				continue;
			rc = make_token(an, w.start, e, 0, tok);
			if (rc <= 0)
				return rc;
			continue;
		}

		/* 04 66 62 80 80 */
		if (w.digits_only && w.end - w.start == 2 && an->text[w.start] == '0' &&
		    (e = scan_phone(an, w.end)) != w.end) {
			an->pos = e;
			tok->position = take_position(an);
			rc = make_token(an, w.start, e, 0, tok);
			if (rc <= 0)
				return rc;
			continue;
		}

		/* 73 700 */
		if (w.digits_only && w.end - w.start <= 3 &&
		    (e = scan_number(an, w.start, w.end)) != w.end) {
			an->pos = e;
			tok->position = take_position(an);
			if (e - w.start > ANALYZER_MAX_WORD)
				continue;
			rc = make_token(an, w.start, e, 0, tok);
			if (rc <= 0)
				return rc;
			continue;
		}

		/* Haute-Garonne: the whole, then the parts. */
		if ((h = hyphen_joins(an, w.end)) != 0) {
			unsigned letters = w.n_letters;
			e = w.end;
			do {
				scan_word(an, e + h, &part);
				letters += part.n_letters;
				e = part.end;
			} while ((h = hyphen_joins(an, e)) != 0);
			if (letters) {
				an->in_compound = 1;
				an->comp_next = w.start;
				an->comp_end = e;
				an->comp_prefix = 0;
				if (an->mode == ANALYZER_QUERY && e < an->len && an->text[e] == '*')
					an->comp_prefix = TOKEN_PREFIX;
				if (e - w.start > ANALYZER_MAX_WORD)
					continue;
				tok->position = an->position;
				rc = make_token(an, w.start, e, TOKEN_COMPOUND, tok);
				if (rc <= 0)
					return rc;
				continue;
			}
			/* 2019-2026: no letter, the hyphen only separates. */
		}

		/* MaPrimeRénov: the whole, then the parts, as a hyphenated word. FA13, L6222:
		 * the whole, then the letters and the digits, the same way (`fa 13` and
		 * `L. 6222` find them, and they find those); not TOKEN_CAMEL: a misspelling
		 * is not corrected as one word (`r1234` is not `1234` misspelt). */
		if (w.end == w.first_end && !w.digits_only && w.end - w.start <= ANALYZER_MAX_WORD) {
			unsigned flags = TOKEN_COMPOUND | TOKEN_CAMEL;
			if (!(an->n_camel = camel_parts(an, w.start, w.end, an->camel)) &&
			    (e = letters_digits(an, w.start, w.end)) != 0) {
				an->camel[0] = w.start;
				an->camel[1] = e;
				an->n_camel = 2;
				flags = TOKEN_COMPOUND;
			}
			if (an->n_camel) {
				an->in_compound = 2;
				an->camel_i = 0;
				an->comp_end = w.end;
				an->comp_prefix = an->mode == ANALYZER_QUERY && w.end < an->len && an->text[w.end] == '*'
							  ? TOKEN_PREFIX
							  : 0;
				tok->position = an->position;
				rc = make_token(an, w.start, w.end, flags, tok);
				if (rc <= 0)
					return rc;
				continue;
			}
		}
		an->pos = w.end;
		/* `d art`, `l avion`: an elided article typed without its apostrophe (a phone,
		 * a hurried visitor) takes no position, as `d'art` does not, so that the phrase
		 * "métiers d art" finds "métiers d'art". Only the elisions that are stop words:
		 * `jusqu` alone stays a word; so does a prefix (`t*`: every word in t). */
		if (w.end == w.first_end && w.end - w.start <= 2 && is_elision(an->text + w.start, w.end - w.start) &&
		    !(an->mode == ANALYZER_QUERY && w.end < an->len && an->text[w.end] == '*')) {
			char lc[2];
			for (size_t k = 0; k < w.end - w.start; k++)
				lc[k] = (char)(an->text[w.start + k] | 0x20); /* ASCII letters: is_elision() said so */
			if (analyzer_is_stop_word(lc, w.end - w.start))
				continue;
		}
		tok->position = take_position(an);
		if (w.end - w.start > ANALYZER_MAX_WORD)
			continue;
		rc = make_token(an, w.start, w.end, 0, tok);
		if (rc <= 0)
			return rc;
	}
}

int analyzer_fold(const char *s, size_t len, struct buf *out)
{
	struct scratch sc = { NULL, 0 };
	struct buf lower = BUF_INIT, raw = BUF_INIT;
	int rc;

	if (len == 3 && memcmp(s, "\xE2\x82\xAC", 3) == 0) {
		buf_addstr(out, "euros"); /* the euro sign's token */
		return out->err ? AS_ENOMEM : 0;
	}

	ensure_init();
	rc = lower_span(&sc, s, len, &lower, &raw, NULL);
	if (!rc)
		rc = fold_lower(&sc, lower.ptr, lower.len, out);
	if (!rc && out->err)
		rc = AS_ENOMEM;
	as_free(sc.u32);
	buf_release(&lower);
	buf_release(&raw);
	return rc;
}
