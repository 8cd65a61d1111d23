"""The peer evaluation, small: a pseudopeople world through the real pipeline, whose figures
may not get worse (benchmarks/peer_accuracy.py; the full figures are in benchmarks/RESULTS.md).
"""

from __future__ import annotations

from types import ModuleType

import pytest
from tests.benchmark_scripts import load_benchmark

# Measured on this world (1,500 taxpayers asked for, 2,020 kept with everyone at a requested
# address; noise seed 1; 885 matchable requests): ivs 94.35 % (93.11 % before house numbers
# and names were read back from OCR letters, mistyped suffixes and ZIP codes were met), the
# exact matcher 92.66 % with 4 wrong persons. Raise the floors as matching improves, never lower
# them to let a change through.
RECALL_FLOOR = 0.94
# Points of recall above the exact matcher's in the same run (1.69 measured; 1.35 since a date
# of birth set aside as implausible counts against a candidate born on another day, which
# stopped a wrong person at heavier noise for 3 right disclosures here: the one time a floor
# was lowered, for a wrong person, never for speed or convenience).
MARGIN_OVER_EXACT = 0.013
# The same over the requests that are lawful to answer as received (issue 21's figure; the
# benchmark's t_lawful): 850 of the 885 matchable; ivs 98.24 %, the exact matcher 95.53 %, a
# margin of 2.71 points; the exact matcher disclosed on 33 requests that are not lawful, ivs on
# none since intake rejects a request without a city (it disclosed on 8 before).
LAWFUL_RECALL_FLOOR = 0.977
# 2.35 points since the set-aside date counts against a candidate (above).
LAWFUL_MARGIN_OVER_EXACT = 0.023

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("peer")]


def _load() -> ModuleType:
    return load_benchmark("peer_accuracy")


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    pytest.importorskip("pseudopeople", reason="the 'peer' extra (make install) is not installed")
    peer = _load()
    work = tmp_path_factory.mktemp("peer")
    world = peer.build_world(work / "world", taxpayers=1500, seeds=[1])
    out: dict[str, object] = peer.evaluate(world, work / "home")
    return out


def test_no_wrong_person_is_disclosed(result: dict[str, object]) -> None:
    wrong = result["wrong"]
    assert len(wrong) == 0, wrong  # type: ignore[arg-type]


def test_recall_holds_its_floor_and_beats_the_exact_matcher(result: dict[str, object]) -> None:
    ivs, exact = result["ivs"], result["baseline"]
    assert ivs.matchable > 500  # type: ignore[attr-defined]
    assert ivs.recall >= RECALL_FLOOR  # type: ignore[attr-defined]
    assert ivs.recall >= exact.recall + MARGIN_OVER_EXACT  # type: ignore[attr-defined]


def test_lawful_recall_holds_its_floor_and_beats_the_exact_matcher(
    result: dict[str, object],
) -> None:
    ivs, exact = result["ivs"], result["baseline"]
    assert ivs.lawful_matchable > 500  # type: ignore[attr-defined]
    assert ivs.lawful_matchable < ivs.matchable  # type: ignore[attr-defined]
    assert ivs.lawful_recall >= LAWFUL_RECALL_FLOOR  # type: ignore[attr-defined]
    assert (
        ivs.lawful_recall  # type: ignore[attr-defined]
        >= exact.lawful_recall + LAWFUL_MARGIN_OVER_EXACT  # type: ignore[attr-defined]
    )


def test_no_disclosure_on_a_request_not_lawful_as_received(result: dict[str, object]) -> None:
    # Not lawful as received (the benchmark's t_unlawful_why): a name or address the contract
    # does not accept, a city missing, a ZIP in another state or in none. Intake rejects them.
    unlawful = result["unlawful"]
    why = unlawful.t_unlawful_why  # type: ignore[attr-defined]
    assert why.empty, why.value_counts()
    assert result["ivs"].unlawful == 0  # type: ignore[attr-defined]
