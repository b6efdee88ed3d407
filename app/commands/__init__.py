"""CLI verbs: one module per verb (or small family of verbs).

Each module defines ``register(subparsers)`` which adds its parser(s) and sets
``func=handler`` on them.  A handler takes the parsed args and returns an exit code;
it raises ``CliError`` (or any StoreError) for a clean one-line failure.  Modules are
discovered automatically, so adding a verb touches no shared file.
"""
