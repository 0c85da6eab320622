/* The French analyzer (common/text/analyzer.h): Snowball's vocabulary, the French rules
 * of DESIGN.md "Text analysis", offsets over the whole corpus, hostile input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/text/analyzer.h"
#include "common/text/doc_type.h"
#include "common/util/buf.h"
#include "common/util/error.h"
#include "common/util/mem.h"

/* Where Debian's snowball-data installs the official vocabulary (SNOWBALL_DATA overrides). */
#define SNOWBALL_DIR "/usr/share/snowball/data"

/* A token with its strings copied, so that a whole text can be compared at once. */
struct tk {
	char term[256], exact[256], alt[256], word[256];
	size_t start, end;
	uint32_t position;
	unsigned flags;
};

struct tks {
	struct tk *v;
	size_t n;
	int rc; /* of the last analyzer_next() */
};

static void copy(char *dst, const char *s, size_t n)
{
	assert_true(n < 256);
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static struct tks run_mode(struct analyzer *an, const char *text, size_t len, enum analyzer_mode mode)
{
	struct tks r = { NULL, 0, 0 };
	struct token t;
	size_t cap = 0;

	assert_int_equal(analyzer_start(an, text, len, mode), 0);
	while ((r.rc = analyzer_next(an, &t)) == 0) {
		if (r.n == cap) {
			cap = cap ? 2 * cap : 16;
			r.v = realloc(r.v, cap * sizeof(*r.v));
			assert_non_null(r.v);
		}
		struct tk *k = &r.v[r.n++];
		copy(k->term, t.term, t.term_len);
		copy(k->exact, t.exact, t.exact_len);
		copy(k->alt, t.alt, t.alt_len);
		copy(k->word, t.word, t.word_len);
		k->start = t.start;
		k->end = t.end;
		k->position = t.position;
		k->flags = t.flags;
		assert_true(t.start < t.end && t.end <= len);
	}
	assert_true(r.rc > 0);
	return r;
}

static struct tks run(struct analyzer *an, const char *text)
{
	return run_mode(an, text, strlen(text), ANALYZER_DOCUMENT);
}

static struct tks runq(struct analyzer *an, const char *text)
{
	return run_mode(an, text, strlen(text), ANALYZER_QUERY);
}

/* How many tokens a text gives. */
static size_t count(struct analyzer *an, const char *text)
{
	struct tks r = run(an, text);

	free(r.v);
	return r.n;
}

/* The single token of a one-word text. */
static struct tk one(struct analyzer *an, const char *text)
{
	struct tks r = run(an, text);
	struct tk k;

	if (r.n != 1)
		fail_msg("'%s': %zu tokens, expected 1", text, r.n);
	k = r.v[0];
	free(r.v);
	return k;
}

static int setup(void **state)
{
	*state = analyzer_new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	analyzer_free(*state);
	return 0;
}

/* ---- Snowball ---- */

static FILE *open_voc(const char *name)
{
	const char *dir = getenv("SNOWBALL_DATA");
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/french/%s", dir ? dir : SNOWBALL_DIR, name);
	f = fopen(path, "r");
	if (!f)
		fail_msg("%s: missing (Debian package snowball-data, see scripts/setup.sh)", path);
	return f;
}

static void chomp(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

static void test_snowball_vocabulary(void **state)
{
	struct analyzer *an = *state;
	FILE *voc = open_voc("voc.txt"), *out = open_voc("output.txt");
	char w[256], want[256];
	const char *stem;
	size_t len, n = 0, bad = 0;

	while (fgets(w, sizeof(w), voc)) {
		assert_non_null(fgets(want, sizeof(want), out));
		chomp(w);
		chomp(want);
		assert_int_equal(analyzer_stem(an, w, strlen(w), &stem, &len), 0);
		if (len != strlen(want) || memcmp(stem, want, len)) {
			if (bad++ < 10)
				print_error("%s -> %.*s, Snowball says %s\n", w, (int)len, stem, want);
		}
		n++;
	}
	assert_null(fgets(want, sizeof(want), out));
	fclose(voc);
	fclose(out);
	assert_int_equal(n, 20805);
	assert_int_equal(bad, 0);
}

/* Every vocabulary word through the whole pipeline: the token's exact stem is Snowball's
 * (stop words aside), and its term is that stem folded. */
static void test_snowball_through_pipeline(void **state)
{
	struct analyzer *an = *state;
	FILE *voc = open_voc("voc.txt"), *out = open_voc("output.txt");
	char w[256], want[256];
	size_t n = 0, stops = 0;
	struct buf folded = BUF_INIT;

	while (fgets(w, sizeof(w), voc) && fgets(want, sizeof(want), out)) {
		chomp(w);
		chomp(want);
		struct tks r = run(an, w);
		buf_reset(&folded);
		assert_int_equal(analyzer_fold(w, strlen(w), &folded), 0);
		if (analyzer_is_stop_word(folded.ptr, folded.len)) {
			assert_int_equal(r.n, 0);
			stops++;
		} else {
			if (r.n != 1)
				fail_msg("%s: %zu tokens", w, r.n);
			/* Snowball's stem, or, where Snowball's last step took an accent off
			 * (`péché` -> `pech`), the word as written cut to that stem. */
			if (strcmp(r.v[0].exact, want)) {
				struct buf fw = BUF_INIT;

				assert_int_equal(analyzer_fold(want, strlen(want), &fw), 0);
				assert_string_equal(r.v[0].term, fw.ptr);
				assert_int_equal(strncmp(r.v[0].exact, w, strlen(r.v[0].exact)), 0);
				buf_release(&fw);
			}
			assert_string_equal(r.v[0].word, folded.ptr);
			n++;
		}
		free(r.v);
	}
	fclose(voc);
	fclose(out);
	buf_release(&folded);
	assert_true(n > 20000);
	assert_true(stops > 50 && stops < 300);
}

/* ---- French rules ---- */

static void same_term(struct analyzer *an, const char *a, const char *b)
{
	struct tk x = one(an, a), y = one(an, b);

	if (strcmp(x.term, y.term))
		fail_msg("'%s' -> %s but '%s' -> %s", a, x.term, b, y.term);
}

static void test_elisions(void **state)
{
	struct analyzer *an = *state;
	const char *forms[] = { "l'apprentissage", "l’apprentissage", "L'Apprentissage", "L’APPRENTISSAGE",
				"d'apprentissage", "apprentissage", "qu'apprentissage" };
	struct tk k = one(an, "l'apprentissage");
	size_t i;

	assert_string_equal(k.term, "apprentissag");
	assert_string_equal(k.word, "apprentissage");
	assert_int_equal(k.start, 2);
	assert_int_equal(k.end, strlen("l'apprentissage"));
	k = one(an, "l’apprentissage");
	assert_int_equal(k.start, strlen("l’"));
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		same_term(an, forms[i], "apprentissage");
	/* Every elision of DESIGN.md, both apostrophes, any case. */
	const char *el[] = { "l'", "d'", "j'", "m'", "n'", "s'", "t'", "c'", "qu'", "jusqu'", "lorsqu'",
			     "puisqu'", "quoiqu'", "L’", "JUSQU’", "Lorsqu’", "Puisqu’", "QUOIQU'" };
	for (i = 0; i < sizeof(el) / sizeof(el[0]); i++) {
		char text[64];
		snprintf(text, sizeof(text), "%savion", el[i]);
		k = one(an, text);
		assert_string_equal(k.word, "avion");
		assert_int_equal(k.start, strlen(el[i]));
	}
	/* Elided words that are stop words leave nothing, but take their position. */
	struct tks r = run(an, "jusqu'au bout, lorsqu'il part, puisqu'elle vient, quoiqu'on dise");
	assert_int_equal(r.n, 4);
	assert_string_equal(r.v[0].word, "bout");
	assert_int_equal(r.v[0].position, 1);
	assert_string_equal(r.v[1].word, "part");
	assert_int_equal(r.v[1].position, 3);
	assert_string_equal(r.v[2].word, "vient");
	assert_string_equal(r.v[3].word, "dise");
	assert_int_equal(r.v[3].position, 7);
	free(r.v);
	/* An elision with nothing after it is a lone letter, a stop word. */
	r = run(an, "l' avion");
	assert_int_equal(r.n, 1);
	assert_string_equal(r.v[0].word, "avion");
	free(r.v);
	/* Typed without its apostrophe, an elided article takes no position either, so that
	 * a phrase "métiers d art" has the positions of "métiers d'art". */
	const char *bare[] = { "métiers d art", "métiers D art", "métiers d'art", "métiers d’art" };
	for (i = 0; i < sizeof(bare) / sizeof(bare[0]); i++) {
		r = run(an, bare[i]);
		assert_int_equal(r.n, 2);
		assert_string_equal(r.v[1].word, "art");
		assert_int_equal(r.v[1].position, 1);
		free(r.v);
	}
	/* A longer elision alone is a word, and takes its position. */
	r = run(an, "jusqu ici");
	assert_int_equal(r.n, 2);
	assert_int_equal(r.v[1].position, 1);
	free(r.v);
}

static void test_apostrophe_joins(void **state)
{
	struct analyzer *an = *state;
	struct tk k = one(an, "aujourd'hui");

	assert_string_equal(k.word, "aujourdhui");
	assert_int_equal(k.start, 0);
	assert_int_equal(k.end, strlen("aujourd'hui"));
	same_term(an, "aujourd'hui", "aujourd’hui");
	same_term(an, "Aujourd’hui", "aujourdhui");
	assert_string_equal(one(an, "prud'hommes").word, "prudhommes");
	assert_string_equal(one(an, "presqu'île").word, "presquile");
	assert_string_equal(one(an, "quelqu’un").word, "quelquun");
	/* U+02BC MODIFIER LETTER APOSTROPHE is a letter, so never an elision. */
	assert_string_equal(one(an, "l\xCA\xBC" "avion").word, "l\xCA\xBC" "avion");
	/* The middle dot of inclusive writing joins too. */
	same_term(an, "salarié·e·s", "salariées");
	assert_int_equal(one(an, "artisan·e·s").end, strlen("artisan·e·s"));
	assert_int_equal(count(an, "l·avion"), 1);
	assert_int_equal(count(an, "fin· suite"), 2);
	/* An elision then a joined word. */
	k = one(an, "qu'aujourd'hui");
	assert_string_equal(k.word, "aujourdhui");
	assert_int_equal(k.start, 3);
}

static void test_case_and_accents(void **state)
{
	struct analyzer *an = *state;
	struct tk a = one(an, "métiers"), b = one(an, "metiers"), c = one(an, "MÉTIERS");

	assert_string_equal(a.term, b.term);
	assert_string_equal(a.term, c.term);
	assert_string_equal(a.exact, c.exact);
	assert_string_equal(a.word, "metiers");
	assert_string_equal(c.word, "metiers");
	same_term(an, "Événement", "evenement");
	same_term(an, "évènement", "evenement");
	same_term(an, "Straße", "strasse");
}

static void test_ligatures(void **state)
{
	struct analyzer *an = *state;

	same_term(an, "cœur", "coeur");
	same_term(an, "CŒUR", "coeur");
	same_term(an, "Cœlacanthe", "coelacanthe");
	same_term(an, "œuvres", "oeuvres");
	same_term(an, "æquo", "aequo");
	same_term(an, "Æsthétique", "aesthetique");
	same_term(an, "\xEF\xAC\x81nance", "finance"); /* U+FB01 LATIN SMALL LIGATURE FI */
	assert_string_equal(one(an, "cœur").word, "coeur");
	assert_string_equal(one(an, "cœur").exact, "coeur");
}

/* The first token's form (struct token), "" when it has none. */
static const char *form_of(struct analyzer *an, const char *text, enum analyzer_mode mode)
{
	static char out[256];
	struct token t;

	assert_int_equal(analyzer_start(an, text, strlen(text), mode), 0);
	assert_int_equal(analyzer_next(an, &t), 0);
	assert_non_null(t.form);
	copy(out, t.form, t.form_len);
	return out;
}

/* A word as documents write it: lower case, accents, hyphens, apostrophes, ligatures. */
static void test_forms(void **state)
{
	struct analyzer *an = *state;

	assert_string_equal(form_of(an, "Haute-Garonne", ANALYZER_DOCUMENT), "haute-garonne");
	assert_string_equal(form_of(an, "SAINT\xE2\x80\x91\xC3\x89TIENNE", ANALYZER_DOCUMENT), /* U+2011 */
			    "saint-\xC3\xA9tienne");
	assert_string_equal(form_of(an, "aujourd\xE2\x80\x99hui", ANALYZER_DOCUMENT), "aujourd'hui");
	assert_string_equal(form_of(an, "Chef-d\xE2\x80\x99\xC5\x93uvre", ANALYZER_DOCUMENT),
			    "chef-d'\xC5\x93uvre");
	assert_string_equal(form_of(an, "C\xC5\x92UR", ANALYZER_DOCUMENT), "c\xC5\x93ur");
	assert_string_equal(form_of(an, "Journ\xC3\xA9" "es", ANALYZER_DOCUMENT), "journ\xC3\xA9" "es");
	assert_string_equal(form_of(an, "salari\xC3\xA9\xC2\xB7" "e\xC2\xB7s", ANALYZER_DOCUMENT),
			    "salari\xC3\xA9\xC2\xB7" "e\xC2\xB7s");
	/* An ignorable inside (a zero-width space) is dropped, the accents stay. */
	assert_string_equal(form_of(an, "Journ\xE2\x80\x8B\xC3\xA9" "es", ANALYZER_DOCUMENT), "journ\xC3\xA9" "es");
	/* Decomposed accents come out composed. */
	assert_string_equal(form_of(an, "Journe\xCC\x81" "es", ANALYZER_DOCUMENT), "journ\xC3\xA9" "es");
	/* None where the folded word is the word, outside the elision, or for a query. */
	assert_string_equal(form_of(an, "Artisanat", ANALYZER_DOCUMENT), "");
	assert_string_equal(form_of(an, "l'avion", ANALYZER_DOCUMENT), "");
	assert_string_equal(form_of(an, "C.M.A.", ANALYZER_DOCUMENT), "");
	assert_string_equal(form_of(an, "Haute-Garonne", ANALYZER_QUERY), "");
	assert_string_equal(form_of(an, "journ\xC3\xA9" "es", ANALYZER_QUERY), "");
}

static void test_accented_stem_kept(void **state)
{
	struct analyzer *an = *state;
	struct tk chat = one(an, "chat"), chatiment = one(an, "châtiment");

	assert_string_equal(chat.term, chatiment.term);
	assert_string_equal(chat.exact, "chat");
	assert_string_equal(chatiment.exact, "chât");
	assert_string_equal(chatiment.word, "chatiment");
	assert_string_not_equal(chat.exact, chatiment.exact);

	struct tk peche = one(an, "pêche"), peche2 = one(an, "péché");
	assert_string_equal(peche.term, peche2.term);
	assert_string_not_equal(peche.exact, peche2.exact);
	/* Snowball's stem of `péché` is `pech`: the exact stem keeps the accents as written,
	 * the ending's up to its last one, so an accentless `peche` is an exact match of
	 * neither. */
	assert_string_equal(peche2.exact, "péché");
	assert_string_equal(peche.exact, "pêch");
	assert_string_equal(one(an, "peche").exact, "pech");
	/* An accent in the ending alone tells `marché` from `marche`; inflections of one
	 * word keep one exact form. */
	struct tk marche = one(an, "marche"), marche2 = one(an, "marché");
	assert_string_equal(marche.term, marche2.term);
	assert_string_equal(marche.exact, marche.term);
	assert_string_equal(marche2.exact, "marché");
	assert_string_equal(one(an, "marchés").exact, "marché");
	assert_string_equal(one(an, "marches").exact, marche.term);
	assert_string_equal(one(an, "retraitées").exact, "retraité");
	assert_string_not_equal(one(an, "évènement").exact, one(an, "événement").exact);
	/* Unaccented words: exact = term, no alt. */
	assert_string_equal(chat.alt, "");
	assert_string_equal(one(an, "reconnaissance").exact, "reconnaiss");
}

static void test_alt(void **state)
{
	struct analyzer *an = *state;
	/* alt, when present, is the term of the accentless spelling; else the accentless
	 * spelling already has the same term. Either way an accentless query finds the word. */
	const char *words[] = { "créée", "réalisé", "événements", "intérêt", "activités", "âgé",
				"départements", "délégué", "entièrement", "crééés" };
	size_t i;
	struct buf f = BUF_INIT;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		struct tk k = one(an, words[i]);
		struct tk plain = one(an, k.word);
		if (k.alt[0])
			assert_string_equal(k.alt, plain.term);
		else
			assert_string_equal(k.term, plain.term);
		assert_string_not_equal(k.alt, k.term);
		/* The exact stem is the word as written up to at least its stem. */
		buf_reset(&f);
		assert_int_equal(analyzer_fold(k.exact, strlen(k.exact), &f), 0);
		assert_int_equal(strncmp(f.ptr, k.term, strlen(k.term)), 0);
		assert_int_equal(strncmp(k.exact, words[i], strlen(k.exact)), 0);
	}
	buf_release(&f);
}

static void test_compounds(void **state)
{
	struct analyzer *an = *state;
	const char *text = "en Haute-Garonne";
	struct tks d = run(an, text), q1 = runq(an, "haute garonne"), q2 = runq(an, "haute-garonne");

	assert_int_equal(d.n, 3);
	assert_int_equal(d.v[0].flags, TOKEN_COMPOUND);
	assert_string_equal(d.v[0].word, "hautegaronne");
	assert_int_equal(d.v[0].start, 3);
	assert_int_equal(d.v[0].end, strlen(text));
	assert_int_equal(d.v[0].position, 1);
	assert_int_equal(d.v[1].flags, TOKEN_PART);
	assert_int_equal(d.v[1].position, 1);
	assert_int_equal(d.v[1].start, 3);
	assert_int_equal(d.v[1].end, 8);
	assert_int_equal(d.v[2].flags, TOKEN_PART);
	assert_int_equal(d.v[2].position, 2);
	assert_int_equal(d.v[2].start, 9);
	/* `haute garonne`: the parts, at consecutive positions. */
	assert_int_equal(q1.n, 2);
	assert_string_equal(q1.v[0].term, d.v[1].term);
	assert_string_equal(q1.v[1].term, d.v[2].term);
	assert_int_equal(q1.v[1].position - q1.v[0].position, d.v[2].position - d.v[1].position);
	/* `haute-garonne`: the same three tokens. */
	assert_int_equal(q2.n, 3);
	assert_string_equal(q2.v[0].term, d.v[0].term);
	assert_string_equal(q2.v[1].term, d.v[1].term);
	assert_string_equal(q2.v[2].term, d.v[2].term);
	free(d.v);
	free(q1.v);
	free(q2.v);

	/* A stop word inside keeps its position; an elision inside a part is dropped there. */
	d = run(an, "Tarn-et-Garonne, Saint-Jean-d’Angély");
	assert_int_equal(d.n, 7);
	assert_string_equal(d.v[0].word, "tarnetgaronne");
	assert_string_equal(d.v[1].word, "tarn");
	assert_int_equal(d.v[1].position, 0);
	assert_string_equal(d.v[2].word, "garonne");
	assert_int_equal(d.v[2].position, 2);
	assert_string_equal(d.v[3].word, "saintjeandangely");
	assert_int_equal(d.v[3].position, 3);
	assert_string_equal(d.v[6].word, "angely");
	assert_int_equal(d.v[6].position, 5);
	assert_int_equal(d.v[6].end, strlen("Tarn-et-Garonne, Saint-Jean-d’Angély"));
	free(d.v);

	/* No letter: the hyphen separates (date ranges, phone numbers). */
	d = run(an, "2019-2026");
	assert_int_equal(d.n, 2);
	assert_int_equal(d.v[0].flags, TOKEN_NUMBER);
	assert_string_equal(d.v[1].word, "2026");
	free(d.v);
	/* A dangling hyphen separates too. */
	d = run(an, "micro- et auto-entreprise");
	assert_int_equal(d.n, 4);
	assert_string_equal(d.v[0].word, "micro");
	assert_string_equal(d.v[1].word, "autoentreprise");
	free(d.v);
}

/* A word in camel case is a compound of its parts (FRENCH.md 10): `prime renov` must find
 * `MaPrimeRénov'`, whose parts a visitor types apart. */
static void test_camel_case(void **state)
{
	struct analyzer *an = *state;
	const char *text = "dispositif MaPrimeRénov' et LibreOffice";
	struct tks d = run(an, text), q = runq(an, "prime rénov"), w = runq(an, "maprimerenov");

	assert_int_equal(d.n, 7);
	assert_int_equal(d.v[1].flags, TOKEN_COMPOUND | TOKEN_CAMEL);
	assert_string_equal(d.v[1].word, "maprimerenov");
	assert_int_equal(d.v[1].start, 11);
	assert_int_equal(d.v[1].end, 11 + strlen("MaPrimeRénov"));
	assert_int_equal(d.v[1].position, 1);
	/* `ma` is a stop word: it keeps its position, no token. */
	assert_int_equal(d.v[2].flags, TOKEN_PART);
	assert_string_equal(d.v[2].word, "prime");
	assert_int_equal(d.v[2].position, 2);
	assert_int_equal(d.v[2].start, 13);
	assert_int_equal(d.v[2].end, 18);
	assert_string_equal(d.v[3].word, "renov");
	assert_int_equal(d.v[3].position, 3);
	assert_int_equal(d.v[3].end, 11 + strlen("MaPrimeRénov"));
	/* The words after move on by the parts (`et`, a stop word, is 4), as after
	 * `Haute-Garonne`. */
	assert_string_equal(d.v[4].word, "libreoffice");
	assert_int_equal(d.v[4].flags, TOKEN_COMPOUND | TOKEN_CAMEL);
	assert_int_equal(d.v[4].position, 5);
	assert_string_equal(d.v[5].word, "libre");
	assert_string_equal(d.v[6].word, "office");
	assert_int_equal(d.v[6].position, 6);
	/* The parts typed apart are the same terms at the same distance; the whole typed
	 * in one word is the compound's term. */
	assert_int_equal(q.n, 2);
	assert_string_equal(q.v[0].term, d.v[2].term);
	assert_string_equal(q.v[1].term, d.v[3].term);
	assert_int_equal(q.v[1].position - q.v[0].position, d.v[3].position - d.v[2].position);
	assert_int_equal(w.n, 1);
	assert_string_equal(w.v[0].term, d.v[1].term);
	free(d.v);
	free(q.v);
	free(w.v);

	/* Not split: a one-letter part (`iPhone`, `RdC`), no small letter before a capital
	 * (`XIXe`, `CMA`, `Artisanat`), digits only before it. */
	d = run(an, "iPhone RdC XIXe CMA Artisanat 3D");
	assert_int_equal(d.n, 6);
	for (size_t i = 0; i < d.n; i++)
		assert_int_equal(d.v[i].flags & (TOKEN_COMPOUND | TOKEN_PART), 0);
	free(d.v);
	/* A prefix typed in camel case: the last part carries the flag, as in a compound. */
	q = runq(an, "MaPrime*");
	assert_int_equal(q.n, 2);
	assert_int_equal(q.v[0].flags, TOKEN_COMPOUND | TOKEN_CAMEL | TOKEN_PREFIX);
	assert_int_equal(q.v[1].flags, TOKEN_PART | TOKEN_PREFIX);
	assert_string_equal(q.v[1].word, "prime");
	free(q.v);
}

static void test_acronyms(void **state)
{
	struct analyzer *an = *state;
	struct tk a = one(an, "C.M.A."), b = one(an, "CMA"), c = one(an, "c.m.a");

	assert_string_equal(a.term, b.term);
	assert_string_equal(a.term, c.term);
	assert_string_equal(a.word, "cma");
	assert_int_equal(a.start, 0);
	assert_int_equal(a.end, 6);
	assert_int_equal(c.end, 5);
	same_term(an, "la C.F.A.", "CFA");
	same_term(an, "S.A.R.L", "sarl");
	same_term(an, "E\xCC\x81.T.A.", "ÉTA"); /* decomposed É */
	/* A single initial is not an acronym; a word after the dots ends it. */
	struct tks r = run(an, "M. Dupont, C.M.Artisanat");
	assert_int_equal(r.n, 3);
	assert_string_equal(r.v[0].word, "dupont");
	assert_string_equal(r.v[1].word, "cm");
	assert_string_equal(r.v[2].word, "artisanat");
	free(r.v);
}

static void test_numbers(void **state)
{
	struct analyzer *an = *state;
	const char *forms[] = { "73 700", "73\xC2\xA0" "700", "73\xE2\x80\xAF" "700" };
	size_t i;

	for (i = 0; i < 3; i++) {
		struct tk k = one(an, forms[i]);
		assert_string_equal(k.term, "73700");
		assert_string_equal(k.word, "73700");
		assert_int_equal(k.flags, TOKEN_NUMBER);
		assert_int_equal(k.start, 0);
		assert_int_equal(k.end, strlen(forms[i]));
	}
	assert_string_equal(one(an, "73700").term, "73700");
	assert_string_equal(one(an, "1 250 000").term, "1250000");
	assert_string_equal(one(an, "230\xE2\x80\xAF" "000").term, "230000");
	/* A year does not join; groups must have exactly three digits. */
	struct tks r = run(an, "en 2024 150 000 euros, 12 34, 5 0000, 7 000e");
	const char *want[] = { "2024", "150000", "euros", "12", "34", "5", "0000", "7", "000e" };
	assert_int_equal(r.n, 9);
	for (i = 0; i < 9; i++)
		assert_string_equal(r.v[i].word, want[i]);
	free(r.v);
}

/* A French telephone number, however grouped, is one number: `0466628080` finds it. */
static void test_phone_numbers(void **state)
{
	struct analyzer *an = *state;
	const char *forms[] = { "04 66 62 80 80", "04.66.62.80.80", "04-66-62-80-80", "04\xC2\xA0" "66 62 80 80" };

	for (size_t i = 0; i < 4; i++) {
		struct tk k = one(an, forms[i]);
		assert_string_equal(k.term, "0466628080");
		assert_int_equal(k.flags, TOKEN_NUMBER);
		assert_int_equal(k.start, 0);
		assert_int_equal(k.end, strlen(forms[i]));
	}
	/* Not a telephone number: five groups exactly, the first 0d, two digits each, and
	 * nothing glued after the last. */
	struct tks r = run(an, "tel 04 66 62 80, 14 66 62 80 80, 04 66 62 80 8000 ; 04 66 62 80 80x");
	const char *want[] = { "tel", "04", "66", "62", "80", "14", "66", "62", "80", "80",
			       "04", "66", "62", "80", "8000", "04", "66", "62", "80", "80x" };
	assert_int_equal(r.n, 20);
	for (size_t i = 0; i < 20; i++)
		assert_string_equal(r.v[i].word, want[i]);
	free(r.v);
	/* Then the text goes on as ever. */
	r = run(an, "au 05 61 10 47 47 du lundi");
	const char *want2[] = { "0561104747", "lundi" };
	assert_int_equal(r.n, 2);
	for (size_t i = 0; i < 2; i++)
		assert_string_equal(r.v[i].word, want2[i]);
	free(r.v);
}

/* The euro sign is the word `euros`, at its own position and span: `1500 euros` finds
 * `1 500 €`, and a snippet marks the sign. */
static void test_euro_sign(void **state)
{
	struct analyzer *an = *state;
	const char *text = "plafond 1 500\xE2\x82\xAC, montant 20 \xE2\x82\xAC chaque jour (\xE2\x82\xAC)";
	struct tks r = run(an, text), e = run(an, "1500 euros");
	const char *want[] = { "plafond", "1500", "euros", "montant", "20", "euros", "chaque", "jour", "euros" };

	assert_int_equal(r.n, 9);
	for (size_t i = 0; i < 9; i++) {
		assert_string_equal(r.v[i].word, want[i]);
		assert_int_equal(r.v[i].position, i);
	}
	assert_int_equal(e.n, 2);
	assert_string_equal(r.v[2].term, e.v[1].term);
	assert_int_equal(r.v[1].flags, TOKEN_NUMBER);
	assert_int_equal(r.v[2].flags, 0);
	assert_memory_equal(text + r.v[2].start, "\xE2\x82\xAC", 3);
	assert_int_equal(r.v[2].end - r.v[2].start, 3);
	assert_memory_equal(text + r.v[8].start, "\xE2\x82\xAC", 3);
	free(r.v);
	free(e.v);
}

/* Letters then digits: the whole, then the letters and the digits, alone or inside a
 * hyphenated word, so that `FA13` and `L6222-18` meet `FA 13` and `L. 6222-18`. */
static void test_letters_digits(void **state)
{
	struct analyzer *an = *state;
	const char *text = "fiche FA13 article L6222-18 cellule A1 B2 covid19 3e";
	struct tks r = run(an, text);
	const char *want[] = { "fiche", "fa13", "fa", "13", "article", "l622218", "6222", "18",
			       "cellule", "a1", "b2", "covid19", "covid", "19", "3e" };
	const unsigned flags[] = { 0, TOKEN_COMPOUND, TOKEN_PART, TOKEN_PART | TOKEN_NUMBER, 0, TOKEN_COMPOUND,
				   TOKEN_PART | TOKEN_NUMBER, TOKEN_PART | TOKEN_NUMBER, 0, 0, 0, TOKEN_COMPOUND,
				   TOKEN_PART, TOKEN_PART | TOKEN_NUMBER, 0 };

	assert_int_equal(r.n, 15);
	for (size_t i = 0; i < 15; i++) {
		assert_string_equal(r.v[i].word, want[i]);
		assert_int_equal(r.v[i].flags, flags[i]);
	}
	/* The whole at its first part's position; the parts one after the other, the
	 * letter `l` (an elision, so a stop word) taking its own. */
	assert_int_equal(r.v[1].position, r.v[2].position);
	assert_int_equal(r.v[3].position, r.v[2].position + 1);
	assert_int_equal(r.v[7].position, r.v[6].position + 1);
	assert_int_equal(r.v[6].position, r.v[5].position + 1);
	/* Each part's span is its own letters or digits. */
	assert_memory_equal(text + r.v[6].start, "6222", 4);
	assert_int_equal(r.v[6].end - r.v[6].start, 4);
	assert_memory_equal(text + r.v[2].start, "FA", 2);
	assert_int_equal(r.v[2].end - r.v[2].start, 2);
	free(r.v);
}

/* Ordinals in digits, however written, are one term: `3eme` finds `3e`. */
static void test_ordinals(void **state)
{
	struct analyzer *an = *state;
	struct tks d = run(an, "3e 3ème 3EME 3ieme 3ième 2nd 2nde 1er 1re 1ère 1ere 10e 2er 3em 03e");
	static const char *const want[] = { "3e", "3e", "3e", "3e", "3e", "2e", "2e", "1er", "1er", "1er", "1er", "10e" };

	assert_true(d.n >= 12);
	for (size_t i = 0; i < 12; i++) {
		assert_string_equal(d.v[i].term, want[i]);
		assert_int_equal(d.v[i].flags & TOKEN_NUMBER, 0);
	}
	/* Not ordinals: their terms are the stemmer's, none of the above. */
	for (size_t i = 12; i < d.n; i++)
		for (size_t j = 0; j < 12; j++)
			assert_string_not_equal(d.v[i].term, want[j]);
	free(d.v);
}

static void test_stop_words(void **state)
{
	struct analyzer *an = *state;
	struct tks r = run(an, "Le contrat de l'apprenti et la formation");

	assert_int_equal(r.n, 3);
	assert_string_equal(r.v[0].word, "contrat");
	assert_int_equal(r.v[0].position, 1);
	assert_string_equal(r.v[1].word, "apprenti");
	assert_int_equal(r.v[1].position, 3);
	assert_string_equal(r.v[2].word, "formation");
	assert_int_equal(r.v[2].position, 6);
	free(r.v);
	assert_true(analyzer_is_stop_word("a", 1));
	assert_true(analyzer_is_stop_word("ou", 2));
	assert_true(analyzer_is_stop_word("etaient", 7));
	assert_false(analyzer_is_stop_word("ete", 3));
	assert_false(analyzer_is_stop_word("metiers", 7));
	assert_false(analyzer_is_stop_word("", 0));
	assert_int_equal(count(an, "À où Où ÊTES"), 0);
	/* A question typed in the search box keeps its content words only. */
	r = runq(an, "Comment créer son entreprise ? Quelles aides, combien ?");
	assert_int_equal(r.n, 3);
	assert_string_equal(r.v[0].word, "creer");
	assert_string_equal(r.v[2].word, "aides");
	free(r.v);
	/* So do its modal verbs (`faut-il` is left a compound of stop words alone, which
	 * the query drops); their infinitives, which are nouns too, stay words. */
	r = runq(an, "Quel diplôme faut-il ? Est-ce que je peux embaucher, dois-je déclarer ?");
	const char *want[] = { "diplome", "embaucher", "declarer" };
	size_t k = 0;
	for (size_t i = 0; i < r.n; i++)
		if (!(r.v[i].flags & TOKEN_COMPOUND)) {
			assert_true(k < 3);
			assert_string_equal(r.v[i].word, want[k++]);
		}
	assert_int_equal(k, 3);
	free(r.v);
	assert_int_equal(count(an, "pouvoir devoir"), 2);
}

/* Every word of the list is a stop word once folded, and the list keeps content words out. */
static void test_stop_list(void **state)
{
	FILE *f = fopen("common/text/stopwords-fr.txt", "r");
	char line[128];
	size_t n = 0;
	struct buf b = BUF_INIT;
	const char *content[] = { "ete", "sommes", "or", "car", "pas", "plus", "avoir", "metier", "artisan",
				  "apprentissage", "formation", "chambre", "aide", "grand" };
	size_t i;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		chomp(line);
		if (!line[0] || line[0] == '#')
			continue;
		buf_reset(&b);
		assert_int_equal(analyzer_fold(line, strlen(line), &b), 0);
		if (!analyzer_is_stop_word(b.ptr, b.len))
			fail_msg("'%s' (folded '%s') is listed but not a stop word", line, b.ptr);
		n++;
	}
	fclose(f);
	buf_release(&b);
	assert_true(n > 100 && n < 400);
	for (i = 0; i < sizeof(content) / sizeof(content[0]); i++)
		if (analyzer_is_stop_word(content[i], strlen(content[i])))
			fail_msg("'%s' must stay searchable", content[i]);
}

static void test_query_mode(void **state)
{
	struct analyzer *an = *state;
	struct tks d = run(an, "reconnaissance des métiers"), q = runq(an, "reconnaissance des métiers");
	size_t i;

	assert_int_equal(d.n, q.n);
	for (i = 0; i < d.n; i++) {
		assert_string_equal(d.v[i].term, q.v[i].term);
		assert_int_equal(d.v[i].position, q.v[i].position);
		assert_int_equal(d.v[i].flags, q.v[i].flags);
	}
	free(d.v);
	free(q.v);

	q = runq(an, "reconnaissa* de* Haute-Gar*");
	assert_int_equal(q.n, 5);
	assert_int_equal(q.v[0].flags, TOKEN_PREFIX);
	assert_string_equal(q.v[0].word, "reconnaissa");
	assert_int_equal(q.v[1].flags, TOKEN_PREFIX); /* a stop word, kept as a prefix */
	assert_string_equal(q.v[1].word, "de");
	assert_int_equal(q.v[2].flags, TOKEN_COMPOUND | TOKEN_PREFIX);
	assert_int_equal(q.v[3].flags, TOKEN_PART);
	assert_int_equal(q.v[4].flags, TOKEN_PART | TOKEN_PREFIX);
	assert_string_equal(q.v[4].word, "gar");
	free(q.v);
	/* In a document, `*` is a separator. */
	d = run(an, "reconnaissa* de*");
	assert_int_equal(d.n, 1);
	assert_int_equal(d.v[0].flags, 0);
	free(d.v);
}

static void test_decomposed_input(void **state)
{
	struct analyzer *an = *state;
	/* "Événement" with combining accents (NFD): same term, offsets in the original bytes. */
	const char *nfd = "l'E\xCC\x81ve\xCC\x80nement";
	struct tk k = one(an, nfd), c = one(an, "Évènement");

	assert_string_equal(k.term, c.term);
	assert_string_equal(k.exact, c.exact);
	assert_int_equal(k.start, 2);
	assert_int_equal(k.end, strlen(nfd));
	/* Soft hyphen and zero-width space inside a word are ignored. */
	same_term(an, "appren\xC2\xADtissage", "apprentissage");
	same_term(an, "appren\xE2\x80\x8Btissage", "apprentissage");
}

static void test_fold(void **state)
{
	struct buf b = BUF_INIT;

	(void)state;
	assert_int_equal(analyzer_fold("Cœur-d'ÉTÉ", strlen("Cœur-d'ÉTÉ"), &b), 0);
	assert_string_equal(b.ptr, "coeurdete");
	buf_reset(&b);
	assert_int_equal(analyzer_fold("", 0, &b), 0);
	assert_int_equal(b.len, 0);
	buf_release(&b);
}

/* Each cases[i][0] spelt by `spell`, appended after other bytes: cases[i][1]. */
static void check_spellings(const char *const (*cases)[2], size_t n, int (*spell)(const char *, size_t, struct buf *))
{
	struct buf b = BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		buf_reset(&b);
		buf_addstr(&b, "x:");
		assert_int_equal(spell(cases[i][0], strlen(cases[i][0]), &b), 0);
		if (strcmp(b.ptr + 2, cases[i][1]) != 0)
			fail_msg("'%s' -> '%s', expected '%s'", cases[i][0], b.ptr + 2, cases[i][1]);
	}
	buf_release(&b);
}

/* Document types in one spelling (doc_type.h): what the indexer stores and a filter is. */
static void test_doc_type(void **state)
{
	static const char *const cases[][2] = {
		{ "guide", "guide" }, { "Guide", "guide" }, { "GUIDES", "guide" }, { "guides", "guide" },
		{ "Communiqué", "communique" }, { "Communiqués", "communique" },
		{ "communiques", "communique" }, { "Conventions", "convention" },
		{ " Communiqué\t", "communique" }, { "Communique\xCC\x81s", "communique" }, /* NFD */
		/* any one-word plural in s (a folder `actualites/`), not a singular in s */
		{ "actualites", "actualite" }, { "Actualités", "actualite" }, { "agendas", "agenda" },
		{ "Événements", "evenement" }, { "divers", "divers" }, { "Cours", "cours" },
		{ "concours", "concours" }, { "news", "news" }, { "guidess", "guidess" }, { "bus", "bus" },
		/* each word of several (a folder `fiches-metiers/`) */
		{ "guides-pratiques", "guide-pratique" }, { "Fiches métiers", "fiche-metier" },
		{ "offres-emploi", "offre-emploi" }, { "cours-du-soir", "cours-du-soir" },
		/* words joined by '-', whatever separated them */
		{ "Appel à projets", "appel-a-projet" }, { "appel_a__projets", "appel-a-projet" },
		{ "Lettre d’information", "lettre-d-information" }, { "Œuvres\xC2\xA0" "d'art", "oeuvre-d-art" },
		{ "2024", "2024" }, { "", "" }, { " - !! ", "" }, { "caf\xE9", "caf" },
	};
	(void)state;
	check_spellings(cases, sizeof(cases) / sizeof(cases[0]), doc_type_normalize);
}

/* Departments in one spelling (doc_type.h): codes in capitals, one digit led by a 0,
 * names as written. */
static void test_doc_department(void **state)
{
	static const char *const cases[][2] = {
		{ "31", "31" },	  { "2a", "2A" },     { "2B", "2B" },	   { " 2b\t", "2B" },
		{ "9", "09" },	  { "09", "09" },     { "971", "971" },	   { " 31 ", "31" },
		{ "", "" },	  { "  ", "" },	      { "Haute-Garonne", "Haute-Garonne" },
		{ "ab", "ab" },	  { "31000", "31000" }, { "3 1", "3 1" },	   { "Gers ", "Gers" },
	};
	(void)state;
	check_spellings(cases, sizeof(cases) / sizeof(cases[0]), doc_department_normalize);
}

/* ---- Hostile input ---- */

static void test_empty(void **state)
{
	struct analyzer *an = *state;
	struct token t;

	assert_int_equal(analyzer_start(an, NULL, 0, ANALYZER_DOCUMENT), 0);
	assert_true(analyzer_next(an, &t) > 0);
	assert_true(analyzer_next(an, &t) > 0);
	assert_int_equal(count(an, ""), 0);
	assert_int_equal(count(an, " \t\n,;.-'’*"), 0);
}

static void test_invalid_utf8_and_nul(void **state)
{
	struct analyzer *an = *state;
	/* Stray continuation, overlong, surrogate, truncated sequence at the end. */
	const char text[] = "abc\xFF" "def\x80" "gh\xC0\xAF" "ij\xED\xA0\x80" "kl\0mn caf\xC3";
	struct tks r = run_mode(an, text, sizeof(text) - 1, ANALYZER_DOCUMENT);
	const char *want[] = { "abc", "def", "gh", "ij", "kl", "mn", "caf" };
	size_t i;

	assert_int_equal(r.n, 7);
	for (i = 0; i < 7; i++) {
		assert_string_equal(r.v[i].word, want[i]);
		assert_int_equal(r.v[i].position, i);
	}
	assert_int_equal(r.v[5].start, 20);
	free(r.v);
}

static char *repeat(const char *unit, size_t total, size_t *len)
{
	size_t u = strlen(unit), n = total / u, i;
	char *s = malloc(n * u + 1);

	assert_non_null(s);
	for (i = 0; i < n; i++)
		memcpy(s + i * u, unit, u);
	s[n * u] = '\0';
	*len = n * u;
	return s;
}

static void test_huge_words(void **state)
{
	struct analyzer *an = *state;
	const size_t mb10 = 10u << 20;
	size_t len;
	char *s;
	struct tks r;

	/* One 10 MB word, ASCII then two-byte letters then one letter with 10 MB of marks:
	 * dropped, nothing else. */
	s = repeat("a", mb10, &len);
	r = run_mode(an, s, len, ANALYZER_DOCUMENT);
	assert_int_equal(r.n, 0);
	free(s);
	s = repeat("é", mb10, &len);
	r = run_mode(an, s, len, ANALYZER_QUERY);
	assert_int_equal(r.n, 0);
	free(s);
	s = repeat("\xCC\x81", mb10, &len);
	s[0] = 'e';
	s[1] = 'e';
	r = run_mode(an, s, len, ANALYZER_DOCUMENT);
	assert_int_equal(r.n, 0);
	free(s);
	/* Joined by apostrophes, dots, digit groups: dropped or cut, never slow. */
	s = repeat("x'", mb10, &len);
	r = run_mode(an, s, len, ANALYZER_DOCUMENT);
	assert_int_equal(r.n, 0);
	free(s);
	s = repeat("A.", mb10, &len);
	r = run_mode(an, s, len, ANALYZER_DOCUMENT);
	assert_true(r.n > 0);
	for (size_t i = 0; i < r.n; i++)
		assert_true(r.v[i].end - r.v[i].start <= ANALYZER_MAX_WORD);
	free(r.v);
	free(s);
	s = repeat(" 000", mb10, &len); /* "0 000 000 ..." */
	r = run_mode(an, s + 3, len - 3, ANALYZER_DOCUMENT);
	assert_true(r.n > 0);
	for (size_t i = 0; i < r.n; i++)
		assert_true(r.v[i].end - r.v[i].start <= ANALYZER_MAX_WORD);
	free(r.v);
	free(s);
	/* A 1 MB compound: the whole is dropped, every part comes back. */
	s = repeat("ab-", 1u << 20, &len);
	r = run_mode(an, s, len, ANALYZER_DOCUMENT);
	assert_int_equal(r.n, len / 3);
	assert_int_equal(r.v[0].flags, TOKEN_PART);
	assert_int_equal(r.v[r.n - 1].position, r.n - 1);
	free(r.v);
	free(s);
	/* l'l'l'l'...: elisions all the way, then a lone stop letter. */
	s = repeat("l'", mb10, &len);
	r = run_mode(an, s, len, ANALYZER_DOCUMENT);
	assert_int_equal(r.n, 0);
	free(s);
}

/* Every byte value, random bytes: no crash, offsets always inside the text. */
static void test_random_bytes(void **state)
{
	struct analyzer *an = *state;
	unsigned long x = 12345;
	char buf[4096];
	size_t i, round;

	for (round = 0; round < 200; round++) {
		for (i = 0; i < sizeof(buf); i++) {
			x = x * 6364136223846793005ul + 1442695040888963407ul;
			/* Mostly plausible bytes: letters, accents' lead bytes, separators. */
			static const char alphabet[] = "aeiouLMC.-'* 0123\xC3\xA9\xE2\x80\x99\xCC\x81\xC5\x93\xC2\xA0\xFF";
			buf[i] = (x >> 33) % 5 ? alphabet[(x >> 40) % (sizeof(alphabet) - 1)] : (char)(x >> 48);
		}
		struct tks r = run_mode(an, buf, sizeof(buf), round % 2 ? ANALYZER_QUERY : ANALYZER_DOCUMENT);
		for (i = 1; i < r.n; i++)
			assert_true(r.v[i].position >= r.v[i - 1].position);
		free(r.v);
	}
}

/* Analyzers in several threads at once (the daemon's case): same tokens in each. */
#define N_THREADS 4
static const char *thread_text =
	"L’apprentissage en Haute-Garonne : 73 700 contrats signés, C.M.A. d’Occitanie, "
	"Cœlacanthe, métiers d’art, aujourd’hui.";

static void *thread_run(void *arg)
{
	struct analyzer *an = analyzer_new();
	struct token t;
	uint64_t *sum = arg;
	int i, rc = 1;

	if (!an)
		return NULL;
	for (i = 0; i < 2000; i++) {
		*sum = 0;
		analyzer_start(an, thread_text, strlen(thread_text), ANALYZER_DOCUMENT);
		while ((rc = analyzer_next(an, &t)) == 0)
			*sum = *sum * 31 + t.term_len * 7 + (unsigned char)t.term[0] + t.position;
	}
	analyzer_free(an);
	if (rc < 0)
		*sum = 0;
	return NULL;
}

static void test_threads(void **state)
{
	pthread_t th[N_THREADS];
	uint64_t sums[N_THREADS];
	int i;

	(void)state;
	for (i = 0; i < N_THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, thread_run, &sums[i]), 0);
	for (i = 0; i < N_THREADS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	assert_true(sums[0] != 0);
	for (i = 1; i < N_THREADS; i++)
		assert_true(sums[i] == sums[0]);
}

/* More distinct words than the stem cache holds: it empties and refills, and a word
 * gives the same token before and after. */
static void test_cache_refill(void **state)
{
	struct analyzer *an = *state;
	struct tk before = one(an, "l'Apprentissage"), after;
	struct buf text = BUF_INIT;
	unsigned i, j, x;
	struct tks r;

	for (i = 0; i < 200000; i++) {
		buf_addstr(&text, "mét");
		for (x = i, j = 0; j < 4; j++, x /= 26)
			buf_addch(&text, 'a' + (int)(x % 26));
		buf_addstr(&text, i % 2 ? "ions " : "er ");
	}
	assert_int_equal(text.err, 0);
	r = run(an, text.ptr);
	assert_int_equal(r.n, 200000);
	assert_string_equal(r.v[1].word, "metbaaaions");
	assert_string_equal(r.v[1].exact, "métbaaaion");
	assert_string_equal(r.v[199999].word, "methwjlions"); /* 199999 in base 26, units first */
	free(r.v);
	buf_release(&text);
	after = one(an, "l'Apprentissage");
	assert_string_equal(before.term, after.term);
	assert_string_equal(before.word, after.word);
}

/* Every allocation failing in turn: NULL or AS_ENOMEM, never a crash or a leak. */
static void test_allocation_failures(void **state)
{
	const char *text = "L'apprentissage en Haute-Garonne : 73 700 contrats, C.M.A. Cœlacanthe ﬁnale";
	long n, i;
	int rc;
	struct token t;

	(void)state;
	as_mem_fail_reset();
	struct analyzer *an = analyzer_new();
	assert_non_null(an);
	analyzer_start(an, text, strlen(text), ANALYZER_DOCUMENT);
	while (analyzer_next(an, &t) == 0)
		;
	analyzer_free(an);
	n = as_mem_n_allocs();
	for (i = 0; i < n; i++) {
		as_mem_fail_reset();
		as_mem_fail_after(i);
		an = analyzer_new();
		if (an) {
			analyzer_start(an, text, strlen(text), ANALYZER_DOCUMENT);
			while ((rc = analyzer_next(an, &t)) == 0)
				;
			assert_true(rc > 0 || rc == AS_ENOMEM);
			analyzer_free(an);
		}
	}
	as_mem_fail_reset();
}

/* ---- The corpus: offsets slice the original bytes back to the surface word ---- */

static struct analyzer *corpus_an;
static size_t corpus_files, corpus_tokens;
static struct buf corpus_fold;

static int check_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	FILE *f;
	char *text;
	size_t len;
	struct token t;
	int rc, mode;
	uint32_t last = 0;

	(void)ftw;
	if (type != FTW_F || st->st_size <= 0)
		return 0;
	f = fopen(path, "rb");
	assert_non_null(f);
	len = (size_t)st->st_size;
	text = malloc(len);
	assert_non_null(text);
	assert_int_equal(fread(text, 1, len, f), len);
	fclose(f);
	uint64_t sum[2] = { 0, 0 };
	for (mode = 0; mode < 2; mode++) {
		analyzer_start(corpus_an, text, len, mode ? ANALYZER_QUERY : ANALYZER_DOCUMENT);
		last = 0;
		while ((rc = analyzer_next(corpus_an, &t)) == 0) {
			sum[mode] = sum[mode] * 1000003 + t.position * 31 + t.start * 7 + t.flags +
				    t.term_len;
			if (t.term_len)
				sum[mode] += (unsigned char)t.term[t.term_len - 1];
			if (!(t.start < t.end && t.end <= len))
				fail_msg("%s: token [%zu,%zu) out of %zu bytes", path, t.start, t.end, len);
			if (t.end - t.start > ANALYZER_MAX_WORD || t.position < last)
				fail_msg("%s: token at %zu: too long or position going back", path, t.start);
			last = t.position;
			/* The span folds to the token's word, and starts on a word character. */
			buf_reset(&corpus_fold);
			assert_int_equal(analyzer_fold(text + t.start, t.end - t.start, &corpus_fold), 0);
			if (corpus_fold.len != t.word_len || memcmp(corpus_fold.ptr, t.word, t.word_len))
				fail_msg("%s: [%zu,%zu) '%.*s' folds to '%s', token word '%.*s'", path, t.start,
					 t.end, (int)(t.end - t.start), text + t.start, corpus_fold.ptr,
					 (int)t.word_len, t.word);
			if (strchr(" \t\n'-.*", text[t.start]) || strchr(" \t\n'-*", text[t.end - 1]))
				fail_msg("%s: [%zu,%zu) '%.*s' has a separator at an edge", path, t.start,
					 t.end, (int)(t.end - t.start), text + t.start);
			if (!t.term_len || !t.exact_len)
				fail_msg("%s: [%zu,%zu): empty term", path, t.start, t.end);
			corpus_tokens++;
		}
		assert_true(rc > 0);
	}
	/* Without `*`, query mode gives the very same tokens. */
	if (!memchr(text, '*', len) && sum[0] != sum[1])
		fail_msg("%s: query mode and document mode differ", path);
	corpus_files++;
	free(text);
	return 0;
}

static void test_corpus_offsets(void **state)
{
	corpus_an = *state;
	corpus_files = corpus_tokens = 0;
	if (nftw("corpus", check_file, 16, FTW_PHYS) != 0) {
		print_message("corpus/ not found: nothing to check\n");
		skip();
	}
	buf_release(&corpus_fold);
	print_message("corpus: %zu files, %zu tokens checked\n", corpus_files, corpus_tokens);
}

/* analyzer_only_first(): words beginning with another ASCII letter come out unanalysed;
 * every other token is exactly what a full analysis gives. */
static void test_only_first(void **state)
{
	struct analyzer *an = *state;
	static const char text[] = "L'Apprentissage des artisans de Haute-Garonne : aides, CMA, "
				   "Écoles et métiers d'art, 73 700 euros ; avenir.";
	struct token part[64], tok;
	size_t nf = 0, np = 0, skipped = 0;
	uint8_t first[32] = { 0 };

	first['a' >> 3] |= 1u << ('a' & 7);
	analyzer_start(an, text, strlen(text), ANALYZER_DOCUMENT);
	while (nf < 64 && analyzer_next(an, &tok) == 0)
		nf++;
	analyzer_only_first(an, first);
	analyzer_start(an, text, strlen(text), ANALYZER_DOCUMENT);
	char terms[64][64];
	while (np < 64 && analyzer_next(an, &tok) == 0) {
		snprintf(terms[np], sizeof(terms[np]), "%.*s", (int)tok.term_len, tok.term);
		part[np++] = tok;
	}
	analyzer_only_first(an, NULL);
	for (size_t i = 0; i < np; i++) {
		unsigned char c = (unsigned char)text[part[i].start];
		int kept = c >= 0x80 || c == 'a' || c == 'A';
		if (kept) {
			assert_false(part[i].flags & TOKEN_SKIPPED);
		} else {
			assert_true(part[i].flags & TOKEN_SKIPPED);
			assert_int_equal(part[i].term_len, 0);
			assert_int_equal(part[i].alt_len, 0);
			skipped++;
		}
	}
	/* Every token of the full analysis beginning with `a` or a non-ASCII letter is there,
	 * the same. */
	analyzer_start(an, text, strlen(text), ANALYZER_DOCUMENT);
	size_t checked = 0;
	for (size_t i = 0; i < nf && analyzer_next(an, &tok) == 0; i++) {
		unsigned char c = (unsigned char)text[tok.start];
		if (!(c >= 0x80 || c == 'a' || c == 'A'))
			continue;
		size_t j = 0;
		while (j < np && !(part[j].start == tok.start && part[j].end == tok.end && part[j].flags == tok.flags))
			j++;
		assert_true(j < np);
		assert_int_equal(strlen(terms[j]), tok.term_len);
		assert_memory_equal(terms[j], tok.term, tok.term_len);
		checked++;
	}
	assert_true(checked >= 4); /* apprentissage, artisans, aides, avenir, écoles, art... */
	assert_true(skipped >= 5);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_snowball_vocabulary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_snowball_through_pipeline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elisions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_apostrophe_joins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_case_and_accents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ligatures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_forms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accented_stem_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_alt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_compounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_camel_case, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acronyms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_phone_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_euro_sign, setup, teardown),
		cmocka_unit_test_setup_teardown(test_letters_digits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ordinals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop_words, setup, teardown),
		cmocka_unit_test(test_stop_list),
		cmocka_unit_test_setup_teardown(test_query_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decomposed_input, setup, teardown),
		cmocka_unit_test(test_fold),
		cmocka_unit_test(test_doc_type),
		cmocka_unit_test(test_doc_department),
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_utf8_and_nul, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_words, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_bytes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cache_refill, setup, teardown),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_allocation_failures),
		cmocka_unit_test_setup_teardown(test_corpus_offsets, setup, teardown),
		cmocka_unit_test_setup_teardown(test_only_first, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
