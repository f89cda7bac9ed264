/* SPDX-License-Identifier: GPL-2.0 */
/* Shared set-up for the libFuzzer harnesses: no DNS, no noise, no files. */
#ifndef WGCTL_FUZZ_H
#define WGCTL_FUZZ_H

#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

static FILE *fuzz_null;

/* Numeric addresses only: a fuzzer must never wait on DNS. */
static int fuzz_resolve(const char *host, const char *port, const struct addrinfo *hints,
			struct addrinfo **res)
{
	struct addrinfo h = *hints;

	h.ai_flags |= AI_NUMERICHOST | AI_NUMERICSERV;
	return getaddrinfo(host, port, &h, res);
}

static void fuzz_setup(void)
{
	if (!fuzz_null)
		fuzz_null = fopen("/dev/null", "w");
	config_errout = fuzz_null;
	config_resolve = fuzz_resolve;
	setenv("WG_ENDPOINT_RESOLUTION_RETRIES", "0", 1);
	setenv("WG_HIDE_KEYS", "never", 1);
	setenv("WG_COLOR_MODE", "always", 1);
}

#endif
