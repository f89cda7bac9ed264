#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Hostile-network helpers for the guest tests (selftests/tests/50-*, 51-*).

  wgfuzz.py capture --ifname DEV --port P --count N --timeout S --out FILE
      Sniff DEV (AF_PACKET) for WireGuard transport packets (type 4) sent to
      UDP port P over IPv4 and write their UDP payloads, hex, one per line.

  wgfuzz.py malformed --dst IP --port P --captured FILE --per-cell N --seed S
                      [--ready FILE --go FILE]
      With --ready and --go: make the random datagrams first, create the
      ready file, and read the captured packets only once the go file exists
      (so the captured session is as young as possible when its packets go
      out).  Send datagrams of every message type at every boundary length with
      random content, transport packets carrying the live receiver indices of
      the captured packets, replays and bit-flipped copies of the captured
      packets.  Prints, as JSON, how many were sent and which drop counter
      each one should land in, by the receive rules of the protocol:
        shorter than the 4-byte header, wrong length for its type, unknown
        type or non-zero reserved bytes -> malformed; initiation (148) and
        response (92) with random mac1 -> bad_mac; cookie reply (64) for no
        pending handshake -> handshake; transport (>= 32) with an unknown
        receiver -> no_session, with a live one -> decrypt; an exact replay
        of an authentic packet -> replay.

  wgfuzz.py flood --dst IP --port P[-LAST] --pubkey B64 --seconds S [--bad-every K] [--rate R]
      Send handshake initiations whose mac1 is valid for the responder's
      public key as fast as possible (every K-th one with a wrong mac1), to
      each port of the range in turn, for S seconds or until SIGTERM, and
      count the cookie replies that come back.  Prints JSON.

  wgfuzz.py pool --pubkey B64 --pool N [--bad-every K] --out FILE
      Write the same initiations, 148 bytes each, back to back, for the
      faster sender in C (selftests/tools/flood.c).
"""

import argparse
import base64
import hashlib
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import time

LENGTHS = [0, 1, 4, 15, 16, 31, 32, 33, 63, 64, 65, 91, 92, 93, 147, 148, 149, 1500]
MSG_INIT, MSG_RESP, MSG_COOKIE, MSG_DATA = 1, 2, 3, 4
FIXED = {MSG_INIT: 148, MSG_RESP: 92, MSG_COOKIE: 64}
DATA_MIN = 32
# Type words (little endian u32): the four types, unknown types, and known
# types with a reserved byte set.
TYPE_WORDS = [1, 2, 3, 4, 0, 5, 0xFF, 0x100 | 1, 0x01000000 | 4]


def capture(args):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    sock.bind((args.ifname, 0))
    sock.settimeout(0.5)
    got = []
    deadline = time.monotonic() + args.timeout
    while len(got) < args.count and time.monotonic() < deadline:
        try:
            frame, addr = sock.recvfrom(65535)
        except socket.timeout:
            continue
        if addr[2] == socket.PACKET_OUTGOING or len(frame) < 14 + 20 + 8:
            continue
        if struct.unpack("!H", frame[12:14])[0] != 0x0800:
            continue
        ip = frame[14:]
        ihl = (ip[0] & 0x0F) * 4
        if ip[0] >> 4 != 4 or ip[9] != 17 or len(ip) < ihl + 8:
            continue
        sport, dport, ulen = struct.unpack("!HHH", ip[ihl:ihl + 6])
        payload = ip[ihl + 8:ihl + ulen]
        if dport != args.port or len(payload) < DATA_MIN:
            continue
        if struct.unpack("<I", payload[:4])[0] != MSG_DATA:
            continue
        got.append(payload.hex())
    with open(args.out, "w") as f:
        f.write("\n".join(got) + ("\n" if got else ""))
    print(json.dumps({"captured": len(got)}))
    return 0 if got else 1


def classify(data, live):
    """The drop counter a datagram should land in (wgtun receive rules)."""
    if len(data) < 4:
        return "malformed"
    word = struct.unpack("<I", data[:4])[0]
    if word == MSG_DATA:
        if len(data) < DATA_MIN:
            return "malformed"
        rx = struct.unpack("<I", data[4:8])[0]
        return "decrypt" if rx in live else "no_session"
    if word in FIXED:
        if len(data) != FIXED[word]:
            return "malformed"
        return "handshake" if word == MSG_COOKIE else "bad_mac"
    return "malformed"


def wait_file(path, seconds):
    deadline = time.monotonic() + seconds
    while not os.path.exists(path):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


def malformed(args):
    rng = random.Random(args.seed)
    # The random datagrams first: a slow guest takes a while to make 50,000,
    # and the captured session must not age meanwhile.  Transport packets
    # marked True get a live receiver index once one is known.
    shapes = []
    for word in TYPE_WORDS:
        head = struct.pack("<I", word)
        for length in LENGTHS:
            for i in range(args.per_cell):
                body = bytearray(rng.randbytes(length))
                body[:min(4, length)] = head[:min(4, length)]
                shapes.append((body, word == MSG_DATA and length >= 8 and i % 2 == 0))
    if args.ready:
        with open(args.ready, "w"):
            pass
    if args.go and not wait_file(args.go, args.wait):
        print(f"{args.go} did not appear within {args.wait} s", file=sys.stderr)
        return 1

    with open(args.captured) as f:
        captured = [bytes.fromhex(line.strip()) for line in f if line.strip()]
    if not captured:
        print("no captured packets", file=sys.stderr)
        return 1
    live = sorted({struct.unpack("<I", p[4:8])[0] for p in captured})
    liveset = set(live)

    grams = []  # (bytes, expected counter)
    for body, wants_live in shapes:
        if wants_live:
            body[4:8] = struct.pack("<I", rng.choice(live))
        grams.append((bytes(body), classify(body, liveset)))
    # Authentic packets sent again: the replay window must catch every one.
    for i in range(args.replays):
        p = captured[i % len(captured)]
        grams.append((p, "replay"))
    # One flipped bit anywhere past the receiver index breaks authentication;
    # a cut to below 32 bytes makes it malformed.
    for i in range(args.replays // 2):
        p = bytearray(captured[rng.randrange(len(captured))])
        bit = rng.randrange(64, len(p) * 8)
        p[bit // 8] ^= 1 << (bit % 8)
        grams.append((bytes(p), "decrypt"))
        q = captured[rng.randrange(len(captured))]
        cut = q[:rng.randrange(4, len(q))]
        grams.append((cut, classify(cut, liveset)))
    # Those that need the captured session alive go out in the first part,
    # mixed with as many others: a session is only good for 180 s, and a
    # slow guest (a debug kernel under emulation) takes minutes for the lot.
    live_first = [g for g in grams if g[1] in ("decrypt", "replay")]
    rest = [g for g in grams if g[1] not in ("decrypt", "replay")]
    rng.shuffle(rest)
    head = live_first + rest[:len(live_first)]
    rng.shuffle(head)
    grams = head + rest[len(live_first):]

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    expect = {}
    errors = 0
    t0 = time.monotonic()
    for n, (data, why) in enumerate(grams):
        while True:
            try:
                sock.sendto(data, (args.dst, args.port))
                break
            except (BlockingIOError, OSError):
                errors += 1
                time.sleep(0.001)
        expect[why] = expect.get(why, 0) + 1
        # Let the receiver's softirq keep up: a veth backlog overflow would
        # lose datagrams that the counters could then not account for.
        if n % 256 == 255:
            time.sleep(0.002)
    dt = time.monotonic() - t0
    print(json.dumps({"sent": len(grams), "seconds": round(dt, 2), "send_retries": errors,
                      "live_indices": len(live), "expect": expect}))
    return 0


def mac1_key(pub):
    return hashlib.blake2s(b"mac1----" + pub).digest()


def initiation(rng, key, good):
    sender = rng.getrandbits(32)
    body = struct.pack("<II", MSG_INIT, sender) + rng.randbytes(32 + 48 + 28)
    mac1 = hashlib.blake2s(body, key=key, digest_size=16).digest()
    if not good:
        mac1 = bytes(b ^ 0xA5 for b in mac1)
    return sender, body + mac1 + bytes(16)


def pool(args):
    rng = random.Random(args.seed)
    key = mac1_key(base64.b64decode(args.pubkey))
    with open(args.out, "wb") as f:
        for i in range(args.pool):
            good = not (args.bad_every and i % args.bad_every == args.bad_every - 1)
            f.write(initiation(rng, key, good)[1])
    return 0


def flood(args):
    rng = random.Random(args.seed)
    key = mac1_key(base64.b64decode(args.pubkey))
    pool = []
    senders = set()
    for i in range(args.pool):
        good = not (args.bad_every and i % args.bad_every == args.bad_every - 1)
        sender, msg = initiation(rng, key, good)
        senders.add(sender)
        pool.append((msg, good))

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    sock.setblocking(False)
    first, _, last = args.port.partition("-")
    ports = range(int(first), int(last or first) + 1)
    sent = bad = cookies = other = enobufs = 0
    stopping = False

    def on_term(signum, frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, on_term)

    def drain():
        nonlocal cookies, other
        while True:
            try:
                data = sock.recv(2048)
            except BlockingIOError:
                return
            if (len(data) == 64 and struct.unpack("<I", data[:4])[0] == MSG_COOKIE and
                    struct.unpack("<I", data[4:8])[0] in senders):
                cookies += 1
            else:
                other += 1

    t0 = time.monotonic()
    end = t0 + args.seconds
    i = 0
    while True:
        for _ in range(64):
            msg, good = pool[i % len(pool)]
            port = ports[i % len(ports)]
            i += 1
            try:
                sock.sendto(msg, (args.dst, port))
                sent += 1
                bad += not good
            except (BlockingIOError, OSError):
                enobufs += 1
        drain()
        if args.rate:
            # Hold the rate of attempts, failed ones too: with no route to
            # the target (its namespace deleted, say) sends fail at once,
            # and pacing by successes alone would spin.
            ahead = i / args.rate - (time.monotonic() - t0)
            if ahead > 0:
                time.sleep(ahead)
        if stopping or time.monotonic() >= end:
            break
    # Replies still in flight.
    stop = time.monotonic() + 1.0
    while time.monotonic() < stop:
        select.select([sock], [], [], 0.1)
        drain()
    dt = time.monotonic() - t0
    print(json.dumps({"sent": sent, "bad_mac_sent": bad, "cookies": cookies, "other": other,
                      "send_errors": enobufs, "seconds": round(dt, 2),
                      "rate": int(sent / max(dt - 1.0, 0.001))}))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("capture")
    c.add_argument("--ifname", required=True)
    c.add_argument("--port", type=int, required=True)
    c.add_argument("--count", type=int, default=100)
    c.add_argument("--timeout", type=float, default=20)
    c.add_argument("--out", required=True)
    m = sub.add_parser("malformed")
    m.add_argument("--dst", required=True)
    m.add_argument("--port", type=int, required=True)
    m.add_argument("--captured", required=True)
    m.add_argument("--per-cell", type=int, default=320)
    m.add_argument("--replays", type=int, default=2000)
    m.add_argument("--seed", type=int, default=1)
    m.add_argument("--ready", help="create this file once the random datagrams are made")
    m.add_argument("--go", help="wait for this file before reading --captured")
    m.add_argument("--wait", type=float, default=600, help="seconds to wait for --go")
    f = sub.add_parser("flood")
    f.add_argument("--dst", required=True)
    f.add_argument("--port", required=True, help="a port or a range FIRST-LAST")
    f.add_argument("--pubkey", required=True)
    f.add_argument("--seconds", type=float, default=5)
    f.add_argument("--bad-every", type=int, default=0)
    f.add_argument("--pool", type=int, default=1024)
    f.add_argument("--rate", type=float, default=0, help="messages per second (0: no limit)")
    f.add_argument("--seed", type=int, default=1)
    o = sub.add_parser("pool")
    o.add_argument("--pubkey", required=True)
    o.add_argument("--pool", type=int, default=1024)
    o.add_argument("--bad-every", type=int, default=0)
    o.add_argument("--seed", type=int, default=1)
    o.add_argument("--out", required=True)
    args = ap.parse_args()
    return {"capture": capture, "malformed": malformed, "flood": flood,
            "pool": pool}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
