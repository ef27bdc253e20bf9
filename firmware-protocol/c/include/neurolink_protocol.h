/*
 * Neurolink wire protocol v1: the C99 reference codec for firmware authors.
 *
 * Normative text: firmware-protocol/SPEC.md. This codec uses no heap and nothing from the C
 * library beyond memcpy, memmove and memset; every buffer is the caller's. It is byte-order
 * portable (fields are assembled byte by byte), so it runs unchanged on big-endian cores.
 *
 * Three parts:
 *   - CRC-32C (nl_crc32c*): slicing-by-8 tables (8 KiB); NL_CRC32C_SMALL keeps one 1 KiB
 *     table; NL_CRC32C_HW (with -msse4.2) uses the SSE4.2 instruction on x86-64 hosts.
 *   - The frame encoder (nl_encode, nl_seal) and header read/write.
 *   - The incremental receiver (nl_deframer_*): feed it any number of bytes at a time,
 *     take frames out as views into its buffer. It implements SPEC section 10 exactly,
 *     counters included.
 * plus typed encoders and decoders for every payload of SPEC section 4.
 */
#ifndef NEUROLINK_PROTOCOL_H
#define NEUROLINK_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Section 2: the frame ---------------------------------------------------------------- */

#define NL_VERSION 1u
#define NL_SYNC_WORD 0xD34C4EA7u /* on the wire: A7 4E 4C D3 */
#define NL_HEADER_SIZE 32u
#define NL_TRAILER_SIZE 4u
#define NL_MAX_FRAME_BYTES 1048576u
#define NL_MAX_PAYLOAD (NL_MAX_FRAME_BYTES - NL_HEADER_SIZE - NL_TRAILER_SIZE)
#define NL_MIN_FRAME_BYTES (NL_HEADER_SIZE + 8u)

#define NL_FLAG_DEVICE_TO_HOST 0x0001u

/* Total frame length for a payload of len bytes: 32 + align8(len + 4). */
#define NL_FRAME_LENGTH(len) (NL_HEADER_SIZE + ((((uint32_t)(len)) + NL_TRAILER_SIZE + 7u) & ~7u))

/* Frame types (section 4). */
enum nl_type {
    NL_HELLO = 0x01, NL_CAPABILITIES = 0x02, NL_ERROR = 0x03,
    NL_REG_READ = 0x10, NL_REG_WRITE = 0x11, NL_ACK = 0x12, NL_NACK = 0x13, NL_START = 0x14, NL_STOP = 0x15,
    NL_RAW_SAMPLES = 0x20, NL_SPIKE_EVENTS = 0x21, NL_SPIKE_COUNTS = 0x22, NL_GAP = 0x23,
    NL_STIM_ARM = 0x30, NL_STIM_TRIGGER = 0x31, NL_STIM_DISARM = 0x32, NL_STIM_ACK = 0x33, NL_STIM_NACK = 0x34,
    NL_HEARTBEAT = 0x40, NL_PING = 0x41, NL_PONG = 0x42
};

/* Stream kinds (section 3): the low byte of a stream address; the high byte is the device index. */
enum nl_stream_kind { NL_STREAM_CONTROL = 0, NL_STREAM_RAW = 1, NL_STREAM_EVENTS = 2, NL_STREAM_COUNTS = 3, NL_STREAM_STIM = 4 };
#define NL_STREAM(device, kind) ((uint16_t)(((unsigned)(device) << 8) | (unsigned)(kind)))

/* 1 when type is defined in protocol v1. */
int nl_type_known(uint8_t type);

typedef struct nl_header {
    uint8_t version;         /* NL_VERSION when encoding with nl_header_init */
    uint8_t type;            /* enum nl_type, or unknown */
    uint16_t flags;          /* NL_FLAG_DEVICE_TO_HOST on every device frame */
    uint32_t payload_length; /* bytes, 0..NL_MAX_PAYLOAD */
    uint16_t stream;         /* NL_STREAM(device, kind) */
    uint64_t sample_clock;   /* device sample clock of the first sample */
    uint32_t sequence;       /* per stream, per direction */
} nl_header;

/* ---- CRC-32C ---------------------------------------------------------------------------- */

/* Running CRC: state starts at 0xFFFFFFFF; the CRC is the complement of the last state. */
uint32_t nl_crc32c_update(uint32_t state, const void *data, size_t len);
/* CRC-32C of a buffer; nl_crc32c("123456789", 9) == 0xE3069283. */
uint32_t nl_crc32c(const void *data, size_t len);

/* ---- Encoding --------------------------------------------------------------------------- */

/* Writes the 32 header bytes, sync word and header CRC included. */
void nl_header_write(uint8_t *out, const nl_header *h);
/* Reads the header fields (not the sync or CRC, which the receiver checks). */
void nl_header_read(const uint8_t *in, nl_header *h);

/*
 * Encodes a whole frame into out: header, payload (copied from payload, which may be NULL
 * when h->payload_length is 0), zero padding and CRC. Returns the frame length, or 0 when
 * the payload is over NL_MAX_PAYLOAD or cap is too small.
 */
size_t nl_encode(uint8_t *out, size_t cap, const nl_header *h, const void *payload);

/*
 * Seals a frame whose payload the caller already wrote at out + NL_HEADER_SIZE (no copy):
 * writes the header, padding and CRC. Returns the frame length, or 0 as nl_encode.
 */
size_t nl_seal(uint8_t *out, size_t cap, const nl_header *h);

/* ---- Section 10: the receiver ---------------------------------------------------------- */

typedef struct nl_counters {
    uint64_t frames;               /* frames delivered */
    uint64_t bytes_received;
    uint64_t discarded_bytes;      /* bytes thrown away while resyncing */
    uint64_t header_crc_errors;
    uint64_t frame_crc_errors;
    uint64_t bad_lengths;
    uint64_t bad_versions;
    uint64_t unknown_types;
    uint64_t sequence_gaps;
    uint64_t frames_lost;
    uint64_t sequence_regressions;
    uint64_t untracked_frames;     /* frames on streams beyond NL_SEQ_SLOTS: sequence not checked */
} nl_counters;

#ifndef NL_SEQ_SLOTS
#define NL_SEQ_SLOTS 16 /* streams whose sequence numbers a receiver tracks */
#endif

typedef struct nl_seq_slot {
    uint16_t stream;
    uint8_t used;
    uint32_t expected;
} nl_seq_slot;

typedef struct nl_frame {
    nl_header header;
    const uint8_t *bytes;   /* the whole frame */
    const uint8_t *payload; /* header.payload_length bytes */
    uint32_t length;        /* whole frame length */
} nl_frame;

typedef struct nl_deframer {
    uint8_t *buf;
    size_t cap;
    size_t start;
    size_t end;
    uint32_t max_frame;
    int at_sync;
    int finished;       /* the link ended: truncated candidates are dropped byte by byte */
    uint32_t frame_len; /* 0 until the header at start has been checked */
    nl_seq_slot seq[NL_SEQ_SLOTS];
    nl_counters counters;
} nl_deframer;

/*
 * Prepares a receiver over the caller's buffer. max_frame is the largest frame accepted
 * (NL_MIN_FRAME_BYTES..NL_MAX_FRAME_BYTES); cap must be at least max_frame. Give buf an
 * 8-byte-aligned address so that payloads are aligned. Returns 0, or -1 on bad arguments.
 */
int nl_deframer_init(nl_deframer *d, uint8_t *buf, size_t cap, uint32_t max_frame);

/*
 * Copies as many of the len bytes as fit into the buffer and returns how many it took.
 * Call nl_deframer_next until it returns 0, then write the rest.
 */
size_t nl_deframer_write(nl_deframer *d, const uint8_t *data, size_t len);

/*
 * Takes the next intact frame. Returns 1 and fills out (a view into the buffer, valid until
 * the next call on d), or 0 when more bytes are needed.
 */
int nl_deframer_next(nl_deframer *d, nl_frame *out);

/*
 * The link ended. Keep calling nl_deframer_next until it returns 0: a frame cut short by the
 * end is dropped, intact frames behind it are still delivered, and every remaining byte is
 * counted as discarded (SPEC section 10). nl_deframer_write takes nothing until reset.
 */
void nl_deframer_finish(nl_deframer *d);

/* Empties the buffer (counting its bytes as discarded) for a new connection; keeps counters. */
void nl_deframer_reset(nl_deframer *d);

/* Forget sequence numbers (after a HELLO or reconnect). */
void nl_deframer_reset_sequences(nl_deframer *d);

/* ---- Section 4: typed payloads ---------------------------------------------------------- */
/*
 * Each X has nl_X_decode(payload, len, &out), which returns 0 or -1 when the payload is
 * malformed, and nl_X_encode(out, &in), which returns the payload length written. Decoded
 * arrays are views into the payload, read with the nl_get_* helpers or the accessors.
 */

uint16_t nl_get_u16(const uint8_t *p);
uint32_t nl_get_u32(const uint8_t *p);
uint64_t nl_get_u64(const uint8_t *p);
void nl_put_u16(uint8_t *p, uint16_t v);
void nl_put_u32(uint8_t *p, uint32_t v);
void nl_put_u64(uint8_t *p, uint64_t v);

typedef struct { uint8_t min_version, max_version; uint32_t host_max_frame; uint64_t host_time_ns; } nl_hello;
int nl_hello_decode(const uint8_t *p, uint32_t len, nl_hello *v);
uint32_t nl_hello_encode(uint8_t *p, const nl_hello *v);

typedef struct {
    uint8_t selected_version, min_version, max_version;
    uint16_t device_kind, max_stim_programs;
    uint32_t firmware_version, channel_count, max_frame_bytes, raw_scale_nv;
    uint32_t sample_rates[4];
    uint16_t stim_channel_count;
    uint32_t max_amplitude_na, max_phase_width_us, max_charge_pc, max_pulse_rate_hz;
    char serial[17];          /* NUL-terminated */
    const uint8_t *stim_mask; /* ceil(channel_count / 8) bytes */
} nl_capabilities;
int nl_capabilities_decode(const uint8_t *p, uint32_t len, nl_capabilities *v);
uint32_t nl_capabilities_encode(uint8_t *p, const nl_capabilities *v);

typedef struct { uint16_t code; uint32_t detail; const uint8_t *message; uint32_t message_length; } nl_error;
int nl_error_decode(const uint8_t *p, uint32_t len, nl_error *v);
uint32_t nl_error_encode(uint8_t *p, const nl_error *v);

typedef struct { uint32_t address, value; } nl_reg; /* REG_READ (value reserved) and REG_WRITE */
int nl_reg_decode(const uint8_t *p, uint32_t len, nl_reg *v);
uint32_t nl_reg_encode(uint8_t *p, const nl_reg *v);

typedef struct { uint8_t request_type; uint32_t request_sequence, address, value; uint64_t effective_clock; } nl_ack;
int nl_ack_decode(const uint8_t *p, uint32_t len, nl_ack *v);
uint32_t nl_ack_encode(uint8_t *p, const nl_ack *v);

typedef struct { uint8_t request_type; uint16_t error; uint32_t request_sequence, address, value; } nl_nack;
int nl_nack_decode(const uint8_t *p, uint32_t len, nl_nack *v);
uint32_t nl_nack_encode(uint8_t *p, const nl_nack *v);

typedef struct { uint32_t stream_mask; } nl_start_stop; /* START; for STOP the mask is reserved */
int nl_start_stop_decode(const uint8_t *p, uint32_t len, nl_start_stop *v);
uint32_t nl_start_stop_encode(uint8_t *p, const nl_start_stop *v);

typedef struct { uint16_t first_channel, channel_count, sample_count; const uint8_t *samples; } nl_raw_samples;
int nl_raw_samples_decode(const uint8_t *p, uint32_t len, nl_raw_samples *v);
/* samples: sample_count x channel_count values, channel-interleaved */
uint32_t nl_raw_samples_encode(uint8_t *p, uint16_t first_channel, uint16_t channel_count, uint16_t sample_count, const int16_t *samples);
int16_t nl_raw_sample(const nl_raw_samples *v, uint32_t sample, uint32_t channel);

typedef struct { uint16_t channel, sample_offset; int16_t amplitude; uint16_t unit; } nl_spike_event;
typedef struct { uint16_t event_count; uint32_t window_samples; const uint8_t *events; } nl_spike_events;
int nl_spike_events_decode(const uint8_t *p, uint32_t len, nl_spike_events *v);
uint32_t nl_spike_events_encode(uint8_t *p, uint32_t window_samples, uint16_t event_count, const nl_spike_event *events);
nl_spike_event nl_spike_event_at(const nl_spike_events *v, uint32_t index);

typedef struct { uint16_t first_channel, channel_count, bin_samples; const uint8_t *counts; } nl_spike_counts;
int nl_spike_counts_decode(const uint8_t *p, uint32_t len, nl_spike_counts *v);
uint32_t nl_spike_counts_encode(uint8_t *p, uint16_t first_channel, uint16_t bin_samples, uint16_t channel_count, const uint8_t *counts);

typedef struct { uint64_t lost_samples; uint32_t lost_frames; uint8_t reason, lost_type; } nl_gap;
int nl_gap_decode(const uint8_t *p, uint32_t len, nl_gap *v);
uint32_t nl_gap_encode(uint8_t *p, const nl_gap *v);

typedef struct {
    uint16_t program_id, channel_count;
    int32_t phase1_amplitude_na, phase2_amplitude_na;
    uint32_t phase1_width_us, interphase_gap_us, phase2_width_us, pulse_count, pulse_rate_hz;
    const uint8_t *channels; /* channel_count u16 values */
} nl_stim_arm;
int nl_stim_arm_decode(const uint8_t *p, uint32_t len, nl_stim_arm *v);
/* channels: v->channel_count values (v->channels is ignored) */
uint32_t nl_stim_arm_encode(uint8_t *p, const nl_stim_arm *v, const uint16_t *channels);

typedef struct { uint64_t at_clock; uint16_t flags, program_count; const uint8_t *program_ids; } nl_stim_trigger;
#define NL_TRIGGER_AT_CLOCK 0x0001u
int nl_stim_trigger_decode(const uint8_t *p, uint32_t len, nl_stim_trigger *v);
uint32_t nl_stim_trigger_encode(uint8_t *p, uint64_t at_clock, uint16_t flags, uint16_t program_count, const uint16_t *program_ids);

typedef struct { uint16_t program_id; } nl_stim_disarm;
int nl_stim_disarm_decode(const uint8_t *p, uint32_t len, nl_stim_disarm *v);
uint32_t nl_stim_disarm_encode(uint8_t *p, const nl_stim_disarm *v);

typedef struct { uint8_t request_type; uint16_t program_id; uint32_t request_sequence; uint64_t effective_clock; } nl_stim_ack;
int nl_stim_ack_decode(const uint8_t *p, uint32_t len, nl_stim_ack *v);
uint32_t nl_stim_ack_encode(uint8_t *p, const nl_stim_ack *v);

typedef struct { uint8_t request_type; uint16_t reason; uint32_t request_sequence; uint16_t program_id, channel; uint32_t limit, actual; } nl_stim_nack;
int nl_stim_nack_decode(const uint8_t *p, uint32_t len, nl_stim_nack *v);
uint32_t nl_stim_nack_encode(uint8_t *p, const nl_stim_nack *v);

typedef struct { uint16_t fifo_fill_permille, status; uint32_t frames_dropped, host_crc_errors, host_frames, host_discarded_bytes; } nl_heartbeat;
int nl_heartbeat_decode(const uint8_t *p, uint32_t len, nl_heartbeat *v);
uint32_t nl_heartbeat_encode(uint8_t *p, const nl_heartbeat *v);

typedef struct { uint64_t host_time_ns; uint32_t ping_id; } nl_ping;
int nl_ping_decode(const uint8_t *p, uint32_t len, nl_ping *v);
uint32_t nl_ping_encode(uint8_t *p, const nl_ping *v);

typedef struct { uint64_t host_time_ns; uint32_t ping_id; uint64_t rx_clock; } nl_pong;
int nl_pong_decode(const uint8_t *p, uint32_t len, nl_pong *v);
uint32_t nl_pong_encode(uint8_t *p, const nl_pong *v);

#ifdef __cplusplus
}
#endif

#endif /* NEUROLINK_PROTOCOL_H */
