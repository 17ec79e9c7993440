#!/usr/bin/env python3
"""forge_abi.py IN.o OUT.o — writes a copy of a `waot compile --emit
object` object whose metadata records another runtime ABI (the first byte
of the build-info's fingerprint flipped, the metadata's checksum sealed
again): what an object built by a waot of another ABI looks like to
waot_module_new_static. Reads only the ELF64 structures (either byte
order)."""
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
    obj = bytearray(open(sys.argv[1], "rb").read())
    (meta_at, meta_len), = [(o, s) for n, o, s in sections(obj) if n.startswith(".rodata.waot.")]
    meta = obj[meta_at:meta_at + meta_len]
    found = {n: (o, s) for n, o, s in sections(meta)}
    build_info = found[".waot.build-info"][0]
    checksum = found[".waot.checksum"][0]
    meta[build_info] ^= 0xFF
    sealed = zlib.crc32(bytes(meta[:checksum]) + b"\0\0\0\0" + bytes(meta[checksum + 4:]))
    meta[checksum:checksum + 4] = struct.pack("<I", sealed)
    obj[meta_at:meta_at + meta_len] = meta
    open(sys.argv[2], "wb").write(obj)


main()
