"""Pure rules, no I/O, each written once (tiers, lowest first; a module imports only those above it):

- ``dates``       dd/mm/yyyy display and parsing, ISO reading, age on a date, ``add_months``
- ``vocabulary``  every code -> label table (screen, PDF and CLI)
- ``clock``, ``passphrase``
- ``calendar``    Scottish working days (public and local holidays)
- ``disclosure``  what the person may see (badges, privacy mode, search, documents)
- ``smart``       the SMART check of a plan goal (Plan tab and plan PDF)
- ``appointments`` attendance and enforcement
- ``deadlines``   timescales: what is due on a case, and when
"""
