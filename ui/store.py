"""Saved scenarios and calibrations: named, with notes, author and timestamps, in a database.

An embedded SQLite file by default (:data:`DEFAULT_STORE_PATH`, or the path in
:data:`STORE_PATH_VARIABLE`); PostgreSQL (or any SQLAlchemy URL) when a database URL is
configured, see :func:`store_url`. Both survive a server restart; many sessions may save at once
(SQLite: WAL journal, a 30 s busy timeout and ``BEGIN IMMEDIATE`` for writes; PostgreSQL: row
inserts under READ COMMITTED never conflict). Calibrations keep the calibrated parameters and the
fit summary, never the uploaded rows. Schema, settings and concurrency: ``docs/store.md``.

No Streamlit here: the pages share one :class:`Store` (thread-safe; it holds only a SQLAlchemy
engine) through ``st.cache_resource``.

References: SQLAlchemy 2.x, "Serializable isolation / Savepoints / Transactional DDL" in the
pysqlite dialect documentation; SQLite, "Write-Ahead Logging" (https://sqlite.org/wal.html).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime
import json
import logging
import re
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc as sa_exc

from simulator import Business, Scenario, ScenarioFileError
from simulator.decisions.scenario_file import FORMAT, VERSION, scenario_from_dict, scenario_to_dict

STORE_URL_VARIABLE = "SERVICE_GAP_DATABASE_URL"
"""Environment variable with a SQLAlchemy URL, e.g. ``postgresql+psycopg://user@host/db``."""
STORE_PATH_VARIABLE = "SERVICE_GAP_STORE_PATH"
"""Environment variable with the SQLite file path, used when no database URL is set."""
DEFAULT_STORE_PATH = Path(__file__).resolve().parents[1] / "var" / "service-gap.sqlite"
"""The SQLite file when neither variable is set (``var/`` is git-ignored)."""
ROW_VERSION = 1
"""Layout of a stored row (the ``format_version`` column); rows of a newer layout are skipped."""
BUSY_TIMEOUT_SECONDS = 30
"""How long a SQLite writer waits for another to finish before giving up."""
NAME_CHARS, NOTES_CHARS, AUTHOR_CHARS = 120, 4000, 120
KINDS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
"""How pages name a database backend (SQLAlchemy's backend name otherwise)."""
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Control characters and bidirectional formatting characters: refused in names, authors and
notes (which may hold line breaks and tabs); a name or author also holds no line break."""
_ID = re.compile(r"[0-9a-f]{32}")
log = logging.getLogger(__name__)

metadata = sa.MetaData()


def _columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(NAME_CHARS), nullable=False),
        sa.Column("notes", sa.Text, nullable=False),
        sa.Column("author", sa.String(AUTHOR_CHARS), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("format_version", sa.Integer, nullable=False),
    ]


scenarios_table = sa.Table(
    "scenarios",
    metadata,
    *_columns(),
    sa.Column("scenario", sa.Text, nullable=False),  # scenario-file JSON without "business"
    sa.Column("calibration_id", sa.String(32)),  # no foreign key: deleting keeps the reference
)
calibrations_table = sa.Table(
    "calibrations",
    metadata,
    *_columns(),
    sa.Column("business", sa.Text, nullable=False),  # scenario-file JSON without "scenario"
    sa.Column("fit_summary", sa.Text, nullable=False),  # JSON list of records
)


class StoreError(Exception):
    """The store cannot do what was asked.

    The message names the database (its file or URL, password hidden) and what to change: for
    the server log and the command line, and logged where it is raised. :attr:`reason` says the
    same without the database's path, URL or host: what a page may show.
    """

    def __init__(self, message: str, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message


class EntryError(StoreError, ValueError):
    """A name, notes, author or fit summary the store refuses; the message says which and why."""


def store_url(environ: Mapping[str, str], secrets: Mapping | None = None) -> str:
    """The store's SQLAlchemy URL.

    ``secrets["store"]["url"]`` (Streamlit secrets) first, then ``environ[STORE_URL_VARIABLE]``,
    else a SQLite file at ``environ[STORE_PATH_VARIABLE]`` or :data:`DEFAULT_STORE_PATH`.
    Empty values count as unset.
    """
    try:
        configured = secrets["store"]["url"] if secrets is not None else ""
    except (KeyError, TypeError, FileNotFoundError):  # no [store] section, or no secrets file
        configured = ""
    configured = configured or environ.get(STORE_URL_VARIABLE, "")
    if configured:
        return configured
    path = Path(environ.get(STORE_PATH_VARIABLE) or DEFAULT_STORE_PATH).expanduser().resolve()
    return sa.URL.create("sqlite+pysqlite", database=str(path)).render_as_string(False)


@dataclasses.dataclass(frozen=True, kw_only=True)
class SavedScenario:
    """A saved scenario; times are timezone-aware UTC.

    ``calibration_id`` is the saved calibration the scenario was built on (None = the bundled
    sample business); it may name a calibration since deleted.
    """

    id: str
    name: str
    notes: str
    author: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    scenario: Scenario
    calibration_id: str | None


@dataclasses.dataclass(frozen=True, kw_only=True)
class SavedCalibration:
    """A saved calibration: the calibrated business (parameters only, never customer rows) and
    its fit summary (JSON-able records, e.g. one per segment); times are timezone-aware UTC."""

    id: str
    name: str
    notes: str
    author: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    business: Business
    fit_summary: tuple[dict, ...]


class Store:
    """Saved scenarios and calibrations in the database at ``url`` (see :func:`store_url`).

    Opening creates the tables if missing. Thread-safe: share one instance across sessions.
    Every database failure is raised as :class:`StoreError`.
    """

    def __init__(self, url: str) -> None:
        try:
            parsed = sa.make_url(url)
        except sa_exc.ArgumentError:
            raise _logged(
                f"the store's database URL is not a valid SQLAlchemy URL; set "
                f"{STORE_URL_VARIABLE} to e.g. postgresql+psycopg://user@host/dbname",
                "the shared database is not set up correctly",
            ) from None
        self._shown = parsed.render_as_string(hide_password=True)
        backend = parsed.get_backend_name()
        self.kind = KINDS.get(backend, backend)
        """The backend as pages name it ("SQLite", "PostgreSQL"): never its file, URL or host."""
        self._engine = self._open(parsed)
        self._writer = self._engine.execution_options(store_write=True)
        try:
            with self._guard("open"):
                _create_tables(self._writer)
        except StoreError:
            self._engine.dispose()
            raise

    def _open(self, url: sa.URL) -> sa.Engine:
        sqlite = url.get_backend_name() == "sqlite"
        if sqlite and url.database and url.database != ":memory:":
            try:
                Path(url.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise _logged(
                    f"cannot create the folder for the store {url.database}: {exc.strerror}; "
                    f"set {STORE_PATH_VARIABLE} to a writable file path",
                    f"the shared database ({self.kind}) cannot be created",
                ) from None
        try:
            engine = sa.create_engine(url, pool_pre_ping=not sqlite)
        except (sa_exc.ArgumentError, sa_exc.NoSuchModuleError, ImportError) as exc:
            raise _logged(
                f"cannot use the database URL {self._shown}: {exc}; set {STORE_URL_VARIABLE} "
                "to e.g. postgresql+psycopg://user@host/dbname",
                "the shared database is not set up correctly",
            ) from None
        if sqlite:
            sa.event.listen(engine, "connect", _sqlite_connect)
            sa.event.listen(engine, "begin", _sqlite_begin)
        return engine

    @property
    def url_for_display(self) -> str:
        """The database URL with any password hidden (for the server log and the command line,
        not for pages: it names the file or the host)."""
        return self._shown

    @contextlib.contextmanager
    def _guard(self, doing: str) -> Iterator[None]:
        try:
            yield
        except sa_exc.SQLAlchemyError as exc:
            reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise _logged(
                f"cannot {doing} the store {self._shown}: {reason}. Check that the database is "
                f"running and writable, or point {STORE_URL_VARIABLE} / {STORE_PATH_VARIABLE} "
                "at another one",
                f"cannot {doing} the shared database ({self.kind}): it may be stopped, full or "
                "read-only",
            ) from None

    def _now(self) -> datetime.datetime:
        return datetime.datetime.now(datetime.UTC)

    # --- scenarios ---

    def save_scenario(
        self,
        *,
        name: str,
        notes: str = "",
        author: str = "",
        scenario: Scenario,
        calibration_id: str | None = None,
    ) -> SavedScenario:
        """Save a new scenario and return it (a fresh id; name need not be unique)."""
        if calibration_id is not None and not _valid_id(calibration_id):
            raise EntryError(f"calibration id {calibration_id!r} is not a saved calibration's id")
        now = self._now()
        row = {
            "id": uuid.uuid4().hex,
            **_labels(name, notes, author),
            "created_at": now,
            "updated_at": now,
            "format_version": ROW_VERSION,
            "scenario": _scenario_json(scenario),
            "calibration_id": calibration_id,
        }
        with self._guard("save a scenario in"), self._writer.begin() as conn:
            conn.execute(scenarios_table.insert().values(row))
        return _saved_scenario(row)

    def update_scenario(
        self,
        scenario_id: str,
        *,
        name: str | None = None,
        notes: str | None = None,
        scenario: Scenario | None = None,
    ) -> SavedScenario:
        """Change a saved scenario's name, notes or settings (None = keep); bumps updated_at.

        Raises StoreError when no saved scenario has this id (e.g. deleted meanwhile).
        """
        changes: dict[str, Any] = {"updated_at": self._now()}
        if name is not None:
            changes["name"] = _text("name", name, NAME_CHARS, required=True)
        if notes is not None:
            changes["notes"] = _text("notes", notes, NOTES_CHARS)
        if scenario is not None:
            changes["scenario"] = _scenario_json(scenario)
        table = scenarios_table
        row = None
        if _valid_id(scenario_id):
            with self._guard("update a scenario in"), self._writer.begin() as conn:
                where = table.c.id == scenario_id
                if conn.execute(table.update().where(where).values(changes)).rowcount:
                    row = conn.execute(table.select().where(where)).one()
        if row is None:
            raise StoreError(f"saved scenario {scenario_id} no longer exists; save it anew")
        return _saved_scenario(row._asdict())

    def scenarios(self) -> list[SavedScenario]:
        """Every readable saved scenario, most recently updated first."""
        return self._all(scenarios_table, _saved_scenario)

    def scenario(self, scenario_id: str) -> SavedScenario | None:
        """The saved scenario with this id; None if there is none (or the id is malformed).

        Raises StoreError if it was saved in a form this version cannot read.
        """
        return self._one(scenarios_table, scenario_id, _saved_scenario)

    def delete_scenario(self, scenario_id: str) -> bool:
        """Delete a saved scenario; False if there was none with this id."""
        return self._delete(scenarios_table, scenario_id)

    # --- calibrations ---

    def save_calibration(
        self,
        *,
        name: str,
        notes: str = "",
        author: str = "",
        business: Business,
        fit_summary: Sequence[Mapping],
    ) -> SavedCalibration:
        """Save a calibrated business (parameters only) and its fit summary records."""
        try:
            summary = json.dumps([dict(r) for r in fit_summary], ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise EntryError(f"fit summary: must be JSON-able records ({exc})") from None
        payload = scenario_to_dict(business, Scenario())
        del payload["scenario"]
        now = self._now()
        row = {
            "id": uuid.uuid4().hex,
            **_labels(name, notes, author),
            "created_at": now,
            "updated_at": now,
            "format_version": ROW_VERSION,
            "business": json.dumps(payload, ensure_ascii=False),
            "fit_summary": summary,
        }
        with self._guard("save a calibration in"), self._writer.begin() as conn:
            conn.execute(calibrations_table.insert().values(row))
        return _saved_calibration(row)

    def calibrations(self) -> list[SavedCalibration]:
        """Every readable saved calibration, most recently updated first."""
        return self._all(calibrations_table, _saved_calibration)

    def calibration(self, calibration_id: str) -> SavedCalibration | None:
        """The saved calibration with this id; None if there is none (or the id is malformed).

        Raises StoreError if it was saved in a form this version cannot read.
        """
        return self._one(calibrations_table, calibration_id, _saved_calibration)

    def delete_calibration(self, calibration_id: str) -> bool:
        """Delete a saved calibration; False if there was none. Scenarios built on it keep the
        id (the UI reports the calibration as missing)."""
        return self._delete(calibrations_table, calibration_id)

    def dispose(self) -> None:
        """Close the pooled connections (the store can still be used: it reconnects)."""
        self._engine.dispose()

    # --- shared ---

    def _all(self, table: sa.Table, build) -> list:
        order = (table.c.updated_at.desc(), table.c.created_at.desc(), table.c.id)
        with self._guard(f"list the {table.name} in"), self._engine.connect() as conn:
            rows = conn.execute(table.select().order_by(*order)).all()
        read = []
        for row in rows:
            try:
                read.append(_readable(table, row, build))
            except StoreError as exc:
                log.warning("skipped in the list: %s", exc)
        return read

    def _one(self, table: sa.Table, entry_id: str, build):
        if not _valid_id(entry_id):
            return None
        with self._guard(f"read the {table.name} in"), self._engine.connect() as conn:
            row = conn.execute(table.select().where(table.c.id == entry_id)).one_or_none()
        return None if row is None else _readable(table, row, build)

    def _delete(self, table: sa.Table, entry_id: str) -> bool:
        if not _valid_id(entry_id):
            return False
        with self._guard(f"delete from the {table.name} in"), self._writer.begin() as conn:
            return conn.execute(table.delete().where(table.c.id == entry_id)).rowcount > 0


def _create_tables(engine: sa.Engine) -> None:
    """``create_all``, retried once. SQLite serialises it (``engine`` is the writer); on
    PostgreSQL two processes opening a new database at once may both try to create a table, and
    the loser sees it exists on the second look."""
    try:
        metadata.create_all(engine)
    except (sa_exc.OperationalError, sa_exc.ProgrammingError, sa_exc.IntegrityError):
        metadata.create_all(engine)


def _sqlite_connect(dbapi_connection, _record) -> None:
    """WAL (readers never block the writer), a busy timeout, and SQLAlchemy's own BEGINs."""
    dbapi_connection.isolation_level = None  # the driver's implicit BEGIN off; see _sqlite_begin
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_SECONDS * 1000}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.close()


def _sqlite_begin(conn: sa.Connection) -> None:
    """Writers take SQLite's write lock up front (``BEGIN IMMEDIATE``), so they wait in the busy
    timeout instead of failing on a stale read snapshot."""
    immediate = conn.get_execution_options().get("store_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def _logged(message: str, reason: str) -> StoreError:
    """A :class:`StoreError` whose message names the database, logged here (pages show only
    ``reason``)."""
    log.error("store: %s", message)
    return StoreError(message, reason)


def _valid_id(entry_id: object) -> bool:
    return isinstance(entry_id, str) and _ID.fullmatch(entry_id) is not None


def _text(field: str, value: str, limit: int, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise EntryError(f"{field}: must be text, got {type(value).__name__}")
    value = value.strip()
    if required and not value:
        raise EntryError(f"{field}: required; give it a name")
    if len(value) > limit:
        raise EntryError(f"{field}: at most {limit} characters, got {len(value)}; shorten it")
    allowed = "\n\r\t" if field == "notes" else ""
    hidden = next((m for m in _INVISIBLE.finditer(value) if m.group() not in allowed), None)
    if hidden is not None:
        code = f"U+{ord(hidden.group()):04X}"
        raise EntryError(
            f"{field}: character {hidden.start() + 1} is a control or text-direction character "
            f"({code}), which would be invisible or reorder the text around it; retype the "
            f"{field} without it"
        )
    return value


def _labels(name: str, notes: str, author: str) -> dict[str, str]:
    return {
        "name": _text("name", name, NAME_CHARS, required=True),
        "notes": _text("notes", notes, NOTES_CHARS),
        "author": _text("author", author, AUTHOR_CHARS),
    }


def _scenario_json(scenario: Scenario) -> str:
    """The scenario-file form without ``business`` (a flat dataclass of numbers and flags)."""
    payload = {"format": FORMAT, "version": VERSION, "scenario": dataclasses.asdict(scenario)}
    return json.dumps(payload, ensure_ascii=False)


def _readable(table: sa.Table, row: sa.Row, build):
    """``build(row)``, or StoreError naming the entry if this version cannot read it."""
    values = row._asdict()
    try:
        if values["format_version"] != ROW_VERSION:
            raise ScenarioFileError(f"stored layout {values['format_version']}, not {ROW_VERSION}")
        return build(values)
    except (ScenarioFileError, ValueError, TypeError, KeyError) as exc:
        kind = table.name.removesuffix("s")
        raise StoreError(
            f"saved {kind} {values['name']!r} ({values['id']}) cannot be read by this version "
            f"of the app ({exc}); open it with the version that saved it, or delete it"
        ) from None


def _utc(moment: datetime.datetime) -> datetime.datetime:
    """SQLite hands back naive times (stored as UTC); PostgreSQL aware ones in its time zone."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=datetime.UTC)
    return moment.astimezone(datetime.UTC)


def _common(values: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": values["id"],
        "name": values["name"],
        "notes": values["notes"],
        "author": values["author"],
        "created_at": _utc(values["created_at"]),
        "updated_at": _utc(values["updated_at"]),
    }


def _saved_scenario(values: Mapping[str, Any]) -> SavedScenario:
    _, scenario = scenario_from_dict(json.loads(values["scenario"]))
    return SavedScenario(
        **_common(values), scenario=scenario, calibration_id=values["calibration_id"]
    )


def _saved_calibration(values: Mapping[str, Any]) -> SavedCalibration:
    payload = json.loads(values["business"])
    if "business" not in payload:
        raise ScenarioFileError("business: missing")
    business, _ = scenario_from_dict(payload)
    summary = json.loads(values["fit_summary"])
    return SavedCalibration(
        **_common(values), business=business, fit_summary=tuple(dict(r) for r in summary)
    )
