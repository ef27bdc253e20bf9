/* The incremental receiver: SPEC section 10, step by step. */
#include <string.h>

#include "neurolink_protocol.h"

static const uint8_t nl_sync[4] = {0xA7, 0x4E, 0x4C, 0xD3};

int nl_deframer_init(nl_deframer *d, uint8_t *buf, size_t cap, uint32_t max_frame)
{
    if (d == NULL || buf == NULL || max_frame < NL_MIN_FRAME_BYTES || max_frame > NL_MAX_FRAME_BYTES || cap < max_frame) {
        return -1;
    }
    memset(d, 0, sizeof(*d));
    d->buf = buf;
    d->cap = cap;
    d->max_frame = max_frame;
    return 0;
}

static void compact(nl_deframer *d)
{
    size_t n = d->end - d->start;
    if (d->start > 0) {
        memmove(d->buf, d->buf + d->start, n);
    }
    d->start = 0;
    d->end = n;
}

size_t nl_deframer_write(nl_deframer *d, const uint8_t *data, size_t len)
{
    size_t space;
    if (d->finished) {
        return 0;
    }
    if (d->cap - d->end < len && d->start > 0) {
        compact(d);
    }
    space = d->cap - d->end;
    if (len > space) {
        len = space;
    }
    memcpy(d->buf + d->end, data, len);
    d->end += len;
    d->counters.bytes_received += len;
    return len;
}

static void discard(nl_deframer *d, size_t n)
{
    d->start += n;
    d->counters.discarded_bytes += n;
}

static void discard_one(nl_deframer *d)
{
    discard(d, 1);
    d->at_sync = 0;
    d->frame_len = 0;
}

static void consume_frame(nl_deframer *d)
{
    d->start += d->frame_len;
    d->at_sync = 0;
    d->frame_len = 0;
    if (d->start == d->end) {
        d->start = 0;
        d->end = 0;
    }
}

/* Step 1. Returns 1 with start at a sync word, or 0 having kept only a partial sync. */
static int find_sync(nl_deframer *d)
{
    const uint8_t *p = d->buf + d->start;
    size_t n = d->end - d->start;
    size_t i;
    size_t keep;
    for (i = 0; i + 4 <= n; i++) {
        if (p[i] == nl_sync[0] && p[i + 1] == nl_sync[1] && p[i + 2] == nl_sync[2] && p[i + 3] == nl_sync[3]) {
            discard(d, i);
            d->at_sync = 1;
            return 1;
        }
    }
    /* Keep a trailing partial sync word for the next bytes, unless none will come. */
    for (keep = d->finished ? 0 : (n < 3 ? n : 3); keep > 0; keep--) {
        if (memcmp(p + n - keep, nl_sync, keep) == 0) {
            break;
        }
    }
    discard(d, n - keep);
    return 0;
}

/* Step 6: counts gaps, losses and regressions per stream. */
static void observe_sequence(nl_deframer *d, uint16_t stream, uint32_t sequence)
{
    nl_seq_slot *slot = NULL;
    uint32_t distance;
    int i;
    for (i = 0; i < NL_SEQ_SLOTS; i++) {
        if (d->seq[i].used && d->seq[i].stream == stream) {
            slot = &d->seq[i];
            break;
        }
    }
    if (slot == NULL) {
        for (i = 0; i < NL_SEQ_SLOTS; i++) {
            if (!d->seq[i].used) {
                d->seq[i].used = 1;
                d->seq[i].stream = stream;
                d->seq[i].expected = sequence + 1u;
                return;
            }
        }
        d->counters.untracked_frames++;
        return;
    }
    distance = sequence - slot->expected;
    if (distance >= 0x80000000u) {
        d->counters.sequence_regressions++;
        return;
    }
    if (distance != 0) {
        d->counters.sequence_gaps++;
        d->counters.frames_lost += distance;
    }
    slot->expected = sequence + 1u;
}

int nl_deframer_next(nl_deframer *d, nl_frame *out)
{
    for (;;) {
        const uint8_t *p;
        size_t available;
        uint32_t crc_offset;
        nl_header h;

        if (!d->at_sync && !find_sync(d)) {
            return 0;
        }
        available = d->end - d->start;
        p = d->buf + d->start;

        if (d->frame_len == 0) {
            uint32_t payload_length;
            if (available < NL_HEADER_SIZE) {
                if (d->finished) {
                    discard_one(d);
                    continue;
                }
                return 0;
            }
            /* Step 2. */
            if (nl_crc32c(p, 28) != nl_get_u32(p + 28)) {
                d->counters.header_crc_errors++;
                discard_one(d);
                continue;
            }
            /* Step 3. */
            payload_length = nl_get_u32(p + 8);
            if (payload_length > NL_MAX_PAYLOAD || NL_FRAME_LENGTH(payload_length) > d->max_frame) {
                d->counters.bad_lengths++;
                discard_one(d);
                continue;
            }
            d->frame_len = NL_FRAME_LENGTH(payload_length);
        }

        /* Step 4. */
        if (available < d->frame_len) {
            if (d->finished) {
                /* Truncated by the end of the link: bytes behind it may hold intact frames. */
                discard_one(d);
                continue;
            }
            if (d->start + d->frame_len > d->cap) {
                compact(d);
            }
            return 0;
        }
        crc_offset = d->frame_len - NL_TRAILER_SIZE;
        if (nl_crc32c(p, crc_offset) != nl_get_u32(p + crc_offset)) {
            d->counters.frame_crc_errors++;
            discard_one(d);
            continue;
        }

        nl_header_read(p, &h);
        /* Step 5. */
        if (h.version != NL_VERSION) {
            d->counters.bad_versions++;
            consume_frame(d);
            continue;
        }
        /* Step 6, before the type: an unknown frame still took a sequence number. */
        observe_sequence(d, h.stream, h.sequence);
        /* Step 7. */
        if (!nl_type_known(h.type)) {
            d->counters.unknown_types++;
            consume_frame(d);
            continue;
        }
        /* Step 8. Only after corruption is a frame misaligned: move it down once. */
        if ((d->start & 7u) != 0) {
            compact(d);
        }
        out->header = h;
        out->bytes = d->buf + d->start;
        out->payload = out->bytes + NL_HEADER_SIZE;
        out->length = d->frame_len;
        d->counters.frames++;
        consume_frame(d);
        return 1;
    }
}

void nl_deframer_finish(nl_deframer *d)
{
    d->finished = 1;
}

void nl_deframer_reset(nl_deframer *d)
{
    d->counters.discarded_bytes += d->end - d->start;
    d->start = 0;
    d->end = 0;
    d->at_sync = 0;
    d->frame_len = 0;
    d->finished = 0;
}

void nl_deframer_reset_sequences(nl_deframer *d)
{
    memset(d->seq, 0, sizeof(d->seq));
}
