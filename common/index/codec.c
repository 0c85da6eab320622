#include "common/index/codec.h"

#include "common/util/buf.h"

void buf_put16(struct buf *b, uint16_t v)
{
	uint8_t t[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
	buf_add(b, t, 2);
}

void buf_put32(struct buf *b, uint32_t v)
{
	uint8_t t[4];
	st32(t, v);
	buf_add(b, t, 4);
}

void buf_put64(struct buf *b, uint64_t v)
{
	buf_put32(b, (uint32_t)v);
	buf_put32(b, (uint32_t)(v >> 32));
}

size_t varint_write(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

void varint_put(struct buf *b, uint64_t v)
{
	uint8_t t[10];
	buf_add(b, t, varint_write(t, v));
}

size_t varint_get_slow(const uint8_t *in, size_t len, uint64_t *v)
{
	uint64_t r = 0;
	size_t i;

	for (i = 0; i < len && i < 10; i++) {
		r |= (uint64_t)(in[i] & 0x7f) << (7 * i);
		if (!(in[i] & 0x80)) {
			if (i == 9 && in[i] > 1)
				return 0; /* more than 64 bits */
			*v = r;
			return i + 1;
		}
	}
	return 0;
}

size_t varint_get32_slow(const uint8_t *in, size_t len, uint32_t *v)
{
	uint64_t r;
	size_t n;

	/* Positions' deltas are often two or three bytes: up to four unrolled, the rest (and
	 * every odd case: near the end, more than 28 bits, over-long) by the loop. */
	if (len >= 4) {
		uint32_t x = in[0] & 0x7fu;
		if (in[0] < 0x80) {
			*v = x;
			return 1;
		}
		x |= (uint32_t)(in[1] & 0x7f) << 7;
		if (in[1] < 0x80) {
			*v = x;
			return 2;
		}
		x |= (uint32_t)(in[2] & 0x7f) << 14;
		if (in[2] < 0x80) {
			*v = x;
			return 3;
		}
		x |= (uint32_t)(in[3] & 0x7f) << 21;
		if (in[3] < 0x80) {
			*v = x;
			return 4;
		}
	}
	n = varint_get_slow(in, len, &r);

	if (!n || r > UINT32_MAX)
		return 0;
	*v = (uint32_t)r;
	return n;
}

void pack_put(struct buf *b, const uint32_t *v, size_t n, unsigned w)
{
	size_t nb = packed_bytes(n, w), i;
	uint64_t acc = 0;
	unsigned bits = 0;
	uint8_t *p;

	if (!w || buf_grow(b, nb))
		return;
	p = (uint8_t *)b->ptr + b->len;
	for (i = 0; i < n; i++) {
		acc |= (uint64_t)v[i] << bits;
		bits += w;
		while (bits >= 8) {
			*p++ = (uint8_t)acc;
			acc >>= 8;
			bits -= 8;
		}
	}
	if (bits)
		*p++ = (uint8_t)acc;
	b->len += nb;
	b->ptr[b->len] = '\0';
}

/* The w bits at bit offset `bit` of in: one unaligned 8-byte load, since a value of
 * w <= 32 bits starting at any bit offset lies within 5 bytes; the load may read up to 8
 * bytes past the packed data (CODEC_SLACK). */
static inline uint32_t bits_at(const uint8_t *in, size_t bit, uint64_t mask)
{
	uint64_t x;

	memcpy(&x, in + (bit >> 3), 8);
	return (uint32_t)((x >> (bit & 7)) & mask);
}

/*
 * Eight values of w bits take exactly w bytes, so values go eight at a time: with w a
 * compile-time constant (the inline helper is specialised per width by the switches
 * below) each value's byte and bit offset inside its group are constants, and a value
 * costs a load, a shift, a mask and a store, with no loop-carried bit offset (the
 * per-width unrolled unpackers of Lemire & Boytsov, "Decoding billions of integers per
 * second through vectorization", SPE 2015, in scalar form). With `acc`, values are gaps
 * and come out as running sums (*acc += 1 + gap), in the same pass.
 */
static inline __attribute__((always_inline)) uint32_t put_value(uint32_t v, int sums, uint64_t *sum)
{
	if (!sums)
		return v;
	*sum += 1 + (uint64_t)v;
	return (uint32_t)*sum;
}

/* The running sum is a local, so that the stores to out cannot be taken for stores to it. */
static inline __attribute__((always_inline)) void unpack_w(const uint8_t *in, size_t n, unsigned w,
							     uint32_t *out, int sums, uint64_t *acc)
{
	const uint64_t mask = (w == 32) ? 0xffffffffu : ((1u << w) - 1);
	uint64_t sum = sums ? *acc : 0;
	size_t i = 0;

	for (; i + 8 <= n; i += 8, in += w, out += 8) {
		out[0] = put_value(bits_at(in, 0, mask), sums, &sum);
		out[1] = put_value(bits_at(in, 1 * w, mask), sums, &sum);
		out[2] = put_value(bits_at(in, 2 * w, mask), sums, &sum);
		out[3] = put_value(bits_at(in, 3 * w, mask), sums, &sum);
		out[4] = put_value(bits_at(in, 4 * w, mask), sums, &sum);
		out[5] = put_value(bits_at(in, 5 * w, mask), sums, &sum);
		out[6] = put_value(bits_at(in, 6 * w, mask), sums, &sum);
		out[7] = put_value(bits_at(in, 7 * w, mask), sums, &sum);
	}
	for (size_t k = 0; i < n; i++, k++)
		out[k] = put_value(bits_at(in, k * w, mask), sums, &sum);
	if (sums)
		*acc = sum;
}

/*
 * Width 1, the commonest width of frequency blocks after 0 (a term once in each
 * document of the block that has it in that field): each byte's eight bits go to eight
 * lanes by a mask and a compare, in 4-lane generic vectors (SSE2 on x86-64, lowered by
 * GCC and Clang elsewhere), about a third of the scalar cost.
 */
typedef uint32_t u32x4 __attribute__((vector_size(16)));

static void unpack_1(const uint8_t *in, size_t n, uint32_t *out)
{
	const u32x4 lo = { 1, 2, 4, 8 }, hi = { 16, 32, 64, 128 }, one = { 1, 1, 1, 1 };
	size_t i = 0;

	for (; i + 8 <= n; i += 8, in++) {
		u32x4 b = { in[0], in[0], in[0], in[0] }, a, c;
		a = (u32x4)((b & lo) == lo) & one;
		c = (u32x4)((b & hi) == hi) & one;
		memcpy(out + i, &a, sizeof(a));
		memcpy(out + i + 4, &c, sizeof(c));
	}
	unpack_w(in, n - i, 1, out + i, 0, NULL);
}

/*
 * Four values at a time where the CPU has AVX2 (checked at run time: the build targets
 * plain x86-64): one unaligned 16-byte load, a byte shuffle that gives each lane the four
 * bytes its value starts in, a shift by each lane's own bit offset, a mask. Eight values
 * of w bits are w bytes, so the shuffles and shifts of the two groups of four repeat
 * every w bytes. A value and its bit offset (at most 7) must fit the lane's 32 bits: w up
 * to 25, which covers document gaps, frequencies and position gaps in practice; wider
 * blocks stay scalar. With `acc`, the running sums of 1 + gap: a prefix sum across the
 * four lanes, then the group's last sum carried, in 32 bits, so only when no sum can
 * pass 2^32 (w <= 24 and a start below 2^31: 128 gaps then stay below 2^31 in total).
 * The load may read 16 bytes past a group's start: CODEC_SLACK. Same values as the
 * scalar unpackers, which test_codec checks width by width with codec_use_simd().
 */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define UNPACK_SIMD_MAX_W 25

/* Per width: each group's byte shuffle and lane shifts, and the second group's byte
 * offset; filled once, with whether the CPU has AVX2, before main(). */
static struct unpack_plan {
	uint8_t shuf[2][16];
	uint32_t shift[2][4];
	uint32_t base1;
} unpack_plans[UNPACK_SIMD_MAX_W + 1];
static int have_avx2;

__attribute__((constructor)) static void unpack_plans_init(void)
{
	for (unsigned w = 2; w <= UNPACK_SIMD_MAX_W; w++) {
		struct unpack_plan *u = &unpack_plans[w];
		u->base1 = (4 * w) >> 3;
		for (unsigned g = 0; g < 2; g++)
			for (unsigned j = 0; j < 4; j++) {
				unsigned bit = (4 * g + j) * w - 8 * (g ? u->base1 : 0);
				for (unsigned k = 0; k < 4; k++)
					u->shuf[g][4 * j + k] = (uint8_t)((bit >> 3) + k);
				u->shift[g][j] = bit & 7;
			}
	}
	__builtin_cpu_init();
	have_avx2 = __builtin_cpu_supports("avx2");
}

__attribute__((target("avx2"))) static void unpack_avx2(const uint8_t *in, size_t n, unsigned w, uint32_t *out,
							uint64_t *acc)
{
	const struct unpack_plan *u = &unpack_plans[w];
	const __m128i s0 = _mm_loadu_si128((const __m128i *)u->shuf[0]), s1 = _mm_loadu_si128((const __m128i *)u->shuf[1]);
	const __m128i h0 = _mm_loadu_si128((const __m128i *)u->shift[0]), h1 = _mm_loadu_si128((const __m128i *)u->shift[1]);
	const __m128i mask = _mm_set1_epi32((int)((1u << w) - 1)), one = _mm_set1_epi32(1);
	const size_t base1 = u->base1;

	if (!acc) {
		for (size_t i = 0; i + 8 <= n; i += 8, in += w, out += 8) {
			__m128i a = _mm_loadu_si128((const __m128i *)in), b = _mm_loadu_si128((const __m128i *)(in + base1));
			_mm_storeu_si128((__m128i *)out, _mm_and_si128(_mm_srlv_epi32(_mm_shuffle_epi8(a, s0), h0), mask));
			_mm_storeu_si128((__m128i *)(out + 4), _mm_and_si128(_mm_srlv_epi32(_mm_shuffle_epi8(b, s1), h1), mask));
		}
		return;
	}
	__m128i run = _mm_set1_epi32((int)(uint32_t)*acc);
	for (size_t i = 0; i + 8 <= n; i += 8, in += w, out += 8) {
		__m128i a = _mm_loadu_si128((const __m128i *)in), b = _mm_loadu_si128((const __m128i *)(in + base1));
		a = _mm_add_epi32(_mm_and_si128(_mm_srlv_epi32(_mm_shuffle_epi8(a, s0), h0), mask), one);
		b = _mm_add_epi32(_mm_and_si128(_mm_srlv_epi32(_mm_shuffle_epi8(b, s1), h1), mask), one);
		a = _mm_add_epi32(a, _mm_slli_si128(a, 4));
		b = _mm_add_epi32(b, _mm_slli_si128(b, 4));
		a = _mm_add_epi32(a, _mm_slli_si128(a, 8));
		b = _mm_add_epi32(b, _mm_slli_si128(b, 8));
		a = _mm_add_epi32(a, run);
		b = _mm_add_epi32(b, _mm_shuffle_epi32(a, 0xff));
		run = _mm_shuffle_epi32(b, 0xff);
		_mm_storeu_si128((__m128i *)out, a);
		_mm_storeu_si128((__m128i *)(out + 4), b);
	}
	*acc = (uint32_t)_mm_cvtsi128_si32(run);
}

/* Eight lanes at a time: the plain build's generic vectors take four. */
__attribute__((target("avx2"))) static int any_zero_avx2(const uint32_t *a, const uint32_t *b, const uint32_t *c)
{
	__m256i z = _mm256_setzero_si256(), acc = z;

	for (size_t i = 0; i < CODEC_BLOCK; i += 8) {
		__m256i v = _mm256_or_si256(_mm256_loadu_si256((const __m256i *)(a + i)),
					    _mm256_loadu_si256((const __m256i *)(b + i)));
		v = _mm256_or_si256(v, _mm256_loadu_si256((const __m256i *)(c + i)));
		acc = _mm256_or_si256(acc, _mm256_cmpeq_epi32(v, z));
	}
	return !_mm256_testz_si256(acc, acc);
}

/* Whether unpack_avx2() takes n values of w bits (and sums from *acc: a list's first
 * block starts from -1, UINT64_MAX, which the 32-bit lanes wrap back as the scalar sum
 * does). */
static inline int unpack_simd_ok(size_t n, unsigned w, const uint64_t *acc)
{
	return have_avx2 && n >= 8 && w >= 2 && w <= (acc ? 24u : (unsigned)UNPACK_SIMD_MAX_W) &&
	       (!acc || *acc < (1ull << 31) || *acc == UINT64_MAX);
}

void codec_use_simd(int on)
{
	__builtin_cpu_init();
	have_avx2 = on && __builtin_cpu_supports("avx2");
}
#else
static inline int unpack_simd_ok(size_t n, unsigned w, const uint64_t *acc)
{
	(void)n, (void)w, (void)acc;
	return 0;
}

void codec_use_simd(int on)
{
	(void)on;
}
static void unpack_avx2(const uint8_t *in, size_t n, unsigned w, uint32_t *out, uint64_t *acc)
{
	(void)in, (void)n, (void)w, (void)out, (void)acc;
}
#define have_avx2 0
static int any_zero_avx2(const uint32_t *a, const uint32_t *b, const uint32_t *c)
{
	(void)a, (void)b, (void)c;
	return 0;
}
#endif

/* No branch inside the loop: it vectorises. */
int block_any_zero(const uint32_t *a, const uint32_t *b, const uint32_t *c)
{
	uint32_t zero = 0;

	if (have_avx2)
		return any_zero_avx2(a, b, c);
	for (size_t i = 0; i < CODEC_BLOCK; i++)
		zero |= (a[i] | b[i] | c[i]) == 0;
	return zero != 0;
}

/* n values by unpack_avx2() where it applies (whole groups of eight), the rest scalar. */
static int unpack_simd(const uint8_t *in, size_t n, unsigned w, uint32_t *out, uint64_t *acc)
{
	size_t m = n & ~(size_t)7;

	if (!unpack_simd_ok(n, w, acc))
		return 0;
	unpack_avx2(in, m, w, out, acc);
	if (m < n)
		unpack_w(in + m / 8 * w, n - m, w, out + m, acc != NULL, acc);
	return 1;
}

#define UNPACK_WIDTHS_2_32(sums)                                                             \
	W(2, sums) W(3, sums) W(4, sums) W(5, sums) W(6, sums) W(7, sums) W(8, sums)          \
	W(9, sums) W(10, sums) W(11, sums) W(12, sums) W(13, sums) W(14, sums) W(15, sums)    \
	W(16, sums) W(17, sums) W(18, sums) W(19, sums) W(20, sums) W(21, sums) W(22, sums)   \
	W(23, sums) W(24, sums) W(25, sums) W(26, sums) W(27, sums) W(28, sums) W(29, sums)   \
	W(30, sums) W(31, sums) W(32, sums)
#define W(k, sums) case k: unpack_w(in, n, k, out, sums, acc); break;

void pack_get(const uint8_t *in, size_t n, unsigned w, uint32_t *out)
{
	uint64_t *acc = NULL;

	if (unpack_simd(in, n, w, out, NULL))
		return;
	switch (w) {
	case 0:
		memset(out, 0, n * sizeof(*out));
		break;
	case 1:
		unpack_1(in, n, out);
		break;
	UNPACK_WIDTHS_2_32(0)
	default:
		break;
	}
}

static void pack_get_sums(const uint8_t *in, size_t n, unsigned w, uint32_t *out, uint64_t *acc)
{
	if (unpack_simd(in, n, w, out, acc))
		return;
	switch (w) {
	case 0:
		unpack_w(in, n, 0, out, 1, acc);
		break;
	W(1, 1)
	UNPACK_WIDTHS_2_32(1)
	default:
		break;
	}
}
#undef W
#undef UNPACK_WIDTHS_2_32

void pack_get_at(const uint8_t *in, size_t from, size_t n, unsigned w, uint32_t *out)
{
	uint64_t mask = (w == 32) ? 0xffffffffu : ((1u << w) - 1);
	size_t i, bit = from * w;

	if (!w || w > 32) {
		memset(out, 0, n * sizeof(*out));
		return;
	}
	for (i = 0; i < n; i++, bit += w)
		out[i] = bits_at(in, bit, mask);
}

void block_put(struct buf *b, const uint32_t *v, size_t n)
{
	uint32_t or = 0;
	size_t i;
	unsigned w;

	for (i = 0; i < n; i++)
		or |= v[i];
	w = bits_needed(or);
	buf_addch(b, (int)w);
	pack_put(b, v, n, w);
}

/* A block's width byte and packed bytes, checked against the len readable: its length,
 * or 0 when they do not fit. */
static size_t block_head(const uint8_t *in, size_t len, size_t n, unsigned *w)
{
	size_t nb;

	if (len < 1 || in[0] > 32)
		return 0;
	*w = in[0];
	nb = packed_bytes(n, *w);
	return nb > len - 1 ? 0 : 1 + nb;
}

size_t block_get(const uint8_t *in, size_t len, size_t n, uint32_t *out)
{
	unsigned w;
	size_t used = block_head(in, len, n, &w);

	if (used)
		pack_get(in + 1, n, w, out);
	return used;
}

size_t block_get_sums(const uint8_t *in, size_t len, size_t n, uint64_t *acc, uint32_t *out)
{
	unsigned w;
	size_t used = block_head(in, len, n, &w);

	if (used)
		pack_get_sums(in + 1, n, w, out, acc);
	return used;
}

void intgroup_put(struct buf *b, const uint32_t *v, size_t n)
{
	size_t i = 0;

	for (; i + CODEC_BLOCK <= n; i += CODEC_BLOCK)
		block_put(b, v + i, CODEC_BLOCK);
	for (; i < n; i++)
		varint_put(b, v[i]);
}

size_t intgroup_get(const uint8_t *in, size_t len, size_t n, uint32_t *out)
{
	size_t i = 0, used = 0, k;

	for (; i + CODEC_BLOCK <= n; i += CODEC_BLOCK) {
		k = block_get(in + used, len - used, CODEC_BLOCK, out + i);
		if (!k)
			return 0;
		used += k;
	}
	for (; i < n; i++) {
		k = varint_get32(in + used, len - used, &out[i]);
		if (!k)
			return 0;
		used += k;
	}
	return used;
}
