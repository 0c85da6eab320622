/*
 * The integer codecs of FORMAT.md: round trips at the boundaries (0, 1, 127, 128, 129
 * values; widths 0..32), random fixed-seed data, and decoders fed truncated or garbage
 * bytes, which must fail cleanly (0) and never read out of bounds (run under ASan).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "common/index/codec.h"
#include "common/util/buf.h"
#include "common/util/mem.h"

static uint64_t rng = 12345;
static uint32_t rnd32(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

/* A copy of b in a buffer padded with CODEC_SLACK bytes, exact-size for ASan. */
static uint8_t *padded(const void *p, size_t n)
{
	uint8_t *c = malloc(n + CODEC_SLACK);
	assert_non_null(c);
	if (n)
		memcpy(c, p, n);
	memset(c + n, 0, CODEC_SLACK);
	return c;
}

static void test_varint(void **state)
{
	const uint64_t vals[] = { 0, 1, 127, 128, 129, 16383, 16384, UINT32_MAX, (uint64_t)UINT32_MAX + 1, UINT64_MAX };
	(void)state;
	for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
		struct buf b = BUF_INIT;
		uint64_t v;
		uint32_t v32;
		varint_put(&b, vals[i]);
		assert_int_equal(varint_get((uint8_t *)b.ptr, b.len, &v), b.len);
		assert_true(v == vals[i]);
		/* every truncation fails */
		for (size_t n = 0; n < b.len; n++)
			assert_int_equal(varint_get((uint8_t *)b.ptr, n, &v), 0);
		if (vals[i] <= UINT32_MAX) {
			assert_int_equal(varint_get32((uint8_t *)b.ptr, b.len, &v32), b.len);
			assert_int_equal(v32, vals[i]);
		} else {
			assert_int_equal(varint_get32((uint8_t *)b.ptr, b.len, &v32), 0);
		}
		buf_release(&b);
	}
	/* 11 continuation bytes, and a 10th byte carrying bits beyond 64 */
	{
		uint8_t bad[11];
		uint64_t v;
		memset(bad, 0x80, sizeof(bad));
		assert_int_equal(varint_get(bad, sizeof(bad), &v), 0);
		memset(bad, 0xff, 9);
		bad[9] = 0x02;
		assert_int_equal(varint_get(bad, 10, &v), 0);
	}
}

static void roundtrip_pack(const uint32_t *v, size_t n, unsigned w)
{
	struct buf b = BUF_INIT;
	uint32_t *out = malloc((n + 1) * sizeof(*out));
	uint8_t *c;

	pack_put(&b, v, n, w);
	assert_int_equal(b.len, packed_bytes(n, w));
	c = padded(b.ptr, b.len);
	pack_get(c, n, w, out);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(out[i], v[i]);
	/* Random access: every range of a few starts and lengths gives the same values. */
	for (size_t from = 0; from < n; from += 1 + from / 3) {
		for (size_t len = 0; from + len <= n && len <= 130; len += 1 + len) {
			memset(out, 0xab, n * sizeof(*out));
			pack_get_at(c, from, len, w, out);
			for (size_t i = 0; i < len; i++)
				assert_int_equal(out[i], v[from + i]);
		}
	}
	free(c);
	free(out);
	buf_release(&b);
}

static void test_pack_widths(void **state)
{
	static const size_t counts[] = { 0, 1, 2, 7, 8, 127, 128, 129, 1000 };
	(void)state;
	/* Scalar, then with AVX2 where the CPU has it: both must give the values back. */
	for (int simd = 0; simd < 2; simd++) {
		codec_use_simd(simd);
		for (unsigned w = 0; w <= 32; w++) {
			for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
				size_t n = counts[c];
				uint32_t *v = malloc((n + 1) * sizeof(*v));
				uint32_t mask = w == 32 ? UINT32_MAX : (w ? (1u << w) - 1 : 0);
				for (size_t i = 0; i < n; i++)
					v[i] = (i % 3 == 0) ? mask : rnd32() & mask; /* max width values included */
				roundtrip_pack(v, n, w);
				free(v);
			}
		}
	}
	codec_use_simd(1);
}

static void roundtrip_intgroup(const uint32_t *v, size_t n)
{
	struct buf b = BUF_INIT;
	uint32_t *out = malloc((n + 1) * sizeof(*out));
	uint8_t *c;

	intgroup_put(&b, v, n);
	c = padded(b.ptr, b.len);
	assert_int_equal(intgroup_get(c, b.len, n, out), b.len);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(out[i], v[i]);
	/* every truncation fails; nothing is read beyond the padding (ASan) */
	for (size_t k = 0; k < b.len; k++) {
		uint8_t *t = padded(b.ptr, k);
		assert_int_equal(intgroup_get(t, k, n, out), 0);
		free(t);
	}
	free(c);
	free(out);
	buf_release(&b);
}

static void test_intgroup_boundaries(void **state)
{
	static const size_t counts[] = { 1, 2, 127, 128, 129, 255, 256, 257, 1000 };
	(void)state;
	for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
		size_t n = counts[c];
		uint32_t *v = malloc(n * sizeof(*v));
		for (int kind = 0; kind < 4; kind++) {
			for (size_t i = 0; i < n; i++)
				v[i] = kind == 0 ? 0 : kind == 1 ? 1 : kind == 2 ? UINT32_MAX : rnd32() >> (rnd32() % 32);
			roundtrip_intgroup(v, n);
		}
		free(v);
	}
}

static void test_block_garbage(void **state)
{
	uint32_t out[CODEC_BLOCK];
	(void)state;
	/* width byte out of range */
	{
		uint8_t in[1 + CODEC_SLACK] = { 33 };
		assert_int_equal(block_get(in, 1, CODEC_BLOCK, out), 0);
	}
	/* random bytes: either a clean failure or a consumption within bounds */
	for (int trial = 0; trial < 5000; trial++) {
		size_t n = rnd32() % 600;
		uint8_t *in = malloc(n + CODEC_SLACK);
		size_t used;
		uint32_t *vals = malloc(700 * sizeof(*vals));
		for (size_t i = 0; i < n + CODEC_SLACK; i++)
			in[i] = (uint8_t)rnd32();
		if (n)
			in[0] = (uint8_t)(rnd32() % 40);
		used = block_get(in, n, CODEC_BLOCK, out);
		assert_true(used <= n);
		used = intgroup_get(in, n, 1 + rnd32() % 600, vals);
		assert_true(used <= n);
		free(vals);
		free(in);
	}
}

/* block_get_sums: the same bytes as block_get, as running sums (start + 1 + gap each),
 * for every width, from a start of -1 (wrapping back), a small one and a large one,
 * scalar and with AVX2 where the CPU has it. */
static void test_block_sums(void **state)
{
	static const uint64_t starts[] = { UINT64_MAX, 1000, (1u << 31) - 1, 3000000000u };
	uint32_t v[CODEC_BLOCK], out[CODEC_BLOCK];
	(void)state;
	for (int simd = 0; simd < 2; simd++) {
		codec_use_simd(simd);
		for (unsigned w = 0; w <= 32; w++) {
			for (size_t si = 0; si < sizeof(starts) / sizeof(starts[0]); si++) {
				struct buf b = BUF_INIT;
				uint32_t mask = w == 32 ? UINT32_MAX : (w ? (1u << w) - 1 : 0);
				uint64_t start = starts[si], acc = start, want = start;
				uint8_t *c;
				for (size_t i = 0; i < CODEC_BLOCK; i++)
					v[i] = (i % 3 == 0) ? mask : rnd32() & mask;
				block_put(&b, v, CODEC_BLOCK);
				c = padded(b.ptr, b.len);
				assert_int_equal(block_get_sums(c, b.len, CODEC_BLOCK, &acc, out), b.len);
				for (size_t i = 0; i < CODEC_BLOCK; i++) {
					want += 1 + (uint64_t)v[i];
					assert_int_equal(out[i], (uint32_t)want);
				}
				assert_true(acc == want);
				/* truncated: a clean failure */
				assert_int_equal(block_get_sums(c, b.len - 1, CODEC_BLOCK, &acc, out), 0);
				free(c);
				buf_release(&b);
			}
		}
	}
	codec_use_simd(1);
}

/* block_any_zero: a posting with no occurrence anywhere is found wherever it lies (each
 * lane of each group of eight), whichever field arrays are zero elsewhere, scalar and
 * with AVX2 where the CPU has it. */
static void test_block_any_zero(void **state)
{
	uint32_t f[3][CODEC_BLOCK];
	(void)state;
	for (int simd = 0; simd < 2; simd++) {
		codec_use_simd(simd);
		for (int shape = 0; shape < 3; shape++) {
			/* shape 0: every posting in the body; 1: in one field each, in turn; 2:
			 * random frequencies, at least one field each */
			for (size_t i = 0; i < CODEC_BLOCK; i++) {
				for (int k = 0; k < 3; k++)
					f[k][i] = 0;
				if (shape == 0)
					f[2][i] = 1 + rnd32() % 5;
				else if (shape == 1)
					f[i % 3][i] = 1;
				else
					f[rnd32() % 3][i] = 1 + rnd32() % 65535, f[rnd32() % 3][i] |= rnd32() % 2;
			}
			assert_false(block_any_zero(f[0], f[1], f[2]));
			for (size_t i = 0; i < CODEC_BLOCK; i++) {
				uint32_t keep[3] = { f[0][i], f[1][i], f[2][i] };
				f[0][i] = f[1][i] = f[2][i] = 0;
				assert_true(block_any_zero(f[0], f[1], f[2]));
				f[0][i] = keep[0], f[1][i] = keep[1], f[2][i] = keep[2];
			}
			assert_false(block_any_zero(f[0], f[1], f[2]));
		}
	}
	codec_use_simd(1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_varint),
		cmocka_unit_test(test_pack_widths),
		cmocka_unit_test(test_intgroup_boundaries),
		cmocka_unit_test(test_block_garbage),
		cmocka_unit_test(test_block_sums),
		cmocka_unit_test(test_block_any_zero),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
