"""One front-matter reader for clean and validate (issue #10 item 7): the same verdict and message."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from postkit import clean_text
from postkit.checks import frontmatter
from postkit.errors import PostError
from postkit.post import split_post
from postkit.validate import validate_text

ALIAS_BOMB = (
    "---\na: &a [x,x,x,x,x,x,x,x,x]\n"
    + "".join(
        f"{chr(98 + i)}: &{chr(98 + i)} [*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},"
        f"*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)},*{chr(97 + i)}]\n"
        for i in range(6)
    )
    + "---\n<p>x</p>\n"
)
PYTHON_TAG = "---\ntitle: A\nx: !!python/object/apply:os.system [echo pwned]\n---\n<p>x</p>\n"
MANY_ALIASES = "---\ntitle: Many\nbase: &b small\nlist: [" + ", ".join(["*b"] * 150) + "]\n---\n<p>x</p>\n"
SYNTAX = "---\ntitle: Breaking: a colon\n---\n<p>x</p>\n"
A_LIST = "---\n- a\n- b\n---\n<p>x</p>\n"
TOML_BAD = "+++\ntitle = \n+++\n<p>x</p>\n"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (ALIAS_BOMB, None, "alias bomb"),
        (PYTHON_TAG, 3, "tag '!!python/object/apply:os.system' cannot be read by a safe YAML loader"),
        (SYNTAX, 2, "mapping values are not allowed here"),
        (A_LIST, 2, "front matter is a list, not a mapping of keys to values"),
        (TOML_BAD, 2, "not valid TOML"),
    ],
)
def test_front_matter_validate_refuses_clean_refuses_with_the_same_message(
    text: str, line: int | None, words: str
) -> None:
    problems = [p for p in validate_text(text, path="post.md") if p.code in ("PK101", "PK107", "PK108")]
    assert problems, "validate must refuse it"
    first = min(problems)
    assert words in first.message
    if line is not None:
        assert first.line == line
    with pytest.raises(PostError) as raised:
        clean_text(text, path="post.md")
    assert raised.value.message == first.message
    assert (raised.value.line, raised.value.column) == (first.line, first.column)
    assert str(raised.value).startswith(f"post.md:{first.line}:{first.column}: ")


def test_150_aliases_to_one_small_value_pass_both() -> None:
    assert [p.code for p in validate_text(MANY_ALIASES, path="post.md") if p.code.startswith("PK1")] == []
    result = clean_text(MANY_ALIASES, path="post.md")
    assert result.text == MANY_ALIASES.replace("<p>x</p>", "x")


def test_front_matter_is_kept_byte_for_byte() -> None:
    front = "---\r\ntitle:   'Spaced'   # a comment\r\ndate: 2021-08-10\r\ntags: [ a,b ]\r\n...\r\n"
    result = clean_text(front + "<p>Body</p>\r\n", path="post.md")
    assert result.text.startswith(front)


def test_metadata_are_the_values_as_validate_reads_them() -> None:
    post = split_post("---\ntitle: A\ndate: 2021-08-10 10:00:00 +0800\ntime: 10:00\ndraft: false\n---\n")
    assert post.metadata == {"title": "A", "date": "2021-08-10 10:00:00 +0800", "time": "10:00", "draft": False}


@pytest.mark.skipif(not hasattr(yaml, "CSafeLoader"), reason="PyYAML built without libyaml")
def test_the_c_loader_is_used_where_pyyaml_has_it() -> None:
    assert frontmatter.FAST_YAML_LOADER is yaml.CSafeLoader


def test_the_fast_and_the_pure_loader_give_one_tree_shape() -> None:
    text = "title: plain\nquoted: \"q\"\nflag: yes\nlist: [a, 'b']\n"
    fast = frontmatter.compose_yaml(text)
    pure = yaml.compose(text, Loader=yaml.SafeLoader)
    assert _shape(fast) == _shape(pure)


def _shape(node: yaml.Node | None) -> object:
    if isinstance(node, yaml.ScalarNode):
        # the loaders spell a plain style differently ('' and None): is_plain reads both alike
        return (node.tag, node.value, frontmatter.is_plain(node), node.style or None, node.start_mark.index)
    if isinstance(node, yaml.SequenceNode):
        return [_shape(item) for item in node.value]
    assert isinstance(node, yaml.MappingNode)
    return [(_shape(key), _shape(value)) for key, value in node.value]


def test_cleaning_a_post_reads_its_front_matter_without_loading_validates_checks() -> None:
    # the reader lives in postkit.checks; the package's engine, rules and schemas (jsonschema)
    # are loaded only when asked for, so clean and convert start without them
    script = (
        "import sys\n"
        "from postkit import clean_text\n"
        "result = clean_text('---\\ntitle: A\\n---\\n<p>Hello <b>world</b></p>\\n')\n"
        "assert result.text == '---\\ntitle: A\\n---\\nHello **world**\\n', repr(result.text)\n"
        "heavy = ('jsonschema', 'postkit.checks.engine', 'postkit.checks.schema')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
        "from postkit.checks import RULES, load_schema\n"
        "print(len(RULES) > 10, callable(load_schema), 'jsonschema' in sys.modules)\n"
    )
    ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert ran.stdout.splitlines() == ["[]", "True True True"]


def test_every_name_the_checks_package_offers_loads_from_where_it_is_filed() -> None:
    # the package lists its names three times (imports for type checkers, __all__, where each
    # loads from): a name in one list and not another would fail only when first asked for
    import postkit.checks as checks

    assert sorted(checks.__all__) == sorted(checks._HOMES)
    for name in checks.__all__:
        home = __import__(f"postkit.checks.{checks._HOMES[name]}", fromlist=[name])
        assert getattr(checks, name) is getattr(home, name)
