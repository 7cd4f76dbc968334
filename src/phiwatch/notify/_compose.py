"""Composing: newly ingested events into immediate alerts and digests, in the outbox.

Notify follows the lake's ingests, not the clock. Each committed ingest
(manifest) is processed once: its events for subscribed patients that are
modifications, or that no care relationship explains, become one alert per
patient, and the ingest is recorded in ``notify_ingest`` in the same
transaction as the alerts. Logs that arrive late are simply a later ingest.

Digests cover a period (a UTC day, or an ISO week) once the lake has moved
past it: when some ingest holds events of a later day (or ``through`` says
so). A period's digest lists every access of that period; ingests that bring
events of a period already digested produce a second, "late" digest for it,
so nothing is lost and nothing is said twice. Only events from ingests
committed after a patient subscribed are reported to them.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

import duckdb
import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from phiwatch.config import Settings
from phiwatch.monitor import Lake, Manifest
from phiwatch.notify._describe import describe_activity, describe_person, describe_unknown_user
from phiwatch.notify._links import LinkSigner
from phiwatch.notify._messages import Item, contacts, insert_outbox, outbox_rows
from phiwatch.notify._relationships import explained_sql, load_roster
from phiwatch.notify._render import Renderer
from phiwatch.security import enable_field_encryption
from phiwatch.store import Store
from phiwatch.store.models.notify import DigestRun, IngestSeen, Subscription

_STAMP = "%Y%m%dT%H%M%S.%fZ"  # the lake's manifest time format
MAX_EVENT_IDS = 50

# Fragments filled with str.replace from our own values (file lists, fixed conditions).
_EVENTS_SQL = """
CREATE OR REPLACE TEMP TABLE ev AS
SELECT e.event_id, e.patient_index, e.recorded, e.day, e.user_pseudonym,
       e.patient_pseudonym, e.action, e.subtype, s.id AS subscription_id
FROM {source} e
JOIN subs s ON s.pseudonym = e.patient_pseudonym
JOIN ingests i ON i.ingest_id = e.ingest_id
WHERE s.created <= i.committed_at AND {condition}
"""
_GROUPED_SQL = """
SELECT ev.subscription_id, ev.user_pseudonym, ev.action, ev.subtype, ev.day,
       x.strength, x.care_kind, x.care_department, x.care_day,
       min(ev.recorded) AS first, count(*) AS times,
       list(ev.event_id ORDER BY ev.recorded)[1:50] AS ids
FROM ev LEFT JOIN ({explained}) x
  ON x.event_id = ev.event_id AND x.patient_index = ev.patient_index
GROUP BY ALL
ORDER BY ev.subscription_id, first
"""


@dataclass(frozen=True)
class ComposeResult:
    ingests: int
    alerts: int
    digests: int
    digest_periods: int


def _day_of(relative: str) -> str:
    return relative.split("/", 1)[0][len("day=") :]


def manifest_days(manifest: Manifest) -> set[str]:
    return {_day_of(f) for f in manifest.files}


def period_of(kind: str, day: date) -> tuple[str, date, date]:
    """(period id, first day, last day) of ``day`` for a daily or weekly digest."""
    if kind == "daily":
        return f"daily:{day.isoformat()}", day, day
    year, week, weekday = day.isocalendar()
    first = day - timedelta(days=weekday - 1)
    return f"weekly:{year}-W{week:02d}", first, first + timedelta(days=6)


def _when(moment: datetime) -> str:
    return f"{moment.day} {moment:%B %Y}, {moment:%H:%M} UTC"


@lru_cache(maxsize=4096)
def _short_day(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


@lru_cache(maxsize=65536)
def _why(
    strength: int | None, kind: str | None, department: str | None, day: date | None
) -> str | None:
    if strength is None:
        return None
    visit = {
        "encounter": f"your visit on {_short_day(day)}",
        "appointment": f"your appointment on {_short_day(day)}",
    }.get(kind or "", "your care")
    where = f" in {department}" if department else ""
    if strength == 1:
        if kind == "careteam":
            return "they are in your care team"
        return f"they took part in {visit}{where}"
    if strength == 2:
        return f"they work in {department}, where you had {visit}" if department else visit
    return f"their work on {visit} (registration, billing or pharmacy)"


class _Composer:
    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.lake = Lake.of(settings)
        self.renderer = Renderer(settings)
        self.links = LinkSigner(settings)
        self.connection = duckdb.connect()
        self.connection.execute("SET enable_progress_bar = false")
        load_roster(store, self.connection)
        self._load_subscribers()
        self._staff_words: dict[str, str] = {}
        for pseudonym, role, department, given, family in self.connection.execute(
            "SELECT pseudonym, role, department, given, family FROM staff"
        ).fetchall():
            self._staff_words[pseudonym] = describe_person(
                policy=settings.notify_staff_names,
                given=given,
                family=family,
                role=role,
                department=department,
            )

    def _load_subscribers(self) -> None:
        with self.store.reader() as session:
            rows = session.execute(
                select(
                    Subscription.id,
                    Subscription.patient_pseudonym,
                    Subscription.immediate,
                    Subscription.digest,
                    Subscription.created_at,
                ).where(Subscription.active.is_(True))
            ).all()
        table = pa.table(
            {
                "id": pa.array([r[0] for r in rows], pa.int64()),
                "pseudonym": pa.array([r[1] for r in rows], pa.string()),
                "immediate": pa.array([bool(r[2]) for r in rows], pa.bool_()),
                "digest": pa.array([r[3] for r in rows], pa.string()),
                "created": pa.array([_aware(r[4]) for r in rows], pa.timestamp("us", tz="UTC")),
            }
        )
        self.subscriber_count = len(rows)
        self.connection.register("subs", table)

    def who(self, user: str | None) -> str:
        return self._staff_words.get(user or "", describe_unknown_user())

    def register_ingests(self, manifests: list[Manifest]) -> None:
        table = pa.table(
            {
                "ingest_id": pa.array([m.ingest_id for m in manifests], pa.string()),
                "committed_at": pa.array(
                    [_parse_stamp(m.committed_at) for m in manifests], pa.timestamp("us", tz="UTC")
                ),
            }
        )
        self.connection.register("ingests", table)

    def files_sql(self, manifests: list[Manifest], days: set[str] | None = None) -> str | None:
        paths = [
            str(self.lake.events_dir / f)
            for m in manifests
            for f in m.files
            if days is None or _day_of(f) in days
        ]
        if not paths:
            return None
        listing = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
        return f"read_parquet([{listing}])"

    def explained_events(self, source: str, condition: str) -> list[tuple[Any, ...]]:
        """Events of ``source`` for subscribers matching ``condition``, with their explanation."""
        ev_sql = _EVENTS_SQL.replace("{source}", source).replace("{condition}", condition)
        self.connection.execute(ev_sql)
        return self.connection.execute(
            _GROUPED_SQL.replace("{explained}", explained_sql("ev"))
        ).fetchall()

    def items_by_subscription(
        self, rows: list[tuple[Any, ...]], *, only_alerts: bool
    ) -> dict[int, list[Item]]:
        grouped: dict[int, dict[tuple[Any, ...], Item]] = defaultdict(dict)
        for (
            sub_id,
            user,
            action,
            subtype,
            _day,
            strength,
            kind,
            dept,
            care_day,
            first,
            times,
            ids,
        ) in rows:
            activity = describe_activity(action, subtype)
            explained = strength is not None
            if only_alerts and explained and not activity.modification:
                continue
            why = _why(strength, kind, dept, care_day)
            attention = not explained or activity.sensitive_change
            key = (user, activity.words, why, attention, first.date())
            item = grouped[sub_id].get(key)
            if item is None:
                grouped[sub_id][key] = Item(
                    when=_when(first),
                    who=self.who(user),
                    what=activity.words,
                    why=why,
                    attention=attention,
                    times=int(times),
                    user=user,
                    event_ids=list(ids),
                )
            else:
                item.times += int(times)
                item.event_ids = (item.event_ids + list(ids))[:MAX_EVENT_IDS]
        return {sub: list(items.values()) for sub, items in grouped.items()}

    def build_rows(
        self,
        kind: str,
        base_keys: dict[int, str],
        items: dict[int, list[Item]],
        extra: dict[str, Any],
    ) -> list[dict[str, Any]]:
        with self.store.reader() as session:
            found = contacts(session, sorted(items))
        rows: list[dict[str, Any]] = []
        for sub_id, sub_items in items.items():
            contact = found.get(sub_id)
            if contact is None or not sub_items:
                continue
            rows.extend(
                outbox_rows(
                    kind=kind,
                    base_key=base_keys[sub_id],
                    contact=contact,
                    items=sub_items,
                    extra=extra,
                    renderer=self.renderer,
                    links=self.links,
                )
            )
        return rows

    # -- immediate alerts -----------------------------------------------------

    def alerts_for(self, manifest: Manifest) -> int:
        """Alerts of one ingest, committed with the ingest's ``notify_ingest`` row.

        A second composer running at the same time fails on that row's key
        and rolls back; its alerts were the same keys, so nothing is lost.
        """
        source = self.files_sql([manifest])
        rows: list[tuple[Any, ...]] = []
        if source is not None and self.subscriber_count:
            rows = self.explained_events(source, "s.immediate")
        items = self.items_by_subscription(rows, only_alerts=True)
        keys = {sub: f"alert:{sub}:{manifest.ingest_id}" for sub in items}
        outbox = self.build_rows("alert", keys, items, {"late": False})
        with self.store.transaction() as session:
            insert_outbox(session, outbox)
            session.add(
                IngestSeen(
                    ingest_id=manifest.ingest_id,
                    committed_at=manifest.committed_at,
                    events=manifest.rows,
                    alerts=len(outbox),
                )
            )
        return len(outbox)

    def alerts_once(self, manifest: Manifest) -> int:
        try:
            return self.alerts_for(manifest)
        except IntegrityError:
            return 0  # another composer recorded this ingest first

    # -- digests ---------------------------------------------------------------

    def digests(self, seen: list[Manifest], through: date | None) -> tuple[int, int]:
        if not seen:
            return 0, 0
        days_by_ingest = {m.ingest_id: manifest_days(m) for m in seen}
        all_days = sorted({d for days in days_by_ingest.values() for d in days})
        if not all_days:
            return 0, 0
        watermark = date.fromisoformat(all_days[-1])
        with self.store.reader() as session:
            runs: dict[str, list[set[str]]] = defaultdict(list)
            for period, ingest_ids in session.execute(
                select(DigestRun.period, DigestRun.ingest_ids)
            ):
                runs[period].append(set(json.loads(ingest_ids)))
        messages = periods = 0
        for kind in ("daily", "weekly"):
            candidates: dict[str, tuple[date, date]] = {}
            for day_text in all_days:
                period, first, last = period_of(kind, date.fromisoformat(day_text))
                candidates[period] = (first, last)
            for period, (first, last) in sorted(candidates.items()):
                complete = last < watermark or (through is not None and last <= through)
                if not complete:
                    continue
                days = {
                    (first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)
                }
                covered = set().union(*runs[period]) if runs[period] else set()
                pending = [
                    m
                    for m in seen
                    if m.ingest_id not in covered and days_by_ingest[m.ingest_id] & days
                ]
                if not pending:
                    continue
                number = len(runs[period])
                messages += self.digest_for(kind, period, first, last, number, pending, days)
                runs[period].append({m.ingest_id for m in pending})
                periods += 1
        return messages, periods

    def digest_for(
        self,
        kind: str,
        period: str,
        first: date,
        last: date,
        number: int,
        pending: list[Manifest],
        days: set[str],
    ) -> int:
        source = self.files_sql(pending, days)
        rows: list[tuple[Any, ...]] = []
        if source is not None and self.subscriber_count:
            rows = self.explained_events(source, f"s.digest = '{kind}'")
        items = self.items_by_subscription(rows, only_alerts=False)
        keys = {sub: f"digest:{sub}:{period}:{number}" for sub in items}
        label = (
            f"on {_short_day(first)}"
            if kind == "daily"
            else f"from {_short_day(first)} to {_short_day(last)}"
        )
        outbox = self.build_rows(
            "digest", keys, items, {"period": period, "period_label": label, "late": number > 0}
        )
        with self.store.transaction() as session:
            insert_outbox(session, outbox)
            session.add(
                DigestRun(
                    period=period,
                    ingest_ids=json.dumps(sorted(m.ingest_id for m in pending)),
                    messages=len(outbox),
                )
            )
        return len(outbox)


def _aware(moment: datetime) -> datetime:
    """Store times come back naive from SQLite (they are UTC) and aware from PostgreSQL."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _parse_stamp(text: str) -> datetime:
    return datetime.strptime(text, _STAMP).replace(tzinfo=UTC)


def compose(settings: Settings, store: Store, *, through: date | None = None) -> ComposeResult:
    """Turn every ingest not yet seen into alerts, then compose every digest now due.

    Safe to run any number of times, and by several processes: an ingest is
    recorded as seen in the same transaction as its alerts, and every
    message's key is unique in the outbox.
    """
    enable_field_encryption(store, settings)
    composer = _Composer(settings, store)
    manifests = composer.lake.manifests()
    composer.register_ingests(manifests)
    with store.reader() as session:
        seen_ids = set(session.scalars(select(IngestSeen.ingest_id)))
    alerts = 0
    new = [m for m in manifests if m.ingest_id not in seen_ids]
    for manifest in new:
        alerts += composer.alerts_once(manifest)
    digests, periods = composer.digests(manifests, through)
    return ComposeResult(len(new), alerts, digests, periods)
