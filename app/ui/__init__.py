"""The PySide6 desktop application. Talks to the core only through the Store API."""
