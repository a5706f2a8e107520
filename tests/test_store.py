"""ui.store: saved scenarios and calibrations in SQLite and in a real PostgreSQL server.

Every behaviour test runs against both backends (``url`` fixture): an SQLite file in a temporary
folder, and a fresh database on the throwaway server of tests/postgres.py (skipped locally
without Debian's PostgreSQL binaries, a failure under CI). A restart is a fresh Python process;
concurrent writers are threads sharing one Store and forked processes with a Store each.
"""

from __future__ import annotations

import dataclasses
import datetime
import multiprocessing
import pickle
import subprocess
import sys
import threading
import uuid

import pytest
import sqlalchemy as sa

from simulator import Business, Scenario, example_scenario, sample_business
from tests.conftest import ROOT, two_segment_business, uploaded_firm
from ui.store import (
    DEFAULT_STORE_PATH,
    STORE_PATH_VARIABLE,
    STORE_URL_VARIABLE,
    EntryError,
    Store,
    StoreError,
    store_url,
)

WRITERS, SAVES_EACH = 10, 20
FIT = ({"segment": "loyal", "customers": 120, "sbg_alpha": 0.7, "km_survival_12": None},)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path) -> str:
    """An empty store's URL: an SQLite file, or a new database on the PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'nested' / 'store.sqlite'}"
    server = sa.make_url(request.getfixturevalue("postgres_url"))
    name = f"store_{uuid.uuid4().hex}"
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    engine.dispose()
    return server.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="module")
def firm() -> Business:
    """A calibrated business (conftest.uploaded_firm), with sBG log-covariances set."""
    _, business = uploaded_firm()
    assert any(s.sbg_log_covariance for s in business.segments)
    return business


@pytest.fixture
def store(url):
    opened = Store(url)
    yield opened
    opened.dispose()


def scenario(i: int) -> Scenario:
    return dataclasses.replace(example_scenario(), tools_spend_per_month=1000.0 * i + 0.1)


# --- round trips, validation, ordering ---


def test_scenario_round_trip_is_exact_with_utc_times(store):
    before = datetime.datetime.now(datetime.UTC)
    saved = store.save_scenario(
        name="  Price +5 %  ", notes="ask finance\nfirst", author="Ana", scenario=scenario(1)
    )
    after = datetime.datetime.now(datetime.UTC)
    assert (saved.name, saved.notes, saved.author) == ("Price +5 %", "ask finance\nfirst", "Ana")
    assert saved.calibration_id is None and len(saved.id) == 32
    assert before <= saved.created_at == saved.updated_at <= after
    again = store.scenario(saved.id)
    assert again == saved and again.scenario == scenario(1)
    assert again.created_at.tzinfo == datetime.UTC
    assert store.scenarios() == [saved]


def test_calibration_round_trip_keeps_the_calibrated_business_exactly(store, firm):
    business = firm
    saved = store.save_calibration(
        name="Firm, Sept", notes="36 months", author="Bo", business=business, fit_summary=FIT
    )
    again = store.calibration(saved.id)
    assert again == saved and again.business == business and again.fit_summary == FIT
    assert store.calibrations() == [saved]
    built = store.save_scenario(name="on firm", scenario=Scenario(), calibration_id=saved.id)
    assert store.scenario(built.id).calibration_id == saved.id
    assert store.delete_calibration(saved.id) and store.calibration(saved.id) is None
    assert store.scenario(built.id).calibration_id == saved.id  # the UI reports it missing


def test_lists_are_newest_updated_first_and_update_bumps(store):
    first, second, third = (store.save_scenario(name=n, scenario=scenario(1)) for n in "abc")
    assert [s.name for s in store.scenarios()] == ["c", "b", "a"]
    updated = store.update_scenario(first.id, name="a2", notes="n", scenario=scenario(7))
    assert (updated.name, updated.notes, updated.scenario) == ("a2", "n", scenario(7))
    assert updated.created_at == first.created_at < updated.updated_at
    assert store.scenario(first.id) == updated
    assert [s.id for s in store.scenarios()] == [first.id, third.id, second.id]
    kept = store.update_scenario(second.id)  # nothing given: only the time moves
    assert (kept.name, kept.scenario) == (second.name, second.scenario)
    one, two = (
        store.save_calibration(name=n, business=two_segment_business(), fit_summary=())
        for n in "xy"
    )
    assert [c.id for c in store.calibrations()] == [two.id, one.id]


def test_delete_and_absent_or_malformed_ids(store):
    saved = store.save_scenario(name="gone soon", scenario=scenario(1))
    assert store.delete_scenario(saved.id) is True
    assert store.delete_scenario(saved.id) is False
    assert store.scenario(saved.id) is None and store.scenarios() == []
    with pytest.raises(StoreError, match="no longer exists"):
        store.update_scenario(saved.id, notes="late edit")
    absent = uuid.uuid4().hex
    for bad in (absent, "", "x" * 32, absent.upper(), absent + "0", "'; DROP TABLE scenarios--"):
        assert store.scenario(bad) is None and store.calibration(bad) is None
        assert store.delete_scenario(bad) is False and store.delete_calibration(bad) is False
        with pytest.raises(StoreError, match="no longer exists"):
            store.update_scenario(bad, name="x")


def test_validation_names_the_field(store):
    ok = store.save_scenario(
        name="n" * 120, notes="x" * 4000, author="a" * 120, scenario=Scenario()
    )
    assert len(ok.name) == 120
    cases = [
        ({"name": "   "}, "name: required"),
        ({"name": "n" * 121}, "name: at most 120"),
        ({"name": "n", "notes": "x" * 4001}, "notes: at most 4000"),
        ({"name": "n", "author": "a" * 121}, "author: at most 120"),
        ({"name": "n", "calibration_id": "cal=1"}, "calibration id"),
    ]
    for given, message in cases:
        with pytest.raises(EntryError, match=message) as raised:
            store.save_scenario(scenario=Scenario(), **given)
        assert isinstance(raised.value, ValueError)
    with pytest.raises(EntryError, match="name: required"):
        store.update_scenario(ok.id, name="")
    with pytest.raises(EntryError, match="fit summary"):
        store.save_calibration(name="c", business=sample_business(), fit_summary=[{"x": object()}])
    assert store.scenarios() == [ok] and store.calibrations() == []


def test_unreadable_rows_are_left_out_of_lists_and_refused_when_opened(store, url):
    good = store.save_scenario(name="good", scenario=scenario(1))
    future = store.save_scenario(name="from the future", scenario=scenario(2))
    cal = store.save_calibration(name="bad cal", business=sample_business(), fit_summary=FIT)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE scenarios SET scenario = REPLACE(scenario, '\"version\": 1', '\"version\": 9')"
            f" WHERE id = '{future.id}'"
        )
        conn.exec_driver_sql(f"UPDATE calibrations SET format_version = 2 WHERE id = '{cal.id}'")
    engine.dispose()
    assert store.scenarios() == [good] and store.calibrations() == []
    with pytest.raises(StoreError, match="'from the future'.*cannot be read.*or delete it"):
        store.scenario(future.id)
    with pytest.raises(StoreError, match="'bad cal'.*stored layout 2"):
        store.calibration(cal.id)
    assert store.delete_scenario(future.id) and store.delete_calibration(cal.id)


# --- a restart: a fresh process finds everything ---

READ_BACK = """
import pickle, sys
from ui.store import Store
for url in sys.stdin:
    store = Store(url.strip())
    data = pickle.dumps((store.scenarios(), store.calibrations()))
    store.dispose()
    sys.stdout.buffer.write(len(data).to_bytes(8, "big") + data)
    sys.stdout.buffer.flush()
"""


@pytest.fixture(scope="module", autouse=True)
def fresh_process():
    """``read_back(url)``: what a new Python process lists in the store at ``url``.

    The process starts with this module, so its imports (seconds) overlap the other tests; it
    opens each store for the first time when asked, after the writer has stopped: a restart.
    """
    process = subprocess.Popen(
        [sys.executable, "-c", READ_BACK],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )

    def read_back(url: str):
        process.stdin.write(f"{url}\n".encode())
        process.stdin.flush()
        size = process.stdout.read(8)
        assert len(size) == 8, process.stderr.read().decode()
        return pickle.loads(process.stdout.read(int.from_bytes(size, "big")))

    yield read_back
    process.stdin.close()
    process.wait(timeout=60)


FORK = multiprocessing.get_context("fork")  # a fresh Store in a child, without re-importing


def _save_then_stop(url: str, business, out) -> None:
    """A server's life: save, edit, delete; report what it lists; stop without disposing."""
    store = Store(url)
    cal = store.save_calibration(name="firm", author="Bo", business=business, fit_summary=FIT)
    kept = [
        store.save_scenario(
            name=f"s{i}",
            notes="n",
            author="Ana",
            scenario=scenario(i),
            calibration_id=cal.id if i else None,
        )
        for i in range(3)
    ]
    store.update_scenario(kept[0].id, notes="edited")
    store.delete_scenario(store.save_scenario(name="dropped", scenario=Scenario()).id)
    out.put((store.scenarios(), store.calibrations()))


def test_saved_entries_survive_a_restart(url, firm, fresh_process):
    out = FORK.SimpleQueue()
    server = FORK.Process(target=_save_then_stop, args=(url, firm, out))
    server.start()
    before = out.get()
    server.join(timeout=60)
    assert server.exitcode == 0
    after = fresh_process(url)
    assert after == before
    scenarios, calibrations = after
    assert [s.name for s in scenarios] == ["s0", "s2", "s1"] and scenarios[0].notes == "edited"
    assert [c.name for c in calibrations] == ["firm"] and calibrations[0].business == firm


# --- concurrent writers lose nothing ---


def _write_many(store: Store, writer: int) -> list[str]:
    ids = []
    for i in range(SAVES_EACH):
        saved = store.save_scenario(
            name=f"w{writer}-{i}", author=f"writer {writer}", scenario=scenario(i)
        )
        ids.append(saved.id)
        assert store.scenario(saved.id) == saved
    return ids


def _write_in_own_process(url: str, writer: int, out) -> None:
    store = Store(url)  # every process opens the store itself, racing to create the tables
    out.put(_write_many(store, writer))
    store.dispose()


def _check_all_saved(url: str, ids: list[str]) -> None:
    assert len(ids) == len(set(ids)) == WRITERS * SAVES_EACH
    store = Store(url)
    listed = store.scenarios()
    assert sorted(s.id for s in listed) == sorted(ids)
    assert all(store.scenario(i) is not None for i in ids)
    names = {s.name for s in listed}
    assert names == {f"w{w}-{i}" for w in range(WRITERS) for i in range(SAVES_EACH)}
    store.dispose()


def test_ten_threads_sharing_one_store_lose_no_scenario(url):
    store = Store(url)
    found: list[list[str]] = []
    errors: list[BaseException] = []

    def write(writer: int) -> None:
        try:
            found.append(_write_many(store, writer))
        except BaseException as exc:  # reported below, with the thread's traceback
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    store.dispose()
    assert not errors, errors
    _check_all_saved(url, [i for ids in found for i in ids])


def test_ten_processes_each_with_a_store_lose_no_scenario(url):
    out = FORK.SimpleQueue()
    writers = [
        FORK.Process(target=_write_in_own_process, args=(url, w, out)) for w in range(WRITERS)
    ]
    for p in writers:
        p.start()
    found = [out.get() for _ in writers]
    for p in writers:
        p.join(timeout=120)
    assert [p.exitcode for p in writers] == [0] * WRITERS
    _check_all_saved(url, [i for ids in found for i in ids])


# --- settings and failures ---


def test_store_url_prefers_secrets_then_url_then_path(tmp_path):
    pg = "postgresql+psycopg://u@db/x"
    assert store_url({}, {"store": {"url": pg}}) == pg
    assert store_url({STORE_URL_VARIABLE: pg}, {"store": {"url": ""}}) == pg
    assert store_url({STORE_URL_VARIABLE: pg, STORE_PATH_VARIABLE: "a.sqlite"}) == pg
    file = tmp_path / "here.sqlite"
    assert (
        store_url({STORE_PATH_VARIABLE: str(file)}, {"other": {}}) == f"sqlite+pysqlite:///{file}"
    )
    assert store_url({STORE_URL_VARIABLE: ""}) == f"sqlite+pysqlite:///{DEFAULT_STORE_PATH}"
    assert DEFAULT_STORE_PATH == ROOT / "var" / "service-gap.sqlite"

    class NoSecretsFile(dict):  # st.secrets without a secrets.toml raises on access
        def __getitem__(self, key):
            raise FileNotFoundError("no secrets.toml")

    assert store_url({STORE_URL_VARIABLE: pg}, NoSecretsFile()) == pg


def test_connection_failures_say_what_to_do_and_hide_passwords(tmp_path):
    with pytest.raises(StoreError, match=f"not a valid SQLAlchemy URL.*{STORE_URL_VARIABLE}"):
        Store("not a url")
    with pytest.raises(StoreError, match=f"nonsense://.*{STORE_URL_VARIABLE}"):
        Store("nonsense://")
    with pytest.raises(StoreError, match="cannot open the store") as raised:
        Store("postgresql+psycopg://ana:s3cret@127.0.0.1:1/db?connect_timeout=5")
    assert "s3cret" not in str(raised.value) and "ana:***@127.0.0.1" in str(raised.value)
    blocker = tmp_path / "a file"
    blocker.write_text("")
    with pytest.raises(StoreError, match=f"cannot create the folder.*{STORE_PATH_VARIABLE}"):
        Store(f"sqlite:///{blocker / 'store.sqlite'}")
    with pytest.raises(StoreError, match="cannot open the store.*unable to open"):
        Store(f"sqlite:///{tmp_path}")  # a folder, not a file
    shown = Store(f"sqlite:///{tmp_path / 's.sqlite'}")
    assert shown.url_for_display == f"sqlite:///{tmp_path / 's.sqlite'}"
    shown.dispose()
