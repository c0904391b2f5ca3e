// Integration tests (views): filled in by the work on issue 11.
