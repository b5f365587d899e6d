"""A Citus cluster for development and CI: one coordinator and two workers on this machine.

    python3 tools/citus.py build            build Citus once into the cache and install it
    python3 tools/citus.py up               start the three nodes (building first if needed)
    python3 tools/citus.py database NAME    create NAME on every node, ready for Django
    python3 tools/citus.py down             stop the three nodes

Plain Python, no Django: ``dev.py cluster`` calls it, and so can a CI step. The build lives
outside the clone (``~/.cache/comensal/citus-12.1.12-pg15``, or under $COMENSAL_CACHE) with a
stamp file, so a fresh clone on a machine that keeps the cache only copies the installed files
into PostgreSQL 15's directories. The nodes' data lives in the clone (``var/cluster``).
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.request
from pathlib import Path

CITUS_VERSION = "12.1.12"
PG_MAJOR = 15
PG_BIN = Path(f"/usr/lib/postgresql/{PG_MAJOR}/bin")
ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(os.environ.get("COMENSAL_CACHE", Path.home() / ".cache" / "comensal"))
BUILD = CACHE / f"citus-{CITUS_VERSION}-pg{PG_MAJOR}"
STAMP = BUILD / "built.stamp"
STAGE = BUILD / "root"  # ``make install DESTDIR=``: the files to copy into PostgreSQL's dirs
TARBALL_URL = f"https://github.com/citusdata/citus/archive/refs/tags/v{CITUS_VERSION}.tar.gz"
SHARED_TARBALL = Path(f"/work/shared/citus/citus-{CITUS_VERSION}.tar.gz")
BUILD_PACKAGES = [
    f"postgresql-server-dev-{PG_MAJOR}",
    "libcurl4-openssl-dev",
    "liblz4-dev",
    "libzstd-dev",
    "libkrb5-dev",
    "libicu-dev",
    "libssl-dev",
    "gcc",
    "make",
]

CLUSTER = Path(os.environ.get("COMENSAL_CLUSTER_DIR", ROOT / "var" / "cluster"))
HOST = "127.0.0.1"
COORDINATOR_PORT = int(os.environ.get("COMENSAL_CLUSTER_PORT", "5433"))
NODES = {
    "coordinator": COORDINATOR_PORT,
    "worker1": COORDINATOR_PORT + 1,
    "worker2": COORDINATOR_PORT + 2,
}
SUPERUSER = "postgres"
# Development settings: fast and forgiving rather than durable. Each of the 50 concurrent
# bookings of the tests holds a coordinator connection and one to the worker of its schema.
NODE_SETTINGS = {
    "shared_preload_libraries": "'citus'",
    "listen_addresses": f"'{HOST}'",
    "max_connections": "300",
    "max_prepared_transactions": "300",  # two-phase commits across nodes (reference tables)
    "shared_buffers": "'64MB'",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "wal_level": "logical",  # lets citus move a schema to another worker (rebalancing)
    "log_min_messages": "warning",
    # The nodes talk over 127.0.0.1 only: no TLS between them (a production cluster has it).
    "citus.node_conninfo": "'sslmode=disable'",
}


def say(message: str) -> None:
    print(f"[citus] {message}", flush=True)


# --- Build --------------------------------------------------------------------------------


def _pg_config(option: str) -> Path:
    output = subprocess.run(
        [str(PG_BIN / "pg_config"), option], capture_output=True, text=True, check=True
    )
    return Path(output.stdout.strip())


def _ensure_packages() -> None:
    """Install the Debian packages Citus needs to build, when some are missing."""
    missing = [
        package
        for package in BUILD_PACKAGES
        if subprocess.run(
            ["dpkg-query", "-W", "-f", "${Status}", package], capture_output=True, text=True
        ).stdout.strip()
        != "install ok installed"
    ]
    if not missing:
        return
    if not shutil.which("apt-get"):
        sys.exit(f"Citus needs these packages to build: {' '.join(missing)}")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    say(f"installing {' '.join(missing)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True, env=env)
    subprocess.run([*sudo, "apt-get", "install", "-y", "-qq", *missing], check=True, env=env)


def _tarball() -> Path:
    chosen = os.environ.get("COMENSAL_CITUS_TARBALL")
    if chosen:
        return Path(chosen)
    if SHARED_TARBALL.exists():
        return SHARED_TARBALL
    downloaded = BUILD / f"citus-{CITUS_VERSION}.tar.gz"
    if not downloaded.exists():
        say(f"downloading {TARBALL_URL}")
        urllib.request.urlretrieve(TARBALL_URL, downloaded)
    return downloaded


def build() -> None:
    """Compile Citus into the cache, once: later calls find the stamp and only install."""
    if STAMP.exists():
        return
    _ensure_packages()
    BUILD.mkdir(parents=True, exist_ok=True)
    source = BUILD / "src"
    shutil.rmtree(source, ignore_errors=True)
    shutil.rmtree(STAGE, ignore_errors=True)
    source.mkdir()
    started = time.monotonic()
    say(f"building Citus {CITUS_VERSION} for PostgreSQL {PG_MAJOR} in {BUILD} (a few minutes)")
    with tarfile.open(_tarball()) as archive:
        archive.extractall(source, filter="data")
    (tree,) = [path for path in source.iterdir() if path.is_dir()]
    nice = ["nice", "-n", "10"]
    env = {**os.environ, "PG_CONFIG": str(PG_BIN / "pg_config")}
    log = (BUILD / "build.log").open("w")
    try:
        for step in (
            ["./configure", f"PG_CONFIG={PG_BIN / 'pg_config'}"],
            # with_llvm=no: no JIT bitcode, which would double the compile time for nothing.
            [*nice, "make", f"-j{min(os.cpu_count() or 1, 4)}", "with_llvm=no"],
            ["make", "install", f"DESTDIR={STAGE}", "with_llvm=no"],
        ):
            if subprocess.run(step, cwd=tree, env=env, stdout=log, stderr=log).returncode:
                sys.exit(f"Citus build failed at {' '.join(step)}; see {BUILD / 'build.log'}")
    finally:
        log.close()
    shutil.rmtree(source)  # ~300 MB of objects; the staged install is all that is kept
    STAMP.write_text(f"citus {CITUS_VERSION} for PostgreSQL {PG_MAJOR}\n")
    say(f"built in {time.monotonic() - started:.0f} s")


def _staged_files() -> list[tuple[Path, Path]]:
    """(staged file, where PostgreSQL looks for it): the libraries (citus_decoders/ too, for
    moving a schema between workers) and the extension scripts; headers and JIT bitcode (a
    build from an older version of this file) are left out."""
    wanted = [_pg_config("--pkglibdir"), _pg_config("--sharedir") / "extension"]
    pairs = []
    for directory in wanted:
        staged = STAGE / directory.relative_to("/")
        for path in sorted(staged.rglob("*")):
            relative = path.relative_to(staged)
            if path.is_file() and relative.parts[0] != "bitcode":
                pairs.append((path, directory / relative))
    return pairs


def _ensure_runtime_libraries() -> None:
    """A cache copied to a fresh machine (CI) skips the build, but citus.so still needs the
    shared libraries it was linked with (libcurl, zstd, lz4, krb5): the build packages bring
    them."""
    library = STAGE / _pg_config("--pkglibdir").relative_to("/") / "citus.so"
    linked = subprocess.run(["ldd", str(library)], capture_output=True, text=True).stdout
    if "not found" in linked:
        _ensure_packages()


def install() -> None:
    """Build if needed, then copy the staged files into PostgreSQL 15's directories (root or
    sudo): an extension's control file must sit in the server's share directory."""
    build()
    _ensure_runtime_libraries()
    stale = [
        (staged, target)
        for staged, target in _staged_files()
        if not target.exists() or target.read_bytes() != staged.read_bytes()
    ]
    if not stale:
        return
    say(f"installing Citus into {_pg_config('--pkglibdir')} and {_pg_config('--sharedir')}")
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    for staged, target in stale:
        subprocess.run([*sudo, "install", "-D", "-m", "0644", str(staged), str(target)], check=True)


# --- Nodes --------------------------------------------------------------------------------


def _server_user() -> dict:
    """PostgreSQL refuses to run as root: as root, run the nodes as the ``postgres`` user."""
    if os.geteuid() != 0:
        return {}
    try:
        account = pwd.getpwnam("postgres")
    except KeyError:
        sys.exit("Running as root needs a 'postgres' user to run the Citus nodes.")
    return {
        "user": account.pw_uid,
        "group": account.pw_gid,
        "extra_groups": [],
        # libpq in the nodes looks for client certificates under $HOME/.postgresql.
        "env": {**os.environ, "HOME": account.pw_dir},
    }


def _as_server(command: list[str], **options) -> subprocess.CompletedProcess:
    return subprocess.run(command, **_server_user(), **options)


def _data(node: str) -> Path:
    return CLUSTER / node


def _initdb(node: str) -> None:
    data = _data(node)
    data.mkdir(parents=True, exist_ok=True)
    user = _server_user()
    if user:
        os.chown(CLUSTER, user["user"], user["group"])
        os.chown(data, user["user"], user["group"])
    data.chmod(0o700)
    _as_server(
        [str(PG_BIN / "initdb"), "-D", str(data), "-U", SUPERUSER, "--auth=trust",
         "--encoding=UTF8", "--locale=C.UTF-8"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    settings = "".join(f"{name} = {value}\n" for name, value in NODE_SETTINGS.items())
    settings += f"port = {NODES[node]}\nunix_socket_directories = '{data}'\n"
    with (data / "postgresql.conf").open("a") as conf:
        conf.write("\n# Comensal's Citus node (tools/citus.py)\n" + settings)


def _running(node: str) -> bool:
    status = _as_server([str(PG_BIN / "pg_ctl"), "status", "-D", str(_data(node))],
                        capture_output=True)  # fmt: skip
    return status.returncode == 0


def running() -> bool:
    """Whether the coordinator is up."""
    return (_data("coordinator") / "PG_VERSION").exists() and _running("coordinator")


def psql(sql: str, *, port: int = COORDINATOR_PORT, database: str = "postgres") -> str:
    """Run ``sql`` on one node and return its unaligned output."""
    result = subprocess.run(
        [str(PG_BIN / "psql"), "-h", HOST, "-p", str(port), "-U", SUPERUSER, "-d", database,
         "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
        capture_output=True, text=True,
    )  # fmt: skip
    if result.returncode:
        raise RuntimeError(f"{sql!r} on port {port}: {result.stderr.strip()}")
    return result.stdout.strip()


def url(database: str) -> str:
    return f"postgres://{SUPERUSER}@{HOST}:{COORDINATOR_PORT}/{database}"


def up() -> None:
    """Start the three nodes (initialising them the first time)."""
    install()
    started = time.monotonic()
    for node in NODES:
        if not (_data(node) / "PG_VERSION").exists():
            say(f"initialising {node} ({_data(node)})")
            _initdb(node)
        if _running(node):
            continue
        _as_server(
            [str(PG_BIN / "pg_ctl"), "start", "-w", "-D", str(_data(node)),
             "-l", str(_data(node) / "server.log")],
            check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip
    say(
        "coordinator on port {}, workers on {} (started in {:.1f} s)".format(
            COORDINATOR_PORT,
            ", ".join(str(port) for node, port in NODES.items() if node != "coordinator"),
            time.monotonic() - started,
        )
    )


def database(name: str, *, fresh: bool = False) -> str:
    """Create ``name`` on every node with the citus extension, register the workers in it, and
    make every schema created in it a distributed schema. Returns the coordinator's URL.

    Citus does not propagate CREATE DATABASE: each node needs the database and the extension
    before the coordinator can add it. Citus's metadata lives per database, so the workers are
    registered in each one."""
    if fresh:
        drop_database(name)
    for port in NODES.values():
        if not psql(f"SELECT 1 FROM pg_database WHERE datname = '{name}'", port=port):
            psql(f'CREATE DATABASE "{name}"', port=port)
        psql("CREATE EXTENSION IF NOT EXISTS citus", port=port, database=name)
    psql(f"SELECT citus_set_coordinator_host('{HOST}', {COORDINATOR_PORT})", database=name)
    for node, port in NODES.items():
        if node != "coordinator":
            psql(f"SELECT citus_add_node('{HOST}', {port})", database=name)
    # Every schema created from now on is a distributed schema (django-tenants' restaurants).
    psql(f'ALTER DATABASE "{name}" SET citus.enable_schema_based_sharding = on', database=name)
    # Citus refuses CREATE TRIGGER on a distributed table without this, and the book-version
    # triggers (reservations 0007, menu 0003) are created with every restaurant. KNOWN GAP:
    # Citus puts them on the coordinator's shell tables only, not on the worker's shards, and
    # the version sequence lives on the coordinator: the book version never moves on Citus.
    psql(f'ALTER DATABASE "{name}" SET citus.enable_unsafe_triggers = on', database=name)
    return url(name)


def drop_database(name: str) -> None:
    for port in NODES.values():
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', port=port)


def down() -> None:
    for node in NODES:
        if (_data(node) / "PG_VERSION").exists() and _running(node):
            _as_server(
                [str(PG_BIN / "pg_ctl"), "stop", "-w", "-m", "fast", "-D", str(_data(node))],
                check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
            say(f"stopped {node}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("build")
    commands.add_parser("up")
    commands.add_parser("down")
    create = commands.add_parser("database")
    create.add_argument("name")
    create.add_argument("--fresh", action="store_true", help="drop it first")
    options = parser.parse_args()
    if options.command == "build":
        install()
    elif options.command == "up":
        up()
    elif options.command == "down":
        down()
    else:
        up()
        print(database(options.name, fresh=options.fresh))
    return 0


if __name__ == "__main__":
    sys.exit(main())
