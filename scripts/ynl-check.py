#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check uapi/wgtun.yaml against what it describes (run by scripts/ynl.sh).

header SPEC UAPI_DIR
    Every name the spec gives a C name to (constants, enum and flag types and
    values, attribute sets and commands with their MAX defines, the family
    name, version and multicast group) must exist in the spec's uapi-header
    under UAPI_DIR with the spec's value, and so must the header's own
    bounds of each enum (its MAX) and flag set (its __..._ALL, every flag):
    a generated C program prints them all, and a name the header lacks
    fails its compilation.

client SPEC UAPI_DIR
    The C client library ynl_gen_c.py generates from the spec compiles
    against the header under UAPI_DIR and ynl's own library headers.

policy SPEC
    Every attribute the loaded module's policy accepts (its policy dump,
    CTRL_CMD_GETPOLICY) must be in the spec with the matching type, range
    and length checks, nested sets included, and set-device's request list
    must be exactly the top-level attributes the module accepts.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

INT_BITS = {'u8': 8, 'u16': 16, 'u32': 32, 'u64': 64}
SCALAR_BYTES = {'u8': 1, 'u16': 2, 'u32': 4, 'u64': 8, 's8': 1, 's16': 2, 's32': 4, 's64': 8}
# Spec types and the policy type the kernel reports for them.
POLICY_TYPE = {'u8': 'u8', 'u16': 'u16', 'u32': 'u32', 'u64': 'u64', 'flag': 'flag',
               'binary': 'binary', 'nest': 'nested', 'indexed-array': 'nested-array'}


def c_name(*parts):
    """The C name of a constant: WGTUN_A_DEVICE_IFINDEX."""
    return ''.join(parts).upper().replace('-', '_')


def c_type(name):
    """The C name of an enum or struct type: wgtun_device_attr."""
    return name.replace('-', '_')


def spec_names(family):
    """(C expression, printf conversion, expected value) for each name."""
    y = family.yaml
    ident = y['name'] + '-'
    out = [(c_name(y['c-family-name']), 's', y['name']),
           (c_name(y['c-version-name']), 'lld', y.get('version', 1))]
    for grp in y.get('mcast-groups', {}).get('list', []):
        name = grp.get('c-define-name', f"{ident}mcgrp-{grp['name']}")
        out.append((c_name(name), 's', grp['name']))
    for elem in y.get('definitions', []):
        kind, name, prefix = elem['type'], elem['name'], elem.get('name-prefix')
        if kind == 'const':
            out.append((c_name(prefix or ident, name), 'lld', elem['value']))
        elif kind in ('enum', 'flags'):
            out.append((f"(long long)sizeof(enum {c_type(elem['enum-name'])})", 'lld', 4))
            prefix = prefix or f'{ident}{name}-'
            values = []
            for entry in family.consts[name].entries.values():
                values.append(entry.user_value(as_flags=kind == 'flags'))
                out.append((c_name(prefix, entry.name), 'lld', values[-1]))
            # The header's bounds: every flag the module accepts, the last value.
            if kind == 'flags':
                out.append((c_name('__', prefix, 'all'), 'lld', sum(values)))
            else:
                out.append((c_name(prefix, 'max'), 'lld', max(values)))
        elif kind == 'struct' and 'header' in elem:
            size = sum(SCALAR_BYTES[m.type] for m in family.consts[name].members)
            out.append((f'(long long)sizeof(struct {c_type(name)})', 'lld', size))
    for aset in family.attr_sets.values():
        prefix = aset.yaml['name-prefix']
        out.append((f"(long long)sizeof(enum {c_type(aset.yaml['enum-name'])})", 'lld', 4))
        for attr in aset.attrs.values():
            out.append((c_name(prefix, attr.name), 'lld', attr.value))
        out.append((c_name(prefix, 'max'), 'lld', max(a.value for a in aset.attrs.values())))
    ops = y['operations']
    prefix = ops['name-prefix']
    out.append((f"(long long)sizeof(enum {c_type(ops['enum-name'])})", 'lld', 4))
    for op in family.msgs.values():
        out.append((c_name(prefix, op.name), 'lld', op.value))
    out.append((c_name(prefix, 'max'), 'lld', max(op.value for op in family.msgs.values())))
    return out


def check_header(family, uapi):
    names = spec_names(family)
    headers = [elem['header'] for elem in family.yaml.get('definitions', []) if 'header' in elem]
    lines = [f'#include <{h}>' for h in ['stdio.h'] + headers + [family.yaml['uapi-header']]]
    lines += ['int main(void)', '{']
    for expr, conv, _ in names:
        arg = expr if conv == 's' else f'(long long)({expr})'
        lines.append(f'\tprintf("%{conv}\\n", {arg});')
    lines += ['\treturn 0;', '}']
    with tempfile.TemporaryDirectory() as tmp:
        src, exe = os.path.join(tmp, 'names.c'), os.path.join(tmp, 'names')
        with open(src, 'w', encoding='utf-8') as f:
            f.write('\n'.join(lines) + '\n')
        cc = subprocess.run(['cc', '-std=gnu11', '-Wall', '-Werror', '-I', uapi, '-o', exe, src],
                            capture_output=True, text=True, check=False)
        if cc.returncode:
            print('ynl: names of the spec missing from the uapi header:', file=sys.stderr)
            print(cc.stderr, file=sys.stderr)
            return 1
        got = subprocess.run([exe], capture_output=True, text=True, check=True).stdout.split('\n')
    bad = 0
    for (expr, _, want), value in zip(names, got):
        if value != str(want):
            print(f'ynl: {expr} is {value} in the header, {want} in the spec', file=sys.stderr)
            bad += 1
    if bad:
        return 1
    print(f'ynl: {len(names)} names and values of the spec agree with the uapi header')
    return 0


def check_client(ynl, schema, spec, uapi):
    with tempfile.TemporaryDirectory() as tmp:
        # The generator wants the spec in a kernel tree: a MAINTAINERS file
        # above it, the schema beside its specs/ folder.
        specs = os.path.join(tmp, 'Documentation', 'netlink', 'specs')
        os.makedirs(specs)
        shutil.copy(schema, os.path.dirname(specs))
        copy = shutil.copy(spec, specs)
        with open(os.path.join(tmp, 'MAINTAINERS'), 'w', encoding='utf-8'):
            pass
        name = os.path.splitext(os.path.basename(spec))[0] + '-user'
        cmds = [[sys.executable, os.path.join(ynl, 'ynl_gen_c.py'), '--mode', 'user', kind,
                 '--spec', copy, '-o', os.path.join(tmp, name + ext)]
                for kind, ext in (('--header', '.h'), ('--source', '.c'))]
        cmds.append(['cc', '-std=gnu11', '-Wall', '-Werror', '-fsyntax-only', '-I', tmp,
                     '-I', os.path.join(ynl, '..', 'lib'), '-I', uapi,
                     os.path.join(tmp, name + '.c')])
        for cmd, what in zip(cmds, ('generating its header', 'generating its source',
                                    'compiling it')):
            run = subprocess.run(cmd, capture_output=True, text=True, check=False)
            if run.returncode:
                print(f'ynl: the C client of the spec: {what} failed:', file=sys.stderr)
                print(run.stdout + run.stderr, file=sys.stderr)
                return 1
    print('ynl: the C client generated from the spec compiles against the uapi header')
    return 0


def limit(family, value):
    """A checks value: a number or the name of one of the spec's consts."""
    return value if isinstance(value, int) else family.consts[value]['value']


def expected_policy(family, attr):
    """What the kernel's policy dump should say about @attr."""
    spec_type = attr.type
    if spec_type == 'string':
        want = {'type': 'string' if attr.yaml.get('checks', {}).get('unterminated-ok')
                else 'nul-string'}
    else:
        want = {'type': POLICY_TYPE.get(spec_type, spec_type)}
    checks = {k: limit(family, v) for k, v in attr.yaml.get('checks', {}).items()
              if k != 'unterminated-ok'}
    if spec_type in INT_BITS:
        want['min-value'] = checks.get('min', 0)
        want['max-value'] = checks.get('max', (1 << INT_BITS[spec_type]) - 1)
    elif spec_type in ('binary', 'string'):
        # The dump shows a length range or a maximum; a minimum alone
        # (NLA_POLICY_MIN_LEN) it does not show at all.
        hi = checks.get('exact-len', checks.get('max-len'))
        lo = checks.get('exact-len', checks.get('min-len'))
        if hi is not None:
            want['max-length'] = hi
            if lo:
                want['min-length'] = lo
    return want


def compare(family, pol, aset, path):
    """Mismatches between the kernel's policy @pol and attribute set @aset."""
    bad = 0
    for name in pol:
        entry = pol[name]
        where = f'{path}.{name}'
        if name not in aset.attrs:
            print(f'ynl: the module accepts {where}, which the spec lacks', file=sys.stderr)
            bad += 1
            continue
        attr = aset.attrs[name]
        got = {k: getattr(entry, k.replace('-', '_')) for k in
               ('type', 'min-value', 'max-value', 'min-length', 'max-length')
               if hasattr(entry, k.replace('-', '_'))}
        want = expected_policy(family, attr)
        if got != want:
            print(f'ynl: {where}: the module says {got}, the spec {want}', file=sys.stderr)
            bad += 1
        nested = attr.yaml.get('nested-attributes')
        if nested and len(entry):
            bad += compare(family, entry, family.attr_sets[nested], where)
    return bad


def check_policy(family_cls, spec, schema):
    family = family_cls(spec, schema)
    bad = 0
    for op in family.ops.values():
        for mode in ('do', 'dump'):
            if mode not in op.yaml:
                continue
            pol = family.get_policy(op.name, mode)
            if pol is None:
                print(f'ynl: the module has no policy for {op.name} {mode}', file=sys.stderr)
                bad += 1
                continue
            bad += compare(family, pol, op.attr_set, f'{op.name}/{mode}')
            if mode == 'do':
                want = set(op.yaml['do']['request']['attributes'])
                if set(pol) != want:
                    print(f'ynl: {op.name} request: the module accepts {sorted(pol)}, '
                          f'the spec lists {sorted(want)}', file=sys.stderr)
                    bad += 1
    if bad:
        return 1
    print("ynl: the spec agrees with the module's policy")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n', 1)[0])
    parser.add_argument('--ynl', required=True, help='tools/net/ynl/pyynl of a kernel source')
    parser.add_argument('--schema', required=True)
    parser.add_argument('what', choices=['header', 'client', 'policy'])
    parser.add_argument('spec')
    parser.add_argument('uapi', nargs='?')
    args = parser.parse_args()
    sys.path.insert(0, args.ynl)
    # pylint: disable=import-outside-toplevel,import-error
    from lib import SpecFamily, YnlFamily

    if args.what == 'header':
        return check_header(SpecFamily(args.spec, args.schema), args.uapi)
    if args.what == 'client':
        return check_client(args.ynl, args.schema, args.spec, args.uapi)
    return check_policy(YnlFamily, args.spec, args.schema)


if __name__ == '__main__':
    sys.exit(main())
