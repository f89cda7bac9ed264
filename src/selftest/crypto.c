// SPDX-License-Identifier: GPL-2.0
/*
 * Self-test of wgtun's transport AEAD over socket buffers (debug build):
 * wgt_crypto_encrypt_skb() and wgt_crypto_decrypt_skb() against a known
 * answer, for every shape the data path hands them: a linear skb, paged
 * fragments and a frag list, with a plaintext whose length is not a multiple
 * of 16, so that the zero padding is part of what is sealed.  Then a larger
 * random plaintext in every shape must seal to the same bytes as the linear
 * one and open again, and a flipped byte, a wrong nonce or a truncated tag
 * must be refused.
 *
 * The known answer was computed independently with the Python package
 * "cryptography" (ChaCha20Poly1305, itself checked against RFC 8439 section
 * 2.8.2 first), with WireGuard's nonce of 4 zero bytes and the little-endian
 * counter, no associated data, and the plaintext padded with zeros to a
 * multiple of 16:
 *   key = bytes(range(32)); n = 0x0102030405060708
 *   ChaCha20Poly1305(key).encrypt(b"\0" * 4 + n.to_bytes(8, "little"),
 *                                 P + b"\0" * 11, None)
 * for P the 37 bytes "Ladies and Gentlemen of the class of ".
 *
 * The benchmark runs when the debug module is loaded with crypto_bench=N: it
 * compares lib/crypto's chacha20poly1305_encrypt_sg_inplace(), which the data
 * path uses, with the crypto API's "rfc7539(chacha20,poly1305)" AEAD: N
 * sealings per size and path, in 5 alternating rounds, and one line per size
 *   wgtun: crypto bench: size=64 n=N lib_ns=X aead_ns=Y
 * with the median nanoseconds per sealing of each path (bench/15-crypto.sh
 * reads it).
 */
#undef pr_fmt
#define pr_fmt(fmt) "wgtun: " fmt

#include <crypto/aead.h>
#include <crypto/chacha20poly1305.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/skbuff.h>
#include <linux/timekeeping.h>

#include "crypto.h"
#include "messages.h"
#include "selftest.h"

static unsigned int crypto_bench;
module_param(crypto_bench, uint, 0444);
MODULE_PARM_DESC(crypto_bench,
		 "debug build: seal this many packets per size with lib/crypto and the crypto API at load, and print the cost (0: off)");

#define BENCH_ROUNDS 5
#define TAG_LEN CHACHA20POLY1305_AUTHTAG_SIZE
#define MAX_LEN 1420

static const unsigned int sizes[] = { 64, 512, MAX_LEN };

struct aead_path {
	struct crypto_aead *tfm;
	struct aead_request *req;
	u8 iv[12];
};

static int aead_path_init(struct aead_path *p, const u8 key[CHACHA20POLY1305_KEY_SIZE])
{
	int ret;

	/* Synchronous implementations only: the data path could not wait for another. */
	p->tfm = crypto_alloc_aead("rfc7539(chacha20,poly1305)", 0, CRYPTO_ALG_ASYNC);
	if (IS_ERR(p->tfm))
		return PTR_ERR(p->tfm);
	ret = crypto_aead_setkey(p->tfm, key, CHACHA20POLY1305_KEY_SIZE);
	if (!ret)
		ret = crypto_aead_setauthsize(p->tfm, TAG_LEN);
	if (ret)
		goto err;
	p->req = aead_request_alloc(p->tfm, GFP_KERNEL);
	if (!p->req) {
		ret = -ENOMEM;
		goto err;
	}
	aead_request_set_callback(p->req, 0, NULL, NULL);
	aead_request_set_ad(p->req, 0);
	return 0;
err:
	crypto_free_aead(p->tfm);
	return ret;
}

static void aead_path_uninit(struct aead_path *p)
{
	aead_request_free(p->req);
	crypto_free_aead(p->tfm);
}

static int aead_seal(struct aead_path *p, struct scatterlist *sg, unsigned int len, u64 nonce)
{
	__le64 counter = cpu_to_le64(nonce);

	memset(p->iv, 0, 4);
	memcpy(p->iv + 4, &counter, sizeof(counter));
	aead_request_set_crypt(p->req, sg, sg, len, p->iv);
	return crypto_aead_encrypt(p->req);
}

static bool lib_seal(struct scatterlist *sg, unsigned int len, u64 nonce,
		     const u8 key[CHACHA20POLY1305_KEY_SIZE])
{
	return chacha20poly1305_encrypt_sg_inplace(sg, len, NULL, 0, nonce, key);
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Median nanoseconds per sealing of each path at one size. */
static int bench_size(struct aead_path *p, u8 *buf, unsigned int len, const u8 *key,
		      unsigned int n, u64 *lib_ns, u64 *aead_ns)
{
	u64 lib[BENCH_ROUNDS], api[BENCH_ROUNDS], t0;
	unsigned int per_round = max(n / BENCH_ROUNDS, 1U);
	struct scatterlist sg;
	unsigned int r, i, pass;
	int ret;

	sg_init_one(&sg, buf, len + TAG_LEN);
	for (r = 0; r < BENCH_ROUNDS; r++) {
		/* Alternate which path goes first, so that drift falls on both. */
		for (pass = 0; pass < 2; pass++) {
			bool use_lib = (r + pass) % 2 == 0;

			t0 = ktime_get_ns();
			for (i = 0; i < per_round; i++) {
				if (use_lib) {
					if (!lib_seal(&sg, len, i, key))
						return -EIO;
				} else {
					ret = aead_seal(p, &sg, len, i);
					if (ret)
						return ret;
				}
			}
			t0 = ktime_get_ns() - t0;
			if (use_lib)
				lib[r] = div_u64(t0, per_round);
			else
				api[r] = div_u64(t0, per_round);
			cond_resched();
		}
	}
	sort(lib, BENCH_ROUNDS, sizeof(lib[0]), cmp_u64, NULL);
	sort(api, BENCH_ROUNDS, sizeof(api[0]), cmp_u64, NULL);
	*lib_ns = lib[BENCH_ROUNDS / 2];
	*aead_ns = api[BENCH_ROUNDS / 2];
	return 0;
}

/* ---- wgt_crypto_*_skb ---------------------------------------------------- */

#define HDR_LEN MESSAGE_DATA_HEADER_LEN
#define KAT_LEN 37
#define KAT_PAD 11
#define KAT_NONCE 0x0102030405060708ULL
/* A random plaintext over several ChaCha20 blocks, again not a multiple of 16. */
#define RANDOM_LEN 1337
#define RANDOM_PAD 7

static const u8 kat_plain[] = "Ladies and Gentlemen of the class of ";
static_assert(sizeof(kat_plain) == KAT_LEN + 1);

static const u8 kat_sealed[KAT_LEN + KAT_PAD + TAG_LEN] = {
	0xbc, 0x28, 0xc9, 0x8d, 0xce, 0x4a, 0xca, 0x79,
	0x0a, 0xcf, 0x0a, 0x8b, 0x16, 0x16, 0x15, 0xd4,
	0x85, 0x6b, 0x97, 0xaa, 0xa8, 0x2b, 0x23, 0xbe,
	0x23, 0x5d, 0xc2, 0x7d, 0x8a, 0x6e, 0xc6, 0xae,
	0x2a, 0x5c, 0x6f, 0xdb, 0xf2, 0x32, 0x09, 0xf9,
	0x10, 0x34, 0x66, 0xf0, 0xc2, 0x60, 0xe0, 0x66,
	0x11, 0x39, 0xbe, 0x91, 0xae, 0x7f, 0xcd, 0x24,
	0xab, 0x1f, 0xc9, 0x03, 0x47, 0x53, 0x20, 0x7f,
};

/* How the bytes after the header lie in the skb. */
enum skb_shape {
	SHAPE_LINEAR,
	SHAPE_FRAGS,		/* header and a few bytes linear, the rest in two page frags */
	SHAPE_FRAG_LIST,	/* header and part of the payload, then one skb on the frag list */
	SHAPE_COUNT,
};

static const char * const shape_names[SHAPE_COUNT] = { "linear", "page frags", "frag list" };

static struct wgt_selftest tally;

/* Room for the padding and the tag, as the data path leaves it. */
#define TAIL_ROOM (MESSAGE_PADDING_MULTIPLE + TAG_LEN)

static bool add_frag(struct sk_buff *skb, const u8 *data, unsigned int len)
{
	unsigned int i = skb_shinfo(skb)->nr_frags;
	struct page *page = alloc_page(GFP_KERNEL);

	if (!page)
		return false;
	/* An offset, so that the fragment does not start on a page boundary. */
	memcpy(page_address(page) + 3, data, len);
	skb_fill_page_desc(skb, i, page, 3, len);
	skb->len += len;
	skb->data_len += len;
	skb->truesize += PAGE_SIZE;
	return true;
}

/* A data message: @hdr, then @len bytes of @plain laid out as @shape. */
static struct sk_buff *build_skb_shaped(enum skb_shape shape, const u8 *hdr, const u8 *plain,
					unsigned int len)
{
	unsigned int head = shape == SHAPE_LINEAR ? len : len / 3;
	struct sk_buff *skb, *next;

	skb = alloc_skb(HDR_LEN + head + TAIL_ROOM, GFP_KERNEL);
	if (!skb)
		return NULL;
	skb_put_data(skb, hdr, HDR_LEN);
	skb_put_data(skb, plain, head);
	plain += head;
	len -= head;
	if (shape == SHAPE_FRAGS) {
		if (!add_frag(skb, plain, len / 2) ||
		    !add_frag(skb, plain + len / 2, len - len / 2))
			goto err;
	} else if (shape == SHAPE_FRAG_LIST) {
		next = alloc_skb(len + TAIL_ROOM, GFP_KERNEL);
		if (!next)
			goto err;
		skb_put_data(next, plain, len);
		skb_shinfo(skb)->frag_list = next;
		skb->len += len;
		skb->data_len += len;
		skb->truesize += next->truesize;
	}
	return skb;
err:
	kfree_skb(skb);
	return NULL;
}

/*
 * @msg (the header and @sealed bytes) rebuilt in @shape, with the sealed byte
 * at @at flipped, or else opened under the wrong nonce (@nonce_off not 0),
 * must be refused.
 */
static void refuse(enum skb_shape shape, const u8 *key, u64 nonce, const u8 *msg,
		   unsigned int sealed, unsigned int at, u64 nonce_off, const char *what)
{
	struct sk_buff *skb = build_skb_shaped(shape, msg, msg + HDR_LEN, sealed);
	u8 byte;

	if (!skb) {
		FAIL("%s: out of memory", shape_names[shape]);
		return;
	}
	if (!nonce_off) {
		skb_copy_bits(skb, HDR_LEN + at, &byte, 1);
		byte ^= 0x20;
		skb_store_bits(skb, HDR_LEN + at, &byte, 1);
	}
	if (wgt_crypto_decrypt_skb(skb, HDR_LEN, key, nonce + nonce_off))
		FAIL("%s, %u bytes: %s accepted", shape_names[shape], sealed, what);
	kfree_skb(skb);
}

/*
 * Seal @plain (@len bytes, padded with @pad zeros) in @shape and compare the
 * header and the sealed bytes with @hdr and @want; then check that damaged
 * copies are refused, open it and compare with the padded plaintext.  @buf
 * holds a whole message.
 */
static void seal_open(enum skb_shape shape, const u8 *key, u64 nonce, const u8 *hdr,
		      const u8 *plain, unsigned int len, unsigned int pad, const u8 *want,
		      u8 *buf)
{
	const char *name = shape_names[shape];
	unsigned int sealed = len + pad + TAG_LEN;
	struct sk_buff *skb;

	skb = build_skb_shaped(shape, hdr, plain, len);
	if (!skb) {
		FAIL("%s: out of memory", name);
		return;
	}
	if (!wgt_crypto_encrypt_skb(skb, HDR_LEN, pad, key, nonce)) {
		FAIL("%s, %u bytes: sealing failed", name, len);
		goto free;
	}
	if (skb->len != HDR_LEN + sealed || skb_copy_bits(skb, 0, buf, skb->len)) {
		FAIL("%s, %u bytes: sealed length %u", name, len, skb->len);
		goto free;
	}
	if (memcmp(buf, hdr, HDR_LEN))
		FAIL("%s, %u bytes: header changed", name, len);
	if (memcmp(buf + HDR_LEN, want, sealed))
		FAIL("%s, %u bytes: wrong sealed bytes", name, len);

	refuse(shape, key, nonce, buf, sealed, len / 2, 0, "flipped byte");
	refuse(shape, key, nonce, buf, sealed, sealed - 1, 0, "flipped tag byte");
	refuse(shape, key, nonce, buf, sealed, 0, 1, "wrong nonce");

	if (!wgt_crypto_decrypt_skb(skb, HDR_LEN, key, nonce)) {
		FAIL("%s, %u bytes: opening failed", name, len);
		goto free;
	}
	if (skb->len != len + pad || skb_copy_bits(skb, 0, buf, skb->len)) {
		FAIL("%s, %u bytes: opened length %u", name, len, skb->len);
		goto free;
	}
	if (memcmp(buf, plain, len) || memchr_inv(buf + len, 0, pad))
		FAIL("%s, %u bytes: wrong plaintext", name, len);
free:
	kfree_skb(skb);
}

/* A message shorter than a tag is refused, not read past its end. */
static void short_message(const u8 *key, const u8 *hdr)
{
	struct sk_buff *skb = alloc_skb(HDR_LEN + TAG_LEN, GFP_KERNEL);

	if (!skb) {
		FAIL("out of memory");
		return;
	}
	skb_put_data(skb, hdr, HDR_LEN);
	skb_put_zero(skb, TAG_LEN - 1);
	CHECK(!wgt_crypto_decrypt_skb(skb, HDR_LEN, key, 0), "short message accepted");
	kfree_skb(skb);
}

/* The linear skb's sealing is the reference for the other shapes. */
static void random_plaintext(const u8 *key, const u8 *hdr, u8 *plain, u8 *want, u8 *buf)
{
	u64 nonce = get_random_u64();
	struct sk_buff *skb;
	int shape;

	get_random_bytes(plain, RANDOM_LEN);
	skb = build_skb_shaped(SHAPE_LINEAR, hdr, plain, RANDOM_LEN);
	if (!skb || !wgt_crypto_encrypt_skb(skb, HDR_LEN, RANDOM_PAD, key, nonce) ||
	    skb_copy_bits(skb, HDR_LEN, want, RANDOM_LEN + RANDOM_PAD + TAG_LEN)) {
		FAIL("random plaintext: linear reference");
		kfree_skb(skb);
		return;
	}
	kfree_skb(skb);
	for (shape = 0; shape < SHAPE_COUNT; shape++)
		seal_open(shape, key, nonce, hdr, plain, RANDOM_LEN, RANDOM_PAD, want, buf);
}

static void test_skb_aead(void)
{
	u8 key[CHACHA20POLY1305_KEY_SIZE], hdr[HDR_LEN];
	u8 *plain, *want, *buf;
	unsigned int i;
	int shape;

	for (i = 0; i < sizeof(key); i++)
		key[i] = i;
	memset(hdr, 0xa5, sizeof(hdr));
	plain = kmalloc(RANDOM_LEN, GFP_KERNEL);
	want = kmalloc(RANDOM_LEN + RANDOM_PAD + TAG_LEN, GFP_KERNEL);
	buf = kmalloc(HDR_LEN + RANDOM_LEN + RANDOM_PAD + TAG_LEN, GFP_KERNEL);
	if (!plain || !want || !buf) {
		FAIL("out of memory");
		goto out;
	}
	for (shape = 0; shape < SHAPE_COUNT; shape++)
		seal_open(shape, key, KAT_NONCE, hdr, kat_plain, KAT_LEN, KAT_PAD, kat_sealed,
			  buf);
	short_message(key, hdr);
	random_plaintext(key, hdr, plain, want, buf);
out:
	kfree(plain);
	kfree(want);
	kfree(buf);
}

/* The benchmark of the two kernel interfaces, when crypto_bench asks for it. */
static void crypto_bench_run(void)
{
	u8 key[CHACHA20POLY1305_KEY_SIZE];
	struct aead_path p;
	u64 lib_ns, aead_ns;
	unsigned int i;
	u8 *buf;
	int ret;

	get_random_bytes(key, sizeof(key));
	ret = aead_path_init(&p, key);
	if (ret) {
		pr_err("crypto bench: no crypto API AEAD (%d)\n", ret);
		goto out;
	}
	buf = kzalloc(MAX_LEN + TAG_LEN, GFP_KERNEL);
	for (i = 0; buf && i < ARRAY_SIZE(sizes); i++) {
		ret = bench_size(&p, buf, sizes[i], key, crypto_bench, &lib_ns, &aead_ns);
		if (ret) {
			pr_err("crypto bench: failed at %u bytes (%d)\n", sizes[i], ret);
			break;
		}
		pr_info("crypto bench: size=%u n=%u lib_ns=%llu aead_ns=%llu\n",
			sizes[i], crypto_bench, lib_ns, aead_ns);
	}
	kfree(buf);
	aead_path_uninit(&p);
out:
	memzero_explicit(key, sizeof(key));
}

bool wgt_crypto_selftest(void)
{
	bool ok;

	wgt_selftest_begin(&tally, "crypto");
	test_skb_aead();
	ok = wgt_selftest_end(&tally);
	if (crypto_bench)
		crypto_bench_run();
	return ok;
}
