#!/usr/bin/env python3
"""Helpers of scripts/cuda-check.sh (standard library only: the GPU machine's Python may have no numpy).

  make-input OUT.safetensors BATCH LENGTH VOCAB SEED   random input_ids [B,T] (I64) and an attention_mask
                                                       whose last row is left-padded by LENGTH/4
  compare-st A.safetensors B.safetensors [ATOL RTOL]   every F32 tensor of A against B: max |a-b|, max
                                                       |a-b|/|b| (|b| > 1e-3), allclose(atol, rtol)
  compare-csv A.csv B.csv [RTOL]                       every numeric cell of A against B (same rows,
                                                       same columns): max relative difference
Each compare prints one line `RESULT PASS|FAIL ...` last and exits 0 (pass) or 1 (fail).
"""
import array
import csv
import json
import math
import random
import struct
import sys


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        begin, end = info["data_offsets"]
        tensors[name] = (info["dtype"], info["shape"], data[base + begin:base + end])
    return tensors


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, (dtype, shape, blob) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def make_input(out, batch, length, vocab, seed):
    rng = random.Random(seed)
    ids = array.array("q", (rng.randrange(vocab) for _ in range(batch * length)))
    mask = array.array("q", [1] * (batch * length))
    pad = length // 4
    for t in range(pad):  # last row left-padded: pads hold id 0, mask 0
        ids[(batch - 1) * length + t] = 0
        mask[(batch - 1) * length + t] = 0
    if sys.byteorder != "little":
        ids.byteswap()
        mask.byteswap()
    write_safetensors(out, {"input_ids": ("I64", [batch, length], ids.tobytes()),
                            "attention_mask": ("I64", [batch, length], mask.tobytes())})
    print(f"wrote {out}: input_ids [{batch},{length}] < {vocab}, last row left-padded by {pad}")


def floats(dtype, blob):
    a = array.array({"F32": "f", "F64": "d"}[dtype])
    a.frombytes(blob)
    if sys.byteorder != "little":
        a.byteswap()
    return a


def compare_st(a_path, b_path, atol=1e-4, rtol=1e-4):
    a, b = read_safetensors(a_path), read_safetensors(b_path)
    ok, worst_abs, worst_rel, worst_excess = True, 0.0, 0.0, -math.inf
    mask, B, T = None, 0, 0
    if "attention_mask" in b:
        m = array.array("q")
        m.frombytes(b["attention_mask"][2])
        mask, (B, T) = m, b["attention_mask"][1]
    for name in sorted(b):
        dtype, shape, blob = b[name]
        if dtype not in ("F32", "F64"):
            continue
        if name not in a or a[name][1] != shape:
            print(f"{name}: missing or shape differs in {a_path}")
            ok = False
            continue
        x, y = floats(a[name][0], a[name][2]), floats(dtype, blob)
        inner = len(y) // len(mask) if mask is not None and shape[:2] == [B, T] else 0
        if inner == 0:
            inner, mask_here = 1, None
        else:
            mask_here = mask
        t_abs = t_rel = 0.0
        t_excess = -math.inf
        nan = 0
        for i, (u, v) in enumerate(zip(x, y)):
            if mask_here is not None and not mask_here[i // inner]:
                continue  # padded positions are not compared (as the golden tests)
            if math.isnan(u) or math.isnan(v):
                nan += 1
                continue
            d = abs(u - v)
            t_abs = max(t_abs, d)
            if abs(v) > 1e-3:
                t_rel = max(t_rel, d / abs(v))
            t_excess = max(t_excess, d - rtol * abs(v))
        passed = nan == 0 and t_excess <= atol
        ok &= passed
        worst_abs, worst_rel, worst_excess = max(worst_abs, t_abs), max(worst_rel, t_rel), max(worst_excess, t_excess)
        print(f"{name:>18} {str(shape):>16}: max|diff| {t_abs:.3e}  max rel {t_rel:.3e}  NaN {nan}  "
              f"{'ok' if passed else 'NOT allclose'}")
    print(f"RESULT {'PASS' if ok else 'FAIL'} max_abs={worst_abs:.3e} max_rel={worst_rel:.3e} "
          f"(allclose atol {atol:g} rtol {rtol:g} on real tokens)")
    return ok


def compare_csv(a_path, b_path, rtol=1e-3):
    with open(a_path, newline="") as f:
        a = list(csv.DictReader(f))
    with open(b_path, newline="") as f:
        b = list(csv.DictReader(f))
    if len(a) != len(b) or (a and list(a[0]) != list(b[0])):
        print(f"RESULT FAIL rows/columns differ: {len(a)} vs {len(b)} rows")
        return False
    worst, where, cells, exact = 0.0, "", 0, 0
    per_column = {}
    for i, (ra, rb) in enumerate(zip(a, b)):
        for col in rb:
            try:
                u, v = float(ra[col]), float(rb[col])
            except ValueError:
                if ra[col] != rb[col]:
                    print(f"row {i} {col}: '{ra[col]}' vs '{rb[col]}'")
                    worst, where = math.inf, f"row {i} {col}"
                continue
            cells += 1
            exact += u == v
            rel = abs(u - v) / max(abs(v), 1e-12) if u != v else 0.0
            per_column[col] = max(per_column.get(col, 0.0), rel)
            if rel > worst:
                worst, where = rel, f"row {i} (layer {rb.get('layer', '?')}) {col}: {u!r} vs {v!r}"
    for col, rel in per_column.items():
        if rel > 0:
            print(f"{col:>24}: max rel diff {rel:.3e}")
    ok = worst <= rtol
    print(f"RESULT {'PASS' if ok else 'FAIL'} max_rel={worst:.3e} over {cells} numeric cells "
          f"({exact} bit-identical), worst at {where or '-'} (pass: <= {rtol:g})")
    return ok


def main(argv):
    if len(argv) >= 6 and argv[0] == "make-input":
        make_input(argv[1], int(argv[2]), int(argv[3]), int(argv[4]), int(argv[5]))
        return 0
    if len(argv) >= 3 and argv[0] == "compare-st":
        return 0 if compare_st(argv[1], argv[2], *map(float, argv[3:5])) else 1
    if len(argv) >= 3 and argv[0] == "compare-csv":
        return 0 if compare_csv(argv[1], argv[2], *map(float, argv[3:4])) else 1
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
