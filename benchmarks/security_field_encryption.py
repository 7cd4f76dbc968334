"""Cost of PHI field encryption: writing and reading rows with EncryptedText vs plain Text.

Same table shape, same rows, same SQLite store, in one run: the floor is the
identical table with plain ``Text`` columns. Prints one result line with rows
per second for both and the ratio.

    python benchmarks/security_field_encryption.py --rows 20000
"""

from __future__ import annotations

import argparse
import tempfile
import time

from sqlalchemy import Integer, MetaData, Text, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from phiwatch.config import load_settings
from phiwatch.security import EncryptedText, KeyedHash, enable_field_encryption
from phiwatch.store import Store, open_store


class _Base(DeclarativeBase):
    metadata = MetaData()


class Encrypted(_Base):
    __tablename__ = "bench_encrypted"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(EncryptedText())
    address: Mapped[str] = mapped_column(EncryptedText())
    name_hash: Mapped[str] = mapped_column(KeyedHash())


class Plain(_Base):
    __tablename__ = "bench_plain"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(Text)
    name_hash: Mapped[str] = mapped_column(Text)


def _measure(store: Store, model: type[Encrypted] | type[Plain], rows: int) -> tuple[float, float]:
    started = time.perf_counter()
    with store.transaction() as session:
        session.add_all(
            model(
                id=i,
                name=f"Patient Name {i}",
                address=f"{i} Main Street, Springfield",
                name_hash=f"Patient Name {i}",
            )
            for i in range(rows)
        )
    written = time.perf_counter() - started
    started = time.perf_counter()
    with store.reader() as session:
        count = sum(1 for name in session.scalars(select(model.name)) if name)
    read = time.perf_counter() - started
    assert count == rows
    return rows / written, rows / read


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        settings = load_settings(environ={}, data_dir=folder, secret_key="b" * 48)
        store = open_store(settings)
        enable_field_encryption(store, settings)
        _Base.metadata.create_all(store.engine)
        plain_w, plain_r = _measure(store, Plain, args.rows)
        enc_w, enc_r = _measure(store, Encrypted, args.rows)
        store.close()
    print(
        f"field encryption, {args.rows} rows x 2 encrypted + 1 keyed-hash column (SQLite): "
        f"write {enc_w:,.0f} rows/s vs plain {plain_w:,.0f} rows/s "
        f"(ratio {plain_w / enc_w:.2f}x slower); "
        f"read {enc_r:,.0f} rows/s vs plain {plain_r:,.0f} rows/s "
        f"(ratio {plain_r / enc_r:.2f}x slower)"
    )


if __name__ == "__main__":
    main()
