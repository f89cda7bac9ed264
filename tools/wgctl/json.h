/* SPDX-License-Identifier: GPL-2.0 */
/*
 * JSON output for `show --json` and `monitor --json`; the schema is
 * documented in wgctl.8 (section JSON OUTPUT).
 */
#ifndef WGCTL_JSON_H
#define WGCTL_JSON_H

#include <stdio.h>

#include "device.h"

/* One interface object, indented by @indent levels of two spaces. */
void json_print_device(FILE *f, const struct wgc_device *dev, int indent);
/* "handshake", "peer-alive", ... or "unknown". */
const char *json_event_name(uint32_t event);
/* One event as a single-line object; @time (RFC 3339) is its "time" field. */
void json_print_event(FILE *f, const struct wgc_device *ev, const char *time);

#endif
