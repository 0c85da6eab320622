#ifndef AS_QUERY_LIMITS_H
#define AS_QUERY_LIMITS_H
/*
 * Every bound the query engine puts on what a visitor can make it do, in one place.
 * A search box receives anything (5 000 characters, 10 000 parentheses, `a*`): past a
 * bound the engine ignores the excess instead of failing, so that time and memory per
 * query stay bounded (mysociety/alaveteli#310: an unbounded prefix took a site down).
 */

/* Bytes of the query text that are read; the rest is ignored (cut on a UTF-8 boundary). */
#define QUERY_MAX_BYTES 1024
/* Words, phrases and operators the parser keeps; later ones are ignored. */
#define QUERY_MAX_WORDS 32
/* Nesting of parentheses; deeper ones are read as if absent. */
#define QUERY_MAX_DEPTH 12
/* Leaves (analysed terms) of a query plan, expansions excluded. */
#define QUERY_MAX_TERMS 48
/* Words of DICT_WORDS a prefix expands to (the most frequent ones) ... */
#define PREFIX_MAX_EXPANSIONS 24
/* ... out of at most this many words visited per segment. */
#define PREFIX_MAX_SCAN 20000
/* Shortest prefix expanded (in bytes of the folded word); `a*` is allowed, `*` is not. */
#define PREFIX_MIN_LEN 1
/* Bytes of a query's last word before it is completed when it matches nothing (plan.c
 * complete_last): a letter or two begin too many words to tell which one is meant. */
#define COMPLETE_MIN_LEN 3
/* Corrections kept per misspelt word. */
#define TYPO_MAX_EXPANSIONS 3
/* Dictionary keys a Levenshtein walk may visit per segment before it gives up (about
 * 0.3 µs each; a two-edit walk of a 3 800-document dictionary needs some thousands). */
#define TYPO_MAX_VISITS 20000
/* Walks of a segment's words read in place before they are loaded in memory (typo.c):
 * loading costs about as much as twenty walks in place. */
#define TYPO_KEYS_AFTER 16
/* Longest word (bytes, folded) considered for correction. */
#define TYPO_MAX_WORD 48
/* Synonym alternatives added to one query word. */
#define SYNONYM_MAX_EXPANSIONS 8

/* Hits per page, and how deep pagination may go (page * limit; as deep as Elasticsearch's
 * default result window: every result of a common word of a large index can be paged to). */
#define SEARCH_MAX_LIMIT 100
#define SEARCH_MAX_DEPTH 10000
/* Distinct values counted per facet (the rest are dropped, least frequent first). */
#define FACET_MAX_VALUES 64
/* Bytes of a stored body scanned for a snippet from its start (no span, search.c). */
#define SNIPPET_MAX_SCAN (64 * 1024)
/* A snippet's passage (search.c span_snippet): from a body mark at least MARGIN_BEFORE
 * positions before its span (a snippet's length of words, and its context before), to
 * one at least MARGIN_AFTER past its end (the window may end there and marks the words
 * after it); decompressed no deeper than MAX_DEPTH bytes (LZ4: about a third of a
 * millisecond), else the body's first SNIPPET_MAX_SCAN bytes are scanned. */
#define SNIPPET_MARGIN_BEFORE 32
#define SNIPPET_MARGIN_AFTER 64
#define SNIPPET_MAX_DEPTH (1024 * 1024)
/* ... unless nothing is marked before it: then as deep as this (about 10 ms of LZ4),
 * beyond which the snippet is the body's start. */
#define SNIPPET_MAX_DEEP (32 * 1024 * 1024)
/* Bytes of a body tried first (search.c): enough for most windows, and for whole bodies
 * of a typical size. */
#ifndef SNIPPET_FIRST_PART
#define SNIPPET_FIRST_PART (4 * 1024)
#endif

#endif
