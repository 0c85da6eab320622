/*
 * HTML through gumbo (Google's HTML5 parser: the same tree a browser builds, entities
 * decoded, tag soup repaired). The tree is walked without recursion, so a page of a
 * hundred thousand nested <div> cannot exhaust a worker thread's stack.
 */
#include <gumbo.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/util/error.h"
#include "common/util/mem.h"
#include "indexer/extract_int.h"

/* Elements of a page that are its chrome, not its content (<aside>, <header> and
 * <footer> are decided by element_dropped(), from where they stand). Written inside a
 * Markdown document, they are its author's content. */
static int tag_is_chrome(GumboTag tag)
{
	switch (tag) {
	case GUMBO_TAG_NAV:
	case GUMBO_TAG_FORM:
	case GUMBO_TAG_BUTTON:
	case GUMBO_TAG_SELECT:
		return 1;
	default:
		return 0;
	}
}

/* Elements whose content is never shown as text. */
static int tag_is_dropped(GumboTag tag)
{
	switch (tag) {
	case GUMBO_TAG_SCRIPT:
	case GUMBO_TAG_STYLE:
	case GUMBO_TAG_NOSCRIPT:
	case GUMBO_TAG_TEMPLATE:
	case GUMBO_TAG_TEXTAREA:
	case GUMBO_TAG_IFRAME:
	case GUMBO_TAG_OBJECT:
	case GUMBO_TAG_EMBED:
	case GUMBO_TAG_CANVAS:
	case GUMBO_TAG_AUDIO:
	case GUMBO_TAG_VIDEO:
	case GUMBO_TAG_SVG:
	case GUMBO_TAG_HEAD: /* its title and meta are read apart */
		return 1;
	default:
		return 0;
	}
}

/* Elements that make a paragraph of their own (a blank line before and after). */
static int tag_is_block(GumboTag tag)
{
	switch (tag) {
	case GUMBO_TAG_ADDRESS:
	case GUMBO_TAG_ARTICLE:
	case GUMBO_TAG_BLOCKQUOTE:
	case GUMBO_TAG_BODY:
	case GUMBO_TAG_CAPTION:
	case GUMBO_TAG_CENTER:
	case GUMBO_TAG_DD:
	case GUMBO_TAG_DETAILS:
	case GUMBO_TAG_DIR:
	case GUMBO_TAG_DIV:
	case GUMBO_TAG_DL:
	case GUMBO_TAG_DT:
	case GUMBO_TAG_FIELDSET:
	case GUMBO_TAG_FIGCAPTION:
	case GUMBO_TAG_FIGURE:
	case GUMBO_TAG_FOOTER:
	case GUMBO_TAG_H1:
	case GUMBO_TAG_H2:
	case GUMBO_TAG_H3:
	case GUMBO_TAG_H4:
	case GUMBO_TAG_H5:
	case GUMBO_TAG_H6:
	case GUMBO_TAG_HEADER:
	case GUMBO_TAG_HGROUP:
	case GUMBO_TAG_HR:
	case GUMBO_TAG_HTML:
	case GUMBO_TAG_LEGEND:
	case GUMBO_TAG_LI:
	case GUMBO_TAG_MAIN:
	case GUMBO_TAG_MENU:
	case GUMBO_TAG_OL:
	case GUMBO_TAG_P:
	case GUMBO_TAG_PRE:
	case GUMBO_TAG_SECTION:
	case GUMBO_TAG_SUMMARY:
	case GUMBO_TAG_TABLE:
	case GUMBO_TAG_UL:
		return 1;
	default:
		return 0;
	}
}

static int heading_level(GumboTag tag)
{
	switch (tag) {
	case GUMBO_TAG_H1: return 1;
	case GUMBO_TAG_H2: return 2;
	case GUMBO_TAG_H3: return 3;
	case GUMBO_TAG_H4: return 4;
	case GUMBO_TAG_H5: return 5;
	case GUMBO_TAG_H6: return 6;
	default: return 0;
	}
}

/* Whether a (lower-case) needle occurs in the lower-cased copy `low` of an attribute. */
static int contains(const char *low, const char *needle)
{
	return strstr(low, needle) != NULL;
}

/* A lower-case copy of an attribute value, cut at cap - 1 bytes (class lists are short). */
static void lower_copy(char *out, size_t cap, const char *s)
{
	size_t i;

	for (i = 0; i + 1 < cap && s[i]; i++)
		out[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	out[i] = '\0';
}

/*
 * Page chrome recognised by attributes: hidden elements, ARIA landmark roles that are
 * not the content (WAI-ARIA 1.2 §5.3.4), and the class or id of cookie-consent banners
 * (tarteaucitron, axeptio and didomi are the common ones on French sites), breadcrumbs
 * ("fil d'Ariane"), skip links ("liens d'évitement"), share buttons ("partager"), and
 * text meant for screen readers only.
 */
static int attrs_are_hidden(const GumboVector *attrs);

static int attrs_are_chrome(const GumboVector *attrs)
{
	static const char *roles[] = {
		"navigation", "banner", "contentinfo", "complementary", "search",
		"dialog", "alertdialog", "menu", "menubar", "toolbar",
	};
	static const char *marks[] = {
		"cookie", "consent", "gdpr", "rgpd", "tarteaucitron", "axeptio", "didomi",
		"breadcrumb", "fil-ariane", "filariane", "skip-link", "skiplink", "evitement",
		"sr-only", "visually-hidden", "screen-reader", "partage", "share",
	};
	const GumboAttribute *a;
	size_t i;

	if (attrs->length == 0)
		return 0;
	if (attrs_are_hidden(attrs))
		return 1;
	a = gumbo_get_attribute(attrs, "role");
	if (a)
		for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
			if (strcasecmp(a->value, roles[i]) == 0)
				return 1;
	for (int k = 0; k < 2; k++) {
		char low[256];
		a = gumbo_get_attribute(attrs, k ? "id" : "class");
		if (!a || !a->value[0])
			continue;
		lower_copy(low, sizeof(low), a->value);
		for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
			if (contains(low, marks[i]))
				return 1;
	}
	return 0;
}

/* Elements no reader sees: hidden, aria-hidden, display:none. */
static int attrs_are_hidden(const GumboVector *attrs)
{
	const GumboAttribute *a;

	if (attrs->length == 0)
		return 0;
	if (gumbo_get_attribute(attrs, "hidden"))
		return 1;
	a = gumbo_get_attribute(attrs, "aria-hidden");
	if (a && strcasecmp(a->value, "true") == 0)
		return 1;
	a = gumbo_get_attribute(attrs, "style");
	if (a) {
		/* display:none, with or without spaces */
		const char *p = a->value;
		while ((p = strcasestr(p, "display")) != NULL) {
			p += 7;
			while (*p == ' ')
				p++;
			if (*p == ':') {
				p++;
				while (*p == ' ')
					p++;
				if (strncasecmp(p, "none", 4) == 0)
					return 1;
			}
		}
	}
	return 0;
}

/* <meta name="date|type|department|url|keywords" content="..."> (DESIGN.md). */
static void read_meta(struct extract_ctx *cx, const GumboVector *attrs)
{
	const GumboAttribute *name = gumbo_get_attribute(attrs, "name");
	const GumboAttribute *content = gumbo_get_attribute(attrs, "content");
	struct document *doc = cx->doc;
	const char *v;

	if (!name || !content)
		return;
	v = content->value;
	if (strcasecmp(name->value, "date") == 0)
		extract_set_date(cx, v, strlen(v), "<meta name=\"date\">");
	else if (strcasecmp(name->value, "type") == 0)
		extract_set_field(cx, &doc->type, v, strlen(v));
	else if (strcasecmp(name->value, "department") == 0)
		extract_set_field(cx, &doc->department, v, strlen(v));
	else if (strcasecmp(name->value, "url") == 0)
		extract_set_field(cx, &doc->url, v, strlen(v));
	else if (strcasecmp(name->value, "keywords") == 0)
		extract_add_tags(cx, v, strlen(v));
}

/* The text of the <title> element (its children are text only, per HTML5's RCDATA). */
static void read_title(struct extract_ctx *cx, const GumboNode *node)
{
	const GumboVector *kids = &node->v.element.children;
	struct buf t = BUF_INIT;
	unsigned i;

	for (i = 0; i < kids->length; i++) {
		const GumboNode *k = kids->data[i];
		if (k->type == GUMBO_NODE_TEXT || k->type == GUMBO_NODE_WHITESPACE)
			buf_addstr(&t, k->v.text.text);
	}
	if (t.err)
		cx->err = AS_ENOMEM;
	else if (t.len)
		extract_set_field(cx, &cx->doc->title, t.ptr, t.len);
	buf_release(&t);
}

/* Pass 1, whole documents only: <title> and <meta>, wherever the parser put them. */
static int read_head(struct extract_ctx *cx, GumboNode *root)
{
	GumboNode **stack = NULL;
	size_t n = 0, cap = 0;
	unsigned i;

	if (root->type != GUMBO_NODE_ELEMENT && root->type != GUMBO_NODE_DOCUMENT)
		return 0;
	stack = as_malloc(64 * sizeof(*stack));
	if (!stack)
		return cx->err = AS_ENOMEM;
	cap = 64;
	stack[n++] = root;
	while (n) {
		GumboNode *node = stack[--n];
		const GumboVector *kids;

		if (node->type == GUMBO_NODE_DOCUMENT) {
			kids = &node->v.document.children;
		} else if (node->type == GUMBO_NODE_ELEMENT) {
			const GumboElement *el = &node->v.element;
			if (el->tag_namespace != GUMBO_NAMESPACE_HTML)
				continue; /* an <svg><title> is not the page's */
			if (el->tag == GUMBO_TAG_TITLE) {
				read_title(cx, node);
				continue;
			}
			if (el->tag == GUMBO_TAG_META)
				read_meta(cx, &el->attributes);
			kids = &el->children;
		} else {
			continue;
		}
		if (n + kids->length > cap) {
			size_t ncap = (n + kids->length) * 2;
			GumboNode **s = as_realloc(stack, ncap * sizeof(*s));
			if (!s) {
				as_free(stack);
				return cx->err = AS_ENOMEM;
			}
			stack = s;
			cap = ncap;
		}
		/* Pushed in reverse so the first <title> in document order is met first. */
		for (i = kids->length; i-- > 0;)
			stack[n++] = kids->data[i];
	}
	as_free(stack);
	return cx->err;
}

/* One element being walked in pass 2. */
struct frame {
	GumboNode *node;
	unsigned next;      /* next child to visit */
	size_t text_start;  /* body length when entered: a heading's text follows it */
	int sectioning;     /* inside article, main or section (header/footer are content) */
	int in_article;     /* inside article or section (an aside is content) */
	int pre;            /* inside <pre>: newlines are line breaks */
};

/* Whether an element's subtree is dropped from the text; in `fragment` (HTML written in
 * Markdown) only what no reader sees: there is no page template around it. */
static int element_dropped(const GumboElement *el, int sectioning, int in_article, int fragment)
{
	if (el->tag_namespace == GUMBO_NAMESPACE_SVG)
		return 1;
	if (tag_is_dropped(el->tag))
		return 1;
	if (fragment)
		return attrs_are_hidden(&el->attributes);
	if (tag_is_chrome(el->tag))
		return 1;
	/* HTML-AAM: header and footer are the page's banner and contentinfo landmarks
	 * (chrome) unless scoped to an article, main or section element. */
	if ((el->tag == GUMBO_TAG_HEADER || el->tag == GUMBO_TAG_FOOTER) && !sectioning)
		return 1;
	/* HTML-AAM again: an aside scoped to the body or main is the page's complementary
	 * landmark (a sidebar of related links: chrome), but inside an article or section
	 * it is a generic element, the article's own callout box, and read as content. */
	if (el->tag == GUMBO_TAG_ASIDE && !in_article)
		return 1;
	/* A class on <body> or <main> such as "has-cookie-banner" says nothing of them. */
	if (el->tag == GUMBO_TAG_HTML || el->tag == GUMBO_TAG_BODY || el->tag == GUMBO_TAG_MAIN ||
	    el->tag == GUMBO_TAG_ARTICLE)
		return 0;
	return attrs_are_chrome(&el->attributes);
}

/* On entering an element: its separators; on leaving it: the same, and headings. */
static void element_edge(struct extract_ctx *cx, const struct frame *f, int leaving)
{
	GumboTag tag = f->node->v.element.tag;
	int level;

	if (tag == GUMBO_TAG_BR) {
		textsink_sep(&cx->body, SEP_LINE);
	} else if (tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TH) {
		textsink_sep(&cx->body, SEP_SPACE);
	} else if (tag == GUMBO_TAG_TR) {
		textsink_sep(&cx->body, SEP_LINE);
	} else if (tag_is_block(tag)) {
		textsink_sep(&cx->body, SEP_PARA);
	}
	if (leaving && (level = heading_level(tag)) > 0 && cx->body.b.len > f->text_start)
		extract_note_heading(cx, level, cx->body.b.ptr + f->text_start,
				     cx->body.b.len - f->text_start);
}

/* Pass 2: the visible text, in document order. */
static int read_body(struct extract_ctx *cx, GumboNode *root, int fragment)
{
	struct frame *st;
	size_t n = 0, cap = 64;

	st = as_malloc(cap * sizeof(*st));
	if (!st)
		return cx->err = AS_ENOMEM;
	st[n++] = (struct frame){ root, 0, 0, 0, 0, 0 };
	while (n) {
		struct frame *f = &st[n - 1];
		const GumboVector *kids = f->node->type == GUMBO_NODE_DOCUMENT ? &f->node->v.document.children
									  : &f->node->v.element.children;
		GumboNode *k;

		if (f->next >= kids->length) {
			if (f->node->type == GUMBO_NODE_ELEMENT)
				element_edge(cx, f, 1);
			n--;
			continue;
		}
		k = kids->data[f->next++];
		switch (k->type) {
		case GUMBO_NODE_TEXT:
		case GUMBO_NODE_CDATA:
		case GUMBO_NODE_WHITESPACE:
			if (f->pre)
				textsink_add_lines(&cx->body, k->v.text.text, strlen(k->v.text.text));
			else
				textsink_add(&cx->body, k->v.text.text, strlen(k->v.text.text));
			break;
		case GUMBO_NODE_ELEMENT:
		case GUMBO_NODE_TEMPLATE: {
			const GumboElement *el = &k->v.element;
			struct frame nf;
			if (element_dropped(el, f->sectioning, f->in_article, fragment))
				break;
			nf.node = k;
			nf.next = 0;
			nf.sectioning = f->sectioning || el->tag == GUMBO_TAG_ARTICLE ||
					el->tag == GUMBO_TAG_MAIN || el->tag == GUMBO_TAG_SECTION;
			nf.in_article = f->in_article || el->tag == GUMBO_TAG_ARTICLE ||
					el->tag == GUMBO_TAG_SECTION;
			nf.pre = f->pre || el->tag == GUMBO_TAG_PRE || el->tag == GUMBO_TAG_TEXTAREA;
			if (n == cap) {
				struct frame *s = as_realloc(st, cap * 2 * sizeof(*s));
				if (!s) {
					as_free(st);
					return cx->err = AS_ENOMEM;
				}
				st = s;
				cap *= 2;
			}
			element_edge(cx, &nf, 0);
			nf.text_start = cx->body.b.len;
			st[n++] = nf;
			break;
		}
		default: /* comments, the doctype */
			break;
		}
	}
	as_free(st);
	return cx->err;
}

/*
 * Gumbo allocates every node, vector and string on its own and frees them one by one:
 * malloc and free took about a third of the time of an HTML page. A parse gets a bump
 * allocator instead, whose free is a no-op and which is dropped whole with the tree.
 * Gumbo grows its buffers by allocate-copy-free, so the waste is bounded by the final
 * sizes (geometric growth). The chunks come from malloc, not as_malloc: gumbo does not
 * check for NULL, so injected allocation failures must not reach it, and a real failure
 * aborts, as gumbo itself would crash.
 */
struct parse_chunk {
	struct parse_chunk *next;
	size_t used, cap;
	max_align_t data[];
};

struct parse_arena {
	struct parse_chunk *head;
	size_t next_cap;
};

static void *arena_take(void *userdata, size_t n)
{
	struct parse_arena *a = userdata;
	struct parse_chunk *c = a->head;
	size_t align = sizeof(max_align_t), cap;
	void *p;

	n = (n + align - 1) / align * align;
	if (!c || c->cap - c->used < n) {
		cap = n > a->next_cap / 4 ? n : a->next_cap;
		c = malloc(sizeof(*c) + cap);
		if (!c)
			abort();
		c->used = 0;
		c->cap = cap;
		if (cap == a->next_cap) {
			c->next = a->head;
			a->head = c;
			if (a->next_cap < ((size_t)4 << 20))
				a->next_cap *= 2;
		} else if (a->head) {
			/* A large block gets a chunk of its own, behind the current one. */
			c->next = a->head->next;
			a->head->next = c;
			c->used = n;
			return (char *)c->data;
		} else {
			c->next = NULL;
			a->head = c;
		}
	}
	p = (char *)c->data + c->used;
	c->used += n;
	return p;
}

static void arena_give_back(void *userdata, void *p)
{
	(void)userdata;
	(void)p;
}

static void arena_drop(struct parse_arena *a)
{
	while (a->head) {
		struct parse_chunk *next = a->head->next;
		free(a->head);
		a->head = next;
	}
}

/* ---- tag names met in raw HTML (the depth scan, Markdown's inline HTML) ---- */

static int is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
}

/* Whether the tag name s[0..len) is one of names[0..n), in any case. */
static int name_in(const char *s, size_t len, const char *const *names, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strlen(names[i]) == len && strncasecmp(s, names[i], len) == 0)
			return 1;
	return 0;
}

/*
 * Gumbo 0.10 (Debian 12) looks through its stack of open elements for most tags (is
 * there a <p> in button scope to close?), so its time grows with the number of tags
 * times the nesting depth: a 1.1 MB page of 100 000 nested <div> took 36 s, 50 000 took
 * 8 s. Later gumbo has a max_tree_depth option (Nokogiri's copy refuses beyond 400 by
 * default) and browsers stop nesting at a few hundred levels (Blink at 512); this one
 * has none. So a page nested deeper than HTML_MAX_DEPTH is refused before parsing: no
 * real page comes near it, and below it a parse costs at most that many steps per tag
 * (about a second per megabyte at the limit), so one hostile file cannot hold back a
 * publication for minutes.
 */
#define HTML_MAX_DEPTH 4096

/* Start tags that leave no element open, whose count could only overstate the depth:
 * void elements (HTML's list, and the obsolete ones gumbo knows), and elements closed
 * by their next sibling or their parent's end (p, li, td...) or never nested (html). */
static int name_opens_no_depth(const char *s, size_t len)
{
	static const char *const names[] = {
		"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta",
		"source", "track", "wbr", "param", "keygen", "basefont", "bgsound", "frame",
		"image", "isindex", "p", "li", "dt", "dd", "option", "optgroup", "tr", "td",
		"th", "thead", "tbody", "tfoot", "colgroup", "caption", "rb", "rt", "rtc",
		"rp", "html", "head", "body",
	};

	return name_in(s, len, names, sizeof(names) / sizeof(names[0]));
}

/* Elements whose content is text up to their end tag (HTML's raw text and RCDATA
 * elements): a `<div>` in a script is no element. */
static int name_is_raw_text(const char *s, size_t len)
{
	static const char *const names[] = {
		"script", "style", "textarea", "title", "xmp", "iframe", "noembed", "noframes",
	};

	return name_in(s, len, names, sizeof(names) / sizeof(names[0]));
}

/* Where the raw text from text[i] ends: at `</name` in any case, else at len. */
static size_t raw_text_end(const char *text, size_t len, size_t i, const char *name, size_t name_len)
{
	const char *end;

	while ((end = memmem(text + i, len - i, "</", 2)) != NULL) {
		i = (size_t)(end - text) + 2;
		if (len - i >= name_len && strncasecmp(text + i, name, name_len) == 0)
			return i - 2;
	}
	return len;
}

/*
 * The deepest nesting of text[0..len) as a count of open start tags, in one pass
 * without building anything; it stops once past `limit`. Not the parser's tree (no
 * implied end tags, no adoption of misnested formatting): an estimate that may only
 * overstate, by unclosed elements a browser would close, which a real page does not
 * leave open by the thousand. Comments, doctypes and raw text are skipped.
 */
static size_t html_depth(const char *text, size_t len, size_t limit)
{
	size_t i = 0, depth = 0, max = 0, start, name_len;
	size_t foreign = 0; /* depth of the open <svg> or <math>, 0 outside */
	const char *p;

	while (max <= limit && (p = memchr(text + i, '<', len - i)) != NULL) {
		int closing = 0;

		i = (size_t)(p - text) + 1;
		if (len - i >= 3 && memcmp(text + i, "!--", 3) == 0) {
			p = memmem(text + i + 3, len - i - 3, "-->", 3);
			if (!p)
				break;
			i = (size_t)(p - text) + 3;
			continue;
		}
		if (i < len && text[i] == '/')
			closing = 1, i++;
		start = i;
		while (i < len && is_name_char(text[i]))
			i++;
		name_len = i - start;
		if (!name_len || !((text[start] | 0x20) >= 'a' && (text[start] | 0x20) <= 'z'))
			continue; /* `<!doctype`, `<?xml`, `a < b`: no element */
		p = memchr(text + i, '>', len - i);
		if (!p)
			break;
		i = (size_t)(p - text) + 1;
		if (name_opens_no_depth(text + start, name_len))
			continue;
		if (closing) {
			if (depth)
				depth--;
			if (depth < foreign)
				foreign = 0;
			continue;
		}
		/* `<x/>` closes itself in SVG and MathML only: an HTML `<div/>` is open. */
		if (foreign && p[-1] == '/' && p - 1 >= text + start + name_len)
			continue;
		if (name_len == 9 && strncasecmp(text + start, "plaintext", 9) == 0)
			break; /* the rest is text */
		if (name_is_raw_text(text + start, name_len)) {
			i = raw_text_end(text, len, i, text + start, name_len);
			continue;
		}
		if (++depth > max)
			max = depth;
		if (!foreign && ((name_len == 3 && strncasecmp(text + start, "svg", 3) == 0) ||
				 (name_len == 4 && strncasecmp(text + start, "math", 4) == 0)))
			foreign = depth;
	}
	return max;
}

static GumboOutput *parse(struct parse_arena *a, const char *text, size_t len)
{
	GumboOptions opt = kGumboDefaultOptions;

	a->head = NULL;
	a->next_cap = (size_t)64 << 10;
	opt.allocator = arena_take;
	opt.deallocator = arena_give_back;
	opt.userdata = a;
	opt.max_errors = 0; /* parse errors are not ours to report; do not record them */
	return gumbo_parse_with_options(&opt, text, len);
}

/* AS_EFORMAT naming the file when text[0..len) is nested too deep to parse. */
static int check_depth(struct extract_ctx *cx, const char *text, size_t len)
{
	if (html_depth(text, len, HTML_MAX_DEPTH) <= HTML_MAX_DEPTH)
		return 0;
	return as_error_set(AS_EFORMAT, "%s: HTML nested more than %d elements deep, whose parsing time "
			    "grows with the square of the depth (a hostile or broken file?)", cx->id, HTML_MAX_DEPTH);
}

int extract_html(struct extract_ctx *cx, const char *text, size_t len)
{
	struct parse_arena a;
	GumboOutput *out;
	int rc;

	if ((rc = check_depth(cx, text, len)) < 0)
		return rc;
	out = parse(&a, text, len);

	rc = read_head(cx, out->document);
	if (rc == 0)
		rc = read_body(cx, out->document, 0);
	arena_drop(&a); /* the whole tree; gumbo_destroy_output would free nothing */
	return rc;
}

int extract_html_fragment(struct extract_ctx *cx, const char *text, size_t len)
{
	struct parse_arena a;
	GumboOutput *out;
	int rc;

	if ((rc = check_depth(cx, text, len)) < 0)
		return rc;
	out = parse(&a, text, len);

	rc = read_body(cx, out->document, 1);
	arena_drop(&a);
	return rc;
}

/* ---- raw HTML met piecewise (Markdown) ---- */

static int name_is_dropped(const char *s, size_t len)
{
	/* What tag_is_dropped() drops: chrome is content in Markdown (element_dropped()). */
	static const char *const names[] = {
		"script", "style", "noscript", "template", "textarea", "iframe", "object",
		"embed", "canvas", "audio", "video", "svg",
	};

	return name_in(s, len, names, sizeof(names) / sizeof(names[0]));
}

void extract_html_scan_tags(const char *s, size_t len, int *depth)
{
	size_t i = 0;

	while (i < len) {
		const char *lt = memchr(s + i, '<', len - i);
		size_t start, name_len;
		int closing = 0;

		if (!lt)
			return;
		i = (size_t)(lt - s) + 1;
		if (len - i >= 3 && memcmp(s + i, "!--", 3) == 0) {
			const char *end = memmem(s + i + 3, len - i - 3, "-->", 3);
			if (!end)
				return;
			i = (size_t)(end - s) + 3;
			continue;
		}
		if (i < len && s[i] == '/') {
			closing = 1;
			i++;
		}
		start = i;
		while (i < len && is_name_char(s[i]))
			i++;
		name_len = i - start;
		if (!name_len || !name_is_dropped(s + start, name_len))
			continue;
		if (closing) {
			if (*depth > 0)
				(*depth)--;
			continue;
		}
		/* An opening tag; `<script ... />` is taken as closed at once. */
		while (i < len && s[i] != '>')
			i++;
		if (!(i > 0 && i < len && s[i - 1] == '/'))
			(*depth)++;
	}
}

int extract_html_is_br(const char *s, size_t len)
{
	size_t i = 1;

	if (len < 4 || s[0] != '<' || strncasecmp(s + 1, "br", 2) != 0)
		return 0;
	i = 3;
	return i < len && (s[i] == '>' || s[i] == '/' || s[i] == ' ');
}
