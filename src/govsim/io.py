"""Writing results so that a finished run is never lost.

The public API, for the command line and for any runner that writes frames:

- :func:`check_writable` — call **before** a long run: refuses an output path that is a
  folder, lies under a regular file, has an unknown suffix or sits in a folder where no
  file can be created, with an :class:`OutputError` whose text is one line. It also
  removes temporary files left behind by a writer that was killed (see below).
- :func:`write_frame_atomic` — writes a DataFrame as CSV or Parquet through a temporary
  file in the same folder and renames it into place, so the path holds either the old
  file or the complete new one, never half a file. The file gets the permissions of an
  ordinary new file (``0o666`` less the umask: ``0644`` under the usual umask 022), and a
  provenance sidecar ``<path>.provenance.json`` is written next to it the same way.
- :func:`fallback_path` — where to keep results when the requested path cannot be
  written after the run: a new file in the current folder or, failing that, in the
  system's temporary folder.
- :func:`save_or_keep` — :func:`write_frame_atomic`, and on failure the same frame
  written to :func:`fallback_path`; returns what happened so the caller can report it
  in one line and exit with :data:`EXIT_NOT_SAVED`.

Temporary files are named ``.<name>.<pid>.<random>.tmp`` next to the target. A writer
killed with SIGKILL cannot remove its own; :func:`clean_stale_temporaries` removes those
whose process no longer runs (or that are older than a day), and both
:func:`check_writable` and :func:`write_frame_atomic` call it.

Provenance: CSV has no place for metadata, so it lives in the sidecar. A Parquet file
also carries it inside, in the file's metadata, where ``pandas.read_parquet(path)`` restores
it as ``df.attrs["provenance"]``. The sidecar is written for both formats.

This module imports pandas only inside the functions that need it.
"""

from __future__ import annotations

import datetime as _dt
import errno
import json
import os
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SUFFIXES = (".csv", ".parquet")
"""Output formats, by file suffix."""

EXIT_NOT_SAVED = 3
"""Exit code of ``govsim run`` when the run finished but the results could not be written to
``--out``. The results are then kept in a fallback file named in the message (if even that
fails, the message says so). Exit code 2 means bad input: nothing was run."""

SIDECAR_SUFFIX = ".provenance.json"
STALE_AFTER_SECONDS = 24 * 3600
_TMP_SUFFIX = ".tmp"


class OutputError(Exception):
    """An output path that cannot be written; the text is one line naming the path and why."""

    def __init__(self, path: str | Path, reason: str) -> None:
        self.path, self.reason = str(path), reason
        super().__init__(f"{path}: {reason}")


@dataclass(frozen=True)
class SaveResult:
    """What :func:`save_or_keep` did: ``written`` is the file that holds the results (or None)."""

    requested: Path
    written: Path | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def sidecar_path(path: str | Path) -> Path:
    """The provenance sidecar of an output file: ``results/run.csv`` -> ``results/run.csv.provenance.json``."""
    path = Path(path)
    return path.with_name(path.name + SIDECAR_SUFFIX)


def _reason(exc: OSError) -> str:
    if exc.errno in (errno.EACCES, errno.EPERM):
        return "permission denied"
    if exc.errno == errno.ENOSPC:
        return "no space left on the device"
    if exc.errno == errno.EROFS:
        return "the file system is read-only"
    if exc.errno == errno.EDQUOT:
        return "disk quota exceeded"
    if exc.errno == errno.ENOTDIR:
        return "a part of the path is a file, not a folder"
    if exc.errno == errno.EISDIR:
        return "is a folder, not a file"
    return exc.strerror or str(exc)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _temporary_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}{_TMP_SUFFIX}")


def clean_stale_temporaries(target: str | Path, max_age: float = STALE_AFTER_SECONDS) -> list[Path]:
    """Remove temporary files of ``target`` left by writers that no longer run (or older than ``max_age`` s).

    Returns the files removed. Temporaries of a writer that is still running are kept.
    """
    target = Path(target)
    removed = []
    try:
        candidates = list(target.parent.glob(f".{target.name}.*{_TMP_SUFFIX}"))
    except OSError:
        return removed
    now = time.time()
    for tmp in candidates:
        middle = tmp.name[len(target.name) + 2: -len(_TMP_SUFFIX)]  # "<pid>.<random>"
        pid_text = middle.split(".")[0]
        if not pid_text.isdigit():
            continue
        try:
            old = now - tmp.stat().st_mtime > max_age
        except OSError:
            continue
        if old or not _pid_alive(int(pid_text)):
            try:
                tmp.unlink()
                removed.append(tmp)
            except OSError:
                pass
    return removed


def check_writable(path: str | Path) -> Path:
    """Check before a run that ``path`` can take the results; create missing parent folders.

    Raises:
        OutputError: unknown suffix, an existing folder, a path under a regular file, or a
            folder where no file can be created (permissions, read-only or full file system).
    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    path = Path(path)
    if path.is_dir():
        raise OutputError(path, "is a folder; give a file name such as "
                          f"{path / ('results' + (path.suffix if path.suffix in SUFFIXES else '.csv'))}")
    if path.suffix not in SUFFIXES:
        raise OutputError(path, f"unknown file type {path.suffix or '(none)'!r}; allowed: {', '.join(SUFFIXES)}")
    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            raise OutputError(path, f"{parent} is a file, not a folder, so nothing can be written under it")
        if parent.exists():
            break
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(path, f"cannot create the folder {path.parent}: {_reason(exc)}") from None
    clean_stale_temporaries(path)
    probe = _temporary_name(path)
    try:
        fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            os.write(fd, b"govsim")
        finally:
            os.close(fd)
    except OSError as exc:
        raise OutputError(path, f"cannot write in {path.parent}: {_reason(exc)}") from None
    finally:
        try:
            probe.unlink()
        except OSError:
            pass
    if path.exists() and not os.access(path, os.W_OK):
        raise OutputError(path, "the existing file cannot be replaced: permission denied")
    return path


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_one(target: Path, write) -> Path:
    """Write through a temporary file created with mode 0o666 (so the umask applies); return it."""
    tmp = _temporary_name(target)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    os.close(fd)
    try:
        write(tmp)
        _fsync(tmp)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_frame_atomic(df, path: str | Path, provenance: dict[str, Any] | None = None) -> Path:
    """Write ``df`` to ``path`` (CSV or Parquet by suffix) atomically, with its provenance sidecar.

    ``provenance`` defaults to ``df.attrs.get("provenance")``; the sidecar holds it together
    with the data file's name, rows and columns. Raises :class:`OSError` if writing fails;
    the old file at ``path`` (if any) is then left as it was and no temporary file remains.
    """
    path = Path(path)
    if path.suffix not in SUFFIXES:
        raise OutputError(path, f"unknown file type {path.suffix or '(none)'!r}; allowed: {', '.join(SUFFIXES)}")
    prov = dict(provenance if provenance is not None else df.attrs.get("provenance") or {})
    clean_stale_temporaries(path)
    if path.suffix == ".csv":
        def write(tmp):
            df.to_csv(tmp, index=False)
    else:
        def write(tmp):
            # pandas keeps df.attrs in the Parquet file's metadata and restores them on reading.
            framed = df.copy(deep=False)
            framed.attrs = {**df.attrs, "provenance": prov}
            framed.to_parquet(tmp, index=False)

    side = sidecar_path(path)
    record = {"data": path.name, "format": path.suffix[1:], "rows": int(len(df)),
              "columns": [str(c) for c in df.columns], "provenance": prov}
    data_tmp = _write_one(path, write)
    try:
        side_tmp = _write_one(side, lambda tmp: tmp.write_text(json.dumps(record, indent=2, default=str) + "\n"))
    except BaseException:
        data_tmp.unlink(missing_ok=True)
        raise
    try:
        os.replace(data_tmp, path)
        os.replace(side_tmp, side)
    finally:
        data_tmp.unlink(missing_ok=True)
        side_tmp.unlink(missing_ok=True)
    return path


def fallback_path(path: str | Path, folders: tuple[Path, ...] | None = None) -> Path:
    """A new file name for results that could not go to ``path``, in the first folder that takes a file.

    Tries the current folder, then the system's temporary folder (or ``folders`` if given).
    The name keeps the stem and suffix and adds a UTC time stamp and the process id, e.g.
    ``npg.unsaved-20260101T120000Z-4242.csv``.
    """
    path = Path(path)
    suffix = path.suffix if path.suffix in SUFFIXES else ".csv"
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    name = f"{path.stem or 'results'}.unsaved-{stamp}-{os.getpid()}{suffix}"
    for folder in folders if folders is not None else (Path.cwd(), Path(tempfile.gettempdir())):
        if os.access(folder, os.W_OK | os.X_OK) and folder.resolve() != path.parent.resolve():
            return folder / name
    return Path(tempfile.gettempdir()) / name


def save_or_keep(df, path: str | Path, provenance: dict[str, Any] | None = None,
                 folders: tuple[Path, ...] | None = None) -> SaveResult:
    """Write ``df`` to ``path``; if that fails, keep it in a :func:`fallback_path` file instead.

    Never raises for an :class:`OSError`: the result says which file holds the results
    (``written``, None if even the fallback failed) and why ``path`` could not be written.
    """
    path = Path(path)
    try:
        write_frame_atomic(df, path, provenance)
        return SaveResult(path, path)
    except (OSError, OutputError) as exc:
        why = _reason(exc) if isinstance(exc, OSError) else exc.reason
    candidates = [fallback_path(path, folders)]
    if folders is None:
        candidates.append(fallback_path(path, (Path(tempfile.gettempdir()),)))
    for spare in dict.fromkeys(candidates):
        try:
            write_frame_atomic(df, spare, provenance)
            return SaveResult(path, spare, why)
        except (OSError, OutputError):
            continue
    return SaveResult(path, None, why)
