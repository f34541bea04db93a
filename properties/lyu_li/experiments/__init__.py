"""The lyu-li pack's experiment: the margin-growth figure, run by `verify experiment margin-growth`."""
