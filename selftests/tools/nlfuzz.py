#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Generic-netlink fuzzer for the "wgtun" family (selftests/tests/52-*).

  nlfuzz.py root --ifname DEV [--ifname DEV2] --count N --seed S
      N messages to the family: valid GET and SET requests built from the
      attribute tree in uapi/linux/wgtun.h, then mutated (random command,
      version, flags, attribute types and lengths, nesting, truncation,
      flipped bytes) or sent as they are.  Replies are read after each one.
      Prints a JSON summary (errno histogram).  Fails if the socket stops
      answering (a synchronous probe after each message).

  nlfuzz.py unpriv --ifname DEV --count N --seed S
      As an unprivileged user: N well-formed SET requests carrying mutated
      attributes must each be refused with EPERM, and so must a dump of each
      DEV, before a single message of it.

  nlfuzz.py hold --ifname DEV
      Starts a dump of DEV without reading it, prints "holding", waits for a
      line on standard input, then reads the dump and prints how it ended
      (JSON: the messages it carried and "done" or the error's name).
"""

import argparse
import errno
import json
import os
import random
import socket
import struct
import sys

NETLINK_GENERIC = 16
GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
NLMSG_ERROR = 2
NLMSG_DONE = 3
NLM_F_REQUEST = 0x1
NLM_F_MULTI = 0x2
NLM_F_ACK = 0x4
NLM_F_ROOT = 0x100
NLM_F_MATCH = 0x200
NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH
NLA_F_NESTED = 0x8000
NLA_F_NET_BYTEORDER = 0x4000

CMD_GET, CMD_SET = 0, 1
# Device attributes.
D_IFINDEX, D_IFNAME, D_PRIVATE_KEY, D_PUBLIC_KEY, D_FLAGS, D_LISTEN_PORT = 1, 2, 3, 4, 5, 6
D_FWMARK, D_PEERS, D_CARRIER_FOLLOWS, D_LIVENESS, D_CARRIER, D_DROPS, D_EVENT = \
    7, 8, 9, 10, 11, 12, 13
# Peer attributes.
P_PUBLIC_KEY, P_PRESHARED_KEY, P_FLAGS, P_ENDPOINT, P_KEEPALIVE = 1, 2, 3, 4, 5
P_LAST_HANDSHAKE, P_RX_BYTES, P_TX_BYTES, P_ALLOWEDIPS, P_PROTOCOL = 6, 7, 8, 9, 10
# Allowed-IP attributes.
A_FAMILY, A_IPADDR, A_CIDR, A_FLAGS = 1, 2, 3, 4


def nla(typ, payload):
    # A payload too long for the 16-bit length gets a length that lies.
    hdr = struct.pack("=HH", min(4 + len(payload), 0xFFFF), typ)
    return hdr + payload + bytes((-len(payload)) % 4)


def nest(typ, children):
    return nla(typ | NLA_F_NESTED, b"".join(children))


def u8(v):
    return struct.pack("=B", v & 0xFF)


def u16(v):
    return struct.pack("=H", v & 0xFFFF)


def u32(v):
    return struct.pack("=I", v & 0xFFFFFFFF)


def u64(v):
    return struct.pack("=Q", v & 0xFFFFFFFFFFFFFFFF)


class Fuzzer:
    def __init__(self, seed, ifnames):
        self.rng = random.Random(seed)
        self.ifnames = ifnames
        self.ifindexes = [socket.if_nametoindex(n) for n in ifnames]
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_GENERIC)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.sock.bind((0, 0))
        self.seq = 1
        self.family = self.resolve("wgtun")
        # A small set of keys reused across messages, so that SETs meet
        # existing peers (updates, removals) as well as new ones.
        self.keys = [os.urandom(32) for _ in range(8)]

    # -- plumbing --------------------------------------------------------
    def message(self, typ, flags, cmd, version, attrs):
        body = struct.pack("=BBH", cmd, version, 0) + attrs
        self.seq += 1
        return struct.pack("=IHHII", 16 + len(body), typ, flags, self.seq, 0) + body

    def replies(self, block):
        """Read replies; return a list of (type, flags, seq, payload)."""
        out = []
        self.sock.settimeout(5 if block else None)
        self.sock.setblocking(block)
        while True:
            try:
                data = self.sock.recv(1 << 16)
            except (BlockingIOError, socket.timeout):
                return out
            except OSError as e:
                if e.errno == errno.ENOBUFS:
                    continue
                raise
            off = 0
            while off + 16 <= len(data):
                ln, typ, flags, seq, _ = struct.unpack_from("=IHHII", data, off)
                if ln < 16:
                    break
                out.append((typ, flags, seq, data[off + 16:off + ln]))
                off += (ln + 3) & ~3
            if block:
                return out

    def roundtrip(self, msg):
        """Send a message that ends with an ack or error; return its errno."""
        self.sock.send(msg)
        seq = struct.unpack_from("=I", msg, 8)[0]
        while True:
            got = self.replies(True)
            if not got:
                raise RuntimeError("no reply within 5 s")
            for typ, _, s, payload in got:
                if s == seq and typ == NLMSG_ERROR:
                    return -struct.unpack_from("=i", payload, 0)[0]
                if s == seq and typ == NLMSG_DONE:
                    return 0

    def resolve(self, name):
        attrs = nla(CTRL_ATTR_FAMILY_NAME, name.encode() + b"\0")
        # No ACK: the reply (or an error) is the only message, and nothing
        # is left behind to be mistaken for the answer to a later request.
        msg = self.message(GENL_ID_CTRL, NLM_F_REQUEST, CTRL_CMD_GETFAMILY, 1, attrs)
        self.sock.send(msg)
        while True:
            for typ, _, _, payload in self.replies(True):
                if typ == NLMSG_ERROR:
                    err = -struct.unpack_from("=i", payload, 0)[0]
                    if err:
                        raise RuntimeError("family %s: errno %d" % (name, err))
                    continue
                for t, v in walk(payload[4:]):
                    if t == CTRL_ATTR_FAMILY_ID:
                        return struct.unpack("=H", v[:2])[0]

    # -- valid messages ---------------------------------------------------
    def key(self):
        r = self.rng.random()
        if r < 0.6:
            return self.rng.choice(self.keys)
        if r < 0.7:
            return bytes(32)
        return self.rng.randbytes(32)

    def selector(self):
        i = self.rng.randrange(len(self.ifnames))
        if self.rng.random() < 0.5:
            return nla(D_IFNAME, self.ifnames[i].encode() + b"\0")
        return nla(D_IFINDEX, u32(self.ifindexes[i]))

    def endpoint(self):
        if self.rng.random() < 0.5:
            addr = self.rng.choice([b"\x7f\x00\x00\x01", self.rng.randbytes(4)])
            return struct.pack("=H", socket.AF_INET) + struct.pack("!H", self.rng.randrange(65536)) \
                + addr + bytes(8)
        addr = self.rng.choice([bytes(15) + b"\x01", self.rng.randbytes(16)])
        return struct.pack("=H", socket.AF_INET6) + struct.pack("!H", self.rng.randrange(65536)) \
            + u32(0) + addr + u32(self.rng.randrange(4))

    def allowedip(self):
        r = self.rng
        if r.random() < 0.5:
            fam, addr, cidr = socket.AF_INET, r.randbytes(4), r.randrange(0, 34)
        else:
            fam, addr, cidr = socket.AF_INET6, r.randbytes(16), r.randrange(0, 130)
        a = [nla(A_FAMILY, u16(fam)), nla(A_IPADDR, addr), nla(A_CIDR, u8(cidr))]
        if r.random() < 0.2:
            a.append(nla(A_FLAGS, u32(r.choice([0, 1, 2, 0xFFFFFFFF]))))
        return nest(0, a)

    def peer(self):
        r = self.rng
        a = [nla(P_PUBLIC_KEY, self.key())]
        if r.random() < 0.3:
            a.append(nla(P_PRESHARED_KEY, self.key()))
        if r.random() < 0.4:
            a.append(nla(P_FLAGS, u32(r.choice([0, 1, 2, 4, 3, 7, 8, r.getrandbits(32)]))))
        if r.random() < 0.4:
            a.append(nla(P_ENDPOINT, self.endpoint()))
        if r.random() < 0.3:
            a.append(nla(P_KEEPALIVE, u16(r.choice([0, 1, 25, 65535]))))
        if r.random() < 0.1:
            a.append(nla(P_PROTOCOL, u32(r.choice([0, 1, 2]))))
        if r.random() < 0.6:
            # Drawn from a pool: building each entry anew would make the
            # fuzzer, not the kernel, the bottleneck under emulation.
            if not hasattr(self, "aip_pool"):
                self.aip_pool = [self.allowedip() for _ in range(1024)]
            n = r.choice([0, 1, 2, 5, 20, 100])
            a.append(nest(P_ALLOWEDIPS, r.choices(self.aip_pool, k=n)))
        r.shuffle(a)
        return nest(r.choice([0, 0, 0, 1, 7]), a)

    def valid_set(self):
        r = self.rng
        a = [self.selector()]
        if r.random() < 0.3:
            a.append(nla(D_PRIVATE_KEY, self.key()))
        if r.random() < 0.2:
            a.append(nla(D_LISTEN_PORT, u16(r.choice([0, 0, 51900 + r.randrange(8)]))))
        if r.random() < 0.2:
            a.append(nla(D_FWMARK, u32(r.getrandbits(32))))
        if r.random() < 0.3:
            a.append(nla(D_FLAGS, u32(r.choice([0, 1, 1, 2, r.getrandbits(32)]))))
        if r.random() < 0.1:
            a.append(nla(D_CARRIER_FOLLOWS, u8(r.choice([0, 1, 2]))))
        if r.random() < 0.1:
            a.append(nla(D_LIVENESS, u32(r.choice([0, 1, 30, 86400, 86401]))))
        if r.random() < 0.7:
            a.append(nest(D_PEERS, [self.peer() for _ in range(r.choice([1, 1, 2, 4, 16]))]))
        return b"".join(a)

    def valid(self):
        if self.rng.random() < 0.3:
            return (NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, CMD_GET, self.selector())
        return (NLM_F_REQUEST | NLM_F_ACK, CMD_SET, self.valid_set())

    # -- mutations --------------------------------------------------------
    def mutate_attrs(self, attrs):
        r = self.rng
        b = bytearray(attrs)
        for _ in range(r.choice([1, 1, 2, 3, 5])):
            op = r.randrange(9)
            if op == 0 and b:		# flip bits
                for _ in range(r.randrange(1, 8)):
                    b[r.randrange(len(b))] ^= 1 << r.randrange(8)
            elif op == 1 and b:		# truncate
                b = b[:r.randrange(len(b))]
            elif op == 2:		# random attribute, any type and length
                t = r.randrange(0, 20) | r.choice([0, 0, NLA_F_NESTED, NLA_F_NET_BYTEORDER])
                b += nla(t, r.randbytes(r.choice([0, 1, 2, 3, 4, 8, 16, 31, 32, 33, 64, 300])))
            elif op == 3:		# corrupt a header's length field
                offs = headers(bytes(b))
                if offs:
                    o = r.choice(offs)
                    struct.pack_into("=H", b, o, r.choice([0, 1, 3, 4, 5, 0xFFFF,
                                                           r.randrange(65536)]))
            elif op == 4:		# retype a header
                offs = headers(bytes(b))
                if offs:
                    o = r.choice(offs)
                    struct.pack_into("=H", b, o + 2, r.randrange(65536))
            elif op == 5:		# deep nesting
                inner = nla(r.randrange(1, 16), r.randbytes(r.randrange(8)))
                for _ in range(r.randrange(2, 40)):
                    inner = nest(r.randrange(0, 16), [inner])
                b += inner
            elif op == 6 and len(b) < 16384:	# duplicate the whole thing
                b += bytes(b)
            elif op == 7:		# wrap in a peers nest, or an allowed-ips nest
                b = bytearray(nest(r.choice([D_PEERS, P_ALLOWEDIPS]), [bytes(b)]))
            else:			# insert random bytes
                p = r.randrange(len(b) + 1)
                b[p:p] = r.randbytes(r.randrange(1, 12))
        return bytes(b)

    def fuzz_one(self):
        r = self.rng
        flags, cmd, attrs = self.valid()
        typ, version = self.family, 1
        if r.random() < 0.75:
            attrs = self.mutate_attrs(attrs)
        if r.random() < 0.1:
            cmd = r.randrange(256)
        if r.random() < 0.05:
            version = r.randrange(256)
        if r.random() < 0.1:
            flags = r.getrandbits(16) | NLM_F_REQUEST
        msg = bytearray(self.message(typ, flags, cmd, version, attrs))
        if r.random() < 0.05:		# truncate the whole message
            msg = msg[:r.randrange(len(msg))]
            if len(msg) >= 4 and r.random() < 0.5:
                struct.pack_into("=I", msg, 0, len(msg))
        elif r.random() < 0.03:		# lie about its length
            struct.pack_into("=I", msg, 0, r.choice([0, 15, 16, 17, 19, 20, len(msg) + 4,
                                                     r.getrandbits(32)]))
        return bytes(msg)


def walk(buf):
    off = 0
    while off + 4 <= len(buf):
        ln, typ = struct.unpack_from("=HH", buf, off)
        if ln < 4 or off + ln > len(buf):
            return
        yield typ & ~(NLA_F_NESTED | NLA_F_NET_BYTEORDER), buf[off + 4:off + ln]
        off += (ln + 3) & ~3


def headers(buf):
    """Offsets of well-formed attribute headers (top level and nested)."""
    out = []

    def rec(start, end, depth):
        off = start
        while off + 4 <= end:
            ln, typ = struct.unpack_from("=HH", buf, off)
            if ln < 4 or off + ln > end:
                return
            out.append(off)
            if depth < 4 and ln > 8:
                rec(off + 4, off + ln, depth + 1)
            off += (ln + 3) & ~3
    rec(0, len(buf), 0)
    return out


def probe(fz):
    """A GET for a missing interface: proves that the family still answers."""
    attrs = nla(D_IFINDEX, u32(0x7FFFFFF0))
    err = fz.roundtrip(fz.message(fz.family, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP,
                                  CMD_GET, 1, attrs))
    if err != errno.ENODEV:
        raise RuntimeError("probe: errno %d, expected ENODEV" % err)


def run_root(args):
    fz = Fuzzer(args.seed, args.ifname)
    hist = {}
    for i in range(args.count):
        msg = fz.fuzz_one()
        try:
            fz.sock.send(msg)
        except OSError as e:
            hist["send:" + errno.errorcode.get(e.errno, str(e.errno))] = \
                hist.get("send:" + errno.errorcode.get(e.errno, str(e.errno)), 0) + 1
            continue
        for typ, _, _, payload in fz.replies(False):
            if typ == NLMSG_ERROR and len(payload) >= 4:
                err = -struct.unpack_from("=i", payload, 0)[0]
                name = errno.errorcode.get(err, "ok" if err == 0 else str(err))
            elif typ == NLMSG_DONE:
                name = "done"
            else:
                continue
            hist[name] = hist.get(name, 0) + 1
        if i % 256 == 255:
            probe(fz)
    probe(fz)
    print(json.dumps({"sent": args.count, "replies": hist}, sort_keys=True))
    return 0


def run_unpriv(args):
    fz = Fuzzer(args.seed, args.ifname)
    refused = 0
    other = {}
    for i in range(args.count):
        attrs = fz.valid_set()
        mutated = fz.rng.random() < 0.7
        if mutated:
            attrs = fz.mutate_attrs(attrs)
        flags = NLM_F_REQUEST | NLM_F_ACK
        err = fz.roundtrip(fz.message(fz.family, flags, CMD_SET, 1, attrs))
        if err == errno.EPERM:
            refused += 1
            continue
        name = "%s %s" % ("mutated" if mutated else "valid",
                          errno.errorcode.get(err, "ok" if err == 0 else str(err)))
        other[name] = other.get(name, 0) + 1
    # Dumps need CAP_NET_ADMIN as much as SETs: refused before any message.
    secrets = dumps = refused_dumps = 0
    for name in args.ifname:
        msg = fz.message(fz.family, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, CMD_GET, 1,
                         nla(D_IFNAME, name.encode() + b"\0"))
        fz.sock.send(msg)
        done = False
        while not done:
            got = fz.replies(True)
            if not got:
                print("dump of %s: no reply" % name, file=sys.stderr)
                return 1
            for typ, _, seq, payload in got:
                if seq != fz.seq:
                    continue
                if typ == NLMSG_DONE:
                    done = True
                    continue
                if typ == NLMSG_ERROR:
                    err = -struct.unpack_from("=i", payload, 0)[0]
                    if err == errno.EPERM:
                        refused_dumps += 1
                        done = True
                    elif err:
                        print("dump of %s: errno %d" % (name, err), file=sys.stderr)
                        return 1
                    continue
                dumps += 1
                secrets += count_secrets(payload[4:])
    print(json.dumps({"refused": refused, "not_refused": other, "dump_messages": dumps,
                      "dumps_refused": refused_dumps, "secrets": secrets}))
    ok = not other and dumps == 0 and refused_dumps == len(args.ifname)
    return 0 if ok else 1


def count_secrets(attrs):
    n = 0
    for t, v in walk(attrs):
        if t == D_PRIVATE_KEY:
            n += 1
        elif t == D_PEERS:
            for _, p in walk(v):
                n += sum(1 for pt, _ in walk(p) if pt == P_PRESHARED_KEY)
    return n


def run_secrets(args):
    """Root's dump of the interfaces: how many secrets it carries (for the
    test to check that count_secrets would see them)."""
    fz = Fuzzer(args.seed, args.ifname)
    total = 0
    for name in args.ifname:
        fz.sock.send(fz.message(fz.family, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, CMD_GET, 1,
                                nla(D_IFNAME, name.encode() + b"\0")))
        done = False
        while not done:
            got = fz.replies(True)
            if not got:
                raise RuntimeError("dump of %s: no reply" % name)
            for typ, _, seq, payload in got:
                if seq != fz.seq:
                    continue
                if typ in (NLMSG_DONE, NLMSG_ERROR):
                    done = True
                else:
                    total += count_secrets(payload[4:])
    print(json.dumps({"secrets": total}))
    return 0


def run_hold(args):
    """A dump its caller stops reading (selftests/tests/55-*)."""
    fz = Fuzzer(args.seed, args.ifname)
    fz.sock.send(fz.message(fz.family, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP, CMD_GET, 1,
                            nla(D_IFNAME, args.ifname[0].encode() + b"\0")))
    print("holding", flush=True)
    sys.stdin.readline()
    messages, end = 0, None
    while end is None:
        got = fz.replies(True)
        if not got:
            end = "no reply"
        for typ, _, seq, payload in got:
            if seq != fz.seq:
                continue
            if typ in (NLMSG_DONE, NLMSG_ERROR):
                err = -struct.unpack_from("=i", payload, 0)[0] if len(payload) >= 4 else 0
                end = "done" if err == 0 else errno.errorcode.get(err, str(err))
                break
            messages += 1
    print(json.dumps({"messages": messages, "end": end}))
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["root", "unpriv", "secrets", "hold"])
    ap.add_argument("--ifname", action="append", required=True)
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    modes = {"root": run_root, "unpriv": run_unpriv, "secrets": run_secrets, "hold": run_hold}
    return modes[args.mode](args)


if __name__ == "__main__":
    sys.exit(main())
