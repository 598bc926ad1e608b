//! restage rewrites a single-stage Dockerfile into a multi-stage one with `deps`, `build`,
//! `test` and `runtime` stages. It is deterministic and offline: it reads the Dockerfile and its
//! build context, never runs the project's build, and never calls a network service.
//!
//! ```
//! use restage::{rewrite, MemoryContext, Options, Status};
//!
//! let ctx = MemoryContext::new()
//!     .with_file("package.json", r#"{"name": "api", "scripts": {"start": "node server.js"}}"#)
//!     .with_file("package-lock.json", "{}")
//!     .with_file("server.js", "require('http').createServer().listen(3000)\n");
//! let dockerfile = "FROM node:20\nWORKDIR /app\nCOPY . .\nRUN npm ci\nEXPOSE 3000\nCMD [\"node\", \"server.js\"]\n";
//!
//! let outcome = rewrite(dockerfile, &ctx, &Options::default())?;
//! assert_eq!(outcome.status, Status::Rewritten);
//! assert!(outcome.dockerfile.contains("FROM node:20 AS deps"));
//! assert!(outcome.dockerfile.contains("AS runtime"));
//! // Every choice comes with its reason.
//! assert!(outcome.decisions.iter().all(|d| !d.why.is_empty()));
//! # Ok::<(), restage::Error>(())
//! ```
//!
//! The pipeline runs one way:
//! `read → syntax → detect → profile → plan → render → validate → report / write`.
//! Each step is public ([`syntax::parse`], [`detect::detect`], [`plan::plan`],
//! [`render::Templates`], [`validate::validate`]); [`pipeline`] is the one place that knows
//! their order. To rewrite many files, load the profiles and templates once with
//! [`pipeline::Engine`].
//!
//! The library never prints and never exits.

// The command-line tool behind the `restage` binary (feature `cli`, on by default). Not part of
// the library API: it may change in any release.
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;
pub mod detect;
pub mod diagnostic;
pub mod error;
pub mod pipeline;
pub mod plan;
pub mod profile;
pub mod render;
pub mod report;
pub mod shell;
pub mod source;
pub mod syntax;
pub mod text;
pub mod validate;
pub mod write;

pub use error::{Error, ErrorKind, Result};
pub use pipeline::{Engine, Options, Outcome, Status, rewrite};
pub use source::{Context, FsContext, MemoryContext};
