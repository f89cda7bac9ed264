// SPDX-License-Identifier: GPL-2.0
/*
 * The two ways the kernel offers ChaCha20-Poly1305, side by side (debug build):
 * lib/crypto's chacha20poly1305_encrypt_sg_inplace(), which the data path uses, and the
 * crypto API's "rfc7539(chacha20,poly1305)" AEAD. With WireGuard's nonce (32 zero bits,
 * then the 64-bit counter, little-endian) the two must produce the same bytes; the
 * self-test checks that at the sizes the benchmark uses.
 *
 * The benchmark runs when the debug module is loaded with crypto_bench=N: N sealings
 * per size and path, in 5 alternating rounds, and one line per size
 *   wgtun: crypto bench: size=64 n=N lib_ns=X aead_ns=Y
 * with the median nanoseconds per sealing of each path (bench/15-crypto.sh reads it).
 */
#include <crypto/aead.h>
#include <crypto/chacha20poly1305.h>
#include <linux/module.h>
#include <linux/random.h>
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/timekeeping.h>

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

/* Both paths seal the same random plaintext under the same key and nonce. */
static bool same_output(struct aead_path *p, u8 *a, u8 *b, unsigned int len, const u8 *key)
{
	struct scatterlist sga, sgb;
	u64 nonce = get_random_u64();

	get_random_bytes(a, len);
	memcpy(b, a, len);
	sg_init_one(&sga, a, len + TAG_LEN);
	sg_init_one(&sgb, b, len + TAG_LEN);
	if (!lib_seal(&sga, len, nonce, key) || aead_seal(p, &sgb, len, nonce))
		return false;
	return !memcmp(a, b, len + TAG_LEN);
}

bool wgt_crypto_selftest(void)
{
	u8 key[CHACHA20POLY1305_KEY_SIZE];
	struct aead_path p;
	u8 *a, *b = NULL;
	bool ok = false;
	unsigned int i;
	u64 lib_ns, aead_ns;
	int ret;

	get_random_bytes(key, sizeof(key));
	ret = aead_path_init(&p, key);
	if (ret) {
		/* Not an error of ours: the kernel may lack the template. */
		pr_info("wgtun: crypto self-test: skipped, no crypto API AEAD (%d)\n", ret);
		memzero_explicit(key, sizeof(key));
		return true;
	}
	a = kmalloc(MAX_LEN + TAG_LEN, GFP_KERNEL);
	b = kmalloc(MAX_LEN + TAG_LEN, GFP_KERNEL);
	if (!a || !b)
		goto out;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		if (!same_output(&p, a, b, sizes[i], key)) {
			pr_err("wgtun: crypto self-test: lib/crypto and the AEAD differ at %u bytes\n",
			       sizes[i]);
			goto out;
		}
	}
	pr_info("wgtun: crypto self-test: pass\n");
	ok = true;

	for (i = 0; crypto_bench && i < ARRAY_SIZE(sizes); i++) {
		ret = bench_size(&p, a, sizes[i], key, crypto_bench, &lib_ns, &aead_ns);
		if (ret) {
			pr_err("wgtun: crypto bench: failed at %u bytes (%d)\n", sizes[i], ret);
			break;
		}
		pr_info("wgtun: crypto bench: size=%u n=%u lib_ns=%llu aead_ns=%llu\n",
			sizes[i], crypto_bench, lib_ns, aead_ns);
	}
out:
	kfree(a);
	kfree(b);
	aead_path_uninit(&p);
	memzero_explicit(key, sizeof(key));
	return ok;
}
