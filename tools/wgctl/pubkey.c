// SPDX-License-Identifier: GPL-2.0
/* `wgctl pubkey`: the public key of the base64 private key on stdin. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "encoding.h"
#include "subcommands.h"

int pubkey_main(int argc, const char *argv[])
{
	uint8_t priv[WGC_KEY_LEN], pub[WGC_KEY_LEN];
	char line[WGC_KEY_B64_LEN + 1];
	size_t n;
	int c, ret = 1;

	if (argc != 1) {
		fprintf(stderr, "Usage: %s %s\n", PROG_NAME, argv[0]);
		return 1;
	}
	n = fread(line, 1, WGC_KEY_B64_LEN - 1, stdin);
	line[n] = '\0';
	if (n != WGC_KEY_B64_LEN - 1 || !wgc_key_from_base64(priv, line)) {
		fprintf(stderr, "%s: Key is not the correct length or format\n", PROG_NAME);
		goto out;
	}
	while ((c = getchar()) != EOF) {
		if (!isspace(c)) {
			fprintf(stderr, "%s: Trailing characters found after key\n", PROG_NAME);
			goto out;
		}
	}
	if (!wgc_key_public(pub, priv)) {
		fprintf(stderr, "%s: Unable to compute the public key\n", PROG_NAME);
		goto out;
	}
	wgc_key_to_base64(line, pub);
	puts(line);
	ret = fflush(stdout) ? 1 : 0;
out:
	wgc_wipe(priv, sizeof(priv));
	wgc_wipe(line, sizeof(line));
	return ret;
}
