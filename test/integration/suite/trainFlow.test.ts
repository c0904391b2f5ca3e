// Integration tests (trainFlow): filled in by the work on issue 11.
