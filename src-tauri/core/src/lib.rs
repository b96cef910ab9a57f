//! The RocketMQ console core: everything that talks to clusters and to local storage, with no Tauri
//! dependency, so it runs headless (CLI, benchmarks, integration tests against real clusters).
//!
//! Entry point: [`Console`], a cheap-clone handle. Domain modules (`connection`, `cluster`) add
//! methods to it; `error` holds the closed error codes, `model` the 64-bit precision policy, `jobs`
//! the cancellable job machinery.

#![recursion_limit = "512"]

pub mod audit;
pub mod cluster;
pub mod connection;
pub mod console;
pub mod dlq;
pub mod error;
pub mod group;
pub mod jobs;
pub mod message;
pub mod model;
pub mod producer;
pub mod registry;
pub mod remoting;
pub mod safety;
pub mod secrets;
pub mod store;
pub mod topic;
pub mod trace;

pub use console::{Console, ConsoleOptions, CoreEvent};
pub use error::{Error, ErrorCode, Result};
