"""The watch-rule query language: every operator, every error with its position, properties."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from nlp.normalize import normalize, strip_text
from nlp.query import Document, Query, QueryError, RuleSet, Span, parse

ARTICLE = Document(
    text="Lũ ở Đắk Hà\nHuyện Đăk Hà bị ngập, hai xã cô lập. Thủ tướng chỉ đạo khắc phục hậu quả.",
    title="Lũ ở Đắk Hà",
    source="baokontum Báo Kon Tum",
    places=("Đăk Hà", "xã Đăk Mar"),
    topics=("Thiên tai", "Giao thông"),
)


def matches(query: str, doc: Document = ARTICLE) -> bool:
    return parse(query).match(doc) is not None


def texts(query: str, doc: Document = ARTICLE) -> list[tuple[str, str]]:
    spans = parse(query).match(doc)
    assert spans is not None
    return [(s.field, s.text) for s in spans]


# --- words, phrases, folding ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ha", True),
        ("Hà", True),
        ("HA", True),
        ("hai", True),
        ("ngap", True),
        ("ngập", True),
        ("ngấp", True),  # accent-insensitive: any diacritics fold alike
        ("lap", True),
        ("la", False),  # word boundaries: "la" is not "lập"
        ("ngaps", False),
        ('"dak ha"', True),
        ('"Đắk Hà"', True),
        ('"ha dak"', False),
        ('"xa co lap"', True),  # a phrase is consecutive words, punctuation between is nothing
        ('"ngap hai"', True),  # the comma is a boundary, not a gap
        ("dak-ha", True),  # a hyphenated token is a phrase
        ("ha-dak", False),
    ],
)
def test_words_and_phrases(query: str, expected: bool) -> None:
    assert matches(query) is expected


def test_term_spans_are_in_the_original_text() -> None:
    spans = parse('"dak ha"').match(ARTICLE)
    assert spans == (Span("text", 5, 11, "Đắk Hà"), Span("text", 18, 24, "Đăk Hà"))
    assert all(ARTICLE.text[s.start : s.end] == s.text for s in spans)


def test_decomposed_text_offsets_map_back() -> None:
    text = "Xã Đa\u0300k Ha\u0300 ngập"  # NFD marks: the folded text is shorter
    spans = parse("ngap").match(Document(text))
    assert spans is not None
    assert [text[s.start : s.end] for s in spans] == ["ngập"]


def test_new_and_old_tone_placement_match_alike() -> None:
    assert matches("hòa", Document("xã Hoà Bình"))
    assert matches("hoà", Document("xã Hòa Bình"))


def test_lowercase_operator_words_are_words() -> None:
    assert not matches("ha or xe")  # three words, "or" and "xe" absent
    assert matches("xe or", Document("xe or"))
    assert matches("hai and ha", Document("hai and ha"))
    assert not matches("hai and ha", Document("hai ha"))
    assert matches("NEARBY", Document("nearby"))  # only NEAR and NEAR/… are the operator


# --- operators -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ha ngap", True),
        ("ha xe", False),
        ("ha AND ngap", True),
        ("ha AND xe", False),
        ("xe OR ngap", True),
        ("xe OR tau", False),
        ("ha NOT xe", True),
        ("ha -xe", True),
        ("ha -ngap", False),
        ('ha -"co lap"', False),
        ('ha -"lap co"', True),
        ("ha -(xe OR tau)", True),
        ("ha -(xe OR ngap)", False),
        ("(xe OR ha) (tau OR ngap)", True),
        ("xe OR ha ngap", True),  # AND binds tighter: xe OR (ha ngap)
        ("xe OR ha tau", False),
        ("NOT xe ha", True),  # NOT binds tighter than AND
        ("NOT ngap ha", False),
        ("ha AND NOT ngap", False),
    ],
)
def test_boolean_operators(query: str, expected: bool) -> None:
    assert matches(query) is expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("ngap NEAR/1 hai", True),  # adjacent
        ("hai NEAR/1 ngap", True),  # either order
        ("lu NEAR/2 ha", True),  # Lũ ở Đắk Hà: two words between
        ("lu NEAR/1 ha", False),
        ('lu NEAR/2 "dak ha"', True),
        ('"thu tuong" NEAR/2 khac*', True),  # "chỉ đạo" between
        ('"thu tuong" NEAR/1 khac*', False),
        ("lu NEAR/50 qua", True),
        ("xe NEAR/5 ha", False),
        ("ngap NEAR/1 hai xe", False),  # NEAR binds tighter than AND
        ("xe OR ngap NEAR/1 hai", True),
    ],
)
def test_near(query: str, expected: bool) -> None:
    assert matches(query) is expected


def test_near_spans_are_the_near_pair() -> None:
    assert texts("lu NEAR/2 ha") == [("text", "Lũ"), ("text", "Hà")]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("khac*", True),
        ("kha*", True),
        ("khacp*", False),
        ("thu* tuo*", True),
        ('"thu* tuo*"', True),
        ('"chi da*"', True),
        ('"chi do*"', False),
        ("Đắ*", True),
    ],
)
def test_prefix(query: str, expected: bool) -> None:
    assert matches(query) is expected


def test_prefix_span_is_the_whole_word() -> None:
    assert texts("khac*") == [("text", "khắc")]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("title:lu", True),
        ("title:ngap", False),
        ('title:"dak ha"', True),
        ("title:(xe OR lu)", True),
        ("title:(xe OR ngap)", False),
        ("ngap -title:ngap", True),
        ("source:baokontum", True),
        ('source:"kon tum"', True),
        ("source:ha", False),
        ('place:"dak ha"', True),
        ("place:ha", False),  # a whole name, not a word of it
        ('place:"dak mar"', True),  # the level word may be left out
        ('place:"xa dak mar"', True),
        ('place:"huyen dak ha"', False),  # written, it must be in the name
        ("place:(dak* OR xe)", False),  # one word: never the whole two-word name
        ('place:"dak ma*"', True),
        ('topic:"thien tai"', True),
        ("topic:thien", False),
        ('topic:"giao thong" ha', True),
        ("Title:lu", True),
    ],
)
def test_fields(query: str, expected: bool) -> None:
    assert matches(query) is expected


def test_field_spans() -> None:
    assert texts('source:"kon tum" place:"dak ha"') == [
        ("source", "Kon Tum"),
        ("place", "Đăk Hà"),
    ]


def test_negative_terms_give_no_span() -> None:
    assert texts("ha -xe") == [("text", "Hà"), ("text", "Hà")]


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "position", "words"),
    [
        ("", 0, "rỗng"),
        ("   ", 0, "rỗng"),
        ("(ha", 0, "thiếu dấu )"),
        ("ha (xe OR (tau)", 3, "thiếu dấu )"),
        ("ha)", 2, "dấu ) thừa"),
        (")", 0, "dấu ) thừa"),
        ("()", 0, "rỗng"),
        ('ha "dak', 3, 'thiếu dấu "'),
        ('""', 0, "rỗng"),
        ('ha " "', 3, "rỗng"),
        ("ha OR", 3, "OR thiếu vế sau"),
        ("OR ha", 0, "OR thiếu vế trước"),
        ("ha AND", 3, "AND thiếu vế sau"),
        ("ha AND OR xe", 3, "AND thiếu vế sau"),
        ("NOT", 0, "NOT thiếu vế sau"),
        ("ha NOT", 3, "NOT thiếu vế sau"),
        ("ha -", 3, "dấu -"),
        ("ha - xe", 3, "dấu -"),
        ("NOT ha", 0, "chỉ có điều kiện loại trừ"),
        ("-ha -xe", 0, "chỉ có điều kiện loại trừ"),
        ("ha OR -xe", 0, "chỉ có điều kiện loại trừ"),
        ("ha NEAR xe", 3, "NEAR/5"),
        ("ha NEAR/ xe", 3, "NEAR/5"),
        ("ha NEAR/x xe", 3, "NEAR/5"),
        ("ha NEAR/0 xe", 3, "từ 1 đến 50"),
        ("ha NEAR/51 xe", 3, "từ 1 đến 50"),
        ("ha NEAR/99999999999 xe", 3, "từ 1 đến 50"),
        ("NEAR/3 ha", 0, "thiếu vế trước"),
        ("ha NEAR/3", 3, "thiếu vế sau"),
        ("ha NEAR/3 (xe OR tau)", 10, "vế của NEAR"),
        ("(xe OR tau) NEAR/3 ha", 0, "vế của NEAR"),
        ("ha NEAR/3 -xe", 10, "vế của NEAR"),
        ("ha NEAR/3 xe NEAR/3 tau", 13, "mỗi NEAR"),
        ("title:ha NEAR/3 xe", 9, "cùng một trường"),
        ("place:(dak NEAR/3 ha)", 11, "không dùng NEAR"),
        ("foo:ha", 0, "không có trường 'foo'"),
        ("ha title:", 3, "sau title:"),
        ("title: ha", 0, "sau title:"),
        ("title:(source:ha)", 7, "không lồng trường"),
        ("ha title:-xe", 9, "-title:"),
        ("a*", 1, "ít nhất 2"),
        ('"dak h*"', 6, "ít nhất 2"),
        ("*", 0, "ít nhất 2"),
        ("ha -*", 4, "ít nhất 2"),
        ("kh*ac", 2, "cuối một từ"),
        ("*kh", 0, "cuối một từ"),
        ("ha ...", 3, "không có chữ hay số"),
        ("(" * 60 + "ha" + ")" * 60, 40, "lồng quá sâu"),
        ("NOT " * 60 + "ha", 160, "lồng quá sâu"),
    ],
)
def test_errors_name_the_position(query: str, position: int, words: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse(query)
    error = caught.value
    assert words in error.message
    assert error.position == position
    assert error.query == query
    assert str(error) == f"vị trí {position + 1}: {error.message}"


def test_too_long_a_query_is_an_error() -> None:
    with pytest.raises(QueryError, match="quá dài"):
        parse("ha " * 2000)


# --- RuleSet -------------------------------------------------------------------------------------


def test_ruleset_gives_the_matching_rules_in_order() -> None:
    rules = RuleSet(
        [
            ("flood", parse("ngap OR lu")),
            ("traffic", parse("xe NEAR/3 tai")),
            ("place", parse('place:"dak ha" -xe')),
            ("title", parse("title:(lu OR bao)")),
        ]
    )
    found = rules.matches(ARTICLE)
    assert [name for name, _ in found] == ["flood", "place", "title"]
    assert dict(found)["title"] == (Span("title", 0, 2, "Lũ"),)


def test_ruleset_of_nothing_matches_nothing() -> None:
    assert RuleSet([]).matches(ARTICLE) == []


def test_a_normalized_text_is_accepted() -> None:
    rules = RuleSet([("r", parse('"dak ha"'))])
    norm = normalize(ARTICLE.text)
    assert rules.matches(ARTICLE, norm) == rules.matches(ARTICLE)
    assert parse("ha").match(ARTICLE, norm) == parse("ha").match(ARTICLE)
    # A Normalized of another text is ignored rather than trusted.
    assert parse("ha").match(ARTICLE, normalize("xe")) == parse("ha").match(ARTICLE)


# --- properties ----------------------------------------------------------------------------------

VOCABULARY = ["dak", "ha", "hà", "hai", "ngập", "lũ", "xã", "Đăk", "tô", "to", "kon", "tum"]
words = st.sampled_from(VOCABULARY)
texts_st = st.lists(words, max_size=12).map(" ".join)
plain_terms = st.sampled_from(["dak", "ha", "hai", "ngap", "lu", "xa", "to", "kon", "tum"])


@st.composite
def terms(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["word", "phrase", "prefix"]))
    if kind == "word":
        return draw(plain_terms)
    if kind == "prefix":
        return draw(st.sampled_from(["da*", "ha*", "ng*", "to*", "ku*"]))
    return '"' + " ".join(draw(st.lists(plain_terms, min_size=1, max_size=3))) + '"'


def doc_of(text: str) -> Document:
    return Document(text)


@given(st.text(max_size=80))
@example('title:(a NEAR/3 "b c*") -(d OR e)')
@example("\u0300*")
@example('"\u00ad"')
def test_parse_raises_only_query_errors(query: str) -> None:
    try:
        parsed = parse(query)
    except QueryError as error:
        assert 0 <= error.position <= len(query)
    else:
        assert isinstance(parsed, Query)
        parsed.match(Document(query, title=query, source=query, places=(query,)))


@given(st.text(alphabet=' ()"-*:ORANDNOTEa/1234567890tilepc', max_size=40))
def test_parse_operator_soup_raises_only_query_errors(query: str) -> None:
    try:
        parse(query)
    except QueryError as error:
        assert 0 <= error.position <= len(query)


@settings(max_examples=200)
@given(terms(), terms(), texts_st)
def test_or_and_and(a: str, b: str, text: str) -> None:
    doc = doc_of(text)
    assert matches(f"{a} OR {b}", doc) == (matches(a, doc) or matches(b, doc))
    assert matches(f"{a} {b}", doc) == (matches(a, doc) and matches(b, doc))
    assert matches(f"{a} AND {b}", doc) == matches(f"{a} {b}", doc)
    spans = parse(f"{a} OR {b}").match(doc)
    assert spans is None or (spans and all(doc.text[s.start : s.end] == s.text for s in spans))


@settings(max_examples=200)
@given(terms(), terms(), texts_st)
def test_not_is_the_complement(a: str, b: str, text: str) -> None:
    doc = doc_of(text)
    assert matches(f"{a} -{b}", doc) == (matches(a, doc) and not matches(b, doc))
    assert matches(f"{a} NOT {b}", doc) == matches(f"{a} -{b}", doc)
    assert matches(f"{a} -({b})", doc) == matches(f"{a} -{b}", doc)


@settings(max_examples=200)
@given(terms(), terms(), st.integers(1, 5), texts_st)
def test_near_is_symmetric_and_implies_both(a: str, b: str, n: int, text: str) -> None:
    doc = doc_of(text)
    near = matches(f"{a} NEAR/{n} {b}", doc)
    assert near == matches(f"{b} NEAR/{n} {a}", doc)
    if near:
        assert matches(f"{a} {b}", doc)
        assert matches(f"{a} NEAR/{n + 1} {b}", doc)


@settings(max_examples=200)
@given(terms(), texts_st)
def test_folding_invariance(a: str, text: str) -> None:
    plain = strip_text(normalize(text).text)
    assert matches(a, doc_of(text)) == matches(a, doc_of(plain))
    assert matches(a, doc_of(text)) == matches(a, doc_of(text.upper()))


SHAPES = (
    "{a} {b}",
    "{a} OR {b}",
    "{a} -{b}",
    "{a} NEAR/2 {b}",
    "title:{a} OR {b}",
    "({a} OR title:{b}) -{a}",
    "place:{a} {b}",
    "topic:({a} OR {b})",
    "source:{a} -{b}",
)


@settings(max_examples=150)
@given(st.lists(st.tuples(terms(), terms(), st.sampled_from(SHAPES))), texts_st, texts_st,
       st.lists(texts_st, max_size=3), st.lists(texts_st, max_size=2))  # fmt: skip
def test_ruleset_agrees_with_each_query(
    parts: list[tuple[str, str, str]],
    text: str,
    title: str,
    places: list[str],
    topics: list[str],
) -> None:
    queries = [parse(shape.format(a=a, b=b)) for a, b, shape in parts]
    doc = Document(text, title=title, source=title[:12], places=(*places,), topics=(*topics,))
    expected = [(str(n), q.match(doc)) for n, q in enumerate(queries)]
    found = RuleSet((str(n), q) for n, q in enumerate(queries)).matches(doc)
    assert found == [(name, spans) for name, spans in expected if spans is not None]


@settings(max_examples=200)
@given(plain_terms, plain_terms, st.integers(1, 4), texts_st)
def test_near_against_a_brute_force_reading(a: str, b: str, n: int, text: str) -> None:
    folded = strip_text(normalize(text).text).split()
    expected = any(
        abs(p - q) - 1 <= n
        for p, x in enumerate(folded)
        for q, y in enumerate(folded)
        if x == a and y == b
    )
    assert matches(f"{a} NEAR/{n} {b}", doc_of(text)) == expected


def test_overlapping_occurrences_are_all_found() -> None:
    assert texts('"ha ha"', Document("Hà Hà Hà")) == [("text", "Hà Hà"), ("text", "Hà Hà")]


def test_underscores_and_digits() -> None:
    assert matches('"dak ha"', Document("dak_ha"))
    assert matches("covid-19", Document("Covid 19 tại Kon Tum"))
    assert not matches("covid", Document("covid19"))


def test_a_required_key_set_per_rule() -> None:
    assert parse('"dak ha" ngap').anchors() == {" dak ha "}  # AND: one side is enough
    assert parse("lu OR ngap*").anchors() == {" lu ", " ngap"}  # OR: every branch
    assert parse("lu -xe").anchors() == {" lu "}
    assert parse('"thu tuong" NEAR/3 "dak ha"').anchors() == {" thu tuong "}


def test_near_in_a_long_hostile_text() -> None:
    text = "a " * 20_000 + "b " + "a " * 20_000
    spans = parse("a NEAR/1 b").match(Document(text))
    assert spans is not None
    assert len(spans) == 5  # the two a on each side and the b
    assert parse("b NEAR/1 c").match(Document(text)) is None


def test_a_term_is_looked_up_once_for_every_rule() -> None:
    first, second = parse('"dak ha" lu'), parse('xe OR "dak ha"')
    assert first._root.children[0] == second._root.children[1]  # type: ignore[attr-defined]
