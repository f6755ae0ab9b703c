"""Git through gitpython: a cached bare clone per target repository, and plumbing.

Commits are built without a working tree: blobs go straight into the object
database, trees are made in a throw-away index (``GIT_INDEX_FILE``), commits with
``commit-tree``.  Nothing depends on checkout state, line-ending settings or hooks,
and a run interrupted anywhere leaves only unreferenced objects behind.

Pushes always carry ``--force-with-lease`` with the head we saw, so a branch that
moved after we fetched it (someone pushed) is never overwritten.
"""

from __future__ import annotations

import logging
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import git
from git.exc import GitCommandError

from compiler.errors import ExternalError
from compiler.publish.errors import AuthError, PublishRefused, TransientError
from compiler.publish.retry import RetryPolicy
from compiler.publish.secrets import redact

log = logging.getLogger("shipspec.publish")
FILE_MODE = "100644"
ZERO = "0" * 40
BASE_ENV = {"GIT_TERMINAL_PROMPT": "0", "GCM_INTERACTIVE": "never", "GIT_ASKPASS": "echo"}

_AUTH = re.compile(
    r"Authentication failed|returned error: 40[13]|could not read (Username|Password)|"
    r"terminal prompts disabled|TF401027|TF400813|not authorized",
    re.IGNORECASE,
)
_TRANSIENT = re.compile(
    r"Could not resolve host|Connection (refused|reset|timed out)|Operation timed out|"
    r"returned error: (5\d\d|429)|RPC failed|early EOF|remote end hung up|"
    r"Failed to connect|SSL_ERROR|gnutls_handshake|unexpected disconnect",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Identity:
    name: str
    email: str

    @classmethod
    def parse(cls, text: str) -> Identity:
        """``Name <email>``.

        >>> Identity.parse("shipspec-bot <bot@example.invalid>")
        Identity(name='shipspec-bot', email='bot@example.invalid')
        """
        match = re.fullmatch(r"\s*([^<>]+?)\s*<([^<>\s]+@[^<>\s]+)>\s*", text)
        if match is None:
            raise ValueError(f"{text!r} is not `Name <email>`")
        return cls(match.group(1), match.group(2))

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    committer_email: str
    author: str
    subject: str
    trailers: Mapping[str, tuple[str, ...]]


@dataclass(frozen=True)
class TreeEntry:
    mode: str
    sha: str


class Workspace:
    """A bare clone of one remote in the cache, reused across runs."""

    def __init__(
        self, path: Path, url: str, env: Mapping[str, str], retry: RetryPolicy, what: str
    ) -> None:
        self.path = path
        self.url = url
        self.what = what
        self._env = {**BASE_ENV, **env}
        self._retry = retry
        self.repo = self._open()

    # --- setup and transport -----------------------------------------------------------------

    def _open(self) -> git.Repo:
        try:
            if (self.path / "HEAD").is_file():
                repo = git.Repo(self.path)
            else:
                self.path.mkdir(parents=True, exist_ok=True)
                repo = git.Repo.init(self.path, bare=True)
            with repo.config_writer() as config:
                config.set_value('remote "origin"', "url", self.url)
                config.set_value('remote "origin"', "fetch", "+refs/heads/*:refs/remotes/origin/*")
                config.set_value("gc", "auto", "0")
            return repo
        except (OSError, git.GitError) as error:
            raise ExternalError(
                f"cannot use the repository cache {self.path.as_posix()}: {redact(str(error))}",
                hint="delete that folder; publish clones it again",
            ) from None

    def fetch(self) -> None:
        """Bring every branch of the remote into ``refs/remotes/origin/*`` (pruning gone ones)."""
        self._retry.run(
            f"fetch {self.what}", lambda: self._git("fetch", "--prune", "--quiet", "origin")
        )

    def fetch_ref(self, ref: str) -> None:
        """Bring one more ref (e.g. a tag) and its history into the cache."""
        self._retry.run(
            f"fetch {ref} of {self.what}",
            lambda: self._git("fetch", "--quiet", "--no-tags", "origin", f"+{ref}:{ref}"),
        )

    def push(self, sha: str, branch: str, expected: str | None) -> None:
        """Set the remote branch to ``sha`` if, and only if, it still is ``expected``."""
        ref = f"refs/heads/{branch}"
        lease = f"--force-with-lease={ref}:{expected or ''}"
        self._retry.run(f"push {self.what}", lambda: self._push(sha, ref, lease, branch))

    def _push(self, sha: str, ref: str, lease: str, branch: str) -> None:
        self._git("push", "--porcelain", "--quiet", lease, "origin", f"{sha}:{ref}")
        self._git("update-ref", f"refs/remotes/origin/{branch}", sha)

    # --- reading -------------------------------------------------------------------------------

    def remote_head(self, branch: str) -> str | None:
        try:
            return self._git(
                "rev-parse", "--verify", "--quiet", f"refs/remotes/origin/{branch}^{{commit}}"
            )
        except ExternalError:
            return None

    def tree(self, commit: str | None) -> dict[str, TreeEntry]:
        """Every file of the commit's tree (an empty mapping for no commit)."""
        if commit is None:
            return {}
        listing = self._git("ls-tree", "-r", "-z", "--full-tree", commit, strip=False)
        entries: dict[str, TreeEntry] = {}
        for item in filter(None, listing.split("\0")):
            meta, path = item.split("\t", 1)
            mode, kind, sha = meta.split()
            if kind == "blob":
                entries[path] = TreeEntry(mode, sha)
        return entries

    def tree_sha(self, commit: str | None) -> str | None:
        return None if commit is None else self._git("rev-parse", f"{commit}^{{tree}}")

    def read(self, blob: str) -> bytes:
        return self.repo.odb.stream(bytes.fromhex(blob)).read()

    def is_ancestor(self, older: str, newer: str) -> bool:
        try:
            self._git("merge-base", "--is-ancestor", older, newer)
            return True
        except ExternalError:
            return False

    def commits(self, head: str, exclude: str | None) -> list[CommitInfo]:
        """Commits reachable from ``head`` but not from ``exclude``, newest first."""
        revs = [head] if exclude is None else [head, f"^{exclude}"]
        listing = self._git("rev-list", *revs)
        return [self.commit_info(sha) for sha in listing.split()]

    def commit_info(self, sha: str) -> CommitInfo:
        commit = self.repo.commit(sha)
        trailers: dict[str, list[str]] = {}
        for key, value in commit.trailers_list:
            trailers.setdefault(key, []).append(value)
        return CommitInfo(
            sha=commit.hexsha,
            committer_email=commit.committer.email or "",
            author=f"{commit.author.name} <{commit.author.email}>",
            subject=commit.summary if isinstance(commit.summary, str) else commit.summary.decode(),
            trailers={key: tuple(values) for key, values in trailers.items()},
        )

    # --- writing objects -----------------------------------------------------------------------

    def write_blob(self, data: bytes) -> str:
        return self._git("hash-object", "-w", "--stdin", stdin=data)

    def build_tree(
        self,
        base: str | None,
        writes: Mapping[str, str],
        deletes: Sequence[str],
        modes: Mapping[str, str],
    ) -> str:
        """The tree of ``base`` with ``writes`` (path -> blob sha) set and ``deletes`` removed."""
        with tempfile.TemporaryDirectory(prefix="shipspec-index-") as folder:
            env = {"GIT_INDEX_FILE": str(Path(folder) / "index")}
            if base is None:
                self._git("read-tree", "--empty", env=env)
            else:
                self._git("read-tree", base, env=env)
            lines = [f"0 {ZERO}\t{path}" for path in deletes]
            lines += [f"{modes.get(path, FILE_MODE)} {sha}\t{path}" for path, sha in writes.items()]
            if lines:
                self._git(
                    "update-index",
                    "--index-info",
                    stdin=("\n".join(lines) + "\n").encode(),
                    env=env,
                )
            return self._git("write-tree", env=env)

    def commit(
        self, tree: str, parent: str | None, message: str, author: Identity, committer: Identity
    ) -> str:
        env = {
            "GIT_AUTHOR_NAME": author.name,
            "GIT_AUTHOR_EMAIL": author.email,
            "GIT_COMMITTER_NAME": committer.name,
            "GIT_COMMITTER_EMAIL": committer.email,
        }
        parents = ["-p", parent] if parent else []
        return self._git("commit-tree", tree, *parents, "-F", "-", stdin=message.encode(), env=env)

    def empty_tree(self) -> str:
        return self.build_tree(None, {}, [], {})

    # --- the one way to run git ----------------------------------------------------------------

    def _git(
        self,
        *args: str,
        stdin: bytes | None = None,
        env: Mapping[str, str] | None = None,
        strip: bool = True,
    ) -> str:
        command = ["git", *args]
        full_env = {**self._env, **(env or {})}
        try:
            if stdin is None:
                output = self.repo.git.execute(command, env=full_env, strip_newline_in_stdout=strip)
            else:
                with tempfile.TemporaryFile() as handle:
                    handle.write(stdin)
                    handle.seek(0)
                    output = self.repo.git.execute(
                        command, istream=handle, env=full_env, strip_newline_in_stdout=strip
                    )
        except GitCommandError as error:
            raise self._translate(args[0], error) from None
        return str(output)

    def _translate(self, verb: str, error: GitCommandError) -> ExternalError | PublishRefused:
        detail = redact(f"{_text(error.stdout)}\n{_text(error.stderr)}").strip()
        first = _last_line(detail) or f"git {verb} exited {error.status}"
        if verb == "push" and (
            "stale info" in detail or "[rejected]" in detail or "fetch first" in detail
        ):
            return PublishRefused(
                f"{self.what}: the branch moved on the remote while publishing (someone pushed)",
                hint="run shipspec publish again; it will look at the new commits first",
            )
        if _AUTH.search(detail):
            permission = "Contribute, Create branch and Force push" if verb == "push" else "Read"
            return AuthError(
                f"{self.what}: git {verb} was refused by {self.url}: {first}",
                hint=f"the token needs the {permission} permission on this repository "
                "(a PAT needs the Code (Read & write) scope)",
            )
        if _TRANSIENT.search(detail):
            return TransientError(f"{self.what}: git {verb} failed: {first}")
        return ExternalError(f"{self.what}: git {verb} failed: {first}")


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    meaningful = [line for line in lines if not line.startswith(("hint:", "To ", "Done"))]
    return (meaningful or lines or [""])[-1]


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value or "")


def tag_commit(repository: str | Path, tag: str) -> str:
    """The commit a tag of the Git repository at `repository` points at (GitCommandError if
    it has no such tag)."""
    return str(git.Repo(repository).git.rev_parse("--verify", "-q", f"refs/tags/{tag}^{{commit}}"))


def blob_id(data: bytes) -> str:
    """The sha Git gives a blob with these bytes (to compare without writing).

    >>> blob_id(b"")
    'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391'
    """
    import hashlib

    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()
