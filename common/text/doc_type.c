/*
 * Document types and departments in one spelling; the rules are in doc_type.h.
 */
#include "common/text/doc_type.h"

#include <string.h>
#include <utf8proc.h>

#include "common/text/analyzer.h"
#include "common/util/buf.h"
#include "common/util/error.h"

/* Nouns whose singular ends in s (folded): a type so named keeps it. */
static const char *const invariable[] = {
	"acces",  "alias",	"atlas",     "avis",	 "bois",   "bonus",  "bras",   "campus", "colis",
	"concours", "consensus", "corps",     "cours",	 "discours", "divers", "fois",	 "jus",	   "marais",
	"mois",	  "news",	"ours",	     "palais",	 "parcours", "pays",	"poids",  "proces", "processus",
	"progres", "propos",	"puits",     "recours",	 "relais", "repas",  "secours", "sens",   "souris",
	"status", "succes",	"tapis",     "temps",	 "virus",
};

/* Whether a word of len bytes is a plural in s (`actualites`, `agendas`). */
static int plural_s(const char *w, size_t len)
{
	if (len < 4 || w[len - 1] != 's' || w[len - 2] == 's')
		return 0;
	for (size_t i = 0; i < sizeof(invariable) / sizeof(invariable[0]); i++)
		if (strlen(invariable[i]) == len && memcmp(invariable[i], w, len) == 0)
			return 0;
	return 1;
}

int doc_type_normalize(const char *s, size_t len, struct buf *out)
{
	static const char *const plurals[] = { "communiques", "conventions", "guides" };
	size_t start = out->len, i = 0, word = 0, k, n;
	int in_word = 0, rc;

	while (i <= len) {
		utf8proc_int32_t cp = -1;

		n = 1;
		if (i < len) {
			utf8proc_ssize_t got = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
								(utf8proc_ssize_t)(len - i), &cp);
			n = got > 0 ? (size_t)got : 1;
			if (got <= 0)
				cp = -1;
		}
		if (i < len && cp >= 0 && analyzer_word_char(cp)) {
			if (!in_word)
				word = i;
			in_word = 1;
		} else if (in_word) {
			size_t before = out->len;
			if (out->len > start)
				buf_addch(out, '-');
			if ((rc = analyzer_fold(s + word, i - word, out)) < 0)
				return rc;
			if (out->len == before + (before > start)) /* folded to nothing */
				out->len = before;
			in_word = 0;
		}
		i += n;
	}
	if (out->err)
		return AS_ENOMEM;
	if (out->cap)
		out->ptr[out->len] = '\0';
	for (k = 0; k < sizeof(plurals) / sizeof(plurals[0]); k++) {
		n = strlen(plurals[k]);
		if (out->len - start == n && memcmp(out->ptr + start, plurals[k], n) == 0) {
			out->ptr[--out->len] = '\0';
			return 0;
		}
	}
	/* Each word of the type in the singular (`fiches-metiers` gives `fiche-metier`). */
	size_t to = start;
	for (i = start; i < out->len;) {
		size_t end = i;
		while (end < out->len && out->ptr[end] != '-')
			end++;
		size_t w = end - i - (size_t)plural_s(out->ptr + i, end - i);
		memmove(out->ptr + to, out->ptr + i, w);
		to += w;
		if (end < out->len)
			out->ptr[to++] = '-';
		i = end + 1;
	}
	out->len = to;
	if (out->cap)
		out->ptr[to] = '\0';
	return 0;
}

int doc_department_normalize(const char *s, size_t len, struct buf *out)
{
	size_t digits = 0, others = 0;

	while (len && (s[0] == ' ' || (s[0] >= '\t' && s[0] <= '\r')))
		s++, len--;
	while (len && (s[len - 1] == ' ' || (s[len - 1] >= '\t' && s[len - 1] <= '\r')))
		len--;
	for (size_t i = 0; i < len; i++) {
		if (s[i] >= '0' && s[i] <= '9')
			digits++;
		else if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z')))
			others++;
	}
	if (len == 0 || len > 3 || digits == 0 || others) {
		buf_add(out, s, len);
		return out->err;
	}
	if (len == 1)
		buf_addch(out, '0');
	for (size_t i = 0; i < len; i++)
		buf_addch(out, s[i] >= 'a' && s[i] <= 'z' ? s[i] - 'a' + 'A' : s[i]);
	return out->err;
}
