"""Config: defaults, the file found by walking up, precedence, and the errors users see."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from postkit.config import DEFAULT_CONFIG, DEFAULTS, Config, find_config_file, load_config
from postkit.errors import ConfigError

VALID_KEYS = (
    "source-url-key, sanitizer, converter, markdown, rules, include, exclude, default-exclude, respect-gitignore, "
    "force-exclude, schema, select, ignore, per-file-ignores, strict, max-file-size, allow-data-images, encoding, "
    "base-url, static-folders, jobs, cache"
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with posts two levels down and no config file yet."""
    root = tmp_path / "project"
    write(root / "posts" / "2020" / "a.md", "# a\n")
    write(root / "posts" / "2021" / "b.md", "# b\n")
    return root


def test_every_default_key_has_exactly_one_field() -> None:
    field_names = {field.name for field in dataclasses.fields(Config)} - {"source"}
    assert field_names == {key.replace("-", "_") for key in DEFAULTS}


def test_default_config_mirrors_defaults() -> None:
    assert DEFAULT_CONFIG.as_dict() == {
        "source-url-key": "from",
        "sanitizer": "nh3",
        "converter": "postkit",
        "markdown": "auto",
        "rules": (),
        "include": ("*.md", "*.markdown", "*.html"),
        "exclude": (),
        "default-exclude": (
            ".git",
            ".jekyll-cache",
            ".sass-cache",
            ".postkit_cache",
            "_site",
            "node_modules",
            "vendor",
            "/public",
            "/resources",
            "_layouts",
            "_includes",
            "/layouts",
            "/themes",
            "/archetypes",
        ),
        "respect-gitignore": True,
        "force-exclude": False,
        "schema": "jekyll",
        "select": (),
        "ignore": (),
        "per-file-ignores": (),
        "strict": False,
        "max-file-size": 10_485_760,
        "allow-data-images": False,
        "encoding": None,
        "base-url": None,
        "static-folders": (".", "static"),
        "jobs": 0,
        "cache": True,
    }
    assert DEFAULT_CONFIG.source is None


def test_precedence_defaults_then_file_then_overrides(project: Path) -> None:
    config_file = write(project / "postkit.toml", 'sanitizer = "bleach"\njobs = 3\nexclude = ["drafts"]\n')
    config = load_config(
        [project / "posts"],
        overrides={"jobs": 1, "sanitizer": None, "strict": True},
    )
    assert config.source == config_file
    assert config.sanitizer == "bleach"  # file; the None override means "not given"
    assert config.jobs == 1  # override beats file
    assert config.strict is True  # override beats default
    assert config.exclude == ("drafts",)  # file beats default
    assert config.include == ("*.md", "*.markdown", "*.html")  # default


def test_walks_up_from_the_common_folder_of_the_paths(project: Path) -> None:
    config_file = write(project / "postkit.toml", "")
    paths = [project / "posts" / "2020" / "a.md", project / "posts" / "2021"]
    assert find_config_file(paths) == config_file


def test_nearest_folder_wins(project: Path) -> None:
    write(project / "postkit.toml", 'sanitizer = "bleach"\n')
    inner = write(project / "posts" / "postkit.toml", "jobs = 2\n")
    config = load_config([project / "posts" / "2020" / "a.md"])
    assert config.source == inner
    assert (config.jobs, config.sanitizer) == (2, "nh3")


def test_postkit_toml_wins_over_pyproject_in_the_same_folder(project: Path) -> None:
    write(project / "pyproject.toml", "[tool.postkit]\njobs = 5\n")
    config_file = write(project / "postkit.toml", "jobs = 6\n")
    config = load_config([project / "posts"])
    assert config.source == config_file
    assert config.jobs == 6


def test_pyproject_table_is_read(project: Path) -> None:
    pyproject = write(project / "pyproject.toml", '[project]\nname = "x"\n\n[tool.postkit]\nallow-data-images = true\n')
    config = load_config([project / "posts"])
    assert config.source == pyproject
    assert config.allow_data_images is True


def test_pyproject_without_postkit_table_is_skipped(project: Path) -> None:
    outer = write(project / "postkit.toml", "jobs = 7\n")
    write(project / "posts" / "pyproject.toml", "[tool.black]\nline-length = 99\n")
    assert find_config_file([project / "posts" / "2020"]) == outer
    assert load_config([project / "posts" / "2020"]).jobs == 7


def test_explicit_config_file_skips_the_search(project: Path, tmp_path: Path) -> None:
    write(project / "postkit.toml", "jobs = 1\n")
    elsewhere = write(tmp_path / "other" / "settings.toml", "jobs = 4\n")
    assert load_config([project / "posts"], config_file=elsewhere).jobs == 4


def test_explicit_pyproject_without_table_is_an_error(tmp_path: Path) -> None:
    pyproject = write(tmp_path / "pyproject.toml", "[tool.black]\n")
    with pytest.raises(ConfigError, match=r"has no \[tool\.postkit\] table"):
        load_config([tmp_path], config_file=pyproject)


def test_missing_explicit_config_file(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as caught:
        load_config([tmp_path], config_file=missing)
    assert str(caught.value) == f"{missing}: config file does not exist"


def test_unknown_key_lists_the_valid_ones(project: Path) -> None:
    config_file = write(project / "postkit.toml", 'sanitiser = "bleach"\n')
    with pytest.raises(ConfigError) as caught:
        load_config([project])
    assert str(caught.value) == f"{config_file}: unknown key 'sanitiser'; valid keys: {VALID_KEYS}"


def test_unknown_keys_in_pyproject_table(project: Path) -> None:
    pyproject = write(project / "pyproject.toml", "[tool.postkit]\nfoo = 1\nbar = 2\n")
    with pytest.raises(ConfigError) as caught:
        load_config([project])
    assert str(caught.value) == f"{pyproject}: unknown keys 'foo', 'bar'; valid keys: {VALID_KEYS}"


def test_unknown_override_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^command line: unknown key 'job'; valid keys: "):
        load_config([tmp_path], overrides={"job": 2})


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ('jobs = "4"', "'jobs' must be an integer, not a string '4'"),
        ("jobs = true", "'jobs' must be an integer, not a boolean True"),
        ("strict = 1", "'strict' must be a boolean (true or false), not an integer 1"),
        ('exclude = "drafts"', "'exclude' must be a list of strings, not a string 'drafts'"),
        ("select = [1, 2]", "'select' must be a list of strings, not an array [1, 2]"),
        ("sanitizer = 3.5", "'sanitizer' must be a string, not a float 3.5"),
        (
            "per-file-ignores = { 'old/*' = 'PK1' }",
            "'per-file-ignores' must be a table of lists of code prefixes, not a string 'PK1'",
        ),
        ("per-file-ignores = ['x']", "'per-file-ignores' must be a table of lists of code prefixes, not an array"),
        ("jobs = -1", "'jobs' must be 0 (all cores) or more, not -1"),
        ("max-file-size = 0", "'max-file-size' must be a positive number of bytes, not 0"),
        ('sanitizer = "html5lib"', "'sanitizer' must be one of nh3, bleach, not 'html5lib'"),
        ('encoding = "klingon"', "'encoding' names an unknown encoding 'klingon'"),
    ],
)
def test_wrong_values_name_file_key_and_expectation(project: Path, line: str, message: str) -> None:
    config_file = write(project / "postkit.toml", line + "\n")
    with pytest.raises(ConfigError) as caught:
        load_config([project])
    assert str(caught.value).startswith(f"{config_file}: {message}")


def test_wrong_override_type_names_the_command_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config([tmp_path], overrides={"max-file-size": "10MB"})
    assert str(caught.value) == "command line: 'max-file-size' must be an integer, not a string '10MB'"


def test_valid_values_are_accepted(project: Path) -> None:
    write(
        project / "postkit.toml",
        'encoding = "gb18030"\nper-file-ignores = { "old/*.md" = ["PK1", "PK203"] }\nselect = ["PK"]\n',
    )
    config = load_config([project])
    assert config.encoding == "gb18030"
    assert config.per_file_ignores == (("old/*.md", ("PK1", "PK203")),)
    assert config.select == ("PK",)


def test_invalid_toml_names_file_and_line(project: Path) -> None:
    config_file = write(project / "postkit.toml", 'sanitizer = "nh3"\njobs = \n')
    with pytest.raises(ConfigError) as caught:
        load_config([project])
    message = str(caught.value)
    assert message.startswith(f"{config_file}:2:")
    assert "invalid TOML: " in message
    assert "(at line" not in message


def test_invalid_pyproject_on_the_way_up_is_reported(project: Path) -> None:
    pyproject = write(project / "pyproject.toml", "[tool.postkit\n")
    with pytest.raises(ConfigError, match=rf"^{pyproject}:1:\d+: invalid TOML"):
        find_config_file([project / "posts"])


def test_config_file_that_is_not_utf8(project: Path) -> None:
    config_file = project / "postkit.toml"
    config_file.write_bytes(b'source-url-key = "\xff"\n')
    with pytest.raises(ConfigError, match=r"config file is not UTF-8"):
        load_config([project], config_file=config_file)


def test_relative_paths_resolve_against_the_config_folder(project: Path, tmp_path: Path) -> None:
    pack = write(project / "packs" / "site.txt", ".ad-slot\n")
    schema = write(project / "schema.json", "{}")
    write(project / "postkit.toml", 'rules = ["packs/site.txt"]\nschema = "schema.json"\n')
    # resolving against the current folder would miss; the config folder is what counts
    config = load_config([project / "posts"])
    assert config.rules == (pack.resolve(),)
    assert config.schema == schema.resolve()
    assert isinstance(config.schema, Path)


def test_schema_preset_stays_a_name(project: Path) -> None:
    write(project / "postkit.toml", 'schema = "hugo"\n')
    assert load_config([project]).schema == "hugo"


def test_missing_rule_pack_is_an_error(project: Path) -> None:
    config_file = write(project / "postkit.toml", 'rules = ["packs/missing.txt"]\n')
    with pytest.raises(ConfigError) as caught:
        load_config([project])
    expected = (
        f"{config_file}: 'rules' names 'packs/missing.txt', but {(project / 'packs' / 'missing.txt').resolve()} "
        "is not a file; fix the path"
    )
    assert str(caught.value) == expected


def test_unknown_schema_name_suggests_presets(project: Path) -> None:
    write(project / "postkit.toml", 'schema = "jekyl"\n')
    with pytest.raises(ConfigError, match=r"use a preset \(jekyll, hugo, none\) or fix the path"):
        load_config([project])


def test_override_paths_resolve_against_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pack = write(tmp_path / "cwd" / "mine.txt", ".x\n")
    monkeypatch.chdir(tmp_path / "cwd")
    config = load_config([tmp_path / "cwd"], overrides={"rules": [Path("mine.txt")]})
    assert config.rules == (pack.resolve(),)


def test_fingerprint_tracks_output_settings_only(project: Path) -> None:
    base = load_config([project]).fingerprint()
    assert base == load_config([project]).fingerprint()
    assert len(base) == 32
    for ignored in ({"jobs": 5}, {"cache": False}, {"select": ["PK1"]}, {"ignore": ["PK2"]}):
        assert load_config([project], overrides=ignored).fingerprint() == base, ignored
    for relevant in (
        {"sanitizer": "bleach"},
        {"allow-data-images": True},
        {"source-url-key": "source"},
        {"base-url": "https://blog.example.com/"},
    ):
        assert load_config([project], overrides=relevant).fingerprint() != base, relevant


def test_fingerprint_follows_rule_pack_content(project: Path) -> None:
    pack = write(project / "pack.txt", ".ad\n")
    write(project / "postkit.toml", 'rules = ["pack.txt"]\n')
    before = load_config([project]).fingerprint()
    pack.write_text(".ad\n.promo\n", encoding="utf-8")
    assert load_config([project]).fingerprint() != before


def test_config_is_immutable() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        DEFAULT_CONFIG.jobs = 3  # type: ignore[misc]


def test_allow_iframes_is_gone_it_never_did_anything(project: Path) -> None:
    write(project / "postkit.toml", "allow-iframes = true\n")
    with pytest.raises(ConfigError, match="unknown key 'allow-iframes'"):
        load_config([project])


@pytest.mark.parametrize("value", ["blog.example.com", "/", "ftp://example.com/", "https://"])
def test_base_url_must_be_a_whole_site_address(project: Path, value: str) -> None:
    write(project / "postkit.toml", f'base-url = "{value}"\n')
    with pytest.raises(ConfigError) as raised:
        load_config([project])
    assert "'base-url' must be the site's address, such as https://blog.example.com/" in str(raised.value)
    assert "postkit.toml" in str(raised.value)


def test_base_url_and_static_folders_are_read(project: Path) -> None:
    write(project / "postkit.toml", 'base-url = "https://blog.example.com/"\nstatic-folders = ["static"]\n')
    config = load_config([project])
    assert (config.base_url, config.static_folders) == ("https://blog.example.com/", ("static",))


def test_templates_are_never_walked_as_posts(project: Path) -> None:
    from postkit.files import discover_posts

    for name in (
        "_layouts/default.html",
        "_includes/head.html",
        "layouts/_default/single.html",
        "themes/t/layouts/index.html",
        "archetypes/default.md",
        "_posts/2021-01-01-a.md",
        "content/layouts/a-section-called-layouts.md",
    ):
        write(project / name, "---\ntitle: x\n---\n")
    found = {path.relative_to(project).as_posix() for path in discover_posts([project], load_config([project]))}
    assert {"_posts/2021-01-01-a.md", "content/layouts/a-section-called-layouts.md"} <= found
    assert not [name for name in found if name.startswith(("_layouts", "_includes", "layouts", "themes", "arch"))]


@pytest.mark.parametrize(("key", "value"), [("converter", "pandoc"), ("markdown", "mistune")])
def test_converter_and_markdown_take_known_names(project: Path, key: str, value: str) -> None:
    write(project / "postkit.toml", f'{key} = "{value}"\n')
    with pytest.raises(ConfigError, match=f"'{key}' must be one of .*not '{value}'"):
        load_config([project / "posts"])


@pytest.mark.parametrize(
    ("settings", "expected"),
    [
        ("", "kramdown"),  # the default schema is jekyll
        ('schema = "hugo"\n', "goldmark"),
        ('schema = "none"\n', "auto"),
        ('schema = "hugo"\nmarkdown = "commonmark"\n', "commonmark"),
    ],
)
def test_the_dialect_follows_the_schema_unless_set(project: Path, settings: str, expected: str) -> None:
    from postkit.clean import options_from_config

    write(project / "postkit.toml", settings)
    assert options_from_config(load_config([project / "posts"])).markdown == expected
