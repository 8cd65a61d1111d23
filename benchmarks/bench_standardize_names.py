"""Benchmark ``standardize_names`` on realistic synthetic name rows.

Rows mix the populations a removal-order request batch and the master file hold: Hispanic
names with two surnames (written with a space, a hyphen or Y, with and without accents),
Vietnamese, Chinese and Korean (family-first in some rows), Arabic, South Asian, West
African, Haitian, Eastern European and Anglo names, with suffixes in any field and
particles. Name frequency is heavy-tailed: a Zipf head of common names plus a long tail of
rarer surnames built from syllables, as a real master file has.

    .venv/bin/python benchmarks/bench_standardize_names.py --rows 1280000
    .venv/bin/python benchmarks/bench_standardize_names.py --rows 10000000
    .venv/bin/python benchmarks/bench_standardize_names.py --thresholds
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

SURNAMES = {
    "hispanic": "GARCIA MARTINEZ RODRIGUEZ HERNANDEZ LOPEZ GONZALEZ PEREZ SANCHEZ RAMIREZ TORRES "
    "FLORES RIVERA GOMEZ DIAZ CRUZ MORALES REYES GUTIERREZ ORTIZ RAMOS CASTILLO JIMENEZ "
    "VASQUEZ VAZQUEZ MENDOZA RUIZ ALVAREZ ROMERO HERRERA MEDINA AGUILAR CHAVEZ VARGAS "
    "CASTRO GUZMAN MUÑOZ SALAZAR NUÑEZ FERNÁNDEZ MÁRQUEZ DOMÍNGUEZ VELÁSQUEZ ESPINOZA "
    "SANDOVAL CONTRERAS ESTRADA OROZCO ZAMORA",
    "particle": "DE LA CRUZ|DEL RIO|DE LEON|DE LOS SANTOS|DE LA ROSA|DELA CRUZ|VAN DER BERG|"
    "VON BRAUN|DI MARCO|DA SILVA|DOS SANTOS|AL-HASSAN|EL SAYED|BIN LADEN|O'BRIEN|MC DONALD",
    "vietnamese": "NGUYEN NGUYỄN TRAN TRẦN LE LÊ PHAM HUYNH HOANG PHAN VU VO DANG BUI DO HO NGO "
    "DUONG LY",
    "chinese": "WANG LI ZHANG LIU CHEN YANG HUANG ZHAO WU ZHOU XU SUN MA ZHU HU GUO LIN HE GAO "
    "CHANG WONG CHAN",
    "korean": "KIM LEE PARK CHOI JUNG KANG CHO YOON JANG LIM HAN OH SEO SHIN KWON",
    "arabic": "AHMED MOHAMMED ALI HASSAN HUSSEIN IBRAHIM KHALIL MAHMOUD MUSTAFA SALEH YOUSEF "
    "ABDULLAH HAMDAN NASSER",
    "south_asian": "PATEL SHAH SINGH KUMAR SHARMA GUPTA KHAN RAHMAN CHOWDHURY REDDY RAO DAS "
    "DESAI MEHTA",
    "west_african": "DIALLO TRAORE KONE OUEDRAOGO OKAFOR ADEYEMI MENSAH OWUSU BAH BARRY CAMARA SOW",
    "haitian": "JEAN-BAPTISTE PIERRE JOSEPH LOUIS CHARLES DORCEAN ETIENNE AUGUSTIN DESIR FRANCOIS",
    "eastern_european": "KOWALSKI NOWAK IVANOV PETROV SHEVCHENKO KOVALENKO POPESCU HORVATH "
    "NOVAK MÜLLER DVOŘÁK WIŚNIEWSKI",
    "anglo": "SMITH JOHNSON WILLIAMS BROWN JONES MILLER DAVIS WILSON ANDERSON TAYLOR THOMAS "
    "MOORE JACKSON WHITE HARRIS CLARK LEWIS ROBINSON WALKER YOUNG",
}
GIVEN = {
    "hispanic": "JOSE|JOSÉ LUIS|MARIA|MARÍA GUADALUPE|JUAN|JUAN CARLOS|LUIS|CARLOS|JESUS|"
    "FRANCISCO|ANA|ROSA|MIGUEL ANGEL|PEPE|LUPE|CHUY|PACO|MARIA DE LOS ANGELES|ALEJANDRO|"
    "FERNANDO|VERONICA|SOFIA|JAVIER|XAVIER|RAUL|ANTONIO|MARIO",
    "vietnamese": "ANH|VAN ANH|THI MAI|MINH|HUNG|LINH|DUC|TUAN|THANH|HOA|PHUONG",
    "chinese": "WEI|JING|LI NA|XIAO MING|YAN|HUI|JUN|FANG|MIN|LEI",
    "korean": "MIN JUN|SEO YEON|JI HOON|HYUN WOO|SOO JIN|YOUNG HO|JI-WON",
    "arabic": "MOHAMMED|MUHAMMAD|MOHAMED|AHMED|FATIMA|OMAR|YUSUF|YOUSSEF|AISHA|KHALID|HUSSEIN",
    "south_asian": "RAJESH|PRIYA|AMIT|SUNITA|ANIL|DEEPAK|KAVITA|RAVI|FATEMA|ABDUL",
    "west_african": "MAMADOU|FATOUMATA|IBRAHIMA|AMINATA|OUSMANE|CHUKWUEMEKA|KWAME|ADAEZE",
    "haitian": "JEAN|MARIE|JEAN-PIERRE|ROSELINE|WIDLINE|STEVENSON|FRANTZ|NADEGE",
    "eastern_european": "OLEKSANDR|NATALIA|IVAN|OLGA|DMITRI|ANDRII|KATARZYNA|PIOTR",
    "anglo": "JOHN|MICHAEL|WILLIAM|BILL|JAMES|ROBERT|BOB|MARY|PATRICIA|JENNIFER|ELIZABETH|"
    "DAVID|RICHARD|SUSAN|JOSEPH",
}
SHARES = {
    "hispanic": 0.45,
    "vietnamese": 0.06,
    "chinese": 0.06,
    "korean": 0.03,
    "arabic": 0.05,
    "south_asian": 0.05,
    "west_african": 0.04,
    "haitian": 0.04,
    "eastern_european": 0.04,
    "anglo": 0.18,
}
SUFFIXES = ["JR", "Jr.", "SR", "II", "III", "IV", "2nd"]
SYLLABLES = [
    "KA",
    "LO",
    "MI",
    "NE",
    "RU",
    "TA",
    "SO",
    "VE",
    "DI",
    "GA",
    "BA",
    "ZU",
    "PE",
    "HO",
    "FA",
    "NI",
    "RA",
    "LE",
    "MO",
    "TU",
    "SA",
    "YA",
    "WE",
    "CHI",
    "ZA",
]


def _zipf_choice(rng: np.random.Generator, size: int, n: int) -> np.ndarray:
    weights = 1.0 / np.arange(1, size + 1) ** 1.1
    return rng.choice(size, n, p=weights / weights.sum())


ENDINGS = ["EZ", "OV", "SKI", "SON", "ADZE", "OGLU", "I", "A", "ENKO", "ESCU", "IAN", "O"]


def _tail_pool(rng: np.random.Generator, size: int) -> list[str]:
    """Rare names: 2-4 syllables and an ending (about 5 million possible forms)."""
    lengths = rng.integers(2, 5, size)
    parts = rng.integers(0, len(SYLLABLES), (size, 4))
    endings = rng.integers(0, len(ENDINGS), size)
    return [
        "".join(SYLLABLES[i] for i in row[:n]) + ENDINGS[e]
        for row, n, e in zip(parts, lengths, endings, strict=True)
    ]


def generate(rows: int, seed: int = 7) -> pa.Table:
    """Synthetic name rows with realistic mixes, formats and a heavy-tailed frequency."""
    rng = np.random.default_rng(seed)
    culture_names = list(SHARES)
    culture = rng.choice(len(culture_names), rows, p=list(SHARES.values()))
    last = np.empty(rows, dtype=object)
    first = np.empty(rows, dtype=object)
    for c, name in enumerate(culture_names):
        mask = culture == c
        count = int(mask.sum())
        if name == "hispanic":
            pool = SURNAMES["hispanic"].split() + SURNAMES["particle"].split("|")
        else:
            pool = SURNAMES[name].split()
        head = np.array(pool, dtype=object)[_zipf_choice(rng, len(pool), count)]
        given_pool = GIVEN[name].split("|")
        first[mask] = np.array(given_pool, dtype=object)[_zipf_choice(rng, len(given_pool), count)]
        if name == "hispanic":
            second = np.array(pool, dtype=object)[_zipf_choice(rng, len(pool), count)]
            form = rng.integers(0, 4, count)
            joined = np.where(
                form == 0,
                head + " " + second,
                np.where(
                    form == 1, head + "-" + second, np.where(form == 2, head, head + " Y " + second)
                ),
            )
            head = joined
        last[mask] = head
    # The long tail: a quarter of rows carry a rare surname (pool grows with the file).
    tail_rows = rng.random(rows) < 0.25
    tail_pool = np.array(_tail_pool(rng, max(1000, rows // 25)), dtype=object)
    last[tail_rows] = tail_pool[rng.integers(0, len(tail_pool), int(tail_rows.sum()))]
    # And a tenth of given names are rare ones too.
    given_tail = rng.random(rows) < 0.10
    given_pool = np.array(_tail_pool(rng, max(500, rows // 100)), dtype=object)
    first[given_tail] = given_pool[rng.integers(0, len(given_pool), int(given_tail.sum()))]
    # Family-first order in a share of East Asian rows: the agency swapped the fields.
    asian = np.isin(culture, [culture_names.index(n) for n in ("vietnamese", "chinese", "korean")])
    swap = asian & (rng.random(rows) < 0.3)
    last[swap], first[swap] = first[swap], last[swap].copy()
    middle_pool = np.array(
        [*(chr(c) for c in range(ord("A"), ord("Z") + 1)), "NMN", "VAN", "THI"]
        + [g for text in GIVEN.values() for g in text.split("|")],
        dtype=object,
    )
    middle = np.where(
        rng.random(rows) < 0.4, middle_pool[rng.integers(0, len(middle_pool), rows)], None
    )
    suffix = np.where(
        rng.random(rows) < 0.03,
        np.array(SUFFIXES, dtype=object)[rng.integers(0, len(SUFFIXES), rows)],
        None,
    )
    lower = rng.random(rows) < 0.2
    table = pa.table(
        {
            "last_name": pa.array(last, pa.string()),
            "first_name": pa.array(first, pa.string()),
            "middle_name": pa.array(middle, pa.string()),
            "name_suffix": pa.array(suffix, pa.string()),
        }
    )
    # Mixed case as agencies write it.
    lowered = pc.if_else(pa.array(lower), pc.utf8_title(table["first_name"]), table["first_name"])
    return table.set_column(1, "first_name", lowered)


def run(rows: int) -> None:
    from ivs.standardize.name import standardize_names

    started = time.perf_counter()
    table = generate(rows)
    generated = time.perf_counter() - started
    distinct = {c: pc.count_distinct(table[c]).as_py() for c in table.column_names}
    started = time.perf_counter()
    result = standardize_names(table)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"rows                {rows:,}")
    print(f"distinct            {distinct}")
    print(f"generate            {generated:.1f} s (not counted)")
    print(f"standardize_names   {elapsed:.1f} s  = {rows / elapsed:,.0f} rows/s")
    print(f"output              {result.num_columns} columns, {result.nbytes / 2**20:,.0f} MiB")
    print(f"peak RSS            {peak:,.0f} MiB (includes the input table)")
    defects = pc.value_counts(result["name_defect"]).to_pylist()
    print(f"defects             {defects}")


def _one_edit(rng: np.random.Generator, word: str) -> str:
    i = int(rng.integers(0, len(word)))
    kind = int(rng.integers(0, 4))
    letter = chr(ord("A") + int(rng.integers(0, 26)))
    if kind == 0:
        return word[:i] + letter + word[i + 1 :]
    if kind == 1 and len(word) > 3:
        return word[:i] + word[i + 1 :]
    if kind == 2 and i < len(word) - 1:
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    return word[:i] + letter + word[i:]


def thresholds() -> None:
    """Share of single-edit typos kept and of distinct-name pairs let through, per threshold."""
    from rapidfuzz.distance import JaroWinkler

    from ivs.standardize.name_compare import gender_pair
    from ivs.standardize.name_text import fold

    rng = np.random.default_rng(3)
    for label, source in (("surname", SURNAMES), ("given", GIVEN)):
        words = sorted(
            {w for text in source.values() for w in fold(text.replace("|", " ")).split()}
        )
        words = [w for w in words if len(w) >= 3]
        typos = [(w, _one_edit(rng, w)) for w in words for _ in range(20)]
        typos = [(a, b) for a, b in typos if a != b]
        others = [(a, b) for a in words for b in words if a < b]
        if label == "given":
            others = [(a, b) for a, b in others if not gender_pair(a, b)]
        print(f"{label}: {len(words)} names, {len(typos)} typos, {len(others)} distinct pairs")
        for t in (0.85, 0.88, 0.90, 0.92, 0.94):
            kept = np.mean([JaroWinkler.similarity(a, b) >= t for a, b in typos])
            leaked = np.mean([JaroWinkler.similarity(a, b) >= t for a, b in others])
            print(f"  >= {t:.2f}: typos kept {kept:.3f}, distinct names passing {leaked:.4f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_280_000)
    parser.add_argument("--thresholds", action="store_true", help="measure JW thresholds")
    args = parser.parse_args()
    if args.thresholds:
        thresholds()
    else:
        run(args.rows)


if __name__ == "__main__":
    main()
