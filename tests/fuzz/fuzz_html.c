/*
 * HTML extraction (indexer/extract_html.c through extract_document): any bytes as a
 * `.html` file. Checks that a success gives a document whose strings are valid
 * NUL-terminated text and a failure a cleared document with a known code.
 */
#include "tests/fuzz/fuzz_extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_extract("site/page.html", data, size);
	return 0;
}
