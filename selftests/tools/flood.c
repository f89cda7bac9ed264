// SPDX-License-Identifier: GPL-2.0
/*
 * flood: send prepared UDP datagrams at one address as fast as sendmmsg()
 * allows, for a given time or until SIGTERM or SIGINT, and count the cookie
 * replies that come back.
 *
 *   flood DST-IPV4 PORT[-LAST] POOL-FILE MSG-LEN BAD-EVERY SECONDS
 *
 * With a port range, each datagram goes to the next port of it in turn.
 * POOL-FILE holds MSG-LEN-byte messages back to back (wgfuzz.py pool writes
 * handshake initiations with a valid mac1, every BAD-EVERY-th one with a
 * wrong mac1, so this program needs no cryptography).  Prints one JSON line
 * with the same fields as wgfuzz.py flood.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static unsigned long cookies, other;
static volatile sig_atomic_t stopping;

static void stop(int sig)
{
	(void)sig;
	stopping = 1;
}

static void drain(int fd)
{
	static unsigned char buf[BATCH][256];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	int i, n;

	for (;;) {
		memset(msgs, 0, sizeof(msgs));
		for (i = 0; i < BATCH; i++) {
			iov[i].iov_base = buf[i];
			iov[i].iov_len = sizeof(buf[i]);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL);
		if (n <= 0)
			return;
		for (i = 0; i < n; i++) {
			if (msgs[i].msg_len == 64 && buf[i][0] == 3 && !buf[i][1] &&
			    !buf[i][2] && !buf[i][3])
				cookies++;
			else
				other++;
		}
	}
}

int main(int argc, char **argv)
{
	unsigned long sent = 0, bad = 0, errors = 0, i, npool, next = 0;
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in *dsts;
	unsigned long bad_every, first, last, nports, p;
	char *end_port;
	double t0, end, seconds, elapsed;
	size_t len, size;
	unsigned char *pool;
	int fd, n, rcvbuf = 1 << 22;
	struct pollfd room;
	FILE *f;

	if (argc != 7) {
		fprintf(stderr, "usage: %s DST PORT[-LAST] POOL MSG-LEN BAD-EVERY SECONDS\n",
			argv[0]);
		return 2;
	}
	first = strtoul(argv[2], &end_port, 10);
	last = *end_port == '-' ? strtoul(end_port + 1, &end_port, 10) : first;
	if (*end_port || !first || last < first || last > 65535)
		return fprintf(stderr, "%s: bad port or port range\n", argv[2]), 2;
	nports = last - first + 1;
	dsts = calloc(nports, sizeof(*dsts));
	if (!dsts)
		return perror("calloc"), 1;
	for (p = 0; p < nports; p++) {
		dsts[p].sin_family = AF_INET;
		dsts[p].sin_port = htons((uint16_t)(first + p));
		if (inet_pton(AF_INET, argv[1], &dsts[p].sin_addr) != 1)
			return 2;
	}
	len = strtoul(argv[4], NULL, 0);
	bad_every = strtoul(argv[5], NULL, 0);
	seconds = atof(argv[6]);

	f = fopen(argv[3], "rb");
	if (!f || fseek(f, 0, SEEK_END) || (long)(size = ftell(f)) < 0 || !len)
		return perror(argv[3]), 1;
	rewind(f);
	npool = size / len;
	pool = malloc(size ? size : 1);
	if (!npool || !pool || fread(pool, 1, size, f) != size)
		return fprintf(stderr, "%s: empty or unreadable\n", argv[3]), 1;
	fclose(f);

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return perror("socket"), 1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));

	signal(SIGTERM, stop);
	signal(SIGINT, stop);
	room.fd = fd;
	room.events = POLLOUT;
	t0 = now();
	end = t0 + seconds;
	while (!stopping && now() < end) {
		memset(msgs, 0, sizeof(msgs));
		for (i = 0; i < BATCH; i++) {
			iov[i].iov_base = pool + ((next + i) % npool) * len;
			iov[i].iov_len = len;
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
			msgs[i].msg_hdr.msg_name = &dsts[(next + i) % nports];
			msgs[i].msg_hdr.msg_namelen = sizeof(*dsts);
		}
		n = sendmmsg(fd, msgs, BATCH, MSG_DONTWAIT);
		if (n < 0) {
			errors++;
			n = 0;
			/*
			 * Send buffer full: wait for room instead of spinning.  At
			 * nice -20 the spinning starves the softirq that frees what
			 * was sent, and the flood slows to a trickle.
			 */
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)
				poll(&room, 1, 10);
		}
		for (i = 0; i < (unsigned long)n; i++)
			if (bad_every && (next + i) % npool % bad_every == bad_every - 1)
				bad++;
		sent += n;
		next += n;
		drain(fd);
	}
	/* Replies still in flight. */
	for (i = 0; i < 10; i++) {
		usleep(100000);
		drain(fd);
	}
	/* The rate over the sending time: without the second of draining. */
	elapsed = now() - t0;
	printf("{\"sent\": %lu, \"bad_mac_sent\": %lu, \"cookies\": %lu, \"other\": %lu, "
	       "\"send_errors\": %lu, \"seconds\": %.2f, \"rate\": %lu}\n",
	       sent, bad, cookies, other, errors, elapsed,
	       (unsigned long)(sent / (elapsed > 2 ? elapsed - 1 : 1)));
	free(dsts);
	free(pool);
	close(fd);
	return 0;
}
