"""Customer data: reading, mapping, validating and counting planners' tables, survival
estimates and calibration of the model from them.

Reading files and buffers (:mod:`.tables`), which column plays which role (:mod:`.mapping`),
checks and the standard customer records (:mod:`.records`), the sufficient statistics
(:mod:`.counts`; large tables and databases checked and counted in SQL by the package
:mod:`.sql`), Kaplan-Meier and the life table (:mod:`.survival`), the sBG fits
(:mod:`.sbg_fit`), the satisfaction-to-churn hazard (:mod:`.hazard`), calibration per segment
(:mod:`.calibrate`), its holdout check (:mod:`.holdout`), a business with what it measured
(:mod:`.apply`), the planner's whole path (:mod:`.customers`) and synthetic tables drawn from a
business's own model (:mod:`.synthetic`). The price response learnt from a
price history: :mod:`.price_response` (checks in :mod:`.price_tables`, grouping in
:mod:`.price_counts`, the PH-sBG likelihood in :mod:`.price_likelihood`, generated histories in
:mod:`.price_histories`).

Import rule: modules here may import :mod:`simulator.model`, never :mod:`simulator.decisions`;
``tests/test_architecture.py`` enforces it.
"""
