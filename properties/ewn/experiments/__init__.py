"""The EWN paper's five experiments (THEOREMS.md section 4), run by `verify experiment NAME`."""
