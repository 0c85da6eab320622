#ifndef AS_CODEC_H
#define AS_CODEC_H
/*
 * The integer codecs of the index format (FORMAT.md "Conventions"). Each is an
 * encode/decode pair with a byte-count contract, after Zettair's vec_vbyte_read: an
 * encoder appends to a struct buf (sticky ENOMEM in buf.err); a decoder reads from
 * in[0..len) and returns the number of bytes consumed, or 0 when the bytes are not a
 * valid encoding (truncated, too long, a width out of range). Decoders never read past
 * in[len] except the bit unpacker, which may load up to CODEC_SLACK bytes after the end
 * of its packed data: callers guarantee that many readable bytes (the file tails do, and
 * buffers in tests are padded).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct buf;

#define CODEC_BLOCK 128 /* integers per packed block */
#define CODEC_SLACK 16  /* readable bytes a packed decode may need after its data */

/* Little-endian fixed-width loads and stores, independent of host order and alignment. */
static inline uint16_t le16(const void *p)
{
	const uint8_t *b = p;
	return (uint16_t)(b[0] | b[1] << 8);
}
static inline uint32_t le32(const void *p)
{
	const uint8_t *b = p;
	return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}
static inline uint64_t le64(const void *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32((const uint8_t *)p + 4) << 32;
}
void buf_put16(struct buf *b, uint16_t v);
void buf_put32(struct buf *b, uint32_t v);
void buf_put64(struct buf *b, uint64_t v);
static inline void st32(void *p, uint32_t v)
{
	uint8_t *b = p;
	b[0] = (uint8_t)v, b[1] = (uint8_t)(v >> 8), b[2] = (uint8_t)(v >> 16), b[3] = (uint8_t)(v >> 24);
}

/* LEB128 varint. */
void varint_put(struct buf *b, uint64_t v);
/* Writes v at p (at least 10 bytes of room); returns the bytes written. */
size_t varint_write(uint8_t *p, uint64_t v);
/* Decodes one varint of at most `max_bytes` (5: must fit 32 bits, 10: 64 bits). */
size_t varint_get_slow(const uint8_t *in, size_t len, uint64_t *v);
size_t varint_get32_slow(const uint8_t *in, size_t len, uint32_t *v);

/* One and two bytes inline: most varints of dictionaries and short lists take one, and a
 * tail block's sparse gaps and a dictionary entry's list length mostly two, which a call
 * per value made the dearest part of a seek. */
static inline size_t varint_get(const uint8_t *in, size_t len, uint64_t *v)
{
	if (len && in[0] < 0x80) {
		*v = in[0];
		return 1;
	}
	if (len >= 2 && in[1] < 0x80) {
		*v = (uint64_t)(in[0] & 0x7f) | (uint64_t)in[1] << 7;
		return 2;
	}
	return varint_get_slow(in, len, v);
}

static inline size_t varint_get32(const uint8_t *in, size_t len, uint32_t *v)
{
	if (len && in[0] < 0x80) {
		*v = in[0];
		return 1;
	}
	if (len >= 2 && in[1] < 0x80) {
		*v = (uint32_t)(in[0] & 0x7f) | (uint32_t)in[1] << 7;
		return 2;
	}
	return varint_get32_slow(in, len, v);
}

/* Bits needed for v (0 for 0). */
static inline unsigned bits_needed(uint32_t v)
{
	return v ? 32u - (unsigned)__builtin_clz(v) : 0;
}
/* Bytes of packed(n, w). */
static inline size_t packed_bytes(size_t n, unsigned w)
{
	return (n * w + 7) / 8;
}
/* packed(n, w): appends ceil(n*w/8) bytes; every v[i] must fit w bits. */
void pack_put(struct buf *b, const uint32_t *v, size_t n, unsigned w);
/* Unpacks n values of w bits from in (packed_bytes(n, w) bytes + CODEC_SLACK readable). */
void pack_get(const uint8_t *in, size_t n, unsigned w, uint32_t *out);

/* Random access into packed data: the values from .. from+n-1 of a packed(m, w) with
 * from + n <= m, unpacked to out[0..n). Same readable-bytes contract as pack_get (each
 * value is one unaligned load at bit from*w + i*w, as in unpack_w). */
void pack_get_at(const uint8_t *in, size_t from, size_t n, unsigned w, uint32_t *out);

/* A width byte then packed(n, w) with the smallest w: the full-block codec. */
void block_put(struct buf *b, const uint32_t *v, size_t n);
size_t block_get(const uint8_t *in, size_t len, size_t n, uint32_t *out);
/* block_get of gaps between strictly increasing values: out[i] is the running sum
 * *acc += 1 + gap[i] (in 64 bits, so it cannot wrap), truncated to 32 bits; *acc ends as
 * the last value, and is left alone on failure. Same readable-bytes contract as
 * block_get (CODEC_SLACK after the packed data). */
size_t block_get_sums(const uint8_t *in, size_t len, size_t n, uint64_t *acc, uint32_t *out);

/* Whether some i < CODEC_BLOCK has a[i] | b[i] | c[i] == 0 (a posting of a full block
 * with no occurrence in any field). */
int block_any_zero(const uint32_t *a, const uint32_t *b, const uint32_t *c);

/* The unpackers use AVX2 where the CPU has it (codec.c); 0 keeps them scalar, 1 goes
 * back (tests compare both; the choice is process-wide, not for concurrent use). */
void codec_use_simd(int on);

/* intgroup(n): floor(n/128) blocks, then n mod 128 varints. */
void intgroup_put(struct buf *b, const uint32_t *v, size_t n);
size_t intgroup_get(const uint8_t *in, size_t len, size_t n, uint32_t *out);

#endif
