// SPDX-License-Identifier: GPL-2.0
/* `wgctl genkey` (a clamped X25519 private key) and `wgctl genpsk`. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "encoding.h"
#include "subcommands.h"

int genkey_main(int argc, const char *argv[])
{
	uint8_t key[WGC_KEY_LEN];
	char b64[WGC_KEY_B64_LEN];
	struct stat st;

	if (argc != 1) {
		fprintf(stderr, "Usage: %s %s\n", PROG_NAME, argv[0]);
		return 1;
	}
	/* A key written into a file others can read is no longer private. */
	if (!fstat(STDOUT_FILENO, &st) && S_ISREG(st.st_mode) && (st.st_mode & S_IRWXO))
		fputs("Warning: writing to world accessible file.\n"
		      "Consider setting the umask to 077 and trying again.\n", stderr);
	if (!wgc_key_random(key)) {
		fprintf(stderr, "Unable to obtain random bytes: %s\n", strerror(errno));
		return 1;
	}
	if (!strcmp(argv[0], "genkey"))
		wgc_key_clamp(key);
	wgc_key_to_base64(b64, key);
	puts(b64);
	wgc_wipe(key, sizeof(key));
	wgc_wipe(b64, sizeof(b64));
	return fflush(stdout) ? 1 : 0;
}
