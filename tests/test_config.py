"""The channel config file, guixml.toml (guixml/config.py)."""

import os

import pytest

from guixml.config import Config, ConfigError, find_config, load_config, parse_config


def test_full_file(tmp_path):
    file = tmp_path / "guixml.toml"
    file.write_text('policy = "gcd-008"\nfail-on = "review"\nformat = "json"\n'
                    'rules = ["extra/rules.toml"]\n'
                    '[ignore]\npackages = ["font-*"]\nvariables = ["test-net"]\n')
    config = load_config(str(file))
    assert config == Config(policy="gcd-008", fail_on="review", format="json",
                            rules=(os.path.join(str(tmp_path), "extra/rules.toml"),),
                            ignore_packages=("font-*",), ignore_variables=("test-net",),
                            file=str(file))


def test_tool_section():
    config = parse_config('[project]\nname = "x"\n[tool.guixml]\npolicy = "debian"\n',
                          "pyproject.toml")
    assert config.policy == "debian"


def test_empty_file_means_defaults():
    assert parse_config("", "guixml.toml") == Config(file="guixml.toml")


@pytest.mark.parametrize("text, message", [
    ('polcy = "debian"\n', "unknown setting(s) polcy"),
    ('policy = 3\n', "`policy` must be a string"),
    ('rules = [1]\n', "`rules` must be a string or a list of strings"),
    ('ignore = ["x"]\n', "`ignore` must be a table"),
    ('[ignore]\nnames = ["x"]\n', "unknown key(s) in [ignore]: names"),
    ('policy = "debian\n', "guixml.toml: "),
])
def test_errors_name_the_file(text, message):
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "guixml.toml")
    assert message in str(caught.value)
    assert str(caught.value).startswith("guixml.toml: ")


def test_syntax_error_has_line_and_column():
    with pytest.raises(ConfigError, match=r"line 2, column"):
        parse_config('policy = "debian"\nfail-on = \n', "guixml.toml")


def test_unreadable_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read config"):
        load_config(str(tmp_path / "missing.toml"))


def test_find_config(tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    assert find_config([str(first), str(second)]) is None
    (second / "guixml.toml").write_text("")
    assert find_config([str(first), str(second)]) == str(second / "guixml.toml")
    module = second / "m.scm"
    module.write_text("")
    assert find_config([str(module)]) == str(second / "guixml.toml")
    nested = second / "ns" / "packages"
    nested.mkdir(parents=True)
    (nested / "x.scm").write_text("")
    assert find_config([str(nested / "x.scm")]) == str(second / "guixml.toml")
    assert find_config([str(nested)]) is None  # a tree: only its own root
