#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Look for a derived secret in all of the guest's RAM (selftests/tests/54-*).

  keyscan.py --private FILE --public B64 [--private FILE --public B64 ...]

counts the places in physical memory (the direct-map segments of /proc/kcore)
that hold X25519(private, public), for each pair in one pass: the
static-static Diffie-Hellman value that wgtun precomputes for a peer.  That value is derived in the kernel and
never crosses netlink, so it exists only where the module (or the kernel
code it calls) put it: a copy that survives removing the peer, replacing the
private key or deleting the interface is key material left behind.

This process must not become a place that holds the value itself, or the
next scan finds it in the pages it freed on exit: the DH is computed as
Python integers (whose digits are not the value's bytes), the value is kept
XOR-masked, only an 8-byte prefix is ever laid out as bytes, candidate
windows are compared as 64-bit words unpacked from the read buffer (never
sliced into a bytes object: int.from_bytes() on a slice copies it into the
heap), the read buffer is zeroed before exit, and the last page read through
the kernel's /proc/kcore bounce buffer is one of kernel text.  Hits in this
process's own memory (its read buffer holding a page just read) are reported
apart: they only echo a copy found elsewhere.  The reference X25519 below is
RFC 7748's ladder, used only to know what to look for.

Prints JSON: {"hits": N, "own_hits": N, "where": [{"key": which pair (0 for
the first), "addr": hex address, "page": what the page is used for, from
/proc/kpageflags, "own": true for this process's memory}], "bytes_scanned":
N, "by_key": [{"hits": N, "own_hits": N} per pair]}; with --explain, each hit also
says which vmalloc area (kernel stacks included), per-CPU area or kernel
image object holds it, and which code addresses lie around it.
"""

import argparse
import bisect
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


class Kcore:
    """The loadable segments of /proc/kcore, to read kernel memory by virtual address."""

    # p_paddr of the segments that have no physical address (vmalloc, vmemmap)
    NO_PHYS = 2**64 - 1

    def __init__(self, f):
        self.f = f
        hdr = f.read(64)
        if hdr[:4] != b"\x7fELF" or hdr[4] != 2:
            raise RuntimeError("/proc/kcore is not ELF64")
        phoff, = struct.unpack_from("<Q", hdr, 32)
        phentsize, phnum = struct.unpack_from("<HH", hdr, 54)
        f.seek(phoff)
        ph = f.read(phentsize * phnum)
        self.segs = []
        for i in range(phnum):
            typ, _, off, vaddr, paddr, filesz = struct.unpack_from("<IIQQQQ", ph,
                                                                   i * phentsize)
            if typ == 1:
                self.segs.append((off, vaddr, paddr, filesz))

    def ram(self):
        """(file offset, virtual, physical address, size) of the direct-map segments."""
        # Physical memory: the direct map (RAM ranges at page_offset_base,
        # randomized by KASLR, lower still with 5-level paging).  Left out:
        # the kernel image and modules (from 0xffffffff80000000), vmemmap and
        # the vmalloc area (no physical address); vmalloc'ed memory, kernel
        # stacks included, lives in pages that the direct map covers anyway.
        return [s for s in self.segs
                if 0xff00000000000000 <= s[1] < 0xffffffff80000000 and
                s[2] != self.NO_PHYS and s[3] <= 2 * ram_bytes()]

    def image(self):
        """The kernel image's segment (virtual, physical, size), or None."""
        for off, vaddr, paddr, size in self.segs:
            if vaddr >= 0xffffffff80000000 and paddr != self.NO_PHYS:
                return vaddr, paddr, size
        return None

    def read(self, vaddr, mv):
        """Read len(mv) bytes at kernel address vaddr into mv; bytes read (0: unmapped)."""
        for off, start, _, size in self.segs:
            if start <= vaddr and vaddr + len(mv) <= start + size:
                self.f.seek(off + vaddr - start)
                try:
                    return self.f.readinto(mv) or 0
                except OSError:
                    return 0
        return 0


def ram_bytes():
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return 1 << 40


class Needle:
    """The 32-byte value, kept XOR-masked; compared in 64-bit words, never laid out."""

    def __init__(self, value):
        self.mask = [int.from_bytes(os.urandom(8), "little") for _ in range(4)]
        self.masked = [(value >> (64 * k) & (2**64 - 1)) ^ self.mask[k] for k in range(4)]
        self.prefix = (self.masked[0] ^ self.mask[0]).to_bytes(8, "little")

    def at(self, buf, i):
        """Whether buf holds the value at offset i (struct gives ints, not a byte copy)."""
        if i < 0 or i + 32 > len(buf):
            return False
        words = struct.unpack_from("<4Q", buf, i)
        return all(words[k] ^ self.mask[k] == self.masked[k] for k in range(4))


def scan(kc, needles, buf):
    """Hits as (needle number, virtual, physical address) in the direct map; bytes
    read; read errors."""
    hits = []
    total = 0
    errors = {}
    chunk = len(buf) - 32
    mv = memoryview(buf)
    for off, vaddr, paddr, size in kc.ram():
        pos = 0
        carry = 0
        while pos < size:
            n = min(chunk, size - pos)
            kc.f.seek(off + pos)
            try:
                got = kc.f.readinto(mv[carry:carry + n])
            except OSError as e:
                errors[e.strerror] = errors.get(e.strerror, 0) + 1
                got = 0
            if not got:
                pos += n
                carry = 0
                continue
            end = carry + got
            total += got
            for k, needle in enumerate(needles):
                i = buf.find(needle.prefix, 0, end)
                while i >= 0:
                    if i + 32 <= end and needle.at(mv[:end], i):
                        hits.append((k, vaddr + pos - carry + i, paddr + pos - carry + i))
                    i = buf.find(needle.prefix, i + 1, end)
            # Keep the last 31 bytes so that a value across chunks is seen.
            keep = min(31, end)
            buf[0:keep] = buf[end - keep:end]
            carry = keep
            pos += got
    return hits, total, errors


# /proc/kpageflags bits (Documentation/admin-guide/mm/pagemap.rst).  A page
# with none of them set is one the kernel took straight from the page
# allocator (vmalloc, and so kernel stacks, among them), or a free page that
# is not the head of a free block (only heads are marked buddy).
PAGE_FLAGS = {0: "locked", 2: "referenced", 3: "uptodate", 4: "dirty", 5: "lru",
              6: "active", 7: "slab", 10: "buddy(free)", 11: "mmap", 12: "anon",
              13: "swapcache", 14: "swapbacked", 15: "compound_head",
              16: "compound_tail", 17: "huge", 18: "unevictable", 20: "nopage",
              22: "thp", 23: "offline", 24: "zero_page", 25: "idle", 26: "pgtable",
              32: "reserved", 33: "mlocked", 35: "private", 36: "private_2",
              37: "owner_private", 38: "arch", 39: "uncached", 41: "arch_2"}


def kpage(name, pfn):
    try:
        with open("/proc/" + name, "rb") as f:
            f.seek(pfn * 8)
            v, = struct.unpack("<Q", f.read(8))
            return v
    except (OSError, struct.error):
        return None


def page_kind(phys):
    flags = kpage("kpageflags", phys >> 12)
    if flags is None:
        return "unknown"
    names = [n for b, n in PAGE_FLAGS.items() if flags >> b & 1]
    return ",".join(names) if names else "kernel(no flags)"


class Symbols:
    """/proc/kallsyms (as root: real addresses), to name the code a stack word points to."""

    def __init__(self):
        self.addrs, self.names, self.text = [], [], []
        self.by_name = {}
        try:
            with open("/proc/kallsyms") as f:
                rows = []
                for line in f:
                    parts = line.split()
                    a = int(parts[0], 16)
                    name = parts[2] + (" " + parts[3] if len(parts) > 3 else "")
                    rows.append((a, name, parts[1] in "tT"))
                    self.by_name.setdefault(parts[2], a)
        except OSError:
            rows = []
        rows.sort()
        for a, n, t in rows:
            self.addrs.append(a)
            self.names.append(n)
            self.text.append(t)

    def name(self, addr, text_only=True, limit=0x4000):
        """sym+0xoff for addr, or None when it is not (near) a symbol."""
        i = bisect.bisect_right(self.addrs, addr) - 1
        if i < 0 or addr - self.addrs[i] >= limit or (text_only and not self.text[i]):
            return None
        return "%s+%#x" % (self.names[i], addr - self.addrs[i])


def words_named(buf, base, lo, hi, syms):
    """The 8-byte words of buf[lo:hi] that point into kernel or module code, by offset."""
    out = []
    for i in range(max(0, lo) & ~7, min(hi, len(buf) - 8) + 1, 8):
        w, = struct.unpack_from("<Q", buf, i)
        if w >> 47 == 0x1ffff:
            n = syms.name(w)
            if n:
                out.append("%+#x %s" % (i - base, n))
    return out


STACK_CALLERS = ("alloc_thread_stack_node", "dup_task_struct", "copy_process", "kernel_clone",
                 "fork_idle")


def vmalloc_areas():
    """(start, end, caller and kind) of the vmalloc areas backed by pages."""
    # vmallocinfo prints %pK: hashed under kptr_restrict 0, real addresses
    # under 1 to a reader with CAP_SYSLOG (root, here).
    sysctl = "/proc/sys/kernel/kptr_restrict"
    restrict = None
    lines = []
    try:
        with open(sysctl) as f:
            restrict = f.read().strip()
        if restrict == "0":
            with open(sysctl, "w") as f:
                f.write("1")
        with open("/proc/vmallocinfo") as f:
            lines = f.readlines()
    except OSError:
        pass
    finally:
        if restrict == "0":
            with open(sysctl, "w") as f:
                f.write(restrict)
    areas = []
    for line in lines:
        parts = line.split()
        if len(parts) < 3 or "pages=" not in line or "ioremap" in parts:
            continue
        try:
            lo, hi = (int(x, 16) for x in parts[0].split("-"))
        except ValueError:
            continue
        kind = [p for p in parts[3:] if p in ("vmalloc", "vmap", "user", "vpages")]
        # Kernel stacks come from fork's stack allocation, which the compiler
        # folds into its callers.
        if parts[2].split("+")[0] in STACK_CALLERS:
            kind.append("(a task's kernel stack)")
        areas.append((lo, hi, " ".join([parts[2]] + kind)))
    return areas


def own_pfns():
    """Page frames of this process's private memory (as root, pagemap shows them)."""
    pfns = set()
    try:
        with open("/proc/self/maps") as maps, open("/proc/self/pagemap", "rb") as pm:
            for line in maps:
                parts = line.split()
                if len(parts) > 5 and parts[5].startswith("/"):
                    continue
                lo, hi = (int(x, 16) for x in parts[0].split("-"))
                if hi - lo > 1 << 30:
                    continue
                pm.seek((lo >> 12) * 8)
                raw = pm.read(((hi - lo) >> 12) * 8)
                for e, in struct.iter_unpack("<Q", raw):
                    if e >> 63 and e & (2**55 - 1):
                        pfns.add(e & (2**55 - 1))
    except OSError:
        pass
    return pfns


def explain(kc, needle, syms, buf, vaddr, phys):
    """Who owns the memory holding a hit: page state, then image, per-CPU or vmalloc."""
    mv = memoryview(buf)
    pfn = phys >> 12
    flags = kpage("kpageflags", pfn)
    info = {"addr": "%#x" % vaddr, "phys": "%#x" % phys, "page": page_kind(phys),
            "kpageflags": None if flags is None else "%#x" % flags,
            "kpagecount": kpage("kpagecount", pfn)}
    # A free page inside a larger free block: only the block's head is marked buddy.
    for order in range(1, 11):
        head = pfn & ~((1 << order) - 1)
        hf = kpage("kpageflags", head)
        if head != pfn and hf is not None and hf >> 10 & 1:
            info["buddy_head"] = "pfn %#x (order >= %d candidate)" % (head, order)
            break
    off = vaddr & 0xfff
    owners = []
    # The kernel image (static data, .bss, the boot task's stack): reserved
    # pages; its init sections are freed after boot and reused as any page.
    img = kc.image()
    if img and img[1] <= phys < img[1] + img[2] and flags is not None and flags >> 32 & 1:
        kaddr = img[0] + phys - img[1]
        owners.append("image " + (syms.name(kaddr, False, 1 << 20) or "%#x" % kaddr))
    # Per-CPU memory (the IRQ stacks among it): __per_cpu_offset[cpu] + symbol.
    pco = syms.by_name.get("__per_cpu_offset")
    if pco:
        ncpu = os.cpu_count() or 1
        n = kc.read(pco, mv[:8 * ncpu])
        bases = struct.unpack_from("<%dQ" % (n // 8), buf, 0)
        for cpu, base in enumerate(bases):
            d = vaddr - base
            if 0 <= d < 1 << 22:
                name = syms.name(d, False, 1 << 22)
                owners.append("percpu cpu%d %s" % (cpu, name or "%#x" % d))
    # vmalloc areas (kernel stacks among them), for pages that
    # slab, page cache and user memory do not claim: the same value at the
    # same page offset of one of the area's pages.
    if flags is not None and not flags & (1 << 7 | 1 << 5 | 1 << 11 | 1 << 12):
        for lo, hi, what in vmalloc_areas():
            size = hi - lo
            if size > len(buf) or kc.read(lo, mv[:size]) != size:
                continue
            for at in range(off, size, 4096):
                if not needle.at(mv[:size], at):
                    continue
                # The last page of an area is its guard page: the stack's top is below.
                owners.append({"owner": "vmalloc %#x-%#x %s" % (lo, hi, what),
                               "offset": "%#x" % at,
                               "words_near": words_named(buf, at, at - 0x200, at + 0x400,
                                                         syms),
                               "words_top": words_named(buf, at, size - 4096 - 0x180,
                                                        size - 4096, syms)})
    # The words around the hit in its page, through the direct map.
    page = vaddr & ~0xfff
    if kc.read(page, mv[:4096]) == 4096:
        info["words_in_page"] = words_named(buf, off, 0, 4096, syms)
        # What precedes the value (a user-space object header, a canary, a pointer).
        info["qwords_before"] = ["%#x" % w for w in
                                 struct.unpack_from("<4Q", buf, max(0, off - 32) & ~7)]
    info["owners"] = owners
    flush_bounce(kc, buf)
    return info


def flush_bounce(kc, buf):
    """Leave no page of ours in the kernel's /proc/kcore bounce buffer, nor in buf.

    Since 6.5 each open /proc/kcore has one page-sized kmalloc'ed bounce
    buffer that every page read from the direct map or the kernel image goes
    through; it is freed, not wiped, on close.  The last page read through it
    is then left in a free slab object, so finish with a page of kernel text,
    which holds no secret.
    """
    img = kc.image()
    if img:
        kc.read(img[0], memoryview(buf)[:4096])
    buf[:] = bytes(len(buf))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--private", required=True, action="append",
                    help="file with a base64 private key (repeated: one per pair)")
    ap.add_argument("--public", required=True, action="append",
                    help="base64 public key (repeated: one per pair, in the same order)")
    ap.add_argument("--explain", action="store_true",
                    help="for each hit, say what owns the memory (vmalloc area, kernel "
                    "stack and the code addresses near the hit, per-CPU, page state)")
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

    if len(args.private) != len(args.public):
        ap.error("--private and --public come in pairs")
    needles = []
    for path, pub64 in zip(args.private, args.public):
        with open(path) as f:
            priv = base64.b64decode(f.read().strip())
        pub = int.from_bytes(base64.b64decode(pub64), "little") & ((1 << 255) - 1)
        needles.append(Needle(x25519_int(priv, pub)))
    buf = bytearray((4 << 20) + 32)
    try:
        with open("/proc/kcore", "rb", buffering=0) as f:
            kc = Kcore(f)
            hits, total, errors = scan(kc, needles, buf)
            flush_bounce(kc, buf)
            mine = own_pfns() if hits else set()
            syms = Symbols() if args.explain and hits else None
            where = []
            for k, v, p in hits[:16]:
                if syms:
                    where.append(explain(kc, needles[k], syms, buf, v, p))
                else:
                    where.append({"addr": "%#x" % v, "page": page_kind(p)})
                where[-1]["key"] = k
                where[-1]["own"] = p >> 12 in mine
            by_key = [{"hits": 0, "own_hits": 0} for _ in needles]
            for k, v, p in hits:
                by_key[k]["own_hits" if p >> 12 in mine else "hits"] += 1
            own = sum(b["own_hits"] for b in by_key)
            nseg = len(kc.ram())
    finally:
        buf[:] = bytes(len(buf))
    print(json.dumps({"hits": len(hits) - own, "own_hits": own, "where": where,
                      "by_key": by_key, "bytes_scanned": total, "segments": nseg,
                      "read_errors": errors}))
    # Less than half of RAM read: the scan could not see what it looks for.
    return 0 if total >= ram_bytes() // 2 else 1


if __name__ == "__main__":
    sys.exit(main())
