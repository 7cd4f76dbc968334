"""Kept query results: reused until an import changes the registry, and never shared for editing."""

from __future__ import annotations

from phiwatch import registry

from .conftest import row


def test_results_follow_every_import(store, write_csv) -> None:
    registry.import_file(store, write_csv([row()], name="a.csv"))
    assert registry.count_breaches(store) == (1, 1200)
    assert registry.breach_stats(store, ["state"])[0]["breaches"] == 1
    registry.import_file(
        store, write_csv([row(), row(name="Second", affected="800")], name="b.csv")
    )
    assert registry.count_breaches(store) == (2, 2000)
    assert registry.breach_stats(store, ["state"])[0]["breaches"] == 2
    assert len(registry.list_breaches(store)) == 2


def test_callers_get_their_own_copies(sqlite_store, write_csv) -> None:
    registry.import_file(sqlite_store, write_csv([row()]))
    first = registry.list_breaches(sqlite_store)
    first[0]["entity"] = "edited by a caller"
    first.clear()
    again = registry.list_breaches(sqlite_store)
    assert [r["entity"] for r in again] == ["Example Clinic"]


def test_stores_do_not_share_results(tmp_path, write_csv) -> None:
    from phiwatch.config import load_settings
    from phiwatch.store import open_store

    one = open_store(load_settings(environ={}, data_dir=str(tmp_path / "one")))
    two = open_store(load_settings(environ={}, data_dir=str(tmp_path / "two")))
    try:
        registry.import_file(one, write_csv([row()], name="a.csv"))
        registry.import_file(two, write_csv([row(), row(name="B")], name="b.csv"))
        assert registry.count_breaches(one)[0] == 1
        assert registry.count_breaches(two)[0] == 2
    finally:
        one.close()
        two.close()


def test_an_import_by_another_process_shows_within_the_generation_ttl(
    sqlite_store, write_csv, tmp_path
) -> None:
    """The web app reads the generation at most once a second; the CLI imports elsewhere."""
    import subprocess
    import sys
    import time

    from phiwatch.registry._cache import GENERATION_TTL_SECONDS

    registry.import_file(sqlite_store, write_csv([row()], name="a.csv"))
    assert registry.count_breaches(sqlite_store)[0] == 1
    second = write_csv([row(), row(name="Second", affected="800")], name="b.csv")
    url = str(sqlite_store.engine.url)
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from phiwatch import registry\n"
        "from phiwatch.config import load_settings\n"
        "from phiwatch.store import open_store\n"
        "store = open_store(load_settings(environ={}, data_dir=sys.argv[1], database_url=sys.argv[2]))\n"
        "registry.import_file(store, Path(sys.argv[3]))\n"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "other"), url, str(second)], check=True
    )
    time.sleep(GENERATION_TTL_SECONDS + 0.1)
    assert registry.count_breaches(sqlite_store)[0] == 2
