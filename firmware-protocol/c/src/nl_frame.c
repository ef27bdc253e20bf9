/* Frame header and encoder, SPEC section 2. */
#include <string.h>

#include "neurolink_protocol.h"

uint16_t nl_get_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
uint32_t nl_get_u32(const uint8_t *p) { return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24); }
uint64_t nl_get_u64(const uint8_t *p) { return (uint64_t)nl_get_u32(p) | ((uint64_t)nl_get_u32(p + 4) << 32); }
void nl_put_u16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
void nl_put_u32(uint8_t *p, uint32_t v) { nl_put_u16(p, (uint16_t)v); nl_put_u16(p + 2, (uint16_t)(v >> 16)); }
void nl_put_u64(uint8_t *p, uint64_t v) { nl_put_u32(p, (uint32_t)v); nl_put_u32(p + 4, (uint32_t)(v >> 32)); }

int nl_type_known(uint8_t type)
{
    switch (type) {
    case NL_HELLO: case NL_CAPABILITIES: case NL_ERROR:
    case NL_REG_READ: case NL_REG_WRITE: case NL_ACK: case NL_NACK: case NL_START: case NL_STOP:
    case NL_RAW_SAMPLES: case NL_SPIKE_EVENTS: case NL_SPIKE_COUNTS: case NL_GAP:
    case NL_STIM_ARM: case NL_STIM_TRIGGER: case NL_STIM_DISARM: case NL_STIM_ACK: case NL_STIM_NACK:
    case NL_HEARTBEAT: case NL_PING: case NL_PONG:
        return 1;
    default:
        return 0;
    }
}

void nl_header_write(uint8_t *out, const nl_header *h)
{
    nl_put_u32(out, NL_SYNC_WORD);
    out[4] = h->version;
    out[5] = h->type;
    nl_put_u16(out + 6, h->flags);
    nl_put_u32(out + 8, h->payload_length);
    nl_put_u16(out + 12, h->stream);
    nl_put_u16(out + 14, 0);
    nl_put_u64(out + 16, h->sample_clock);
    nl_put_u32(out + 24, h->sequence);
    nl_put_u32(out + 28, nl_crc32c(out, 28));
}

void nl_header_read(const uint8_t *in, nl_header *h)
{
    h->version = in[4];
    h->type = in[5];
    h->flags = nl_get_u16(in + 6);
    h->payload_length = nl_get_u32(in + 8);
    h->stream = nl_get_u16(in + 12);
    h->sample_clock = nl_get_u64(in + 16);
    h->sequence = nl_get_u32(in + 24);
}

size_t nl_seal(uint8_t *out, size_t cap, const nl_header *h)
{
    uint32_t length;
    uint32_t crc_offset;
    if (h->payload_length > NL_MAX_PAYLOAD) {
        return 0;
    }
    length = NL_FRAME_LENGTH(h->payload_length);
    if (cap < length) {
        return 0;
    }
    crc_offset = length - NL_TRAILER_SIZE;
    nl_header_write(out, h);
    memset(out + NL_HEADER_SIZE + h->payload_length, 0, crc_offset - NL_HEADER_SIZE - h->payload_length);
    nl_put_u32(out + crc_offset, nl_crc32c(out, crc_offset));
    return length;
}

size_t nl_encode(uint8_t *out, size_t cap, const nl_header *h, const void *payload)
{
    if (h->payload_length > NL_MAX_PAYLOAD || cap < NL_FRAME_LENGTH(h->payload_length)) {
        return 0;
    }
    if (h->payload_length > 0) {
        memcpy(out + NL_HEADER_SIZE, payload, h->payload_length);
    }
    return nl_seal(out, cap, h);
}
