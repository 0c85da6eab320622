#ifndef AS_FUZZ_H
#define AS_FUZZ_H
/*
 * What every fuzz target (tests/fuzz/fuzz_NAME.c) shares. A target defines
 * LLVMFuzzerTestOneInput (and optionally LLVMFuzzerInitialize); it is built twice:
 * with libFuzzer (`make fuzz`, clang -fsanitize=fuzzer,address,undefined) and with
 * driver.c (`make test`, which replays tests/fuzz/seeds/NAME and
 * tests/fuzz/regressions/NAME).
 *
 * A target checks what must hold for every input with FUZZ_ASSERT, which aborts, so
 * that libFuzzer records the input as a crash and the replay fails.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_ASSERT(cond)                                                                    \
	do {                                                                                 \
		if (!(cond)) {                                                               \
			fprintf(stderr, "%s:%d: fuzz assertion failed: %s\n", __FILE__,      \
				__LINE__, #cond);                                            \
			abort();                                                             \
		}                                                                            \
	} while (0)

#endif
