/* Test-only: canonical field text and typed re-encoding, mirroring the C# PayloadText. */
#include "describe.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "neurolink_protocol.h"

typedef struct { char *p; size_t cap; size_t n; } text;

static void put(text *t, const char *fmt, ...)
{
    va_list ap;
    int w;
    va_start(ap, fmt);
    w = vsnprintf(t->p + t->n, t->n < t->cap ? t->cap - t->n : 0, fmt, ap);
    va_end(ap);
    if (w > 0) {
        t->n += (size_t)w;
    }
}

static void put_u16_array(text *t, const char *name, const uint8_t *p, uint32_t n)
{
    uint32_t i;
    put(t, " %s=[", name);
    for (i = 0; i < n; i++) {
        put(t, i ? ",%u" : "%u", (unsigned)nl_get_u16(p + 2 * i));
    }
    put(t, "]");
}

int nl_describe(uint8_t type, const uint8_t *p, uint32_t len, char *out, size_t cap)
{
    text t = {out, cap, 0};
    uint32_t i;
    out[0] = '\0';
    switch (type) {
    case NL_HELLO: {
        nl_hello v;
        if (nl_hello_decode(p, len, &v)) return -1;
        put(&t, "min_version=%u max_version=%u host_max_frame=%" PRIu32 " host_time_ns=%" PRIu64, v.min_version, v.max_version, v.host_max_frame, v.host_time_ns);
        break;
    }
    case NL_CAPABILITIES: {
        nl_capabilities v;
        uint32_t rates[4] = {0, 0, 0, 0};
        int k = 0;
        if (nl_capabilities_decode(p, len, &v)) return -1;
        for (i = 0; i < 4; i++) {
            if (v.sample_rates[i] != 0) rates[k++] = v.sample_rates[i];
        }
        put(&t, "selected_version=%u min_version=%u max_version=%u device_kind=%u max_stim_programs=%u firmware_version=%" PRIu32
                " channel_count=%" PRIu32 " max_frame_bytes=%" PRIu32 " raw_scale_nv=%" PRIu32 " sample_rates=[%" PRIu32 ",%" PRIu32 ",%" PRIu32 ",%" PRIu32 "]",
            v.selected_version, v.min_version, v.max_version, v.device_kind, v.max_stim_programs, v.firmware_version,
            v.channel_count, v.max_frame_bytes, v.raw_scale_nv, rates[0], rates[1], rates[2], rates[3]);
        put(&t, " stim_channel_count=%u max_amplitude_na=%" PRIu32 " max_phase_width_us=%" PRIu32 " max_charge_pc=%" PRIu32 " max_pulse_rate_hz=%" PRIu32 " serial=%s stim_mask=[",
            v.stim_channel_count, v.max_amplitude_na, v.max_phase_width_us, v.max_charge_pc, v.max_pulse_rate_hz, v.serial);
        for (i = 0; i < (v.channel_count + 7u) / 8u; i++) {
            put(&t, i ? ",%u" : "%u", v.stim_mask[i]);
        }
        put(&t, "]");
        break;
    }
    case NL_ERROR: {
        nl_error v;
        if (nl_error_decode(p, len, &v)) return -1;
        put(&t, "code=%u detail=%" PRIu32 " message=%.*s", v.code, v.detail, (int)v.message_length, (const char *)v.message);
        break;
    }
    case NL_REG_READ: {
        nl_reg v;
        if (nl_reg_decode(p, len, &v)) return -1;
        put(&t, "address=%" PRIu32, v.address);
        break;
    }
    case NL_REG_WRITE: {
        nl_reg v;
        if (nl_reg_decode(p, len, &v)) return -1;
        put(&t, "address=%" PRIu32 " value=%" PRIu32, v.address, v.value);
        break;
    }
    case NL_ACK: {
        nl_ack v;
        if (nl_ack_decode(p, len, &v)) return -1;
        put(&t, "request_type=%u request_sequence=%" PRIu32 " address=%" PRIu32 " value=%" PRIu32 " effective_clock=%" PRIu64,
            v.request_type, v.request_sequence, v.address, v.value, v.effective_clock);
        break;
    }
    case NL_NACK: {
        nl_nack v;
        if (nl_nack_decode(p, len, &v)) return -1;
        put(&t, "request_type=%u error=%u request_sequence=%" PRIu32 " address=%" PRIu32 " value=%" PRIu32, v.request_type, v.error, v.request_sequence, v.address, v.value);
        break;
    }
    case NL_START: {
        nl_start_stop v;
        if (nl_start_stop_decode(p, len, &v)) return -1;
        put(&t, "stream_mask=%" PRIu32, v.stream_mask);
        break;
    }
    case NL_STOP: {
        nl_start_stop v;
        if (nl_start_stop_decode(p, len, &v)) return -1;
        break;
    }
    case NL_RAW_SAMPLES: {
        nl_raw_samples v;
        uint32_t s, c;
        if (nl_raw_samples_decode(p, len, &v)) return -1;
        put(&t, "first_channel=%u channel_count=%u sample_count=%u samples=[", v.first_channel, v.channel_count, v.sample_count);
        for (s = 0; s < v.sample_count; s++) {
            for (c = 0; c < v.channel_count; c++) {
                put(&t, (s | c) ? ",%d" : "%d", nl_raw_sample(&v, s, c));
            }
        }
        put(&t, "]");
        break;
    }
    case NL_SPIKE_EVENTS: {
        nl_spike_events v;
        if (nl_spike_events_decode(p, len, &v)) return -1;
        put(&t, "event_count=%u window_samples=%" PRIu32 " events=[", v.event_count, v.window_samples);
        for (i = 0; i < v.event_count; i++) {
            nl_spike_event e = nl_spike_event_at(&v, i);
            put(&t, "%s%u:%u:%d:%u", i ? "," : "", e.channel, e.sample_offset, e.amplitude, e.unit);
        }
        put(&t, "]");
        break;
    }
    case NL_SPIKE_COUNTS: {
        nl_spike_counts v;
        if (nl_spike_counts_decode(p, len, &v)) return -1;
        put(&t, "first_channel=%u channel_count=%u bin_samples=%u counts=[", v.first_channel, v.channel_count, v.bin_samples);
        for (i = 0; i < v.channel_count; i++) {
            put(&t, i ? ",%u" : "%u", v.counts[i]);
        }
        put(&t, "]");
        break;
    }
    case NL_GAP: {
        nl_gap v;
        if (nl_gap_decode(p, len, &v)) return -1;
        put(&t, "lost_samples=%" PRIu64 " lost_frames=%" PRIu32 " reason=%u lost_type=%u", v.lost_samples, v.lost_frames, v.reason, v.lost_type);
        break;
    }
    case NL_STIM_ARM: {
        nl_stim_arm v;
        if (nl_stim_arm_decode(p, len, &v)) return -1;
        put(&t, "program_id=%u channel_count=%u phase1_amplitude_na=%" PRId32 " phase2_amplitude_na=%" PRId32 " phase1_width_us=%" PRIu32
                " interphase_gap_us=%" PRIu32 " phase2_width_us=%" PRIu32 " pulse_count=%" PRIu32 " pulse_rate_hz=%" PRIu32,
            v.program_id, v.channel_count, v.phase1_amplitude_na, v.phase2_amplitude_na, v.phase1_width_us, v.interphase_gap_us,
            v.phase2_width_us, v.pulse_count, v.pulse_rate_hz);
        put_u16_array(&t, "channels", v.channels, v.channel_count);
        break;
    }
    case NL_STIM_TRIGGER: {
        nl_stim_trigger v;
        if (nl_stim_trigger_decode(p, len, &v)) return -1;
        put(&t, "at_clock=%" PRIu64 " flags=%u program_count=%u", v.at_clock, v.flags, v.program_count);
        put_u16_array(&t, "program_ids", v.program_ids, v.program_count);
        break;
    }
    case NL_STIM_DISARM: {
        nl_stim_disarm v;
        if (nl_stim_disarm_decode(p, len, &v)) return -1;
        put(&t, "program_id=%u", v.program_id);
        break;
    }
    case NL_STIM_ACK: {
        nl_stim_ack v;
        if (nl_stim_ack_decode(p, len, &v)) return -1;
        put(&t, "request_type=%u program_id=%u request_sequence=%" PRIu32 " effective_clock=%" PRIu64, v.request_type, v.program_id, v.request_sequence, v.effective_clock);
        break;
    }
    case NL_STIM_NACK: {
        nl_stim_nack v;
        if (nl_stim_nack_decode(p, len, &v)) return -1;
        put(&t, "request_type=%u reason=%u request_sequence=%" PRIu32 " program_id=%u channel=%u limit=%" PRIu32 " actual=%" PRIu32,
            v.request_type, v.reason, v.request_sequence, v.program_id, v.channel, v.limit, v.actual);
        break;
    }
    case NL_HEARTBEAT: {
        nl_heartbeat v;
        if (nl_heartbeat_decode(p, len, &v)) return -1;
        put(&t, "fifo_fill_permille=%u status=%u frames_dropped=%" PRIu32 " host_crc_errors=%" PRIu32 " host_frames=%" PRIu32 " host_discarded_bytes=%" PRIu32,
            v.fifo_fill_permille, v.status, v.frames_dropped, v.host_crc_errors, v.host_frames, v.host_discarded_bytes);
        break;
    }
    case NL_PING: {
        nl_ping v;
        if (nl_ping_decode(p, len, &v)) return -1;
        put(&t, "host_time_ns=%" PRIu64 " ping_id=%" PRIu32, v.host_time_ns, v.ping_id);
        break;
    }
    case NL_PONG: {
        nl_pong v;
        if (nl_pong_decode(p, len, &v)) return -1;
        put(&t, "host_time_ns=%" PRIu64 " ping_id=%" PRIu32 " rx_clock=%" PRIu64, v.host_time_ns, v.ping_id, v.rx_clock);
        break;
    }
    default:
        return -1;
    }
    return t.n < cap ? 0 : -1;
}

static uint16_t u16_at(const uint8_t *p, uint32_t i) { return nl_get_u16(p + 2 * i); }

int nl_reencode(uint8_t type, const uint8_t *p, uint32_t len, uint8_t *out)
{
    uint16_t list[65535];
    uint32_t i;
    switch (type) {
    case NL_HELLO: { nl_hello v; return nl_hello_decode(p, len, &v) ? -1 : (int)nl_hello_encode(out, &v); }
    case NL_CAPABILITIES: { nl_capabilities v; return nl_capabilities_decode(p, len, &v) ? -1 : (int)nl_capabilities_encode(out, &v); }
    case NL_ERROR: { nl_error v; return nl_error_decode(p, len, &v) ? -1 : (int)nl_error_encode(out, &v); }
    case NL_REG_READ: { nl_reg v; if (nl_reg_decode(p, len, &v)) return -1; v.value = 0; return (int)nl_reg_encode(out, &v); }
    case NL_REG_WRITE: { nl_reg v; return nl_reg_decode(p, len, &v) ? -1 : (int)nl_reg_encode(out, &v); }
    case NL_ACK: { nl_ack v; return nl_ack_decode(p, len, &v) ? -1 : (int)nl_ack_encode(out, &v); }
    case NL_NACK: { nl_nack v; return nl_nack_decode(p, len, &v) ? -1 : (int)nl_nack_encode(out, &v); }
    case NL_START: { nl_start_stop v; return nl_start_stop_decode(p, len, &v) ? -1 : (int)nl_start_stop_encode(out, &v); }
    case NL_STOP: { nl_start_stop v; if (nl_start_stop_decode(p, len, &v)) return -1; v.stream_mask = 0; return (int)nl_start_stop_encode(out, &v); }
    case NL_RAW_SAMPLES: {
        nl_raw_samples v;
        static int16_t samples[NL_MAX_PAYLOAD / 2];
        if (nl_raw_samples_decode(p, len, &v)) return -1;
        for (i = 0; i < (uint32_t)v.channel_count * v.sample_count; i++) samples[i] = (int16_t)u16_at(v.samples, i);
        return (int)nl_raw_samples_encode(out, v.first_channel, v.channel_count, v.sample_count, samples);
    }
    case NL_SPIKE_EVENTS: {
        nl_spike_events v;
        static nl_spike_event events[65535];
        if (nl_spike_events_decode(p, len, &v)) return -1;
        for (i = 0; i < v.event_count; i++) events[i] = nl_spike_event_at(&v, i);
        return (int)nl_spike_events_encode(out, v.window_samples, v.event_count, events);
    }
    case NL_SPIKE_COUNTS: {
        nl_spike_counts v;
        return nl_spike_counts_decode(p, len, &v) ? -1 : (int)nl_spike_counts_encode(out, v.first_channel, v.bin_samples, v.channel_count, v.counts);
    }
    case NL_GAP: { nl_gap v; return nl_gap_decode(p, len, &v) ? -1 : (int)nl_gap_encode(out, &v); }
    case NL_STIM_ARM: {
        nl_stim_arm v;
        if (nl_stim_arm_decode(p, len, &v)) return -1;
        for (i = 0; i < v.channel_count; i++) list[i] = u16_at(v.channels, i);
        return (int)nl_stim_arm_encode(out, &v, list);
    }
    case NL_STIM_TRIGGER: {
        nl_stim_trigger v;
        if (nl_stim_trigger_decode(p, len, &v)) return -1;
        for (i = 0; i < v.program_count; i++) list[i] = u16_at(v.program_ids, i);
        return (int)nl_stim_trigger_encode(out, v.at_clock, v.flags, v.program_count, list);
    }
    case NL_STIM_DISARM: { nl_stim_disarm v; return nl_stim_disarm_decode(p, len, &v) ? -1 : (int)nl_stim_disarm_encode(out, &v); }
    case NL_STIM_ACK: { nl_stim_ack v; return nl_stim_ack_decode(p, len, &v) ? -1 : (int)nl_stim_ack_encode(out, &v); }
    case NL_STIM_NACK: { nl_stim_nack v; return nl_stim_nack_decode(p, len, &v) ? -1 : (int)nl_stim_nack_encode(out, &v); }
    case NL_HEARTBEAT: { nl_heartbeat v; return nl_heartbeat_decode(p, len, &v) ? -1 : (int)nl_heartbeat_encode(out, &v); }
    case NL_PING: { nl_ping v; return nl_ping_decode(p, len, &v) ? -1 : (int)nl_ping_encode(out, &v); }
    case NL_PONG: { nl_pong v; return nl_pong_decode(p, len, &v) ? -1 : (int)nl_pong_encode(out, &v); }
    default: return -1;
    }
}
