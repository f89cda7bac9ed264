// SPDX-License-Identifier: GPL-2.0
/*
 * ChaCha20-Poly1305 over socket buffers.  lib/crypto's scatterlist helpers
 * walk the skb's linear part and fragments directly, so no bounce copy is
 * needed; skb_cow_data() first makes every byte we touch private to us.
 */

#include <crypto/chacha20poly1305.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>

#include "crypto.h"

/* Enough entries for the linear part, every fragment and a frag list hop. */
#define WGT_SG_MAX (MAX_SKB_FRAGS + 8)

bool wgt_crypto_encrypt_skb(struct sk_buff *skb, unsigned int hdr_len, unsigned int pad,
			    const u8 key[NOISE_SYMMETRIC_KEY_LEN], u64 nonce)
{
	unsigned int plain_len = skb->len - hdr_len + pad;
	struct scatterlist sg[WGT_SG_MAX];
	struct sk_buff *trailer;
	int nents;
	u8 *tail;

	nents = skb_cow_data(skb, pad + CHACHA20POLY1305_AUTHTAG_SIZE, &trailer);
	if (unlikely(nents < 0 || nents > WGT_SG_MAX))
		return false;
	/* Zero padding, then room for the tag the cipher writes. */
	tail = pskb_put(skb, trailer, pad + CHACHA20POLY1305_AUTHTAG_SIZE);
	memset(tail, 0, pad);

	sg_init_table(sg, nents);
	if (unlikely(skb_to_sgvec(skb, sg, hdr_len,
				  plain_len + CHACHA20POLY1305_AUTHTAG_SIZE) <= 0))
		return false;
	return chacha20poly1305_encrypt_sg_inplace(sg, plain_len, NULL, 0, nonce, key);
}

bool wgt_crypto_decrypt_skb(struct sk_buff *skb, unsigned int hdr_len,
			    const u8 key[NOISE_SYMMETRIC_KEY_LEN], u64 nonce)
{
	struct scatterlist sg[WGT_SG_MAX];
	struct sk_buff *trailer;
	unsigned int crypt_len;
	int nents;

	if (unlikely(skb->len < hdr_len + CHACHA20POLY1305_AUTHTAG_SIZE))
		return false;
	crypt_len = skb->len - hdr_len;

	nents = skb_cow_data(skb, 0, &trailer);
	if (unlikely(nents < 0 || nents > WGT_SG_MAX))
		return false;
	sg_init_table(sg, nents);
	if (unlikely(skb_to_sgvec(skb, sg, hdr_len, crypt_len) <= 0))
		return false;
	if (!chacha20poly1305_decrypt_sg_inplace(sg, crypt_len, NULL, 0, nonce, key))
		return false;

	/* Leave just the plaintext: drop the header in front, the tag behind. */
	skb_pull(skb, hdr_len);
	return pskb_trim(skb, crypt_len - CHACHA20POLY1305_AUTHTAG_SIZE) == 0;
}
