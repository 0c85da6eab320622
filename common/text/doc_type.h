#ifndef AS_DOC_TYPE_H
#define AS_DOC_TYPE_H
/*
 * A document type (and a department) in one spelling (DESIGN.md "Documents": `communique`, `convention`,
 * `guide`, or any other word). The indexer stores a type only so spelt and a type
 * filter is spelt so before it is compared, so that front matter `type: Guide`,
 * `type: guides`, `type: Communiqué` and a folder `Communiqués/` are one facet value
 * each, found by `--type guide` or `type=communiqué`.
 *
 * The spelling: the words of the value (runs of letters, digits and combining marks)
 * folded as the analyzer folds a word (analyzer_fold: NFKC, case, accents, œ -> oe),
 * joined by '-' (`Appel à projets` -> `appel-a-projet`, as a folder would be named);
 * then each word is made singular, as DESIGN.md asks of a folder's name
 * (`communiques` -> `communique`, `actualites` -> `actualite`, `agendas`,
 * `fiches-metiers` -> `fiche-metier`): a final s is dropped from a word of four letters
 * or more, except after another s (`press`) and from the nouns whose singular ends in s
 * (`divers`, `cours`, `concours`, `temps`, `news`...: doc_type.c).
 */
#include <stddef.h>

struct buf;

/*
 * Appends the type spelt from s[0..len) (UTF-8) to *out; nothing when s has no word
 * (then it is no type). Returns 0 or AS_ENOMEM.
 */
int doc_type_normalize(const char *s, size_t len, struct buf *out);

/*
 * A department in one spelling too, stored so and given so to a department filter: a
 * code (at most three letters and digits, one digit at least) in capitals, one digit
 * led by a 0 (`2a` -> `2A`, `9` -> `09`, as INSEE writes them); anything else (a name)
 * as written. Blanks around either are dropped. Appends to *out (nothing for a blank
 * value: no department); 0 or AS_ENOMEM.
 */
int doc_department_normalize(const char *s, size_t len, struct buf *out);

#endif
