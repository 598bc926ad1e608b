//! restage rewrites a single-stage Dockerfile into a multi-stage one with `deps`, `build`,
//! `test` and `runtime` stages. It is deterministic and offline: it reads the Dockerfile and its
//! build context, never runs the project's build, and never calls a network service.
//!
//! The pipeline runs one way:
//! `read → syntax → detect → profile → plan → render → validate → report / write`.
//! Each step is public; [`pipeline`] is the one place that knows their order.
//!
//! The library never prints and never exits.

pub mod cli;
pub mod detect;
pub mod diagnostic;
pub mod error;
pub mod pipeline;
pub mod plan;
pub mod profile;
pub mod render;
pub mod report;
pub mod source;
pub mod syntax;
pub mod text;
pub mod validate;
pub mod write;

pub use error::{Error, ErrorKind, Result};
