"""conform.jsonld: term expansion with the bundle's contexts, offline."""

from __future__ import annotations

import pytest

from conform.bundle import load_bundle
from conform.jsonld import ContextLibrary, ContextNotAvailable, InvalidContext

PARKING = (
    "https://raw.githubusercontent.com/smart-data-models/dataModel.Parking/master/context.jsonld"
)


@pytest.fixture(scope="module")
def library() -> ContextLibrary:
    return ContextLibrary(load_bundle("city-os@1.1").path / "contexts")


def test_core_context_maps_unknown_terms_to_the_default_vocabulary(library):
    core = library.names()
    assert core.expand("temperature") == "https://uri.etsi.org/ngsi-ld/default-context/temperature"
    assert core.expand("location") == "https://uri.etsi.org/ngsi-ld/location"
    assert core.compact("https://uri.etsi.org/ngsi-ld/default-context/temperature") == "temperature"


def test_a_shipped_context_expands_and_compacts_its_terms(library):
    parking = library.names(PARKING)
    iri = "https://smartdatamodels.org/dataModel.Parking/ParkingSpot"
    assert parking.expand("ParkingSpot") == iri
    assert parking.compact(iri) == "ParkingSpot"
    assert library.names().compact(iri) == iri  # the core context has no term for it


def test_the_core_context_wins_over_a_client_redefinition(library):
    names = library.names({"location": "https://example.org/where"})
    assert names.expand("location") == "https://uri.etsi.org/ngsi-ld/location"


def test_an_inline_context_needs_no_loading(library):
    assert library.names({"x": "https://example.org/x"}).expand("x") == "https://example.org/x"


def test_an_unknown_remote_context_is_never_fetched(library, monkeypatch):
    import socket

    def no_network(*args, **kwargs):
        raise AssertionError("a context was fetched from the network")

    monkeypatch.setattr(socket, "create_connection", no_network)
    with pytest.raises(ContextNotAvailable, match=r"context\.invalid"):
        library.names("https://context.invalid/x.jsonld")


def test_an_invalid_context_is_reported(library):
    with pytest.raises(InvalidContext):
        library.names({"@version": 2.0})


def test_a_relative_context_url_is_invalid_not_a_crash(library):
    with pytest.raises(InvalidContext):
        library.names("")


def test_the_unversioned_core_context_is_the_core_context(library):
    unversioned = "https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context.jsonld"
    assert library.is_core(unversioned) and library.is_core(library.core_url)
    assert library.names(unversioned) is library.names()


def test_a_name_compacts_to_its_term_even_when_the_term_coerces_values(library):
    core = library.names()  # the core context's observedAt carries "@type": "DateTime"
    assert core.compact(core.expand("observedAt")) == "observedAt"
    default = "https://uri.etsi.org/ngsi-ld/default-context/Foo"
    assert core.compact(default) == "Foo"
