// Integration tests (split): filled in by the work on issue 11.
