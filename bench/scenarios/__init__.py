"""Scenario families of bench/suite.py that are not one steady load per system.

* bulk:   1 GiB down and up through each proxy: MB/s, peak RSS, the router's heap at -Xmx64m;
* growth: req/s, p99 and RSS as workers (1 to 32) and client connections (10 to 10,000) grow;
* join:   how soon a new worker serves a request that was waiting for it.

Each module has NAME, TITLE, run(ctx) -> (results, failures), table(results) -> Markdown lines,
and plot(ax, results) for its panel of chart.png. They import the suite's helpers from `suite`
(bench/suite.py), which imports them only once it is loaded.
"""
