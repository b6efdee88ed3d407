"""Pure rules, no I/O: the working-day calendar, deadlines, the disclosure rule."""
