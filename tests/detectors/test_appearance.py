"""Appearance descriptions: the same person stays alike, different people do not, on real footage too."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from detectors.appearance import describe, similarity
from patrol.rules.loitering import LoiteringConfig
from tests.detectors.footage_visitors import FOOTAGE, Visitor, visitors

MIN_SIMILARITY = float(LoiteringConfig.model_fields["min_similarity"].default)
BOX = np.asarray([[0.25, 0.1, 0.75, 0.9]], np.float32)


def _person(top: tuple[int, int, int], bottom: tuple[int, int, int]) -> np.ndarray:
    """A 'person' filling BOX: head and torso in `top`, hips and legs in `bottom`, plus texture."""
    image = np.full((200, 200, 3), 200, np.uint8)
    image[20:100, 50:150] = top
    image[100:180, 50:150] = bottom
    noise = np.random.default_rng(1).integers(-8, 8, image.shape)
    return np.clip(image.astype(int) + noise, 0, 255).astype(np.uint8)


def test_a_person_matches_themselves_turned_the_other_way() -> None:
    image = _person((30, 30, 160), (90, 60, 20))
    image[20:60, 50:80] = (20, 200, 20)  # something on one side only
    [a] = describe(image, BOX)
    [b] = describe(image[:, ::-1].copy(), BOX)
    assert similarity(a.histograms, b.histograms) > 0.99


@pytest.mark.parametrize(
    ("other_top", "other_bottom"),
    [((160, 30, 30), (90, 60, 20)), ((30, 30, 160), (200, 200, 200))],
    ids=["other coat, same trousers", "same coat, other trousers"],
)
def test_one_different_part_is_enough_to_be_someone_else(
    other_top: tuple[int, int, int], other_bottom: tuple[int, int, int]
) -> None:
    [a] = describe(_person((30, 30, 160), (90, 60, 20)), BOX)
    [b] = describe(_person(other_top, other_bottom), BOX)
    assert similarity(a.histograms, b.histograms) < MIN_SIMILARITY


def test_a_box_too_small_to_describe_matches_nobody_in_particular() -> None:
    [tiny] = describe(_person((30, 30, 160), (90, 60, 20)), np.asarray([[0.5, 0.5, 0.505, 0.51]], np.float32))
    [real] = describe(_person((30, 30, 160), (90, 60, 20)), BOX)
    assert similarity(tiny.histograms, real.histograms) < MIN_SIMILARITY
    assert tiny.crop.shape == real.crop.shape


@pytest.fixture(scope="module")
def footage_visitors(detector) -> list[Visitor]:  # type: ignore[no-untyped-def]
    if not FOOTAGE.is_file():
        pytest.skip(
            f"{FOOTAGE.name} is not in shared/media beside the project: the real-footage check cannot run"
        )
    return visitors(detector)


def test_none_of_the_six_real_visitors_matches_another(footage_visitors: list[Visitor]) -> None:
    assert len(footage_visitors) == 6
    for a, b in itertools.combinations(footage_visitors, 2):
        score = similarity(a.whole, b.whole)
        print(f"{a.who} / {b.who}: {score:.3f}")
        assert score < MIN_SIMILARITY, (a.who, b.who, score)


def test_each_real_visitor_matches_themselves_across_their_stay(footage_visitors: list[Visitor]) -> None:
    for visitor in footage_visitors:
        score = similarity(visitor.half(second=False), visitor.half(second=True))
        print(f"{visitor.who}, first half / second half: {score:.3f}")
        assert score >= MIN_SIMILARITY, (visitor.who, score)
