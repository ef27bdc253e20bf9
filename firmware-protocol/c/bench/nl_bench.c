/*
 * Deframe-and-validate throughput of the C reference codec, next to a plain memcpy of the
 * same bytes in the same run. The stream is RAW_SAMPLES frames of 1024 channels x 32
 * samples (the benchmark), fed in 64 KiB reads as a USB or socket reader would.
 * usage: nl_bench [--frames N] [--repeats R]; prints one JSON line.
 */
#define _POSIX_C_SOURCE 200112L /* clock_gettime, posix_memalign: the benchmark is a host program */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "neurolink_protocol.h"

#define CHANNELS 1024
#define SAMPLES 32
#define CHUNK 65536
/* Cache-sized buffers for both sides: 256 KiB for the copy, 256 KiB + one read for the receiver. */
#define RING (256 * 1024)
#define RECEIVE_BUFFER (RING + CHUNK)
#define MAX_FRAME (128 * 1024)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    size_t frames = 1024, repeats = 5, i, r;
    size_t frame_len = NL_FRAME_LENGTH(8 + 2 * CHANNELS * SAMPLES);
    uint8_t *stream, *copy_target, *payload;
    uint8_t *deframer_buffer;
    size_t length;
    double best_copy = 1e9, best_deframe = 1e9;
    uint64_t delivered = 0;
    int16_t *samples;
    volatile uint8_t sink = 0;

    for (i = 1; i + 1 < (size_t)argc; i += 2) {
        if (strcmp(argv[i], "--frames") == 0) frames = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--repeats") == 0) repeats = strtoul(argv[i + 1], NULL, 10);
    }
    length = frames * frame_len;
    stream = malloc(length);
    if (posix_memalign((void **)&copy_target, 64, RING) != 0 ||
        posix_memalign((void **)&deframer_buffer, 64, RECEIVE_BUFFER) != 0) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    payload = malloc(8 + 2 * CHANNELS * SAMPLES);
    samples = malloc(sizeof(int16_t) * CHANNELS * SAMPLES);
    if (!stream || !copy_target || !deframer_buffer || !payload || !samples) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    srand(1);
    for (i = 0; i < (size_t)CHANNELS * SAMPLES; i++) samples[i] = (int16_t)(rand() % 400 - 200);
    for (i = 0; i < frames; i++) {
        nl_header h = {NL_VERSION, NL_RAW_SAMPLES, NL_FLAG_DEVICE_TO_HOST, 0, NL_STREAM(0, NL_STREAM_RAW), (uint64_t)i * SAMPLES, (uint32_t)i};
        h.payload_length = nl_raw_samples_encode(payload, 0, CHANNELS, SAMPLES, samples);
        nl_encode(stream + i * frame_len, frame_len, &h, payload);
    }

    for (r = 0; r < repeats; r++) {
        double t0 = now_s(), t;
        size_t off, ring = 0;
        nl_deframer d;
        nl_frame f;
        /* Baseline: the same bytes, the same 64 KiB pieces, copied into a 256 KiB ring. */
        for (off = 0; off < length; off += CHUNK) {
            size_t n = length - off < CHUNK ? length - off : CHUNK;
            if (ring + n > RING) ring = 0;
            memcpy(copy_target + ring, stream + off, n);
            ring += n;
        }
        sink ^= copy_target[ring - 1];
        t = now_s() - t0;
        if (t < best_copy) best_copy = t;

        nl_deframer_init(&d, deframer_buffer, RECEIVE_BUFFER, MAX_FRAME);
        t0 = now_s();
        for (off = 0; off < length;) {
            size_t n = length - off < CHUNK ? length - off : CHUNK;
            off += nl_deframer_write(&d, stream + off, n);
            while (nl_deframer_next(&d, &f)) {
                sink ^= f.payload[8];
            }
        }
        t = now_s() - t0;
        if (t < best_deframe) best_deframe = t;
        delivered = d.counters.frames;
        if (d.counters.frames != frames || d.counters.discarded_bytes != 0) {
            fprintf(stderr, "benchmark stream did not deframe cleanly\n");
            return 1;
        }
    }
    printf("{\"codec\":\"c\",\"crc\":\"%s\",\"frames\":%llu,\"bytes\":%llu,\"copy_mb_s\":%.0f,\"deframe_mb_s\":%.0f,\"ratio\":%.3f}\n",
#if defined(NL_BENCH_HW)
        "sse4.2",
#else
        "slicing-by-8",
#endif
        (unsigned long long)delivered, (unsigned long long)length, length / best_copy / 1e6, length / best_deframe / 1e6, best_copy / best_deframe);
    (void)sink;
    return 0;
}
