//! beffroi-player
