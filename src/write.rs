//! Atomic in-place writes: the only code that writes a user's file.
