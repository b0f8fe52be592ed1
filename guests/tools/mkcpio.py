#!/usr/bin/env python3
"""mkcpio.py — write a cpio archive in the "newc" format, reproducibly.

usage: mkcpio.py [--chr PATH=MAJOR:MINOR:MODE ...] OUT.img SRC_DIR DEST_PREFIX [SRC_DIR DEST_PREFIX ...]

Every file under each SRC_DIR is stored under DEST_PREFIX, with its parent directories;
each --chr adds a character device node (MODE in octal), with its parent directories.
Entries are sorted by path; mtime, uid and gid are 0; directories are 0755, files 0755 if
executable by their owner on disk else 0644; inode numbers count up from 1. So the same
inputs always give the same bytes. Format: cpio(5), "New ASCII Format" (magic 070701).
"""
import os
import stat
import sys


def header(ino, mode, size, name, rdev=(0, 0)):
    fields = [ino, mode, 0, 0, 1, 0, size, 0, 0, rdev[0], rdev[1], len(name) + 1, 0]
    return b"070701" + b"".join(b"%08x" % f for f in fields)


def pad4(n):
    return b"\0" * ((4 - n % 4) % 4)


def main(argv):
    devices = {}  # archive path -> (major, minor, permission bits)
    while len(argv) > 2 and argv[1] == "--chr":
        try:
            path, spec = argv[2].split("=")
            major, minor, perm = spec.split(":")
            devices[path.strip("/")] = (int(major), int(minor), int(perm, 8))
        except ValueError:
            sys.stderr.write("mkcpio.py: --chr wants PATH=MAJOR:MINOR:MODE, not %s\n" % argv[2])
            return 2
        argv = argv[:1] + argv[3:]
    if len(argv) < 4 or len(argv) % 2 != 0:
        sys.stderr.write("usage: mkcpio.py [--chr PATH=MAJOR:MINOR:MODE ...] OUT.img SRC_DIR DEST_PREFIX [SRC_DIR DEST_PREFIX ...]\n")
        return 2
    out, pairs = argv[1], list(zip(argv[2::2], argv[3::2]))
    entries = {}  # archive path -> source file, None for a directory, or a device tuple
    for path, dev in devices.items():
        parts = path.split("/")
        for i in range(1, len(parts)):
            entries.setdefault("/".join(parts[:i]), None)
        entries[path] = dev
    for src, prefix in pairs:
        if not os.path.isdir(src):
            sys.stderr.write("mkcpio.py: %s is not a directory\n" % src)
            return 1
        prefix = prefix.strip("/")
        parts = prefix.split("/") if prefix else []
        for i in range(1, len(parts) + 1):
            entries.setdefault("/".join(parts[:i]), None)
        for root, dirs, files in os.walk(src):
            rel = os.path.relpath(root, src)
            base = "/".join(p for p in [prefix, "" if rel == "." else rel.replace(os.sep, "/")] if p)
            if base:
                entries.setdefault(base, None)
            for f in files:
                entries["/".join(p for p in [base, f] if p)] = os.path.join(root, f)
    data = bytearray()
    for ino, name in enumerate(sorted(entries), start=1):
        src = entries[name]
        rdev = (0, 0)
        if src is None:
            body, mode = b"", stat.S_IFDIR | 0o755
        elif isinstance(src, tuple):
            body, mode, rdev = b"", stat.S_IFCHR | src[2], src[:2]
        else:
            with open(src, "rb") as fh:
                body = fh.read()
            mode = stat.S_IFREG | (0o755 if os.stat(src).st_mode & stat.S_IXUSR else 0o644)
        h = header(ino, mode, len(body), name.encode(), rdev) + name.encode() + b"\0"
        data += h + pad4(len(h)) + body + pad4(len(body))
    t = header(0, 0, 0, b"TRAILER!!!") + b"TRAILER!!!\0"
    data += t + pad4(len(t))
    data += b"\0" * ((512 - len(data) % 512) % 512)
    with open(out, "wb") as fh:
        fh.write(data)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
