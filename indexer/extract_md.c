/*
 * Markdown through cmark (the CommonMark reference parser), indexed as a reader sees
 * the rendered page: the text of the AST, code spans and code blocks included, raw
 * HTML read as HTML. YAML front matter through libyaml.
 */
#include <cmark.h>
#include <string.h>
#include <strings.h>
#include <yaml.h>

#include "common/util/error.h"
#include "common/util/mem.h"
#include "indexer/extract_int.h"

/* ---- front matter ---- */

/* Length of the line at s[0..len) without its end of line; *next = start of the next. */
static size_t line_at(const char *s, size_t len, size_t *next)
{
	const char *nl = memchr(s, '\n', len);
	size_t n = nl ? (size_t)(nl - s) : len;

	*next = nl ? n + 1 : len;
	if (n && s[n - 1] == '\r')
		n--;
	return n;
}

/* Whether s[0..n) is `mark` followed by nothing but spaces. */
static int is_fence(const char *s, size_t n, const char *mark)
{
	size_t k = strlen(mark);

	if (n < k || memcmp(s, mark, k) != 0)
		return 0;
	for (; k < n; k++)
		if (s[k] != ' ' && s[k] != '\t')
			return 0;
	return 1;
}

/*
 * Finds a front matter block: a first line `---`, then YAML, then a line `---` or
 * `...` (Jekyll's convention, also Hugo's and Pandoc's). On success sets the YAML's
 * extent and *body_off, where the Markdown begins; returns 0 when there is none.
 */
static int find_front_matter(const char *s, size_t len, size_t *yaml_off, size_t *yaml_len,
			     size_t *body_off)
{
	size_t next, pos, n, first;

	n = line_at(s, len, &first);
	if (!is_fence(s, n, "---"))
		return 0;
	pos = first;
	while (pos < len) {
		size_t start = pos;
		n = line_at(s + pos, len - pos, &next);
		pos += next;
		if (is_fence(s + start, n, "---") || is_fence(s + start, n, "...")) {
			*yaml_off = first;
			*yaml_len = start - *yaml_off;
			*body_off = pos;
			return 1;
		}
	}
	return 0;
}

/* The front matter's keys (DESIGN.md's field names). */
static const char *const fields[] = { "title", "date", "type", "department", "url", "tags" };

/* Whether a document that opens with `---` and a field line (`title: ...`) never closes
 * it: front matter meant, read as a thematic break and text. */
static int front_matter_unclosed(const char *s, size_t len)
{
	size_t first, next, n = line_at(s, len, &first);

	if (!is_fence(s, n, "---") || first >= len)
		return 0;
	n = line_at(s + first, len - first, &next);
	for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++) {
		size_t kl = strlen(fields[k]);
		if (n > kl && strncasecmp(s + first, fields[k], kl) == 0 && (s[first + kl] == ':' || s[first + kl] == ' '))
			return 1;
	}
	return 0;
}

static int scalar_is(const yaml_node_t *node, const char *key)
{
	return node && node->type == YAML_SCALAR_NODE && node->data.scalar.length == strlen(key) &&
	       memcmp(node->data.scalar.value, key, node->data.scalar.length) == 0;
}

static int scalar_is_ci(const yaml_node_t *node, const char *key)
{
	return node && node->type == YAML_SCALAR_NODE && node->data.scalar.length == strlen(key) &&
	       strncasecmp((const char *)node->data.scalar.value, key, node->data.scalar.length) == 0;
}

static void fm_scalar(struct extract_ctx *cx, yaml_node_t *v, const char *key, char **field)
{
	if (v->type != YAML_SCALAR_NODE) {
		extract_warn(cx, "front matter: `%s` is not a single value; ignored", key);
		return;
	}
	extract_set_field(cx, field, (const char *)v->data.scalar.value, v->data.scalar.length);
}

/* s[0..*len) without surrounding blanks and one pair of matching quotes. */
static const char *unquote(const char *s, size_t *len)
{
	size_t n = *len;

	while (n && (*s == ' ' || *s == '\t'))
		s++, n--;
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	if (n >= 2 && (s[0] == '"' || s[0] == '\'') && s[n - 1] == s[0])
		s++, n -= 2;
	*len = n;
	return s;
}

static void add_tag_list(struct extract_ctx *cx, const char *s, size_t len)
{
	size_t start = 0, i, n;
	const char *t;

	for (i = 0; i <= len; i++) {
		if (i == len || s[i] == ',') {
			n = i - start;
			t = unquote(s + start, &n);
			extract_add_tag(cx, t, n);
			start = i + 1;
		}
	}
}

/*
 * The fallback for front matter that YAML refuses. French typography puts a space
 * before a colon, and `title: Remise des diplômes : 412 lauréats` is not YAML (": "
 * inside a plain scalar starts a mapping value), yet its meaning is plain. Such a
 * block is read as `key: value` lines split at the first colon, `tags` taking a
 * `[a, b]` list, a comma string, or the `- item` lines that follow it.
 */
static void read_front_matter_lines(struct extract_ctx *cx, const char *s, size_t len)
{
	struct document *doc = cx->doc;
	size_t pos = 0, next, n, klen, vlen;
	int in_tags = 0;

	while (pos < len) {
		const char *line = s + pos, *colon, *v;

		n = line_at(line, len - pos, &next);
		pos += next;
		if (n && (line[0] == ' ' || line[0] == '\t' || line[0] == '-')) {
			size_t k = 0;
			while (k < n && (line[k] == ' ' || line[k] == '\t'))
				k++;
			if (in_tags && k + 1 < n && line[k] == '-' && line[k + 1] == ' ') {
				vlen = n - k - 2;
				v = unquote(line + k + 2, &vlen);
				extract_add_tag(cx, v, vlen);
			}
			continue;
		}
		in_tags = 0;
		colon = memchr(line, ':', n);
		if (!colon || line[0] == '#')
			continue;
		klen = (size_t)(colon - line);
		vlen = n - klen - 1;
		v = unquote(colon + 1, &vlen);
		if (klen == 5 && memcmp(line, "title", 5) == 0)
			extract_set_field(cx, &doc->title, v, vlen);
		else if (klen == 4 && memcmp(line, "date", 4) == 0)
			extract_set_date(cx, v, vlen, "front matter");
		else if (klen == 4 && memcmp(line, "type", 4) == 0)
			extract_set_field(cx, &doc->type, v, vlen);
		else if (klen == 10 && memcmp(line, "department", 10) == 0)
			extract_set_field(cx, &doc->department, v, vlen);
		else if (klen == 3 && memcmp(line, "url", 3) == 0)
			extract_set_field(cx, &doc->url, v, vlen);
		else if (klen == 4 && memcmp(line, "tags", 4) == 0) {
			if (!vlen)
				in_tags = 1;
			else if (v[0] == '[' && v[vlen - 1] == ']')
				add_tag_list(cx, v + 1, vlen - 2);
			else
				add_tag_list(cx, v, vlen);
		}
	}
}

/* Front matter nests at most this deep: libyaml's time grows with the square of the
 * depth of its flow collections (200 000 `[` take a minute), and fields nest two. */
#define FRONT_MATTER_MAX_DEPTH 64

/* Whether [ and { nest deeper than FRONT_MATTER_MAX_DEPTH; quotes not looked into: a
 * bound, not a parse (a title that opens 64 brackets is read as lines). */
static int too_deep(const char *s, size_t len)
{
	size_t depth = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '[' || s[i] == '{') {
			if (++depth > FRONT_MATTER_MAX_DEPTH)
				return 1;
		} else if ((s[i] == ']' || s[i] == '}') && depth) {
			depth--;
		}
	}
	return 0;
}

static void read_front_matter(struct extract_ctx *cx, const char *yaml, size_t len)
{
	yaml_parser_t parser;
	yaml_document_t ydoc;
	yaml_node_t *root;
	yaml_node_pair_t *pair;
	struct document *doc = cx->doc;
	size_t k;

	if (too_deep(yaml, len)) {
		extract_warn(cx, "front matter nests [ and { more than %d deep; read as plain `key: value` lines",
			     FRONT_MATTER_MAX_DEPTH);
		read_front_matter_lines(cx, yaml, len);
		return;
	}
	if (!yaml_parser_initialize(&parser)) {
		cx->err = AS_ENOMEM;
		return;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
	if (!yaml_parser_load(&parser, &ydoc)) {
		extract_warn(cx, "front matter is not valid YAML (%s, line %zu); read as plain `key: value` lines",
			     parser.problem ? parser.problem : "error", parser.problem_mark.line + 2);
		yaml_parser_delete(&parser);
		read_front_matter_lines(cx, yaml, len);
		return;
	}
	root = yaml_document_get_root_node(&ydoc);
	if (root && root->type != YAML_MAPPING_NODE) {
		extract_warn(cx, "front matter is not a list of `key: value`; ignored");
		root = NULL;
	}
	for (pair = root ? root->data.mapping.pairs.start : NULL; pair && pair < root->data.mapping.pairs.top; pair++) {
		yaml_node_t *key = yaml_document_get_node(&ydoc, pair->key);
		yaml_node_t *v = yaml_document_get_node(&ydoc, pair->value);

		if (!key || !v)
			continue;
		if (scalar_is(key, "title")) {
			fm_scalar(cx, v, "title", &doc->title);
		} else if (scalar_is(key, "date")) {
			if (v->type == YAML_SCALAR_NODE)
				extract_set_date(cx, (const char *)v->data.scalar.value, v->data.scalar.length,
						 "front matter");
			else
				extract_warn(cx, "front matter: `date` is not a single value; ignored");
		} else if (scalar_is(key, "type")) {
			fm_scalar(cx, v, "type", &doc->type);
		} else if (scalar_is(key, "department")) {
			fm_scalar(cx, v, "department", &doc->department);
		} else if (scalar_is(key, "url")) {
			fm_scalar(cx, v, "url", &doc->url);
		} else if (scalar_is(key, "tags")) {
			if (v->type == YAML_SCALAR_NODE) {
				extract_add_tags(cx, (const char *)v->data.scalar.value, v->data.scalar.length);
			} else if (v->type == YAML_SEQUENCE_NODE) {
				yaml_node_item_t *it;
				for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
					yaml_node_t *t = yaml_document_get_node(&ydoc, *it);
					/* One tag per item: a comma inside an item is part of it. */
					if (t && t->type == YAML_SCALAR_NODE)
						extract_add_tag(cx, (const char *)t->data.scalar.value,
								 t->data.scalar.length);
				}
			} else {
				extract_warn(cx, "front matter: `tags` is neither a list nor a string; ignored");
			}
		} else {
			/* Keys are exactly the field names; a near miss is worth a word. */
			for (k = 0; k < sizeof(fields) / sizeof(fields[0]); k++)
				if (scalar_is_ci(key, fields[k]))
					extract_warn(cx, "front matter key `%s` ignored: keys are lower case (`%s`)",
						     (const char *)key->data.scalar.value, fields[k]);
		}
	}
	yaml_document_delete(&ydoc);
	yaml_parser_delete(&parser);
}

/* ---- the AST ---- */

static const char *literal(cmark_node *node, size_t *len)
{
	const char *s = cmark_node_get_literal(node);

	*len = s ? strlen(s) : 0;
	return s ? s : "";
}

/* Whether s[0..n) is the delimiter row of a table (`|---|:--:|`): pipes, dashes, colons
 * and spaces, with a pipe and a dash at least. */
static int is_table_rule(const char *s, size_t n)
{
	int pipe = 0, dash = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '|')
			pipe = 1;
		else if (s[i] == '-')
			dash = 1;
		else if (s[i] != ':' && s[i] != ' ' && s[i] != '\t')
			return 0;
	}
	return pipe && dash;
}

/*
 * Whether a paragraph is a table as GitHub's Markdown writes one (a row of cells, then a
 * delimiter row), which CommonMark reads as a paragraph of lines: its pipes are then cell
 * boundaries, its delimiter row no text.
 */
static int is_table(cmark_node *para)
{
	cmark_node *n = cmark_node_first_child(para);
	size_t len;

	while (n && cmark_node_get_type(n) != CMARK_NODE_SOFTBREAK)
		n = cmark_node_next(n);
	if (!n || !(n = cmark_node_next(n)) || cmark_node_get_type(n) != CMARK_NODE_TEXT)
		return 0;
	const char *s = literal(n, &len);
	n = cmark_node_next(n);
	return is_table_rule(s, len) && (!n || cmark_node_get_type(n) == CMARK_NODE_SOFTBREAK);
}

/* Text of a table's cells: each pipe a boundary; the delimiter row dropped. */
static void add_cells(struct extract_ctx *cx, const char *s, size_t len)
{
	if (is_table_rule(s, len))
		return;
	for (size_t i = 0; i < len;) {
		size_t j = i;
		while (j < len && s[j] != '|')
			j++;
		textsink_add(&cx->body, s + i, j - i);
		if (j < len)
			textsink_sep(&cx->body, SEP_SPACE);
		i = j + 1;
	}
}

static int walk(struct extract_ctx *cx, cmark_node *root)
{
	cmark_iter *iter = cmark_iter_new(root);
	cmark_event_type ev;
	size_t heading_start = 0, len;
	int hidden = 0; /* open raw-HTML elements whose content is dropped (script, style...) */
	int table = 0;  /* in a paragraph that is a table */
	int rc = 0;

	while (rc == 0 && (ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(iter);
		cmark_node_type type = cmark_node_get_type(node);
		const char *s;

		if (ev == CMARK_EVENT_EXIT) {
			if (type == CMARK_NODE_PARAGRAPH)
				table = 0;
			if (type == CMARK_NODE_IMAGE)
				textsink_sep(&cx->body, SEP_SPACE);
			if (type == CMARK_NODE_HEADING && cx->body.b.len > heading_start)
				extract_note_heading(cx, cmark_node_get_heading_level(node),
						     cx->body.b.ptr + heading_start, cx->body.b.len - heading_start);
			if (type == CMARK_NODE_ITEM || (type >= CMARK_NODE_FIRST_BLOCK && type <= CMARK_NODE_LAST_BLOCK))
				textsink_sep(&cx->body, SEP_PARA);
			continue;
		}
		switch (type) {
		case CMARK_NODE_TEXT:
		case CMARK_NODE_CODE:
			if (!hidden) {
				s = literal(node, &len);
				if (table && type == CMARK_NODE_TEXT)
					add_cells(cx, s, len);
				else
					textsink_add(&cx->body, s, len);
			}
			break;
		case CMARK_NODE_SOFTBREAK:
			textsink_sep(&cx->body, table ? SEP_LINE : SEP_SPACE);
			break;
		case CMARK_NODE_PARAGRAPH:
			table = is_table(node);
			textsink_sep(&cx->body, SEP_PARA);
			break;
		case CMARK_NODE_LINEBREAK:
			textsink_sep(&cx->body, SEP_LINE);
			break;
		case CMARK_NODE_CODE_BLOCK:
			textsink_sep(&cx->body, SEP_PARA);
			if (!hidden) {
				s = literal(node, &len);
				textsink_add_lines(&cx->body, s, len);
			}
			textsink_sep(&cx->body, SEP_PARA);
			break;
		case CMARK_NODE_HTML_BLOCK:
			/* Read as HTML by gumbo, which drops script, style and chrome inside it;
			 * the tag scan then carries an element left open (a <nav> whose content
			 * goes on after a blank line) over to the blocks that follow. */
			s = literal(node, &len);
			textsink_sep(&cx->body, SEP_PARA);
			if (!hidden)
				rc = extract_html_fragment(cx, s, len);
			extract_html_scan_tags(s, len, &hidden);
			textsink_sep(&cx->body, SEP_PARA);
			break;
		case CMARK_NODE_HTML_INLINE:
			s = literal(node, &len);
			if (extract_html_is_br(s, len))
				textsink_sep(&cx->body, SEP_LINE);
			extract_html_scan_tags(s, len, &hidden);
			break;
		case CMARK_NODE_IMAGE:
			/* The alt text (the children) says what the image shows, and is what
			 * a screen reader reads: indexed, apart from the words around it. */
			textsink_sep(&cx->body, SEP_SPACE);
			break;
		case CMARK_NODE_HEADING:
			textsink_sep(&cx->body, SEP_PARA);
			heading_start = cx->body.b.len;
			break;
		case CMARK_NODE_THEMATIC_BREAK:
			textsink_sep(&cx->body, SEP_PARA);
			break;
		default:
			if (type >= CMARK_NODE_FIRST_BLOCK && type <= CMARK_NODE_LAST_BLOCK)
				textsink_sep(&cx->body, SEP_PARA);
			break;
		}
	}
	cmark_iter_free(iter);
	return rc ? rc : cx->err;
}

/* ---- footnotes ---- */

/* Whether the line s[0..n) opens a footnote definition: up to three spaces, then
 * `[^label]:`, the label without spaces or `]`. */
static int is_footnote_line(const char *s, size_t n)
{
	size_t i = 0, label;

	while (i < n && i < 3 && s[i] == ' ')
		i++;
	if (n - i < 5 || s[i] != '[' || s[i + 1] != '^')
		return 0;
	for (i += 2, label = i; i < n && s[i] != ']' && s[i] != ' ' && s[i] != '\t'; i++)
		;
	return i > label && i + 1 < n && s[i] == ']' && s[i + 1] == ':';
}

/* Length of the line at s[0..len) and, in *next, of it with its end: \n, \r\n or \r,
 * the line ends cmark counts lines by. */
static size_t source_line(const char *s, size_t len, size_t *next)
{
	size_t n = 0;

	while (n < len && s[n] != '\n' && s[n] != '\r')
		n++;
	*next = n < len && s[n] == '\r' && n + 1 < len && s[n + 1] == '\n' ? n + 2 : n < len ? n + 1 : n;
	return n;
}

/*
 * Footnote definitions, `[^1]: Source : enquête 2024` (the syntax of GitHub, Pandoc and
 * markdown-it), are no CommonMark: cmark takes such a line for the definition of a link
 * reference `^1`, which shows nothing, and the note's text is lost. Escaped, `\[^1]: ...`
 * is a paragraph showing the line as written, as a footnote shows at the foot of the
 * rendered page. So the lines that open a footnote are escaped and the source parsed
 * again, except in code blocks and HTML blocks, where cmark keeps them as text already
 * (their lines are cmark's own start and end lines, which need no parsing of ours).
 * Returns the tree to walk: `root`, or a new one with root freed; NULL on ENOMEM.
 */
static cmark_node *parse_footnotes(cmark_node *root, const char *text, size_t len)
{
	struct range {
		int first, last;
	} *verbatim = NULL;
	size_t n_verbatim = 0, cap = 0, k = 0, pos = 0, next, n;
	struct buf b = BUF_INIT;
	cmark_iter *iter;
	cmark_event_type ev;
	int line = 1, escaped = 0, nomem = 0;

	if (!memmem(text, len, "[^", 2))
		return root;
	iter = cmark_iter_new(root);
	while (!nomem && (ev = cmark_iter_next(iter)) != CMARK_EVENT_DONE) {
		cmark_node *node = cmark_iter_get_node(iter);
		cmark_node_type type = cmark_node_get_type(node);

		if (ev != CMARK_EVENT_ENTER || (type != CMARK_NODE_CODE_BLOCK && type != CMARK_NODE_HTML_BLOCK))
			continue;
		if (n_verbatim == cap) {
			struct range *r = as_realloc(verbatim, (cap ? cap * 2 : 16) * sizeof(*r));
			if (!r) {
				nomem = 1;
				continue;
			}
			verbatim = r;
			cap = cap ? cap * 2 : 16;
		}
		/* In document order, and never one inside another: sorted, disjoint. */
		verbatim[n_verbatim].first = cmark_node_get_start_line(node);
		verbatim[n_verbatim++].last = cmark_node_get_end_line(node);
	}
	cmark_iter_free(iter);
	for (; pos < len && !nomem && !b.err; pos += next, line++) {
		n = source_line(text + pos, len - pos, &next);
		while (k < n_verbatim && verbatim[k].last < line)
			k++;
		if (is_footnote_line(text + pos, n) && !(k < n_verbatim && verbatim[k].first <= line)) {
			size_t bracket = (size_t)((const char *)memchr(text + pos, '[', n) - (text + pos));
			buf_add(&b, text + pos, bracket);
			buf_addch(&b, '\\');
			buf_add(&b, text + pos + bracket, next - bracket);
			escaped = 1;
		} else {
			buf_add(&b, text + pos, next);
		}
	}
	as_free(verbatim);
	if (nomem || b.err) {
		buf_release(&b);
		cmark_node_free(root);
		return NULL;
	}
	if (escaped) {
		cmark_node_free(root);
		root = cmark_parse_document(b.ptr, b.len, CMARK_OPT_DEFAULT);
	}
	buf_release(&b);
	return root;
}

int extract_markdown(struct extract_ctx *cx, const char *text, size_t len)
{
	size_t yaml_off, yaml_len, body_off;
	cmark_node *root;
	int rc;

	if (find_front_matter(text, len, &yaml_off, &yaml_len, &body_off)) {
		read_front_matter(cx, text + yaml_off, yaml_len);
		if (cx->err)
			return cx->err;
		text += body_off;
		len -= body_off;
	} else if (front_matter_unclosed(text, len)) {
		extract_warn(cx, "front matter has no closing `---` line; read as text");
	}
	root = cmark_parse_document(text, len, CMARK_OPT_DEFAULT);
	if (root)
		root = parse_footnotes(root, text, len);
	if (!root)
		return as_error_set(AS_ENOMEM, "%s: out of memory parsing Markdown", cx->id);
	rc = walk(cx, root);
	cmark_node_free(root);
	return rc;
}
