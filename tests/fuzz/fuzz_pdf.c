/*
 * PDF extraction (indexer/extract_pdf.c, poppler-glib) on any bytes as a `.pdf` file.
 * Poppler itself is not instrumented; this exercises our side of it (metadata, page
 * text, paragraph rebuilding). See fuzz_extract.h for the checks.
 */
#include "tests/fuzz/fuzz_extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_extract("guides/guide.pdf", data, size);
	return 0;
}
