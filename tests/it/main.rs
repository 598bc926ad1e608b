//! The one integration test binary. Each module is one area.
mod diff;
mod text;
mod write;
mod source;
mod verify;
