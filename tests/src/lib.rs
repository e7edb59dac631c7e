//! End-to-end tests of Beffroi live in `tests/`: the content server's output played by the
//! player. This library is empty; shared helpers will join it as the suites grow.
