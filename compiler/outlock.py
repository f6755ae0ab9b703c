"""One writer at a time: an exclusive OS advisory lock on an output folder or a checkout.

Two runs writing one `generated/` (a pre-commit hook and an editor task, two CI jobs in
one workspace) would interleave their renames and leave files whose bytes differ from
their manifest.  Every command that writes or compares the output folder (compile,
compile --check, publish) and every edit of a GitOps checkout first takes this lock.

The lock is `fcntl.flock` on a file beside the output folder
(`<parent>/.shipspec/locks/<name>.lock`), so the kernel releases it when the holder
dies, even by SIGKILL.  The file records who holds it (pid, command, since) so a
waiting run can name the holder, and whether the holder finished cleanly: when it did
not, the new holder removes the staging files the dead run left behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import socket
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from compiler.emit import recover_all
from compiler.errors import ExitCode, ShipspecError

DEFAULT_TIMEOUT = 60.0
TIMEOUT_VARIABLE = "SHIPSPEC_LOCK_TIMEOUT"
STAGING_SUFFIX = ".shipspec-tmp"

_held: dict[str, int] = {}
"""Lock files this process holds, with a depth count (the lock is re-entrant per process)."""


class LockedError(ShipspecError):
    """Another run holds the lock and did not release it within the timeout."""

    exit_code = ExitCode.INVALID


class LockUnavailableError(ShipspecError):
    """The lock file cannot be created (read-only or missing folder)."""

    exit_code = ExitCode.EXTERNAL


def output_lock_file(output: Path) -> Path:
    """Where the lock of an output folder lives: beside it, never inside the generated tree."""
    folder = output.resolve()
    return folder.parent / ".shipspec" / "locks" / f"{folder.name}.lock"


def checkout_lock_file(repo: Path) -> Path:
    """The lock of a Git checkout lives in its Git folder, so `git add -A` never sees it."""
    git = repo / ".git"
    if git.is_dir():
        return git / "shipspec.lock"
    digest = hashlib.sha256(str(repo.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"shipspec-{os.getuid()}-{digest}.lock"


def lock_timeout() -> float:
    """Seconds a run waits for the holder (env SHIPSPEC_LOCK_TIMEOUT, default 60)."""
    value = os.environ.get(TIMEOUT_VARIABLE, "")
    try:
        return max(0.0, float(value)) if value else DEFAULT_TIMEOUT
    except ValueError:
        return DEFAULT_TIMEOUT


@contextlib.contextmanager
def exclusive(
    lock_file: Path,
    command: str,
    *,
    timeout: float | None = None,
    after_crash: Callable[[], None] | None = None,
) -> Iterator[None]:
    """Hold `lock_file` exclusively; run `after_crash` first when the last holder died."""
    key = str(lock_file)
    if key in _held:
        _held[key] += 1
        try:
            yield
        finally:
            _held[key] -= 1
        return
    handle = _open(lock_file)
    try:
        _acquire(handle, lock_file, timeout if timeout is not None else lock_timeout())
        previous = _read(handle)
        _write(handle, {**_me(command), "clean": False})
        _held[key] = 1
        if after_crash is not None and not previous.get("clean", False):
            after_crash()
        yield
        _write(handle, {**_me(command), "clean": True})
    finally:
        _held.pop(key, None)
        os.close(handle)


@contextlib.contextmanager
def output_lock(
    output: Path, command: str, *, timeout: float | None = None, optional: bool = False
) -> Iterator[None]:
    """The lock of an output folder; a crashed holder's staging files are swept first.

    `optional` (a read-only check): when the lock file cannot be created, run unlocked.
    """
    if optional and not _creatable(output_lock_file(output)):
        yield
        return
    with exclusive(
        output_lock_file(output),
        command,
        timeout=timeout,
        after_crash=lambda: sweep_staging(output),
    ):
        yield


def _creatable(lock_file: Path) -> bool:
    try:
        lock_file.parent.mkdir(parents=True, exist_ok=True)
    except OSError:
        return False
    return os.access(lock_file.parent, os.W_OK)


def _open(lock_file: Path) -> int:
    try:
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        return os.open(lock_file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    except OSError as error:
        raise LockUnavailableError(
            f"cannot create the lock file {lock_file.as_posix()}: {error.strerror or error}",
            hint="the folder beside the output must be writable",
        ) from None


def _acquire(handle: int, lock_file: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise _locked(handle, lock_file, timeout) from None
            time.sleep(delay)
            delay = min(delay * 2, 0.25)


def _locked(handle: int, lock_file: Path, timeout: float) -> LockedError:
    holder = _read(handle)
    who = f"pid {holder.get('pid', '?')}"
    if holder.get("host") and holder.get("host") != socket.gethostname():
        who += f" on {holder['host']}"
    doing = f" (shipspec {holder['command']} since {holder.get('since', '?')})"
    return LockedError(
        f"{lock_file.as_posix()} is held by {who}{doing if holder.get('command') else ''}; "
        f"waited {timeout:g} s",
        hint=f"wait for that run to finish, or raise {TIMEOUT_VARIABLE}",
    )


def _me(command: str) -> dict[str, object]:
    since = datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")
    return {"pid": os.getpid(), "host": socket.gethostname(), "command": command, "since": since}


def _read(handle: int) -> dict[str, object]:
    try:
        data = os.pread(handle, 4096, 0)
        document = json.loads(data.decode("utf-8")) if data else {}
    except (OSError, ValueError):
        return {}
    return document if isinstance(document, dict) else {}


def _write(handle: int, document: dict[str, object]) -> None:
    data = (json.dumps(document, sort_keys=True) + "\n").encode()
    os.ftruncate(handle, 0)
    os.pwrite(handle, data, 0)


def sweep_staging(output: Path) -> list[Path]:
    """Remove `.<name>.<pid>.shipspec-tmp` files of dead runs and the folders they kept alive.

    Runs only under the lock after a holder died; an unfinished commit's journal is
    finished first by emit, so no staged file still needed is removed here.
    """
    if not output.is_dir():
        return []
    recover_all(output)
    removed = []
    for folder, _dirs, files in os.walk(output):
        for name in files:
            if _is_staging(name):
                path = Path(folder) / name
                path.unlink(missing_ok=True)
                removed.append(path)
    for path in removed:
        _remove_empty_parents(path.parent, output)
    return sorted(removed)


def _is_staging(name: str) -> bool:
    if not (name.startswith(".") and name.endswith(STAGING_SUFFIX)):
        return False
    pid = name[: -len(STAGING_SUFFIX)].rsplit(".", 1)[-1]
    return pid.isdigit() and int(pid) != os.getpid()


def _remove_empty_parents(folder: Path, output: Path) -> None:
    while folder != output and output in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
