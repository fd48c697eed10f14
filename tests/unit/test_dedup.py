"""Near-duplicates and stories, the pure part: shingles, MinHash, LSH keys, decisions, bad input."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scraper.errors import ConfigError
from scraper.policy import dedup, stories
from scraper.policy import terms as stories_terms
from scraper.policy.stories import Linked, Thresholds
from tests.newssite.content import headline, paragraphs
from tests.newssite.syndication import edited_copy, real_articles

SEED = Path(__file__).resolve().parents[1] / "data" / "seed.txt"
T0 = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
CHINESE_ECONOMY = (
    "国家统计局周一公布的数据显示，今年第三季度国内生产总值同比增长百分之四点八，低于市场预期。"
    "分析人士认为，房地产市场持续低迷和出口需求减弱是经济放缓的主要原因。"
    "政府表示将出台更多措施支持消费和投资，并加大对中小企业的信贷支持力度。")
CHINESE_FLOODS = (
    "受强降雨影响，南方多个省份出现严重洪涝灾害，数万名居民被紧急转移。"
    "气象部门预计未来三天仍将有大到暴雨，提醒公众注意防范山体滑坡和泥石流等次生灾害。"
    "救援队伍已经赶赴灾区，全力开展搜救和物资发放工作。")
ARABIC_HEALTH = (
    "أعلنت وزارة الصحة يوم الاثنين عن افتتاح مستشفى جديد في العاصمة يضم أكثر من ثلاثمائة سرير، "
    "ويهدف المشروع إلى تخفيف الضغط على المستشفيات الحكومية وتحسين جودة الخدمات الطبية المقدمة "
    "للمواطنين في المناطق الريفية والنائية. وقال الوزير إن الحكومة ستواصل الاستثمار في القطاع الصحي "
    "خلال السنوات المقبلة.")
ARABIC_FOOTBALL = (
    "فاز المنتخب الوطني لكرة القدم على نظيره بثلاثة أهداف مقابل هدف واحد في المباراة التي أقيمت "
    "مساء الخميس على الملعب الدولي، ليتأهل بذلك إلى الدور النهائي من البطولة الإقليمية. وأشاد المدرب "
    "بأداء اللاعبين وروحهم القتالية، مؤكدا أن الفريق سيستعد جيدا للمباراة الحاسمة الأسبوع المقبل.")
PAYWALL = "Subscribe to continue reading. Already a subscriber? Log in to read the full story."


def seed() -> tuple[str, list[str]]:
    """Return the title and paragraphs of the real seed article."""
    body = SEED.read_text(encoding="utf-8").partition("\n\n\n")[0]
    return "Putin Says He Wants the Question of Ukraine's NATO Ties Resolved Now", [
        line.strip() for line in body.splitlines() if line.strip()]


def linked(aid: int, title: str, body: str, *, source: str = "a", hours: float = 0,
           story_id: int | None = None, duplicate_of: int | None = None) -> Linked:
    """Return an article as linking sees it, first seen `hours` after T0."""
    fp = dedup.fingerprint(body)
    at = T0 + timedelta(hours=hours)
    return Linked(aid, source, title, at, at, fp.signature, story_id, duplicate_of)


def test_words_are_tokens_and_unspaced_scripts_are_cut_into_characters():
    assert dedup.tokens("The  QUICK\u00a0brown, fox!") == ["the", "quick", "brown", "fox"]
    assert dedup.tokens("北京 news") == ["北", "京", "news"]
    assert "the quick brown" in dedup.shingles("The quick brown fox jumps")
    assert "国 家 统 计 局" in dedup.shingles(CHINESE_ECONOMY)  # five-character shingles


def test_empty_and_short_bodies_get_no_signature_and_are_never_copies():
    for body in ("", "   ", "Breaking news.", PAYWALL, "Photo: Reuters"):
        assert dedup.fingerprint(body).signature is None
    a, b = linked(1, "One", PAYWALL), linked(2, "Two", PAYWALL, source="b")
    assert stories.is_copy(b, a, 0.5) == 0.0
    assert stories.decide(b, [a], Thresholds()).story_id is None


def test_an_edited_republication_of_a_real_article_is_a_near_duplicate():
    title, paras = seed()
    copy = edited_copy(paras, random.Random(3))
    original, other = linked(1, title, "\n\n".join(paras), story_id=10), linked(2, title, "\n\n".join(copy), source="b", hours=5)
    exact = dedup.exact_jaccard(dedup.shingles(original_body := "\n\n".join(paras)), dedup.shingles("\n\n".join(copy)))
    assert exact > 0.6, original_body[:40]
    assert abs(dedup.estimate_jaccard(original.body_signature, other.body_signature) - exact) < 0.15
    assert stories.decide(other, [original], Thresholds()) == stories.Decision(1, 10, stories.is_copy(other, original, 0.5))


def test_the_earliest_original_is_recorded_also_through_a_copy_of_a_copy():
    title, paras = seed()
    body = "\n\n".join(paras)
    first = linked(1, title, body, story_id=10)
    second = linked(2, title, "\n\n".join(edited_copy(paras, random.Random(1))), source="b", hours=1,
                    story_id=10, duplicate_of=1)
    third = linked(3, title, "\n\n".join(edited_copy(paras, random.Random(2))), source="c", hours=2)
    assert stories.decide(third, [second, first], Thresholds()).duplicate_of == 1
    assert stories.decide(third, [second], Thresholds()).duplicate_of == 1


def test_a_revised_original_is_not_a_copy_of_its_own_copies():
    title, paras = seed()
    original = linked(1, title, "\n\n".join(paras + ["Correction: a figure was wrong."]), story_id=10)
    copy = linked(2, title, "\n\n".join(edited_copy(paras, random.Random(1))), source="b", hours=1,
                  story_id=10, duplicate_of=1)
    assert stories.decide(original, [copy], Thresholds()).duplicate_of is None


def test_an_earlier_copy_linked_late_adopts_the_original_that_was_linked_first():
    title, paras = seed()
    late_original = linked(2, title, "\n\n".join(edited_copy(paras, random.Random(1))), source="b", hours=1,
                           story_id=10)
    its_copy = linked(3, title, "\n\n".join(edited_copy(paras, random.Random(2))), source="c", hours=2,
                      story_id=10, duplicate_of=2)
    first_fetched = linked(1, title, "\n\n".join(paras))
    decision = stories.decide(first_fetched, [late_original, its_copy], Thresholds())
    assert (decision.duplicate_of, decision.story_id, decision.adopted) == (None, 10, (2,))


def test_unrelated_real_articles_are_neither_copies_nor_one_story():
    arts = [linked(i, title, "\n\n".join(paras), source=f"s{i % 3}", hours=i, story_id=100 + i)
            for i, (title, paras) in enumerate(real_articles())]
    assert len(arts) >= 7
    for i, a in enumerate(arts):
        assert stories.decide(a, arts[:i], Thresholds()) == stories.Decision(None, None, 0.0), a.title


def test_generated_articles_sharing_a_small_vocabulary_are_not_copies():
    rng = random.Random(5)
    arts = [linked(i, headline(rng), "\n\n".join(paragraphs(rng)), source=f"s{i % 3}", hours=i, story_id=100 + i)
            for i in range(40)]
    for i, a in enumerate(arts):
        assert stories.decide(a, arts[:i], Thresholds()).duplicate_of is None, a.title


def test_non_latin_scripts_match_their_copies_and_not_each_other():
    texts = [CHINESE_ECONOMY, CHINESE_FLOODS, ARABIC_HEALTH, ARABIC_FOOTBALL]
    fps = [dedup.fingerprint(t) for t in texts]
    assert all(fp.signature is not None for fp in fps)
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            assert dedup.estimate_jaccard(fps[i].signature, fps[j].signature) < 0.1
    zh_copy = CHINESE_ECONOMY.replace("，低于市场预期", "").replace("周一", "周二")
    ar_copy = ARABIC_HEALTH.replace("يوم الاثنين", "يوم الثلاثاء") + " المزيد من التفاصيل لاحقا."
    assert dedup.estimate_jaccard(dedup.fingerprint(zh_copy).signature, fps[0].signature) >= 0.5
    assert dedup.estimate_jaccard(dedup.fingerprint(ar_copy).signature, fps[2].signature) >= 0.5
    zh_a, zh_b = linked(1, "经济增长放缓", CHINESE_ECONOMY, story_id=1), linked(2, "南方洪涝灾害", CHINESE_FLOODS, source="b")
    assert stories.decide(zh_b, [zh_a], Thresholds()) == stories.Decision(None, None, 0.0)


def test_one_sites_long_template_text_under_different_titles_is_not_a_copy():
    rng = random.Random(4)
    template = " ".join(paragraphs(rng))  # long enough to fingerprint
    a = linked(1, "Council approves the harbour budget", template, story_id=1)
    b = linked(2, "Striking teachers return to work", template, hours=1)
    assert stories.is_copy(b, a, 0.5) == 0.0
    assert stories.decide(b, [a], Thresholds()).story_id is None
    other_site = linked(3, "Striking teachers return to work", template, source="b", hours=1)
    assert stories.is_copy(other_site, a, 0.5) == 1.0  # the same long text on another site is a copy


def test_signatures_survive_storage_and_band_keys_are_namespaced():
    fp = dedup.fingerprint(" ".join(paragraphs(random.Random(1))))
    again = dedup.signature_from_bytes(dedup.signature_bytes(fp.signature))
    assert np.array_equal(again, fp.signature)
    assert len(fp.band_keys) == dedup.BANDS
    assert fp.band_keys == dedup.band_keys(again, dedup.BANDS, b"body")
    assert not set(fp.band_keys) & set(dedup.band_keys(again, dedup.BANDS, b"story"))
    assert all(-(2 ** 63) <= k < 2 ** 63 for k in fp.band_keys)


@settings(max_examples=60, deadline=None)
@given(st.sets(st.integers(0, 400), min_size=1, max_size=200), st.sets(st.integers(0, 400), min_size=1, max_size=200))
def test_minhash_estimates_jaccard(a, b):
    sa, sb = {f"w{x}" for x in a}, {f"w{x}" for x in b}
    estimate = dedup.estimate_jaccard(dedup.minhash(sa), dedup.minhash(sb))
    assert abs(estimate - dedup.exact_jaccard(sa, sb)) < 0.2  # 128 values: sd at most 0.045


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=400), st.text(max_size=60))
def test_any_text_is_fingerprinted_without_error_and_deterministically(body, title):
    fp = dedup.fingerprint(body)
    assert fp.band_keys == dedup.fingerprint(body).band_keys
    terms = stories_terms.event_terms(title, body)
    assert terms.hashes.size == terms.counts.size and np.all(np.diff(terms.hashes.astype(np.int64)) > 0)


def test_the_default_settings_are_the_default_thresholds(monkeypatch):
    from scraper.settings import load_settings
    from scraper.storage.linking import thresholds_from

    for var in ("SCRAPER_DEDUP_THRESHOLD", "SCRAPER_STORY_THRESHOLD", "SCRAPER_STORY_WINDOW_HOURS"):
        monkeypatch.delenv(var, raising=False)
    assert thresholds_from(load_settings(env_file=None)) == Thresholds()
    monkeypatch.setenv("SCRAPER_STORY_THRESHOLD", "0.3")
    assert thresholds_from(load_settings(env_file=None)).story == 0.3
    monkeypatch.setenv("SCRAPER_DEDUP_THRESHOLD", "2")
    with pytest.raises(ConfigError, match="SCRAPER_DEDUP_THRESHOLD='2' is not a similarity between 0 and 1"):
        load_settings(env_file=None)
