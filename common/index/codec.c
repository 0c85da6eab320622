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
	size_t n = varint_get_slow(in, len, &r);

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

/*
 * One unaligned 8-byte load per value: a value of w <= 32 bits starting at any bit
 * offset lies within 5 bytes, so the load may read up to 8 bytes past the packed data
 * (CODEC_SLACK). Specialised per width by the compiler through the inline helper.
 */
static inline void unpack_w(const uint8_t *in, size_t n, unsigned w, uint32_t *out)
{
	uint64_t mask = (w == 32) ? 0xffffffffu : ((1u << w) - 1);
	size_t i, bit = 0;
	uint64_t x;

	for (i = 0; i < n; i++, bit += w) {
		memcpy(&x, in + (bit >> 3), 8);
		out[i] = (uint32_t)((x >> (bit & 7)) & mask);
	}
}

void pack_get(const uint8_t *in, size_t n, unsigned w, uint32_t *out)
{
	switch (w) {
	case 0:
		memset(out, 0, n * sizeof(*out));
		break;
#define W(k) case k: unpack_w(in, n, k, out); break;
	W(1) W(2) W(3) W(4) W(5) W(6) W(7) W(8) W(9) W(10) W(11) W(12) W(13) W(14) W(15) W(16)
	W(17) W(18) W(19) W(20) W(21) W(22) W(23) W(24) W(25) W(26) W(27) W(28) W(29) W(30)
	W(31) W(32)
#undef W
	default:
		break;
	}
}

void pack_get_at(const uint8_t *in, size_t from, size_t n, unsigned w, uint32_t *out)
{
	uint64_t mask = (w == 32) ? 0xffffffffu : ((1u << w) - 1), x;
	size_t i, bit = from * w;

	if (!w || w > 32) {
		memset(out, 0, n * sizeof(*out));
		return;
	}
	for (i = 0; i < n; i++, bit += w) {
		memcpy(&x, in + (bit >> 3), 8);
		out[i] = (uint32_t)((x >> (bit & 7)) & mask);
	}
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

size_t block_get(const uint8_t *in, size_t len, size_t n, uint32_t *out)
{
	unsigned w;
	size_t nb;

	if (len < 1 || in[0] > 32)
		return 0;
	w = in[0];
	nb = packed_bytes(n, w);
	if (nb > len - 1)
		return 0;
	pack_get(in + 1, n, w, out);
	return 1 + nb;
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
