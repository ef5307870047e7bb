"""The docker compose stack, proved without a Docker engine: docker-compose's own rendering of
docker-compose.yml (with a sample .env, and without each secret), the containers' entry point
and scripts run as compose would run them — with the very environment `config` renders — against
a private PostgreSQL cluster that checks passwords (scram-sha-256), and the image's build
context computed from .dockerignore."""

from __future__ import annotations

import ipaddress
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
import yaml
from django.conf import settings

from scripts.private_postgres import find_bindir, run_as_server_user
from tests.helpers import unused_port

ROOT = Path(settings.BASE_DIR)

# Every character a URL would take for syntax: user info, path, fragment, port, query, spaces.
OWNER_PASSWORD = "0wn@r/pass#word: ?%+&'\" $HOME"
APP_PASSWORD = "p@ss/word#1: with spaces"
BACKUP_PASSWORD = "b@ck/up#2:?% + 'quoted'"
SAMPLE_ENV = {
    "SECRET_KEY": "compose-test-" + "k" * 50,
    "POSTGRES_PASSWORD": OWNER_PASSWORD,
    "APP_DB_PASSWORD": APP_PASSWORD,
    "BACKUP_DB_PASSWORD": BACKUP_PASSWORD,
}
REPLICATION_PASSWORD = "r3pl/ic@tion: 'x' \"y\""
SECRETS = ("SECRET_KEY", "POSTGRES_PASSWORD", "APP_DB_PASSWORD", "BACKUP_DB_PASSWORD")
LONG_RUNNING = ("db", "redis", "web", "worker", "cron")
# The containers' /bin/sh runs the entry point and the scripts; here, the machine's.
SH = shutil.which("sh")


# --- docker-compose config ------------------------------------------------------------------


def compose_command() -> list[str]:
    """Debian's docker-compose (v1), or the `docker compose` plugin when that is what exists."""
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    docker = shutil.which("docker")
    if docker:
        plugin = subprocess.run([docker, "compose", "version"], capture_output=True)  # noqa: S603
        if plugin.returncode == 0:
            return [docker, "compose"]
    pytest.fail("neither docker-compose nor `docker compose` is installed (.ci/run installs it)")


def run_compose_config(
    tmp_path: Path, env: dict[str, str], *options: str
) -> subprocess.CompletedProcess:
    """`config` with exactly `env` (plus PATH and HOME): an empty --env-file, so that no .env
    of this checkout fills a gap. `options` go before the command (`--profile scale`)."""
    empty = tmp_path / "empty.env"
    empty.write_text("")
    return subprocess.run(  # noqa: S603 — our own argv
        [*compose_command(), *options, "--env-file", str(empty),
         "-f", str(ROOT / "docker-compose.yml"), "config"],
        cwd=ROOT, env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/"), **env},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def rendered(tmp_path: Path, *options: str, **overrides: str) -> dict:
    result = run_compose_config(tmp_path, {**SAMPLE_ENV, **overrides}, *options)
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    # `config` writes a value's $ as $$ (its output is itself a compose file): the container
    # receives a single one.
    for service in config["services"].values():
        environment = service.get("environment") or {}
        for key, value in environment.items():
            environment[key] = str(value).replace("$$", "$")
    return config


@pytest.fixture(scope="module")
def config(tmp_path_factory) -> dict:
    return rendered(tmp_path_factory.mktemp("compose"))


def published(port) -> tuple[str, str, str]:
    """(host address, host port, container port) of a `ports:` entry, v1 or v2 rendering."""
    if isinstance(port, dict):
        return port.get("host_ip", ""), str(port["published"]), str(port["target"])
    host_ip, host_port, target = port.rsplit("/", 1)[0].rsplit(":", 2)
    return host_ip, host_port, target


def profiled(services: dict, profile: str) -> set[str]:
    return {name for name, service in services.items() if profile in service.get("profiles", [])}


def test_the_stack_renders_with_a_sample_env_and_passes_secrets_through_verbatim(config):
    services = config["services"]
    # docker-compose v1 renders every profile's services; the plugin (v2) only the active ones.
    assert set(services) - profiled(services, "scale") == {
        "db", "redis", "migrate", "web", "worker", "cron", "restore"
    }  # fmt: skip
    assert services["db"]["environment"]["POSTGRES_PASSWORD"] == OWNER_PASSWORD
    for name in ("migrate", "web", "worker", "cron", "restore"):
        environment = services[name]["environment"]
        assert environment["DATABASE_PASSWORD"] == APP_PASSWORD
        assert environment["SECRET_KEY"] == SAMPLE_ENV["SECRET_KEY"]
        # Passwords travel on their own; a database URL is only ever built by the entry point
        # (EMAIL_URL is passed as the operator wrote it, percent-encoded).
        assert not {key for key in environment if key.endswith("_URL")} - {
            "REDIS_URL",
            "EMAIL_URL",
        }


@pytest.mark.parametrize("secret", SECRETS)
def test_the_stack_refuses_to_render_without_each_secret(tmp_path, secret):
    unset = {key: value for key, value in SAMPLE_ENV.items() if key != secret}
    for missing in (unset, {**SAMPLE_ENV, secret: ""}):
        result = run_compose_config(tmp_path, missing)
        assert result.returncode != 0
        assert f"set {secret} in .env" in result.stderr + result.stdout


def test_web_listens_on_loopback_unless_told_otherwise(config, tmp_path):
    assert [published(port) for port in config["services"]["web"]["ports"]] == [
        ("127.0.0.1", "8000", "8000")
    ]
    elsewhere = rendered(tmp_path, HAVRE_BIND="0.0.0.0", HAVRE_PORT="8080")  # noqa: S104
    assert [published(port) for port in elsewhere["services"]["web"]["ports"]] == [
        ("0.0.0.0", "8080", "8000")  # noqa: S104
    ]
    for name, service in config["services"].items():
        # lb: the scale profile's entry (tests below).
        assert name in {"web", "lb"} or not service.get("ports"), f"{name} publishes a port"


def test_services_restart_and_start_after_one_migration(config):
    services = config["services"]
    for name in LONG_RUNNING:
        assert services[name]["restart"] == "unless-stopped", name
    for name in ("migrate", "restore"):
        assert services[name]["restart"] == "no", name
    for name in ("web", "worker", "cron"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["db"]["condition"] == "service_healthy", name
    assert services["migrate"]["command"] == ["docker/migrate.sh"]
    assert "migrate" not in services["restore"]["depends_on"]
    assert services["restore"]["profiles"] == ["ops"]
    # Nothing migrates on a web start: the image has no entry point, web runs gunicorn.
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert not re.search(r"^ENTRYPOINT", dockerfile, re.MULTILINE)
    assert "RUN_MIGRATIONS" not in services["web"]["environment"]


def test_each_service_holds_only_the_credentials_it_needs(config):
    services = config["services"]
    web = services["web"]["environment"]
    assert web["DATABASE_USER"] == web["DATABASE_APP_ROLE"] == "app_user"
    assert not {key for key in web if key.startswith(("MIGRATION_", "BACKUP_DATABASE_"))}
    worker = services["worker"]["environment"]
    assert worker["DATABASE_USER"] == worker["DATABASE_APP_ROLE"] == "app_user"
    assert not {key for key in worker if key.startswith(("MIGRATION_", "BACKUP_DATABASE_"))}
    assert services["cron"]["environment"]["BACKUP_DATABASE_USER"] == "havre_backup"
    assert services["cron"]["environment"]["MIGRATION_DATABASE_USER"] == "havre"
    # Restoring replaces the schema: the owner's work.
    restore = services["restore"]["environment"]
    assert restore["BACKUP_DATABASE_USER"] == restore["MIGRATION_DATABASE_USER"] == "havre"
    assert restore["BACKUP_DATABASE_PASSWORD"] == OWNER_PASSWORD


def test_backups_are_mounted_where_they_are_made_and_restored(config):
    services = config["services"]
    for name in ("cron", "restore"):
        target = services[name]["environment"]["BACKUP_DIR"]
        mounts = [
            volume if isinstance(volume, str) else f"{volume['source']}:{volume['target']}"
            for volume in services[name]["volumes"]
        ]
        assert any(mount.startswith(f"backups:{target}") for mount in mounts), (name, mounts)
    assert services["restore"]["entrypoint"][-3:] == ["python", "manage.py", "dbrestore"]


def test_web_keeps_its_prometheus_files_on_a_tmpfs(config):
    web = config["services"]["web"]
    directory = web["environment"]["PROMETHEUS_MULTIPROC_DIR"]
    tmpfs = web["tmpfs"] if isinstance(web["tmpfs"], list) else [web["tmpfs"]]
    assert any(entry.split(":")[0] == directory for entry in tmpfs), tmpfs
    # Writable by the image's unprivileged user.
    assert any("mode=1777" in entry for entry in tmpfs), tmpfs


def test_demo_data_is_opt_in(config, tmp_path):
    assert config["services"]["migrate"]["environment"]["SEED_DEMO"] == "0"
    seeded = rendered(tmp_path, SEED_DEMO="1")
    assert seeded["services"]["migrate"]["environment"]["SEED_DEMO"] == "1"
    assert "python manage.py seed" in (ROOT / "docker" / "migrate.sh").read_text()


# --- the scale profile ------------------------------------------------------------------------

SCALE = ("lb", "web1", "web2", "pgbouncer", "db-replica")


@pytest.fixture(scope="module")
def scale(tmp_path_factory) -> dict:
    """`docker compose --profile scale config`, with the replication role's password."""
    return rendered(
        tmp_path_factory.mktemp("scale"), "--profile", "scale",
        REPLICATION_DB_PASSWORD=REPLICATION_PASSWORD,
    )  # fmt: skip


def test_the_scale_profile_renders_its_services_beside_the_stack(scale, config):
    services = scale["services"]
    assert {"lb", "web1", "web2", "pgbouncer", "db", "db-replica", "redis", "worker", "cron",
            "migrate"} <= set(services)  # fmt: skip
    assert profiled(services, "scale") == set(SCALE)
    # Outside the profile, nothing changed: the other services render the same (but db, which
    # gives the replication role's password to its init script, set here and not there).
    for name in set(config["services"]) - set(SCALE) - {"db"}:
        assert services[name] == config["services"][name], name
    assert services["db"]["environment"]["REPLICATION_DATABASE_PASSWORD"] == REPLICATION_PASSWORD
    assert config["services"]["db"]["environment"]["REPLICATION_DATABASE_PASSWORD"] == ""


def test_the_balancer_fronts_both_app_servers_which_trust_it_alone(scale):
    services = scale["services"]
    lb = services["lb"]
    assert lb["image"].startswith("haproxy:")
    [mount] = lb["volumes"]
    source, target = (mount.split(":")[:2] if isinstance(mount, str)
                      else (mount["source"], mount["target"]))  # fmt: skip
    assert Path(source) == ROOT / "docker" / "haproxy.cfg"
    assert target == "/usr/local/etc/haproxy/haproxy.cfg"
    assert (lb["environment"]["LB_WEB1"], lb["environment"]["LB_WEB2"]) == (
        "web1:8000",
        "web2:8000",
    )
    assert [published(port) for port in lb["ports"]] == [("127.0.0.1", "8080", "8080")]

    address = lb["networks"]["edge"]["ipv4_address"]
    [subnet] = [entry["subnet"] for entry in scale["networks"]["edge"]["ipam"]["config"]]
    assert ipaddress.ip_address(address) in ipaddress.ip_network(subnet)
    for name in ("web1", "web2"):
        web = services[name]
        assert not web.get("ports"), f"{name} is reached through lb only"
        assert web["environment"]["TRUSTED_PROXIES"] == f"{address}/32"
        assert web["environment"]["FORWARDED_ALLOW_IPS"] == address
        assert "edge" in web["networks"]
        assert lb["depends_on"][name]["condition"] == "service_healthy"
        assert web["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["web1"] == services["web2"]


def test_app_servers_write_through_pgbouncer_and_read_from_the_replica(scale):
    services = scale["services"]
    for name in ("web1", "web2"):
        environment = services[name]["environment"]
        assert (environment["DATABASE_HOST"], environment["DATABASE_PORT"]) == ("pgbouncer", "6432")
        assert environment["DATABASE_TRANSACTION_POOLING"] == "1"
        assert (environment["DATABASE_REPLICA_HOST"], environment["DATABASE_REPLICA_PORT"]) == (
            "db-replica", "5432"
        )  # fmt: skip
        assert environment["DATABASE_USER"] == "app_user"
        assert environment["DATABASE_PASSWORD"] == APP_PASSWORD
        for dependency in ("pgbouncer", "db-replica"):
            assert services[name]["depends_on"][dependency]["condition"] == "service_healthy"
    # The settings read the parts: the primary through PgBouncer, the standby with the same login.
    web1 = settings_of(services["web1"])
    assert web1["database"] == ["app_user", APP_PASSWORD, "pgbouncer", "6432", "havre"]
    assert web1["replica"] == ["app_user", APP_PASSWORD, "db-replica", "5432", "havre"]
    assert settings_of(services["web"])["replica"] is None
    # The job queue's worker (LISTEN/NOTIFY) and cron (the owner's session work) keep their
    # own connections to the primary.
    for name in ("worker", "cron", "migrate"):
        assert services[name]["environment"]["DATABASE_HOST"] == "db", name

    pgbouncer = services["pgbouncer"]
    assert pgbouncer["build"]["context"].endswith("docker/pgbouncer")
    assert pgbouncer["environment"]["PGBOUNCER_SERVER_HOST"] == "db"
    assert pgbouncer["environment"]["DATABASE_USER"] == "app_user"
    assert pgbouncer["environment"]["DATABASE_PASSWORD"] == APP_PASSWORD
    ini = (ROOT / "docker" / "pgbouncer" / "pgbouncer.ini").read_text()
    assert re.search(r"^pool_mode = transaction$", ini, re.MULTILINE)

    replica = services["db-replica"]
    assert replica["image"] == services["db"]["image"]
    assert replica["entrypoint"] == ["sh", "/usr/local/bin/havre-db-replica"]
    assert replica["command"][:2] == ["docker-entrypoint.sh", "postgres"]
    assert replica["environment"]["PRIMARY_HOST"] == "db"
    assert replica["environment"]["REPLICATION_DATABASE_USER"] == "havre_replication"
    assert replica["environment"]["REPLICATION_DATABASE_PASSWORD"] == REPLICATION_PASSWORD
    mounts = [volume if isinstance(volume, str) else f"{volume['source']}:{volume['target']}"
              for volume in replica["volumes"] + services["db"]["volumes"]]  # fmt: skip
    assert f"{ROOT}/docker/db-replica.sh:/usr/local/bin/havre-db-replica:ro" in mounts
    assert (
        f"{ROOT}/docker/db-replication.sh:/docker-entrypoint-initdb.d/20-havre-replication.sh:ro"
        in mounts
    )


def test_the_scale_profile_is_chosen_by_flag_or_by_environment(tmp_path, scale):
    by_environment = rendered(
        tmp_path, COMPOSE_PROFILES="scale", REPLICATION_DB_PASSWORD=REPLICATION_PASSWORD
    )
    assert by_environment == scale


# --- the containers' commands, outside Docker -----------------------------------------------

SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
db = settings.DATABASES["default"]
backup = settings.DBBACKUP_CONNECTORS["default"]
replica = settings.DATABASES.get("replica")
print(json.dumps({
    "database": [db["USER"], db["PASSWORD"], db["HOST"], str(db["PORT"]), db["NAME"]],
    "replica": replica and [replica[k] for k in ("USER", "PASSWORD", "HOST", "PORT", "NAME")],
    "assume_role": db["OPTIONS"].get("assume_role"),
    "owner": [(db.get("OWNER") or {}).get(key) for key in ("USER", "PASSWORD")],
    "backup": [backup.get("USER"), backup.get("PASSWORD")],
}))
"""


def container_env(service: dict, **overrides: str) -> dict[str, str]:
    """The environment compose gives the service's container, with the test's own PostgreSQL
    and Redis in place of the stack's host names. Database URLs the container does not get are
    set empty, so that no .env of this checkout supplies one (settings read .env)."""
    env = {
        "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}",
        "DATABASE_URL": "",
        "MIGRATION_DATABASE_URL": "",
        "BACKUP_DATABASE_URL": "",
        "DATABASE_REPLICA_URL": "",
        **{key: str(value) for key, value in service["environment"].items()},
        "REDIS_URL": settings.CACHES["default"]["LOCATION"],
        **overrides,
    }
    return env


def in_container(service: dict, *command: str, **overrides: str) -> subprocess.CompletedProcess:
    """`command` run with the service's environment, as `docker compose run` or `exec` would
    (the image has no entry point: the command is all there is)."""
    return subprocess.run(  # noqa: S603 — our own argv
        list(command), cwd=ROOT,
        env=container_env(service, **overrides), capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def settings_of(service: dict, **overrides: str) -> dict:
    result = in_container(service, "python", "-c", SHOW_SETTINGS, **overrides)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_settings_read_the_connections_parts_and_keep_every_character(config):
    web = settings_of(config["services"]["web"])
    assert web["database"] == ["app_user", APP_PASSWORD, "db", "5432", "havre"]
    # Logged in as the role it acts as: no SET ROLE, nothing to RESET.
    assert web["assume_role"] is None
    assert web["owner"] == [None, None]

    cron = settings_of(config["services"]["cron"])
    assert cron["database"][:2] == ["app_user", APP_PASSWORD]
    assert cron["owner"] == ["havre", OWNER_PASSWORD]
    assert cron["backup"] == ["havre_backup", BACKUP_PASSWORD]

    restore = settings_of(config["services"]["restore"])
    assert restore["backup"] == restore["owner"] == ["havre", OWNER_PASSWORD]


def test_a_connection_given_both_ways_is_refused(config):
    result = in_container(
        config["services"]["web"], "python", "manage.py", "check",
        DATABASE_URL="postgres://x@elsewhere/havre",
    )  # fmt: skip
    assert result.returncode != 0
    assert "Both DATABASE_URL and DATABASE_USER are set" in result.stderr


def test_a_url_alone_still_configures_a_role(config):
    url = "postgres://owner:p%40ss%2Fword@elsewhere:6543/other"
    cron = settings_of(config["services"]["cron"], MIGRATION_DATABASE_USER="",
                       MIGRATION_DATABASE_URL=url)  # fmt: skip
    assert cron["owner"] == ["owner", "p@ss/word"]


# --- the roles, in a real PostgreSQL --------------------------------------------------------


class PrivateCluster:
    """A PostgreSQL cluster of our own on a free loopback port, that — unlike the machine's
    trusting one — checks passwords over TCP (scram-sha-256), as the postgres image does. Its
    local socket trusts, as the image's first-start scripts are run over it."""

    def __init__(self, superuser: str, password: str):
        bindir = find_bindir()
        assert bindir is not None, "PostgreSQL binaries (initdb) are needed"
        self.bindir = bindir
        self.superuser = superuser
        self.base = Path(tempfile.mkdtemp(prefix="havre-compose-pg-"))
        self.data = self.base / "data"
        self.port = unused_port()
        password_file = self.base / "password"
        password_file.write_text(password + "\n")
        if os.geteuid() == 0:
            for path in (self.base, password_file):
                shutil.chown(path, "postgres")
        run_as_server_user(
            [str(bindir / "initdb"), "-D", str(self.data), "-U", superuser, "-E", "UTF8",
             "--pwfile", str(password_file), "--auth-local=trust",
             "--auth-host=scram-sha-256"]
        )  # fmt: skip
        password_file.unlink()
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 "
            "-c shared_preload_libraries=pg_stat_statements"
        )
        run_as_server_user(
            [str(bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.base / "log"), "-w",
             "-o", options, "start"]
        )  # fmt: skip

    def local(self, dbname: str) -> psycopg.Connection:
        """The superuser over the local socket (as the image's init scripts connect)."""
        return psycopg.connect(
            host=str(self.base), port=self.port, user=self.superuser, dbname=dbname,
            autocommit=True,
        )  # fmt: skip

    def stop(self) -> None:
        run_as_server_user(
            [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"]
        )
        shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture(scope="module")
def stack(config):
    """The stack's database as the postgres image leaves it after its first start: the
    superuser and owner POSTGRES_USER, the database POSTGRES_DB, then docker/db-roles.sh run
    from /docker-entrypoint-initdb.d with the db service's environment."""
    db = config["services"]["db"]["environment"]
    cluster = PrivateCluster(db["POSTGRES_USER"], db["POSTGRES_PASSWORD"])
    try:
        with cluster.local("postgres") as connection:
            connection.execute(f'CREATE DATABASE "{db["POSTGRES_DB"]}"')
        initdb = subprocess.run(  # noqa: S603 — our own argv
            [SH, "docker/db-roles.sh"], cwd=ROOT, capture_output=True, text=True, timeout=60,
            env={"PATH": os.environ["PATH"], **db, "PGHOST": str(cluster.base),
                 "PGPORT": str(cluster.port)},
        )  # fmt: skip
        assert initdb.returncode == 0, initdb.stderr
        yield cluster
    finally:
        cluster.stop()


def on_stack(cluster: PrivateCluster) -> dict[str, str]:
    """Where the containers find `db`, here."""
    return {"DATABASE_HOST": "127.0.0.1", "DATABASE_PORT": str(cluster.port)}


ROLES_SQL = """
SELECT rolname, rolsuper, rolbypassrls, rolcanlogin, rolcreaterole, rolcreatedb,
       pg_has_role(rolname, 'pg_read_all_data', 'MEMBER'), coalesce(rolconfig, '{}')
FROM pg_roles WHERE rolname = ANY(%s) ORDER BY rolname
"""


def test_the_init_script_creates_a_plain_application_login_and_a_read_only_backup_role(stack):
    with stack.local("havre") as connection:
        roles = connection.execute(ROLES_SQL, [["app_user", "havre_backup"]]).fetchall()
    assert roles == [
        ("app_user", False, False, True, False, False, False, []),
        ("havre_backup", False, True, True, False, False, True,
         ["default_transaction_read_only=on"]),
    ]  # fmt: skip


@pytest.fixture(scope="module")
def migrated(stack, config):
    """The `migrate` service's run: its command, with its environment and the demo data asked
    for."""
    result = in_container(
        config["services"]["migrate"], *config["services"]["migrate"]["command"],
        SEED_DEMO="1", SEED_USER_PASSWORD="compose-demo-password", **on_stack(stack),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_the_migrate_service_migrates_as_the_owner_and_seeds_on_request(stack, migrated):
    assert "db-roles: app_user (application) and havre_backup (backups) are ready" in (
        migrated.stdout
    )
    assert re.search(r"seed: created .*\busers\b", migrated.stdout), migrated.stdout
    with stack.local("havre") as connection:
        owners = connection.execute(
            "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public'"
        ).fetchall()
        demo = connection.execute(
            "SELECT count(*) FROM users WHERE email IN ('john@example.com', 'jane@example.com')"
        ).fetchone()[0]
    assert owners == [("havre",)]  # the application role owns nothing
    assert demo == 2


APP_SESSION = """
import json, django, psycopg
django.setup()
from django.db import connection
from apps.core.context import DbContext, db_context
out = {}
with connection.cursor() as cursor:
    cursor.execute("SELECT current_user, session_user, rolsuper, rolbypassrls FROM pg_roles "
                   "WHERE rolname = current_user")
    out["who"] = cursor.fetchone()
    cursor.execute("SELECT count(*) FROM users")
    out["users_without_context"] = cursor.fetchone()[0]
with db_context(DbContext.for_command("compose-test")), connection.cursor() as cursor:
    cursor.execute("SELECT count(*) FROM users")
    out["users_as_command"] = cursor.fetchone()[0]
with connection.cursor() as cursor:
    cursor.execute("RESET ROLE")
    cursor.execute("SELECT current_user")
    out["after_reset_role"] = cursor.fetchone()[0]
    try:
        cursor.execute("SET ROLE havre")
        out["set_role_owner"] = "allowed"
    except Exception as exc:
        out["set_role_owner"] = type(exc.__cause__).__name__
print(json.dumps(out))
"""


def test_the_app_logs_in_as_the_application_role_and_rls_applies(stack, migrated, config):
    result = in_container(config["services"]["web"], "python", "-c", APP_SESSION, **on_stack(stack))
    assert result.returncode == 0, result.stderr
    session = json.loads(result.stdout)
    with stack.local("havre") as connection:
        every_user = connection.execute("SELECT count(*) FROM users").fetchone()[0]
    assert session["who"] == ["app_user", "app_user", False, False]
    assert every_user > 0
    assert session["users_without_context"] == 0  # row-level security: no context, no rows
    assert session["users_as_command"] == every_user
    assert session["after_reset_role"] == "app_user"  # nothing to climb back to
    assert session["set_role_owner"] == "InsufficientPrivilege"


def test_the_cluster_checks_passwords(stack):
    """What makes the login above prove something: a wrong password is refused."""
    with pytest.raises(psycopg.OperationalError, match="password authentication failed"):
        psycopg.connect(
            host="127.0.0.1", port=stack.port, user="app_user", dbname="havre",
            password=APP_PASSWORD.replace(" ", "_"),
        )  # fmt: skip


def test_cron_backs_up_as_the_backup_role_verifies_and_restore_restores_as_the_owner(
    stack, migrated, config, tmp_path
):
    """The crontab's nightly line, run by a shell as supercronic does, then the restore
    service's command."""
    [nightly] = [
        line.split(None, 5)[5]
        for line in (ROOT / "ops" / "crontab").read_text().splitlines()
        if "run_job dbbackup" in line and not line.startswith("#")
    ]
    backups = tmp_path / "backups"
    backups.mkdir()
    here = {**on_stack(stack), "BACKUP_DIR": str(backups)}
    cron = in_container(
        config["services"]["cron"], "sh", "-c", nightly.replace("cd /app", f"cd {ROOT}"), **here
    )
    assert cron.returncode == 0, cron.stdout + cron.stderr
    assert "job=dbbackup status=ok" in cron.stdout
    assert "job=backup_verify status=ok" in cron.stdout
    [manifest] = backups.glob("*.manifest.json")
    assert json.loads(manifest.read_text())["row_counts"]["users"] > 0

    # The backup role writes nothing, whatever it is asked.
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        with psycopg.connect(
            host="127.0.0.1", port=stack.port, user="havre_backup", dbname="havre",
            password=BACKUP_PASSWORD,
        ) as connection:  # fmt: skip
            connection.execute("DELETE FROM users")

    restore = config["services"]["restore"]
    result = subprocess.run(  # noqa: S603 — our own argv
        [*restore["entrypoint"], "--noinput"], cwd=ROOT,
        env=container_env(restore, **here), capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "counts match the manifest" in result.stdout


# --- the scale profile's database services, outside Docker ----------------------------------


def as_server_user() -> dict:
    """Popen's arguments running a program as the postgres user when the tests run as root
    (PostgreSQL's programs and PgBouncer refuse root; the images run them as postgres)."""
    return {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}


def server_owned_directory(prefix: str) -> Path:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
    return path


def test_pgbouncer_checks_the_app_login_and_passes_it_on_to_the_primary(stack, scale):
    """docker/pgbouncer/entrypoint.sh with the pgbouncer service's environment (Debian's
    PgBouncer, as the image has it), in front of the stack's PostgreSQL, which checks
    passwords: the app's login and its password, every character, go through."""
    service = scale["services"]["pgbouncer"]
    run_dir = server_owned_directory("havre-pgbouncer-")
    port = unused_port()
    env = {
        "PATH": f"{os.environ['PATH']}:/usr/sbin",
        **service["environment"],
        "PGBOUNCER_SERVER_HOST": "127.0.0.1",
        "PGBOUNCER_SERVER_PORT": str(stack.port),
        "PGBOUNCER_PORT": str(port),
        "PGBOUNCER_RUN_DIR": str(run_dir),
        "PGBOUNCER_CONFIG": str(ROOT / "docker" / "pgbouncer" / "pgbouncer.ini"),
    }
    if not shutil.which("pgbouncer", path=env["PATH"]):
        pytest.fail("pgbouncer is not installed (Debian: apt-get install pgbouncer; .ci/run does)")
    log = run_dir / "log"
    with log.open("w") as output:
        pgbouncer = subprocess.Popen(  # noqa: S603 — our own entry point
            [SH, "docker/pgbouncer/entrypoint.sh"], cwd=ROOT, env=env,
            stdout=output, stderr=subprocess.STDOUT, **as_server_user(),
        )  # fmt: skip
    app = {"host": "127.0.0.1", "port": port, "user": "app_user", "dbname": "havre"}
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                connection = psycopg.connect(**app, password=APP_PASSWORD, autocommit=True)
                break
            except psycopg.OperationalError:
                assert pgbouncer.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        with connection:
            who = connection.execute("SELECT current_user, inet_server_port()").fetchone()
        assert who == ("app_user", stack.port)
        with pytest.raises(psycopg.OperationalError, match="authentication failed"):
            psycopg.connect(**app, password=APP_PASSWORD.replace(" ", "_"))
        # The password sits in a file its user alone may read.
        assert (run_dir / "userlist.txt").stat().st_mode & 0o077 == 0
    finally:
        pgbouncer.terminate()
        pgbouncer.wait(timeout=30)
        shutil.rmtree(run_dir, ignore_errors=True)


def test_the_replica_copies_the_primary_and_streams_its_changes(stack, scale):
    """The primary's side (docker/db-replication.sh, as the postgres image runs it on a first
    start, then again: idempotent), then the replica's entry point (docker/db-replica.sh) with
    the db-replica service's environment, starting a hot standby that follows the primary."""
    db = scale["services"]["db"]["environment"]
    on_primary = {"PGHOST": str(stack.base), "PGPORT": str(stack.port), "PGDATA": str(stack.data)}
    for _ in range(2):
        primary_side = subprocess.run(  # noqa: S603 — our own argv
            [SH, "docker/db-replication.sh"], cwd=ROOT, capture_output=True, text=True,
            env={"PATH": os.environ["PATH"], **db, **on_primary}, timeout=60,
        )  # fmt: skip
        assert primary_side.returncode == 0, primary_side.stderr
        assert "db-replication: havre_replication may replicate" in primary_side.stdout
    hba = (stack.data / "pg_hba.conf").read_text().splitlines()
    assert hba.count("host replication havre_replication all scram-sha-256") == 1
    with stack.local("havre") as primary:
        role = primary.execute(
            "SELECT rolreplication, rolsuper, rolbypassrls FROM pg_roles "
            "WHERE rolname = 'havre_replication'"
        ).fetchone()
    assert role == (True, False, False)

    replica = scale["services"]["db-replica"]
    bindir = find_bindir()
    base = server_owned_directory("havre-replica-")
    data, port = base / "data", unused_port()
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c hot_standby=on"
    start = [str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "log"), "-w", "-o", options,
             "start"]  # fmt: skip
    env = {
        "PATH": f"{bindir}:{os.environ['PATH']}",
        **replica["environment"],
        "PRIMARY_HOST": "127.0.0.1",
        "PRIMARY_PORT": str(stack.port),
        "PGDATA": str(data),
    }
    probe = secrets.token_hex(8)
    try:
        started = subprocess.run(  # noqa: S603 — our own entry point, then pg_ctl
            [SH, "docker/db-replica.sh", *start], cwd=ROOT, env=env, capture_output=True,
            text=True, timeout=180, **as_server_user(),
        )  # fmt: skip
        assert started.returncode == 0, started.stdout + started.stderr
        assert "db-replica: copying the primary" in started.stdout

        with stack.local("havre") as primary:
            primary.execute("CREATE TABLE replication_probe (note text)")
            primary.execute("INSERT INTO replication_probe VALUES (%s)", [probe])
        with psycopg.connect(
            host=str(base), port=port, user=stack.superuser, dbname="havre", autocommit=True
        ) as standby:
            deadline = time.monotonic() + 30
            while not standby.execute(
                "SELECT to_regclass('replication_probe') IS NOT NULL"
            ).fetchone()[0]:
                assert time.monotonic() < deadline, "the replica never saw the new table"
                time.sleep(0.2)
            assert standby.execute("SELECT note FROM replication_probe").fetchall() == [(probe,)]
            assert standby.execute("SELECT pg_is_in_recovery()").fetchone() == (True,)
            with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
                standby.execute("INSERT INTO replication_probe VALUES ('no')")
        with stack.local("havre") as primary:
            streaming = primary.execute("SELECT usename, state FROM pg_stat_replication").fetchall()
        assert streaming == [("havre_replication", "streaming")]
    finally:
        subprocess.run(  # noqa: S603 — pg_ctl, our own arguments
            [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True, **as_server_user(),
        )  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)
        with stack.local("havre") as primary:
            primary.execute("DROP TABLE IF EXISTS replication_probe")


# --- the image's build context ----------------------------------------------------------------


def dockerignore_patterns() -> list[tuple[bool, re.Pattern]]:
    """.dockerignore as Docker reads it (moby/patternmatcher): (is an exception, regex)."""
    patterns = []
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        exception = line.startswith("!")
        pattern = os.path.normpath(line.lstrip("!").strip()).lstrip("/")
        regex, i = "", 0
        while i < len(pattern):
            char = pattern[i]
            if pattern.startswith("**", i):
                i += 2
                if pattern.startswith("/", i):
                    i += 1
                regex += ".*" if i >= len(pattern) else "(.*/)?"
                continue
            regex += {"*": "[^/]*", "?": "[^/]"}.get(char, re.escape(char))
            i += 1
        patterns.append((exception, re.compile(f"^{regex}$")))
    return patterns


def in_build_context(path: str, patterns) -> bool:
    """Whether Docker sends `path` (relative, with /) to the builder: the last pattern that
    matches it or one of its parent directories decides."""
    parents = path.split("/")
    candidates = ["/".join(parents[: i + 1]) for i in range(len(parents))]
    excluded = False
    for exception, regex in patterns:
        if exception != excluded:
            continue
        if any(regex.match(candidate) for candidate in candidates):
            excluded = not exception
    return not excluded


def test_the_build_context_holds_the_app_and_nothing_else():
    git = shutil.which("git")
    tracked = subprocess.run(  # noqa: S603 — our own argv
        [git, "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    # Files that exist in a working copy without being tracked.
    untracked = [".env", ".git/config", "var/backups/havre.dump.gz", ".venv/bin/python",
                 "apps/core/__pycache__/models.cpython-311.pyc", "bench/results/run.json",
                 "tests/e2e/screenshots/home.png", "requirements.txt"]  # fmt: skip
    patterns = dockerignore_patterns()
    context = {path for path in tracked + untracked if in_build_context(path, patterns)}

    never = ("tests/", "bench/", "docs/", ".git/", "var/", ".venv/", ".ci/", "scripts/")
    assert not [path for path in context if path.startswith(never)]
    assert not [path for path in context if path.endswith((".png", ".pyc")) or path == ".env"]
    assert "Makefile" not in context and "docker-compose.yml" not in context
    # Everything the image runs is there: the code, what it reads, the container scripts...
    for path in tracked:
        if path.startswith(("apps/", "config/", "templates/", "fixtures/", "docker/")):
            assert path in context, path
    assert {"manage.py", "pyproject.toml", "ops/crontab", "requirements.txt"} <= context
    # ...and every file the Dockerfile copies from the context.
    for line in (ROOT / "Dockerfile").read_text().splitlines():
        words = line.split()
        if words[:1] == ["COPY"] and not words[1].startswith("--from"):
            for source in words[1:-1]:
                if source != ".":
                    assert any(
                        path == source or path.startswith(source.rstrip("/") + "/")
                        for path in context
                    ), source


def test_the_dockerignore_reading_follows_docker_rules():
    """The matcher above, on the cases Docker documents (exceptions, ** and parents)."""
    patterns = [(False, re.compile("^[^/]*$")), (True, re.compile("^apps$")),
                (False, re.compile("^(.*/)?__pycache__$"))]  # fmt: skip
    assert in_build_context("apps/core/models.py", patterns)
    assert not in_build_context("apps/core/__pycache__/models.pyc", patterns)
    assert not in_build_context("tests/core/test_x.py", patterns)
    assert not in_build_context("README.md", patterns)


def test_every_variable_compose_reads_is_documented_in_env_example():
    compose_variables = set(re.findall(r"\$\{([A-Z_]+)", (ROOT / "docker-compose.yml").read_text()))
    documented = set(re.findall(r"^# ([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert compose_variables
    assert compose_variables - documented == set()
