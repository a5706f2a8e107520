"""The model: what happens to customers and money under a decision.

Parameters (:mod:`.params`), shifted-beta-geometric retention (:mod:`.sbg`), how price and
fees (:mod:`.price`) and the service programme (:mod:`.service`) move the hazard, money
arithmetic (:mod:`.finance`), the engine that projects cohorts month by month
(:mod:`.engine`, vectorised over parameter draws, with its compiled month loop in
:mod:`.cohort_pools`), the sample business (:mod:`.sample`) and the catalogue of parameters
with their sources (:mod:`.assumptions`).

Import rule: modules here import nothing else of ``simulator`` (neither :mod:`simulator.data`
nor :mod:`simulator.decisions`); ``tests/test_architecture.py`` enforces it.
"""
