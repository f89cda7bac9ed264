// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests for wgctl that need no kernel: base64 and keys, the shared
 * parser (files and argv, good and bad input), the printers (dump, fields,
 * showconf, pretty, JSON), the SET splitter against the dump coalescer, the
 * syncconf difference and a shared port's read-only attributes.  Prints one
 * line per failure and ends with "N passed, N failed".  `unit --json-sample` prints a JSON document and
 * `unit --metrics-sample` a Prometheus exposition for run.sh to validate.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/genetlink.h>

#include "config.h"
#include "device.h"
#include "encoding.h"
#include "ipc.h"
#include "json.h"
#include "nl.h"
#include "show.h"
#include "subcommands.h"

static int passed, failed;

#define CHECK(cond, ...) do {						\
	if (cond) {							\
		passed++;						\
	} else {							\
		failed++;						\
		printf("FAIL %s:%d: ", __func__, __LINE__);		\
		printf(__VA_ARGS__);					\
		printf("\n");						\
	}								\
} while (0)

static const char *K1 = "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=";
static const char *K2 = "TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=";
static const char *K3 = "gN65BkIKy1eCE9pP1wdc8ROUtkHLF2PfAqYdyYBz6EA=";
static const char *PRIV = "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=";

/* ---- capturing parser messages ---- */

static char *errbuf;
static size_t errlen;

static void capture_start(void)
{
	free(errbuf);
	errbuf = NULL;
	config_errout = open_memstream(&errbuf, &errlen);
}

static const char *capture_end(void)
{
	fclose(config_errout);
	config_errout = NULL;
	return errbuf ? errbuf : "";
}

/* Resolves numeric hosts and "vpn.example" (192.0.2.7) without DNS. */
static int fake_resolve(const char *host, const char *port, const struct addrinfo *hints,
			struct addrinfo **res)
{
	struct addrinfo h = *hints;

	h.ai_flags |= AI_NUMERICHOST | AI_NUMERICSERV;
	if (!strcmp(host, "vpn.example"))
		host = "192.0.2.7";
	return getaddrinfo(host, port, &h, res);
}

static struct wgc_device *parse_text(const char *text, bool append, const char **err)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	struct wgc_device *dev;

	capture_start();
	dev = config_file_read(f, "test.conf", append);
	fclose(f);
	*err = capture_end();
	return dev;
}

/* ---- encoding ---- */

static void test_base64(void)
{
	uint8_t key[WGC_KEY_LEN], back[WGC_KEY_LEN];
	char b64[WGC_KEY_B64_LEN];
	unsigned int i, j;

	for (i = 0; i < 200; i++) {
		for (j = 0; j < WGC_KEY_LEN; j++)
			key[j] = (uint8_t)(i * 7 + j * 13 + (i >> 2) * j);
		wgc_key_to_base64(b64, key);
		CHECK(strlen(b64) == 44 && b64[43] == '=', "encoded length %zu", strlen(b64));
		CHECK(wgc_key_from_base64(back, b64) && !memcmp(key, back, WGC_KEY_LEN),
		      "round trip %u", i);
	}
	memset(key, 0xff, sizeof(key));
	wgc_key_to_base64(b64, key);
	CHECK(!strcmp(b64, "//////////////////////////////////////////8="), "all ones: %s", b64);
	memset(key, 0, sizeof(key));
	wgc_key_to_base64(b64, key);
	CHECK(!strcmp(b64, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="), "zeros: %s", b64);
	CHECK(wgc_key_is_zero(key), "zero key");

	CHECK(!wgc_key_from_base64(key, ""), "empty accepted");
	CHECK(!wgc_key_from_base64(key, "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg"),
	      "no padding accepted");
	CHECK(!wgc_key_from_base64(key, "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=="),
	      "45 characters accepted");
	CHECK(!wgc_key_from_base64(key, "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8D*="),
	      "bad character accepted");
	CHECK(!wgc_key_from_base64(key, "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dh="),
	      "non-canonical last character accepted");
	CHECK(!wgc_key_from_base64(key, "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8D=g"),
	      "misplaced padding accepted");
	CHECK(wgc_key_is_zero(key), "failed decode leaves key zeroed");
}

static void hex(uint8_t *out, const char *in)
{
	unsigned int i, v;

	for (i = 0; i < WGC_KEY_LEN; i++) {
		sscanf(in + 2 * i, "%2x", &v);
		out[i] = (uint8_t)v;
	}
}

static void test_x25519(void)
{
	uint8_t priv[WGC_KEY_LEN], pub[WGC_KEY_LEN], want[WGC_KEY_LEN];

	/* RFC 7748 section 6.1, Alice and Bob. */
	hex(priv, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
	hex(want, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
	CHECK(wgc_key_public(pub, priv) && !memcmp(pub, want, WGC_KEY_LEN), "alice");
	hex(priv, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
	hex(want, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
	CHECK(wgc_key_public(pub, priv) && !memcmp(pub, want, WGC_KEY_LEN), "bob");

	CHECK(wgc_key_random(priv), "random");
	wgc_key_clamp(priv);
	CHECK((priv[0] & 7) == 0 && (priv[31] & 0x80) == 0 && (priv[31] & 0x40), "clamped");
}

/* ---- configuration files ---- */

static const char *sample_conf =
	"# a comment line\n"
	"[Interface]\n"
	"PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n"
	"ListenPort = 51820   # trailing comment\n"
	"fwmark = 0x1f\n"
	"CarrierFollowsPeers = on\n"
	"LivenessTimeout = 5\n"
	"UnknownPeerEvents = on\n"
	"\n"
	"[Peer]\n"
	"PublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n"
	"Endpoint = 192.95.5.67:1234\n"
	"Roaming = off\n"
	"AllowedIPs = 10.192.122.3/32, 10.192.124.1/24\n"
	"[peer]\n"
	"PublicKey = TrMvSoP4jYQlY6RIzBgbssQqY3vxI2Pi+y71lOWWXX0=\n"
	"Endpoint = [2607:5300:60:6b0::c05f:543]:2468\n"
	"AllowedIPs = 10.192.122.4/32, 192.168.0.0/16\n"
	"AllowedIPs = ::/0\n"
	"PersistentKeepalive = 25\n"
	"PresharedKey = gN65BkIKy1eCE9pP1wdc8ROUtkHLF2PfAqYdyYBz6EA=\n"
	"[PEER]\n"
	"publickey = gN65BkIKy1eCE9pP1wdc8ROUtkHLF2PfAqYdyYBz6EA=\n"
	"Endpoint = vpn.example:18981\n"
	"AllowedIPs = 10.10.10.230\n";

static void test_config_good(void)
{
	struct wgc_device *dev;
	const char *err;
	char ip[INET6_ADDRSTRLEN], ep[ENDPOINT_STRLEN], b64[WGC_KEY_B64_LEN];

	dev = parse_text(sample_conf, false, &err);
	CHECK(dev != NULL, "sample rejected: %s", err);
	if (!dev)
		return;
	CHECK(!strcmp(err, "test.conf:14: Warning: AllowedIP has nonzero host part: "
		      "10.192.124.1/24\n"), "unexpected messages: %s", err);
	wgc_key_to_base64(b64, dev->private_key);
	CHECK(!strcmp(b64, PRIV), "private key %s", b64);
	CHECK(dev->listen_port == 51820 && dev->fwmark == 0x1f, "port %u mark %x",
	      dev->listen_port, dev->fwmark);
	CHECK(dev->carrier_follows_peers && dev->liveness_timeout == 5 &&
	      (dev->has & WGC_DEV_HAS_UNKNOWN_PEER_EVENTS) && dev->unknown_peer_events,
	      "extensions");
	CHECK(dev->nlflags == WGTUN_DEVICE_F_REPLACE_PEERS, "setconf replaces peers");
	CHECK(dev->npeers == 3, "peers %zu", dev->npeers);
	if (dev->npeers != 3)
		goto out;
	CHECK(dev->peers[0].nips == 2 && dev->peers[1].nips == 3 && dev->peers[2].nips == 1,
	      "allowed-ips counts");
	CHECK(!strcmp(show_ip(&dev->peers[0].ips[1], ip), "10.192.124.1") &&
	      dev->peers[0].ips[1].cidr == 24, "second prefix %s", ip);
	CHECK(dev->peers[1].ips[2].family == AF_INET6 && dev->peers[1].ips[2].cidr == 0,
	      "::/0 appended by a second AllowedIPs line");
	CHECK(dev->peers[2].ips[0].cidr == 32, "default /32");
	CHECK(!strcmp(show_endpoint(&dev->peers[1].endpoint, ep), "[2607:5300:60:6b0::c05f:543]:2468"),
	      "v6 endpoint %s", ep);
	CHECK(!strcmp(show_endpoint(&dev->peers[2].endpoint, ep), "192.0.2.7:18981"),
	      "resolved endpoint %s", ep);
	CHECK(dev->peers[1].keepalive == 25 && (dev->peers[1].has & WGC_PEER_HAS_PRESHARED_KEY),
	      "keepalive and psk");
	CHECK(dev->peers[0].nlflags == WGTUN_PEER_F_REPLACE_ALLOWEDIPS, "peer replaces ips");
	CHECK((dev->peers[0].has & WGC_PEER_HAS_ROAMING) && !dev->peers[0].roaming &&
	      !(dev->peers[1].has & WGC_PEER_HAS_ROAMING), "Roaming = off, and left out");
out:
	wgc_device_free(dev);

	dev = parse_text("[Interface]\nListenPort=1\n", true, &err);
	CHECK(dev && !dev->nlflags && dev->has == WGC_DEV_HAS_LISTEN_PORT,
	      "addconf sets only what is written");
	wgc_device_free(dev);

	dev = parse_text("[Interface]\nFwMark = off\n[Peer]\nPublicKey=" "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg="
			 "\nPersistentKeepalive = off\nAllowedIPs =\n", false, &err);
	CHECK(dev && dev->fwmark == 0 && dev->peers[0].keepalive == 0 &&
	      (dev->peers[0].has & WGC_PEER_HAS_KEEPALIVE) && !dev->peers[0].nips,
	      "off values and empty AllowedIPs: %s", err);
	wgc_device_free(dev);

	dev = parse_text("[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n"
			 "AllowedIPs = 10.0.0.1/24\n", true, &err);
	CHECK(dev && strstr(err, "Warning: AllowedIP has nonzero host part"),
	      "host bits warning: %s", err);
	wgc_device_free(dev);
}

struct bad_case {
	const char *text;
	unsigned int line;
	const char *message;
};

static void test_config_bad(void)
{
	static const struct bad_case cases[] = {
		{ "[Interface]\nPrivateKey = abc\n", 2, "Key is not the correct length" },
		{ "[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk\n", 2,
		  "Key is not the correct length" },
		{ "[Interface]\nListenPort = 65536\n", 2, "Listen port" },
		{ "[Interface]\nListenPort = -1\n", 2, "Listen port" },
		{ "[Interface]\nListenPort =\n", 2, "Listen port" },
		{ "[Interface]\nFwMark = 0x100000000\n", 2, "Fwmark" },
		{ "[Interface]\nFwMark = 12abc\n", 2, "Fwmark" },
		{ "[Interface]\nLivenessTimeout = 86401\n", 2, "Liveness timeout" },
		{ "[Interface]\nCarrierFollowsPeers = maybe\n", 2, "neither on nor off" },
		{ "[Interface]\nUnknownPeerEvents = 1\n", 2, "UnknownPeerEvents is neither" },
		{ "[Interface]\nRoaming = off\n", 2, "Unknown key in [Interface]" },
		{ "[Interface]\nAddress = 10.0.0.1/24\n", 2, "Unknown key in [Interface]" },
		{ "[Interface]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n", 2,
		  "Unknown key" },
		{ "[Interface]\n[Wat]\n", 2, "Unknown section" },
		{ "ListenPort = 1\n", 1, "before any" },
		{ "[Interface]\njust words\n", 2, "Line unrecognized" },
		{ "[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n"
		  "AllowedIPs = 10.0.0.1/33\n", 3, "CIDR" },
		{ "[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n"
		  "AllowedIPs = ::/129\n", 3, "CIDR" },
		{ "[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n"
		  "AllowedIPs = 10.0.0.256/32\n", 3, "Unable to parse IP address" },
		{ "[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n"
		  "AllowedIPs = 10.0.0.1/32,\n", 3, "Unable to parse IP address" },
		{ "[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n"
		  "AllowedIPs = 10.0.0.1/\n", 3, "CIDR" },
		{ "[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n"
		  "Endpoint = 1.2.3.4\n", 3, "Endpoint is not" },
		{ "[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n"
		  "Endpoint = [::1:51820\n", 3, "Endpoint is not" },
		{ "[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n"
		  "Endpoint = 1.2.3.4:70000\n", 3, "Endpoint port" },
		{ "[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n"
		  "Endpoint = no.such.host:1\n", 3, "Unable to resolve endpoint" },
		{ "[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n"
		  "PersistentKeepalive = 65536\n", 3, "Persistent keepalive" },
		{ "[Peer]\nPublicKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n"
		  "PrivateKey = xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\n", 3, "Unknown key in [Peer]" },
		{ "[Interface]\nListenPort = 1\n\n[Peer]\nAllowedIPs = 10.0.0.1/32\n", 4,
		  "[Peer] section has no PublicKey" },
	};
	struct wgc_device *dev;
	const char *err;
	char want[32];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		dev = parse_text(cases[i].text, false, &err);
		CHECK(!dev, "case %zu accepted", i);
		wgc_device_free(dev);
		snprintf(want, sizeof(want), "test.conf:%u: ", cases[i].line);
		CHECK(!strncmp(err, want, strlen(want)), "case %zu: wrong line: %s", i, err);
		CHECK(strstr(err, cases[i].message), "case %zu: message `%s' not in: %s", i,
		      cases[i].message, err);
	}
	/* A rejected private key is not echoed into the message. */
	dev = parse_text("[Interface]\nPrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBm=\n",
			 false, &err);
	CHECK(!dev && !strstr(err, "yAnz5"), "secret echoed: %s", err);
}

/* ---- the command line ---- */

static char keyfile[64], emptyfile[64], badkeyfile[64];

static void make_file(char *path, const char *content)
{
	int fd;

	strcpy(path, "/tmp/wgctl-unit.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0 || write(fd, content, strlen(content)) != (ssize_t)strlen(content))
		perror("mkstemp");
	if (fd >= 0)
		close(fd);
}

static struct wgc_device *parse_args(const char *line, const char **err)
{
	char *copy = strdup(line), *tok, *save = NULL;
	const char *argv[64];
	struct wgc_device *dev;
	int argc = 0;

	for (tok = strtok_r(copy, " ", &save); tok && argc < 64; tok = strtok_r(NULL, " ", &save)) {
		if (!strcmp(tok, "KEYFILE"))
			tok = keyfile;
		else if (!strcmp(tok, "EMPTYFILE"))
			tok = emptyfile;
		else if (!strcmp(tok, "BADKEYFILE"))
			tok = badkeyfile;
		else if (!strcmp(tok, "EMPTY"))
			tok = copy + strlen(copy);	/* "" */
		argv[argc++] = tok;
	}
	capture_start();
	dev = config_parse_argv(argc, argv);
	*err = capture_end();
	free(copy);
	return dev;
}

static void test_argv(void)
{
	struct wgc_device *dev;
	const char *err;
	char line[512];

	make_file(keyfile, "yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=\n");
	make_file(emptyfile, "");
	make_file(badkeyfile, "not a key\n");

	snprintf(line, sizeof(line), "listen-port 0 fwmark 0x10 private-key KEYFILE "
		 "carrier-follows-peers off liveness-timeout 0 unknown-peer-events on "
		 "peer %s preshared-key EMPTYFILE endpoint [::1]:51820 persistent-keepalive 0 "
		 "roaming off "
		 "allowed-ips 10.0.0.0/8,fd00::/64 peer %s remove peer %s allowed-ips "
		 "+10.1.0.0/16,-10.2.0.0/16", K1, K2, K3);
	dev = parse_args(line, &err);
	CHECK(dev, "valid set rejected: %s", err);
	if (dev) {
		CHECK(dev->has & WGC_DEV_HAS_PRIVATE_KEY && !wgc_key_is_zero(dev->private_key),
		      "key file read");
		CHECK(dev->has & WGC_DEV_HAS_LISTEN_PORT && !dev->listen_port, "port 0");
		CHECK(dev->has & WGC_DEV_HAS_CARRIER_FOLLOWS && !dev->carrier_follows_peers,
		      "carrier off");
		CHECK((dev->has & WGC_DEV_HAS_UNKNOWN_PEER_EVENTS) && dev->unknown_peer_events,
		      "unknown-peer-events on");
		CHECK(dev->npeers == 3, "three peers");
		CHECK(dev->npeers == 3 && (dev->peers[0].has & WGC_PEER_HAS_ROAMING) &&
		      !dev->peers[0].roaming, "roaming off");
		CHECK((dev->peers[0].has & WGC_PEER_HAS_PRESHARED_KEY) &&
		      wgc_key_is_zero(dev->peers[0].preshared_key), "empty file removes psk");
		CHECK(dev->peers[0].nlflags == WGTUN_PEER_F_REPLACE_ALLOWEDIPS, "replace");
		CHECK(dev->peers[1].nlflags == WGTUN_PEER_F_REMOVE_ME, "remove");
		CHECK(dev->peers[2].nlflags == 0, "+/- clears replace");
		CHECK(dev->peers[2].nips == 2 && !dev->peers[2].ips[0].nlflags &&
		      dev->peers[2].ips[1].nlflags == WGTUN_ALLOWEDIP_F_REMOVE_ME, "- marks removal");
	}
	wgc_device_free(dev);

	snprintf(line, sizeof(line), "peer %s allowed-ips EMPTY", K1);
	dev = parse_args(line, &err);
	CHECK(dev && dev->peers[0].nips == 0 &&
	      dev->peers[0].nlflags == WGTUN_PEER_F_REPLACE_ALLOWEDIPS,
	      "empty allowed-ips clears: %s", err);
	wgc_device_free(dev);

	static const struct {
		const char *args;
		const char *message;
	} bad[] = {
		{ "listen-port 65536", "Listen port" },
		{ "fwmark -1", "Fwmark" },
		{ "private-key /nonexistent/key", "Unable to open key file" },
		{ "private-key BADKEYFILE", "does not hold one base64 key" },
		{ "peer abc", "Key is not the correct length" },
		{ "peer", "Missing public key" },
		{ "bogus 1", "Invalid argument: bogus" },
		{ "liveness-timeout -5", "Liveness timeout" },
		{ "carrier-follows-peers yes", "neither on nor off" },
		{ "unknown-peer-events yes", "unknown-peer-events is neither on nor off" },
		{ "listen-port", "Missing value" },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		dev = parse_args(bad[i].args, &err);
		CHECK(!dev && strstr(err, bad[i].message), "`%s': %s", bad[i].args, err);
		wgc_device_free(dev);
	}
	static const char *peer_bad[][2] = {
		{ "endpoint 1.2.3.4", "Endpoint is not" },
		{ "roaming pinned", "roaming is neither on nor off" },
		{ "persistent-keepalive 70000", "Persistent keepalive" },
		{ "allowed-ips 1.2.3.4/40", "CIDR" },
		{ "allowed-ips fe80::1/129", "CIDR" },
		{ "allowed-ips 1.2.3/8", "Unable to parse IP address" },
		{ "listen-port 1", "Invalid argument: listen-port" },
		{ "preshared-key /nonexistent", "Unable to open key file" },
	};
	for (i = 0; i < sizeof(peer_bad) / sizeof(peer_bad[0]); i++) {
		snprintf(line, sizeof(line), "peer %s %s", K1, peer_bad[i][0]);
		dev = parse_args(line, &err);
		CHECK(!dev && strstr(err, peer_bad[i][1]), "`%s': %s", peer_bad[i][0], err);
		wgc_device_free(dev);
	}
	unlink(keyfile);
	unlink(emptyfile);
	unlink(badkeyfile);
}

/* ---- printers ---- */

static struct wgc_device *sample_device(void)
{
	struct wgc_device *dev = wgc_device_new();
	struct wgc_allowedip *ip;
	struct wgc_peer *p;

	strcpy(dev->name, "wgt0");
	wgc_key_from_base64(dev->private_key, PRIV);
	wgc_key_public(dev->public_key, dev->private_key);
	dev->has = WGC_DEV_HAS_PRIVATE_KEY | WGC_DEV_HAS_PUBLIC_KEY | WGC_DEV_HAS_LISTEN_PORT |
		   WGC_DEV_HAS_FWMARK;
	dev->listen_port = 51820;
	dev->fwmark = 0;

	p = wgc_device_add_peer(dev);
	wgc_key_from_base64(p->public_key, K1);
	p->has = WGC_PEER_HAS_PUBLIC_KEY | WGC_PEER_HAS_ENDPOINT;
	p->endpoint.sin.sin_family = AF_INET;
	p->endpoint.sin.sin_port = htons(1234);
	inet_pton(AF_INET, "192.95.5.67", &p->endpoint.sin.sin_addr);
	ip = wgc_peer_add_ip(p);
	ip->family = AF_INET;
	inet_pton(AF_INET, "10.192.122.3", &ip->addr);
	ip->cidr = 32;
	ip = wgc_peer_add_ip(p);
	ip->family = AF_INET6;
	inet_pton(AF_INET6, "fd00::", &ip->addr);
	ip->cidr = 64;
	p->handshake_sec = 1700000000;
	p->rx_bytes = 1536;
	p->tx_bytes = 3 * 1024 * 1024;
	p->rx_packets = 10;
	p->tx_packets = 12;
	p->drops[WGTUN_A_DROP_REPLAY] = 3;
	p->keepalive = 25;

	p = wgc_device_add_peer(dev);
	wgc_key_from_base64(p->public_key, K2);
	wgc_key_from_base64(p->preshared_key, K3);
	p->has = WGC_PEER_HAS_PUBLIC_KEY | WGC_PEER_HAS_PRESHARED_KEY | WGC_PEER_HAS_ENDPOINT;
	p->endpoint.sin6.sin6_family = AF_INET6;
	p->endpoint.sin6.sin6_port = htons(2468);
	inet_pton(AF_INET6, "2607:5300:60:6b0::c05f:543", &p->endpoint.sin6.sin6_addr);

	p = wgc_device_add_peer(dev);
	wgc_key_from_base64(p->public_key, K3);
	p->has = WGC_PEER_HAS_PUBLIC_KEY;
	p->handshake_sec = 1800000000;
	return dev;
}

static char *capture_print(void (*fn)(FILE *f, struct wgc_device *dev, const void *arg),
			   struct wgc_device *dev, const void *arg)
{
	char *buf = NULL;
	size_t len;
	FILE *f = open_memstream(&buf, &len);

	fn(f, dev, arg);
	fclose(f);
	return buf;
}

static void do_dump(FILE *f, struct wgc_device *dev, const void *arg)
{
	show_dump(f, dev, arg != NULL);
}

static void do_field(FILE *f, struct wgc_device *dev, const void *arg)
{
	show_field(f, dev, arg, false);
}

static void do_showconf(FILE *f, struct wgc_device *dev, const void *arg)
{
	(void)arg;
	showconf_print(f, dev);
}

static void do_pretty(FILE *f, struct wgc_device *dev, const void *arg)
{
	(void)arg;
	show_pretty(f, dev);
}

static void do_json(FILE *f, struct wgc_device *dev, const void *arg)
{
	(void)arg;
	json_print_device(f, dev, 0);
}

static void test_printers(void)
{
	struct wgc_device *dev = sample_device(), *back;
	char pub[WGC_KEY_B64_LEN], want[2048], *out;
	const char *err;

	wgc_key_to_base64(pub, dev->public_key);
	snprintf(want, sizeof(want),
		 "%s\t%s\t51820\toff\n"
		 "%s\t(none)\t192.95.5.67:1234\t10.192.122.3/32,fd00::/64\t1700000000\t1536\t3145728\t25\n"
		 "%s\t%s\t[2607:5300:60:6b0::c05f:543]:2468\t(none)\t0\t0\t0\toff\n"
		 "%s\t(none)\t(none)\t(none)\t1800000000\t0\t0\toff\n",
		 PRIV, pub, K1, K2, K3, K3);
	out = capture_print(do_dump, dev, NULL);
	CHECK(!strcmp(out, want), "dump:\n%s\nwant:\n%s", out, want);
	free(out);

	out = capture_print(do_dump, dev, "x");
	CHECK(!strncmp(out, "wgt0\t", 5) && strstr(out, "\nwgt0\txTIBA5"), "dump with names");
	free(out);

	snprintf(want, sizeof(want), "%s\t10.192.122.3/32 fd00::/64\n%s\t(none)\n%s\t(none)\n",
		 K1, K2, K3);
	out = capture_print(do_field, dev, "allowed-ips");
	CHECK(!strcmp(out, want), "allowed-ips:\n%s", out);
	free(out);

	snprintf(want, sizeof(want), "%s\t25\n%s\toff\n%s\toff\n", K1, K2, K3);
	out = capture_print(do_field, dev, "persistent-keepalive");
	CHECK(!strcmp(out, want), "persistent-keepalive:\n%s", out);
	free(out);

	out = capture_print(do_field, dev, "fwmark");
	CHECK(!strcmp(out, "off\n"), "fwmark: %s", out);
	free(out);

	snprintf(want, sizeof(want), "%s\t(none)\n%s\t%s\n%s\t(none)\n", K1, K2, K3, K3);
	out = capture_print(do_field, dev, "preshared-keys");
	CHECK(!strcmp(out, want), "preshared-keys:\n%s", out);
	free(out);

	snprintf(want, sizeof(want),
		 "[Interface]\nListenPort = 51820\nPrivateKey = %s\n\n"
		 "[Peer]\nPublicKey = %s\nAllowedIPs = 10.192.122.3/32, fd00::/64\n"
		 "Endpoint = 192.95.5.67:1234\nPersistentKeepalive = 25\n\n"
		 "[Peer]\nPublicKey = %s\nPresharedKey = %s\n"
		 "Endpoint = [2607:5300:60:6b0::c05f:543]:2468\n\n"
		 "[Peer]\nPublicKey = %s\n", PRIV, K1, K2, K3, K3);
	out = capture_print(do_showconf, dev, NULL);
	CHECK(!strcmp(out, want), "showconf:\n%s", out);
	/* showconf round-trips through setconf's parser */
	back = parse_text(out, false, &err);
	CHECK(back && back->npeers == 3 && back->peers[0].nips == 2 &&
	      back->peers[1].has & WGC_PEER_HAS_PRESHARED_KEY, "showconf round trip: %s", err);
	wgc_device_free(back);
	free(out);

	setenv("WG_COLOR_MODE", "never", 1);
	unsetenv("WG_HIDE_KEYS");
	out = capture_print(do_pretty, dev, NULL);
	/* Sorted by latest handshake: K3 (1.8e9) then K1 then never (K2). */
	CHECK(strstr(out, "interface: wgt0\n  public key: ") != NULL, "pretty head:\n%s", out);
	CHECK(strstr(out, "  private key: (hidden)\n  listening port: 51820\n\npeer: ") != NULL,
	      "pretty interface:\n%s", out);
	CHECK(strstr(out, K3) < strstr(out, K1) && strstr(out, K1) < strstr(out, K2),
	      "pretty order:\n%s", out);
	CHECK(strstr(out, "  allowed ips: 10.192.122.3/32, fd00::/64\n") != NULL, "ips");
	CHECK(strstr(out, "  transfer: 1.50 KiB received, 3.00 MiB sent\n") != NULL,
	      "transfer:\n%s", out);
	CHECK(strstr(out, "  persistent keepalive: every 25 seconds\n"
		      "  packets: 10 received, 12 sent\n  drops: 3 replay\n") != NULL,
	      "extras:\n%s", out);
	CHECK(strstr(out, "  preshared key: (hidden)\n") != NULL, "psk hidden");
	CHECK(strstr(out, "  allowed ips: (none)\n") != NULL, "no ips");
	CHECK(!strchr(out, '\x1b'), "colour with WG_COLOR_MODE=never");
	CHECK(strstr(out, "latest handshake: ") && strstr(out, " ago\n"), "ago");
	free(out);
	setenv("WG_COLOR_MODE", "always", 1);
	out = capture_print(do_pretty, dev, NULL);
	CHECK(strstr(out, "\x1b[32m\x1b[1minterface\x1b[0m: \x1b[32mwgt0\x1b[0m\n") != NULL,
	      "colour with WG_COLOR_MODE=always");
	free(out);
	unsetenv("WG_COLOR_MODE");
	wgc_device_free(dev);
}

/* ---- SET splitting against the dump parser ---- */

struct split_stats {
	unsigned int messages, replace_peers, peers_with_replace;
};

static struct wgc_device *big_device(size_t npeers, size_t nips)
{
	struct wgc_device *dev = wgc_device_new();
	struct wgc_allowedip *ip;
	struct wgc_peer *p;
	size_t i, j;

	strcpy(dev->name, "wgt-big");
	dev->nlflags = WGTUN_DEVICE_F_REPLACE_PEERS;
	dev->has = WGC_DEV_HAS_LISTEN_PORT | WGC_DEV_HAS_PRIVATE_KEY;
	dev->listen_port = 4242;
	for (i = 0; i < npeers; i++) {
		p = wgc_device_add_peer(dev);
		p->has = WGC_PEER_HAS_PUBLIC_KEY | WGC_PEER_HAS_KEEPALIVE | WGC_PEER_HAS_ENDPOINT;
		p->nlflags = WGTUN_PEER_F_REPLACE_ALLOWEDIPS;
		p->public_key[0] = (uint8_t)i;
		p->public_key[1] = (uint8_t)(i >> 8);
		p->public_key[31] = 0x5a;
		p->keepalive = (uint16_t)(i % 60);
		p->endpoint.sin.sin_family = AF_INET;
		p->endpoint.sin.sin_port = htons((uint16_t)(1000 + i));
		p->endpoint.sin.sin_addr.s_addr = htonl(0xc6336400 + (uint32_t)i);
		for (j = 0; j < nips; j++) {
			ip = wgc_peer_add_ip(p);
			if (j % 5 == 4) {
				ip->family = AF_INET6;
				ip->addr.ip6.s6_addr[0] = 0xfd;
				ip->addr.ip6.s6_addr[1] = (uint8_t)i;
				ip->addr.ip6.s6_addr[2] = (uint8_t)(i >> 8);
				ip->addr.ip6.s6_addr[3] = (uint8_t)j;
				ip->cidr = 64;
			} else {
				ip->family = AF_INET;
				ip->addr.ip4.s_addr = htonl(0x0a000000 + (uint32_t)(i * 256 + j));
				ip->cidr = 32;
			}
		}
	}
	return dev;
}

static void split_check_msg(const struct nlmsghdr *nlh, struct split_stats *st)
{
	const struct nlattr *a, *p, *pa;

	st->messages++;
	nl_attr_for_each(a, nlh, GENL_HDRLEN) {
		if (nl_attr_get_type(a) == WGTUN_A_DEVICE_FLAGS &&
		    (nl_attr_get_u32(a) & WGTUN_DEVICE_F_REPLACE_PEERS))
			st->replace_peers++;
		if (nl_attr_get_type(a) != WGTUN_A_DEVICE_PEERS)
			continue;
		nl_attr_for_each_nested(p, a) {
			nl_attr_for_each_nested(pa, p) {
				if (nl_attr_get_type(pa) == WGTUN_A_PEER_FLAGS &&
				    (nl_attr_get_u32(pa) & WGTUN_PEER_F_REPLACE_ALLOWEDIPS))
					st->peers_with_replace++;
			}
		}
	}
}

static bool devices_equal(const struct wgc_device *a, const struct wgc_device *b)
{
	size_t i, j;

	if (a->npeers != b->npeers || a->listen_port != b->listen_port)
		return false;
	for (i = 0; i < a->npeers; i++) {
		const struct wgc_peer *pa = &a->peers[i], *pb = &b->peers[i];

		if (memcmp(pa->public_key, pb->public_key, WGC_KEY_LEN) ||
		    pa->keepalive != pb->keepalive || pa->nips != pb->nips ||
		    memcmp(&pa->endpoint, &pb->endpoint, sizeof(pa->endpoint)))
			return false;
		for (j = 0; j < pa->nips; j++)
			if (memcmp(&pa->ips[j], &pb->ips[j], sizeof(pa->ips[j])))
				return false;
	}
	return true;
}

static void run_split(size_t npeers, size_t nips, size_t msglen)
{
	struct wgc_device *dev = big_device(npeers, nips), *back = wgc_device_new();
	struct split_stats st = { 0 };
	struct ipc_set_iter it;
	char *buf = malloc(msglen);
	int ret, guard = 0;

	ipc_set_iter_init(&it, dev);
	while ((ret = ipc_set_build(&it, buf, msglen, 42, 1)) == 1 && guard++ < 100000) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;

		CHECK(nlh->nlmsg_len <= msglen, "message too long");
		split_check_msg(nlh, &st);
		if (ipc_parse_device(nlh, back)) {
			CHECK(0, "generated message does not parse");
			break;
		}
	}
	CHECK(ret == 0, "builder error %d", ret);
	CHECK(st.replace_peers == 1, "REPLACE_PEERS in %u messages", st.replace_peers);
	CHECK(st.peers_with_replace == npeers, "REPLACE_ALLOWEDIPS %u times for %zu peers",
	      st.peers_with_replace, npeers);
	CHECK(devices_equal(dev, back), "%zu x %zu did not survive split+coalesce", npeers, nips);
	CHECK(npeers * nips < 1000 || st.messages > 1, "big config in one message");
	printf("# split %zu peers x %zu ips into %u messages of <= %zu bytes\n", npeers, nips,
	       st.messages, msglen);
	free(buf);
	wgc_device_free(dev);
	wgc_device_free(back);
}

static void test_split(void)
{
	run_split(2000, 50, 32 * 1024);
	run_split(3, 2000, 4096);	/* peers split over many messages */
	run_split(10, 0, 512);
	run_split(1, 1, 64 * 1024);
}

/* ---- syncconf ---- */

static void test_sync(void)
{
	struct wgc_device *runtime = sample_device(), *file, *diff;
	const char *err;
	char text[1024];

	/* K1 unchanged (same ips, endpoint, keepalive), K2 gone, K3 changed, new K4. */
	snprintf(text, sizeof(text),
		 "[Interface]\nPrivateKey = %s\n"
		 "[Peer]\nPublicKey = %s\nAllowedIPs = fd00::/64, 10.192.122.3/32\n"
		 "PersistentKeepalive = 25\n"
		 "[Peer]\nPublicKey = %s\nAllowedIPs = 10.9.0.0/16\nRoaming = off\n"
		 "[Peer]\nPublicKey = 4CiRlgNlWDXK6p/vWd4vmRaUMxRAhzPDpw9TZkECzFw=\n",
		 PRIV, K1, K3);
	file = parse_text(text, true, &err);
	CHECK(file, "sync file: %s", err);
	if (!file)
		goto out;
	strcpy(file->name, "wgt0");
	diff = syncconf_diff(file, runtime);
	CHECK(diff && !diff->nlflags, "no REPLACE_PEERS in syncconf");
	CHECK(diff && !(diff->has & (WGC_DEV_HAS_PRIVATE_KEY | WGC_DEV_HAS_LISTEN_PORT)),
	      "same key and unspecified port left alone");
	CHECK(diff && diff->npeers == 3, "peers in diff: %zu", diff ? diff->npeers : 0);
	if (diff && diff->npeers == 3) {
		CHECK(wgc_device_find_peer(diff, runtime->peers[0].public_key) < 0,
		      "unchanged peer sent");
		CHECK(diff->peers[0].nlflags == WGTUN_PEER_F_REMOVE_ME &&
		      !memcmp(diff->peers[0].public_key, runtime->peers[1].public_key, 32),
		      "missing peer removed");
		CHECK(diff->peers[1].nlflags == WGTUN_PEER_F_REPLACE_ALLOWEDIPS &&
		      diff->peers[1].nips == 1 && !(diff->peers[1].has & WGC_PEER_HAS_KEEPALIVE),
		      "changed peer carries only its changes");
		CHECK((diff->peers[1].has & WGC_PEER_HAS_ROAMING) && !diff->peers[1].roaming,
		      "roaming turned off");
		CHECK(!(diff->peers[2].has & WGC_PEER_HAS_ROAMING), "new peer roams by default");
		CHECK(diff->peers[2].nlflags == WGTUN_PEER_F_REPLACE_ALLOWEDIPS, "new peer added");
	}
	wgc_device_free(diff);
	wgc_device_free(file);
out:
	wgc_device_free(runtime);
}

/* bind-dev: argv, file, setconf's default, showconf, syncconf and the SET message. */
static void test_bind_dev(void)
{
	struct wgc_device *dev, *runtime, *diff, *back;
	struct ipc_set_iter it;
	char buf[512], *out;
	const char *err;

	dev = parse_args("bind-dev vrf-underlay", &err);
	CHECK(dev && (dev->has & WGC_DEV_HAS_BIND_DEV) && !strcmp(dev->bind_dev, "vrf-underlay"),
	      "bind-dev NAME: %s", err);
	wgc_device_free(dev);
	dev = parse_args("bind-dev off", &err);
	CHECK(dev && (dev->has & WGC_DEV_HAS_BIND_DEV) && !dev->bind_dev[0], "bind-dev off");
	wgc_device_free(dev);
	dev = parse_args("bind-dev 0123456789abcdef", &err);
	CHECK(!dev && strstr(err, "Bind device"), "16-character name: %s", err);
	wgc_device_free(dev);

	dev = parse_text("[Interface]\nBindDev = eth1\n", true, &err);
	CHECK(dev && dev->has == WGC_DEV_HAS_BIND_DEV && !strcmp(dev->bind_dev, "eth1"),
	      "BindDev in a file: %s", err);
	if (dev) {
		out = capture_print(do_showconf, dev, NULL);
		CHECK(out && strstr(out, "BindDev = eth1\n"), "showconf: %s", out ? out : "(null)");
		free(out);
		/* The SET message carries the index ipc_set_device() resolved. */
		dev->bind_ifindex = 7;
		strcpy(dev->name, "wgt0");
		back = wgc_device_new();
		ipc_set_iter_init(&it, dev);
		CHECK(ipc_set_build(&it, buf, sizeof(buf), 42, 1) == 1 &&
		      !ipc_parse_device((struct nlmsghdr *)buf, back) && back->bind_ifindex == 7,
		      "BIND_IFINDEX in the SET message");
		wgc_device_free(back);
	}
	wgc_device_free(dev);
	dev = parse_text("[Interface]\nListenPort = 1\n", false, &err);
	CHECK(dev && (dev->has & WGC_DEV_HAS_BIND_DEV) && !dev->bind_dev[0],
	      "setconf without BindDev unbinds");
	wgc_device_free(dev);

	/* A bound device that is gone (index 0) is still the one the file names. */
	runtime = sample_device();
	strcpy(runtime->bind_dev, "vrf-u");
	runtime->has |= WGC_DEV_HAS_BIND_DEV;
	dev = parse_text("[Interface]\nBindDev = vrf-u\n", true, &err);
	diff = dev ? syncconf_diff(dev, runtime) : NULL;
	CHECK(diff && !(diff->has & WGC_DEV_HAS_BIND_DEV), "same BindDev left alone");
	wgc_device_free(diff);
	wgc_device_free(dev);
	dev = parse_text("[Interface]\nListenPort = 51820\n", true, &err);
	diff = dev ? syncconf_diff(dev, runtime) : NULL;
	CHECK(diff && (diff->has & WGC_DEV_HAS_BIND_DEV) && !diff->bind_dev[0],
	      "no BindDev in the file unbinds");
	wgc_device_free(diff);
	wgc_device_free(dev);
	wgc_device_free(runtime);
}

/*
 * The shared port's two read-only attributes, as a dump of an up interface
 * carries them: parsed, shown in the pretty view and in JSON, never in dump.
 */
static void test_shared_port(void)
{
	struct wgc_device *dev = sample_device(), *back = wgc_device_new();
	struct wgc_device *unshared = wgc_device_new();
	static char buf[4096];
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct ipc_set_iter it;
	char *out, *plain, *json;

	ipc_set_iter_init(&it, dev);
	CHECK(ipc_set_build(&it, buf, sizeof(buf), 42, 1) == 1, "message of the sample");
	CHECK(!ipc_parse_device(nlh, unshared), "the sample's message refused");
	plain = capture_print(do_dump, unshared, NULL);
	CHECK(nl_attr_put_u32_check(nlh, sizeof(buf), WGTUN_A_DEVICE_PORT_ID, 7) &&
	      nl_attr_put_u32_check(nlh, sizeof(buf), WGTUN_A_DEVICE_PORT_MEMBERS, 200),
	      "attributes appended");
	CHECK(!ipc_parse_device(nlh, back), "dump with the port's attributes refused");
	CHECK((back->has & WGC_DEV_HAS_PORT_ID) && (back->has & WGC_DEV_HAS_PORT_MEMBERS) &&
	      back->port_id == 7 && back->port_members == 200, "port %u members %u",
	      back->port_id, back->port_members);

	setenv("WG_COLOR_MODE", "never", 1);
	out = capture_print(do_pretty, back, NULL);
	CHECK(strstr(out, "  listening port: 51820\n"
		      "  port shared: by 200 interfaces (port id 7)\n") != NULL,
	      "pretty, shared:\n%s", out);
	free(out);
	out = capture_print(do_dump, back, NULL);
	CHECK(!strcmp(out, plain), "dump changed by the port:\n%s\nwant:\n%s", out, plain);
	free(out);
	json = capture_print(do_json, back, NULL);
	CHECK(strstr(json, "\"port_id\": 7,\n") && strstr(json, "\"port_members\": 200,\n"),
	      "json, shared:\n%s", json);
	free(json);

	/* One member: a port of its own, shown as wg shows it. */
	back->port_members = 1;
	out = capture_print(do_pretty, back, NULL);
	CHECK(!strstr(out, "port shared"), "pretty, not shared:\n%s", out);
	free(out);
	json = capture_print(do_json, back, NULL);
	CHECK(strstr(json, "\"port_members\": 1,\n") != NULL, "json, not shared:\n%s", json);
	free(json);

	/* Down: no attributes, null in JSON rather than an invented 0. */
	json = capture_print(do_json, dev, NULL);
	CHECK(strstr(json, "\"port_id\": null,\n") && strstr(json, "\"port_members\": null,\n"),
	      "json, down:\n%s", json);
	free(json);
	unsetenv("WG_COLOR_MODE");
	free(plain);
	wgc_device_free(unshared);
	wgc_device_free(back);
	wgc_device_free(dev);
}

static void json_sample(void)
{
	struct wgc_device *dev = sample_device(), ev = { .name = "wgt\"0" };

	dev->has |= WGC_DEV_HAS_CARRIER_FOLLOWS | WGC_DEV_HAS_CARRIER;
	dev->carrier_follows_peers = true;
	dev->peers[0].has |= WGC_PEER_HAS_ALIVE | WGC_PEER_HAS_LAST_RX_AGE;
	dev->peers[0].alive = true;
	dev->peers[0].last_rx_age = 3;
	dev->has |= WGC_DEV_HAS_PORT_ID | WGC_DEV_HAS_PORT_MEMBERS;
	dev->port_id = 7;
	dev->port_members = 2;
	printf("[\n");
	json_print_device(stdout, dev, 1);
	printf(",\n");
	dev->has &= ~(WGC_DEV_HAS_PORT_ID | WGC_DEV_HAS_PORT_MEMBERS);
	dev->npeers = 0;
	json_print_device(stdout, dev, 1);
	printf("\n]\n");
	ev.event = WGTUN_EVENT_CARRIER;
	ev.has = WGC_DEV_HAS_CARRIER;
	json_print_event(stderr, &ev, "2026-12-03T02:51:00.123456+01:00");
	dev->npeers = 3;
	wgc_device_free(dev);
}

/* The interface name of one JSON object, as written. */
static char *json_name_of(const char *name)
{
	struct wgc_device dev = { 0 };
	char *out = NULL, *start, *end;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	snprintf(dev.name, sizeof(dev.name), "%s", name);
	json_print_device(f, &dev, 0);
	fclose(f);
	start = strstr(out, "\"interface\": \"");
	end = start ? strstr(start, "\",\n") : NULL;
	if (!end) {
		free(out);
		return strdup("(no interface field)");
	}
	*end = '\0';
	memmove(out, start + strlen("\"interface\": \""), (size_t)(end - start));
	return out;
}

/* JSON strings are valid UTF-8 whatever bytes an interface name holds. */
static void test_json_utf8(void)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "wg0", "wg0" },
		{ "q\"b\\", "q\\\"b\\\\" },
		{ "t\tn\n\x7f", "t\\u0009n\\u000a\\u007f" },
		{ "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80" },
		{ "a\xff", "a\\u00ff" },				/* never in UTF-8 */
		{ "\xc3(", "\\u00c3(" },				/* truncated sequence */
		{ "\x80x", "\\u0080x" },				/* lone continuation */
		{ "\xc0\xaf", "\\u00c0\\u00af" },			/* overlong '/' */
		{ "\xe0\x80\xaf", "\\u00e0\\u0080\\u00af" },	/* overlong, 3 bytes */
		{ "\xed\xa0\x80", "\\u00ed\\u00a0\\u0080" },	/* a surrogate */
		{ "\xf4\x90\x80\x80", "\\u00f4\\u0090\\u0080\\u0080" },	/* > U+10FFFF */
		{ "\xe2\x82", "\\u00e2\\u0082" },			/* cut at the end */
	};
	size_t i;
	char *got;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		got = json_name_of(cases[i].in);
		CHECK(!strcmp(got, cases[i].out), "case %zu: got %s, want %s", i, got,
		      cases[i].out);
		free(got);
	}
}

/* Two interfaces, one holding a name that needs escaping: for promtool in run.sh. */
static void metrics_sample(FILE *f)
{
	struct wgc_device *devs[2] = { sample_device(), sample_device() };

	strcpy(devs[1]->name, "wg\"1\\");
	devs[0]->has |= WGC_DEV_HAS_CARRIER | WGC_DEV_HAS_DROPS;
	devs[0]->carrier = true;
	devs[0]->drops[WGTUN_A_DROP_BAD_MAC] = 4;
	devs[0]->peers[0].has |= WGC_PEER_HAS_ALIVE | WGC_PEER_HAS_TRANSFER |
				 WGC_PEER_HAS_PACKETS | WGC_PEER_HAS_DROPS;
	devs[0]->peers[0].alive = true;
	show_metrics(f, devs, 2);
	wgc_device_free(devs[0]);
	wgc_device_free(devs[1]);
}

static void test_metrics(void)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	const char *a, *b;

	metrics_sample(f);
	fclose(f);
	CHECK(strstr(out, "# TYPE wgtun_peer_receive_bytes_total counter\n"), "%s", out);
	CHECK(strstr(out, "wgtun_peer_receive_bytes_total{interface=\"wgt0\",public_key=\""
		      "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\"} 1536\n"), "%s", out);
	CHECK(strstr(out, "wgtun_peer_last_handshake_timestamp_seconds{interface=\"wgt0\","
		      "public_key=\"xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\"} 1700000000\n"),
	      "%s", out);
	CHECK(strstr(out, "wgtun_peer_drops_total{interface=\"wgt0\",public_key=\""
		      "xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=\",reason=\"replay\"} 3\n"),
	      "%s", out);
	CHECK(strstr(out, "wgtun_interface_drops_total{interface=\"wgt0\",reason=\"bad_mac\"} 4\n"),
	      "%s", out);
	CHECK(strstr(out, "wgtun_interface_carrier{interface=\"wgt0\"} 1\n"), "%s", out);
	CHECK(strstr(out, "wgtun_interface_peers{interface=\"wg\\\"1\\\\\"} 3\n"), "%s", out);
	/* Not reported by the kernel: no sample rather than an invented 0. */
	CHECK(!strstr(out, "wgtun_interface_carrier{interface=\"wg\\\"1"), "%s", out);
	CHECK(!strstr(out, "wgtun_peer_alive{interface=\"wgt0\",public_key=\"TrMv"), "%s", out);
	/* Grouped by family: both interfaces' samples between two TYPE lines. */
	a = strstr(out, "# TYPE wgtun_interface_peers");
	b = strstr(out, "# TYPE wgtun_peer_receive_bytes_total");
	CHECK(a && b && a < b && strstr(a, "wgtun_interface_peers{interface=\"wg\\\"1") < b,
	      "%s", out);
	free(out);
}

/* Writes the SET messages of a sample device: a seed for the netlink fuzzer. */
static int netlink_seed(const char *path)
{
	struct wgc_device *dev = sample_device();
	struct ipc_set_iter it;
	static char buf[8192];
	FILE *f = fopen(path, "w");

	if (!f)
		return 1;
	dev->has |= WGC_DEV_HAS_CARRIER_FOLLOWS | WGC_DEV_HAS_LIVENESS;
	dev->carrier_follows_peers = true;
	dev->liveness_timeout = 7;
	ipc_set_iter_init(&it, dev);
	while (ipc_set_build(&it, buf, 256, 42, 1) == 1)	/* small: forces splits */
		fwrite(buf, 1, ((struct nlmsghdr *)buf)->nlmsg_len, f);
	wgc_device_free(dev);
	return fclose(f) ? 1 : 0;
}

int main(int argc, char *argv[])
{
	if (argc > 2 && !strcmp(argv[1], "--netlink-seed"))
		return netlink_seed(argv[2]);
	if (argc > 1 && !strcmp(argv[1], "--metrics-sample")) {
		metrics_sample(stdout);
		return 0;
	}
	if (argc > 1 && !strcmp(argv[1], "--json-sample")) {
		json_sample();
		return 0;
	}
	config_resolve = fake_resolve;
	test_base64();
	test_x25519();
	test_config_good();
	test_config_bad();
	test_argv();
	test_printers();
	test_split();
	test_sync();
	test_bind_dev();
	test_shared_port();
	test_metrics();
	test_json_utf8();
	free(errbuf);
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
