"""What the store acknowledged is still there for the next engine, and for the next process."""

from __future__ import annotations

import subprocess
import sys
import textwrap

from makaverse.server.store import Store, make_engine
from makaverse.server.store.engine import SQLITE_BUSY_TIMEOUT_MS
from makaverse.server.store.migrate import upgrade
from makaverse.server.store.seed import seed


def test_data_survives_a_new_store(db_url, clock):
    """Rows written through one Store are read back by a new Store (a new engine) on the same URL."""
    upgrade(db_url)
    with Store(db_url, clock=clock) as first:
        seed(first)
        account = first.create_account(username="tetap", display_name="Tetap", password_hash="h")
        request, _ = first.create_service_request(
            account.id, opd_code="DLH", service_code="ANGKUT_SAMPAH", field_values={"nama": "A"}, client_request_id="k"
        )
        token = first.create_session(account.id, ttl_s=3600)
    with Store(db_url, clock=clock) as second:
        assert second.get_account(account.id) == account
        assert second.get_request(request.id) == request
        assert second.resolve_session(token) == account
        assert len(second.list_opds()) == 10


def test_commit_survives_the_process_dying(db_url):
    """A write acknowledged in a process that then dies abruptly (no cleanup) is found by a new process."""
    upgrade(db_url)
    child = textwrap.dedent(
        f"""
        import os
        from makaverse.server.store import Store
        store = Store({db_url!r})
        account = store.create_account(username="abadi", display_name="Abadi", password_hash="h")
        print(account.id, flush=True)
        os._exit(0)  # no dispose, no atexit: only what was committed counts
        """
    )
    done = subprocess.run([sys.executable, "-c", child], capture_output=True, text=True, timeout=120, check=True)
    account_id = int(done.stdout.strip())
    with Store(db_url) as store:
        assert store.get_account(account_id).username == "abadi"


def test_sqlite_connections_are_durable_and_checked(tmp_path):
    """Every SQLite connection runs in WAL mode with foreign keys on, synchronous=FULL and a busy timeout."""
    engine = make_engine(f"sqlite:///{tmp_path / 'nested' / 'dir' / 'x.db'}")
    try:
        with engine.connect() as connection:
            pragma = {
                p: connection.exec_driver_sql(f"PRAGMA {p}").scalar()
                for p in ("journal_mode", "foreign_keys", "synchronous", "busy_timeout")
            }
    finally:
        engine.dispose()
    assert pragma == {"journal_mode": "wal", "foreign_keys": 1, "synchronous": 2, "busy_timeout": SQLITE_BUSY_TIMEOUT_MS}
    assert (tmp_path / "nested" / "dir" / "x.db").exists()
