"""The packed form of linked packages (guixml.index.packed): what is packed comes back."""

from __future__ import annotations

from pathlib import Path

import attrs
import pytest

from guixml.scheme.datum import Location
from guixml.index.channel import load_channel
from guixml.evaluate.model import Input, LicenseRef, Origin, Package
from guixml.index.packed import _trusted_constructor, pack_package, unpack_package

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _package() -> Package:
    here = Location("gnu/packages/example.scm", 10, 2)
    network = Origin(method="url-fetch", uris=("https://example.org/net.bin",),
                     sha256="0" * 52, file_name="net.bin",
                     location=Location("gnu/packages/example.scm", 20, 6))
    return Package(
        module="(gnu packages example)", file="gnu/packages/example.scm",
        variable="example", name="example", version="1.0", location=here,
        source=Origin(method="git-fetch", uris=("https://example.org/x.git",),
                      commit="v1.0", patches=("a.patch",)),
        build_system="gnu-build-system",
        inputs=(Input(field="inputs", kind="package", ref="zlib", label="zlib",
                      module="(gnu packages compression)", location=here,
                      name="zlib", version="1.3"),
                Input(field="inputs", kind="origin", ref="net", label="net",
                      origin=network, location=here)),
        native_inputs=(Input(field="native-inputs", kind="package", ref="gcc",
                             label="gcc", output="lib"),),
        synopsis="Example", description="An example.", home_page="https://example.org",
        licenses=(LicenseRef("license:gpl3+", "gpl3+"),),
        properties=(("ml-weights", "separate"),), inherit=None, hidden=True,
        span=(100, 900), field_spans=(("arguments", 300, 400),))


def _fields(value):
    """Every field of VALUE, those left out of == included."""
    return attrs.asdict(value, recurse=True)


def test_unpacked_package_has_every_field_it_was_packed_with():
    package = _package()
    back = unpack_package(pack_package(package))
    assert type(back) is Package and back == package
    expected = _fields(package)
    expected["location"]["offset"] = 100  # the form's offset, from its span
    assert _fields(back) == expected
    assert type(back.inputs[1].origin) is Origin and back.inputs[1].origin.snippet is None
    assert back.inputs[0].location == package.inputs[0].location


def test_packing_the_example_channel_round_trips():
    packages = load_channel([str(EXAMPLES)], jobs=1, use_cache=False).packages()
    assert len(packages) > 0
    for package in packages:
        packed = pack_package(package)
        assert pack_package(unpack_package(packed)) == packed


def test_trusted_constructor_refuses_what_it_cannot_reproduce():
    @attrs.frozen
    class WithFactory:
        items: list = attrs.field(factory=list)

    with pytest.raises(TypeError):
        _trusted_constructor(WithFactory)
