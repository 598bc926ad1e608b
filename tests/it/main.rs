//! The one integration test binary. Each module is one area.
mod diff;
mod text;
mod syntax_differential;
mod syntax_roundtrip;
mod write;
mod source;
mod cli;
mod profiles;
mod detect;
mod verify;
mod rewrite;
mod hostile;
