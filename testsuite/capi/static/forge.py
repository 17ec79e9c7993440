#!/usr/bin/env python3
"""forge.py abi|code IN.o OUT.o — writes a copy of a `waot compile
--emit object` object that waot_module_new_static must refuse:
  abi   its metadata records another runtime ABI (the first byte of the
        build-info's fingerprint flipped, the metadata's checksum sealed
        again): an object built by a waot of another ABI;
  code  one byte of its code changed: code that is not what its (signed,
        checksummed) metadata was written with.
Reads only the ELF64 structures (either byte order)."""
import struct
import sys
import zlib


def sections(elf):
    """(name, offset, size) of every section of an ELF64 file."""
    big = elf[5] == 2
    e = ">" if big else "<"
    shoff, = struct.unpack_from(e + "Q", elf, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from(e + "HHH", elf, 0x3A)
    headers = [struct.unpack_from(e + "IIQQQQ", elf, shoff + i * shentsize) for i in range(shnum)]
    names_at = headers[shstrndx][4]
    out = []
    for name, _type, _flags, _addr, offset, size in headers:
        end = elf.index(b"\0", names_at + name)
        out.append((elf[names_at + name:end].decode(), offset, size))
    return out


def main():
    mode, source, target = sys.argv[1:4]
    obj = bytearray(open(source, "rb").read())
    if mode == "code":
        (text_at, _), = [(o, s) for n, o, s in sections(obj) if n.startswith(".text.waot.")]
        obj[text_at] ^= 0x01
        open(target, "wb").write(obj)
        return
    (meta_at, meta_len), = [(o, s) for n, o, s in sections(obj) if n.startswith(".rodata.waot.")]
    meta = obj[meta_at:meta_at + meta_len]
    found = {n: (o, s) for n, o, s in sections(meta)}
    build_info = found[".waot.build-info"][0]
    checksum = found[".waot.checksum"][0]
    meta[build_info] ^= 0xFF
    sealed = zlib.crc32(bytes(meta[:checksum]) + b"\0\0\0\0" + bytes(meta[checksum + 4:]))
    meta[checksum:checksum + 4] = struct.pack("<I", sealed)
    obj[meta_at:meta_at + meta_len] = meta
    open(target, "wb").write(obj)


main()
