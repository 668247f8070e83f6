#!/usr/bin/env python3
"""Writes small seed files for pytorch_bin_fuzzer into fuzz/corpus/pytorch_bin/.

The fixtures in ../shared/fixtures/models are real torch.save output but 0.3-0.8 MB each, too
big for quick mutation. These seeds reproduce the same layouts in a few hundred bytes, with the
opcode streams torch.save writes (pickle protocol 2, the same globals and persistent ids),
without needing torch: stand-in modules named torch and torch._utils give pickle the globals.
"""
import collections
import io
import os
import pathlib
import pickle
import struct
import sys
import types
import zipfile

torch = types.ModuleType("torch")
utils = types.ModuleType("torch._utils")
sys.modules["torch"], sys.modules["torch._utils"] = torch, utils


def _rebuild_tensor_v2(*args):
    raise RuntimeError("seed generator only pickles")


_rebuild_tensor_v2.__module__ = "torch._utils"
utils._rebuild_tensor_v2 = _rebuild_tensor_v2
STORAGE_TYPES = {}
for name, fmt in [("FloatStorage", "f"), ("BFloat16Storage", "H"), ("LongStorage", "q"), ("BoolStorage", "?")]:
    cls = type(name, (), {"__module__": "torch"})
    setattr(torch, name, cls)
    STORAGE_TYPES[name] = (cls, fmt)


class Storage:
    def __init__(self, key, type_name, values):
        self.key, self.type_name, self.values = key, type_name, values

    def data(self):
        return struct.pack("<%d%s" % (len(self.values), STORAGE_TYPES[self.type_name][1]), *self.values)


class Tensor:
    def __init__(self, storage, offset, size, stride):
        self.args = (storage, offset, size, stride, False, collections.OrderedDict())

    def __reduce__(self):
        return (_rebuild_tensor_v2, self.args)


class Hostile:
    def __reduce__(self):
        return (os.system, ("true",))


class Pickler(pickle.Pickler):
    def __init__(self, file, legacy):
        super().__init__(file, protocol=2)
        self.legacy = legacy

    def persistent_id(self, obj):
        if not isinstance(obj, Storage):
            return None
        pid = ("storage", STORAGE_TYPES[obj.type_name][0], obj.key, "cpu", len(obj.values))
        return pid + (None,) if self.legacy else pid


def dumps(obj, legacy=False):
    out = io.BytesIO()
    Pickler(out, legacy).dump(obj)
    return out.getvalue()


def state_dict(ordered=False):
    w = Storage("0", "FloatStorage", [0.5, -1.0, 2.0, 0.25, 3.0, -0.5])
    b = Storage("1", "BFloat16Storage", [0x3F80, 0xC000])
    n = Storage("2", "LongStorage", [7])
    mask = Storage("3", "BoolStorage", [True, False, True, True])
    items = [("model.w", Tensor(w, 0, (2, 3), (3, 1))), ("model.row", Tensor(w, 3, (3,), (1,))),
             ("model.b", Tensor(b, 0, (2,), (1,))), ("steps", Tensor(n, 0, (), ())),
             ("mask", Tensor(mask, 0, (1, 1, 2, 2), (4, 4, 2, 1)))]
    sd = collections.OrderedDict(items) if ordered else dict(items)
    if ordered:
        sd._metadata = collections.OrderedDict([("", {"version": 1})])
    return sd, [w, b, n, mask]


def zip_file(archive, sd, storages):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr(archive + "/data.pkl", dumps(sd))
        for s in storages:
            z.writestr(archive + "/data/" + s.key, s.data())
        z.writestr(archive + "/version", "3\n")
    return out.getvalue()


def legacy_file(sd, storages):
    out = dumps(0x1950A86A20F9469CFC6C) + dumps(1001)
    out += dumps({"protocol_version": 1001, "little_endian": True, "type_sizes": {"short": 2, "int": 4, "long": 4}})
    out += dumps(sd, legacy=True) + dumps([s.key for s in storages])
    for s in storages:
        out += struct.pack("<q", len(s.values)) + s.data()
    return out


def main():
    folder = pathlib.Path(__file__).resolve().parent / "corpus" / "pytorch_bin"
    folder.mkdir(parents=True, exist_ok=True)
    sd, storages = state_dict()
    osd, _ = state_dict(ordered=True)
    seeds = {
        "zip_dict.bin": zip_file("archive", sd, storages),
        "zip_ordered_dict.bin": zip_file("pytorch_model", osd, storages),
        "legacy.bin": legacy_file(sd, storages),
        "legacy_ordered_dict.bin": legacy_file(osd, storages),
        # A pickle calling os.system, as hostile-bin does (the reader must refuse it, never run it).
        "zip_hostile.bin": zip_file("archive", {"x": Hostile()}, []),
    }
    for name, data in seeds.items():
        (folder / name).write_bytes(data)


if __name__ == "__main__":
    main()
