#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""A minimal WireGuard initiator for the guest tests (selftests/tests/58-*, 64-*).

  wgpeer.py roam --key FILE --peer-pub B64 --dst IP --port P --ready FILE --stop FILE
      Complete one handshake with the interface at DST:P as the peer whose
      private key is in FILE (no preshared key), create the ready file, then
      send authentic keepalives over that session, each from another of 64
      local ports, until the stop file exists.  Every packet moves the peer's
      endpoint, so the interface has an endpoint event to report for each.
      Prints JSON: how many keepalives went out.

  wgpeer.py knock --key FILE --peer-pub B64 --dst IP --port P --count N --timeout T
      Send a handshake initiation to the interface at DST:P as the peer whose
      private key is in FILE and wait up to T seconds for the handshake
      response to it (a cookie reply or anything else does not count); with
      none, try again with a fresh initiation, up to N in all.  Prints JSON:
      how many initiations went out, whether one was answered, and how many
      cookie replies came back.

  wgpeer.py strangers --peer-pub B64 --dst IP --port P --count N
                      [--out POOL | --pool POOL]
      Make N handshake initiations for the interface at DST:P, each from a
      fresh static key, then send them all as fast as the socket takes
      them.  Each is genuine: its mac1 is valid and the interface decrypts
      its static key.  With --out, write them to POOL
      instead of sending; with --pool, send POOL's (made earlier: making
      them is slow under emulation, and a flood should be one).  Prints
      JSON: how many went out, and over how many seconds.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import socket
import struct
import sys
import time

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

CONSTRUCTION = b"Noise_IKpsk2_25519_ChaChaPoly_BLAKE2s"
IDENTIFIER = b"WireGuard v1 zx2c4 Jason@zx2c4.com"
PORTS = 64


def hash_(*parts):
    return hashlib.blake2s(b"".join(parts)).digest()


def mac(key, data):
    return hmac.new(key, data, hashlib.blake2s).digest()


def kdf(chaining, data, n):
    prk = mac(chaining, data)
    out, prev = [], b""
    for i in range(1, n + 1):
        prev = mac(prk, prev + bytes([i]))
        out.append(prev)
    return out


def aead(key, counter, plain, ad):
    return ChaCha20Poly1305(key).encrypt(b"\0" * 4 + struct.pack("<Q", counter), plain, ad)


def raw_pub(key):
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)


def dh(priv, pub):
    return priv.exchange(X25519PublicKey.from_public_bytes(pub))


def load_key(path):
    """The private key in PATH, base64 as wg genkey writes it."""
    with open(path) as f:
        return X25519PrivateKey.from_private_bytes(base64.b64decode(f.read().strip()))


def new_index():
    """A random sender index for an initiation."""
    return struct.unpack("<I", os.urandom(4))[0]


def initiation(static, remote_pub, sender):
    """The 148-byte initiation and the state the response continues from."""
    c = hash_(CONSTRUCTION)
    h = hash_(hash_(c, IDENTIFIER), remote_pub)
    eph = X25519PrivateKey.generate()
    eph_pub = raw_pub(eph)
    (c,) = kdf(c, eph_pub, 1)
    h = hash_(h, eph_pub)
    c, k = kdf(c, dh(eph, remote_pub), 2)
    enc_static = aead(k, 0, raw_pub(static), h)
    h = hash_(h, enc_static)
    c, k = kdf(c, dh(static, remote_pub), 2)
    # TAI64N from the clock: newer than anything this key sent before.
    now = time.time_ns()
    stamp = struct.pack(">QI", 0x400000000000000A + now // 10**9, now % 10**9)
    enc_stamp = aead(k, 0, stamp, h)
    h = hash_(h, enc_stamp)
    body = struct.pack("<I", 1) + struct.pack("<I", sender) + eph_pub + enc_static + enc_stamp
    mac1 = hashlib.blake2s(body, key=hash_(b"mac1----", remote_pub), digest_size=16).digest()
    return body + mac1 + b"\0" * 16, (c, h, eph)


def sending_key(state, static, response, sender):
    """The initiator's sending key and the responder's index, from its response."""
    c, h, eph = state
    typ, their_index, our_index = struct.unpack_from("<III", response, 0)
    if len(response) != 92 or typ != 2 or our_index != sender:
        raise RuntimeError("not a handshake response for us")
    eph_r = response[12:44]
    (c,) = kdf(c, eph_r, 1)
    h = hash_(h, eph_r)
    (c,) = kdf(c, dh(eph, eph_r), 1)
    (c,) = kdf(c, dh(static, eph_r), 1)
    c, tau, k = kdf(c, b"\0" * 32, 3)
    h = hash_(h, tau)
    ChaCha20Poly1305(k).decrypt(b"\0" * 12, response[44:60], h)
    send, _ = kdf(c, b"", 2)
    return send, their_index


def roam(args):
    static = load_key(args.key)
    remote_pub = base64.b64decode(args.peer_pub)
    dst = (args.dst, args.port)
    socks = []
    for _ in range(PORTS):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind(("0.0.0.0", 0))
        socks.append(s)

    sender = new_index()
    msg, state = initiation(static, remote_pub, sender)
    socks[0].settimeout(args.timeout)
    socks[0].sendto(msg, dst)
    response, _ = socks[0].recvfrom(2048)
    key, their_index = sending_key(state, static, response, sender)
    aead_key = ChaCha20Poly1305(key)

    open(args.ready, "w").close()
    counter = 0
    while not os.path.exists(args.stop):
        nonce = b"\0" * 4 + struct.pack("<Q", counter)
        packet = struct.pack("<IIQ", 4, their_index, counter) + aead_key.encrypt(nonce, b"", b"")
        socks[counter % PORTS].sendto(packet, dst)
        counter += 1
        time.sleep(0.001)
    print(json.dumps({"keepalives": counter}))
    return 0


def knock(args):
    static = load_key(args.key)
    remote_pub = base64.b64decode(args.peer_pub)
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    states = {}  # each initiation's state by its sender index: a late answer counts
    cookies = 0
    answered = False
    while len(states) < args.count and not answered:
        sender = new_index()
        msg, states[sender] = initiation(static, remote_pub, sender)
        sock.sendto(msg, (args.dst, args.port))
        end = time.monotonic() + args.timeout
        while not answered and time.monotonic() < end:
            sock.settimeout(max(end - time.monotonic(), 0.001))
            try:
                reply, _ = sock.recvfrom(2048)
            except socket.timeout:
                break
            if reply[:4] == struct.pack("<I", 3):
                cookies += 1
                continue
            ours = struct.unpack_from("<I", reply, 8)[0] if len(reply) >= 12 else None
            try:
                sending_key(states[ours], static, reply, ours)
                answered = True
            except (KeyError, RuntimeError, InvalidTag):
                pass
    print(json.dumps({"initiations": len(states), "answered": answered,
                      "cookie_replies": cookies}))
    return 0


def strangers(args):
    remote_pub = base64.b64decode(args.peer_pub)
    if args.pool:
        with open(args.pool, "rb") as f:
            pool = f.read()
        msgs = [pool[i:i + 148] for i in range(0, len(pool), 148)]
    else:
        msgs = []
        for _ in range(args.count):
            sender = new_index()
            msg, _ = initiation(X25519PrivateKey.generate(), remote_pub, sender)
            msgs.append(msg)
    if args.out:
        with open(args.out, "wb") as f:
            f.write(b"".join(msgs))
        return 0
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    start = time.monotonic()
    for msg in msgs:
        sock.sendto(msg, (args.dst, args.port))
    print(json.dumps({"sent": len(msgs), "seconds": round(time.monotonic() - start, 3)}))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["roam", "knock", "strangers"])
    ap.add_argument("--key")
    ap.add_argument("--peer-pub", required=True)
    ap.add_argument("--dst", required=True)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--ready")
    ap.add_argument("--stop")
    ap.add_argument("--timeout", type=float, default=30)
    ap.add_argument("--count", type=int, default=1)
    ap.add_argument("--out")
    ap.add_argument("--pool")
    args = ap.parse_args()
    if args.mode == "strangers":
        return strangers(args)
    if not args.key:
        ap.error(args.mode + " needs --key")
    if args.mode == "knock":
        return knock(args)
    if not (args.ready and args.stop):
        ap.error("roam needs --ready and --stop")
    return roam(args)


if __name__ == "__main__":
    sys.exit(main())
