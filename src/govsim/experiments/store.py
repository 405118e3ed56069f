"""The results folder: Parquet chunks, a manifest, resume, and ``load_results``.

Layout of a results folder ``DIR``::

    DIR/manifest.json            what made the results (versions, experiment, seeds, design)
    DIR/runs/part-000001.parquet one row per run (design point, seed, status, summaries)
    DIR/series/part-000001.parquet one row per run and step (same part number)

Every file is written to a temporary name in the same folder, flushed to disk (fsync)
and renamed, so a reader never sees a half-written chunk; names starting with ``.`` are
temporaries and are never read. A chunk's series part is written before its runs part
and the runs part is what commits the chunk: a series part without its runs part (the
process was killed between the two) is removed on resume and ignored by
:func:`load_results`. One sweep at a time may write to a folder (an advisory lock).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from govsim.experiments.schema import ExperimentError

MANIFEST = "manifest.json"
FORMAT = 1
_PART = re.compile(r"^part-(\d{6})\.parquet$")


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, write) -> None:
    """Call ``write(tmp_path)``, fsync it and rename it to ``path``."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    _fsync_dir(path.parent)


def _parts(folder: Path) -> dict[int, Path]:
    if not folder.is_dir():
        return {}
    return {int(m.group(1)): folder / name for name in os.listdir(folder) if (m := _PART.match(name))}


def read_manifest(folder: str | Path) -> dict | None:
    path = Path(folder) / MANIFEST
    if not path.is_file():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


class Store:
    """A results folder opened for writing by one sweep."""

    def __init__(self, folder: Path, runs_schema, series_schema) -> None:
        self.folder = folder
        self.runs_dir, self.series_dir = folder / "runs", folder / "series"
        self.runs_schema, self.series_schema = runs_schema, series_schema
        self._lock = None
        self.next_part = 1

    # ---------------------------------------------------------------- opening
    def open(self, manifest: dict, source: str) -> tuple[dict, set[int], int]:
        """Create or reopen the folder; returns (manifest, finished run ids, failed among them).

        Refuses a folder made by a different experiment or different settings.
        """
        folder = self.folder
        if folder.exists() and not folder.is_dir():
            raise ExperimentError(str(folder), None, "exists and is not a folder; choose another --out")
        old = read_manifest(folder) if folder.is_dir() else None
        if old is None and folder.is_dir() and any(p for p in folder.iterdir() if not p.name.startswith(".")):
            raise ExperimentError(str(folder), None, "is not empty and holds no manifest.json of a sweep; "
                                  "choose another --out")
        folder.mkdir(parents=True, exist_ok=True)
        self._take_lock()
        if old is not None:
            _check_same(old, manifest, folder)
            manifest = {**manifest, "created": old.get("created", manifest["created"])}
            if old["settings"]["replications"] > manifest["settings"]["replications"]:
                manifest["settings"]["replications"] = old["settings"]["replications"]
                manifest["replication_seeds"] = old["replication_seeds"]
        self.runs_dir.mkdir(exist_ok=True)
        self.series_dir.mkdir(exist_ok=True)
        self._clean()
        done, failed = self.finished()
        runs, series = _parts(self.runs_dir), _parts(self.series_dir)
        self.next_part = max([*runs, *series, 0]) + 1
        self.write_manifest(manifest)
        return manifest, done, failed

    def _take_lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            return
        fh = open(self.folder / ".lock", "w")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            raise ExperimentError(str(self.folder), None, "another sweep is writing to this folder") from None
        self._lock = fh

    def close(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def _clean(self) -> None:
        """Remove temporaries of killed writers and series parts whose runs part never came."""
        for sub in (self.runs_dir, self.series_dir, self.folder):
            for name in os.listdir(sub):
                if name.startswith(".") and ".tmp-" in name:
                    (sub / name).unlink(missing_ok=True)
        runs = _parts(self.runs_dir)
        for n, path in _parts(self.series_dir).items():
            if n not in runs:
                path.unlink(missing_ok=True)

    def finished(self) -> tuple[set[int], int]:
        import pyarrow.parquet as pq

        done: set[int] = set()
        failed = 0
        for path in _parts(self.runs_dir).values():
            t = pq.read_table(path, columns=["run_id", "status"])
            ids = t.column("run_id").to_pylist()
            done.update(ids)
            failed += sum(s != "ok" for s in t.column("status").to_pylist())
        return done, failed

    # ---------------------------------------------------------------- writing
    def write_manifest(self, manifest: dict) -> None:
        text = json.dumps(manifest, indent=2, sort_keys=False, default=str) + "\n"
        write_atomic(self.folder / MANIFEST, lambda p: Path(p).write_text(text, encoding="utf-8"))

    def write_chunk(self, runs_rows: list[dict], series_frames: list) -> None:
        """Write one chunk: its series part first, then its runs part (which commits it)."""
        import pandas as pd
        import pyarrow as pa
        import pyarrow.parquet as pq

        n = self.next_part
        self.next_part += 1
        name = f"part-{n:06d}.parquet"
        frames = [f for f in series_frames if f is not None and len(f)]
        if frames:
            df = pd.concat(frames, ignore_index=True)
            table = pa.Table.from_pandas(df, schema=self.series_schema, preserve_index=False)
            write_atomic(self.series_dir / name, lambda p: pq.write_table(table, p))
        runs = pa.Table.from_pylist(runs_rows, schema=self.runs_schema)
        write_atomic(self.runs_dir / name, lambda p: pq.write_table(runs, p))


def _check_same(old: dict, new: dict, folder: Path) -> None:
    if old.get("format") != FORMAT:
        raise ExperimentError(str(folder), None, f"was written by another results format ({old.get('format')}); "
                              "choose another --out")
    o, n = old["experiment"], new["experiment"]
    if o["sha256"] != n["sha256"]:
        raise ExperimentError(str(folder), None, f"holds results of a different experiment ({o['path']}, sha256 "
                              f"{o['sha256'][:12]}) than {n['path']} (sha256 {n['sha256'][:12]}); choose another "
                              "--out or remove the folder")
    for key in ("steps", "seed", "window"):
        if old["settings"][key] != new["settings"][key]:
            raise ExperimentError(str(folder), None, f"was made with {key} = {old['settings'][key]}, not "
                                  f"{new['settings'][key]}; use the same value to resume, or another --out")
    if old["base_scenario_hash"] != new["base_scenario_hash"]:
        raise ExperimentError(str(folder), None, "was made from a different base scenario (its file changed); "
                              "choose another --out or remove the folder")


# --------------------------------------------------------------------------- reading

@dataclass(frozen=True)
class Results:
    """A sweep's results: ``runs`` (one row per run), ``series`` (one row per run and step), ``manifest``."""

    runs: Any
    series: Any
    manifest: dict

    def ok(self):
        """The runs that finished without error."""
        return self.runs[self.runs["status"] == "ok"]


def _read_parts(paths: list[Path], columns=None):
    import pyarrow as pa
    import pyarrow.parquet as pq

    tables = [pq.read_table(p, columns=columns) for p in paths]
    if not tables:
        return None
    return pa.concat_tables(tables).to_pandas()


def load_results(folder: str | Path, *, series: bool = True, series_columns: list[str] | None = None) -> Results:
    """Read a results folder written by ``govsim sweep`` / ``govsim compare``.

    Args:
        folder: the results folder (``--out``).
        series: also read the per-step series (set False to read only the runs table).
        series_columns: read only these series columns (``run_id`` and ``step`` are always read).

    Returns:
        :class:`Results` with ``runs`` sorted by ``run_id`` and ``series`` sorted by
        ``run_id, step`` (identical whatever the number of workers or the order runs
        finished in) and the ``manifest`` as a dict. docs/results.md documents every column.
    """
    import pandas as pd

    folder = Path(folder)
    manifest = read_manifest(folder)
    if manifest is None:
        raise ExperimentError(str(folder), None, "no manifest.json: not a results folder of govsim sweep")
    runs_parts = _parts(folder / "runs")
    runs = _read_parts([runs_parts[k] for k in sorted(runs_parts)])
    if runs is None:
        runs = pd.DataFrame(columns=manifest["runs_columns"])
    runs = runs.sort_values("run_id", kind="stable").reset_index(drop=True)
    ser = None
    if series:
        cols = None if series_columns is None else list(dict.fromkeys(["run_id", "step", *series_columns]))
        series_parts = _parts(folder / "series")
        ser = _read_parts([series_parts[k] for k in sorted(series_parts) if k in runs_parts], cols)
        if ser is None:
            ser = pd.DataFrame(columns=cols or manifest["series_columns"])
        ser = ser.sort_values(["run_id", "step"], kind="stable").reset_index(drop=True)
    return Results(runs, ser, manifest)
