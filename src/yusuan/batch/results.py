"""Results as they come, and as files.

The journal (`OUT.journal`, JSON lines beside `--out`) gets one line per document the moment it
is done, so an interrupted run (Ctrl-C, kill, a lost machine) loses only the documents in
flight; its first line records the settings, so a rerun with other settings is refused rather
than mixed. It is what a rerun reads to skip the documents done, by content hash. The file named
by `--out` is written from it, whole and atomically, at the end of a run (and when interrupted):
parquet, CSV or JSON, the latest record of each path, ordered by path."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

from yusuan import __version__
from yusuan.batch.inputs import readable
from yusuan.batch.records import (
    COLUMNS,
    DECIMALS,
    DOCUMENT_COLUMNS,
    FINDING_COLUMNS,
    FLOATS,
    INTEGERS,
    Record,
    summarise,
)
from yusuan.errors import YusuanError
from yusuan.spreadsheet import CsvWriter

FORMATS = ("parquet", "csv", "json")


def output_format(out: Path) -> str:
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise YusuanError("结果文件应以 .parquet、.csv 或 .json 结尾", file=str(out))
    if fmt == "parquet":
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise YusuanError("写 parquet 需要 pyarrow：pip install 'yusuan[parquet]'；或改用 .csv、.json",
                              file=str(out)) from None
    return fmt


def journal_path(out: Path) -> Path:
    return out.with_name(out.name + ".journal")


class Entry:
    """A document in the journal: its content hash, file size and time, status and findings by rule."""

    __slots__ = ("duplicate_of", "offset", "sha256", "stat", "summary")

    def __init__(self, offset: int, sha256: str | None, stat: list | None, summary, duplicate_of: str | None) -> None:
        self.offset, self.sha256, self.stat, self.summary = offset, sha256, stat, summary
        self.duplicate_of = duplicate_of


class Journal:
    """The results of a batch, one JSON line per document; `path=None` keeps them in memory only."""

    def __init__(self, path: Path | None, header: dict[str, Any], force: bool = False) -> None:
        self.path = path
        self.header = header
        self.latest: dict[str, Entry] = {}  # path → its latest record
        self.checked: dict[str, str] = {}  # content hash → the path it was checked as
        self._file = None
        if path is None:
            return
        try:
            if force or not path.exists() or path.stat().st_size == 0:
                self._file = path.open("wb")
                self._write(header)
            else:
                self._load()
                self._file = path.open("ab")
        except OSError as exc:
            raise YusuanError(f"无法写入续跑记录（{exc.strerror or exc}）", file=str(path)) from None

    def _load(self) -> None:
        assert self.path is not None
        with self.path.open("rb") as f:
            first = f.readline()
            try:
                header = json.loads(first)
            except ValueError:
                header = None
            if not isinstance(header, dict) or header.get("journal") != self.header["journal"]:
                raise YusuanError("不是 yusuan 的续跑记录；请换一个 --out，或加 --force 重新开始", file=str(self.path))
            if header.get("settings") != self.header["settings"] or header.get("job") != self.header["job"]:
                raise YusuanError("已有结果是用不同的核查设置得到的；加 --force 全部重新核查，或换一个 --out",
                                  file=str(self.path))
            good = f.tell()
            while (line := f.readline()).endswith(b"\n"):
                try:
                    entry = json.loads(line)
                    self._remember(good, entry, entry.get("stat"))
                except (ValueError, KeyError, TypeError):
                    break  # a line cut short when the run was killed: that document is redone
                good = f.tell()
        if good < self.path.stat().st_size:
            with self.path.open("r+b") as f:
                f.truncate(good)

    def _remember(self, offset: int, record: Record, stat: list | None) -> None:
        doc = record["document"]
        path = doc["path"]
        before = self.latest.get(path)
        if before is not None and self.checked.get(before.sha256) == path:
            del self.checked[before.sha256]  # that content is no longer checked under this path
        self.latest[path] = Entry(offset, doc["sha256"], stat, summarise(record), doc.get("duplicate_of"))
        if doc["sha256"] and doc["status"] != "duplicate":
            self.checked[doc["sha256"]] = path

    def _write(self, entry: dict) -> int:
        assert self._file is not None
        offset = self._file.tell()
        try:
            line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        except UnicodeEncodeError:  # a file name that is not UTF-8 (say GBK): kept exactly, escaped
            line = json.dumps(entry, separators=(",", ":")).encode("ascii")
        self._file.write(line + b"\n")  # a kill leaves at most this line cut short: the next run drops it
        self._file.flush()
        return offset

    def append(self, record: Record, stat: list | None) -> None:
        offset = self._write({**record, "stat": stat}) if self._file is not None else -1
        self._remember(offset, record, stat)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None

    def records(self) -> Iterator[Record]:
        """The latest record of each path, ordered by path (read back from the journal)."""
        if self.path is None:
            return
        with self.path.open("rb") as f:
            for path in sorted(self.latest):
                f.seek(self.latest[path].offset)
                yield json.loads(f.readline())


def write_output(out: Path, journal: Journal) -> None:
    fmt = output_format(out)
    tmp = out.with_name(out.name + ".tmp")
    try:
        {"csv": _write_csv, "json": _write_json, "parquet": _write_parquet}[fmt](tmp, journal)
        os.replace(tmp, out)
    except OSError as exc:
        raise YusuanError(f"无法写入结果文件（{exc.strerror or exc}）；结果都在续跑记录 {journal.path} 中，"
                          "再次运行即可重新写出", file=str(out)) from None


def _named(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("path", "duplicate_of"):
        if row.get(key):
            row[key] = readable(row[key])
    return row


def flat_rows(journal: Journal) -> Iterator[dict[str, Any]]:
    for record in journal.records():
        yield _named({"record": "document", **record["document"]})
        for finding in record["findings"]:
            yield _named({"record": "finding", **finding})


def _write_csv(path: Path, journal: Journal) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = CsvWriter(f)
        writer.writerow(COLUMNS)
        for row in flat_rows(journal):
            writer.writerow(["" if row.get(c) is None else row[c] for c in COLUMNS])


def _write_json(path: Path, journal: Journal) -> None:
    """{"yusuan", "settings", "documents": [...], "findings": [...]}: money as exact strings."""
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    with path.open("w", encoding="utf-8") as f:
        f.write(f'{{"yusuan": {dumps(__version__)}, "settings": {dumps(journal.header["settings"])},\n "documents": [')
        for n, record in enumerate(journal.records()):
            f.write(("," if n else "") + "\n  " + dumps(_named({c: record["document"].get(c) for c in DOCUMENT_COLUMNS})))
        f.write('\n ],\n "findings": [')
        n = 0
        for record in journal.records():
            for finding in record["findings"]:
                f.write(("," if n else "") + "\n  " + dumps(_named({c: finding.get(c) for c in FINDING_COLUMNS})))
                n += 1
        f.write("\n ]\n}\n")


def _decimal_types(journal: Journal) -> dict[str, Any]:
    """Each money column as one exact decimal type wide enough for all its values (else a string)."""
    import pyarrow as pa

    digits = dict.fromkeys(DECIMALS, 1)
    scale = dict.fromkeys(DECIMALS, 0)
    for record in journal.records():
        for finding in record["findings"]:
            for column in DECIMALS:
                if finding.get(column) is not None:
                    _sign, figures, exponent = Decimal(finding[column]).as_tuple()
                    scale[column] = max(scale[column], -exponent)
                    digits[column] = max(digits[column], len(figures) + exponent)
    out = {}
    for column in DECIMALS:
        precision = digits[column] + scale[column]
        out[column] = pa.decimal128(precision, scale[column]) if precision <= 38 else pa.string()
    return out


def _write_parquet(path: Path, journal: Journal) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    decimals = _decimal_types(journal)
    schema = pa.schema([
        (c, pa.int64() if c in INTEGERS else pa.float64() if c in FLOATS else decimals.get(c, pa.string()))
        for c in COLUMNS])

    def batch(rows: list[dict]) -> pa.RecordBatch:
        columns = []
        for field in schema:
            values = [row.get(field.name) for row in rows]
            if pa.types.is_decimal(field.type):
                values = [None if v is None else Decimal(v) for v in values]
            columns.append(pa.array(values, type=field.type))
        return pa.RecordBatch.from_arrays(columns, schema=schema)

    with pq.ParquetWriter(path, schema, compression="zstd") as writer:
        rows: list[dict] = []
        for row in flat_rows(journal):
            rows.append(row)
            if len(rows) == 50_000:
                writer.write_batch(batch(rows))
                rows = []
        writer.write_batch(batch(rows))
