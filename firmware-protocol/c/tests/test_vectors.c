/*
 * Runs one vector file (SPEC section 11) through the C reference codec:
 *   - the receiver, with four chunkings and two buffer configurations (host-sized and a
 *     4 KiB firmware-sized one), must deliver exactly the expected frames and counters;
 *   - each typed payload must render the expected field text and re-encode byte-exact;
 *   - for valid vectors, the encoder must reproduce the stream byte for byte.
 * usage: test_vectors FILE.vec
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "describe.h"
#include "neurolink_protocol.h"

#define MAX_FRAMES 64

typedef struct {
    uint8_t type;
    uint16_t flags, stream;
    uint32_t seq;
    uint64_t clock;
    uint8_t *payload;
    uint32_t payload_length;
    char *fields;
} expected_frame;

static char name[256];
static char kind[32];
static char expect[1024];
static uint8_t *stream_bytes;
static size_t stream_length;
static expected_frame frames[MAX_FRAMES];
static int frame_count;
static int failures;

#define CHECK(cond, ...)                                        \
    do {                                                        \
        if (!(cond)) {                                          \
            fprintf(stderr, "FAIL %s: ", name);                 \
            fprintf(stderr, __VA_ARGS__);                       \
            fprintf(stderr, "\n");                              \
            failures++;                                         \
        }                                                       \
    } while (0)

static int hex_value(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static size_t parse_hex(const char *s, uint8_t *out)
{
    size_t n = 0;
    while (hex_value(s[0]) >= 0 && hex_value(s[1]) >= 0) {
        out[n++] = (uint8_t)(hex_value(s[0]) * 16 + hex_value(s[1]));
        s += 2;
    }
    return n;
}

static const char *field(const char *line, const char *key)
{
    size_t k = strlen(key);
    const char *p = line;
    while ((p = strstr(p, key)) != NULL) {
        if ((p == line || p[-1] == ' ') && p[k] == '=') return p + k + 1;
        p += k;
    }
    fprintf(stderr, "vector %s: frame line lacks %s\n", name, key);
    exit(2);
}

static void parse_frame(const char *v)
{
    expected_frame *f = &frames[frame_count++];
    const char *hex = field(v, "payload");
    f->type = (uint8_t)strtoul(field(v, "type"), NULL, 0);
    f->flags = (uint16_t)strtoul(field(v, "flags"), NULL, 0);
    f->stream = (uint16_t)strtoul(field(v, "stream"), NULL, 0);
    f->seq = (uint32_t)strtoul(field(v, "seq"), NULL, 0);
    f->clock = strtoull(field(v, "clock"), NULL, 0);
    f->payload = malloc(strlen(hex) / 2 + 1);
    f->payload_length = (uint32_t)parse_hex(hex, f->payload);
    f->fields = NULL;
}

static void load(const char *path)
{
    FILE *fp = fopen(path, "rb");
    char *text, *line, *next;
    long size;
    if (fp == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    fseek(fp, 0, SEEK_END);
    size = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    text = malloc((size_t)size + 1);
    if (fread(text, 1, (size_t)size, fp) != (size_t)size) {
        fprintf(stderr, "cannot read %s\n", path);
        exit(2);
    }
    text[size] = '\0';
    fclose(fp);
    stream_bytes = malloc((size_t)size / 2 + 1);
    for (line = text; line != NULL && *line != '\0'; line = next) {
        char *colon, *value;
        next = strchr(line, '\n');
        if (next != NULL) *next++ = '\0';
        if (line[0] == '#' || line[0] == '\0') continue;
        colon = strchr(line, ':');
        if (colon == NULL) continue;
        *colon = '\0';
        value = colon + 1;
        while (*value == ' ') value++;
        if (strcmp(line, "name") == 0) snprintf(name, sizeof name, "%s", value);
        else if (strcmp(line, "kind") == 0) snprintf(kind, sizeof kind, "%s", value);
        else if (strcmp(line, "stream") == 0) stream_length += parse_hex(value, stream_bytes + stream_length);
        else if (strcmp(line, "frame") == 0 && frame_count < MAX_FRAMES) parse_frame(value);
        else if (strcmp(line, "fields") == 0 && frame_count > 0) frames[frame_count - 1].fields = value;
        else if (strcmp(line, "expect") == 0) {
            size_t n = strlen(expect);
            snprintf(expect + n, sizeof expect - n, "%s%s", n ? " " : "", value);
        }
    }
}

static void render_counters(const nl_counters *c, char *out, size_t cap)
{
    snprintf(out, cap,
        "frames=%" PRIu64 " discarded_bytes=%" PRIu64 " header_crc_errors=%" PRIu64 " frame_crc_errors=%" PRIu64
        " bad_lengths=%" PRIu64 " bad_versions=%" PRIu64 " unknown_types=%" PRIu64 " sequence_gaps=%" PRIu64
        " frames_lost=%" PRIu64 " sequence_regressions=%" PRIu64,
        c->frames, c->discarded_bytes, c->header_crc_errors, c->frame_crc_errors, c->bad_lengths, c->bad_versions,
        c->unknown_types, c->sequence_gaps, c->frames_lost, c->sequence_regressions);
}

static uint64_t buffer_storage[(NL_MAX_FRAME_BYTES + 64) / 8];

static void check_frame(int index, const nl_frame *got, const char *how)
{
    const expected_frame *want = &frames[index];
    CHECK(got->header.type == want->type, "%s frame %d: type 0x%02x, want 0x%02x", how, index, got->header.type, want->type);
    CHECK(got->header.flags == want->flags, "%s frame %d: flags", how, index);
    CHECK(got->header.stream == want->stream, "%s frame %d: stream", how, index);
    CHECK(got->header.sequence == want->seq, "%s frame %d: sequence %" PRIu32 ", want %" PRIu32, how, index, got->header.sequence, want->seq);
    CHECK(got->header.sample_clock == want->clock, "%s frame %d: clock", how, index);
    CHECK(got->header.payload_length == want->payload_length && memcmp(got->payload, want->payload, want->payload_length) == 0,
        "%s frame %d: payload differs", how, index);
    CHECK(((uintptr_t)got->payload & 7u) == 0, "%s frame %d: payload not 8-byte aligned", how, index);
}

/* chunk: 0 = whole stream at once, otherwise a fixed size, or -1 for pseudo-random 1..99. */
static void run_receiver(int chunk, size_t cap, uint32_t max_frame)
{
    nl_deframer d;
    nl_frame f;
    size_t offset = 0;
    uint32_t lcg = 12345;
    int delivered = 0;
    char how[64], got[1024];
    snprintf(how, sizeof how, "chunk %d, buffer %zu", chunk, cap);
    if (nl_deframer_init(&d, (uint8_t *)buffer_storage, cap, max_frame) != 0) {
        CHECK(0, "%s: init failed", how);
        return;
    }
    while (offset < stream_length) {
        size_t n = chunk == 0 ? stream_length : chunk > 0 ? (size_t)chunk : (size_t)((lcg = lcg * 1103515245u + 12345u) >> 16) % 99 + 1;
        if (n > stream_length - offset) n = stream_length - offset;
        while (n > 0) {
            size_t taken = nl_deframer_write(&d, stream_bytes + offset, n);
            offset += taken;
            n -= taken;
            while (nl_deframer_next(&d, &f)) {
                if (delivered < frame_count) check_frame(delivered, &f, how);
                delivered++;
            }
        }
    }
    nl_deframer_finish(&d);
    while (nl_deframer_next(&d, &f)) {
        if (delivered < frame_count) check_frame(delivered, &f, how);
        delivered++;
    }
    CHECK(d.end == d.start, "%s: %zu bytes still buffered after finish", how, d.end - d.start);
    CHECK(delivered == frame_count, "%s: %d frames delivered, want %d", how, delivered, frame_count);
    render_counters(&d.counters, got, sizeof got);
    CHECK(strcmp(got, expect) == 0, "%s: counters\n  got  %s\n  want %s", how, got, expect);
}

int main(int argc, char **argv)
{
    static uint8_t scratch[NL_MAX_FRAME_BYTES];
    static char text[1 << 16];
    int chunks[] = {0, 1, 7, -1};
    int i;
    if (argc != 2) {
        fprintf(stderr, "usage: %s FILE.vec\n", argv[0]);
        return 2;
    }
    load(argv[1]);

    for (i = 0; i < 4; i++) {
        run_receiver(chunks[i], NL_MAX_FRAME_BYTES, NL_MAX_FRAME_BYTES);
        run_receiver(chunks[i], 4096, 4096);
    }

    for (i = 0; i < frame_count; i++) {
        const expected_frame *f = &frames[i];
        if (f->fields == NULL) continue;
        CHECK(nl_describe(f->type, f->payload, f->payload_length, text, sizeof text) == 0, "frame %d: typed decode failed", i);
        CHECK(strcmp(text, f->fields) == 0, "frame %d: fields\n  got  %s\n  want %s", i, text, f->fields);
        CHECK(nl_reencode(f->type, f->payload, f->payload_length, scratch) == (int)f->payload_length &&
                  memcmp(scratch, f->payload, f->payload_length) == 0,
            "frame %d: typed re-encoding differs", i);
    }

    if (strcmp(kind, "valid") == 0) {
        size_t offset = 0;
        for (i = 0; i < frame_count; i++) {
            nl_header h;
            size_t n;
            h.version = NL_VERSION;
            h.type = frames[i].type;
            h.flags = frames[i].flags;
            h.payload_length = frames[i].payload_length;
            h.stream = frames[i].stream;
            h.sample_clock = frames[i].clock;
            h.sequence = frames[i].seq;
            n = nl_encode(scratch, sizeof scratch, &h, frames[i].payload);
            CHECK(n == NL_FRAME_LENGTH(h.payload_length), "frame %d: encode returned %zu", i, n);
            CHECK(offset + n <= stream_length && memcmp(scratch, stream_bytes + offset, n) == 0, "frame %d: encoding differs from the vector", i);
            offset += n;
        }
        CHECK(offset == stream_length, "encoded %zu bytes, vector has %zu", offset, stream_length);
    }

    if (failures == 0) printf("ok %s (%d frames, %zu bytes)\n", name, frame_count, stream_length);
    return failures == 0 ? 0 : 1;
}
