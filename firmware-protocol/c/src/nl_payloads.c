/* Typed payloads, SPEC section 4. Every decoder checks the length before reading. */
#include <string.h>

#include "neurolink_protocol.h"

#define NL_NEED(n) do { if (len < (n)) { return -1; } } while (0)

int nl_hello_decode(const uint8_t *p, uint32_t len, nl_hello *v)
{
    NL_NEED(16);
    v->min_version = p[0];
    v->max_version = p[1];
    v->host_max_frame = nl_get_u32(p + 4);
    v->host_time_ns = nl_get_u64(p + 8);
    return 0;
}

uint32_t nl_hello_encode(uint8_t *p, const nl_hello *v)
{
    memset(p, 0, 16);
    p[0] = v->min_version;
    p[1] = v->max_version;
    nl_put_u32(p + 4, v->host_max_frame);
    nl_put_u64(p + 8, v->host_time_ns);
    return 16;
}

int nl_capabilities_decode(const uint8_t *p, uint32_t len, nl_capabilities *v)
{
    int i;
    NL_NEED(80);
    v->channel_count = nl_get_u32(p + 12);
    if (v->channel_count == 0 || v->channel_count > 65535u) {
        return -1;
    }
    NL_NEED(80 + (v->channel_count + 7u) / 8u);
    v->selected_version = p[0];
    v->min_version = p[1];
    v->max_version = p[2];
    v->device_kind = nl_get_u16(p + 4);
    v->max_stim_programs = nl_get_u16(p + 6);
    v->firmware_version = nl_get_u32(p + 8);
    v->max_frame_bytes = nl_get_u32(p + 16);
    v->raw_scale_nv = nl_get_u32(p + 20);
    for (i = 0; i < 4; i++) {
        v->sample_rates[i] = nl_get_u32(p + 24 + 4 * i);
    }
    v->stim_channel_count = nl_get_u16(p + 40);
    v->max_amplitude_na = nl_get_u32(p + 44);
    v->max_phase_width_us = nl_get_u32(p + 48);
    v->max_charge_pc = nl_get_u32(p + 52);
    v->max_pulse_rate_hz = nl_get_u32(p + 56);
    memcpy(v->serial, p + 64, 16);
    v->serial[16] = '\0';
    v->stim_mask = p + 80;
    return 0;
}

uint32_t nl_capabilities_encode(uint8_t *p, const nl_capabilities *v)
{
    uint32_t mask = (v->channel_count + 7u) / 8u;
    size_t serial_length = 0;
    int i;
    memset(p, 0, 80);
    p[0] = v->selected_version;
    p[1] = v->min_version;
    p[2] = v->max_version;
    nl_put_u16(p + 4, v->device_kind);
    nl_put_u16(p + 6, v->max_stim_programs);
    nl_put_u32(p + 8, v->firmware_version);
    nl_put_u32(p + 12, v->channel_count);
    nl_put_u32(p + 16, v->max_frame_bytes);
    nl_put_u32(p + 20, v->raw_scale_nv);
    for (i = 0; i < 4; i++) {
        nl_put_u32(p + 24 + 4 * i, v->sample_rates[i]);
    }
    nl_put_u16(p + 40, v->stim_channel_count);
    nl_put_u32(p + 44, v->max_amplitude_na);
    nl_put_u32(p + 48, v->max_phase_width_us);
    nl_put_u32(p + 52, v->max_charge_pc);
    nl_put_u32(p + 56, v->max_pulse_rate_hz);
    while (serial_length < 16 && v->serial[serial_length] != '\0') {
        serial_length++;
    }
    memcpy(p + 64, v->serial, serial_length);
    memcpy(p + 80, v->stim_mask, mask);
    return 80 + mask;
}

int nl_error_decode(const uint8_t *p, uint32_t len, nl_error *v)
{
    NL_NEED(8);
    v->code = nl_get_u16(p);
    v->detail = nl_get_u32(p + 4);
    v->message = p + 8;
    v->message_length = len - 8 > 240 ? 240 : len - 8;
    return 0;
}

uint32_t nl_error_encode(uint8_t *p, const nl_error *v)
{
    uint32_t n = v->message_length > 240 ? 240 : v->message_length;
    memset(p, 0, 8);
    nl_put_u16(p, v->code);
    nl_put_u32(p + 4, v->detail);
    memcpy(p + 8, v->message, n);
    return 8 + n;
}

int nl_reg_decode(const uint8_t *p, uint32_t len, nl_reg *v)
{
    NL_NEED(8);
    v->address = nl_get_u32(p);
    v->value = nl_get_u32(p + 4);
    return 0;
}

uint32_t nl_reg_encode(uint8_t *p, const nl_reg *v)
{
    nl_put_u32(p, v->address);
    nl_put_u32(p + 4, v->value);
    return 8;
}

int nl_ack_decode(const uint8_t *p, uint32_t len, nl_ack *v)
{
    NL_NEED(24);
    v->request_type = p[0];
    v->request_sequence = nl_get_u32(p + 4);
    v->address = nl_get_u32(p + 8);
    v->value = nl_get_u32(p + 12);
    v->effective_clock = nl_get_u64(p + 16);
    return 0;
}

uint32_t nl_ack_encode(uint8_t *p, const nl_ack *v)
{
    memset(p, 0, 4);
    p[0] = v->request_type;
    nl_put_u32(p + 4, v->request_sequence);
    nl_put_u32(p + 8, v->address);
    nl_put_u32(p + 12, v->value);
    nl_put_u64(p + 16, v->effective_clock);
    return 24;
}

int nl_nack_decode(const uint8_t *p, uint32_t len, nl_nack *v)
{
    NL_NEED(16);
    v->request_type = p[0];
    v->error = nl_get_u16(p + 2);
    v->request_sequence = nl_get_u32(p + 4);
    v->address = nl_get_u32(p + 8);
    v->value = nl_get_u32(p + 12);
    return 0;
}

uint32_t nl_nack_encode(uint8_t *p, const nl_nack *v)
{
    p[0] = v->request_type;
    p[1] = 0;
    nl_put_u16(p + 2, v->error);
    nl_put_u32(p + 4, v->request_sequence);
    nl_put_u32(p + 8, v->address);
    nl_put_u32(p + 12, v->value);
    return 16;
}

int nl_start_stop_decode(const uint8_t *p, uint32_t len, nl_start_stop *v)
{
    NL_NEED(8);
    v->stream_mask = nl_get_u32(p);
    return 0;
}

uint32_t nl_start_stop_encode(uint8_t *p, const nl_start_stop *v)
{
    nl_put_u32(p, v->stream_mask);
    nl_put_u32(p + 4, 0);
    return 8;
}

int nl_raw_samples_decode(const uint8_t *p, uint32_t len, nl_raw_samples *v)
{
    NL_NEED(8);
    v->first_channel = nl_get_u16(p);
    v->channel_count = nl_get_u16(p + 2);
    v->sample_count = nl_get_u16(p + 4);
    if (v->channel_count == 0 || v->sample_count == 0 || len != 8u + 2u * (uint32_t)v->channel_count * v->sample_count) {
        return -1;
    }
    v->samples = p + 8;
    return 0;
}

uint32_t nl_raw_samples_encode(uint8_t *p, uint16_t first_channel, uint16_t channel_count, uint16_t sample_count, const int16_t *samples)
{
    uint32_t n = (uint32_t)channel_count * sample_count;
    uint32_t i;
    nl_put_u16(p, first_channel);
    nl_put_u16(p + 2, channel_count);
    nl_put_u16(p + 4, sample_count);
    nl_put_u16(p + 6, 0);
    for (i = 0; i < n; i++) {
        nl_put_u16(p + 8 + 2 * i, (uint16_t)samples[i]);
    }
    return 8 + 2 * n;
}

int16_t nl_raw_sample(const nl_raw_samples *v, uint32_t sample, uint32_t channel)
{
    return (int16_t)nl_get_u16(v->samples + 2u * (sample * v->channel_count + channel));
}

int nl_spike_events_decode(const uint8_t *p, uint32_t len, nl_spike_events *v)
{
    NL_NEED(8);
    v->event_count = nl_get_u16(p);
    v->window_samples = nl_get_u32(p + 4);
    if (len != 8u + 8u * v->event_count) {
        return -1;
    }
    v->events = p + 8;
    return 0;
}

uint32_t nl_spike_events_encode(uint8_t *p, uint32_t window_samples, uint16_t event_count, const nl_spike_event *events)
{
    uint32_t i;
    nl_put_u16(p, event_count);
    nl_put_u16(p + 2, 0);
    nl_put_u32(p + 4, window_samples);
    for (i = 0; i < event_count; i++) {
        uint8_t *e = p + 8 + 8 * i;
        nl_put_u16(e, events[i].channel);
        nl_put_u16(e + 2, events[i].sample_offset);
        nl_put_u16(e + 4, (uint16_t)events[i].amplitude);
        nl_put_u16(e + 6, events[i].unit);
    }
    return 8 + 8u * event_count;
}

nl_spike_event nl_spike_event_at(const nl_spike_events *v, uint32_t index)
{
    const uint8_t *e = v->events + 8u * index;
    nl_spike_event ev;
    ev.channel = nl_get_u16(e);
    ev.sample_offset = nl_get_u16(e + 2);
    ev.amplitude = (int16_t)nl_get_u16(e + 4);
    ev.unit = nl_get_u16(e + 6);
    return ev;
}

int nl_spike_counts_decode(const uint8_t *p, uint32_t len, nl_spike_counts *v)
{
    NL_NEED(8);
    v->first_channel = nl_get_u16(p);
    v->channel_count = nl_get_u16(p + 2);
    v->bin_samples = nl_get_u16(p + 4);
    if (v->channel_count == 0 || len != 8u + v->channel_count) {
        return -1;
    }
    v->counts = p + 8;
    return 0;
}

uint32_t nl_spike_counts_encode(uint8_t *p, uint16_t first_channel, uint16_t bin_samples, uint16_t channel_count, const uint8_t *counts)
{
    nl_put_u16(p, first_channel);
    nl_put_u16(p + 2, channel_count);
    nl_put_u16(p + 4, bin_samples);
    nl_put_u16(p + 6, 0);
    memcpy(p + 8, counts, channel_count);
    return 8u + channel_count;
}

int nl_gap_decode(const uint8_t *p, uint32_t len, nl_gap *v)
{
    NL_NEED(16);
    v->lost_samples = nl_get_u64(p);
    v->lost_frames = nl_get_u32(p + 8);
    v->reason = p[12];
    v->lost_type = p[13];
    return 0;
}

uint32_t nl_gap_encode(uint8_t *p, const nl_gap *v)
{
    nl_put_u64(p, v->lost_samples);
    nl_put_u32(p + 8, v->lost_frames);
    p[12] = v->reason;
    p[13] = v->lost_type;
    nl_put_u16(p + 14, 0);
    return 16;
}

int nl_stim_arm_decode(const uint8_t *p, uint32_t len, nl_stim_arm *v)
{
    NL_NEED(32);
    v->program_id = nl_get_u16(p);
    v->channel_count = nl_get_u16(p + 2);
    if (v->channel_count == 0 || len != 32u + 2u * v->channel_count) {
        return -1;
    }
    v->phase1_amplitude_na = (int32_t)nl_get_u32(p + 4);
    v->phase2_amplitude_na = (int32_t)nl_get_u32(p + 8);
    v->phase1_width_us = nl_get_u32(p + 12);
    v->interphase_gap_us = nl_get_u32(p + 16);
    v->phase2_width_us = nl_get_u32(p + 20);
    v->pulse_count = nl_get_u32(p + 24);
    v->pulse_rate_hz = nl_get_u32(p + 28);
    v->channels = p + 32;
    return 0;
}

uint32_t nl_stim_arm_encode(uint8_t *p, const nl_stim_arm *v, const uint16_t *channels)
{
    uint32_t i;
    nl_put_u16(p, v->program_id);
    nl_put_u16(p + 2, v->channel_count);
    nl_put_u32(p + 4, (uint32_t)v->phase1_amplitude_na);
    nl_put_u32(p + 8, (uint32_t)v->phase2_amplitude_na);
    nl_put_u32(p + 12, v->phase1_width_us);
    nl_put_u32(p + 16, v->interphase_gap_us);
    nl_put_u32(p + 20, v->phase2_width_us);
    nl_put_u32(p + 24, v->pulse_count);
    nl_put_u32(p + 28, v->pulse_rate_hz);
    for (i = 0; i < v->channel_count; i++) {
        nl_put_u16(p + 32 + 2 * i, channels[i]);
    }
    return 32u + 2u * v->channel_count;
}

int nl_stim_trigger_decode(const uint8_t *p, uint32_t len, nl_stim_trigger *v)
{
    NL_NEED(16);
    v->at_clock = nl_get_u64(p);
    v->flags = nl_get_u16(p + 8);
    v->program_count = nl_get_u16(p + 10);
    if (v->program_count == 0 || len != 16u + 2u * v->program_count) {
        return -1;
    }
    v->program_ids = p + 16;
    return 0;
}

uint32_t nl_stim_trigger_encode(uint8_t *p, uint64_t at_clock, uint16_t flags, uint16_t program_count, const uint16_t *program_ids)
{
    uint32_t i;
    nl_put_u64(p, at_clock);
    nl_put_u16(p + 8, flags);
    nl_put_u16(p + 10, program_count);
    nl_put_u32(p + 12, 0);
    for (i = 0; i < program_count; i++) {
        nl_put_u16(p + 16 + 2 * i, program_ids[i]);
    }
    return 16u + 2u * program_count;
}

int nl_stim_disarm_decode(const uint8_t *p, uint32_t len, nl_stim_disarm *v)
{
    NL_NEED(8);
    v->program_id = nl_get_u16(p);
    return 0;
}

uint32_t nl_stim_disarm_encode(uint8_t *p, const nl_stim_disarm *v)
{
    memset(p, 0, 8);
    nl_put_u16(p, v->program_id);
    return 8;
}

int nl_stim_ack_decode(const uint8_t *p, uint32_t len, nl_stim_ack *v)
{
    NL_NEED(24);
    v->request_type = p[0];
    v->program_id = nl_get_u16(p + 2);
    v->request_sequence = nl_get_u32(p + 4);
    v->effective_clock = nl_get_u64(p + 16);
    return 0;
}

uint32_t nl_stim_ack_encode(uint8_t *p, const nl_stim_ack *v)
{
    memset(p, 0, 24);
    p[0] = v->request_type;
    nl_put_u16(p + 2, v->program_id);
    nl_put_u32(p + 4, v->request_sequence);
    nl_put_u64(p + 16, v->effective_clock);
    return 24;
}

int nl_stim_nack_decode(const uint8_t *p, uint32_t len, nl_stim_nack *v)
{
    NL_NEED(24);
    v->request_type = p[0];
    v->reason = nl_get_u16(p + 2);
    v->request_sequence = nl_get_u32(p + 4);
    v->program_id = nl_get_u16(p + 8);
    v->channel = nl_get_u16(p + 10);
    v->limit = nl_get_u32(p + 12);
    v->actual = nl_get_u32(p + 16);
    return 0;
}

uint32_t nl_stim_nack_encode(uint8_t *p, const nl_stim_nack *v)
{
    memset(p, 0, 24);
    p[0] = v->request_type;
    nl_put_u16(p + 2, v->reason);
    nl_put_u32(p + 4, v->request_sequence);
    nl_put_u16(p + 8, v->program_id);
    nl_put_u16(p + 10, v->channel);
    nl_put_u32(p + 12, v->limit);
    nl_put_u32(p + 16, v->actual);
    return 24;
}

int nl_heartbeat_decode(const uint8_t *p, uint32_t len, nl_heartbeat *v)
{
    NL_NEED(24);
    v->fifo_fill_permille = nl_get_u16(p);
    v->status = nl_get_u16(p + 2);
    v->frames_dropped = nl_get_u32(p + 4);
    v->host_crc_errors = nl_get_u32(p + 8);
    v->host_frames = nl_get_u32(p + 12);
    v->host_discarded_bytes = nl_get_u32(p + 16);
    return 0;
}

uint32_t nl_heartbeat_encode(uint8_t *p, const nl_heartbeat *v)
{
    nl_put_u16(p, v->fifo_fill_permille);
    nl_put_u16(p + 2, v->status);
    nl_put_u32(p + 4, v->frames_dropped);
    nl_put_u32(p + 8, v->host_crc_errors);
    nl_put_u32(p + 12, v->host_frames);
    nl_put_u32(p + 16, v->host_discarded_bytes);
    nl_put_u32(p + 20, 0);
    return 24;
}

int nl_ping_decode(const uint8_t *p, uint32_t len, nl_ping *v)
{
    NL_NEED(16);
    v->host_time_ns = nl_get_u64(p);
    v->ping_id = nl_get_u32(p + 8);
    return 0;
}

uint32_t nl_ping_encode(uint8_t *p, const nl_ping *v)
{
    nl_put_u64(p, v->host_time_ns);
    nl_put_u32(p + 8, v->ping_id);
    nl_put_u32(p + 12, 0);
    return 16;
}

int nl_pong_decode(const uint8_t *p, uint32_t len, nl_pong *v)
{
    NL_NEED(24);
    v->host_time_ns = nl_get_u64(p);
    v->ping_id = nl_get_u32(p + 8);
    v->rx_clock = nl_get_u64(p + 16);
    return 0;
}

uint32_t nl_pong_encode(uint8_t *p, const nl_pong *v)
{
    nl_put_u64(p, v->host_time_ns);
    nl_put_u32(p + 8, v->ping_id);
    nl_put_u32(p + 12, 0);
    nl_put_u64(p + 16, v->rx_clock);
    return 24;
}
