"""A throwaway PostgreSQL server for the tests: initdb + pg_ctl in a temporary folder, listening
on a Unix socket only (no TCP port), password (SCRAM) authentication, stopped at the end.

The binaries are found on PATH (``pg_ctl``, ``initdb``) or in Debian's
``/usr/lib/postgresql/<version>/bin`` (``bash scripts/dev.sh test`` installs Debian's
``postgresql`` package where missing). initdb refuses to run as root, so as root the server
runs as the ``postgres`` user the Debian package makes (else ``nobody``) through ``runuser``,
in a folder it owns; the tests, as root, connect over the socket with passwords.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

SUPERUSER = "pk_super"
ADMIN = "lab_admin"
PASSWORD = "throwaway test password"


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for path in sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True):
        return path
    raise RuntimeError(f"{name} not found on PATH or in /usr/lib/postgresql/*/bin: install Debian's postgresql "
                       "package (bash scripts/dev.sh test does)")


class Server:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="pkpg-", dir="/tmp"))  # short: a socket path has 107 bytes
        self.user = None
        if os.geteuid() == 0:
            for candidate in ("postgres", "nobody"):
                try:
                    entry = pwd.getpwnam(candidate)
                except KeyError:
                    continue
                self.user = candidate
                os.chown(self.dir, entry.pw_uid, entry.pw_gid)
                break
            else:
                raise RuntimeError("running as root, and neither a 'postgres' nor a 'nobody' user to run the server as")
        self.data = self.dir / "data"
        self.port = 5432

    def _run(self, *cmd: str) -> None:
        prefix = ["runuser", "-u", self.user, "--"] if self.user else []
        proc = subprocess.run([*prefix, *cmd], capture_output=True, text=True, timeout=120)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-2000:]}")

    def start(self) -> Server:
        pwfile = self.dir / "pw"
        pwfile.write_text(PASSWORD + "\n")
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(pwfile, entry.pw_uid, entry.pw_gid)
        self._run(_binary("initdb"), "-D", str(self.data), "-U", SUPERUSER, f"--pwfile={pwfile}",
                  "--auth=scram-sha-256", "-E", "UTF8", "--no-sync", "--locale=C")
        opts = f"-k {self.dir} -c listen_addresses='' -c fsync=off -c synchronous_commit=off -p {self.port}"
        self._run(_binary("pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.dir / "log"), "-w",
                  "-t", "60", "start")
        with self.connect(SUPERUSER, "postgres") as con:
            con.execute(f"CREATE ROLE {ADMIN} LOGIN CREATEROLE PASSWORD '{PASSWORD}'")
        return self

    def stop(self) -> None:
        try:
            self._run(_binary("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, user: str, dbname: str, password: str = PASSWORD) -> str:
        q = urllib.parse.quote
        return (f"postgresql://{q(user, safe='')}:{q(password, safe='')}@/{dbname}"
                f"?host={q(str(self.dir), safe='')}&port={self.port}")

    def connect(self, user: str, dbname: str, password: str = PASSWORD):
        import psycopg

        return psycopg.connect(self.url(user, dbname, password), autocommit=True)

    def new_database(self, name: str) -> str:
        """A new database owned by the admin role; returns its name."""
        with self.connect(SUPERUSER, "postgres") as con:
            con.execute(f'CREATE DATABASE "{name}" OWNER {ADMIN}')
        return name


def initialise(url: str, project: str) -> str:
    """Make the protocol_kit store at ``url`` (the admin's) and put the admin in ``project``, so
    runs started there without a project go into it; returns ``url``."""
    from protocol_kit.records.backend import open_backend
    from protocol_kit.records.members import add_member
    from protocol_kit.records.schema import migrate

    backend = open_backend(url, create=True)
    try:
        migrate(backend)
        add_member(backend, ADMIN, project)
    finally:
        backend.close()
    return url


@contextmanager
def bench_location(backend: str):
    """For the benchmarks: an SQLite file in a temporary folder, or the admin's URL of a new
    store on a throwaway server (the admin records for anyone; members only as themselves)."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            yield Path(tmp) / "bench.db"
        return
    server = Server().start()
    try:
        yield initialise(server.url(ADMIN, server.new_database("bench")), "bench")
    finally:
        server.stop()
