"""Decisions: projections turned into answers an executive can act on.

A scenario against doing nothing (:mod:`.evaluate`), goal seek (:mod:`.goal_seek`), grids of
decisions (:mod:`.explore`), the uncertain parameters (:mod:`.priors`) and Monte Carlo with
tornado (:mod:`.uncertainty`), scenario files (:mod:`.scenario_file`) and spreadsheet exports
(:mod:`.export`). Test before you raise: price-test designs and the value of learning first
(:mod:`.price_test`, with :mod:`.price_test_rise`, :mod:`.price_test_information` and the
preposterior analysis of :mod:`.preposterior`), and the readout of a running test
(:mod:`.price_test_readout`).

Import rule: modules here may import :mod:`simulator.model` and :mod:`simulator.data`;
``tests/test_architecture.py`` enforces it.
"""
