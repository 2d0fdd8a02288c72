"""Matches: the classifier's columns read exactly like the tuple of Match records they replace."""

import pickle

import pytest

from compare.types import Claim, Match, Matches, Sentence, Status

FIRST = [0, 3, 7, 2, 5]
TEXTS = ["alpha", "beta", "gamma", "delta", "epsilon"]
KINDS = ["sentence", "window", "clause", "sentence", "window"]


def columns() -> Matches:
    """Three matches pointing into shared unit columns of five units (as classify builds them)."""
    return Matches([4, 1, 2], [3, 0, 4], [0.5, 0.8, 0.8], [False, True, True], [False, False, True],
                   FIRST, TEXTS, KINDS)


RECORDS = (
    Match(4, 2, 0.5, "delta", "sentence", False, False),
    Match(1, 0, 0.8, "alpha", "sentence", True, False),
    Match(2, 5, 0.8, "epsilon", "window", True, True),
)


def test_matches_read_compare_and_hash_as_the_tuple_of_records():
    m = columns()
    assert tuple(m) == RECORDS
    assert m == RECORDS and RECORDS == m and m == columns()
    assert m != RECORDS[:2] and m != RECORDS[::-1]
    assert hash(m) == hash(RECORDS)
    assert repr(m) == repr(RECORDS)
    assert len(m) == 3 and m[0] == RECORDS[0] and m[-1] == RECORDS[-1] and m[1:] == RECORDS[1:]
    assert RECORDS[2] in m and m.index(RECORDS[1]) == 1
    with pytest.raises(IndexError):
        m[3]
    assert m != [*RECORDS]  # a list is not a tuple, as for a tuple


def test_matches_of_records_are_the_records():
    m = Matches.of(iter(RECORDS))
    assert m == RECORDS and tuple(m) == RECORDS and m.best() == RECORDS[1]
    assert Matches.of(()) == () and len(Matches.of(())) == 0
    assert pickle.loads(pickle.dumps(m)) == RECORDS


def test_best_is_the_first_highest_as_max_over_the_records():
    m = columns()
    assert m.best() == max(RECORDS, key=lambda r: r.similarity) == RECORDS[1]
    assert Matches([], [], [], [], [], FIRST, TEXTS, KINDS).best() is None


def test_uncarried_clears_only_the_carried_flags():
    m = columns()
    u = m.uncarried()
    assert [r.carried for r in u] == [False, False, False]
    assert [(r.article, r.sentence, r.similarity, r.text, r.kind, r.via_clause) for r in u] == \
           [(r.article, r.sentence, r.similarity, r.text, r.kind, r.via_clause) for r in RECORDS]
    assert tuple(m) == RECORDS  # the original is untouched


def test_pickled_matches_keep_only_the_matched_texts():
    big = ["x" * 10_000] * 1000  # shared columns a pickle must not drag along
    m = Matches([1], [0], [0.7], [True], [False], [4], ["only this"] + big, ["clause"] + ["window"] * 1000)
    data = pickle.dumps(m)
    assert len(data) < 1000
    back = pickle.loads(data)
    assert isinstance(back, Matches) and back == m and tuple(back) == (Match(1, 4, 0.7, "only this", "clause", True),)


def test_a_claim_with_matches_equals_one_with_the_tuple_and_picks_the_same_best():
    s = Sentence(0, 0, 0, 5, "Hello")
    a = Claim(sentence=s, status=Status.PARTIAL, matches=columns(), supporting=(1, 2))
    b = Claim(sentence=s, status=Status.PARTIAL, matches=RECORDS, supporting=(1, 2))
    assert a == b and hash(a) == hash(b)
    assert a.best == b.best == RECORDS[1]
    assert pickle.loads(pickle.dumps(a)) == b


def test_classified_claims_are_columns_that_survive_a_pickle(evidence):
    from compare.pipeline import compare_evidence
    from compare.types import Settings

    story, ev = evidence["drone-deal-2025-07"]
    comparison = compare_evidence(ev, Settings(), story.name)
    claims = [c for cs in comparison.claims for c in cs]
    assert all(isinstance(c.matches, Matches) for c in claims)
    assert sum(len(c.matches) for c in claims) > 0
    for c in claims:
        assert c.best == max(tuple(c.matches), key=lambda r: r.similarity, default=None)
    back = pickle.loads(pickle.dumps(comparison))
    assert back.claims == comparison.claims
