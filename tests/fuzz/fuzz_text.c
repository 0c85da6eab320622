/*
 * Plain-text extraction and the Windows-1252 fallback (indexer/extract.c through
 * extract_document): any bytes as a `.txt` file. See fuzz_extract.h for the checks.
 */
#include "tests/fuzz/fuzz_extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_extract("guides/notice.txt", data, size);
	return 0;
}
