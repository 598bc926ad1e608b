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
//! `read → syntax → detect → profile → plan → render → validate → report / write`, and
//! [`pipeline`] is the one place that knows that order.
//!
//! # The public API
//!
//! These are the items this crate promises to keep; everything else may change in any release.
//! - Rewriting: [`rewrite`] for one file, [`Engine`] to load the profiles and templates once and
//!   rewrite many files, [`Options`], and the result: [`Outcome`] with its [`Status`], the
//!   [`Decision`]s (choices, each with its reason), the [`Warning`]s (behaviour risks, each with
//!   a stable [`WarningCode`]), the [`Detection`] (which toolchain, from what evidence), and for
//!   a file left as it was, its reason with a stable [`SkipCode`].
//! - The build context a rewrite reads: the [`Context`] trait, with [`FsContext`] (a folder on
//!   disk, `.dockerignore` applied) and [`MemoryContext`] (files given in memory); [`source`]
//!   also reads a Dockerfile as a [`source::SourceFile`] (BOM, line endings).
//! - The lossless Dockerfile syntax tree: [`syntax::parse`] and the types in [`syntax`]
//!   ([`syntax::Dockerfile`], [`syntax::Instruction`] with its [`syntax::Kind`] ...), located by
//!   [`TextRange`], turned into a line and column ([`LineCol`]) by a [`LineIndex`].
//! - Writing a result safely: [`write::write_atomic`] (a temporary file renamed over the
//!   original, its mode kept, symlinks followed).
//! - Errors: [`Error`], its [`ErrorKind`] and [`Result`].
//!
//! The modules `cli`, `detect`, `plan`, `profile`, `render` and `report` are public only so that
//! the `restage` binary, restage's own tests and benches can reach the stages one at a time; they
//! are hidden from these docs and are not part of the API.
//!
//! The library never prints and never exits.

// The command-line tool behind the `restage` binary (feature `cli`, on by default). Not part of
// the library API: it may change in any release.
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;
#[doc(hidden)]
pub mod detect;
pub mod error;
pub mod pipeline;
#[doc(hidden)]
pub mod plan;
#[doc(hidden)]
pub mod profile;
#[doc(hidden)]
pub mod render;
#[doc(hidden)]
pub mod report;
pub(crate) mod shell;
pub mod source;
pub mod syntax;
pub(crate) mod text;
pub(crate) mod validate;
pub mod write;

pub use detect::Detection;
pub use error::{Error, ErrorKind, Result};
pub use pipeline::{Engine, Options, Outcome, Status, rewrite};
pub use plan::{Decision, SkipCode, Warning, WarningCode};
pub use source::{Context, FsContext, MemoryContext};
pub use text::{LineCol, LineIndex, TextRange};
