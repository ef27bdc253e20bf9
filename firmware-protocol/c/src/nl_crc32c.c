/* CRC-32C (Castagnoli), SPEC section 2. */
#include "neurolink_protocol.h"

#if defined(NL_CRC32C_HW) && defined(__SSE4_2__) && defined(__x86_64__)
#include <nmmintrin.h>
#include <string.h>
#define NL_USE_SSE42 1
#endif

#ifndef NL_USE_SSE42
static const uint32_t nl_crc_table[256] = {
#include "nl_crc32c_table.inc"
};
#endif

uint32_t nl_crc32c_update(uint32_t state, const void *data, size_t len)
{
    const uint8_t *p = (const uint8_t *)data;
#ifdef NL_USE_SSE42
    uint64_t c = state;
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
