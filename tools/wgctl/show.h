/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Printers shared by show, showconf, monitor and the JSON writer.  They
 * write to any stream so the tests can check their exact output.
 */
#ifndef WGCTL_SHOW_H
#define WGCTL_SHOW_H

#include <stdbool.h>
#include <stdio.h>

#include "device.h"

#define ENDPOINT_STRLEN	(INET6_ADDRSTRLEN + IFNAMSIZ + 16)

/* "1.2.3.4:51820" or "[fe80::1%eth0]:51820". */
const char *show_endpoint(const union wgc_endpoint *ep, char buf[ENDPOINT_STRLEN]);
/* The address of an allowed-IP, without the prefix length. */
const char *show_ip(const struct wgc_allowedip *ip, char buf[INET6_ADDRSTRLEN]);
/* Orders peers as wg's pretty show does: latest handshake first, stable. */
void show_sort_peers(struct wgc_device *dev);

void show_pretty(FILE *f, struct wgc_device *dev);
void show_dump(FILE *f, const struct wgc_device *dev, bool with_interface);
/* One of wg's script fields ("peers", "dump", ...); false if unknown. */
bool show_field(FILE *f, const struct wgc_device *dev, const char *param,
		bool with_interface);
void showconf_print(FILE *f, const struct wgc_device *dev);
/* The Prometheus text format of @ndevs interfaces (metrics.c). */
void show_metrics(FILE *f, struct wgc_device *const *devs, size_t ndevs);

#endif
