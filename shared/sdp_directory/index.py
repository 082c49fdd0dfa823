"""The compact, serialisable search index over an SDP snapshot.

Built once at import time, stored as one versioned blob, loaded once per function instance.
Everything the search touches per query lives in flat numpy arrays (token postings, name
variants, birth dates, UPT ids); full records sit in small zlib-compressed blocks and are
decoded only for the few candidates returned. That keeps 300,000 records well under the
memory bar and makes loading little more than reading the bytes.

Blob layout (format version 2):
    b"SDPIDX" | uint16 format version | uint32 header length | header JSON | sections
The header names each section with its offset, length and dtype. Version 2 stores each record
as a JSON array in the order of `record_keys` (header) and compresses the blocks with a preset
zlib dictionary (section `zdict`) taken from the first records: a million records with their
remission history fit in about 70 MB instead of 95. Version 1 blobs (JSON objects, plain zlib)
are still read.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np

from shared.sdp_directory.names import normalise_name, sound_key
from shared.sdp_directory.records import SdpRecord

MAGIC = b"SDPIDX"
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
ZDICT_BYTES = 32 * 1024
RECORDS_PER_BLOCK = 64
NO_DATE = np.iinfo(np.int32).min
_EPOCH = date(1970, 1, 1).toordinal()


class IndexFormatError(Exception):
    """The blob is not an SDP index this code can read."""


def date_to_int(value: date | None) -> int:
    return NO_DATE if value is None else value.toordinal() - _EPOCH


def int_to_date(value: int) -> date | None:
    return None if value == NO_DATE else date.fromordinal(int(value) + _EPOCH)


def normalise_registration(value: str) -> str:
    return re.sub(r"[^0-9a-z]", "", value.lower())


def registration_key(value: str) -> int:
    """A stable 63-bit key for a registration number (blake2b; Python's hash() is salted)."""
    digest = hashlib.blake2b(normalise_registration(value).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little") >> 1


def normalise_upt(value: str) -> str:
    """'Lembaga Pemasyarakatan Kelas IIA Serang' and 'lapas serang' meet at 'lapas serang'."""
    text = value.lower()
    for long, short in (
        ("lembaga pemasyarakatan khusus anak", "lpka"),
        ("lembaga pembinaan khusus anak", "lpka"),
        ("lembaga pemasyarakatan", "lapas"),
        ("rumah tahanan negara", "rutan"),
        ("rumah tahanan", "rutan"),
        ("cabang rumah tahanan", "cabrutan"),
    ):
        text = text.replace(long, short)
    words = re.split(r"[^a-z0-9]+", text)
    skip = {"kelas", "klas", "kls", "i", "ii", "iii", "iia", "iib", "1", "2", "3", "2a", "2b", ""}
    return " ".join(w for w in words if w not in skip)


@dataclass
class SnapshotInfo:
    record_count: int
    built_at: str
    source_name: str | None
    format_version: int = FORMAT_VERSION


class SdpIndex:
    """Read-only arrays over one snapshot; see `build_index` and `load_index`."""

    def __init__(
        self,
        info: SnapshotInfo,
        arrays: dict[str, np.ndarray],
        vocab: list[str],
        upts: list[str],
        record_blob: memoryview,
        record_keys: list[str] | None = None,
        zdict: bytes | None = None,
    ):
        self.info = info
        self.vocab = vocab
        self.upts = upts
        self.upt_keys = [normalise_upt(u) for u in upts]
        self.record_var_off = arrays["record_var_off"]
        self.var_tok_off = arrays["var_tok_off"]
        self.var_patronym = arrays["var_patronym"]
        self.var_alias = arrays["var_alias"]
        self.tok_ids = arrays["tok_ids"]
        self.post_off = arrays["post_off"]
        self.post_rec = arrays["post_rec"]
        self.birth = arrays["birth"]
        self.upt_id = arrays["upt_id"]
        self.reg_keys = arrays["reg_keys"]
        self.reg_order = arrays["reg_order"]
        self.block_off = arrays["block_off"]
        self._record_blob = record_blob
        self._record_keys = record_keys
        self._zdict = zdict
        count = len(self.record_var_off) - 1
        # rare tokens tell people apart; "muhammad" or "siti" hardly do
        df = np.diff(self.post_off).astype(np.float32)
        self.idf = np.log((count + 1) / (df + 1)).astype(np.float32) + 1.0
        self.max_idf = float(math.log(count + 1) + 1.0)
        self.vocab_id = {token: i for i, token in enumerate(vocab)}
        self.initials = frozenset(i for i, token in enumerate(vocab) if len(token) == 1)
        self._sound_buckets: dict[str, list[int]] | None = None

    def sound_bucket(self, token: str) -> list[int]:
        """Vocabulary ids whose sound key equals the token's (built on first use)."""
        buckets = self._sound_buckets
        if buckets is None:
            buckets = {}
            for i, word in enumerate(self.vocab):
                buckets.setdefault(sound_key(word), []).append(i)
            self._sound_buckets = buckets
        return buckets.get(sound_key(token), [])

    def __len__(self) -> int:
        return len(self.record_var_off) - 1

    def postings(self, token_id: int) -> np.ndarray:
        return self.post_rec[self.post_off[token_id] : self.post_off[token_id + 1]]

    def variants(self, record: int) -> list[tuple[tuple[int, ...], int, bool]]:
        """(token ids, patronym start, is alias) for each name variant of the record."""
        out = []
        for v in range(self.record_var_off[record], self.record_var_off[record + 1]):
            ids = tuple(self.tok_ids[self.var_tok_off[v] : self.var_tok_off[v + 1]].tolist())
            out.append((ids, int(self.var_patronym[v]), bool(self.var_alias[v])))
        return out

    def record(self, position: int) -> SdpRecord:
        block, within = divmod(position, RECORDS_PER_BLOCK)
        start, end = int(self.block_off[block]), int(self.block_off[block + 1])
        # one JSON document per line: only the wanted line is parsed
        if self._zdict is None:
            rows = zlib.decompress(self._record_blob[start:end]).split(b"\n")
            return SdpRecord.from_dict(json.loads(rows[within]))
        inflate = zlib.decompressobj(zdict=self._zdict)
        rows = (inflate.decompress(self._record_blob[start:end]) + inflate.flush()).split(b"\n")
        return SdpRecord.from_dict(
            dict(zip(self._record_keys, json.loads(rows[within]), strict=True))
        )

    def find_registration(self, registration_number: str) -> list[int]:
        key = registration_key(registration_number)
        left = int(np.searchsorted(self.reg_keys, key, side="left"))
        right = int(np.searchsorted(self.reg_keys, key, side="right"))
        return [int(p) for p in self.reg_order[left:right]]


# --- build -----------------------------------------------------------------------------------


def build_index(records: Iterable[SdpRecord], source_name: str | None = None) -> SdpIndex:
    return load_index(serialise(records, source_name))


def serialise(records: Iterable[SdpRecord], source_name: str | None = None) -> bytes:
    """The versioned blob for these records (order kept: position = record id)."""
    vocab_id: dict[str, int] = {}
    upt_id: dict[str, int] = {}
    record_var_off = [0]
    var_tok_off = [0]
    var_patronym: list[int] = []
    var_alias: list[int] = []
    tok_ids: list[int] = []
    postings: list[set[int]] = []
    birth: list[int] = []
    upts: list[int] = []
    reg_keys: list[int] = []
    blocks: list[bytes] = []
    pending: list[list] = []
    record_keys: list[str] | None = None
    zdict: bytes | None = None
    count = 0
    for position, record in enumerate(records):
        count += 1
        name = normalise_name(record.name, tuple(record.aliases))
        for variant in name.variants:
            for token in variant.tokens:
                tid = vocab_id.setdefault(token, len(vocab_id))
                if tid == len(postings):
                    postings.append(set())
                postings[tid].add(position)
                tok_ids.append(tid)
            var_tok_off.append(len(tok_ids))
            var_patronym.append(min(variant.patronym_start, 255))
            var_alias.append(1 if variant.is_alias else 0)
        record_var_off.append(len(var_patronym))
        birth.append(date_to_int(record.birth_date))
        upts.append(upt_id.setdefault(record.upt, len(upt_id)))
        reg_keys.append(registration_key(record.registration_number))
        row = record.to_dict()
        if record_keys is None:
            record_keys = list(row)
        pending.append([row[k] for k in record_keys])
        if len(pending) == RECORDS_PER_BLOCK:
            if zdict is None:
                zdict = _lines(pending)[-ZDICT_BYTES:]
            blocks.append(_compress_block(pending, zdict))
            pending = []
    if pending:
        if zdict is None:
            zdict = _lines(pending)[-ZDICT_BYTES:]
        blocks.append(_compress_block(pending, zdict))
    normalise_name.cache_clear()  # a big import should not pin thousands of names

    post_off = np.zeros(len(postings) + 1, dtype=np.int64)
    post_off[1:] = np.cumsum([len(p) for p in postings])
    post_rec = np.fromiter(
        (r for p in postings for r in sorted(p)), dtype=np.int32, count=int(post_off[-1])
    )
    reg = np.array(reg_keys, dtype=np.int64)
    reg_order = np.argsort(reg, kind="stable").astype(np.int32)
    block_off = np.zeros(len(blocks) + 1, dtype=np.int64)
    block_off[1:] = np.cumsum([len(b) for b in blocks])

    arrays = {
        "record_var_off": np.array(record_var_off, dtype=np.int32),
        "var_tok_off": np.array(var_tok_off, dtype=np.int32),
        "var_patronym": np.array(var_patronym, dtype=np.uint8),
        "var_alias": np.array(var_alias, dtype=np.uint8),
        "tok_ids": np.array(tok_ids, dtype=np.int32),
        "post_off": post_off,
        "post_rec": post_rec,
        "birth": np.array(birth, dtype=np.int32),
        "upt_id": np.array(upts, dtype=np.int32),
        "reg_keys": reg[reg_order],
        "reg_order": reg_order,
        "block_off": block_off,
    }
    texts = {
        "vocab": "\n".join(vocab_id).encode(),
        "upts": "\n".join(upt_id).encode(),
        "records": b"".join(blocks),
        "zdict": zdict or b"",
    }
    info = {
        "format_version": FORMAT_VERSION,
        "record_count": count,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "source_name": source_name,
        "record_keys": record_keys or [],
        "sections": {},
    }
    body = bytearray()
    for name, array in arrays.items():
        _align(body)
        info["sections"][name] = {
            "offset": len(body),
            "length": len(array),
            "dtype": array.dtype.str,
        }
        body += array.tobytes()
    for name, data in texts.items():
        info["sections"][name] = {"offset": len(body), "length": len(data), "dtype": "bytes"}
        body += data
    header = json.dumps(info).encode()
    prefix = MAGIC + struct.pack("<HI", FORMAT_VERSION, len(header)) + header
    padding = (-len(prefix)) % 8  # so numpy views over the blob are aligned
    return prefix + b" " * padding + bytes(body)


def _lines(rows: list[list]) -> bytes:
    # json.dumps escapes newlines inside strings, so "\n" safely separates records
    return "\n".join(
        json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in rows
    ).encode()


def _compress_block(rows: list[list], zdict: bytes) -> bytes:
    deflate = zlib.compressobj(9, zdict=zdict)
    return deflate.compress(_lines(rows)) + deflate.flush()


def _align(body: bytearray) -> None:
    body += b"\0" * ((-len(body)) % 8)


# --- load ------------------------------------------------------------------------------------


def read_info(blob: bytes) -> dict:
    if blob[:6] != MAGIC:
        raise IndexFormatError("bukan indeks SDP (penanda berkas tidak cocok)")
    version, header_len = struct.unpack_from("<HI", blob, 6)
    if version not in READABLE_VERSIONS:
        raise IndexFormatError(f"versi indeks {version} tidak didukung (harus {FORMAT_VERSION})")
    return json.loads(blob[12 : 12 + header_len])


def load_index(blob: bytes) -> SdpIndex:
    """Views over the blob, no copies of the big arrays."""
    header = read_info(blob)
    header_len = struct.unpack_from("<HI", blob, 6)[1]
    start = 12 + header_len
    start += (-start) % 8
    view = memoryview(blob)
    arrays: dict[str, np.ndarray] = {}
    texts: dict[str, memoryview] = {}
    for name, section in header["sections"].items():
        offset = start + section["offset"]
        if section["dtype"] == "bytes":
            texts[name] = view[offset : offset + section["length"]]
        else:
            arrays[name] = np.frombuffer(
                blob, dtype=np.dtype(section["dtype"]), count=section["length"], offset=offset
            )
    vocab = bytes(texts["vocab"]).decode().split("\n") if len(texts["vocab"]) else []
    upts = bytes(texts["upts"]).decode().split("\n") if len(texts["upts"]) else []
    info = SnapshotInfo(
        record_count=header["record_count"],
        built_at=header["built_at"],
        source_name=header.get("source_name"),
        format_version=header["format_version"],
    )
    zdict = bytes(texts["zdict"]) if "zdict" in texts else None
    return SdpIndex(
        info, arrays, vocab, upts, texts["records"], header.get("record_keys"), zdict or None
    )
