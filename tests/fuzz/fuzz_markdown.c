/*
 * Markdown extraction with YAML front matter (indexer/extract_md.c through
 * extract_document): any bytes as a `.md` file. See fuzz_extract.h for the checks.
 */
#include "tests/fuzz/fuzz_extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_extract("communiques/2024-05-02-com.md", data, size);
	return 0;
}
