// SPDX-License-Identifier: GPL-2.0
/*
 * Key encoding.  Base64 is done here by hand, branch-free on the key bits so
 * that decoding a secret does not leak it through timing; the curve itself
 * is OpenSSL's X25519.
 *
 * libcrypto is opened at run time, and only by `wgctl pubkey`: loading and
 * relocating it costs several times what the rest of a `wgctl set` does, and
 * scripts that build thousands of tunnels run wgctl once per interface.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include "encoding.h"

/* Maps 0..63 to its base64 character without a table lookup. */
static char b64_char(unsigned int v)
{
	int c = (int)v + 'A';

	c += ((25 - (int)v) >> 8) & ('a' - 'A' - 26);
	c += ((51 - (int)v) >> 8) & ('0' - 'a' - 26);
	c += ((61 - (int)v) >> 8) & ('+' - '0' - 10);
	c += ((62 - (int)v) >> 8) & ('/' - '+' - 1);
	return (char)c;
}

/* Maps a base64 character to 0..63, or to a negative value if invalid. */
static int b64_value(unsigned char ch)
{
	int c = ch, v = -1;

	v += (((('A' - 1) - c) & (c - ('Z' + 1))) >> 8) & (c - 'A' + 1);
	v += (((('a' - 1) - c) & (c - ('z' + 1))) >> 8) & (c - 'a' + 27);
	v += (((('0' - 1) - c) & (c - ('9' + 1))) >> 8) & (c - '0' + 53);
	v += ((('+' - 1 - c) & (c - ('+' + 1))) >> 8) & 63;
	v += ((('/' - 1 - c) & (c - ('/' + 1))) >> 8) & 64;
	return v;
}

void wgc_key_to_base64(char out[WGC_KEY_B64_LEN], const uint8_t key[WGC_KEY_LEN])
{
	unsigned int i, v;

	for (i = 0; i < WGC_KEY_LEN / 3; i++) {
		v = (unsigned int)key[i * 3] << 16 | key[i * 3 + 1] << 8 | key[i * 3 + 2];
		out[i * 4 + 0] = b64_char((v >> 18) & 63);
		out[i * 4 + 1] = b64_char((v >> 12) & 63);
		out[i * 4 + 2] = b64_char((v >> 6) & 63);
		out[i * 4 + 3] = b64_char(v & 63);
	}
	/* 32 = 3 * 10 + 2: the last two bytes make three characters and '='. */
	v = (unsigned int)key[30] << 16 | key[31] << 8;
	out[40] = b64_char((v >> 18) & 63);
	out[41] = b64_char((v >> 12) & 63);
	out[42] = b64_char((v >> 6) & 63);
	out[43] = '=';
	out[44] = '\0';
}

bool wgc_key_from_base64(uint8_t key[WGC_KEY_LEN], const char *in)
{
	unsigned int i, j;
	int bad = 0, v, acc;

	if (strlen(in) != WGC_KEY_B64_LEN - 1 || in[WGC_KEY_B64_LEN - 2] != '=')
		goto fail;
	for (i = 0; i < 11; i++) {
		acc = 0;
		for (j = 0; j < 4; j++) {
			if (i == 10 && j == 3) {
				acc <<= 6;
				break;
			}
			v = b64_value((unsigned char)in[i * 4 + j]);
			bad |= v;
			acc = (acc << 6) | (v & 63);
		}
		key[i * 3] = (uint8_t)(acc >> 16);
		key[i * 3 + 1] = (uint8_t)(acc >> 8);
		if (i < 10)
			key[i * 3 + 2] = (uint8_t)acc;
		else
			bad |= -(acc & 0xff);	/* non-canonical trailing bits */
	}
	if (bad < 0)
		goto fail;
	return true;
fail:
	wgc_wipe(key, WGC_KEY_LEN);
	return false;
}

bool wgc_key_is_zero(const uint8_t key[WGC_KEY_LEN])
{
	uint8_t acc = 0;
	unsigned int i;

	for (i = 0; i < WGC_KEY_LEN; i++)
		acc |= key[i];
	return acc == 0;
}

bool wgc_key_equal(const uint8_t a[WGC_KEY_LEN], const uint8_t b[WGC_KEY_LEN])
{
	uint8_t acc = 0;
	unsigned int i;

	for (i = 0; i < WGC_KEY_LEN; i++)
		acc |= a[i] ^ b[i];
	return acc == 0;
}

void wgc_wipe(void *p, size_t len)
{
	explicit_bzero(p, len);
}

bool wgc_key_random(uint8_t key[WGC_KEY_LEN])
{
	size_t done = 0;
	ssize_t n;

	while (done < WGC_KEY_LEN) {
		n = getrandom(key + done, WGC_KEY_LEN - done, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		done += (size_t)n;
	}
	return true;
}

void wgc_key_clamp(uint8_t key[WGC_KEY_LEN])
{
	key[0] &= 248;
	key[31] = (key[31] & 127) | 64;
}

#define LIBCRYPTO_SONAME "libcrypto.so." OPENSSL_MSTR(OPENSSL_SHLIB_VERSION)

/* The three libcrypto calls that derive a public key, bound on first use. */
static struct {
	__typeof__(&EVP_PKEY_new_raw_private_key) new_raw_private_key;
	__typeof__(&EVP_PKEY_get_raw_public_key) get_raw_public_key;
	__typeof__(&EVP_PKEY_free) free;
} ossl;

static bool libcrypto_bind(void)
{
	void *lib;

	if (ossl.free)
		return true;
	lib = dlopen(LIBCRYPTO_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (!lib) {
		fprintf(stderr, "%s\n", dlerror());
		return false;
	}
	ossl.new_raw_private_key = (__typeof__(ossl.new_raw_private_key))
		dlsym(lib, "EVP_PKEY_new_raw_private_key");
	ossl.get_raw_public_key = (__typeof__(ossl.get_raw_public_key))
		dlsym(lib, "EVP_PKEY_get_raw_public_key");
	ossl.free = (__typeof__(ossl.free))dlsym(lib, "EVP_PKEY_free");
	if (!ossl.new_raw_private_key || !ossl.get_raw_public_key || !ossl.free) {
		fprintf(stderr, "%s: X25519 calls missing\n", LIBCRYPTO_SONAME);
		ossl.free = NULL;
		dlclose(lib);
		return false;
	}
	/* Kept open to the end: libcrypto registers exit handlers of its own. */
	return true;
}

bool wgc_key_public(uint8_t pub[WGC_KEY_LEN], const uint8_t priv[WGC_KEY_LEN])
{
	EVP_PKEY *pkey;
	size_t len = WGC_KEY_LEN;
	bool ok;

	if (!libcrypto_bind())
		return false;
	pkey = ossl.new_raw_private_key(EVP_PKEY_X25519, NULL, priv, WGC_KEY_LEN);
	if (!pkey)
		return false;
	ok = ossl.get_raw_public_key(pkey, pub, &len) == 1 && len == WGC_KEY_LEN;
	ossl.free(pkey);
	return ok;
}
