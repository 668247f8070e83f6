#!/usr/bin/env python3
"""Writes a randomly damaged copy of a file, for fuzz_inputs.sh.

usage: damage.py SOURCE DEST SEED
Damage kinds: truncate, flip bytes, splice a chunk over another, duplicate a line or chunk,
replace a number by an absurd one, empty file. The same seed gives the same damage.
Prints one line describing what was done.
"""
import random
import re
import sys

ABSURD = [b"0", b"-1", b"1e308", b"1e999", b"-1e999", b"99999999999999999999", b"1099511627776", b"1000000000000",
          b"9223372036854775807", b"NaN", b".nan", b"inf", b"-0", b"4294967296", b"3.5"]


def damage(data: bytes, rng: random.Random):
    text = data[:4096].count(b"\0") == 0
    kinds = ["truncate", "flip", "splice", "duplicate", "absurd", "absurd"] + (["line"] * 2 if text else ["word"])
    if rng.random() < 0.03:
        return b"", "empty file"
    kind = rng.choice(kinds)
    n = len(data)
    if n == 0:
        return b"\xff" * 16, "garbage in an empty file"
    if kind == "truncate":
        cut = rng.randrange(n)
        return data[:cut], f"truncated to {cut} of {n} bytes"
    if kind == "flip":
        out = bytearray(data)
        count = rng.randint(1, 8)
        for _ in range(count):
            out[rng.randrange(n)] ^= 1 << rng.randrange(8)
        return bytes(out), f"{count} bit(s) flipped"
    if kind == "splice":
        length = rng.randint(1, max(1, min(4096, n // 4)))
        src, dst = rng.randrange(n), rng.randrange(n)
        chunk = data[src:src + length]
        return data[:dst] + chunk + data[dst + len(chunk):], f"{len(chunk)} bytes from {src} copied over {dst}"
    if kind == "duplicate":
        length = rng.randint(1, max(1, min(4096, n // 4)))
        src, dst = rng.randrange(n), rng.randrange(n)
        return data[:dst] + data[src:src + length] + data[dst:], f"{length} bytes from {src} inserted at {dst}"
    if kind == "line":
        lines = data.split(b"\n")
        i = rng.randrange(len(lines))
        j = min(len(lines), i + 1 + rng.randrange(2))
        return b"\n".join(lines[:j] + [lines[i]] + lines[j:]), f"line {i + 1} repeated after line {j}"
    if kind == "word":  # binary files: an absurd 8-byte integer at an aligned offset
        at = rng.randrange(max(1, n // 8)) * 8
        word = rng.choice([b"\xff" * 8, b"\x7f" + b"\xff" * 7, b"\x00" * 7 + b"\x80", b"\x00\x00\xc0\x7f" * 2])
        return data[:at] + word + data[at + 8:], f"8 bytes at {at} set to {word.hex()}"
    # absurd: replace one number (text) or one byte run (binary) by an absurd value
    numbers = [m for m in re.finditer(rb"-?\d+(\.\d+)?([eE][-+]?\d+)?", data[:1 << 20])]
    value = rng.choice(ABSURD)
    if numbers:
        m = rng.choice(numbers)
        return data[:m.start()] + value + data[m.end():], f"number {m.group().decode()} at {m.start()} replaced by {value.decode()}"
    at = rng.randrange(n)
    return data[:at] + value + data[at + len(value):], f"bytes at {at} replaced by {value.decode()}"


def main():
    source, dest, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
    with open(source, "rb") as f:
        data = f.read()
    damaged, what = damage(data, random.Random(seed))
    with open(dest, "wb") as f:
        f.write(damaged)
    print(what)


if __name__ == "__main__":
    main()
