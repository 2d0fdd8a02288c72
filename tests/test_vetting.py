"""The conflict vetter's pure parts: training, reading and writing, features. (Its effect on
the bundled stories, with the real model, is tested in test_pipeline.py.)"""

from __future__ import annotations

import json

import numpy as np
import pytest

from compare.details import content_terms
from compare.types import CompareError, Conflict
from compare.vetting import FEATURES, MODEL_FILE, Lexicon, features, load_vetter, read_vetter, train


def _data(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Rows whose label follows the first two features, plus noise features."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, len(FEATURES)))
    y = (x[:, 0] - 0.5 * x[:, 1] + 0.3 * rng.normal(size=n) > 0).astype(float)
    return x, y


def test_training_learns_the_signal_and_is_deterministic():
    x, y = _data()
    v = train(x, y, trained_on=["b", "a"])
    assert v.weights[0] > 1.0 and v.weights[1] < -0.5
    assert max(abs(w) for w in v.weights[2:]) < 0.5 * v.weights[0]
    p = v.probabilities(x)
    assert ((p >= 0.5) == (y == 1)).mean() > 0.9
    again = train(x, y, trained_on=["b", "a"])
    assert again == v
    assert v.trained_on == ("b", "a")


def test_a_constant_feature_does_not_break_training():
    x, y = _data()
    x[:, 3] = 1.0
    v = train(x, y)
    assert np.isfinite(v.weights).all() and v.scale[3] == 1.0


def test_training_needs_both_kinds_of_conflict():
    x, _ = _data(50)
    with pytest.raises(CompareError, match="both real and false"):
        train(x, np.ones(50))
    with pytest.raises(CompareError, match="both real and false"):
        train(np.zeros((0, len(FEATURES))), np.zeros(0))


def test_a_vetter_survives_its_json(tmp_path):
    x, y = _data()
    v = train(x, y, threshold=0.6, trained_on=["one", "two"])
    path = tmp_path / "v.json"
    path.write_text(v.to_json(), encoding="utf-8")
    back = read_vetter(path)
    assert back == v
    np.testing.assert_array_equal(back.probabilities(x), v.probabilities(x))


@pytest.mark.parametrize("content, message", [
    (b"\xff\xfe not json", "not a conflict vetter"),
    (b"{}", "not a conflict vetter"),
    (b"[1, 2]", "not a conflict vetter"),
    (json.dumps({"features": ["sim"], "mean": [0], "scale": [1], "weights": [1], "bias": 0}).encode(),
     "not this version's"),
])
def test_a_bad_vetter_file_is_refused_by_name(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(CompareError, match=message) as err:
        read_vetter(path)
    assert str(path) in str(err.value)


def test_a_missing_vetter_file_is_refused_by_name(tmp_path):
    with pytest.raises(CompareError, match="cannot read") as err:
        read_vetter(tmp_path / "none.json")
    assert "none.json" in str(err.value)


def test_the_shipped_vetter_loads_and_none_means_none():
    assert load_vetter("") is None
    v = load_vetter("default")
    assert v is not None and v.features == FEATURES and len(v.trained_on) >= 50
    assert read_vetter(MODEL_FILE) == v
    assert 0.0 < v.threshold < 1.0


def test_features_of_a_number_conflict():
    texts = ["Six people were rescued from the river on Tuesday, police said.",
             "Police said eight people were rescued from the river.",
             "Eight people were rescued, the fire service said, and six are missing."]
    words = Lexicon(texts)
    terms = (content_terms(texts[0]), content_terms(texts[1]))
    c = Conflict("number", 1, "Six people", "eight people", "people (rescued)", 0)
    f = dict(zip(FEATURES, features(c, 0, texts[0], texts[1], 0.8, terms, words, outlets=1, carried=0.5), strict=True))
    assert f["sim"] == 0.8 and f["carried"] == 0.5 and f["outlets"] == 1
    assert f["kind_number"] == 1.0 and f["kind_date"] == 0.0
    assert 0.2 < f["jac"] < 1.0
    # "six" is also in article 2, "eight" in articles 1 and 2: both values are given elsewhere
    assert f["elsewhere"] == pytest.approx((1 / 2 + 1 / 2) / 2)
    assert f["ratio"] == pytest.approx(abs(np.log(6 / 8)))
    assert f["hedged"] == 0.0 and f["quoted"] == 0.0
    hedged = Conflict("number", 1, "about six people", "more than eight people", "people", 0)
    g = dict(zip(FEATURES, features(hedged, 0, texts[0], texts[1], 0.8, terms, words, 1, 0.5), strict=True))
    assert g["hedged"] == 2.0


def test_the_lexicon_finds_the_articles_that_give_a_detail():
    lex = Lexicon(["Six people were rescued.", "Eight people died; six are missing.", "No one was hurt."])
    assert lex.giving(("six", "people")) == {0, 1}
    assert lex.giving(("eight",)) == {1}
    assert lex.giving(("seven",)) == frozenset()
    assert lex.giving(("people", "six")) == {0, 1} and len(lex) == 3
