// Integration tests (records): filled in by the work on issue 11.
