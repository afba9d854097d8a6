"""The judge's layers, with the hashing embedder (same words, same vector) so each layer is isolated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.novelty.decision import Decision
from monitor.novelty.embed import HashingEmbedder, get_embedder
from monitor.novelty.facts import facts, new_facts, stated_days, vocabulary
from monitor.novelty.features import PAIR_FEATURES
from monitor.novelty.fit import _placeholder_development
from monitor.novelty.judge import NoveltyJudge
from monitor.novelty.model import Models, models_from
from monitor.types import Thresholds

T0 = datetime(2026, 3, 11, 9, 0, tzinfo=UTC)
REPORT = (
    "The Islamabad High Court on Tuesday adjourned until April 8 the hearing of Imran Khan's appeal. "
    "A two-member bench heard the case and the prosecution asked for more time to prepare. "
    "Defence counsel Naveed Qureshi said the delay was unfair to his client, who has been held for months."
)


def judge() -> NoveltyJudge:
    return NoveltyJudge(HashingEmbedder(), Thresholds())


def test_first_report_is_new_and_exact_copy_is_repeat() -> None:
    j = judge()
    first = j.judge("a", "Court adjourns Khan appeal", REPORT, T0).judgement
    assert first.verdict == "new" and first.story is not None
    copy = j.judge("b", "Court adjourns Khan appeal", REPORT, T0 + timedelta(minutes=5))
    assert copy.judgement.verdict == "repeat" and copy.layer == "exact"
    assert copy.judgement.story == first.story


def test_wire_copy_with_dateline_and_credit_is_a_repeat() -> None:
    j = judge()
    j.judge("a", "Court adjourns Khan appeal", REPORT, T0)
    wire = "ISLAMABAD, March 11 (Wire) - " + REPORT + "\n(Reporting by Desk; editing by Night Editor)"
    decision = j.judge("b", "Court adjourns Khan appeal", wire, T0 + timedelta(hours=1))
    assert decision.judgement.verdict == "repeat" and decision.layer == "syndicated copy"


def test_reprint_with_a_new_paragraph_is_an_update() -> None:
    j = judge()
    first = j.judge("a", "Court adjourns Khan appeal", REPORT, T0).judgement
    reprint = REPORT + "\nOn Friday the registrar fixed 22 April for arguments, lawyer Sana Rauf said."
    decision = j.judge("b", "Court adjourns Khan appeal", reprint, T0 + timedelta(days=1))
    assert decision.judgement.verdict == "update" and decision.judgement.story == first.story


def test_follow_up_with_a_new_fact_is_an_update() -> None:
    j = judge()
    first = j.judge("a", "Court adjourns Khan appeal", REPORT, T0).judgement
    follow = REPORT + " On Thursday the court also ordered Adiala jail to allow weekly meetings with lawyers."
    decision = j.judge("b", "Court adjourns Khan appeal", follow, T0 + timedelta(days=1))
    assert decision.judgement.verdict == "update" and decision.judgement.story == first.story
    assert decision.judgement.novel_sentences == (
        "On Thursday the court also ordered Adiala jail to allow weekly meetings with lawyers.",)


def test_unrelated_event_starts_its_own_story() -> None:
    j = judge()
    first = j.judge("a", "Court adjourns Khan appeal", REPORT, T0).judgement
    other = ("The State Department said a delegation led by Margaret Hale will visit Islamabad in December "
             "for counterterrorism talks with Pakistani officials and business leaders.")
    second = j.judge("b", "US delegation to visit", other, T0 + timedelta(days=2)).judgement
    assert second.verdict == "new" and second.story != first.story


def test_stories_close_after_the_window() -> None:
    j = judge()
    first = j.judge("a", "Court adjourns Khan appeal", REPORT, T0).judgement
    later = REPORT.replace("April 8", "June 3")
    again = j.judge("b", "Court adjourns Khan appeal", later, T0 + timedelta(days=60)).judgement
    assert again.story != first.story


def test_facts() -> None:
    found = facts('Prime Minister Shehbaz Sharif said on Friday that 625,000 voters backed the "anti-war victory".')
    assert {"p:shehbaz sharif", "d:friday", "n:625000", "q:anti war victory"} <= found
    vocab = vocabulary("Shehbaz Sharif spoke on Friday to 625,000 voters")
    assert new_facts(found, vocab, frozenset(), [{"anti", "war", "victory"}]) == set()
    assert new_facts({"p:bilawal bhutto"}, vocab, frozenset()) == {"p:bilawal bhutto"}
    assert new_facts({"t:28 march"}, vocab, stated_days("polls close on march 28")) == set()


def test_translation_is_linked_through_the_multilingual_model_and_is_a_repeat() -> None:
    j = NoveltyJudge(get_embedder("wordllama"))
    first = j.judge("a", "Court adjourns Khan appeal", REPORT, T0).judgement
    french = ("La Haute Cour d'Islamabad a ajourné mardi jusqu'au 8 avril l'audience de l'appel d'Imran Khan. "
              "Un collège de deux juges a examiné l'affaire et l'accusation a demandé plus de temps. "
              "L'avocat de la défense Naveed Qureshi a jugé ce report injuste pour son client.")
    translated = j.judge("b", "La cour ajourne l'appel de Khan", french, T0 + timedelta(hours=3), "fr").judgement
    assert translated.story == first.story and translated.verdict == "repeat"


def test_a_reloaded_report_gets_its_multilingual_vector_when_a_translation_needs_it() -> None:
    j = NoveltyJudge(get_embedder("wordllama"))
    j.remember("item:1", "Court adjourns Khan appeal", REPORT, T0, story_id=7, language="en", verdict="new")
    assert j.index.docs[-1].report.cross is None  # rebuilt at start-up without the multilingual model
    french = ("La Haute Cour d'Islamabad a ajourné mardi jusqu'au 8 avril l'audience de l'appel d'Imran Khan. "
              "Un collège de deux juges a examiné l'affaire et l'accusation a demandé plus de temps.")
    translated = j.judge("b", "La cour ajourne l'appel de Khan", french, T0 + timedelta(hours=3), "fr").judgement
    assert translated.story == 7 and translated.verdict != "new"
    assert j.index.docs[0].key == "item:1" and j.index.docs[0].report.cross is not None  # computed when needed


def _on_body(merge_threshold: float) -> Models:
    """Models whose same-event probability is 1 when two bodies share most weighted words, else 0."""
    tree = {"feature": [PAIR_FEATURES.index("body"), 0, 0], "threshold": [0.5, 0.0, 0.0], "left": [1, -1, -1],
            "right": [2, -1, -1], "value": [0.0, -20.0, 20.0]}
    return models_from({
        "same_event": {"features": list(PAIR_FEATURES), "baseline": 0.0, "trees": [tree], "threshold": 0.5},
        "development": _placeholder_development(), "story_threshold": 0.4, "merge_threshold": merge_threshold})


def _reordered(text: str, how: str) -> str:
    """The same words in another order: the same bag of words, with no run of three words shared
    with the text or with the other order (so neither reads as a copy)."""
    words = text.replace(".", "").split()
    return " ".join(reversed(words) if how == "reversed" else sorted(words, key=str.lower)) + "."


def test_an_article_that_belongs_to_two_stories_of_one_event_merges_them() -> None:
    j = NoveltyJudge(HashingEmbedder(), Thresholds(), models=_on_body(0.8))
    other = "Karachi port container volumes rose in October as shipping lines added weekly calls to the harbour."
    j.remember("a", "Court adjourns Khan appeal", REPORT, T0, story_id=50, language="en")
    j.remember("b", "Khan appeal hearing put off", _reordered(REPORT, "reversed"), T0, story_id=60, language="en")
    j.remember("c", "Port volumes rise", other, T0, story_id=70, language="en")
    decision = j.judge("d", "Khan appeal adjourned again", _reordered(REPORT, "sorted"), T0 + timedelta(hours=2))
    assert decision.judgement.story == 50 and decision.merged == (60,)  # the oldest story keeps its id
    assert 60 not in j.index.stories and {j.index.docs[i].key for i in j.index.stories[50].docs} == {"a", "b", "d"}
    assert [j.index.docs[i].key for i in j.index.stories[70].docs] == ["c"]
    assert j.index.current(60) == 50


def test_stories_stay_apart_below_the_merge_threshold() -> None:
    j = NoveltyJudge(HashingEmbedder(), Thresholds(), models=_on_body(1.1))
    j.remember("a", "Court adjourns Khan appeal", REPORT, T0, story_id=50, language="en")
    j.remember("b", "Khan appeal hearing put off", _reordered(REPORT, "reversed"), T0, story_id=60, language="en")
    decision = j.judge("d", "Khan appeal adjourned again", _reordered(REPORT, "sorted"), T0 + timedelta(hours=2))
    assert decision.merged == () and set(j.index.stories) >= {50, 60}


def test_actions_are_facts_and_ages_are_not() -> None:
    found = facts("Khan, 74, was sentenced to 14 years and the court directed the jail to allow visits.")
    assert {"a:sentenced", "a:directed", "n:14"} <= found and "n:74" not in found


def test_a_sentence_about_the_past_adds_no_fact_and_a_new_action_does() -> None:
    j = judge()
    first = j.judge("a", "Court adjourns Khan appeal", REPORT, T0).judgement
    past = "Defence counsel Naveed Qureshi said his client has been held at Adiala jail since August 2023."
    action = "Defence counsel Naveed Qureshi said the court directed the hearing of the appeal to continue."
    decision = j.judge("b", "Court adjourns Khan appeal again", f"{REPORT} {past} {action}", T0 + timedelta(days=1))
    checks = {c.sentence: c for c in decision.checks}
    assert checks[past].similarity >= j.t.sentence_low and not checks[past].novel  # Adiala and August, but of 2023
    assert checks[action].new_facts == ("a:directed",) and checks[action].novel
    assert decision.judgement.story == first.story and decision.judgement.novel_sentences == (action,)


def test_an_event_dated_before_the_seeds_is_not_a_development() -> None:
    """The development model (here: every article is one) is not asked about an event dated on or
    before the seed horizon, by the article's publication or, undated, by its story's reports."""
    j = NoveltyJudge(HashingEmbedder(), Thresholds(), models=_on_body(1.1))
    port = "Karachi port container volumes rose in October as shipping lines added weekly calls to the harbour."
    j.add_seed("seed", "Port volumes rise", port, T0, published=T0.date())
    early = j.judge("a", "Court adjourns Khan appeal", REPORT, T0 - timedelta(days=20))
    assert early.judgement.vs_seeds == "known" and early.judgement.verdict == "repeat"
    assert early.ruled_out == f"its event is dated on or before the seed horizon ({T0.date()})"
    retold = j.judge("b", "Khan appeal hearing put off", _reordered(REPORT, "sorted"), T0, dated=False)
    assert retold.judgement.story == early.judgement.story and retold.judgement.vs_seeds == "known"
    later = j.judge("c", "Bench reserves verdict on bail plea", LATER, T0 + timedelta(days=9))
    assert later.judgement.verdict == "new" and later.ruled_out == ""
    again = j.judge("d", "Verdict on bail plea reserved", _reordered(LATER, "sorted"), T0, dated=False)
    assert again.judgement.story == later.judgement.story and again.judgement.vs_seeds == "new"


LATER = (
    "A divisional bench of the Lahore High Court reserved its verdict on the bail petition of Shah Mahmood "
    "Qureshi after hearing arguments from the special prosecutor and the defence for three hours."
)


def test_a_dated_seed_counts_days_apart_from_its_publication() -> None:
    j = judge()
    j.add_seed("seed", "Court adjourns Khan appeal", REPORT, datetime(1970, 1, 1, tzinfo=UTC), published=T0.date())
    seed = j.index.docs[0].report
    assert seed.published == datetime(T0.year, T0.month, T0.day, tzinfo=UTC) and j.horizon == T0.date()
    decision = j.judge("a", "Khan appeal adjourned", _reordered(REPORT, "sorted"), T0 + timedelta(days=1))
    channels = dict(decision.candidates[0].channels)
    assert channels["seed"] == 1.0 and channels["near"] > 0.8 and channels["far"] == 0.0  # 1.4 days apart


def test_a_report_more_than_a_week_from_every_dated_report_of_a_story_starts_another() -> None:
    """A second hearing over a week on is another event, however alike the reports read."""
    j = NoveltyJudge(HashingEmbedder(), Thresholds(), models=_on_body(1.1))
    j.remember("a", "Court adjourns Khan appeal", REPORT, T0, story_id=50, language="en")
    week = j.judge("b", "Khan appeal hearing put off", _reordered(REPORT, "reversed"), T0 + timedelta(days=6))
    assert week.judgement.story == 50 and week.candidates[0].days_apart == 6.0 and not week.candidates[0].too_far
    later = j.judge("c", "Khan appeal adjourned again", _reordered(REPORT, "sorted"), T0 + timedelta(days=14))
    assert later.judgement.story != 50 and later.judgement.verdict == "new"
    assert later.candidates[0].story == 50 and later.candidates[0].score == 1.0
    assert later.candidates[0].days_apart == 8.0 and later.candidates[0].too_far  # from its nearest report, b


def test_an_undated_report_joins_by_what_it_says_whenever_it_arrives() -> None:
    j = NoveltyJudge(HashingEmbedder(), Thresholds(), models=_on_body(1.1))
    j.remember("a", "Court adjourns Khan appeal", REPORT, T0, story_id=50, language="en")
    undated = j.judge("b", "Khan appeal adjourned", _reordered(REPORT, "sorted"), T0 + timedelta(days=10), dated=False)
    assert undated.judgement.story == 50 and undated.candidates[0].days_apart is None


def test_a_story_of_undated_reports_cannot_be_too_far() -> None:
    j = NoveltyJudge(HashingEmbedder(), Thresholds(), models=_on_body(1.1))
    first = j.judge("a", "Court adjourns Khan appeal", REPORT, T0, dated=False).judgement
    later = j.judge("b", "Khan appeal adjourned", _reordered(REPORT, "sorted"), T0 + timedelta(days=12))
    assert later.judgement.story == first.story and later.candidates[0].days_apart is None


PORT = "Karachi port container volumes rose in October as shipping lines added weekly calls to the harbour."


def _two_stories(j: NoveltyJudge, *, far_story_mixed: bool) -> Decision:
    """Story 50 (ten days before the article) and story 60 (one day before) each hold a report of the
    article's words; one of them also holds a report of another matter, so it scores 0.75, not 1."""
    j.remember("a", "Court adjourns Khan appeal", REPORT, T0, story_id=50, language="en")
    j.remember("b", "Khan appeal hearing put off", _reordered(REPORT, "reversed"), T0 + timedelta(days=9),
               story_id=60, language="en")
    mixed, when = (50, T0) if far_story_mixed else (60, T0 + timedelta(days=9))
    j.remember("x", "Port volumes rise", PORT, when, story_id=mixed, language="en")
    return j.judge("c", "Khan appeal adjourned again", _reordered(REPORT, "sorted"), T0 + timedelta(days=10))


def test_when_the_closest_story_is_too_far_the_article_joins_the_next_one() -> None:
    decision = _two_stories(NoveltyJudge(HashingEmbedder(), Thresholds(), models=_on_body(1.1)), far_story_mixed=False)
    assert [(c.story, c.score, c.too_far) for c in decision.candidates[:2]] == [(50, 1.0, True), (60, 0.75, False)]
    assert decision.judgement.story == 60


def test_a_story_too_far_is_not_merged_however_alike() -> None:
    j = NoveltyJudge(HashingEmbedder(), Thresholds(), models=_on_body(0.7))
    decision = _two_stories(j, far_story_mixed=True)
    assert [(c.story, c.score, c.too_far) for c in decision.candidates[:2]] == [(60, 1.0, False), (50, 0.75, True)]
    assert decision.judgement.story == 60 and decision.merged == ()
    assert {j.index.docs[i].key for i in j.index.stories[50].docs} == {"a", "x"}


def test_a_seed_story_takes_reports_whenever_they_are_published() -> None:
    """Seeds are known coverage of their theme: two dated seeds of one event ten days apart share a
    story, and a report a month later can still join it."""
    j = NoveltyJudge(HashingEmbedder(), Thresholds(), models=_on_body(1.1))
    first = j.add_seed("s1", "Court adjourns Khan appeal", REPORT, T0, published=T0.date())
    second = j.add_seed("s2", "Khan appeal hearing put off", _reordered(REPORT, "reversed"), T0,
                        published=(T0 + timedelta(days=10)).date())
    assert first == second
    later = j.judge("a", "Khan appeal adjourned", _reordered(REPORT, "sorted"), T0 + timedelta(days=40))
    assert later.judgement.story == first and later.candidates[0].days_apart is None


def test_bodies_without_a_word_are_no_copies_of_each_other() -> None:
    """A feed entry whose body is an emoji or punctuation is read by its title: two such entries about
    different events were exact copies of each other (their wordless bodies normalise alike)."""
    j = judge()
    first = j.judge("a", "Court adjourns Khan appeal until April", "📷", T0).judgement
    other = j.judge("b", "US delegation to visit Islamabad for counterterrorism talks", "...", T0 + timedelta(days=2))
    assert other.layer != "exact" and other.judgement.story != first.story
    again = j.judge("c", "Court adjourns Khan appeal until April", "🎥 …", T0 + timedelta(days=2))
    assert again.layer == "exact" and again.judgement.story == first.story
