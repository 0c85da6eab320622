#include "common/index/document.h"

#include <string.h>

#include "common/util/mem.h"

void document_clear(struct document *doc)
{
	size_t i;

	if (!doc)
		return;
	as_free(doc->id);
	as_free(doc->title);
	as_free(doc->date);
	as_free(doc->type);
	as_free(doc->department);
	as_free(doc->url);
	for (i = 0; i < doc->n_tags; i++)
		as_free(doc->tags[i]);
	as_free(doc->tags);
	as_free(doc->body);
	memset(doc, 0, sizeof(*doc));
}
