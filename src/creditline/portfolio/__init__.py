"""Portfolio analytics over loan snapshots: delinquency, default rate, NPL ratio, vintages, roll rates,
IFRS 9 ECL, provisions, liquidity and capital. Pure functions over polars frames; no I/O.

Modules: `snapshot` (the schema EOD writes), `delinquency`, `staging`, `default_rate`, `vintage`,
`roll_rates`, `pd_term`, `ecl`, `lgd`, `provision_matrix`, `provisions`, `liquidity`, `capital`,
`balance_sheet`, `report`. Definitions and sources: docs/portfolio-metrics.md.
"""
