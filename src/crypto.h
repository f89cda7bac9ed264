/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Transport-data AEAD: ChaCha20-Poly1305 from lib/crypto over an skb in
 * place.  The one place the data path touches a cipher.
 */

#ifndef _WGTUN_CRYPTO_H
#define _WGTUN_CRYPTO_H

#include <linux/skbuff.h>
#include <linux/types.h>

#include "messages.h"

/*
 * Seal the plaintext that follows the @hdr_len header bytes at skb->data:
 * append @pad zero bytes and the tag, encrypt in place.
 * Return: true on success; on false the caller frees the skb.
 */
bool wgt_crypto_encrypt_skb(struct sk_buff *skb, unsigned int hdr_len, unsigned int pad,
			    const u8 key[NOISE_SYMMETRIC_KEY_LEN], u64 nonce);

/*
 * Open the ciphertext following @hdr_len header bytes in place; on success
 * the tag is trimmed off and the header pulled, leaving the plaintext at
 * skb->data.  Return: false if authentication failed.
 */
bool wgt_crypto_decrypt_skb(struct sk_buff *skb, unsigned int hdr_len,
			    const u8 key[NOISE_SYMMETRIC_KEY_LEN], u64 nonce);

#endif /* _WGTUN_CRYPTO_H */
