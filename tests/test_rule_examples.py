"""The worked examples in the docstrings of the answer rules run as tests: each rule's
documentation states real Japanese cases it decides, and they must stay true."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ("jtext.eras", "jtext.numerals", "jtext.years", "model.contrast", "model.delegation", "model.designations",
           "model.grounding", "model.jurisdiction", "model.location", "model.measures", "model.negation", "model.owner", "model.plans", "model.qtype",
           "jtext.sentences", "jtext.aliases", "model.siblings", "model.readings",
           "model.priced", "model.lost", "model.keys", "model.records", "model.form_source",
           "model.focus", "model.body_name", "model.field_label", "model.means", "model.partners", "model.events",
           "model.versions", "indexer.loaders._common")


@pytest.mark.parametrize("name", MODULES)
def test_documented_examples_hold(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0, f"{name} documents no example"
    assert result.failed == 0
