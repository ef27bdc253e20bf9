/* The CRC of whichever codec build this is linked with, against a bit-by-bit reference. */
#include <stdio.h>
#include <stdlib.h>

#include "neurolink_protocol.h"

static uint32_t reference(const uint8_t *p, size_t n)
{
    uint32_t c = 0xFFFFFFFFu;
    while (n--) {
        int k;
        c ^= *p++;
        for (k = 0; k < 8; k++) c = (c >> 1) ^ ((c & 1u) ? 0x82F63B78u : 0u);
    }
    return ~c;
}

int main(void)
{
    static uint8_t data[100003];
    size_t lengths[] = {0, 1, 7, 8, 9, 255, 767, 768, 769, 24575, 24576, 24577, 65584, 100000};
    size_t i, j;
    int failures = 0;
    srand(7);
    for (i = 0; i < sizeof data; i++) data[i] = (uint8_t)rand();
    for (i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        for (j = 0; j < 3; j++) {
            if (nl_crc32c(data + j, lengths[i]) != reference(data + j, lengths[i])) {
                fprintf(stderr, "FAIL: CRC of %zu bytes at offset %zu\n", lengths[i], j);
                failures++;
            }
        }
    }
    if (failures == 0) printf("ok crc32c against the bitwise reference\n");
    return failures == 0 ? 0 : 1;
}
