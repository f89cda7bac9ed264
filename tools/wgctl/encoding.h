/* SPDX-License-Identifier: GPL-2.0 */
/* Base64 keys, key generation and the X25519 public-key derivation. */
#ifndef WGCTL_ENCODING_H
#define WGCTL_ENCODING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device.h"

/* Writes the 44-character base64 form of @key and a NUL into @out. */
void wgc_key_to_base64(char out[WGC_KEY_B64_LEN], const uint8_t key[WGC_KEY_LEN]);
/*
 * Parses exactly 44 characters of standard base64 ending in '=' whose
 * unused low bits are zero.  On failure @key is zeroed and false returned.
 */
bool wgc_key_from_base64(uint8_t key[WGC_KEY_LEN], const char *in);
bool wgc_key_is_zero(const uint8_t key[WGC_KEY_LEN]);
/* Constant-time comparison; true if equal. */
bool wgc_key_equal(const uint8_t a[WGC_KEY_LEN], const uint8_t b[WGC_KEY_LEN]);
void wgc_wipe(void *p, size_t len);
/* Fills @key from the kernel's random source; false on failure (errno). */
bool wgc_key_random(uint8_t key[WGC_KEY_LEN]);
/* X25519 private-key clamping as RFC 7748 does it. */
void wgc_key_clamp(uint8_t key[WGC_KEY_LEN]);
/* X25519 base-point multiplication; false if the library failed. */
bool wgc_key_public(uint8_t pub[WGC_KEY_LEN], const uint8_t priv[WGC_KEY_LEN]);

#endif
