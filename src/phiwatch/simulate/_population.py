"""People: patients in households, a workforce in departments, some of them patients too.

Everything is numpy arrays indexed by position (patient i, user j); names
and streets come from small Faker pools sampled with the seeded generator,
which is what makes 500,000 patients take seconds rather than minutes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from faker import Faker

from phiwatch.simulate._catalogue import (
    CLINICAL,
    DEPARTMENTS,
    DEPT_INDEX,
    IT,
    NURSE,
    PHYSICIAN,
    ROLES,
)
from phiwatch.simulate._config import Behaviour, HospitalConfig
from phiwatch.simulate._vocabulary import vocabulary

_I64 = np.int64
_VARIATION_STREAM = 0x7A11  # surnames, titles, float pool: never the main generator's draws


@dataclass
class Patients:
    ids: np.ndarray  # str
    given: np.ndarray
    family: np.ndarray
    sex: np.ndarray  # "male" / "female"
    birth_day: np.ndarray  # days since 1970-01-01
    household: np.ndarray
    house_number: np.ndarray
    street: np.ndarray
    city: np.ndarray
    state: np.ndarray
    postal_code: np.ndarray
    vip: np.ndarray  # bool
    deceased: np.ndarray  # bool
    language: np.ndarray  # str: preferred language ("es", "en"), "" when not recorded

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class Workforce:
    ids: np.ndarray  # str, the Practitioner id, also the CSV USER_ID
    role: np.ndarray  # index into ROLES
    dba: np.ndarray  # bool: an IT account with database rights
    department: np.ndarray  # index into DEPARTMENTS
    night_shift: np.ndarray  # bool
    hire_day: np.ndarray  # days since epoch
    end_day: np.ndarray  # last day employed (days since epoch), or a large number
    patient: np.ndarray  # the same person's patient index, or -1
    given: np.ndarray
    family: np.ndarray
    sex: np.ndarray
    birth_day: np.ndarray
    house_number: np.ndarray
    street: np.ndarray
    city: np.ndarray
    state: np.ndarray
    postal_code: np.ndarray
    workstations: np.ndarray  # (users, 2) indices into Workstations
    title_code: np.ndarray  # str: the role as the roster codes it (vocabulary)
    title: np.ndarray  # str: the role's display text
    float_pool: np.ndarray  # bool: a nurse of the float pool, who works on any ward
    npi: np.ndarray  # str: a ten-digit NPI (check digit valid)

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class Workstations:
    ids: np.ndarray
    address: np.ndarray
    department: np.ndarray


NEVER = 10**6  # an end day that never comes

# Preferred languages: about 13% of US residents speak Spanish at home (Census ACS); most
# of the rest have English recorded, a few nothing at all.
SPANISH_SHARE = 0.13
UNRECORDED_SHARE = 0.05
_LANGUAGE_STREAM = 0x1A96  # a generator of its own, so the other draws stay as they were


def _languages(seed: int, n: int) -> np.ndarray:
    """Each patient's preferred language, from a generator seeded apart from the main one.

    Drawing from the main generator would shift every later draw (workforce,
    encounters, traffic) and change a seed's whole hospital; this keeps them.
    """
    draw = np.random.default_rng([seed, _LANGUAGE_STREAM]).random(n)
    return np.where(
        draw < SPANISH_SHARE, "es", np.where(draw < 1 - UNRECORDED_SHARE, "en", "")
    ).astype(str)


def _pools(seed: int) -> dict[str, np.ndarray]:
    fake = Faker("en_US")
    fake.seed_instance(seed)
    return {
        "family": np.unique([fake.last_name() for _ in range(1500)]),
        "male": np.unique([fake.first_name_male() for _ in range(500)]),
        "female": np.unique([fake.first_name_female() for _ in range(500)]),
        "street": np.unique([fake.street_name() for _ in range(3000)]),
        "city": np.array(
            [f"{fake.city()}|{fake.state_abbr()}|{fake.zipcode()}" for _ in range(60)]
        ),
    }


def make_patients(config: HospitalConfig, rng: np.random.Generator) -> Patients:
    pools = _pools(config.seed)
    n = config.patients
    sizes = rng.choice([1, 2, 3, 4, 5], p=[0.35, 0.3, 0.15, 0.12, 0.08], size=n)
    household = np.repeat(np.arange(len(sizes)), sizes)[:n]
    member = np.arange(n) - np.searchsorted(household, household)
    households = int(household[-1]) + 1
    behaviour = config.behaviour_in_force
    family_of = rng.integers(0, len(pools["family"]), households)
    if not behaviour.default:
        family_of = _surnames(config.seed, behaviour, len(pools["family"]), households)
    street_of = rng.integers(0, len(pools["street"]), households)
    number_of = rng.integers(1, 400, households)
    city_of = rng.integers(0, len(pools["city"]), households)
    if behaviour.towns:  # a few nearby towns, the first ones largest
        local = np.random.default_rng([config.seed, _VARIATION_STREAM + 4])
        weights = 1.0 / np.arange(1, behaviour.towns + 1)
        city_of = local.choice(behaviour.towns, size=households, p=weights / weights.sum())
    sex = np.where(rng.random(n) < 0.5, "female", "male")
    given = np.where(
        sex == "female",
        pools["female"][rng.integers(0, len(pools["female"]), n)],
        pools["male"][rng.integers(0, len(pools["male"]), n)],
    )
    start_day = int(np.datetime64(config.start, "D").astype(_I64))
    adult_age = rng.integers(20 * 365, 90 * 365, n)
    child_age = rng.integers(0, 18 * 365, n)
    age = np.where(member < 2, adult_age, child_age)
    city_parts = np.char.split(pools["city"][city_of[household]].astype(str), "|")
    cities = np.array([p[0] for p in city_parts])
    states = np.array([p[1] for p in city_parts])
    postal = np.array([p[2] for p in city_parts])
    vip = np.zeros(n, dtype=bool)
    vip[rng.choice(n, size=max(3, n // 2000), replace=False)] = True
    deceased = rng.random(n) < 0.003
    return Patients(
        ids=np.char.add("pat-", np.char.zfill(np.arange(1, n + 1).astype(str), 7)),
        given=given,
        family=pools["family"][family_of[household]],
        sex=sex,
        birth_day=start_day - age,
        household=household,
        house_number=number_of[household],
        street=pools["street"][street_of[household]],
        city=cities,
        state=states,
        postal_code=postal,
        vip=vip,
        deceased=deceased,
        language=_languages(config.seed, n),
    )


def _surnames(seed: int, behaviour: Behaviour, pool: int, households: int) -> np.ndarray:
    """Each household's surname (index into the pool): Zipf-like, some from a community.

    Real surnames are far from uniform (in the US the commonest hundred
    cover about a sixth of people), and in a close-knit community a few dozen
    names cover most households, so "same surname" alone says little there.
    """
    rng = np.random.default_rng([seed, _VARIATION_STREAM])
    order = rng.permutation(pool)  # which names are the common ones
    if behaviour.surname_zipf > 0:
        weights = 1.0 / np.arange(1, pool + 1) ** behaviour.surname_zipf
        family = order[rng.choice(pool, size=households, p=weights / weights.sum())]
    else:
        family = order[rng.integers(0, pool, households)]
    if behaviour.community_share > 0:
        few = min(pool, behaviour.community_surnames)
        community = rng.random(households) < behaviour.community_share
        # the community's names: some of the rarer ones, each about as common as the next
        names = order[pool - few :]
        family[community] = names[rng.integers(0, few, int(community.sum()))]
    return np.asarray(family, dtype=_I64)


def npi_numbers(count: int, seed: int) -> np.ndarray:
    """``count`` distinct ten-digit NPIs with a valid check digit (Luhn over 80840 + 9 digits)."""
    rng = np.random.default_rng([seed, _VARIATION_STREAM + 1])
    bases = 100_000_000 + rng.choice(200_000_000, size=count, replace=False)  # 1... or 2...
    out = []
    for base in bases:
        digits = [int(c) for c in "80840" + str(int(base))]
        total = 0
        for position, digit in enumerate(reversed(digits)):
            if position % 2 == 0:  # doubled: the check digit will sit to their right
                digit *= 2
                digit -= 9 if digit > 9 else 0
            total += digit
        out.append(f"{int(base)}{(10 - total % 10) % 10}")
    return np.array(out)


def _titles(
    config: HospitalConfig, role: np.ndarray, dba: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Each employee's title in the configured vocabulary (one drawn per person)."""
    words = vocabulary(config.vocabulary_name)
    rng = np.random.default_rng([config.seed, _VARIATION_STREAM + 2])
    keys = np.array([code for code, _, _ in ROLES], dtype=object)[role]
    keys[dba] = "dba"
    codes = np.empty(len(role), dtype=object)
    shown = np.empty(len(role), dtype=object)
    pick = rng.integers(0, 1 << 30, len(role))
    for i, key in enumerate(keys):
        titles = words.roles[str(key)]
        title = titles[int(pick[i]) % len(titles)]
        codes[i], shown[i] = title.code, title.display
    return codes.astype(str), shown.astype(str)


def _roles(n: int, rng: np.random.Generator) -> np.ndarray:
    shares = np.array([share for _, share, _ in ROLES])
    counts = np.maximum(1, np.floor(shares * n).astype(int))
    counts[NURSE] += n - counts.sum()
    role = np.repeat(np.arange(len(ROLES)), counts)
    rng.shuffle(role)
    return role


def make_workforce(
    config: HospitalConfig, patients: Patients, rng: np.random.Generator
) -> tuple[Workforce, Workstations]:
    n = config.users
    role = _roles(n, rng)
    department = np.empty(n, dtype=_I64)
    clinical = np.isin(role, (PHYSICIAN, NURSE))
    weights = np.array([3.0 if DEPARTMENTS[d].code == "ED" else 1.0 for d in CLINICAL])
    department[clinical] = rng.choice(CLINICAL, size=int(clinical.sum()), p=weights / weights.sum())
    for r, (_, _, home) in enumerate(ROLES):
        if home is not None:
            department[role == r] = DEPT_INDEX[home]
    night = (role == NURSE) & (rng.random(n) < 0.4)
    start_day = int(np.datetime64(config.start, "D").astype(_I64))
    hire_day = start_day - rng.integers(30, 20 * 365, n)
    end_day = np.full(n, NEVER, dtype=_I64)
    leaving = rng.random(n) < 0.03  # left during the simulated period
    end_day[leaving] = start_day + rng.integers(0, max(1, config.days - 1), int(leaving.sum()))
    # Some employees are patients here too: same person, same name and address.
    is_patient = rng.random(n) < 0.35
    adults = np.flatnonzero(patients.birth_day < start_day - 20 * 365)
    chosen = rng.choice(adults, size=int(is_patient.sum()), replace=False)
    patient = np.full(n, -1, dtype=_I64)
    patient[is_patient] = chosen
    pools = _pools(config.seed + 1)
    sex = np.where(rng.random(n) < 0.6, "female", "male")
    given = np.where(
        sex == "female",
        pools["female"][rng.integers(0, len(pools["female"]), n)],
        pools["male"][rng.integers(0, len(pools["male"]), n)],
    )
    # Non-patient employees live on the patients' streets too: neighbours exist.
    donor = rng.integers(0, len(patients), n)
    donor[is_patient] = chosen
    given[is_patient] = patients.given[chosen]
    sex[is_patient] = patients.sex[chosen]
    family = patients.family[rng.integers(0, len(patients), n)]
    family[is_patient] = patients.family[chosen]
    birth = start_day - rng.integers(22 * 365, 66 * 365, n)
    birth[is_patient] = patients.birth_day[chosen]
    house = np.where(is_patient, patients.house_number[donor], rng.integers(1, 400, n))
    stations = _workstations(department, rng)
    behaviour = config.behaviour_in_force
    variation = np.random.default_rng([config.seed, _VARIATION_STREAM + 3])
    float_pool = (role == NURSE) & (variation.random(n) < behaviour.float_pool_share)
    dba = (role == IT) & (np.arange(n) % 2 == 0)
    title_code, title = _titles(config, role, dba)
    workforce = Workforce(
        ids=np.char.add("emp-", np.char.zfill(np.arange(1, n + 1).astype(str), 6)),
        role=role,
        dba=dba,
        department=department,
        night_shift=night,
        hire_day=hire_day,
        end_day=end_day,
        patient=patient,
        given=given,
        family=family,
        sex=sex,
        birth_day=birth,
        house_number=house,
        street=patients.street[donor],
        city=patients.city[donor],
        state=patients.state[donor],
        postal_code=patients.postal_code[donor],
        workstations=stations[1],
        title_code=title_code,
        title=title,
        float_pool=float_pool,
        npi=npi_numbers(n, config.seed),
    )
    return workforce, stations[0]


def _workstations(
    department: np.ndarray, rng: np.random.Generator
) -> tuple[Workstations, np.ndarray]:
    ids: list[str] = []
    addresses: list[str] = []
    depts: list[int] = []
    first = np.zeros(len(DEPARTMENTS), dtype=_I64)
    count = np.zeros(len(DEPARTMENTS), dtype=_I64)
    for d, dept in enumerate(DEPARTMENTS):
        staff = int((department == d).sum())
        k = max(2, staff // 3)
        first[d], count[d] = len(ids), k
        for w in range(k):
            ids.append(f"WS-{dept.code}-{w + 1:03d}")
            addresses.append(f"10.{d + 1}.{w // 200}.{w % 200 + 10}")
            depts.append(d)
    pick = rng.integers(0, 1 << 30, size=(len(department), 2))
    per_user = first[department][:, None] + pick % count[department][:, None]
    table = Workstations(np.array(ids), np.array(addresses), np.array(depts, dtype=_I64))
    return table, per_user
