/* SPDX-License-Identifier: GPL-2.0 */
/* Base64 keys, key generation and the X25519 public-key derivation. */
#ifndef WGCTL_ENCODING_H
#define WGCTL_ENCODING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "device.h"

/* Writes the 44-character base64 form of @key and a NUL into @out. */
void wgt_key_to_base64(char out[WGT_KEY_B64_LEN], const uint8_t key[WGT_KEY_LEN]);
/*
 * Parses exactly 44 characters of standard base64 ending in '=' whose
 * unused low bits are zero.  On failure @key is zeroed and false returned.
 */
bool wgt_key_from_base64(uint8_t key[WGT_KEY_LEN], const char *in);
bool wgt_key_is_zero(const uint8_t key[WGT_KEY_LEN]);
/* Constant-time comparison; true if equal. */
bool wgt_key_equal(const uint8_t a[WGT_KEY_LEN], const uint8_t b[WGT_KEY_LEN]);
void wgt_wipe(void *p, size_t len);
/* Fills @key from the kernel's random source; false on failure (errno). */
bool wgt_key_random(uint8_t key[WGT_KEY_LEN]);
/* X25519 private-key clamping as RFC 7748 does it. */
void wgt_key_clamp(uint8_t key[WGT_KEY_LEN]);
/* X25519 base-point multiplication; false if the library failed. */
bool wgt_key_public(uint8_t pub[WGT_KEY_LEN], const uint8_t priv[WGT_KEY_LEN]);

#endif
