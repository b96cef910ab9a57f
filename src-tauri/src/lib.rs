//! The Tauri shell: wiring only. Logging, state, IPC handlers, the event bridge, shutdown on exit.
//! All RocketMQ and storage logic lives in `rmq-console-core`.

#![recursion_limit = "512"]

pub mod commands;
pub mod error;
pub mod events;
pub mod instance;
pub mod ipc;

use std::path::PathBuf;

use rmq_console_core::{Console, ConsoleOptions};
use tauri::{Manager, RunEvent};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::commands::AppState;

/// Rolling daily log files in the app's log dir; `RMQ_CONSOLE_LOG` sets the filter.
fn init_logging(log_dir: &std::path::Path) -> Option<tracing_appender::non_blocking::WorkerGuard> {
    let appender = tracing_appender::rolling::Builder::new()
        .rotation(tracing_appender::rolling::Rotation::DAILY)
        .filename_prefix("rmq-console")
        .filename_suffix("log")
        .max_log_files(14)
        .build(log_dir)
        .ok()?;
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_env("RMQ_CONSOLE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,rmq_console_core=debug"));
    let file = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(false);
    // The terminal gets warnings only; the file gets everything the filter lets through.
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(tracing_subscriber::filter::LevelFilter::WARN);
    tracing_subscriber::registry()
        .with(filter)
        .with(file)
        .with(stderr)
        .try_init()
        .ok()?;
    Some(guard)
}

/// Runs the app until its last window closes.
#[allow(
    clippy::expect_used,
    reason = "a failure to build the Tauri app leaves nothing to run"
)]
pub fn run() {
    let builder = ipc::builder();
    let app = tauri::Builder::default()
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            // Overrides let tests and the sandbox run against a directory of their own.
            let data_dir = std::env::var_os("RMQ_CONSOLE_DATA_DIR")
                .map(PathBuf::from)
                .map_or_else(|| app.path().app_data_dir(), Ok)?;
            let log_dir = std::env::var_os("RMQ_CONSOLE_LOG_DIR")
                .map(PathBuf::from)
                .map_or_else(|| app.path().app_log_dir(), Ok)?;
            std::fs::create_dir_all(&log_dir)?;
            if let Some(guard) = init_logging(&log_dir) {
                app.manage(LogGuard(std::sync::Mutex::new(Some(guard))));
            }
            // One console per data directory: a later launch raises the running one and leaves.
            if !instance::claim(app.handle(), &data_dir) {
                app.handle().exit(0);
                return Ok(());
            }
            let options = ConsoleOptions {
                no_keychain: std::env::var_os("RMQ_CONSOLE_NO_KEYCHAIN").is_some(),
                ..ConsoleOptions::default()
            };
            let console = tauri::async_runtime::block_on(Console::open(&data_dir, options))?;
            tracing::info!(data_dir = %data_dir.display(), keychain = ?console.secrets().status(), "console started");
            events::bridge(app.handle().clone(), &console);
            app.manage(AppState {
                console,
                data_dir,
                log_dir,
                window_jobs: commands::job::WindowJobs::default(),
            });
            instance::open_main_window(app.handle())?;
            Ok(())
        })
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::Destroyed = event
                && let Some(state) = window.try_state::<AppState>()
            {
                state.window_jobs.cancel_window(window.label(), state.console.jobs());
            }
        })
        .build(tauri::generate_context!())
        .expect("error while building the RocketMQ console");
    app.run(|handle, event| {
        if let RunEvent::Exit = event {
            if let Some(state) = handle.try_state::<AppState>() {
                tauri::async_runtime::block_on(state.console.shutdown());
                tracing::info!("console shut down");
            }
            if let Some(guard) = handle.try_state::<LogGuard>() {
                guard.0.lock().ok().and_then(|mut g| g.take());
            }
        }
    });
}

/// Keeps the non-blocking log writer alive until exit (dropping it flushes the file).
struct LogGuard(std::sync::Mutex<Option<tracing_appender::non_blocking::WorkerGuard>>);
