#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Look for a derived secret in all of the guest's RAM (selftests/tests/54-*).

  keyscan.py --private FILE --public B64

counts the places in physical memory (the direct-map segments of /proc/kcore)
that hold X25519(private, public): the static-static Diffie-Hellman value
that wgtun precomputes for a peer.  That value is derived in the kernel and
never crosses netlink, so it exists only where the module (or the kernel
code it calls) put it: a copy that survives removing the peer, replacing the
private key or deleting the interface is key material left behind.

This process must not become a place that holds the value itself: the DH is
computed as Python integers (whose digits are not the value's bytes), the
value is kept XOR-masked, only an 8-byte prefix is ever laid out as bytes,
candidate windows are compared as integers, and the read buffer is reused and
zeroed before exit.  The reference X25519 below is RFC 7748's ladder, used
only to know what to look for.
Prints JSON: {"hits": N, "where": [{"addr": hex address, "page": what the page
is used for, from /proc/kpageflags}], "bytes_scanned": N}.
"""

import argparse
import base64
import json
import os
import struct
import sys

P = 2**255 - 19
A24 = 121665


def x25519_int(k_bytes, u_int):
    k = bytearray(k_bytes)
    k[0] &= 248
    k[31] &= 127
    k[31] |= 64
    k = int.from_bytes(k, "little")
    x1, x2, z2, x3, z3, swap = u_int, 1, 0, u_int, 1, 0
    for t in reversed(range(255)):
        kt = (k >> t) & 1
        swap ^= kt
        if swap:
            x2, x3, z2, z3 = x3, x2, z3, z2
        swap = kt
        a = (x2 + z2) % P
        aa = a * a % P
        b = (x2 - z2) % P
        bb = b * b % P
        e = (aa - bb) % P
        c = (x3 + z3) % P
        d = (x3 - z3) % P
        da = d * a % P
        cb = c * b % P
        x3 = (da + cb) ** 2 % P
        z3 = x1 * (da - cb) ** 2 % P
        x2 = aa * bb % P
        z2 = e * (aa + A24 * e) % P
    if swap:
        x2, z2 = x3, z3
    return x2 * pow(z2, P - 2, P) % P


def ram_segments(f):
    """(file offset, virtual, physical address, size) of kcore's direct-map segments."""
    hdr = f.read(64)
    if hdr[:4] != b"\x7fELF" or hdr[4] != 2:
        raise RuntimeError("/proc/kcore is not ELF64")
    phoff, = struct.unpack_from("<Q", hdr, 32)
    phentsize, phnum = struct.unpack_from("<HH", hdr, 54)
    f.seek(phoff)
    ph = f.read(phentsize * phnum)
    out = []
    for i in range(phnum):
        typ, _, off, vaddr, paddr, filesz = struct.unpack_from("<IIQQQQ", ph, i * phentsize)
        # Physical memory: the direct map (RAM ranges at page_offset_base,
        # randomized by KASLR, lower still with 5-level paging).  Left out:
        # the kernel image and modules (from 0xffffffff80000000) and the
        # vmalloc area, far larger than RAM; vmalloc'ed memory, kernel
        # stacks included, lives in pages that the direct map covers anyway.
        if typ == 1 and 0xff00000000000000 <= vaddr < 0xffffffff80000000 \
                and filesz <= 2 * ram_bytes():
            out.append((off, vaddr, paddr, filesz))
    return out


def ram_bytes():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return 1 << 40


def scan(masked, mask, prefix):
    hits = []
    total = 0
    errors = {}
    chunk = 4 << 20
    buf = bytearray(chunk + 32)
    mv = memoryview(buf)
    with open("/proc/kcore", "rb", buffering=0) as f:
        segs = ram_segments(f)
        for off, vaddr, paddr, size in segs:
            pos = 0
            carry = 0
            while pos < size:
                n = min(chunk, size - pos)
                f.seek(off + pos)
                try:
                    got = f.readinto(mv[carry:carry + n])
                except OSError as e:
                    errors[e.strerror] = errors.get(e.strerror, 0) + 1
                    got = 0
                if not got:
                    pos += n
                    carry = 0
                    continue
                end = carry + got
                total += got
                i = buf.find(prefix, 0, end)
                while i >= 0:
                    if i + 32 <= end and \
                            int.from_bytes(mv[i:i + 32], "little") ^ mask == masked:
                        hits.append((vaddr + pos - carry + i, paddr + pos - carry + i))
                    i = buf.find(prefix, i + 1, end)
                # Keep the last 31 bytes so that a value across chunks is seen.
                keep = min(31, end)
                buf[0:keep] = buf[end - keep:end]
                carry = keep
                pos += got
    buf[:] = bytes(len(buf))
    return hits, total, len(segs), errors


# /proc/kpageflags bits (Documentation/admin-guide/mm/pagemap.rst) that tell
# what a page holding a hit is used for; none of them: a page the kernel took
# straight from the page allocator (vmalloc, and so kernel stacks, among them).
PAGE_FLAGS = {7: "slab", 10: "buddy(free)", 11: "mmap", 12: "anon", 15: "compound_head",
              16: "compound_tail", 20: "nopage"}


def page_kind(phys):
    try:
        with open("/proc/kpageflags", "rb") as f:
            f.seek((phys >> 12) * 8)
            flags, = struct.unpack("<Q", f.read(8))
    except OSError:
        return "unknown"
    names = [n for b, n in PAGE_FLAGS.items() if flags >> b & 1]
    return ",".join(names) if names else "kernel(no flags)"


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--private", required=True, help="file with a base64 private key")
    ap.add_argument("--public", required=True, help="base64 public key")
    ap.add_argument("--selftest", action="store_true",
                    help="check the ladder against RFC 7748's test vector and exit")
    args = ap.parse_args()

    if args.selftest:
        k = bytes.fromhex("a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4")
        u = int.from_bytes(bytes.fromhex(
            "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c"), "little")
        want = "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"
        got = x25519_int(k, u & ((1 << 255) - 1)).to_bytes(32, "little").hex()
        print(json.dumps({"selftest": got == want}))
        return 0 if got == want else 1

    with open(args.private) as f:
        priv = base64.b64decode(f.read().strip())
    pub = int.from_bytes(base64.b64decode(args.public), "little") & ((1 << 255) - 1)
    mask = int.from_bytes(os.urandom(32), "little")
    masked = x25519_int(priv, pub) ^ mask
    prefix = ((masked ^ mask) & ((1 << 64) - 1)).to_bytes(8, "little")
    hits, total, nseg, errors = scan(masked, mask, prefix)
    where = [{"addr": "%#x" % v, "page": page_kind(p)} for v, p in hits[:16]]
    print(json.dumps({"hits": len(hits), "where": where,
                      "bytes_scanned": total, "segments": nseg, "read_errors": errors}))
    # Less than half of RAM read: the scan could not see what it looks for.
    return 0 if total >= ram_bytes() // 2 else 1


if __name__ == "__main__":
    sys.exit(main())
