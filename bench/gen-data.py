#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Inputs for the scale benchmarks, written once into DIR (bench/run).

prefixes-1M.txt  "AllowedIPs = ..." lines, 1,000 /32s each, 1,000 lines:
                 prefix i is 10.0.0.0 | ((i * 2654435761) mod 2^24), the same
                 scattering as bench/tools/udpblast -r, so the first K lines
                 hold exactly the destinations udpblast -r (K * 1000) draws.
peers-10k.conf   10,000 [Peer] sections, random public keys, one /32 each in
                 100.64.0.0/10.
"""
import base64
import os
import sys


def scattered(i):
    v = (i * 2654435761) & 0xFFFFFF
    return "10.%d.%d.%d/32" % (v >> 16, (v >> 8) & 255, v & 255)


def write(path, lines):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.writelines(lines)
    os.rename(tmp, path)


def main():
    out = sys.argv[1]
    path = os.path.join(out, "prefixes-1M.txt")
    if not os.path.exists(path):
        write(path, ("AllowedIPs = %s\n" % ",".join(scattered(i) for i in range(k, k + 1000))
                     for k in range(0, 1000000, 1000)))
    path = os.path.join(out, "peers-10k.conf")
    if not os.path.exists(path):
        lines = []
        for i in range(10000):
            key = base64.b64encode(os.urandom(32)).decode()
            lines.append("[Peer]\nPublicKey = %s\nAllowedIPs = 100.%d.%d.%d/32\n\n"
                         % (key, 64 + (i >> 16), (i >> 8) & 255, i & 255))
        write(path, lines)


main()
