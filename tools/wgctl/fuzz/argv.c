// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for the `set` argument parser.  The input is split on
 * newlines into argv; a key file's "contents" are its own path, so the
 * fuzzer reaches the key-file parser without touching the file system.
 */
#include <stdint.h>
#include <stdlib.h>

#include "device.h"
#include "fuzz.h"

#define MAX_ARGS 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *keyfile_text;

static FILE *fake_keyfile(const char *path)
{
	keyfile_text = path;
	return fmemopen((void *)path, strlen(path), "r");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *argv[MAX_ARGS];
	struct wgc_device *dev;
	char *copy, *p, *nl;
	int argc = 0;

	fuzz_setup();
	config_keyfile_open = fake_keyfile;
	copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (p = copy; argc < MAX_ARGS; p = nl + 1) {
		argv[argc++] = p;
		nl = strchr(p, '\n');
		if (!nl)
			break;
		*nl = '\0';
	}
	dev = config_parse_argv(argc, argv);
	wgc_device_free(dev);
	free(copy);
	return 0;
}
