#!/usr/bin/env python3
"""What pulls bg95d's size in (issue 13, item 3): per-module bytes of an unstripped binary.

    python3 scripts/bench_size.py .build/release/bg95d

Sums `nm -S` symbol sizes (code and data) by the module a Swift symbol's mangled name names
(`$s<len><Module>...`; `$ss`/`$sS` = the standard library), and C/C++ symbols by library
(Swift runtime, libdispatch, ICU, CoreFoundation, ...), and prints the ELF sections that load.
Symbols without a size (and padding, alignment) are not attributed; the "total" line says how
much of .text+.rodata+.data the attributed symbols cover.
"""
import collections
import re
import subprocess
import sys

C_LIBRARIES = [
    (re.compile(r"^(_ZN5swift|_ZNK5swift|swift_|_swift_|_ZL\d+_?swift|__swift|_ZN\d*__swift)"), "Swift runtime (C++)"),
    (re.compile(r"^(_dispatch|dispatch_|_os_|_ZL\d+_dispatch|_firehose|voucher|_voucher)"), "libdispatch"),
    (re.compile(r"(icu_|^u_|^ucol_|^ubrk_|^ucal_|^udat_|^unum_|^uloc_|^ures_|^ucnv_|^utrans_|^uregex_|^usearch_|^uprv_|^ulist_|^uenum_|^utext_|^_ZN\w*icu)"), "ICU (FoundationInternationalization)"),
    (re.compile(r"^(_?_?CF|_CF|__CF|kCF)"), "CF-named Unicode tables (_FoundationCShims)"),
    (re.compile(r"^(_ZN?St|_ZNSt|_ZSt|_ZNKSt|__cxa|__gxx|_ZTV|_ZTI|_ZTS)"), "C++ standard library"),
    (re.compile(r"^(mnl_|udev_)"), "libmnl/libudev shims"),
]
ALIASES = {"s": "Swift", "S": "Swift"}


def module_of(name):
    """The module (or library) a symbol belongs to."""
    name = name.lstrip("_") if name.startswith("_$s") else name
    if name.startswith("$s"):
        rest = name[2:]
        match = re.match(r"(\d+)", rest)
        if match:
            length = int(match.group(1))
            module = rest[len(match.group(1)):len(match.group(1)) + length]
            return module or "Swift (other)"
        if rest[:2] == "Sc":
            return "_Concurrency"  # Sc* substitutions: Task, actors, continuations
        if rest[:1] in ALIASES:
            return ALIASES[rest[:1]]
        return "Swift (substituted)"
    for pattern, library in C_LIBRARIES:
        if pattern.search(name):
            return library
    return "C / other"


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else ".build/release/bg95d"
    out = subprocess.run(["nm", "-S", "--defined-only", path], capture_output=True, text=True, check=True).stdout
    sizes = collections.Counter()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) != 4:
            continue
        _, size, kind, name = parts
        if kind.lower() in ("t", "r", "d", "b", "v", "w"):
            sizes[module_of(name)] += int(size, 16)
    sections = {}
    for line in subprocess.run(["size", "-A", path], capture_output=True, text=True, check=True).stdout.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[1].isdigit():
            sections[parts[0]] = int(parts[1])
    loaded = sum(sections.get(s, 0) for s in (".text", ".rodata", ".data", ".data.rel.ro", ".eh_frame", ".bss"))
    print(f"{path}: loaded sections .text {sections.get('.text', 0) / 1e6:.2f} MB, .rodata "
          f"{sections.get('.rodata', 0) / 1e6:.2f} MB, .eh_frame {sections.get('.eh_frame', 0) / 1e6:.2f} MB, "
          f".data.rel.ro {sections.get('.data.rel.ro', 0) / 1e6:.2f} MB, .bss {sections.get('.bss', 0) / 1e6:.2f} MB")
    total = sum(sizes.values())
    print(f"{'module / library':44} {'kB':>8} {'share':>6}")
    for module, size in sizes.most_common(25):
        print(f"{module:44} {size / 1024:8.0f} {100 * size / total:5.1f}%")
    print(f"{'total attributed':44} {total / 1024:8.0f}   (of {loaded / 1024:.0f} kB in loaded sections)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
