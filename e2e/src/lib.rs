//! Nothing here: the end-to-end tests live in `tests/`, run by `scripts/e2e.sh`.
