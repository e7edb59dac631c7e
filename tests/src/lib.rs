//! beffroi-tests
