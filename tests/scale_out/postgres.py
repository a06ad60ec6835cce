"""A throw-away PostgreSQL server for tests: Debian's server binaries (`make install-scale-out` installs the
`postgresql` package when they are missing and we are root), `initdb` into a temporary folder, `pg_ctl start`
on a free loopback port, stopped and removed afterwards. PostgreSQL refuses to run as root: as root the
server runs as the Debian package's `postgres` user (or a system user created here when there is none)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SERVER_USER = "postgres"
FALLBACK_USER = "cw-postgres"


def server_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _server_user() -> str | None:
    """None: run as ourselves (not root)."""
    if os.geteuid() != 0:
        return None
    for name in (SERVER_USER, FALLBACK_USER):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", FALLBACK_USER],
                   check=True)
    return FALLBACK_USER


@contextmanager
def postgres_server(database: str = "dagster", user: str = "dagster") -> Iterator[str]:
    """A running server with an empty `database` owned by `user` (trust authentication on loopback); yields
    its URL."""
    bindir = server_bin()
    if bindir is None:
        raise RuntimeError("no PostgreSQL server binaries (make install-scale-out installs Debian's postgresql)")
    owner = _server_user()
    as_owner = ["runuser", "-u", owner, "--"] if owner else []
    data = Path(tempfile.mkdtemp(prefix="cw-pg-"))
    port = _free_port()
    if owner:
        shutil.chown(data, owner, owner)
    pg_ctl = [*as_owner, str(bindir / "pg_ctl"), "-D", str(data / "data")]
    try:
        subprocess.run([*as_owner, str(bindir / "initdb"), "-D", str(data / "data"), "-U", user, "--auth=trust",
                        "-E", "UTF8", "--no-sync"], check=True, capture_output=True)
        subprocess.run([*pg_ctl, "-w", "-t", "60", "-l", str(data / "server.log"), "-o",
                        f"-p {port} -k {data} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                       check=True, capture_output=True)
        try:
            import psycopg2

            con = psycopg2.connect(host="127.0.0.1", port=port, user=user, dbname="postgres")
            con.autocommit = True
            con.cursor().execute(f"create database {database} owner {user}")
            con.close()
            yield f"postgresql://{user}@127.0.0.1:{port}/{database}"
        finally:
            subprocess.run([*pg_ctl, "-m", "immediate", "-w", "stop"], capture_output=True)
    finally:
        shutil.rmtree(data, ignore_errors=True)
