"""The shared drive, the team's only common ground (no server): the never-overwrite delivery
protocol (delivery), its layout (layout), the officer's identity and keys (identity), and
off-laptop copies with restore and team recovery (copies).  No PySide6 here."""
