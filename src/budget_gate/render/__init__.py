"""Renderers of a `Report`: markdown (comment, summary), JSON and plain text.

Entry points: `render.markdown.render_markdown`, `render.json_report.render_json`,
`render.text.render_text`. Kept import-free so `stubs` can use the escaping filters without a
cycle.
"""

MARKER = "<!-- plan-budget-gate:report -->"
"""Hidden in every markdown report; the sticky PR comment is found by it."""
