"""Rule packs: the adblock element-hiding syntax postkit reads, and the index that applies it."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from postkit.errors import ConfigError
from postkit.pipeline.html import parse_fragment
from postkit.rules import RuleSet, Selector, any_of, load_rulebook, parse_hiding_pack, parse_url_pack

PACK = """\
[Adblock Plus 2.0]
! a comment
! kind: share-bar
##.sharedaddy
example.com,~sub.example.com##.local-only
example.com#@#.sharedaddy
! kind: ad-slot
##[id^="dfp-ad-"]
##.share-*
##div:has(> a[href^="https://feedx."])
##a[href*="doubleclick"]
||ads.example^
example.com##+js(set-constant, x, true)
example.com#?#div:-abp-properties(width: 300px)
"""

HTML = """<div>
<div class="x sharedaddy">share</div><div class="local-only">local</div>
<div id="dfp-ad-1">ad</div><div class="share-bar-top">prefix</div><div class="not-share-x">no</div>
<div>footer <a href="https://feedx.net">feed</a></div>
<a href="https://ad.doubleclick.net/x">click</a>
<article class="category-newsletters tag-related-news share">the article</article>
</div>"""


def matched(ruleset: RuleSet, host: str | None) -> dict[str, str]:
    tree = parse_fragment(HTML)
    return {" ".join(" ".join(element.itertext()).split()): rule.kind for element, rule in ruleset.matches(tree, host)}


def test_pack_syntax_kinds_and_skipped_lines() -> None:
    ruleset = parse_hiding_pack(PACK, origin="test.txt")
    assert ruleset.count == 6
    assert ruleset.skipped == 3  # the network rule, the scriptlet and a procedural filter CSS lacks
    assert matched(ruleset, None) == {
        "share": "share-bar",
        "ad": "ad-slot",
        "prefix": "ad-slot",
        "footer feed": "ad-slot",
        "click": "ad-slot",
    }


def test_site_rules_and_exceptions_follow_the_host() -> None:
    ruleset = parse_hiding_pack(PACK, origin="test.txt")
    on_site = matched(ruleset, "www.example.com")
    assert on_site["local"] == "share-bar"
    assert "share" not in on_site  # example.com#@#.sharedaddy
    assert "local" not in matched(ruleset, "sub.example.com")  # ~sub.example.com
    assert "local" not in matched(ruleset, "other.org")


def test_whole_tokens_and_token_prefixes_never_substrings() -> None:
    found = matched(parse_hiding_pack(PACK, origin="test.txt"), None)
    assert "no" not in found  # not-share-x does not start with share-
    assert "the article" not in found  # category-newsletters, tag-related-news, a bare 'share'


def _random_selector(rng: random.Random, names: list[str]) -> str:
    name = rng.choice(names)
    return rng.choice(
        [
            f".{name}",
            f"#{name}",
            f"div.{name}",
            f'[id^="{name[:3]}"]',
            f'a[href*="{name}"]',
            f'[src$="{name}"]',
            f".{name} > span",
            f"div:has(> .{name})",
            f'[title="{name}"]',
        ]
    )


_NAMES = [f"{a}{b}" for a in ("ad", "adv", "box", "promo") for b in ("", "-1", "top", "x")]


def _random_rules(rng: random.Random, count: int) -> tuple[list[str], RuleSet]:
    selectors = sorted({_random_selector(rng, _NAMES) for _ in range(count)})
    ruleset = RuleSet()
    for selector in selectors:
        parse_hiding_pack(f"##{selector}", origin="t", into=ruleset)
    return selectors, ruleset


@pytest.mark.parametrize("seed", [3, 4, 5, 6])
def test_index_agrees_with_a_selector_engine_run_rule_by_rule(seed: int) -> None:
    rng = random.Random(seed)
    names = _NAMES
    selectors, ruleset = _random_rules(rng, 300)
    parts = []
    for i in range(200):
        name = rng.choice(names)
        attr = rng.choice(["class", "id", "href", "src", "title"])
        tag = "a" if attr == "href" else rng.choice(["div", "span", "img"])
        parts.append(f'<div><{tag} {attr}="{name}{rng.choice(["", "-z", "x"])}">t{i}</{tag}><span>s</span></div>')
    tree = parse_fragment("".join(parts))
    by_index = {element for element, _ in ruleset.matches(tree, None)}
    by_engine = {element for selector in selectors for element in Selector(selector).select(tree)}
    assert by_index == by_engine
    assert len(by_index) > 50


@pytest.mark.parametrize("seed", range(8))
def test_index_agrees_with_the_engine_on_small_documents(seed: int) -> None:
    """Documents with few rules' names each: the ones where no tag rule matches take the short way
    (only elements with attributes, looked up in C before the rules are gathered)."""
    rng = random.Random(seed)
    names = _NAMES
    selectors, ruleset = _random_rules(rng, 60)
    # HTML splits classes on ASCII white space; the XPath of the engine knows no form feed, so none here
    spaces = [" ", "\t", "\n", "\r", "\u00a0", "\u2003"]
    for _ in range(40):
        parts = []
        for i in range(rng.randrange(1, 6)):
            name = rng.choice(names) + rng.choice(["", "-z", "x"])
            attr = rng.choice(["class", "id", "href", "src", "title", "style", None])
            if attr == "class":
                name = rng.choice(["x", "other"]) + rng.choice(spaces) + name
            tag = "a" if attr == "href" else rng.choice(["div", "span", "img", "p"])
            attribute = f' {attr}="{name}"' if attr else ""
            parts.append(f"<div><{tag}{attribute}>t{i}</{tag}><span>s</span></div>")
        tree = parse_fragment("".join(parts))
        by_index = {element for element, _ in ruleset.matches(tree, None)}
        by_engine = {element for selector in selectors for element in Selector(selector).select(tree)}
        assert by_index == by_engine, parts


def test_url_packs_anchor_at_hosts() -> None:
    rules = parse_url_pack("! kind: promo-link\n||subscribe.example.com/promotions/\n@@||x^\n", origin="u")
    assert rules.skipped == 1
    assert rules.match("https://subscribe.example.com/promotions/a?b=1") is not None
    assert rules.match("https://www.subscribe.example.com/promotions/") is not None
    assert rules.match("https://notsubscribe.example.com/promotions/") is None
    assert rules.match("https://example.org/?u=subscribe.example.com/promotions/") is None


def test_builtin_packs_load_and_a_missing_user_pack_is_a_config_error(tmp_path: Path) -> None:
    book = load_rulebook()
    assert book.hiding.count > 50 and book.hiding.skipped == 0
    assert book.is_tracking_param("utm_source") and book.is_tracking_param("fbclid")
    assert not book.is_tracking_param("id")
    with pytest.raises(ConfigError, match=r"nope\.txt: cannot read rule pack"):
        load_rulebook([tmp_path / "nope.txt"])


@pytest.mark.parametrize(
    ("line", "selector"),
    [
        ("##p:has-text(版权声明)", 'p:-soup-contains("版权声明")'),  # uBlock Origin
        ("example.com#?#p:-abp-contains(Subscribe now)", 'p:-soup-contains("Subscribe now")'),  # Adblock Plus
        ('##div:has-text("quoted")', 'div:-soup-contains("quoted")'),
        ('##p:has-text(say "hi" (twice))', 'p:-soup-contains("say \\"hi\\" (twice)")'),
        ("example.com#?#div:-abp-has(.ad)", "div:has(.ad)"),
    ],
)
def test_text_and_has_operators_become_css_selectors(line: str, selector: str) -> None:
    ruleset = parse_hiding_pack(line, origin="t.txt")
    assert ruleset.skipped == 0
    rules = [
        rule
        for entries in (*ruleset.by_tag.values(), *ruleset.by_class.values(), ruleset.anywhere)
        for _, _, rule in entries
    ]
    assert [rule.selector for rule in rules] == [selector]


def test_text_rules_remove_the_element_that_says_it_and_skip_regex_arguments() -> None:
    pack = "##p:has-text(was originally published in)\n##p:has-text(/donate|tip/)\n"
    ruleset = parse_hiding_pack(pack, origin="t.txt")
    assert ruleset.skipped == 1  # a regex has no CSS equivalent
    tree = parse_fragment(
        "<div><p>Article text.</p><p><a href='x'>T</a> was originally published in "
        "<a href='y'>Pub</a> on Medium.</p></div>"
    )
    assert ["".join(element.itertext()) for element, _ in ruleset.matches(tree, None)] == [
        "T was originally published in Pub on Medium."
    ]


def test_text_rules_are_filed_under_their_tag_even_with_a_comma_in_the_text() -> None:
    ruleset = parse_hiding_pack("##p:has-text(on Medium, where people)\n##.a, .b\n", origin="t.txt")
    assert [rule.selector for _, _, rule in ruleset.by_tag["p"]] == ['p:-soup-contains("on Medium, where people")']
    assert [rule.selector for _, _, rule in ruleset.anywhere] == [".a, .b"]  # a real selector list


def test_a_text_rule_is_tried_only_on_documents_that_hold_its_text() -> None:
    ruleset = parse_hiding_pack("##div:has-text(Support us)\n", origin="t.txt")
    with_text = parse_fragment("<div><div>Support us today</div><p>Article.</p></div>")
    without = parse_fragment("<div><div>Article only</div></div>")
    assert ["".join(el.itertext()) for el, _ in ruleset.matches(with_text, None)] == [
        "Support us todayArticle.",
        "Support us today",
    ]
    assert list(ruleset.matches(without, None)) == []


SELECTOR_PAGE = """<div id="page">
<p class="lead">Support us on Patreon</p><p class="next">Pekingbooks</p>
<p>support us, lower case</p>
<div class="box"><a href="https://feedx.net/a">feed</a></div><div class="box"><span><a href="https://feedx.net/b">deep</a></span></div>
<ul><li class="x">one</li><li>two</li><li class="x y">three</li></ul>
<img src="https://cdn.example/meta_og_twcards/1.png"><img src="https://cdn.example/2.png">
</div>"""


def _texts(selector: str) -> list[str]:
    return [
        " ".join("".join(element.itertext()).split()) or element.get("src", "")
        for element in Selector(selector).select(parse_fragment(SELECTOR_PAGE))
    ]


@pytest.mark.parametrize(
    ("selector", "texts"),
    [
        ('p:-soup-contains("Support us")', ["Support us on Patreon"]),  # case-sensitive: not "support us"
        ('p:-soup-contains("support us")', ["support us, lower case"]),
        ('p:-soup-contains("Support"):has(+ p:-soup-contains("Pekingbooks"))', ["Support us on Patreon"]),
        ('div:has(> a[href^="https://feedx."])', ["feed"]),  # a child, not any descendant
        ('div.box:has(a[href*="feedx"])', ["feed", "deep"]),
        ("li:not(.x)", ["two"]),
        ("li.x ~ li", ["two", "three"]),
        ("li.x + li", ["two"]),
        ("ul > li.x.y", ["three"]),
        ('img[src*="/meta_og_twcards/"]', ["https://cdn.example/meta_og_twcards/1.png"]),
        ('img[src$="2.png"]', ["https://cdn.example/2.png"]),
        ('[class="x y"]', ["three"]),
        ('[class~="y"]', ["three"]),
        ("#page > p.next", ["Pekingbooks"]),
    ],
)
def test_selectors_translate_to_xpath_with_css_semantics(selector: str, texts: list[str]) -> None:
    assert _texts(selector) == texts


def test_attribute_values_html_reads_without_case_match_in_any_case() -> None:
    tree = parse_fragment('<a rel="NoFollow" href="/A">x</a><a rel="nofollow" href="/a">y</a>')
    assert [a.text for a in Selector('a[rel="nofollow"]').select(tree)] == ["x", "y"]  # rel: any case
    assert [a.text for a in Selector('a[rel="nofollow" s]').select(tree)] == ["y"]  # unless the selector says
    assert [a.text for a in Selector('a[href="/a"]').select(tree)] == ["y"]  # href: exact
    assert [a.text for a in Selector('a[href="/a" i]').select(tree)] == ["x", "y"]


def test_text_containment_reads_descendants_and_skips_comments() -> None:
    tree = parse_fragment("<p>Sup<b>port</b> us</p><p>Sup<!-- x -->port us</p>")
    assert ["".join(p.itertext()) for p in Selector('p:-soup-contains("Support us")').select(tree)] == [
        "Support us",
        "Support us",
    ]  # text nodes joined across elements and around a comment


def test_a_selector_matches_an_element_in_the_context_of_its_whole_document() -> None:
    tree = parse_fragment("<div class='a'><p>x</p></div><p>y</p>")
    inner, outer = tree.iter("p")
    assert Selector(".a > p").match(inner)
    assert not Selector(".a > p").match(outer)


@pytest.mark.parametrize(
    "line", ["##p:-soup-contains(unquoted text)", "##div:-abp-properties(width: 300px)", "##p:nth-of-type(", "##a[href"]
)
def test_selectors_css_cannot_express_are_skipped(line: str) -> None:
    ruleset = parse_hiding_pack(line, origin="t.txt")
    assert (ruleset.count, ruleset.skipped) == (0, 1)


AGREEMENT_PAGE = """<div id="page" class="Post  body">
<p class="lead">Support us on Patreon</p><p class="next">Pekingbooks</p><p>———</p><p>Pekingbooks</p>
<p>The post <a href="https://e.org/x">X</a> appeared first on <a href="https://e.org">E</a>.</p>
<div class="box"><a href="https://feedx.net/a">feed</a></div><div class="box"><span><a href="https://feedx.net/b">deep</a></span></div>
<ul><li class="x">one</li><li>two</li><li class="x y">three<!-- Support us --></li></ul>
<div class="button-wrapper"><a href="https://e.org/?action=share">s</a></div>
<img src="https://cdn.example/meta_og_twcards/1.png"><form data-members-form=""><input type="TEXT"></form>
<p class="sponsored">比特币捐助通道 <script>var x = "Support us";</script></p>
<div id="div-gpt-ad-1"></div><div id="adslot_2" class="BarrierFailsafe__x"></div>
</div>"""


@pytest.mark.parametrize(
    "selector",
    [
        'p:-soup-contains("Support us")',
        'p:-soup-contains("———"):has(+ p:-soup-contains("Pekingbooks"))',
        'p:-soup-contains("The post"):-soup-contains("appeared first on")',
        'p:-soup-contains("比特币捐助通道")',
        'div:has(> a[href^="https://feedx."])',
        '.button-wrapper:has(a[href*="action=share"])',
        '[id^="div-gpt-ad"]',
        '[id^="adslot_"]',
        '[class^="BarrierFailsafe__"]',
        'img[src*="/meta_og_twcards/"]',
        "form[data-members-form]",
        'input[type="text"]',
        "li:not(.x)",
        "li.x ~ li",
        "ul > li.x.y",
        ".Post.body p",
        "#page > p:first-child",
        "li:nth-child(2)",
        "p:-soup-contains('Support us'), li:-soup-contains('Support us')",
    ],
)
def test_compiled_selectors_match_what_soupsieve_matched(selector: str) -> None:
    soupsieve = pytest.importorskip("soupsieve")
    bs4 = pytest.importorskip("bs4")
    numbered = AGREEMENT_PAGE.replace("<p", "<p data-n").replace("<li", "<li data-n").replace("<div", "<div data-n")
    count = 0
    while "data-n " in numbered or "data-n>" in numbered:
        numbered = numbered.replace("data-n", f'data-i="{count}"', 1)
        count += 1
    ours = {element.get("data-i") for element in Selector(selector).select(parse_fragment(numbered))}
    theirs = {element.get("data-i") for element in soupsieve.select(selector, bs4.BeautifulSoup(numbered, "lxml"))}
    assert ours == theirs


def test_site_knowledge_of_embeds_and_image_proxies_is_data() -> None:
    from postkit.pipeline.render import player_page
    from postkit.pipeline.repair import proxied_url
    from postkit.rules.sites import embeds

    knowledge = embeds()
    assert [p.site for p in knowledge.players] == ["YouTube", "Vimeo"]
    assert "twitter-tweet" in knowledge.embed_quotes
    assert player_page("https://www.youtube-nocookie.com/embed/abcdefgh?start=9") == (
        "https://www.youtube.com/watch?v=abcdefgh&t=9s"
    )
    assert proxied_url("https://images.weserv.nl/?url=example.org/a.jpg") == "https://example.org/a.jpg"
    assert proxied_url("https://i2.wp.com/example.org/wp-content/a.jpg?resize=300") == (
        "https://example.org/wp-content/a.jpg"
    )
    assert proxied_url("https://i4.wp.com/example.org/a.jpg") is None  # Photon has i0 to i3 only
    assert knowledge.generic_title.fullmatch("YouTube video player")


# --- any_of: a trie pattern, the same answers as the plain alternation ------------------------------

_LETTERS = st.text(alphabet="ab.*(\\ß", max_size=5)


@given(st.lists(_LETTERS, max_size=8), st.text(alphabet="ab.*(\\ßx", max_size=30))
@settings(max_examples=2000)
def test_any_of_finds_what_the_alternation_finds(words: list[str], text: str) -> None:
    alternation = re.compile("|".join(re.escape(word) for word in words))
    trie = any_of(words)
    found, expected = trie.search(text), alternation.search(text)
    assert (found is None) == (expected is None)
    if found is not None and expected is not None and words:
        assert found.start() == expected.start()
        assert found.group() in words  # a whole word, the longest at that place
        assert len(found.group()) == max(len(word) for word in words if text.startswith(word, found.start()))
    assert (trie.match(text) is None) == (alternation.match(text) is None)


def test_any_of_shares_prefixes() -> None:
    pattern = any_of(["share", "sharethis", "shareon", "follow"])
    assert pattern.pattern == "(?:follow|share(?:(?:on|this))?)"
    assert pattern.search("please sharethis now").group() == "sharethis"
    assert pattern.match("followers").group() == "follow"
    assert pattern.search("nothing here") is None


def test_classes_split_on_ascii_white_space_only() -> None:
    ruleset = parse_hiding_pack("##.adx\n##.promo", origin="t")
    tree = parse_fragment('<p class="x\tadx">1</p><p class="x\u00a0adx">2</p><p class="promo\r\nx">3</p>')
    assert [element.text for element, _ in ruleset.matches(tree, None)] == ["1", "3"]


def test_any_of_takes_long_words_and_deep_tries() -> None:
    """A user's pack may hold a phrase of hundreds of letters, or hundreds of phrases each one
    letter longer than the last: the first is one literal, the second the plain alternation."""
    long_word = "x" * 5000
    assert any_of([long_word, "y"]).search("a" + long_word).group() == long_word
    growing = ["z" * length for length in range(1, 400)]
    pattern = any_of(growing)
    assert pattern.search("a" + "z" * 450).group() == "z" * 399
    assert pattern.match("q") is None


def test_a_text_rule_with_a_long_text_matches() -> None:
    text = "x" * 600
    ruleset = parse_hiding_pack(f'##p:-soup-contains("{text}")', origin="t")
    tree = parse_fragment(f"<p>{text}</p><p>other</p>")
    assert [element.text for element, _ in ruleset.matches(tree, None)] == [text]
