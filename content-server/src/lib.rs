//! beffroi-server
