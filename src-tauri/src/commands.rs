//! Tauri commands: thin adapters over the core, one module per domain (mirrored in
//! `core/src/<domain>.rs` and `ui/src/features/<domain>/`).

pub mod app;
pub mod audit;
pub mod cluster;
pub mod connection;
pub mod dlq;
pub mod group;
pub mod job;
pub mod message;
pub mod producer;
pub mod topic;
pub mod trace;

use rmq_console_core::Console;

/// The managed state: a cheap-clone handle on the core plus where the app keeps its files.
#[derive(Clone, Debug)]
pub struct AppState {
    pub console: Console,
    pub data_dir: std::path::PathBuf,
    pub log_dir: std::path::PathBuf,
    /// The jobs each window started (cancelled when it closes).
    pub window_jobs: job::WindowJobs,
}
