"""The load test's records: influencers that pass the API's validation, written in the canonical
form MySQL stores (so what was sent compares with what MySQL holds column by column), and the two
deterministic "ERP" days of the full runs: the seed (day one) and the load's full run (the day
after: some keys changed, some new, some deleted, a few invalid).

Which keys an integrator may write is decided here too, so that no two integrators ever write the
same key and the final content of every key is known exactly.
"""

import random
import unicodedata
import zlib
from datetime import datetime, timedelta, timezone

PLATFORMS = ["instagram", "tiktok", "youtube", "twitch", "kwai", "other"]
STATUSES = ["active", "inactive", "blocked"]
CITIES = [("São Paulo", "SP"), ("Rio de Janeiro", "RJ"), ("Belo Horizonte", "MG"),
          ("Salvador", "BA"), ("Curitiba", "PR"), ("Recife", "PE"), ("Porto Alegre", "RS"),
          ("Manaus", "AM"), ("Goiânia", "GO"), ("Florianópolis", "SC")]
NAMES = ["Ana", "Bruno", "Carla", "Diego", "Eduarda", "Felipe", "Gabriela", "Heitor", "Isabela",
         "João", "Karina", "Lucas", "Mariana", "Nicolas", "Olívia", "Pedro"]
SURNAMES = ["Silva", "Santos", "Oliveira", "Souza", "Lima", "Pereira", "Costa", "Almeida"]

EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
SEED_FROM = datetime(2019, 1, 1, tzinfo=timezone.utc)
SEED_TO = datetime(2025, 12, 31, tzinfo=timezone.utc)
CHANGED_FROM = datetime(2026, 6, 1, tzinfo=timezone.utc)
CHANGED_TO = datetime(2026, 10, 31, tzinfo=timezone.utc)

# Keys of the ERP slice: an integrator i may also write the ERP keys k with k % OWNER_MODULUS == i,
# as an integrator correcting a record the ERP also has. Keys with the last residue belong to no
# integrator: the full run's invalid records are taken among them, so their fate stays the ERP's.
OWNER_MODULUS = 50
MAX_INTEGRATORS = OWNER_MODULUS - 1
# Keys only integrators write: integrator i's new keys start at INTEGRATOR_BASE + i * KEYS_EACH.
INTEGRATOR_BASE = 100_000_000
KEYS_EACH = 10_000_000
INVALID_IN_FULL_RUN = 3


def cpf(rng):
    """A CPF (11 digits, bare) whose check digits are right."""
    while True:
        digits = [rng.randrange(10) for _ in range(9)]
        if len(set(digits)) > 1:
            break
    for weights_from in (10, 11):
        total = sum(d * w for d, w in zip(digits, range(weights_from, 1, -1)))
        rest = total % 11
        digits.append(0 if rest < 2 else 11 - rest)
    return "".join(map(str, digits))


def wrong_cpf(rng):
    """A CPF whose last check digit is off by one: the API rejects it."""
    good = cpf(rng)
    return good[:-1] + str((int(good[-1]) + 1) % 10)


def timestamp(moment):
    """RFC 3339 in UTC with microseconds (MySQL keeps the nanoseconds too: source_updated_ns)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def nanos(moment):
    """What MySQL's source_updated_ns holds for `moment`."""
    delta = moment - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1_000


def between(rng, start, end):
    span = int((end - start).total_seconds() * 1_000_000)
    return start + timedelta(microseconds=rng.randrange(span))


def ascii_word(text):
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def influencer(erp_id, rng, updated_at):
    """A valid influencer, canonical: trimmed text, bare CPF, upper-case UF."""
    first, last = rng.choice(NAMES), rng.choice(SURNAMES)
    city, uf = rng.choice(CITIES)
    handle = ascii_word(f"{first}.{last}{erp_id}")
    return {
        "erp_id": erp_id,
        "name": f"{first} {last}",
        "handle": "@" + handle,
        "email": f"{handle}@example.com.br" if rng.random() < 0.8 else None,
        "phone": f"+55 ({rng.randrange(11, 99)}) 9{rng.randrange(10**7, 10**8)}" if rng.random() < 0.7 else None,
        "platform": rng.choice(PLATFORMS),
        "followers": rng.randrange(0, 5_000_000),
        "document": cpf(rng),
        "city": city,
        "state": uf,
        "status": rng.choice(STATUSES),
        "source_updated_at": timestamp(updated_at),
    }


def invalid(record, rng):
    """`record` with a CPF whose check digit is wrong."""
    return dict(record, document=wrong_cpf(rng))


# ---- the ERP: the seed day and the load's full run ------------------------------------------------

def fate(erp_id):
    """What the load's full run does to a seed key: 2 % deleted, 3 % changed, the rest kept."""
    roll = zlib.crc32(f"fate:{erp_id}".encode()) % 1000
    return "deleted" if roll < 20 else "changed" if roll < 50 else "kept"


def seed_record(erp_id):
    rng = random.Random(f"seed:{erp_id}")
    return influencer(erp_id, rng, between(rng, SEED_FROM, SEED_TO))


def changed_record(erp_id):
    rng = random.Random(f"changed:{erp_id}")
    return influencer(erp_id, rng, between(rng, CHANGED_FROM, CHANGED_TO))


def seed_day(size):
    """The seed full run: keys 1..size."""
    return [seed_record(k) for k in range(1, size + 1)]


def invalid_keys(size):
    """Kept keys no integrator owns, sent invalid by the load's full run."""
    keys = [k for k in range(OWNER_MODULUS - 1, size + 1, OWNER_MODULUS) if fate(k) == "kept"]
    return keys[:INVALID_IN_FULL_RUN]


def full_run_day(size):
    """The load's full run, in key order: the seed's keys but the deleted ones (changed ones with a
    newer timestamp, a few invalid), then 2 % new keys."""
    bad = set(invalid_keys(size))
    records = []
    for k in range(1, size + 1):
        what = fate(k)
        if what == "deleted":
            continue
        record = changed_record(k) if what == "changed" else seed_record(k)
        records.append(invalid(record, random.Random(f"invalid:{k}")) if k in bad else record)
    new = [changed_record(k) for k in range(size + 1, size + size // 50 + 1)]
    return records + new


def erp_keys(size):
    """Every key either day has: the range integrators draw their ERP keys from."""
    return size + size // 50


def owned_erp_key(integrator, size, rng):
    """A random ERP key integrator `integrator` may write, or None when the slice is empty."""
    slots = (erp_keys(size) - integrator) // OWNER_MODULUS
    if slots <= 0:
        return None
    key = integrator + OWNER_MODULUS * rng.randrange(1, slots + 1)
    return key if key <= erp_keys(size) else None
