"""`guixml audit --format html`: one self-contained page (structure only; the
look was checked in a headless browser while developing)."""

from html.parser import HTMLParser

from _report_sample import sample_report

from guixml.report import render


class Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []
        self.stack = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in ("meta", "input", "br", "link", "wbr"):
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-5:])
        self.stack.pop()


def parse(text):
    collector = Collector()
    collector.feed(text)
    collector.close()
    return collector


def test_self_contained_and_well_nested():
    text = render(sample_report(), "html")
    page = parse(text)
    assert not page.stack
    # No network: no external script, style sheet, image or font.
    for tag, attrs in page.tags:
        assert "src" not in attrs, tag
        assert not (tag == "link" and attrs.get("rel") == "stylesheet")
    assert "http://" not in text.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in text.replace("https://example.org", "")


def test_charts_table_and_details():
    text = render(sample_report(), "html")
    page = parse(text)
    svgs = [attrs for tag, attrs in page.tags if tag == "svg"]
    assert len(svgs) == 3  # roles, verdicts of the policy, verdicts per policy
    bodies = [attrs for tag, attrs in page.tags if tag == "tbody" and attrs.get("class") == "pkg"]
    assert [b["data-role"] for b in bodies] == ["model", "separate", "tangled", "external",
                                                "none"]
    assert {"id": "q", "type": "search", "placeholder": "name, module, licence, evidence…"} \
        in [attrs for tag, attrs in page.tags if tag == "input"]
    assert text.count('class=detail') == 5
    assert "nn-big.nnue" in text  # evidence of an input, in the expanded row
    assert "(ml-weights . separate)" in text  # the suggested annotation


def test_text_is_escaped():
    text = render(sample_report(), "html", all_packages=True)
    assert "nine weights &lt;&amp;&gt;" in text
    assert "<&>" not in text


def test_licence_ignored_and_location_as_the_table_says():
    from pathlib import Path
    from guixml.api import audit_report
    from guixml.config import load_config
    example = Path(__file__).resolve().parents[2] / "examples" / "channel"
    report = audit_report([str(example)], cache=False,
                          config=load_config(str(example / "guixml.toml")))
    page = render(report, "html")
    row = lambda name: page.split(f"<strong>{name}</strong>")[1].split("</tr>")[0]  # noqa: E731
    assert "<td class=mono>unknown</td>" in row("pawnstorm")       # table: unknown
    assert "(ignored)" in row("voice-demo-nc") and "(ignored)" not in row("pawnstorm")
    assert "example/<wbr>packages/<wbr>chess.scm:68" in row("pawnstorm")
    assert "overflow-wrap:anywhere" not in page
