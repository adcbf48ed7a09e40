"""The dashboard: one self-contained HTML page of charts drawn from the ledger.

`data.py` asks the ledger's named queries, `charts.py` turns the answers into Vega-Lite
specifications (plain data), `plotting.py` renders them to static SVG with vl-convert (the
optional `[dashboard]` extra, imported only there and only when a page is drawn) and `page.py`
puts the SVGs, the success metrics and the ledger's summary into one HTML file with no script
and no request of its own.
"""
