// SPDX-License-Identifier: GPL-2.0
/*
 * `wgctl show`: the pretty terminal view, wg's script fields and `dump`.
 *
 * The pretty view and the fields print exactly what wg prints for the same
 * state, so scripts and eyes carry over; wgtun's extra counters appear only
 * in the pretty view (and in --json), never in `dump`, which stays
 * diffable against wg's.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "encoding.h"
#include "ipc.h"
#include "json.h"
#include "show.h"
#include "subcommands.h"
#include "terminal.h"

const char *show_endpoint(const union wgc_endpoint *ep, char buf[ENDPOINT_STRLEN])
{
	char host[INET6_ADDRSTRLEN + IFNAMSIZ + 2], serv[8];
	socklen_t len = ep->sa.sa_family == AF_INET6 ? sizeof(ep->sin6) : sizeof(ep->sin);
	int ret;

	ret = getnameinfo(&ep->sa, len, host, sizeof(host), serv, sizeof(serv),
			  NI_DGRAM | NI_NUMERICHOST | NI_NUMERICSERV);
	if (ret)
		snprintf(buf, ENDPOINT_STRLEN, "%s", gai_strerror(ret));
	else if (ep->sa.sa_family == AF_INET6 && strchr(host, ':'))
		snprintf(buf, ENDPOINT_STRLEN, "[%s]:%s", host, serv);
	else
		snprintf(buf, ENDPOINT_STRLEN, "%s:%s", host, serv);
	return buf;
}

const char *show_ip(const struct wgc_allowedip *ip, char buf[INET6_ADDRSTRLEN])
{
	buf[0] = '\0';
	inet_ntop(ip->family, &ip->addr, buf, INET6_ADDRSTRLEN);
	return buf;
}

static const char *key_str(const uint8_t key[WGC_KEY_LEN], bool have, char buf[WGC_KEY_B64_LEN])
{
	if (!have)
		return "(none)";
	wgc_key_to_base64(buf, key);
	return buf;
}

static const char *masked(const uint8_t key[WGC_KEY_LEN], char buf[WGC_KEY_B64_LEN])
{
	const char *env = getenv("WG_HIDE_KEYS");

	if (env && !strcmp(env, "never"))
		return key_str(key, true, buf);
	return "(hidden)";
}

/* "1 day, 2 hours, 3 seconds" with the units in cyan. */
static void print_duration(FILE *f, unsigned long long left)
{
	static const struct {
		unsigned long long secs;
		const char *name;
	} units[] = {
		{ 365ULL * 24 * 3600, "year" }, { 24 * 3600, "day" }, { 3600, "hour" },
		{ 60, "minute" }, { 1, "second" },
	};
	unsigned long long n;
	bool first = true;
	size_t i;

	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		n = left / units[i].secs;
		left %= units[i].secs;
		if (!n)
			continue;
		term_printf(f, "%s%llu " TERM_CYAN "%s%s" TERM_RESET, first ? "" : ", ", n,
			    units[i].name, n == 1 ? "" : "s");
		first = false;
	}
}

static void print_ago(FILE *f, int64_t then)
{
	time_t now = time(NULL);

	if (now == then)
		term_printf(f, "Now");
	else if (now < then)
		term_printf(f, "(" TERM_RED "System clock wound backward; "
			    "connection problems may ensue." TERM_RESET ")");
	else {
		/* Unsigned: a handshake time near INT64_MIN must not overflow. */
		print_duration(f, (unsigned long long)now - (unsigned long long)then);
		term_printf(f, " ago");
	}
}

static void print_bytes(FILE *f, uint64_t b)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	unsigned int u = 0;

	if (b < 1024) {
		term_printf(f, "%u " TERM_CYAN "B" TERM_RESET, (unsigned int)b);
		return;
	}
	v /= 1024;
	while (u < 3 && b >= (1024ULL << (10 * (u + 1)))) {
		v /= 1024;
		u++;
	}
	term_printf(f, "%.2f " TERM_CYAN "%s" TERM_RESET, v, units[u]);
}

static bool drops_any(const uint64_t drops[WGC_NDROPS])
{
	unsigned int i;

	for (i = 1; i < WGC_NDROPS; i++)
		if (drops[i])
			return true;
	return false;
}

static void print_drops(FILE *f, const uint64_t drops[WGC_NDROPS])
{
	bool first = true;
	unsigned int i;

	term_printf(f, "  " TERM_BOLD "drops" TERM_RESET ": ");
	for (i = 1; i < WGC_NDROPS; i++) {
		if (!drops[i])
			continue;
		term_printf(f, "%s%" PRIu64 " %s", first ? "" : ", ", drops[i], wgc_drop_name(i));
		first = false;
	}
	term_printf(f, "\n");
}

/* Peers come sorted by stable index so equal handshake times keep order. */
struct peer_ref {
	struct wgc_peer peer;
	size_t index;
};

static int handshake_cmp(const void *pa, const void *pb)
{
	const struct peer_ref *a = pa, *b = pb;
	bool anever = !a->peer.handshake_sec && !a->peer.handshake_nsec;
	bool bnever = !b->peer.handshake_sec && !b->peer.handshake_nsec;

	if (anever != bnever)
		return anever ? 1 : -1;
	if (a->peer.handshake_sec != b->peer.handshake_sec)
		return a->peer.handshake_sec > b->peer.handshake_sec ? -1 : 1;
	if (a->peer.handshake_nsec != b->peer.handshake_nsec)
		return a->peer.handshake_nsec > b->peer.handshake_nsec ? -1 : 1;
	return a->index < b->index ? -1 : a->index > b->index;
}

void show_sort_peers(struct wgc_device *dev)
{
	struct peer_ref *refs;
	size_t i;

	if (dev->npeers < 2)
		return;
	refs = malloc(dev->npeers * sizeof(*refs));
	if (!refs)
		return;	/* unsorted output is still correct output */
	for (i = 0; i < dev->npeers; i++) {
		refs[i].peer = dev->peers[i];
		refs[i].index = i;
	}
	qsort(refs, dev->npeers, sizeof(*refs), handshake_cmp);
	for (i = 0; i < dev->npeers; i++)
		dev->peers[i] = refs[i].peer;
	wgc_wipe(refs, dev->npeers * sizeof(*refs));
	free(refs);
}

static void pretty_device_extras(FILE *f, const struct wgc_device *dev)
{
	bool follows = (dev->has & WGC_DEV_HAS_CARRIER_FOLLOWS) && dev->carrier_follows_peers;

	/* A port of its own (1 member) is what wg would show: no line. */
	if ((dev->has & WGC_DEV_HAS_PORT_MEMBERS) && dev->port_members > 1) {
		term_printf(f, "  " TERM_BOLD "port shared" TERM_RESET ": by %u interfaces",
			    dev->port_members);
		if (dev->has & WGC_DEV_HAS_PORT_ID)
			term_printf(f, " (port id %u)", dev->port_id);
		term_printf(f, "\n");
	}
	if (follows) {
		term_printf(f, "  " TERM_BOLD "carrier follows peers" TERM_RESET ": on");
		if (dev->has & WGC_DEV_HAS_CARRIER)
			term_printf(f, " (carrier %s)", dev->carrier ? "up" : "down");
		term_printf(f, "\n");
	}
	if ((dev->has & WGC_DEV_HAS_LIVENESS) &&
	    (follows || (dev->liveness_timeout &&
			 dev->liveness_timeout != WGTUN_LIVENESS_TIMEOUT_DEFAULT))) {
		term_printf(f, "  " TERM_BOLD "liveness timeout" TERM_RESET ": ");
		print_duration(f, dev->liveness_timeout ? dev->liveness_timeout :
			       WGTUN_LIVENESS_TIMEOUT_DEFAULT);
		term_printf(f, "\n");
	}
	if ((dev->has & WGC_DEV_HAS_UNKNOWN_PEER_EVENTS) && dev->unknown_peer_events)
		term_printf(f, "  " TERM_BOLD "unknown peer events" TERM_RESET ": on\n");
	if (drops_any(dev->drops))
		print_drops(f, dev->drops);
}

static void pretty_peer_extras(FILE *f, const struct wgc_device *dev, const struct wgc_peer *p)
{
	if (p->rx_packets || p->tx_packets)
		term_printf(f, "  " TERM_BOLD "packets" TERM_RESET ": %" PRIu64 " received, %"
			    PRIu64 " sent\n", p->rx_packets, p->tx_packets);
	if (drops_any(p->drops))
		print_drops(f, p->drops);
	if (((p->has & WGC_PEER_HAS_ROAMING) && !p->roaming) || p->roam_refused) {
		term_printf(f, "  " TERM_BOLD "roaming" TERM_RESET ": %s",
			    (p->has & WGC_PEER_HAS_ROAMING) && !p->roaming ? "off" : "on");
		if (p->roam_refused)
			term_printf(f, " (%" PRIu64 " packets from elsewhere, endpoint kept)",
				    p->roam_refused);
		term_printf(f, "\n");
	}
	if ((p->has & WGC_PEER_HAS_ALIVE) && (dev->has & WGC_DEV_HAS_CARRIER_FOLLOWS) &&
	    dev->carrier_follows_peers) {
		term_printf(f, "  " TERM_BOLD "alive" TERM_RESET ": %s", p->alive ? "yes" : "no");
		if (p->has & WGC_PEER_HAS_LAST_RX_AGE) {
			term_printf(f, " (last packet ");
			if (p->last_rx_age)
				print_duration(f, p->last_rx_age);
			else
				term_printf(f, "now");
			term_printf(f, "%s)", p->last_rx_age ? " ago" : "");
		}
		term_printf(f, "\n");
	}
}

static void pretty_peer(FILE *f, const struct wgc_device *dev, const struct wgc_peer *p)
{
	char b64[WGC_KEY_B64_LEN], ep[ENDPOINT_STRLEN], ip[INET6_ADDRSTRLEN];
	size_t i;

	term_printf(f, TERM_YELLOW TERM_BOLD "peer" TERM_RESET ": " TERM_YELLOW "%s"
		    TERM_RESET "\n", key_str(p->public_key, true, b64));
	if (p->has & WGC_PEER_HAS_PRESHARED_KEY)
		term_printf(f, "  " TERM_BOLD "preshared key" TERM_RESET ": %s\n",
			    masked(p->preshared_key, b64));
	if (p->has & WGC_PEER_HAS_ENDPOINT)
		term_printf(f, "  " TERM_BOLD "endpoint" TERM_RESET ": %s\n",
			    show_endpoint(&p->endpoint, ep));
	term_printf(f, "  " TERM_BOLD "allowed ips" TERM_RESET ": ");
	for (i = 0; i < p->nips; i++)
		term_printf(f, "%s" TERM_CYAN "/" TERM_RESET "%u%s", show_ip(&p->ips[i], ip),
			    p->ips[i].cidr, i + 1 < p->nips ? ", " : "\n");
	if (!p->nips)
		term_printf(f, "(none)\n");
	if (p->handshake_sec) {
		term_printf(f, "  " TERM_BOLD "latest handshake" TERM_RESET ": ");
		print_ago(f, p->handshake_sec);
		term_printf(f, "\n");
	}
	if (p->rx_bytes || p->tx_bytes) {
		term_printf(f, "  " TERM_BOLD "transfer" TERM_RESET ": ");
		print_bytes(f, p->rx_bytes);
		term_printf(f, " received, ");
		print_bytes(f, p->tx_bytes);
		term_printf(f, " sent\n");
	}
	if (p->keepalive) {
		term_printf(f, "  " TERM_BOLD "persistent keepalive" TERM_RESET ": every ");
		print_duration(f, p->keepalive);
		term_printf(f, "\n");
	}
	pretty_peer_extras(f, dev, p);
}

void show_pretty(FILE *f, struct wgc_device *dev)
{
	char b64[WGC_KEY_B64_LEN];
	size_t i;

	term_printf(f, TERM_RESET);
	term_printf(f, TERM_GREEN TERM_BOLD "interface" TERM_RESET ": " TERM_GREEN "%s"
		    TERM_RESET "\n", dev->name);
	if (dev->has & WGC_DEV_HAS_PUBLIC_KEY)
		term_printf(f, "  " TERM_BOLD "public key" TERM_RESET ": %s\n",
			    key_str(dev->public_key, true, b64));
	if (dev->has & WGC_DEV_HAS_PRIVATE_KEY)
		term_printf(f, "  " TERM_BOLD "private key" TERM_RESET ": %s\n",
			    masked(dev->private_key, b64));
	if (dev->listen_port)
		term_printf(f, "  " TERM_BOLD "listening port" TERM_RESET ": %u\n",
			    dev->listen_port);
	if (dev->fwmark)
		term_printf(f, "  " TERM_BOLD "fwmark" TERM_RESET ": 0x%x\n", dev->fwmark);
	if (dev->bind_dev[0])
		term_printf(f, "  " TERM_BOLD "bind dev" TERM_RESET ": %s%s\n", dev->bind_dev,
			    dev->bind_ifindex ? "" : " (gone: nothing is sent until it returns)");
	pretty_device_extras(f, dev);
	if (dev->npeers) {
		show_sort_peers(dev);
		term_printf(f, "\n");
	}
	for (i = 0; i < dev->npeers; i++) {
		pretty_peer(f, dev, &dev->peers[i]);
		if (i + 1 < dev->npeers)
			term_printf(f, "\n");
	}
	wgc_wipe(b64, sizeof(b64));
}

static void print_ips(FILE *f, const struct wgc_peer *p, char sep, char end)
{
	char ip[INET6_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < p->nips; i++)
		fprintf(f, "%s/%u%c", show_ip(&p->ips[i], ip), p->ips[i].cidr,
			i + 1 < p->nips ? sep : end);
	if (!p->nips)
		fprintf(f, "(none)%c", end);
}

void show_dump(FILE *f, const struct wgc_device *dev, bool with_interface)
{
	char b64[WGC_KEY_B64_LEN], ep[ENDPOINT_STRLEN];
	const struct wgc_peer *p;
	size_t i;

	if (with_interface)
		fprintf(f, "%s\t", dev->name);
	fprintf(f, "%s\t", key_str(dev->private_key, dev->has & WGC_DEV_HAS_PRIVATE_KEY, b64));
	fprintf(f, "%s\t", key_str(dev->public_key, dev->has & WGC_DEV_HAS_PUBLIC_KEY, b64));
	fprintf(f, "%u\t", dev->listen_port);
	if (dev->fwmark)
		fprintf(f, "0x%x\n", dev->fwmark);
	else
		fprintf(f, "off\n");
	for (i = 0; i < dev->npeers; i++) {
		p = &dev->peers[i];
		if (with_interface)
			fprintf(f, "%s\t", dev->name);
		fprintf(f, "%s\t", key_str(p->public_key, true, b64));
		fprintf(f, "%s\t", key_str(p->preshared_key,
					   p->has & WGC_PEER_HAS_PRESHARED_KEY, b64));
		fprintf(f, "%s\t", p->has & WGC_PEER_HAS_ENDPOINT ?
			show_endpoint(&p->endpoint, ep) : "(none)");
		print_ips(f, p, ',', '\t');
		fprintf(f, "%llu\t", (unsigned long long)p->handshake_sec);
		fprintf(f, "%" PRIu64 "\t%" PRIu64 "\t", p->rx_bytes, p->tx_bytes);
		if (p->keepalive)
			fprintf(f, "%u\n", p->keepalive);
		else
			fprintf(f, "off\n");
	}
	wgc_wipe(b64, sizeof(b64));
}

static void peer_lines(FILE *f, const struct wgc_device *dev, const char *param, bool with_if)
{
	char b64[WGC_KEY_B64_LEN], ep[ENDPOINT_STRLEN];
	const struct wgc_peer *p;
	size_t i;

	for (i = 0; i < dev->npeers; i++) {
		p = &dev->peers[i];
		if (with_if)
			fprintf(f, "%s\t", dev->name);
		fprintf(f, "%s", key_str(p->public_key, true, b64));
		if (!strcmp(param, "peers"))
			fprintf(f, "\n");
		else if (!strcmp(param, "preshared-keys"))
			fprintf(f, "\t%s\n", key_str(p->preshared_key,
						     p->has & WGC_PEER_HAS_PRESHARED_KEY, b64));
		else if (!strcmp(param, "endpoints"))
			fprintf(f, "\t%s\n", p->has & WGC_PEER_HAS_ENDPOINT ?
				show_endpoint(&p->endpoint, ep) : "(none)");
		else if (!strcmp(param, "allowed-ips")) {
			fprintf(f, "\t");
			print_ips(f, p, ' ', '\n');
		} else if (!strcmp(param, "latest-handshakes"))
			fprintf(f, "\t%llu\n", (unsigned long long)p->handshake_sec);
		else if (!strcmp(param, "transfer"))
			fprintf(f, "\t%" PRIu64 "\t%" PRIu64 "\n", p->rx_bytes, p->tx_bytes);
		else if (p->keepalive)	/* persistent-keepalive */
			fprintf(f, "\t%u\n", p->keepalive);
		else
			fprintf(f, "\toff\n");
	}
	wgc_wipe(b64, sizeof(b64));
}

bool show_field(FILE *f, const struct wgc_device *dev, const char *param, bool with_interface)
{
	static const char *const peer_params[] = {
		"peers", "preshared-keys", "endpoints", "allowed-ips", "latest-handshakes",
		"transfer", "persistent-keepalive",
	};
	char b64[WGC_KEY_B64_LEN];
	size_t i;

	if (!strcmp(param, "dump")) {
		show_dump(f, dev, with_interface);
		return true;
	}
	for (i = 0; i < sizeof(peer_params) / sizeof(peer_params[0]); i++) {
		if (!strcmp(param, peer_params[i])) {
			peer_lines(f, dev, param, with_interface);
			return true;
		}
	}
	if (strcmp(param, "public-key") && strcmp(param, "private-key") &&
	    strcmp(param, "listen-port") && strcmp(param, "fwmark") && strcmp(param, "bind-dev"))
		return false;
	if (with_interface)
		fprintf(f, "%s\t", dev->name);
	if (!strcmp(param, "public-key"))
		fprintf(f, "%s\n", key_str(dev->public_key, dev->has & WGC_DEV_HAS_PUBLIC_KEY,
					   b64));
	else if (!strcmp(param, "private-key"))
		fprintf(f, "%s\n", key_str(dev->private_key, dev->has & WGC_DEV_HAS_PRIVATE_KEY,
					   b64));
	else if (!strcmp(param, "listen-port"))
		fprintf(f, "%u\n", dev->listen_port);
	else if (!strcmp(param, "bind-dev"))
		fprintf(f, "%s\n", dev->bind_dev[0] ? dev->bind_dev : "off");
	else if (dev->fwmark)
		fprintf(f, "0x%x\n", dev->fwmark);
	else
		fprintf(f, "off\n");
	wgc_wipe(b64, sizeof(b64));
	return true;
}

static void show_usage(void)
{
	fprintf(stderr, "Usage: %s show [--json] { <interface> | all | interfaces } [public-key | "
		"private-key | listen-port | fwmark | bind-dev | peers | preshared-keys | endpoints | "
		"allowed-ips | latest-handshakes | transfer | persistent-keepalive | dump | metrics]\n",
		PROG_NAME);
}

static bool valid_param(const char *param)
{
	struct wgc_device empty = { .name = "" };
	FILE *null = fopen("/dev/null", "w");
	bool ok;

	if (!null)
		return true;
	ok = show_field(null, &empty, param, false);
	fclose(null);
	return ok;
}

/* Prints one interface in the chosen form; false on a bad field name. */
static bool print_one(struct wgc_device *dev, const char *param, bool all, bool json,
		      bool first)
{
	if (json) {
		if (all)
			printf("%s\n", first ? "" : ",");
		json_print_device(stdout, dev, all ? 1 : 0);
		return true;
	}
	if (param) {
		if (!show_field(stdout, dev, param, all)) {
			fprintf(stderr, "Invalid parameter: `%s'\n", param);
			show_usage();
			return false;
		}
		return true;
	}
	if (!first)
		printf("\n");
	show_pretty(stdout, dev);
	return true;
}

static int show_all(const char *param, bool json)
{
	struct wgc_device *dev;
	char **names;
	bool first = true, ok = true, any_ok = false;
	int err;
	size_t i;

	err = ipc_list_devices(&names);
	if (err) {
		ipc_perror("Unable to list interfaces", err);
		return 1;
	}
	if (json)
		printf("[");
	for (i = 0; ok && names[i]; i++) {
		err = ipc_get_device(names[i], &dev);
		if (err) {
			char what[IFNAMSIZ + 40];

			snprintf(what, sizeof(what), "Unable to access interface %s", names[i]);
			ipc_perror(what, err);
			continue;
		}
		ok = print_one(dev, param, true, json, first);
		any_ok = true;
		first = false;
		wgc_device_free(dev);
	}
	if (json)
		printf("%s]\n", first ? "" : "\n");
	ipc_free_names(names);
	return ok && (any_ok || i == 0) ? 0 : 1;
}

/* Every interface gathered first: the format groups samples by metric, not by interface. */
static int show_all_metrics(void)
{
	struct wgc_device **devs;
	size_t i, n = 0;
	char **names;
	int err;

	err = ipc_list_devices(&names);
	if (err) {
		ipc_perror("Unable to list interfaces", err);
		return 1;
	}
	for (i = 0; names[i]; i++)
		;
	devs = calloc(i + 1, sizeof(*devs));
	if (!devs) {
		ipc_free_names(names);
		perror("Unable to allocate memory");
		return 1;
	}
	for (i = 0; names[i]; i++) {
		err = ipc_get_device(names[i], &devs[n]);
		if (err) {
			char what[IFNAMSIZ + 40];

			snprintf(what, sizeof(what), "Unable to access interface %s", names[i]);
			ipc_perror(what, err);
			continue;
		}
		n++;
	}
	show_metrics(stdout, devs, n);
	for (i = 0; i < n; i++)
		wgc_device_free(devs[i]);
	free(devs);
	err = n || !names[0] ? 0 : 1;
	ipc_free_names(names);
	return err;
}

static int show_interfaces(void)
{
	char **names;
	size_t i;
	int err;

	err = ipc_list_devices(&names);
	if (err) {
		ipc_perror("Unable to list interfaces", err);
		return 1;
	}
	for (i = 0; names[i]; i++)
		printf("%s%c", names[i], names[i + 1] ? ' ' : '\n');
	ipc_free_names(names);
	return 0;
}

int show_main(int argc, const char *argv[])
{
	const char *args[3] = { NULL };
	struct wgc_device *dev;
	bool json = false, metrics;
	int i, n = 0, err, ret;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (n < 2)
			args[n++] = argv[i];
		else
			n = 3;
	}
	if (n > 2 || (json && n == 2)) {
		if (json && n == 2)
			fprintf(stderr, "--json prints every field; it takes no field name\n");
		show_usage();
		return 1;
	}
	metrics = n == 2 && !strcmp(args[1], "metrics");
	if (n == 2 && !metrics && !valid_param(args[1])) {
		fprintf(stderr, "Invalid parameter: `%s'\n", args[1]);
		show_usage();
		return 1;
	}
	if (metrics && !strcmp(args[0], "all"))
		return show_all_metrics();
	if (!n || !strcmp(args[0], "all"))
		return show_all(args[1], json);
	if (!strcmp(args[0], "interfaces")) {
		if (n > 1 || json) {
			show_usage();
			return 1;
		}
		return show_interfaces();
	}
	if (n == 1 && (!strcmp(args[0], "-h") || !strcmp(args[0], "--help") ||
		       !strcmp(args[0], "help"))) {
		show_usage();
		return 0;
	}
	err = ipc_get_device(args[0], &dev);
	if (err) {
		ipc_perror("Unable to access interface", err);
		return 1;
	}
	if (metrics) {
		show_metrics(stdout, &dev, 1);
		ret = 0;
	} else {
		ret = print_one(dev, args[1], false, json, true) ? 0 : 1;
	}
	if (json)
		printf("\n");
	wgc_device_free(dev);
	return ret;
}
