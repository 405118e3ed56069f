"""Results are never lost: output checked before the run, atomic writes, fallback file, stale temporaries.

The tests run as root, who may write anywhere, so permission and full-disk failures are
simulated by making the system calls fail with the errno a real failure gives.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from govsim import cli, io
from govsim.io import OutputError, check_writable, clean_stale_temporaries, save_or_keep, sidecar_path

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
TINY = ["--steps", "3", "--quiet", "--set", "population.citizens=60", "--set", "population.employees=10"]


def frame(n: int = 4) -> pd.DataFrame:
    df = pd.DataFrame({"step": range(1, n + 1), "efficiency": [0.5] * n})
    df.attrs["provenance"] = {"seed": 7, "scenario_hash": "abc"}
    return df


def leftovers(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if p.name.startswith(".")]


# ----------------------------------------------------------------------------- checked before the run

def test_existing_folder_is_refused(tmp_path):
    with pytest.raises(OutputError, match="is a folder"):
        check_writable(tmp_path)
    (tmp_path / "looks.csv").mkdir()
    with pytest.raises(OutputError, match="is a folder"):
        check_writable(tmp_path / "looks.csv")


def test_path_under_a_regular_file_is_refused(tmp_path):
    (tmp_path / "plain").write_text("x")
    with pytest.raises(OutputError, match="is a file, not a folder"):
        check_writable(tmp_path / "plain" / "deeper" / "out.csv")


def test_missing_folders_are_created_and_nothing_is_left(tmp_path):
    out = check_writable(tmp_path / "a" / "b" / "out.parquet")
    assert out.parent.is_dir() and not out.exists() and leftovers(out.parent) == []


@pytest.mark.parametrize("code, words", [(errno.EACCES, "permission denied"), (errno.EROFS, "read-only"),
                                         (errno.ENOSPC, "no space left")])
def test_folder_that_takes_no_file_is_refused(tmp_path, monkeypatch, code, words):
    real_open = os.open

    def failing_open(path, flags, *args, **kw):
        if str(path).startswith(str(tmp_path)) and flags & os.O_CREAT:
            raise OSError(code, os.strerror(code), str(path))
        return real_open(path, flags, *args, **kw)

    monkeypatch.setattr(io.os, "open", failing_open)
    with pytest.raises(OutputError, match=words):
        check_writable(tmp_path / "out.csv")


def test_cli_refuses_a_bad_out_before_running(tmp_path, capsys):
    (tmp_path / "plain").write_text("x")
    for out in (tmp_path, tmp_path / "plain" / "x.csv"):
        rc = cli.main(["run", str(ROOT / "scenarios/opa.toml"), *TINY, "--out", str(out)])
        captured = capsys.readouterr()
        assert rc == 2
        assert captured.err.startswith("error: --out ") and captured.err.count("\n") == 1
        assert "efficiency" not in captured.out  # nothing was run


def test_cli_refuses_an_unwritable_folder_before_running(tmp_path, monkeypatch, capsys):
    real_open = os.open

    def no_permission(path, flags, *args, **kw):
        if str(path).startswith(str(tmp_path)) and flags & os.O_CREAT:
            raise PermissionError(errno.EACCES, "Permission denied", str(path))
        return real_open(path, flags, *args, **kw)

    monkeypatch.setattr(io.os, "open", no_permission)
    rc = cli.main(["run", str(ROOT / "scenarios/opa.toml"), *TINY, "--out", str(tmp_path / "x.csv")])
    captured = capsys.readouterr()
    assert rc == 2 and "permission denied" in captured.err and "efficiency" not in captured.out


# ----------------------------------------------------------------------------- written atomically

@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_write_round_trip_with_sidecar(tmp_path, suffix):
    out = tmp_path / f"r{suffix}"
    io.write_frame_atomic(frame(), out)
    back = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    pd.testing.assert_frame_equal(back, frame(), check_dtype=False)
    side = json.loads(sidecar_path(out).read_text())
    assert side["data"] == out.name and side["rows"] == 4 and side["provenance"]["seed"] == 7
    if suffix == ".parquet":
        assert back.attrs["provenance"]["scenario_hash"] == "abc"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("umask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_output_permissions_follow_the_umask(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        out = io.write_frame_atomic(frame(), tmp_path / "p.csv")
    finally:
        os.umask(old)
    assert out.stat().st_mode & 0o777 == mode
    assert sidecar_path(out).stat().st_mode & 0o777 == mode


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch):
    out = tmp_path / "keep.csv"
    out.write_text("old\n")

    def full(src, dst):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(io.os, "replace", full)
    with pytest.raises(OSError):
        io.write_frame_atomic(frame(), out)
    assert out.read_text() == "old\n" and leftovers(tmp_path) == []


# ----------------------------------------------------------------------------- kept when writing fails

def test_save_or_keep_falls_back(tmp_path, monkeypatch):
    target, spare = tmp_path / "target", tmp_path / "spare"
    target.mkdir()
    spare.mkdir()
    real_replace = os.replace

    def refuse_target(src, dst):
        if Path(dst).parent == target:
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_replace(src, dst)

    monkeypatch.setattr(io.os, "replace", refuse_target)
    res = save_or_keep(frame(), target / "x.csv", folders=(spare,))
    assert not res.ok and res.error == "permission denied"
    assert res.written is not None and res.written.parent == spare and res.written.suffix == ".csv"
    pd.testing.assert_frame_equal(pd.read_csv(res.written), frame(), check_dtype=False)
    assert sidecar_path(res.written).exists()
    assert leftovers(target) == []


def test_cli_keeps_the_results_when_the_disk_is_full(tmp_path, monkeypatch, capsys):
    outdir, cwd = tmp_path / "out", tmp_path / "here"
    outdir.mkdir()
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    real_replace = os.replace

    def full(src, dst):
        if Path(dst).parent == outdir:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(io.os, "replace", full)
    rc = cli.main(["run", str(ROOT / "scenarios/opa.toml"), *TINY, "--out", str(outdir / "res.csv")])
    captured = capsys.readouterr()
    assert rc == io.EXIT_NOT_SAVED == 3
    assert "efficiency" in captured.out  # the run finished and was summarised
    line = captured.err.strip()
    assert "\n" not in line and "no space left" in line and "kept in" in line
    kept = Path(line.rsplit("kept in ", 1)[1])
    assert kept.parent == cwd and kept.exists()
    df = pd.read_csv(kept)
    assert len(df) == 3 and {"efficiency", "democracy", "innovation"} <= set(df.columns)
    assert not (outdir / "res.csv").exists() and leftovers(outdir) == []


def test_cli_says_so_when_nothing_can_be_kept(tmp_path, monkeypatch, capsys):
    def nowhere(src, dst):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(io.os, "replace", nowhere)
    rc = cli.main(["run", str(ROOT / "scenarios/opa.toml"), *TINY, "--out", str(tmp_path / "res.csv")])
    err = capsys.readouterr().err
    assert rc == 3 and "read-only" in err and "nor a fallback file" in err and err.count("\n") == 1


# ----------------------------------------------------------------------------- leftovers of a killed writer

KILLED_WRITER = """
import sys, time
from pathlib import Path
import pandas as pd
from govsim import io
df = pd.DataFrame({"a": range(10)})
def slow(tmp):
    Path(tmp).write_text("half")
    print("writing", flush=True)
    time.sleep(60)
io._write_one(Path(sys.argv[1]), slow)
"""


def test_sigkill_leftovers_are_cleaned(tmp_path):
    out = tmp_path / "res.csv"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    proc = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, str(out)], stdout=subprocess.PIPE, text=True,
                            env=env)
    try:
        assert proc.stdout.readline().strip() == "writing"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    stale = leftovers(tmp_path)
    assert len(stale) == 1 and stale[0].name.startswith(".res.csv.")
    # A temporary of a writer that is still running (this process) is kept.
    live = io._temporary_name(out)
    live.write_text("busy")
    assert clean_stale_temporaries(out) == stale
    assert leftovers(tmp_path) == [live]
    live.unlink()
    # The next run cleans them on its own, too.
    stale[0].write_text("half")
    os.utime(stale[0], (time.time() - 2 * io.STALE_AFTER_SECONDS,) * 2)
    io.write_frame_atomic(frame(), out)
    assert leftovers(tmp_path) == []
