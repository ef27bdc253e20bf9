/* CRC-32C (Castagnoli), SPEC section 2. */
#include "neurolink_protocol.h"

#if defined(NL_CRC32C_HW) && defined(__SSE4_2__) && defined(__x86_64__)
#include <nmmintrin.h>
#include <string.h>
#define NL_USE_SSE42 1
#endif

#if !defined(NL_USE_SSE42)
/* Slicing-by-8: eight bytes per step with 8 KiB of tables. Define NL_CRC32C_SMALL to keep only
   the 1 KiB byte table and go a byte at a time, for firmware short of flash. */
static const uint32_t nl_crc_table[256] = {
#include "nl_crc32c_table.inc"
};
#ifndef NL_CRC32C_SMALL
static const uint32_t nl_crc_slice[7][256] = {
#include "nl_crc32c_slice.inc"
};
#endif
#endif

#ifdef NL_USE_SSE42
/*
 * crc32 has a latency of 3 cycles and a throughput of one per cycle, so three chains over
 * three adjacent blocks run in parallel; they are joined by moving the earlier results over
 * the later blocks, a fixed linear map of the register applied with four table lookups.
 */
#define NL_LONG 8192u
#define NL_SHORT 256u
static uint32_t nl_shift_long[4][256];
static uint32_t nl_shift_short[4][256];
static int nl_shift_ready;

static uint32_t zeros_sw(uint32_t c, size_t n)
{
    while (n--) {
        int k;
        for (k = 0; k < 8; k++) {
            c = (c >> 1) ^ ((c & 1u) ? 0x82F63B78u : 0u);
        }
    }
    return c;
}

static void build_shift(uint32_t table[4][256], size_t zeros)
{
    uint32_t basis[32];
    int bit, k, b;
    for (bit = 0; bit < 32; bit++) {
        basis[bit] = zeros_sw(1u << bit, zeros);
    }
    for (k = 0; k < 4; k++) {
        for (b = 0; b < 256; b++) {
            uint32_t v = 0;
            for (bit = 0; bit < 8; bit++) {
                if (b & (1 << bit)) v ^= basis[8 * k + bit];
            }
            table[k][b] = v;
        }
    }
}

static uint32_t shift(uint32_t table[4][256], uint32_t c)
{
    return table[0][c & 0xFFu] ^ table[1][(c >> 8) & 0xFFu] ^ table[2][(c >> 16) & 0xFFu] ^ table[3][c >> 24];
}

static uint64_t interleave(const uint8_t **pp, size_t *len, uint64_t c, size_t block, uint32_t table[4][256])
{
    const uint8_t *p = *pp;
    while (*len >= 3 * block) {
        uint64_t c1 = 0, c2 = 0, w0, w1, w2;
        size_t k;
        for (k = 0; k < block; k += 8) {
            memcpy(&w0, p + k, 8);
            memcpy(&w1, p + block + k, 8);
            memcpy(&w2, p + 2 * block + k, 8);
            c = _mm_crc32_u64(c, w0);
            c1 = _mm_crc32_u64(c1, w1);
            c2 = _mm_crc32_u64(c2, w2);
        }
        c = shift(table, (uint32_t)c) ^ c1;
        c = shift(table, (uint32_t)c) ^ c2;
        p += 3 * block;
        *len -= 3 * block;
    }
    *pp = p;
    return c;
}
#endif

uint32_t nl_crc32c_update(uint32_t state, const void *data, size_t len)
{
    const uint8_t *p = (const uint8_t *)data;
#ifdef NL_USE_SSE42
    uint64_t c = state;
    if (!nl_shift_ready) {
        build_shift(nl_shift_long, NL_LONG);
        build_shift(nl_shift_short, NL_SHORT);
        nl_shift_ready = 1;
    }
    c = interleave(&p, &len, c, NL_LONG, nl_shift_long);
    c = interleave(&p, &len, c, NL_SHORT, nl_shift_short);
    while (len >= 8) {
        uint64_t word;
        memcpy(&word, p, 8);
        c = _mm_crc32_u64(c, word);
        p += 8;
        len -= 8;
    }
    state = (uint32_t)c;
    while (len--) {
        state = _mm_crc32_u8(state, *p++);
    }
#else
#ifndef NL_CRC32C_SMALL
    while (len >= 8) {
        /* Bytes are assembled one by one, so this is the same on big- and little-endian cores. */
        uint32_t lo = state ^ ((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24));
        uint32_t hi = (uint32_t)p[4] | ((uint32_t)p[5] << 8) | ((uint32_t)p[6] << 16) | ((uint32_t)p[7] << 24);
        state = nl_crc_slice[6][lo & 0xFFu] ^ nl_crc_slice[5][(lo >> 8) & 0xFFu] ^
                nl_crc_slice[4][(lo >> 16) & 0xFFu] ^ nl_crc_slice[3][lo >> 24] ^
                nl_crc_slice[2][hi & 0xFFu] ^ nl_crc_slice[1][(hi >> 8) & 0xFFu] ^
                nl_crc_slice[0][(hi >> 16) & 0xFFu] ^ nl_crc_table[hi >> 24];
        p += 8;
        len -= 8;
    }
#endif
    while (len--) {
        state = nl_crc_table[(state ^ *p++) & 0xFFu] ^ (state >> 8);
    }
#endif
    return state;
}

uint32_t nl_crc32c(const void *data, size_t len)
{
    return ~nl_crc32c_update(0xFFFFFFFFu, data, len);
}
