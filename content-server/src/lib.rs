//! The Beffroi content server: for now, the territory's communes and a demo content generator
//! that writes a complete, valid bundle; the HTTP API, database and officer UI come next.

pub mod communes;
pub mod demo;
