//! Planning: which original instruction goes to which stage, which artifacts cross from build
//! to runtime, which runtime image, with one [`Decision`] per choice and a [`Warning`] for
//! anything that might change behaviour.

pub mod classify;
mod dockerignore;
mod model;
pub mod original;
mod planner;
mod runtime;
mod safety;
mod secrets;
mod workspace;

pub use model::{
    Class, Decision, Hygiene, NewFile, Placement, Plan, Stage, Step, Warning, WarningCode,
};
pub use planner::{PlanInput, PlanOptions, Skip, plan};
