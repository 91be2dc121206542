"""The Odoo-style naive-Bayes baseline, checked against probabilities worked out by hand."""

import pytest

from shangji.leads.scoring import FieldSpec, NaiveBayesScorer

SOURCE = FieldSpec("source", "来源")
TAGS = FieldSpec("tags", "标签", "multi")
BUDGET = FieldSpec("budget", "预算", "number", missing_values=(999,))

# Two won and three lost leads: web 1 won / 1 lost, expo 1 won / 2 lost.
ROWS = [{"source": "web"}, {"source": "web"}, {"source": "expo"}, {"source": "expo"}, {"source": "expo"}]
LABELS = [1, 0, 1, 0, 0]


def test_probability_matches_the_hand_computed_bayes_formula_with_odoos_smoothing():
    scorer = NaiveBayesScorer(fields=[SOURCE]).fit(ROWS, LABELS)
    # prior: won 2 + 0.1, lost 3 + 0.1; web: won 1.1 of 2.2, lost 1.1 of 3.2 (every count + 0.1)
    won = 2.1 / 5.2 * (1.1 / 2.2)
    lost = 3.1 / 5.2 * (1.1 / 3.2)
    expo_won = 2.1 / 5.2 * (1.1 / 2.2)
    expo_lost = 3.1 / 5.2 * (2.1 / 3.2)
    web, expo = scorer.predict([{"source": "web"}, {"source": "expo"}])
    assert web == pytest.approx(won / (won + lost))
    assert expo == pytest.approx(expo_won / (expo_won + expo_lost))


def test_unknown_and_empty_values_are_skipped_leaving_the_prior():
    scorer = NaiveBayesScorer(fields=[SOURCE]).fit(ROWS, LABELS)
    prior = 2.1 / 5.2
    assert scorer.predict([{"source": "tv"}, {"source": ""}, {}]).tolist() == pytest.approx([prior] * 3)


def test_a_tag_seen_on_fewer_than_fifty_closed_leads_is_ignored():
    rows = [{"tags": ["vip"]}] * 20 + [{"tags": ["common"]}] * 60
    labels = [1] * 20 + [1] * 10 + [0] * 50
    scorer = NaiveBayesScorer(fields=[TAGS]).fit(rows, labels)
    prior = 30.1 / 80.2
    rare, common = scorer.predict([{"tags": ["vip"]}, {"tags": ["common"]}])
    assert rare == pytest.approx(prior)
    # "common" is the only tag left in the table, so P(common | won) = P(common | lost) = 1
    assert common == pytest.approx(prior)


def test_numbers_are_cut_into_quantile_bins_and_sentinels_are_skipped():
    rows = [{"budget": value} for value in range(1, 101)] + [{"budget": 999}] * 10
    labels = [1 if value > 50 else 0 for value in range(1, 101)] + [1] * 10
    scorer = NaiveBayesScorer(fields=[BUDGET], bins=2).fit(rows, labels)
    assert scorer.edges["budget"] == [50.5]
    low, high, never = scorer.predict([{"budget": 3}, {"budget": 10_000}, {"budget": 999}])
    assert low < 0.05 and high > 0.95
    assert never == pytest.approx(60.1 / 110.2)  # the prior: 999 means unknown


def test_probabilities_are_clipped_like_odoos_001_to_9999_percent():
    rows = [{"source": "web"}] * 500 + [{"source": "expo"}] * 500
    scorer = NaiveBayesScorer(fields=[SOURCE, FieldSpec("other", "其他")]).fit(
        [row | {"other": row["source"]} for row in rows], [1] * 500 + [0] * 500)
    assert scorer.predict([{"source": "web", "other": "web"}, {"source": "expo", "other": "expo"}]).tolist() == [
        0.9999, 0.0001]
