"""Pure, tested formulas grouped by topic. Notebooks call these; they never re-derive them."""
