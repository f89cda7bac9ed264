// SPDX-License-Identifier: GPL-2.0
/*
 * udpblast: send UDP datagrams as fast as one thread can, for a fixed time,
 * to one address or to random members of a scattered set of /32s, and print
 * how many were sent.
 *
 *   udpblast -d ADDR [-p PORT] [-l LEN] [-t SECONDS]
 *   udpblast -r N [-p PORT] [-l LEN] [-t SECONDS]
 *
 * With -r, destination i (0 <= i < N, drawn at random per datagram) is
 * 10.0.0.0 | ((i * 2654435761) mod 2^24): an odd multiplier, so the map is
 * one to one and the N addresses are spread over all of 10.0.0.0/8. The
 * benchmark's allowed-IPs list is generated with the same formula
 * (bench/run), so every datagram hits a prefix of the table.
 *
 * Output, one line: "sent PACKETS seconds SECONDS".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 32

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t xorshift(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static uint32_t scattered(uint32_t i)
{
	return 0x0a000000u | (uint32_t)(((uint64_t)i * 2654435761u) & 0xffffffu);
}

static void usage(void)
{
	fprintf(stderr, "usage: udpblast (-d ADDR | -r N) [-p PORT] [-l LEN] [-t SECONDS]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct sockaddr_in dst[BATCH];
	struct mmsghdr msgs[BATCH];
	struct iovec iov;
	static char payload[65536];
	const char *addr = NULL;
	unsigned long nrand = 0, sent = 0;
	int port = 9, len = 64, c, fd, i, n;
	double secs = 5, t0, t1;
	uint64_t seed;

	while ((c = getopt(argc, argv, "d:r:p:l:t:")) != -1) {
		switch (c) {
		case 'd': addr = optarg; break;
		case 'r': nrand = strtoul(optarg, NULL, 0); break;
		case 'p': port = atoi(optarg); break;
		case 'l': len = atoi(optarg); break;
		case 't': secs = atof(optarg); break;
		default: usage();
		}
	}
	if ((!addr) == (!nrand) || len < 1 || len > (int)sizeof(payload) || secs <= 0)
		usage();

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("socket");
		return 1;
	}
	memset(payload, 0xa5, len);
	iov.iov_base = payload;
	iov.iov_len = len;
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		memset(&dst[i], 0, sizeof(dst[i]));
		dst[i].sin_family = AF_INET;
		dst[i].sin_port = htons(port);
		if (addr && inet_pton(AF_INET, addr, &dst[i].sin_addr) != 1)
			usage();
		msgs[i].msg_hdr.msg_name = &dst[i];
		msgs[i].msg_hdr.msg_namelen = sizeof(dst[i]);
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	seed = (uint64_t)now() * 1000003u ^ (uint64_t)getpid() << 20 ^ 0x9e3779b97f4a7c15ull;
	t0 = now();
	t1 = t0;
	while (t1 - t0 < secs) {
		if (nrand)
			for (i = 0; i < BATCH; i++)
				dst[i].sin_addr.s_addr =
					htonl(scattered(xorshift(&seed) % nrand));
		n = sendmmsg(fd, msgs, BATCH, 0);
		if (n > 0)
			sent += n;
		else if (n < 0 && errno != ENOBUFS && errno != EAGAIN &&
			 errno != ENOKEY && errno != EHOSTUNREACH && errno != ECONNREFUSED) {
			perror("sendmmsg");
			return 1;
		}
		t1 = now();
	}
	printf("sent %lu seconds %.3f\n", sent, t1 - t0);
	return 0;
}
