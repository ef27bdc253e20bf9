/* Canonical field text of a payload (SPEC section 11), for the vector tests. */
#ifndef NL_DESCRIBE_H
#define NL_DESCRIBE_H
#include <stddef.h>
#include <stdint.h>

/* Renders the typed decoding of payload into out. Returns 0, or -1 when malformed or unknown. */
int nl_describe(uint8_t type, const uint8_t *payload, uint32_t len, char *out, size_t cap);

/* Decodes payload with its typed decoder and encodes it again into out; returns the length or -1. */
int nl_reencode(uint8_t type, const uint8_t *payload, uint32_t len, uint8_t *out);

#endif
