"""Importing exports: identity across exports, what changed, all-or-nothing, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
from datetime import date

import pytest
from sqlalchemy import func, select, update

from phiwatch import registry
from phiwatch.errors import ConflictError, InputError, NotFoundError
from phiwatch.registry import ListName
from phiwatch.store import Store
from phiwatch.store.models.registry import Breach, BreachChange, RegistryImport, WatchHit

from .conftest import row


def _table_counts(store: Store) -> dict[str, int]:
    with store.reader() as session:
        return {
            model.__tablename__: int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Breach, BreachChange, RegistryImport, WatchHit)
        }


def _breach(store: Store, uid: str) -> Breach:
    with store.reader() as session:
        return session.scalars(select(Breach).where(Breach.uid == uid)).one()


def test_first_import_adds_every_record(store, write_csv) -> None:
    path = write_csv([row(), row(name="Other Clinic", affected="501")])
    summary = registry.import_file(store, path)
    assert (summary.new, summary.updated, summary.unchanged, summary.records) == (2, 0, 0, 2)
    assert summary.list_name is ListName.investigation  # no descriptions
    assert summary.as_of == date.today()  # the day the file was saved
    assert summary.import_id is not None
    assert registry.count_breaches(store) == (2, 1701)


def test_reimport_changes_nothing_and_says_so(store, write_csv) -> None:
    path = write_csv([row(), row(name="Other Clinic")])
    first = registry.import_file(store, path)
    before = _table_counts(store)
    again = registry.import_file(store, path)
    assert not again.changed
    assert again.unchanged == 2 and again.import_id is None
    assert again.identical_to == first.import_id
    assert _table_counts(store) == before


def test_a_changed_field_updates_the_same_breach_and_is_recorded(store, write_csv) -> None:
    registry.import_file(store, write_csv([row(affected="1200")], name="week1.csv"))
    uid = registry.list_breaches(store)[0]["id"]
    summary = registry.import_file(
        store,
        write_csv([row(affected="4800", types="Hacking/IT Incident, Theft")], name="week2.csv"),
    )
    assert (summary.new, summary.updated) == (0, 1)
    delta = summary.deltas[0]
    assert delta.uid == uid and delta.kind == "updated"
    assert delta.changes["individuals_affected"] == (1200, 4800)
    assert delta.changes["breach_types"] == (
        ["Hacking/IT Incident"],
        ["Hacking/IT Incident", "Theft"],
    )
    detail = registry.get_breach(store, uid)
    assert detail["individuals_affected"] == 4800
    assert [h["kind"] for h in detail["history"]] == ["new", "updated"]
    assert detail["history"][1]["changes"]["individuals_affected"] == [1200, 4800]


def test_case_moved_to_the_archive_is_the_same_breach(store, write_csv) -> None:
    registry.import_file(
        store,
        write_csv([row(), row(name="Still Open Clinic")], name="open.csv"),
        as_of=date(2024, 6, 1),
    )
    uid = registry.list_breaches(store, registry.BreachFilter.from_user(entity="example clinic"))[
        0
    ]["id"]
    closed = row(name="Example Clinic ", description="The covered entity reported ...")
    summary = registry.import_file(
        store, write_csv([closed], name="archive.csv"), as_of=date(2024, 9, 1)
    )
    assert summary.list_name is ListName.archive
    assert (summary.new, summary.moved) == (0, 1)
    assert summary.deltas[0].uid == uid
    assert summary.deltas[0].changes["list"] == ("investigation", "archive")
    assert "description" in summary.deltas[0].changes
    moved = _breach(store, uid)
    assert (moved.list_name, moved.listed, moved.entity_name) == (
        "archive",
        True,
        "Example Clinic ",
    )
    assert registry.count_breaches(store)[0] == 2


def test_breach_gone_from_its_list_is_kept_and_marked(store, write_csv) -> None:
    registry.import_file(store, write_csv([row(), row(name="Closed Clinic")], name="a.csv"))
    summary = registry.import_file(
        store, write_csv([row(), row(name="New Clinic", submitted="04/01/2024")], name="b.csv")
    )
    assert (summary.new, summary.delisted, summary.unchanged) == (1, 1, 1)
    gone = [d for d in summary.deltas if d.kind == "delisted"]
    assert [d.entity_name for d in gone] == ["Closed Clinic"]
    assert not _breach(store, gone[0].uid).listed
    assert registry.count_breaches(store)[0] == 3
    # It comes back: relisted, same id.
    back = registry.import_file(
        store,
        write_csv(
            [row(), row(name="New Clinic", submitted="04/01/2024"), row(name="Closed Clinic")],
            name="c.csv",
        ),
    )
    assert back.relisted == 1 and back.deltas[0].uid == gone[0].uid


def test_renamed_entity_keeps_its_id(store, write_csv) -> None:
    registry.import_file(
        store, write_csv([row(name="Anthem Inc.", affected="78800000")], name="a.csv")
    )
    uid = registry.list_breaches(store)[0]["id"]
    summary = registry.import_file(
        store, write_csv([row(name="Elevance Health", affected="78800000")], name="b.csv")
    )
    assert (summary.new, summary.updated, summary.delisted) == (0, 1, 0)
    assert summary.deltas[0].uid == uid
    assert summary.deltas[0].changes["entity_name"] == ("Anthem Inc.", "Elevance Health")
    assert (
        registry.list_breaches(store, registry.BreachFilter.from_user(entity="elevance"))[0]["id"]
        == uid
    )
    # Re-importing the renamed export changes nothing now.
    assert not registry.import_file(
        store, write_csv([row(name="Elevance Health", affected="78800000")], name="c.csv")
    ).changed


def test_repeated_rows_are_separate_reports_and_stay_stable(store, write_csv) -> None:
    same = row(
        name="McEwen & Associates",
        entity_type="Business Associate",
        affected="500",
        associate="Yes",
    )
    path = write_csv([same, same, same, row()])
    summary = registry.import_file(store, path)
    assert summary.new == 4 and summary.repeated_rows == 2
    uids = {b["id"] for b in registry.list_breaches(store)}
    assert len(uids) == 4
    assert not registry.import_file(store, path).changed


def test_reports_sharing_entity_state_and_day_update_the_right_one(store, write_csv) -> None:
    registry.import_file(
        store, write_csv([row(affected="700"), row(affected="9000")], name="a.csv")
    )
    by_count = {b["individuals_affected"]: b["id"] for b in registry.list_breaches(store)}
    summary = registry.import_file(
        store, write_csv([row(affected="700"), row(affected="9100")], name="b.csv")
    )
    assert (summary.updated, summary.unchanged, summary.new) == (1, 1, 0)
    assert summary.deltas[0].uid == by_count[9000]


def test_lists_of_one_snapshot_never_match_each_other(store, write_csv) -> None:
    """The two lists of one snapshot are disjoint: a same-day report on the other list is new."""
    archived = row(affected="900", description="closed case")
    registry.import_file(store, write_csv([archived], name="archive.csv"), as_of=date(2024, 6, 28))
    open_case = row(affected="1500")
    summary = registry.import_file(
        store, write_csv([open_case], name="open.csv"), as_of=date(2024, 6, 28)
    )
    assert (summary.new, summary.moved) == (1, 0)
    assert registry.count_breaches(store)[0] == 2


def test_bad_row_leaves_the_store_unchanged(store, write_csv) -> None:
    registry.import_file(store, write_csv([row()], name="good.csv"))
    before = _table_counts(store)
    bad = write_csv(
        [row(affected="2000"), row(name="New Clinic"), row(submitted="31/12/2024")], name="bad.csv"
    )
    with pytest.raises(
        InputError, match=r"bad\.csv, line 4, record 3, column 'Breach Submission Date'"
    ):
        registry.import_file(store, bad)
    assert _table_counts(store) == before
    assert registry.count_breaches(store) == (1, 1200)


def test_failure_while_writing_rolls_everything_back(store, write_csv, monkeypatch) -> None:
    """A crash after the first writes (here: while recording watch hits) leaves no trace."""
    registry.import_file(store, write_csv([row()], name="a.csv"))
    registry.add_watch(store, "Example")
    before = _table_counts(store)

    def explode(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("phiwatch.registry._importer._record_watch_hits", explode)
    with pytest.raises(RuntimeError, match="disk full"):
        registry.import_file(
            store, write_csv([row(affected="5000"), row(name="B Clinic")], name="b.csv")
        )
    assert _table_counts(store) == before
    assert registry.count_breaches(store) == (1, 1200)


def test_older_export_of_a_list_is_refused_unless_forced(store, write_csv) -> None:
    registry.import_file(store, write_csv([row(submitted="05/01/2024")], name="new.csv"))
    old = write_csv([row(submitted="03/01/2024")], name="old.csv")
    with pytest.raises(ConflictError, match="older than the one already imported"):
        registry.import_file(store, old, as_of=date(2024, 3, 2))
    assert registry.import_file(store, old, as_of=date(2024, 3, 2), force=True).changed


def test_watch_records_hits_for_new_and_changed_breaches(store, write_csv) -> None:
    registry.add_watch(store, "Anthem, Inc.")
    registry.import_file(
        store,
        write_csv(
            [row(name="Anthem Blue Cross"), row(name="Panthemic Labs"), row(name="Other")],
            name="a.csv",
        ),
    )
    hits = registry.pending_watch_hits(store)
    assert [(h["watch"], h["breach"]["entity"], h["kind"]) for h in hits] == [
        ("Anthem, Inc.", "Anthem Blue Cross", "new")
    ]
    summary = registry.import_file(
        store,
        write_csv(
            [
                row(name="Anthem Blue Cross", affected="9999"),
                row(name="Panthemic Labs"),
                row(name="Other"),
            ],
            name="b.csv",
        ),
    )
    assert [(m.watch, m.kind) for m in summary.watch_matches] == [("Anthem, Inc.", "updated")]
    pending = registry.pending_watch_hits(store)
    assert [h["kind"] for h in pending] == ["new", "changed"]
    assert registry.mark_watch_hits_delivered(store, [h["hit"] for h in pending]) == 2
    assert registry.pending_watch_hits(store) == []
    assert registry.list_watches(store)[0]["matches"] == 1


def test_watchlist_add_list_remove(store) -> None:
    added = registry.add_watch(store, "Change Healthcare, Inc.")
    assert added["key"] == "change healthcare"
    with pytest.raises(ConflictError, match="already watched"):
        registry.add_watch(store, "CHANGE HEALTHCARE")
    assert [w["name"] for w in registry.list_watches(store)] == ["Change Healthcare, Inc."]
    assert registry.remove_watch(store, "change healthcare inc") == "Change Healthcare, Inc."
    assert registry.list_watches(store) == []
    with pytest.raises(NotFoundError):
        registry.remove_watch(store, "nobody")


def test_explicit_list_and_as_of(store, write_csv) -> None:
    summary = registry.import_file(
        store, write_csv([row()]), list_name=ListName.archive, as_of=date(2024, 8, 1)
    )
    assert (summary.list_name, summary.as_of) == (ListName.archive, date(2024, 8, 1))
    assert registry.list_imports(store)[0]["as_of"] == date(2024, 8, 1)


def _expected_uid(match_key: str, ordinal: int, salt: int = 0) -> str:
    """The public id's derivation, spelled out: it must not change between releases."""
    seed = f"{match_key}#{ordinal}" + (f"~{salt}" if salt else "")
    return hashlib.blake2b(seed.encode(), digest_size=5).hexdigest()


def _set_uid(store: Store, old: str, new: str) -> None:
    with store.transaction() as session:
        session.execute(update(Breach).where(Breach.uid == old).values(uid=new))


def test_public_id_is_derived_from_the_match_key(store, write_csv) -> None:
    summary = registry.import_file(store, write_csv([row(), row(name="Other Clinic, LLC")]))
    assert [d.uid for d in summary.deltas] == [
        _expected_uid("example clinic|TX|2024-03-14", 1),
        _expected_uid("other clinic|TX|2024-03-14", 1),
    ]


def test_same_day_report_on_the_other_list_takes_the_next_ordinal(store, write_csv) -> None:
    """The other list's breaches are not loaded for matching, yet ordinals count across lists."""
    snapshot = date(2024, 6, 28)
    registry.import_file(
        store, write_csv([row(description="closed")], name="archive.csv"), as_of=snapshot
    )
    summary = registry.import_file(
        store, write_csv([row(affected="1500")], name="open.csv"), as_of=snapshot
    )
    assert summary.new == 1
    assert summary.deltas[0].uid == _expected_uid("example clinic|TX|2024-03-14", 2)
    assert _breach(store, summary.deltas[0].uid).ordinal == 2


@pytest.mark.parametrize("same_snapshot", [True, False])
def test_a_taken_public_id_is_salted(store, write_csv, same_snapshot: bool) -> None:
    """Two identities whose ids collide (forced here) still get distinct, derived ids.

    With one snapshot the archive's breaches are not loaded for matching the
    under-investigation export, so the id is checked against the database.
    """
    archived = registry.import_file(
        store,
        write_csv([row(description="closed")], name="archive.csv"),
        as_of=date(2024, 6, 28),
    )
    new_key = "new clinic|TX|2024-03-14"
    _set_uid(store, archived.deltas[0].uid, _expected_uid(new_key, 1))
    summary = registry.import_file(
        store,
        write_csv([row(name="New Clinic")], name="open.csv"),
        as_of=date(2024, 6, 28) if same_snapshot else date(2024, 7, 5),
    )
    assert summary.new == 1
    assert summary.deltas[0].uid == _expected_uid(new_key, 1, salt=1)
    assert registry.count_breaches(store)[0] == 2
