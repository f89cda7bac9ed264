// SPDX-License-Identifier: GPL-2.0
/*
 * Parser for `wgctl set` arguments and for configuration files.
 *
 * One keyword table serves both: each entry names the argv keyword, the file
 * key, the section it belongs to and the value parser.  The two front ends
 * differ only in how they find the keyword and value (argv pairs versus
 * "Key = Value" lines with all white space removed, as wg does) and in that
 * keys on the command line come from files, never from argv itself.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "encoding.h"

#define KEYFILE_MAX	4096

FILE *config_errout;
int (*config_resolve)(const char *host, const char *port, const struct addrinfo *hints,
		      struct addrinfo **res) = getaddrinfo;

static FILE *keyfile_fopen(const char *path)
{
	return fopen(path, "r");
}

FILE *(*config_keyfile_open)(const char *path) = keyfile_fopen;

/*
 * Where a value came from, so that messages can name the file and line.
 * @origin is NULL for the command line.
 */
struct where {
	const char *origin;
	unsigned int line;
	bool from_argv;
};

static void __attribute__((format(printf, 2, 3)))
report(const struct where *w, const char *fmt, ...)
{
	FILE *out = config_errout ? config_errout : stderr;
	va_list ap;

	if (w && w->origin)
		fprintf(out, "%s:%u: ", w->origin, w->line);
	va_start(ap, fmt);
	vfprintf(out, fmt, ap);
	va_end(ap);
	fputc('\n', out);
}

/* Parses a decimal number of at most @max, digits only. */
static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s))
			return false;
		if (v > (max - (unsigned long)(*s - '0')) / 10)
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
	}
	*out = v;
	return true;
}

static bool parse_port(const struct where *w, uint16_t *port, const char *value)
{
	unsigned long v;

	if (!parse_uint(value, 65535, &v)) {
		report(w, "Listen port is not a number from 0 to 65535: `%s'", value);
		return false;
	}
	*port = (uint16_t)v;
	return true;
}

static bool parse_fwmark(const struct where *w, uint32_t *mark, const char *value)
{
	unsigned long v = 0;
	const char *p;

	if (!strcasecmp(value, "off")) {
		*mark = 0;
		return true;
	}
	if (value[0] == '0' && value[1] == 'x' && value[2]) {
		for (p = value + 2; *p; p++) {
			if (!isxdigit((unsigned char)*p) || v > 0xfffffffUL)
				goto err;
			v = v * 16 + (unsigned long)(isdigit((unsigned char)*p) ? *p - '0' :
						     tolower((unsigned char)*p) - 'a' + 10);
		}
	} else if (!parse_uint(value, 0xffffffffUL, &v)) {
		goto err;
	}
	*mark = (uint32_t)v;
	return true;
err:
	report(w, "Fwmark is neither 0/off nor 0-0xffffffff: `%s'", value);
	return false;
}

static bool parse_bind_dev(const struct where *w, char name[IFNAMSIZ], const char *value)
{
	if (!strcasecmp(value, "off")) {
		name[0] = '\0';
		return true;
	}
	if (!*value || strlen(value) >= IFNAMSIZ || strchr(value, '/') || strchr(value, ' ')) {
		report(w, "Bind device is neither off nor an interface name: `%s'", value);
		return false;
	}
	strcpy(name, value);
	return true;
}

static bool parse_keepalive(const struct where *w, uint16_t *interval, const char *value)
{
	unsigned long v;

	if (!strcasecmp(value, "off")) {
		*interval = 0;
		return true;
	}
	if (!parse_uint(value, 65535, &v)) {
		report(w, "Persistent keepalive interval is neither 0/off nor 1-65535: `%s'",
		       value);
		return false;
	}
	*interval = (uint16_t)v;
	return true;
}

static bool parse_onoff(const struct where *w, const char *what, bool *out, const char *value)
{
	if (!strcasecmp(value, "on")) {
		*out = true;
		return true;
	}
	if (!strcasecmp(value, "off")) {
		*out = false;
		return true;
	}
	report(w, "%s is neither on nor off: `%s'", what, value);
	return false;
}

static bool parse_liveness(const struct where *w, uint32_t *secs, const char *value)
{
	unsigned long v;

	if (!parse_uint(value, WGTUN_LIVENESS_TIMEOUT_MAX, &v)) {
		report(w, "Liveness timeout is not a number of seconds from 0 to %u: `%s'",
		       WGTUN_LIVENESS_TIMEOUT_MAX, value);
		return false;
	}
	*secs = (uint32_t)v;
	return true;
}

static bool parse_key(const struct where *w, uint8_t key[WGC_KEY_LEN], const char *value)
{
	if (wgc_key_from_base64(key, value))
		return true;
	if (w->from_argv)
		report(w, "Key is not the correct length or format: `%s'", value);
	else	/* the value may be a secret: do not echo it into logs */
		report(w, "Key is not the correct length or format");
	return false;
}

/*
 * Reads a key file as wg does: an empty file means "no key" (all zeros),
 * otherwise one base64 key, optionally followed by white space.
 */
static bool parse_keyfile(const struct where *w, uint8_t key[WGC_KEY_LEN], const char *path)
{
	char buf[KEYFILE_MAX + 1];
	size_t len;
	FILE *f;
	bool ok = false;

	f = config_keyfile_open(path);
	if (!f) {
		report(w, "Unable to open key file `%s': %s", path, strerror(errno));
		return false;
	}
	len = fread(buf, 1, KEYFILE_MAX + 1, f);
	if (ferror(f)) {
		report(w, "Unable to read key file `%s': %s", path, strerror(errno));
		goto out;
	}
	if (len > KEYFILE_MAX) {
		report(w, "Key file `%s' is too long to hold one key", path);
		goto out;
	}
	if (!len) {
		memset(key, 0, WGC_KEY_LEN);
		ok = true;
		goto out;
	}
	while (len && isspace((unsigned char)buf[len - 1]))
		len--;
	buf[len] = '\0';
	ok = wgc_key_from_base64(key, buf);
	if (!ok)
		report(w, "Key file `%s' does not hold one base64 key of the correct length",
		       path);
out:
	wgc_wipe(buf, sizeof(buf));
	fclose(f);
	return ok;
}

static int resolution_retries(void)
{
	const char *env = getenv("WG_ENDPOINT_RESOLUTION_RETRIES");
	unsigned long v;

	if (!env)
		return 15;
	if (!strcmp(env, "infinity"))
		return -1;
	if (!parse_uint(env, INT_MAX, &v))
		return 15;
	return (int)v;
}

/* Splits "host:port" or "[v6]:port" in place; returns the port or NULL. */
static char *split_endpoint(char *s, char **host)
{
	char *end;

	if (s[0] == '[') {
		end = strchr(s, ']');
		if (!end || end[1] != ':' || !end[2])
			return NULL;
		*end = '\0';
		*host = s + 1;
		return end + 2;
	}
	end = strrchr(s, ':');
	if (!end || !end[1] || end == s)
		return NULL;
	*end = '\0';
	*host = s;
	return end + 1;
}

/*
 * Resolves with wg's patience: permanent failures end at once, temporary
 * ones are retried with a growing delay, WG_ENDPOINT_RESOLUTION_RETRIES times.
 */
static struct addrinfo *resolve(const struct where *w, const char *host, const char *port,
				const char *value)
{
	static const struct addrinfo hints = {
		.ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_DGRAM,
		.ai_protocol = IPPROTO_UDP,
	};
	int ret, retries = resolution_retries();
	unsigned int delay = 1000000;
	struct addrinfo *res;

	for (;;) {
		ret = config_resolve(host, port, &hints, &res);
		if (!ret)
			return res;
		if (ret == EAI_NONAME || ret == EAI_FAIL || ret == EAI_NODATA ||
		    ret == EAI_SERVICE || ret == EAI_FAMILY || !retries) {
			report(w, "Unable to resolve endpoint `%s': %s", value,
			       ret == EAI_SYSTEM ? strerror(errno) : gai_strerror(ret));
			return NULL;
		}
		if (retries > 0)
			retries--;
		report(w, "Resolving endpoint `%s' failed (%s); trying again in %.1f seconds",
		       value, gai_strerror(ret), delay / 1e6);
		usleep(delay);
		delay = delay * 6 / 5 > 20000000 ? 20000000 : delay * 6 / 5;
	}
}

static bool parse_endpoint(const struct where *w, union wgc_endpoint *ep, const char *value)
{
	struct addrinfo *res, *ai;
	char *copy, *host, *port;
	unsigned long num;
	bool ok = false;

	copy = strdup(value);
	if (!copy) {
		report(w, "Out of memory");
		return false;
	}
	port = split_endpoint(copy, &host);
	if (!port) {
		report(w, "Endpoint is not <host>:<port> or [<IPv6>]:<port>: `%s'", value);
		goto out;
	}
	/* getaddrinfo() wraps numeric ports above 65535 around; refuse them. */
	if (isdigit((unsigned char)*port) && !parse_uint(port, 65535, &num)) {
		report(w, "Endpoint port is not a number from 0 to 65535: `%s'", value);
		goto out;
	}
	res = resolve(w, host, port, value);
	if (!res)
		goto out;
	for (ai = res; ai && !ok; ai = ai->ai_next) {
		if ((ai->ai_family == AF_INET && ai->ai_addrlen == sizeof(ep->sin)) ||
		    (ai->ai_family == AF_INET6 && ai->ai_addrlen == sizeof(ep->sin6))) {
			memset(ep, 0, sizeof(*ep));
			memcpy(ep, ai->ai_addr, ai->ai_addrlen);
			ok = true;
		}
	}
	freeaddrinfo(res);
	if (!ok)
		report(w, "Endpoint has neither an IPv4 nor an IPv6 address: `%s'", value);
out:
	free(copy);
	return ok;
}

static bool host_bits_zero(const struct wgc_allowedip *ip)
{
	const uint8_t *b = (const uint8_t *)&ip->addr;
	unsigned int len = ip->family == AF_INET ? 4 : 16, i;

	for (i = 0; i < len; i++) {
		unsigned int first = i * 8;
		uint8_t mask;

		if (first + 8 <= ip->cidr)
			continue;
		mask = first >= ip->cidr ? 0xff : (uint8_t)(0xff >> (ip->cidr - first));
		if (b[i] & mask)
			return false;
	}
	return true;
}

/* Parses one "[+|-]address[/cidr]" entry (spaces already removed). */
static bool parse_one_ip(const struct where *w, struct wgc_peer *peer, char *entry)
{
	struct wgc_allowedip *ip;
	unsigned long cidr, max;
	char *slash, *text = entry;
	uint32_t nlflags = 0;

	if (*text == '-' || *text == '+') {
		if (*text == '-')
			nlflags = WGTUN_ALLOWEDIP_F_REMOVE_ME;
		peer->nlflags &= ~WGTUN_PEER_F_REPLACE_ALLOWEDIPS;
		text++;
	}
	ip = wgc_peer_add_ip(peer);
	if (!ip) {
		report(w, "Out of memory");
		return false;
	}
	slash = strchr(text, '/');
	if (slash)
		*slash = '\0';
	if (strchr(text, ':') && inet_pton(AF_INET6, text, &ip->addr.ip6) == 1)
		ip->family = AF_INET6;
	else if (!strchr(text, ':') && inet_pton(AF_INET, text, &ip->addr.ip4) == 1)
		ip->family = AF_INET;
	if (!ip->family) {
		report(w, "Unable to parse IP address: `%s'", text);
		goto err;
	}
	max = ip->family == AF_INET ? 32 : 128;
	cidr = max;
	if (slash && !parse_uint(slash + 1, max, &cidr)) {
		report(w, "CIDR mask is not a number from 0 to %lu: `%s/%s'", max, text,
		       slash + 1);
		goto err;
	}
	ip->cidr = (uint8_t)cidr;
	ip->nlflags = nlflags;
	if (!host_bits_zero(ip))
		report(w, "Warning: AllowedIP has nonzero host part: %s/%lu", text, cidr);
	return true;
err:
	peer->nips--;
	return false;
}

static bool parse_allowedips(const struct where *w, struct wgc_peer *peer, const char *value)
{
	char *copy, *cursor, *entry;
	size_t i, j;
	bool ok = true;

	peer->has |= WGC_PEER_HAS_ALLOWEDIPS;
	peer->nlflags |= WGTUN_PEER_F_REPLACE_ALLOWEDIPS;
	copy = malloc(strlen(value) + 1);
	if (!copy) {
		report(w, "Out of memory");
		return false;
	}
	/* On the command line, "a, b" is accepted as in files. */
	for (i = j = 0; value[i]; i++)
		if (!isspace((unsigned char)value[i]))
			copy[j++] = value[i];
	copy[j] = '\0';
	if (!j)
		goto out;
	cursor = copy;
	while (ok && (entry = strsep(&cursor, ",")))
		ok = parse_one_ip(w, peer, entry);
out:
	free(copy);
	return ok;
}

/* The keyword table shared by both front ends. */
enum kw_id {
	KW_LISTEN_PORT, KW_FWMARK, KW_PRIVATE_KEY, KW_CARRIER, KW_LIVENESS,
	KW_UNKNOWN_PEER_EVENTS, KW_PUBLIC_KEY, KW_PRESHARED_KEY, KW_ENDPOINT, KW_ALLOWED_IPS,
	KW_KEEPALIVE, KW_ROAMING, KW_REMOVE, KW_BIND_DEV,
};

struct keyword {
	const char *arg;	/* keyword in `set`, NULL if none */
	const char *key;	/* key in a file, NULL if none */
	enum config_section section;
	enum kw_id id;
};

static const struct keyword keywords[] = {
	{ "listen-port", "ListenPort", SECTION_INTERFACE, KW_LISTEN_PORT },
	{ "fwmark", "FwMark", SECTION_INTERFACE, KW_FWMARK },
	{ "private-key", "PrivateKey", SECTION_INTERFACE, KW_PRIVATE_KEY },
	{ "carrier-follows-peers", "CarrierFollowsPeers", SECTION_INTERFACE, KW_CARRIER },
	{ "liveness-timeout", "LivenessTimeout", SECTION_INTERFACE, KW_LIVENESS },
	{ "unknown-peer-events", "UnknownPeerEvents", SECTION_INTERFACE, KW_UNKNOWN_PEER_EVENTS },
	{ "bind-dev", "BindDev", SECTION_INTERFACE, KW_BIND_DEV },
	{ NULL, "PublicKey", SECTION_PEER, KW_PUBLIC_KEY },
	{ "preshared-key", "PresharedKey", SECTION_PEER, KW_PRESHARED_KEY },
	{ "endpoint", "Endpoint", SECTION_PEER, KW_ENDPOINT },
	{ "allowed-ips", "AllowedIPs", SECTION_PEER, KW_ALLOWED_IPS },
	{ "persistent-keepalive", "PersistentKeepalive", SECTION_PEER, KW_KEEPALIVE },
	{ "roaming", "Roaming", SECTION_PEER, KW_ROAMING },
	{ "remove", NULL, SECTION_PEER, KW_REMOVE },
};

static bool apply_device(const struct where *w, struct wgc_device *dev, enum kw_id id,
			 const char *value)
{
	switch (id) {
	case KW_LISTEN_PORT:
		dev->has |= WGC_DEV_HAS_LISTEN_PORT;
		return parse_port(w, &dev->listen_port, value);
	case KW_FWMARK:
		dev->has |= WGC_DEV_HAS_FWMARK;
		return parse_fwmark(w, &dev->fwmark, value);
	case KW_PRIVATE_KEY:
		dev->has |= WGC_DEV_HAS_PRIVATE_KEY;
		if (w->from_argv)
			return parse_keyfile(w, dev->private_key, value);
		return parse_key(w, dev->private_key, value);
	case KW_CARRIER:
		dev->has |= WGC_DEV_HAS_CARRIER_FOLLOWS;
		return parse_onoff(w, w->from_argv ? "carrier-follows-peers" :
				   "CarrierFollowsPeers", &dev->carrier_follows_peers, value);
	case KW_LIVENESS:
		dev->has |= WGC_DEV_HAS_LIVENESS;
		return parse_liveness(w, &dev->liveness_timeout, value);
	case KW_UNKNOWN_PEER_EVENTS:
		dev->has |= WGC_DEV_HAS_UNKNOWN_PEER_EVENTS;
		return parse_onoff(w, w->from_argv ? "unknown-peer-events" : "UnknownPeerEvents",
				   &dev->unknown_peer_events, value);
	case KW_BIND_DEV:
		dev->has |= WGC_DEV_HAS_BIND_DEV;
		return parse_bind_dev(w, dev->bind_dev, value);
	default:
		return false;
	}
}

static bool apply_peer(const struct where *w, struct wgc_peer *peer, enum kw_id id,
		       const char *value)
{
	switch (id) {
	case KW_PUBLIC_KEY:
		peer->has |= WGC_PEER_HAS_PUBLIC_KEY;
		return parse_key(w, peer->public_key, value);
	case KW_PRESHARED_KEY:
		peer->has |= WGC_PEER_HAS_PRESHARED_KEY;
		if (w->from_argv)
			return parse_keyfile(w, peer->preshared_key, value);
		return parse_key(w, peer->preshared_key, value);
	case KW_ENDPOINT:
		peer->has |= WGC_PEER_HAS_ENDPOINT;
		return parse_endpoint(w, &peer->endpoint, value);
	case KW_ALLOWED_IPS:
		return parse_allowedips(w, peer, value);
	case KW_KEEPALIVE:
		peer->has |= WGC_PEER_HAS_KEEPALIVE;
		return parse_keepalive(w, &peer->keepalive, value);
	case KW_ROAMING:
		peer->has |= WGC_PEER_HAS_ROAMING;
		return parse_onoff(w, w->from_argv ? "roaming" : "Roaming", &peer->roaming, value);
	case KW_REMOVE:
		peer->nlflags |= WGTUN_PEER_F_REMOVE_ME;
		return true;
	default:
		return false;
	}
}

/* ---- configuration files ---- */

bool config_file_init(struct config_ctx *ctx, const char *origin, bool append)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->origin = origin ? origin : "(config)";
	ctx->dev = wgc_device_new();
	if (!ctx->dev) {
		report(NULL, "Out of memory");
		return false;
	}
	/*
	 * setconf states the whole interface: what the file leaves out is
	 * reset (no private key, random port, no mark, carrier always on,
	 * default liveness timeout, no unknown-peer events, no bound device)
	 * and other peers go.
	 */
	if (!append) {
		ctx->dev->nlflags |= WGTUN_DEVICE_F_REPLACE_PEERS;
		ctx->dev->has |= WGC_DEV_HAS_PRIVATE_KEY | WGC_DEV_HAS_LISTEN_PORT |
				 WGC_DEV_HAS_FWMARK | WGC_DEV_HAS_CARRIER_FOLLOWS |
				 WGC_DEV_HAS_LIVENESS | WGC_DEV_HAS_UNKNOWN_PEER_EVENTS |
				 WGC_DEV_HAS_BIND_DEV;
	}
	return true;
}

void config_file_abort(struct config_ctx *ctx)
{
	wgc_device_free(ctx->dev);
	ctx->dev = NULL;
}

static bool file_section(struct config_ctx *ctx, const struct where *w, const char *line)
{
	struct wgc_peer *peer;

	if (!strcasecmp(line, "[Interface]")) {
		ctx->section = SECTION_INTERFACE;
		return true;
	}
	if (!strcasecmp(line, "[Peer]")) {
		peer = wgc_device_add_peer(ctx->dev);
		if (!peer) {
			report(w, "Out of memory");
			return false;
		}
		peer->nlflags = WGTUN_PEER_F_REPLACE_ALLOWEDIPS;
		peer->line = ctx->line;
		ctx->section = SECTION_PEER;
		return true;
	}
	report(w, "Unknown section: `%s'", line);
	return false;
}

static bool file_pair(struct config_ctx *ctx, const struct where *w, char *line)
{
	const struct keyword *kw;
	char *eq = strchr(line, '=');
	size_t i;

	if (!eq) {
		report(w, "Line unrecognized: `%s'", line);
		return false;
	}
	*eq = '\0';
	if (ctx->section == SECTION_NONE) {
		report(w, "`%s' appears before any [Interface] or [Peer] section", line);
		return false;
	}
	for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
		kw = &keywords[i];
		if (!kw->key || strcasecmp(kw->key, line))
			continue;
		if (kw->section != ctx->section)
			break;
		if (kw->section == SECTION_INTERFACE)
			return apply_device(w, ctx->dev, kw->id, eq + 1);
		return apply_peer(w, &ctx->dev->peers[ctx->dev->npeers - 1], kw->id, eq + 1);
	}
	report(w, "Unknown key in [%s] section: `%s'",
	       ctx->section == SECTION_PEER ? "Peer" : "Interface", line);
	return false;
}

bool config_file_line(struct config_ctx *ctx, const char *input)
{
	struct where w = { .origin = ctx->origin, .line = ++ctx->line };
	size_t len = strcspn(input, "#"), i, n = 0;
	char *line;
	bool ok;

	line = malloc(len + 1);
	if (!line) {
		report(&w, "Out of memory");
		return false;
	}
	for (i = 0; i < len; i++)
		if (!isspace((unsigned char)input[i]))
			line[n++] = input[i];
	line[n] = '\0';
	if (!n)
		ok = true;
	else if (line[0] == '[')
		ok = file_section(ctx, &w, line);
	else
		ok = file_pair(ctx, &w, line);
	wgc_wipe(line, n);
	free(line);
	return ok;
}

struct wgc_device *config_file_finish(struct config_ctx *ctx)
{
	struct wgc_device *dev = ctx->dev;
	struct where w = { .origin = ctx->origin };
	size_t i;

	for (i = 0; i < dev->npeers; i++) {
		if (!(dev->peers[i].has & WGC_PEER_HAS_PUBLIC_KEY)) {
			w.line = dev->peers[i].line;
			report(&w, "[Peer] section has no PublicKey");
			config_file_abort(ctx);
			return NULL;
		}
	}
	ctx->dev = NULL;
	return dev;
}

struct wgc_device *config_file_read(FILE *f, const char *origin, bool append)
{
	struct config_ctx ctx;
	char *buf = NULL;
	size_t cap = 0;
	bool ok = true;

	if (!config_file_init(&ctx, origin, append))
		return NULL;
	while (ok && getline(&buf, &cap, f) >= 0)
		ok = config_file_line(&ctx, buf);
	if (buf)
		wgc_wipe(buf, cap);
	free(buf);
	if (ok && ferror(f)) {
		report(NULL, "Unable to read `%s': %s", ctx.origin, strerror(errno));
		ok = false;
	}
	if (!ok) {
		config_file_abort(&ctx);
		return NULL;
	}
	return config_file_finish(&ctx);
}

/* ---- the command line ---- */

struct wgc_device *config_parse_argv(int argc, const char *const argv[])
{
	const struct where w = { .from_argv = true };
	struct wgc_device *dev = wgc_device_new();
	struct wgc_peer *peer = NULL;
	const struct keyword *kw;
	size_t i;
	int used;

	if (!dev) {
		report(NULL, "Out of memory");
		return NULL;
	}
	while (argc > 0) {
		if (!strcmp(argv[0], "peer") && argc >= 2) {
			peer = wgc_device_add_peer(dev);
			if (!peer) {
				report(NULL, "Out of memory");
				goto err;
			}
			peer->has |= WGC_PEER_HAS_PUBLIC_KEY;
			if (!parse_key(&w, peer->public_key, argv[1]))
				goto err;
			argv += 2;
			argc -= 2;
			continue;
		}
		kw = NULL;
		for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
			if (keywords[i].arg && !strcmp(keywords[i].arg, argv[0]) &&
			    (keywords[i].section == SECTION_PEER) == !!peer) {
				kw = &keywords[i];
				break;
			}
		}
		used = kw && kw->id == KW_REMOVE ? 1 : 2;
		if (!kw || argc < used) {
			if (kw)
				report(&w, "Missing value for `%s'", argv[0]);
			else if (!strcmp(argv[0], "peer"))
				report(&w, "Missing public key after `peer'");
			else
				report(&w, "Invalid argument: %s", argv[0]);
			goto err;
		}
		/* The keyword search above only finds a peer keyword once there is a peer. */
		if (kw->section == SECTION_INTERFACE ? !apply_device(&w, dev, kw->id, argv[1]) :
		    !peer || !apply_peer(&w, peer, kw->id, used > 1 ? argv[1] : ""))
			goto err;
		argv += used;
		argc -= used;
	}
	return dev;
err:
	wgc_device_free(dev);
	return NULL;
}
