// SPDX-License-Identifier: GPL-2.0
/*
 * `wgctl showconf`: the interface as a configuration file that setconf
 * accepts back, in the order and form wg prints it.
 */
#include <string.h>

#include "encoding.h"
#include "ipc.h"
#include "show.h"
#include "subcommands.h"

static void print_peer(FILE *f, const struct wgc_peer *p)
{
	char b64[WGC_KEY_B64_LEN], ip[INET6_ADDRSTRLEN], ep[ENDPOINT_STRLEN];
	size_t i;

	wgc_key_to_base64(b64, p->public_key);
	fprintf(f, "[Peer]\nPublicKey = %s\n", b64);
	if (p->has & WGC_PEER_HAS_PRESHARED_KEY) {
		wgc_key_to_base64(b64, p->preshared_key);
		fprintf(f, "PresharedKey = %s\n", b64);
	}
	for (i = 0; i < p->nips; i++)
		fprintf(f, "%s%s/%u%s", i ? "" : "AllowedIPs = ", show_ip(&p->ips[i], ip),
			p->ips[i].cidr, i + 1 < p->nips ? ", " : "\n");
	if (p->has & WGC_PEER_HAS_ENDPOINT)
		fprintf(f, "Endpoint = %s\n", show_endpoint(&p->endpoint, ep));
	if (p->keepalive)
		fprintf(f, "PersistentKeepalive = %u\n", p->keepalive);
	if ((p->has & WGC_PEER_HAS_ROAMING) && !p->roaming)
		fprintf(f, "Roaming = off\n");
	wgc_wipe(b64, sizeof(b64));
}

void showconf_print(FILE *f, const struct wgc_device *dev)
{
	char b64[WGC_KEY_B64_LEN];
	size_t i;

	fprintf(f, "[Interface]\n");
	if (dev->listen_port)
		fprintf(f, "ListenPort = %u\n", dev->listen_port);
	if (dev->fwmark)
		fprintf(f, "FwMark = 0x%x\n", dev->fwmark);
	if (dev->bind_dev[0])
		fprintf(f, "BindDev = %s\n", dev->bind_dev);
	if ((dev->has & WGC_DEV_HAS_CARRIER_FOLLOWS) && dev->carrier_follows_peers)
		fprintf(f, "CarrierFollowsPeers = on\n");
	if ((dev->has & WGC_DEV_HAS_LIVENESS) && dev->liveness_timeout &&
	    dev->liveness_timeout != WGTUN_LIVENESS_TIMEOUT_DEFAULT)
		fprintf(f, "LivenessTimeout = %u\n", dev->liveness_timeout);
	if ((dev->has & WGC_DEV_HAS_UNKNOWN_PEER_EVENTS) && dev->unknown_peer_events)
		fprintf(f, "UnknownPeerEvents = on\n");
	if (dev->has & WGC_DEV_HAS_PRIVATE_KEY) {
		wgc_key_to_base64(b64, dev->private_key);
		fprintf(f, "PrivateKey = %s\n", b64);
		wgc_wipe(b64, sizeof(b64));
	}
	fprintf(f, "\n");
	for (i = 0; i < dev->npeers; i++) {
		print_peer(f, &dev->peers[i]);
		if (i + 1 < dev->npeers)
			fprintf(f, "\n");
	}
}

int showconf_main(int argc, const char *argv[])
{
	struct wgc_device *dev;
	int err;

	if (argc != 2) {
		fprintf(stderr, "Usage: %s %s <interface>\n", PROG_NAME, argv[0]);
		return 1;
	}
	err = ipc_get_device(argv[1], &dev);
	if (err) {
		ipc_perror("Unable to access interface", err);
		return 1;
	}
	showconf_print(stdout, dev);
	wgc_device_free(dev);
	return 0;
}
