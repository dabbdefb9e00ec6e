"""Where built indexes live, and how every cache file is written: content-hash keys, atomic writes, locks."""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from filelock import FileLock, Timeout

logger = logging.getLogger(__name__)

CACHE_ENV = "CDV_CACHE_DIR"
LOCK_TIMEOUT_SECONDS = 900  # longer than any build here (about 100 s for e5 on 2 cores)
STAGING = ".staging-"
_CHECKOUT = Path(__file__).resolve().parents[1]


def default_cache_dir() -> Path:
    """Where built indexes live: `$CDV_CACHE_DIR`; else `.cdv/` in a source checkout; else the user's
    cache folder (`$XDG_CACHE_HOME/cdv`, `~/.cache/cdv`), never inside an installed package."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured).expanduser()
    if (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "corpus").is_dir():
        return _CHECKOUT / ".cdv"
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base).expanduser() / "cdv"


def check_private(folder: Path) -> None:
    """Refuse a cache or data folder that other local users can write to: whatever they plant there would
    be read by the service. A missing folder is fine (it is created with the user's umask).

    Raises:
        PermissionError: the folder, or the one above it that holds it, is writable by group or others
            (without the sticky bit); the message names the fix.
    """
    for path in (folder, folder.parent):
        try:
            mode = path.stat().st_mode
        except OSError:
            continue
        if mode & (stat.S_IWGRP | stat.S_IWOTH) and not mode & stat.S_ISVTX:
            raise PermissionError(
                f"{path} est modifiable par d'autres utilisateurs : un fichier qu'ils y déposeraient serait lu"
                f" par l'assistant. Corrigez avec « chmod go-w {path} », ou choisissez un dossier à vous avec"
                " CDV_CACHE_DIR."
            )
        if path == folder and path.exists():
            return  # an existing folder that is private is enough: its parent cannot swap its contents


def content_key(*parts: str | bytes, files: Iterable[Path] = (), libraries: Iterable[str] = ()) -> str:
    """A short key for a cache entry: the hash of its inputs, the files it depends on (code, resources)
    and the versions of the libraries that shape it."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part if isinstance(part, bytes) else part.encode())
        digest.update(b"\x1e")
    for file in files:
        digest.update(file.read_bytes())
    for library in libraries:
        digest.update(f"{library}={library_version(library)}".encode())
    return digest.hexdigest()[:16]


def library_version(library: str) -> str:
    """The installed version of `library`, or "absent"."""
    try:
        return version(library)
    except PackageNotFoundError:
        return "absent"


def slug(name: str) -> str:
    """A file-name-safe form of a model name or path."""
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name).strip("_")[:80] or "embedder"


@contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """One process at a time builds what goes in `folder` (a lock file beside it)."""
    try:
        folder.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(folder.parent / f"{folder.name}.lock"), timeout=LOCK_TIMEOUT_SECONDS)
        lock.acquire()
    except (OSError, Timeout) as exc:
        # a read-only cache or a stuck lock: build anyway, in memory at worst, rather than not answer
        logger.warning("Construction sans le verrou du cache (%s)", exc)
        yield
        return
    try:
        yield
    finally:
        lock.release()


def write_atomically(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step: a temporary file beside it, synced, renamed, and the folder
    synced (a power cut leaves the old file or the new one, never an empty one)."""
    handle, staging = tempfile.mkstemp(prefix=STAGING, dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(staging, path)
        folder = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(folder)
        finally:
            os.close(folder)
    finally:
        if os.path.exists(staging):
            os.unlink(staging)


VERIFIED = b"cdv-verified-1\n"  # starts a file written by write_verified, followed by the SHA-256 of the rest


def write_verified(path: Path, data: bytes) -> None:
    """`write_atomically`, with the content's SHA-256 in front of it, for `read_verified` to check."""
    write_atomically(path, VERIFIED + hashlib.sha256(data).digest() + data)


def read_verified(path: Path) -> bytes:
    """The content of a file written by `write_verified`, once its hash is checked.

    Raises:
        OSError: the file cannot be read.
        ValueError: not such a file, or its content does not match its hash (damaged, cut, or edited).
    """
    raw = path.read_bytes()
    head = len(VERIFIED) + 32
    if not raw.startswith(VERIFIED) or len(raw) < head:
        raise ValueError("fichier de cache d'un autre format, vide ou coupé")
    data = raw[head:]
    if hashlib.sha256(data).digest() != raw[len(VERIFIED) : head]:
        raise ValueError("contenu différent de son empreinte SHA-256 (fichier endommagé ou modifié)")
    return data


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fsync(path: Path) -> None:
    """Flush a written file to disk before it is renamed into place."""
    with path.open("rb+") as stream:
        os.fsync(stream.fileno())


def remove_leftovers(folder: Path) -> None:
    """Staging files of a process killed while saving (only old ones: another process may be writing)."""
    for leftover in folder.glob(f"{STAGING}*"):
        try:
            if time.time() - leftover.stat().st_mtime > LOCK_TIMEOUT_SECONDS:
                leftover.unlink()
        except OSError:
            pass  # gone already, or not ours to remove: harmless either way
