//! The one integration test binary. Each module is one area.
mod cli;
mod detect;
mod diff;
mod hostile;
mod jlink;
mod layers;
mod profiles;
mod rewrite;
mod schema;
mod source;
mod syntax_differential;
mod syntax_roundtrip;
mod verify;
mod write;
