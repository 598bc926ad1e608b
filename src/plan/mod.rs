//! Planning: which original instruction goes to which stage, which artifacts cross from build
//! to runtime, which runtime image, with one [`Decision`] per choice and a [`Warning`] for
//! anything that might change behaviour.

pub mod classify;
mod compose;
mod cross;
mod dockerignore;
mod members;
mod model;
pub mod original;
mod planner;
mod runtime;
mod safety;
mod secrets;
mod workspace;

pub use model::{
    ChangedFile, Class, Decision, Hygiene, NewFile, PlacedStages, Placement, Plan, SecretEnv,
    SkipCode, Stage, StageName, Step, Warning, WarningCode,
};
pub use planner::{PlanInput, PlanOptions, Skip, plan};
