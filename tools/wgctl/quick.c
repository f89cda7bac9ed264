// SPDX-License-Identifier: GPL-2.0
/*
 * `wgctl up|down <name or file>`: wg-quick(8) for wgtun.
 *
 * The file is wg-quick's: wgctl's own configuration (config.c) plus, in
 * [Interface], Address, DNS, MTU, Table, PreUp, PostUp, PreDown, PostDown and
 * SaveConfig.  The whole file is checked before anything changes.  `up`
 * creates the link, applies the configuration, adds the addresses, the MTU,
 * DNS (through resolvconf) and the routes, and any failure after the link
 * exists (a PostUp hook's included) undoes all of it.  `down` removes what
 * `up` added: deleting the link takes its addresses and routes with it, and
 * the policy rules and the DNS entry are removed one by one.
 *
 * `reresolve` resolves the host names of the file's Endpoint lines again and
 * sets the endpoints that changed (one pass, as wireguard-tools'
 * reresolve-dns.sh does; run it from a timer or on a peer-dead event).
 *
 * Commands run without a shell (fork and exec of ip and resolvconf), each
 * echoed to stderr after "[#] " as wg-quick does; hooks run with `bash -c`,
 * "%i" replaced by the interface name.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "encoding.h"
#include "ipc.h"
#include "show.h"
#include "subcommands.h"

#define QUICK_CONFIG_DIR	"/etc/wgtun"
/* wg-quick's table for a default route with Table = auto, without FwMark. */
#define QUICK_DEFAULT_TABLE	51820

enum { HOOK_PRE_UP, HOOK_POST_UP, HOOK_PRE_DOWN, HOOK_POST_DOWN, NHOOKS };

static const char *const hook_keys[NHOOKS] = { "PreUp", "PostUp", "PreDown", "PostDown" };

/**
 * struct strlist - a growing array of strings
 * @s: @n strings, each owned.
 */
struct strlist {
	char **s;
	size_t n;
};

/**
 * struct quick - one parsed wg-quick file
 * @name: the interface: the file's name without ".conf".
 * @path: the file.
 * @dev: wgctl's configuration, as setconf would apply it.
 * @addrs: Address entries, @naddrs of them.
 * @dns: DNS servers (addresses) and @search: search domains.
 * @mtu: MTU, 0 to leave the link's default.
 * @table: "off", "auto" or a routing table for ip(8).
 * @hooks: the commands of each hook, in file order.
 * @save_config: SaveConfig = true.
 * @named: for each peer (by index), whether its Endpoint is a host name;
 *	@nnamed entries.
 */
struct quick {
	char name[IFNAMSIZ];
	char path[PATH_MAX];
	struct wgc_device *dev;
	struct wgc_allowedip addrs[64];
	size_t naddrs;
	struct strlist dns, search, addr_text;
	unsigned long mtu;
	char table[64];
	struct strlist hooks[NHOOKS];
	bool save_config;
	bool *named;
	size_t nnamed;
};

static bool strlist_add(struct strlist *l, const char *s, size_t len)
{
	char **n = realloc(l->s, (l->n + 1) * sizeof(*n));

	if (!n)
		return false;
	l->s = n;
	l->s[l->n] = strndup(s, len);
	return l->s[l->n++] != NULL;
}

static void strlist_free(struct strlist *l)
{
	while (l->n)
		free(l->s[--l->n]);
	free(l->s);
	l->s = NULL;
}

static void quick_free(struct quick *q)
{
	size_t i;

	wgc_device_free(q->dev);
	strlist_free(&q->dns);
	strlist_free(&q->search);
	strlist_free(&q->addr_text);
	for (i = 0; i < NHOOKS; i++)
		strlist_free(&q->hooks[i]);
	free(q->named);
}

/* "10.0.0.1/24", "fd00::1" (a host prefix): host bits may be set. */
static bool parse_address(struct wgc_allowedip *ip, const char *text)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	unsigned long cidr;

	if (strlen(text) >= sizeof(buf))
		return false;
	strcpy(buf, text);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	if (inet_pton(AF_INET, buf, &ip->addr.ip4) == 1)
		ip->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, &ip->addr.ip6) == 1)
		ip->family = AF_INET6;
	else
		return false;
	cidr = ip->family == AF_INET ? 32 : 128;
	if (slash) {
		errno = 0;
		if (!isdigit((unsigned char)*slash) ||
		    strtoul(slash, &end, 10) > cidr || *end || errno)
			return false;
		cidr = strtoul(slash, NULL, 10);
	}
	ip->cidr = (uint8_t)cidr;
	return true;
}

/* Calls @fn on each comma-separated item of @value, spaces trimmed. */
static bool each_item(const char *value, bool (*fn)(struct quick *q, const char *item),
		      struct quick *q)
{
	char *copy = strdup(value), *item, *save = NULL, *end;
	bool ok = copy != NULL;

	for (item = copy ? strtok_r(copy, ",", &save) : NULL; ok && item;
	     item = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*item))
			item++;
		end = item + strlen(item);
		while (end > item && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*item)
			ok = fn(q, item);
	}
	free(copy);
	return ok;
}

static bool add_address(struct quick *q, const char *item)
{
	if (q->naddrs == sizeof(q->addrs) / sizeof(q->addrs[0]) ||
	    !parse_address(&q->addrs[q->naddrs], item))
		return false;
	q->naddrs++;
	return strlist_add(&q->addr_text, item, strlen(item));
}

static bool add_dns(struct quick *q, const char *item)
{
	struct in6_addr a;

	if (inet_pton(AF_INET, item, &a) == 1 || inet_pton(AF_INET6, item, &a) == 1)
		return strlist_add(&q->dns, item, strlen(item));
	if (strcspn(item, " \t/\\") != strlen(item))
		return false;
	return strlist_add(&q->search, item, strlen(item));
}

/* A table for ip(8): off, auto, a number or a name from rt_tables. */
static bool valid_table(const char *v)
{
	size_t i;

	if (!*v || strlen(v) >= sizeof(((struct quick *)0)->table))
		return false;
	for (i = 0; v[i]; i++)
		if (!isalnum((unsigned char)v[i]) && v[i] != '_' && v[i] != '-')
			return false;
	return true;
}

/*
 * One of wg-quick's keys, @value as written (comments already cut).
 * Returns 1 if handled, 0 if @key is not one of them, -1 on a bad value.
 */
static int quick_key(struct quick *q, const char *key, const char *value, unsigned int line)
{
	const char *what;
	char *end;
	size_t i;

	for (i = 0; i < NHOOKS; i++)
		if (!strcasecmp(key, hook_keys[i]))
			return strlist_add(&q->hooks[i], value, strlen(value)) ? 1 : -1;
	if (!strcasecmp(key, "Address")) {
		if (each_item(value, add_address, q))
			return 1;
		what = "Address is not a list of IP addresses with optional prefix lengths";
	} else if (!strcasecmp(key, "DNS")) {
		if (each_item(value, add_dns, q))
			return 1;
		what = "DNS is not a list of addresses and search domains";
	} else if (!strcasecmp(key, "MTU")) {
		errno = 0;
		q->mtu = strtoul(value, &end, 10);
		if (isdigit((unsigned char)*value) && !*end && !errno && q->mtu >= 576 &&
		    q->mtu <= 65535)
			return 1;
		what = "MTU is not a number from 576 to 65535";
	} else if (!strcasecmp(key, "Table")) {
		if (valid_table(value)) {
			strcpy(q->table, value);
			return 1;
		}
		what = "Table is not off, auto, a number or a table name";
	} else if (!strcasecmp(key, "SaveConfig")) {
		if (!strcasecmp(value, "true") || !strcasecmp(value, "false")) {
			q->save_config = !strcasecmp(value, "true");
			return 1;
		}
		what = "SaveConfig is neither true nor false";
	} else {
		return 0;
	}
	fprintf(stderr, "%s:%u: %s: `%s'\n", q->path, line, what, value);
	return -1;
}

/* Splits "Key = value" (value trimmed); false for a line of another form. */
static bool split_pair(char *line, char **key, char **value)
{
	char *eq = strchr(line, '='), *end;

	if (!eq)
		return false;
	*eq = '\0';
	*key = line;
	*value = eq + 1;
	while (isspace((unsigned char)**key))
		(*key)++;
	for (end = eq; end > *key && isspace((unsigned char)end[-1]);)
		*--end = '\0';
	while (isspace((unsigned char)**value))
		(*value)++;
	for (end = *value + strlen(*value); end > *value && isspace((unsigned char)end[-1]);)
		*--end = '\0';
	return true;
}

/* Whether the file holds a secret: a private or a preshared key. */
static bool holds_secret(const struct wgc_device *dev)
{
	size_t i;

	if ((dev->has & WGC_DEV_HAS_PRIVATE_KEY) && !wgc_key_is_zero(dev->private_key))
		return true;
	for (i = 0; i < dev->npeers; i++)
		if (dev->peers[i].has & WGC_PEER_HAS_PRESHARED_KEY)
			return true;
	return false;
}

/* "[2001:db8::1]:51820" or "192.0.2.1:51820": no host name in it. */
static bool numeric_endpoint(const char *value)
{
	char host[INET6_ADDRSTRLEN + IFNAMSIZ + 2];
	const char *end = value[0] == '[' ? strchr(value, ']') : strrchr(value, ':');
	const char *start = value[0] == '[' ? value + 1 : value;
	struct in6_addr a;

	if (!end || (size_t)(end - start) >= sizeof(host))
		return false;
	memcpy(host, start, (size_t)(end - start));
	host[end - start] = '\0';
	host[strcspn(host, "%")] = '\0';	/* a scope is not a name */
	return inet_pton(AF_INET, host, &a) == 1 || inet_pton(AF_INET6, host, &a) == 1;
}

/* Notes that the last peer's Endpoint is a host name. */
static bool mark_named(struct quick *q, size_t npeers)
{
	bool *n;

	if (q->nnamed < npeers) {
		n = realloc(q->named, npeers * sizeof(*n));
		if (!n)
			return false;
		memset(n + q->nnamed, 0, (npeers - q->nnamed) * sizeof(*n));
		q->named = n;
		q->nnamed = npeers;
	}
	q->named[npeers - 1] = true;
	return true;
}

/* Lines are handed to config.c, those of wg-quick's keys as empty lines. */
static bool quick_lines(struct quick *q, FILE *f, struct config_ctx *ctx)
{
	char *buf = NULL, *copy = NULL, *key = NULL, *value = NULL, *t;
	bool ok = true, in_interface = false, paired;
	size_t cap = 0;
	int r;

	while (ok && getline(&buf, &cap, f) >= 0) {
		buf[strcspn(buf, "#\r\n")] = '\0';
		for (t = buf; isspace((unsigned char)*t); t++)
			;
		if (*t == '[')
			in_interface = !strncasecmp(t, "[Interface]", 11);
		free(copy);
		copy = strdup(buf);
		if (!copy) {
			ok = false;
			break;
		}
		paired = split_pair(copy, &key, &value);
		r = in_interface && paired ? quick_key(q, key, value, ctx->line + 1) : 0;
		if (r < 0)
			ok = false;
		else
			ok = config_file_line(ctx, r ? "" : buf);
		if (ok && paired && !in_interface && ctx->dev->npeers &&
		    !strcasecmp(key, "Endpoint") && !numeric_endpoint(value))
			ok = mark_named(q, ctx->dev->npeers);
	}
	if (copy)
		wgc_wipe(copy, strlen(copy));
	if (buf)
		wgc_wipe(buf, cap);
	free(copy);
	free(buf);
	return ok;
}

/* NAME means QUICK_CONFIG_DIR/NAME.conf; a path names the file itself. */
static bool quick_locate(struct quick *q, const char *arg)
{
	const char *base = strrchr(arg, '/'), *dot;
	size_t len, i;

	if (!base && (strlen(arg) < 5 || strcmp(arg + strlen(arg) - 5, ".conf"))) {
		snprintf(q->path, sizeof(q->path), "%s/%s.conf", QUICK_CONFIG_DIR, arg);
		base = arg;
	} else {
		snprintf(q->path, sizeof(q->path), "%s", arg);
		base = base ? base + 1 : arg;
	}
	dot = strrchr(base, '.');
	len = dot && !strcmp(dot, ".conf") ? (size_t)(dot - base) : strlen(base);
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)base[i]) && !strchr("_=+.-", base[i]))
			break;
	if (!len || len >= IFNAMSIZ || i < len) {
		fprintf(stderr, "`%s' does not name an interface: the file name (without "
			".conf) must be 1 to %d of the characters a-z A-Z 0-9 _ = + . -\n",
			arg, IFNAMSIZ - 1);
		return false;
	}
	memcpy(q->name, base, len);
	q->name[len] = '\0';
	return true;
}

/* Reads and checks the whole file; nothing is changed before this succeeds. */
static bool quick_read(struct quick *q, const char *arg)
{
	struct config_ctx ctx;
	struct stat st;
	FILE *f;
	bool ok;

	memset(q, 0, sizeof(*q));
	strcpy(q->table, "auto");
	if (!quick_locate(q, arg))
		return false;
	f = fopen(q->path, "r");
	if (!f) {
		fprintf(stderr, "Unable to open configuration file `%s': %s\n", q->path,
			strerror(errno));
		return false;
	}
	if (!config_file_init(&ctx, q->path, false)) {
		fclose(f);
		return false;
	}
	ok = quick_lines(q, f, &ctx);
	q->dev = ok ? config_file_finish(&ctx) : NULL;
	if (!ok)
		config_file_abort(&ctx);
	if (q->dev && !fstat(fileno(f), &st) && (st.st_mode & (S_IRGRP | S_IROTH)) &&
	    holds_secret(q->dev)) {
		fprintf(stderr, "`%s' holds a key and is readable by group or others: refused "
			"(chmod 600 it)\n", q->path);
		wgc_device_free(q->dev);
		q->dev = NULL;
	}
	fclose(f);
	if (!q->dev)
		return false;
	strcpy(q->dev->name, q->name);
	return true;
}

/* Runs @argv, feeding @input to its stdin when not NULL; 0 if it exited 0. */
static int run(const char *const argv[], const char *input)
{
	int fds[2] = { -1, -1 }, status;
	size_t i;
	pid_t pid;

	fputs("[#]", stderr);
	for (i = 0; argv[i]; i++)
		fprintf(stderr, " %s", argv[i]);
	fputc('\n', stderr);
	if (input && pipe(fds))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (!pid) {
		signal(SIGPIPE, SIG_DFL);
		if (input) {
			dup2(fds[0], STDIN_FILENO);
			close(fds[0]);
			close(fds[1]);
		}
		execvp(argv[0], (char *const *)argv);
		fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (input) {
		close(fds[0]);
		if (write(fds[1], input, strlen(input)) < 0)
			perror("write");
		close(fds[1]);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -1;
	return WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -1;
}

/* One hook's commands, "%i" replaced by the interface; stops at a failure. */
static int run_hooks(const struct quick *q, unsigned int hook)
{
	const char *argv[] = { "bash", "-c", NULL, NULL }, *s, *at;
	char *cmd = NULL;
	size_t i, len;
	int err = 0;
	FILE *f;

	for (i = 0; !err && i < q->hooks[hook].n; i++) {
		f = open_memstream(&cmd, &len);
		if (!f)
			return -1;
		for (s = q->hooks[hook].s[i]; (at = strstr(s, "%i")); s = at + 2)
			fprintf(f, "%.*s%s", (int)(at - s), s, q->name);
		fputs(s, f);
		fclose(f);
		argv[2] = cmd;
		err = run(argv, NULL);
		free(cmd);
		cmd = NULL;
	}
	return err;
}

static bool table_off(const struct quick *q)
{
	return !strcasecmp(q->table, "off");
}

static bool table_auto(const struct quick *q)
{
	return !strcasecmp(q->table, "auto");
}

/* Table = auto and a default route: wg-quick's policy routing. */
static uint32_t default_table(const struct quick *q)
{
	return q->dev->fwmark ? q->dev->fwmark : QUICK_DEFAULT_TABLE;
}

static bool has_default_route(const struct quick *q, int family)
{
	size_t i, j;

	if (!table_auto(q))
		return false;
	for (i = 0; i < q->dev->npeers; i++)
		for (j = 0; j < q->dev->peers[i].nips; j++)
			if (q->dev->peers[i].ips[j].family == family &&
			    !q->dev->peers[i].ips[j].cidr)
				return true;
	return false;
}

/* The prefix is one of an Address's own, whose route the kernel adds. */
static bool is_address_prefix(const struct quick *q, const struct wgc_allowedip *ip)
{
	uint8_t a[17], b[17];
	struct wgc_allowedip addr;
	size_t i;

	wgc_allowedip_prefix(ip, a);
	for (i = 0; i < q->naddrs; i++) {
		addr = q->addrs[i];
		wgc_allowedip_prefix(&addr, b);
		if (addr.cidr == ip->cidr && !memcmp(a, b, sizeof(a)))
			return true;
	}
	return false;
}

static int add_route(const struct quick *q, const struct wgc_allowedip *ip)
{
	const char *argv[] = { "ip", NULL, "route", "add", NULL, "dev", q->name, NULL, NULL,
			       NULL };
	char prefix[INET6_ADDRSTRLEN + 8], addr[INET6_ADDRSTRLEN], table[16];

	argv[1] = ip->family == AF_INET ? "-4" : "-6";
	snprintf(prefix, sizeof(prefix), "%s/%u", show_ip(ip, addr), ip->cidr);
	argv[4] = prefix;
	argv[7] = "table";
	if (!ip->cidr && table_auto(q)) {
		snprintf(table, sizeof(table), "%u", default_table(q));
		argv[8] = table;
	} else {
		argv[8] = table_auto(q) ? "main" : q->table;
		/* The kernel added that one with the address. */
		if (!strcasecmp(argv[8], "main") && is_address_prefix(q, ip))
			return 0;
	}
	return run(argv, NULL);
}

/*
 * The two rules of a default route: everything but wgtun's own packets
 * (marked) looks in the tunnel's table, after the main table's routes more
 * specific than a default.  @add false removes them.
 */
static int policy_rules(const struct quick *q, int family, bool add)
{
	const char *fam = family == AF_INET ? "-4" : "-6", *verb = add ? "add" : "del";
	char table[16];
	const char *not_marked[] = { "ip", fam, "rule", verb, "not", "fwmark", table, "table",
				     table, NULL };
	const char *suppress[] = { "ip", fam, "rule", verb, "table", "main",
				   "suppress_prefixlength", "0", NULL };
	int err;

	snprintf(table, sizeof(table), "%u", default_table(q));
	err = run(not_marked, NULL);
	if (!err || !add)
		err = run(suppress, NULL) || err;
	return err;
}

static bool have_resolvconf(void)
{
	const char *argv[] = { "sh", "-c", "command -v resolvconf >/dev/null", NULL };
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return false;
	if (!pid) {
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	return waitpid(pid, &status, 0) == pid && WIFEXITED(status) && !WEXITSTATUS(status);
}

static int set_dns(const struct quick *q)
{
	char tag[IFNAMSIZ + 8], *text = NULL;
	const char *argv[] = { "resolvconf", "-a", tag, "-m", "0", "-x", NULL };
	size_t len = 0, i;
	FILE *f;
	int err;

	snprintf(tag, sizeof(tag), "tun.%s", q->name);
	f = open_memstream(&text, &len);
	if (!f)
		return -1;
	for (i = 0; i < q->dns.n; i++)
		fprintf(f, "nameserver %s\n", q->dns.s[i]);
	for (i = 0; i < q->search.n; i++)
		fprintf(f, "%s%s", i ? " " : "search ", q->search.s[i]);
	fputs(q->search.n ? "\n" : "", f);
	fclose(f);
	err = run(argv, text);
	free(text);
	return err;
}

static void unset_dns(const struct quick *q)
{
	char tag[IFNAMSIZ + 8];
	const char *argv[] = { "resolvconf", "-d", tag, "-f", NULL };

	snprintf(tag, sizeof(tag), "tun.%s", q->name);
	run(argv, NULL);
}

/* Everything `up` adds, removed; what was never added is skipped quietly. */
static void teardown(const struct quick *q, bool dns)
{
	const char *del[] = { "ip", "link", "delete", "dev", q->name, NULL };
	static const int families[] = { AF_INET, AF_INET6 };
	size_t i;

	for (i = 0; i < 2; i++)
		if (has_default_route(q, families[i]))
			policy_rules(q, families[i], false);
	run(del, NULL);
	if (dns)
		unset_dns(q);
}

static int add_addresses(const struct quick *q)
{
	const char *argv[] = { "ip", NULL, "address", "add", NULL, "dev", q->name, NULL };
	size_t i;

	for (i = 0; i < q->naddrs; i++) {
		argv[1] = q->addrs[i].family == AF_INET ? "-4" : "-6";
		argv[4] = q->addr_text.s[i];
		if (run(argv, NULL))
			return -1;
	}
	return 0;
}

static int link_up(const struct quick *q)
{
	char mtu[16];
	const char *with_mtu[] = { "ip", "link", "set", "mtu", mtu, "up", "dev", q->name, NULL };
	const char *plain[] = { "ip", "link", "set", "up", "dev", q->name, NULL };

	snprintf(mtu, sizeof(mtu), "%lu", q->mtu);
	return run(q->mtu ? with_mtu : plain, NULL);
}

static int add_routes(const struct quick *q)
{
	static const int families[] = { AF_INET, AF_INET6 };
	const struct wgc_peer *p;
	size_t i, j;

	if (table_off(q))
		return 0;
	for (i = 0; i < q->dev->npeers; i++) {
		p = &q->dev->peers[i];
		for (j = 0; j < p->nips; j++)
			if (add_route(q, &p->ips[j]))
				return -1;
	}
	for (i = 0; i < 2; i++)
		if (has_default_route(q, families[i]) && policy_rules(q, families[i], true))
			return -1;
	return 0;
}

static int quick_up(struct quick *q)
{
	const char *add[] = { "ip", "link", "add", "dev", q->name, "type", "wgtun", NULL };
	bool dns = q->dns.n || q->search.n;
	int err;

	if (if_nametoindex(q->name)) {
		fprintf(stderr, "`%s' already exists\n", q->name);
		return 1;
	}
	if (dns && !have_resolvconf()) {
		fprintf(stderr, "%s: DNS needs resolvconf, which is not installed\n", q->path);
		return 1;
	}
	if (run_hooks(q, HOOK_PRE_UP)) {
		fprintf(stderr, "PreUp failed: nothing was changed\n");
		return 1;
	}
	if (run(add, NULL))
		return 1;
	if (has_default_route(q, AF_INET) || has_default_route(q, AF_INET6)) {
		/* wgtun's own packets carry the mark and skip the tunnel's table. */
		q->dev->fwmark = default_table(q);
		q->dev->has |= WGC_DEV_HAS_FWMARK;
	}
	err = ipc_set_device(q->dev);
	if (err)
		ipc_perror("Unable to modify interface", err);
	if (!err)
		err = add_addresses(q) || link_up(q) || (dns && set_dns(q)) || add_routes(q) ||
		      run_hooks(q, HOOK_POST_UP);
	if (err) {
		fprintf(stderr, "Rolling back `%s'\n", q->name);
		teardown(q, dns);
		return 1;
	}
	return 0;
}

/* SaveConfig: the file rewritten from the running interface, its own keys kept. */
static int save_config(const struct quick *q)
{
	char tmp[PATH_MAX + 8], *conf = NULL, *body;
	struct wgc_device *dev;
	size_t len = 0, i, h;
	FILE *f;
	int fd, err;

	err = ipc_get_device(q->name, &dev);
	if (err) {
		ipc_perror("Unable to read the configuration to save", err);
		return -1;
	}
	f = open_memstream(&conf, &len);
	if (!f) {
		wgc_device_free(dev);
		return -1;
	}
	showconf_print(f, dev);
	fclose(f);
	wgc_device_free(dev);
	snprintf(tmp, sizeof(tmp), "%s.tmp", q->path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!f) {
		fprintf(stderr, "Unable to write `%s': %s\n", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		wgc_wipe(conf, len);
		free(conf);
		return -1;
	}
	/* showconf's own "[Interface]" line first, then wg-quick's keys. */
	body = strchr(conf, '\n');
	fprintf(f, "[Interface]\n");
	for (i = 0; i < q->addr_text.n; i++)
		fprintf(f, "Address = %s\n", q->addr_text.s[i]);
	for (i = 0; i < q->dns.n + q->search.n; i++)
		fprintf(f, "DNS = %s\n", i < q->dns.n ? q->dns.s[i] : q->search.s[i - q->dns.n]);
	if (q->mtu)
		fprintf(f, "MTU = %lu\n", q->mtu);
	if (!table_auto(q))
		fprintf(f, "Table = %s\n", q->table);
	for (h = 0; h < NHOOKS; h++)
		for (i = 0; i < q->hooks[h].n; i++)
			fprintf(f, "%s = %s\n", hook_keys[h], q->hooks[h].s[i]);
	fprintf(f, "SaveConfig = true\n%s", body ? body + 1 : "");
	wgc_wipe(conf, len);
	free(conf);
	err = fclose(f);
	if (err || rename(tmp, q->path)) {
		fprintf(stderr, "Unable to save `%s': %s\n", q->path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static int quick_down(const struct quick *q)
{
	struct wgc_device *dev;
	int err;

	err = ipc_get_device(q->name, &dev);
	if (err) {
		ipc_perror("Unable to access interface", err);
		return 1;
	}
	wgc_device_free(dev);
	err = run_hooks(q, HOOK_PRE_DOWN);
	if (q->save_config)
		err = save_config(q) || err;
	teardown(q, q->dns.n || q->search.n);
	err = run_hooks(q, HOOK_POST_DOWN) || err;
	return err ? 1 : 0;
}

/* One pass: named endpoints that now resolve elsewhere are set. */
static int quick_reresolve(const struct quick *q)
{
	struct wgc_device *cur, *set;
	const struct wgc_peer *want;
	struct wgc_peer *p;
	char ep[ENDPOINT_STRLEN], b64[WGC_KEY_B64_LEN];
	long j;
	size_t i;
	int err;

	err = ipc_get_device(q->name, &cur);
	if (err) {
		ipc_perror("Unable to access interface", err);
		return 1;
	}
	set = wgc_device_new();
	if (!set) {
		wgc_device_free(cur);
		return 1;
	}
	strcpy(set->name, q->name);
	for (i = 0; i < q->nnamed && i < q->dev->npeers; i++) {
		want = &q->dev->peers[i];
		j = q->named[i] ? wgc_device_find_peer(cur, want->public_key) : -1;
		if (j < 0 || ((cur->peers[j].has & WGC_PEER_HAS_ENDPOINT) &&
			      wgc_endpoint_equal(&cur->peers[j].endpoint, &want->endpoint)))
			continue;
		p = wgc_device_add_peer(set);
		if (!p) {
			err = -ENOMEM;
			break;
		}
		memcpy(p->public_key, want->public_key, WGC_KEY_LEN);
		p->endpoint = want->endpoint;
		p->has = WGC_PEER_HAS_PUBLIC_KEY | WGC_PEER_HAS_ENDPOINT;
		/* A peer removed since is not brought back. */
		p->nlflags = WGTUN_PEER_F_UPDATE_ONLY;
		wgc_key_to_base64(b64, p->public_key);
		printf("%s: peer %s endpoint %s\n", q->name, b64, show_endpoint(&p->endpoint, ep));
	}
	if (!err && set->npeers)
		err = ipc_set_device(set);
	if (err)
		ipc_perror("Unable to set the endpoints", err);
	wgc_device_free(set);
	wgc_device_free(cur);
	return err ? 1 : 0;
}

int quick_main(int argc, const char *argv[])
{
	struct quick q;
	int ret;

	if (argc != 2 || argv[1][0] == '-') {
		fprintf(stderr, "Usage: %s %s { <name> | <file>.conf }\n"
			"  <name> stands for %s/<name>.conf\n", PROG_NAME, argv[0],
			QUICK_CONFIG_DIR);
		return argc == 2 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) ? 0 : 1;
	}
	/* A command that stops reading its input must not kill us before a rollback. */
	signal(SIGPIPE, SIG_IGN);
	if (!quick_read(&q, argv[1])) {
		quick_free(&q);
		return 1;
	}
	if (!strcmp(argv[0], "up"))
		ret = quick_up(&q);
	else if (!strcmp(argv[0], "down"))
		ret = quick_down(&q);
	else
		ret = quick_reresolve(&q);
	quick_free(&q);
	return ret;
}
