"""Helpers shared by the tests and by bench/: one place to build and run what is under test.

- `apps`: the widget app, in-process (TestClient) or as a real server on a free port;
- `servers`: real server processes (the sandbox Lead API, the app) on free ports;
- `forms`: what tests send: the contract's example, a homeowner's valid answers, the form token;
- `log_scan`: the pytest plugin that fails the session on personal data or secrets in any log;
- `faultrun`: the delivery fault run (the short test and the long soak);
- `fuzzing`: the hypothesis and schemathesis strategies (the bounded test and the long run).

Area-only helpers stay beside their tests (tests/<area>/support.py).
"""
