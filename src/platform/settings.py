"""All settings, read once from the environment into one typed object.

With nothing set, every value points at the embedded defaults that `make run`
starts, so a first-time user needs no configuration.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import timedelta
from importlib import resources
from pathlib import Path

from yiwang.platform.errors import InvalidInput


def bundled_templates() -> Path:
    """The tenant templates installed with the package (`yiwang.tenant_templates`)."""
    return Path(str(resources.files("yiwang.tenant_templates")))


def working_directory() -> Path:
    """Where a first run keeps its data: `./var`, beside whoever started it."""
    return Path.cwd() / "var"


def hand_to_workers(values: dict[str, str]) -> None:
    """Worker processes build their `Settings` from the environment they inherit: what a
    parent decided (the app to serve, the worker count sharing the pool budget) goes there."""
    os.environ.update(values)


def _env(name: str, default: str) -> str:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_int(name: str, default: int) -> int:
    raw = _env(name, str(default))
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(
            "settings.invalid", pointer=f"/{name}", name=name, value=raw[:40], detail="整数"
        ) from None


def _env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = _env(name, default)
    if raw not in choices:
        raise InvalidInput(
            "settings.invalid",
            pointer=f"/{name}",
            name=name,
            value=raw[:40],
            detail="、".join(choices),
        )
    return raw


def _env_days(name: str, default: timedelta) -> timedelta:
    """A whole number of days, at least one."""
    days = _env_int(name, default.days)
    if days < 1:
        raise InvalidInput(
            "settings.invalid",
            pointer=f"/{name}",
            name=name,
            value=str(days),
            detail="正整数（天）",
        )
    return timedelta(days=days)


def _env_bool(name: str, default: bool) -> bool:
    return _env(name, "1" if default else "0").lower() in ("1", "true", "yes", "on")


def _env_list(name: str, default: tuple[str, ...]) -> tuple[str, ...]:
    """A comma-separated list; empty items are dropped."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _env_path(name: str, default: Path | None) -> Path | None:
    raw = os.environ.get(name)
    return Path(raw) if raw else default


@dataclass(frozen=True)
class Settings:
    """Typed settings. Build with `Settings.from_env()`; tests build their own."""

    environment: str = "development"
    #: the application's role: not a superuser, not the owner, no BYPASSRLS
    database_url: str = "postgresql+psycopg://yiwang_app:yiwang_app@127.0.0.1:54329/yiwang"
    #: the owner's role; only migrations, onboarding bootstrap and `audit verify` use it
    migration_database_url: str = (
        "postgresql+psycopg://yiwang_owner:yiwang_owner@127.0.0.1:54329/yiwang"
    )
    #: connections each worker keeps open; 0 divides `database_max_connections` among the workers
    database_pool_size: int = 0
    #: what one `yiwang serve` may open across all its workers (below PostgreSQL's max_connections)
    database_max_connections: int = 40
    #: connections a worker may open beyond its pool in a burst (each one is closed afterwards)
    database_max_overflow: int = 0
    #: seconds after which a pooled connection is replaced (below a firewall's or pooler's idle cut)
    database_pool_recycle: int = 1800
    #: seconds a request waits for a free pooled connection before failing
    database_pool_timeout: int = 10
    redis_url: str = "redis://127.0.0.1:63799/0"
    #: "s3" or "local"
    storage_backend: str = "local"
    #: the embedded services' data, the local object store and development logs
    var_dir: Path = field(default_factory=working_directory)
    storage_local_root: Path = field(default_factory=lambda: working_directory() / "objects")
    s3_endpoint_url: str | None = None
    s3_bucket: str = "yiwang"
    s3_region: str = "us-east-1"
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    #: "auto", "path" (most S3-compatible servers on a private host) or "virtual"
    s3_addressing_style: str = "auto"
    #: subsites live at <slug>.<base_domain>
    base_domain: str = "yiwang.localhost"
    templates_root: Path = field(default_factory=bundled_templates)
    default_template: str = "gansu"
    default_divisions: str = "gansu-divisions.csv"
    log_json: bool = False
    log_level: str = "INFO"
    #: fail statements that read tenant tables without a tenant context (tests)
    strict_tenant_context: bool = False
    host: str = "127.0.0.1"
    port: int = 8000
    #: proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (IPs or CIDR ranges)
    trusted_proxies: tuple[str, ...] = ()
    #: origins, besides the request's own, whose pages may send state-changing requests
    trusted_origins: tuple[str, ...] = ()
    #: the largest JSON request body accepted, in bytes
    max_json_bytes: int = 1 << 20
    #: where signed audit checkpoints go: "file", "storage" (object storage) or "syslog"
    audit_checkpoint_store: str = "file"
    audit_checkpoint_file: Path = field(
        default_factory=lambda: working_directory() / "audit" / "checkpoints.jsonl"
    )
    #: a unix socket path, or host:port for UDP
    audit_syslog_address: str = "/dev/log"
    #: the Ed25519 private key (PEM) that signs checkpoints; never stored in the database
    audit_signing_key: Path = field(
        default_factory=lambda: working_directory() / "audit" / "checkpoint-signing-key.pem"
    )
    #: the public key (PEM) that verifies them; derived from the signing key when unset
    audit_verify_key: Path | None = None
    #: seconds between automatic checkpoints; 0 turns them off
    audit_checkpoint_seconds: int = 3600
    #: how long an export's file is kept in object storage before the hourly sweep
    #: (`exports.sweep`) deletes it (`YIWANG_EXPORT_RETENTION_DAYS`, whole days)
    export_retention: timedelta = timedelta(days=7)
    #: how long an import's upload is kept once its import ended, imported or not, before
    #: the hourly sweep (`imports.sweep`) deletes it (`YIWANG_IMPORT_RETENTION_DAYS`)
    import_retention: timedelta = timedelta(days=1)
    #: and one whose import never ended (never queued, or never run), from its upload
    #: (`YIWANG_IMPORT_ABANDONED_DAYS`; an import's status is kept as long, and a day more)
    import_abandoned: timedelta = timedelta(days=7)

    @property
    def production(self) -> bool:
        return self.environment == "production"

    #: worker processes of `yiwang serve`; 0 means one per core
    workers: int = 0
    #: "granian" (chosen by measurement, see bench/README.md) or "uvicorn"
    server: str = "granian"
    #: "off", "sampled" or "all"; empty means off in production and sampled elsewhere
    access_log: str = ""
    #: with `access_log="sampled"`, one request in this many is logged
    access_log_sample: int = 100
    #: seconds a stopping worker has to finish its in-flight requests before it is killed
    shutdown_timeout: int = 20
    #: the ASGI factory each worker of `yiwang serve` builds ("module:function")
    serve_app: str = "yiwang.app:asgi"
    #: freeze the heap after start-up and raise the collector's thresholds (see platform/heap.py)
    gc_tuned: bool = True

    @classmethod
    def from_env(cls) -> Settings:
        d = cls()
        var_dir = Path(_env("YIWANG_VAR_DIR", str(d.var_dir)))
        return cls(
            environment=_env("YIWANG_ENV", d.environment),
            var_dir=var_dir,
            database_url=_env("DATABASE_URL", d.database_url),
            migration_database_url=_env("MIGRATION_DATABASE_URL", d.migration_database_url),
            database_pool_size=_env_int("DATABASE_POOL_SIZE", d.database_pool_size),
            database_max_connections=_env_int(
                "DATABASE_MAX_CONNECTIONS", d.database_max_connections
            ),
            database_max_overflow=_env_int("DATABASE_MAX_OVERFLOW", d.database_max_overflow),
            database_pool_recycle=_env_int("DATABASE_POOL_RECYCLE", d.database_pool_recycle),
            database_pool_timeout=_env_int("DATABASE_POOL_TIMEOUT", d.database_pool_timeout),
            redis_url=_env("REDIS_URL", d.redis_url),
            storage_backend=_env(
                "STORAGE_BACKEND", "s3" if os.environ.get("S3_ENDPOINT_URL") else "local"
            ),
            storage_local_root=Path(_env("STORAGE_LOCAL_ROOT", str(var_dir / "objects"))),
            s3_endpoint_url=os.environ.get("S3_ENDPOINT_URL") or None,
            s3_bucket=_env("S3_BUCKET", d.s3_bucket),
            s3_region=_env("S3_REGION", d.s3_region),
            s3_access_key_id=os.environ.get("S3_ACCESS_KEY_ID") or None,
            s3_secret_access_key=os.environ.get("S3_SECRET_ACCESS_KEY") or None,
            s3_addressing_style=_env_choice(
                "S3_ADDRESSING_STYLE", d.s3_addressing_style, ("auto", "path", "virtual")
            ),
            base_domain=_env("YIWANG_BASE_DOMAIN", d.base_domain),
            templates_root=Path(_env("YIWANG_TEMPLATES", str(d.templates_root))),
            default_template=_env("YIWANG_DEFAULT_TEMPLATE", d.default_template),
            log_json=_env_bool("YIWANG_LOG_JSON", d.log_json),
            log_level=_env("YIWANG_LOG_LEVEL", d.log_level),
            strict_tenant_context=_env_bool(
                "YIWANG_STRICT_TENANT_CONTEXT", d.strict_tenant_context
            ),
            host=_env("YIWANG_HOST", d.host),
            port=_env_int("YIWANG_PORT", d.port),
            trusted_proxies=_env_list("YIWANG_TRUSTED_PROXIES", d.trusted_proxies),
            trusted_origins=_env_list("YIWANG_TRUSTED_ORIGINS", d.trusted_origins),
            max_json_bytes=_env_int("YIWANG_MAX_JSON_BYTES", d.max_json_bytes),
            audit_checkpoint_store=_env("YIWANG_AUDIT_CHECKPOINTS", d.audit_checkpoint_store),
            audit_checkpoint_file=Path(
                _env("YIWANG_AUDIT_CHECKPOINT_FILE", str(d.audit_checkpoint_file))
            ),
            audit_syslog_address=_env("YIWANG_AUDIT_SYSLOG", d.audit_syslog_address),
            audit_signing_key=Path(_env("YIWANG_AUDIT_SIGNING_KEY", str(d.audit_signing_key))),
            audit_verify_key=_env_path("YIWANG_AUDIT_VERIFY_KEY", d.audit_verify_key),
            audit_checkpoint_seconds=_env_int(
                "YIWANG_AUDIT_CHECKPOINT_SECONDS", d.audit_checkpoint_seconds
            ),
            export_retention=_env_days("YIWANG_EXPORT_RETENTION_DAYS", d.export_retention),
            import_retention=_env_days("YIWANG_IMPORT_RETENTION_DAYS", d.import_retention),
            import_abandoned=_env_days("YIWANG_IMPORT_ABANDONED_DAYS", d.import_abandoned),
            workers=_env_int("YIWANG_WORKERS", d.workers),
            server=_env("YIWANG_SERVER", d.server),
            access_log=_env("YIWANG_ACCESS_LOG", d.access_log),
            access_log_sample=_env_int("YIWANG_ACCESS_LOG_SAMPLE", d.access_log_sample),
            shutdown_timeout=_env_int("YIWANG_SHUTDOWN_TIMEOUT", d.shutdown_timeout),
            serve_app=_env("YIWANG_SERVE_APP", d.serve_app),
            gc_tuned=_env_bool("YIWANG_GC_TUNED", d.gc_tuned),
        )

    @property
    def worker_count(self) -> int:
        """Worker processes of `yiwang serve`: the setting, else one per core we may run on."""
        return self.workers if self.workers > 0 else len(os.sched_getaffinity(0))

    @property
    def pool_size(self) -> int:
        """Pooled connections per worker, so that all workers together stay in the budget."""
        if self.database_pool_size > 0:
            return self.database_pool_size
        return max(2, self.database_max_connections // self.worker_count)

    @property
    def access_log_mode(self) -> str:
        """Off in production unless asked for; sampled elsewhere (see platform/access_log.py)."""
        if self.access_log:
            return self.access_log
        return "off" if self.environment == "production" else "sampled"
