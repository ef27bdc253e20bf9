/* Unit checks of the C codec that the vectors do not cover. */
#include <stdio.h>
#include <string.h>

#include "neurolink_protocol.h"

static int failures;
#define CHECK(cond, msg) do { if (!(cond)) { fprintf(stderr, "FAIL: %s\n", msg); failures++; } } while (0)

int main(void)
{
    static uint8_t frame[NL_MAX_FRAME_BYTES];
    static uint64_t storage[4096 / 8];
    nl_header h = {NL_VERSION, NL_PING, 0, 16, NL_STREAM(0, NL_STREAM_CONTROL), 0, 0};
    nl_deframer d;
    nl_frame f;
    uint8_t payload[16] = {0};
    size_t n, i;

    CHECK(nl_crc32c("123456789", 9) == 0xE3069283u, "CRC-32C check value");
    CHECK(nl_crc32c("", 0) == 0, "CRC-32C of nothing");
    CHECK(~nl_crc32c_update(nl_crc32c_update(0xFFFFFFFFu, "1234", 4), "56789", 5) == 0xE3069283u, "incremental CRC");

    CHECK(NL_FRAME_LENGTH(0) == 40 && NL_FRAME_LENGTH(4) == 40 && NL_FRAME_LENGTH(5) == 48, "frame lengths");
    CHECK(NL_FRAME_LENGTH(NL_MAX_PAYLOAD) == NL_MAX_FRAME_BYTES, "the largest payload fills exactly 1 MiB");

    h.payload_length = NL_MAX_PAYLOAD + 1;
    CHECK(nl_encode(frame, sizeof frame, &h, payload) == 0, "an oversize payload is refused");
    h.payload_length = 16;
    CHECK(nl_encode(frame, 39, &h, payload) == 0, "a too-small destination is refused");
    n = nl_encode(frame, sizeof frame, &h, payload);
    CHECK(n == 56, "PING frame length");

    CHECK(nl_deframer_init(&d, (uint8_t *)storage, 100, 4096) == -1, "a buffer smaller than the largest frame is refused");
    CHECK(nl_deframer_init(&d, (uint8_t *)storage, 4096, 39) == -1, "a largest frame below 40 bytes is refused");
    CHECK(nl_deframer_init(&d, (uint8_t *)storage, sizeof storage, 4096) == 0, "init");

    /* A 4 KiB receiver fed 1000 frames: it never needs more room than one frame. */
    for (i = 0; i < 1000; i++) {
        size_t off = 0;
        h.sequence = (uint32_t)i;
        n = nl_encode(frame, sizeof frame, &h, payload);
        while (off < n) {
            off += nl_deframer_write(&d, frame + off, n - off);
            while (nl_deframer_next(&d, &f)) {
            }
        }
    }
    CHECK(d.counters.frames == 1000 && d.counters.discarded_bytes == 0 && d.counters.sequence_gaps == 0, "1000 frames through 4 KiB");

    if (failures == 0) printf("ok codec unit checks\n");
    return failures == 0 ? 0 : 1;
}
