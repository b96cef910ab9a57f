//! Headless CLI over the console core: every read view as JSON, for scripts and benchmarks.
//!
//! Either point it at a cluster directly (`--namesrv ADDR`, optional `--access-key/--secret-key`),
//! which uses a throw-away in-memory store, or at a saved connection (`--connection NAME`) in the
//! app's data directory. Errors are printed as JSON on stderr with their code; the exit status is 2
//! for bad input and 1 for every other failure.

#![recursion_limit = "512"]

mod dlq;
mod seed;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use rmq_console_core::connection::ConnectionDraft;
use rmq_console_core::model::{ConnectionId, Millis};
use rmq_console_core::secrets::Secrets;
use rmq_console_core::store::Store;
use rmq_console_core::trace::TraceQuery;
use rmq_console_core::{Console, ConsoleOptions, Error, ErrorCode};
use serde::Serialize;

#[derive(Parser)]
#[command(
    name = "rmq-console-cli",
    version,
    about = "RocketMQ console, headless: read views as JSON"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Target {
    /// Name-server list (host:port;host:port) of an ad-hoc connection.
    #[arg(long, conflicts_with = "connection")]
    namesrv: Option<String>,
    /// ACL access key of the ad-hoc connection.
    #[arg(long, requires = "namesrv")]
    access_key: Option<String>,
    /// ACL secret key of the ad-hoc connection (or env RMQ_SECRET_KEY).
    #[arg(long, env = "RMQ_SECRET_KEY", hide_env_values = true, requires = "access_key")]
    secret_key: Option<String>,
    /// A saved connection, by name.
    #[arg(long)]
    connection: Option<String>,
    /// The console's data directory (where saved connections live).
    #[arg(long, env = "RMQ_CONSOLE_DATA_DIR")]
    data_dir: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Overview: clusters, brokers (version, TPS, messages, disk, uptime) and name servers.
    Cluster {
        #[command(flatten)]
        target: Target,
    },
    /// A broker's runtime stats and config.
    Broker {
        #[command(flatten)]
        target: Target,
        /// The broker's address (host:port), as listed by `cluster`.
        #[arg(long)]
        addr: String,
    },
    /// Topics: type, queues, permission and brokers of every topic (batched: one call per master).
    Topics {
        #[command(flatten)]
        target: Target,
    },
    /// A topic's route and per-queue offsets.
    Topic {
        #[command(flatten)]
        target: Target,
        /// The topic's name.
        #[arg(long)]
        name: String,
    },
    /// Test a connection: round-trip time, clusters, brokers and their versions.
    Test {
        #[command(flatten)]
        target: Target,
    },
    /// A message's trace (send, store, every consume attempt) by message id, or the traces of the
    /// messages carrying a business key.
    Trace {
        #[command(flatten)]
        target: Target,
        /// The message id (unique key or offset id).
        #[arg(long, conflicts_with = "key", required_unless_present = "key")]
        id: Option<String>,
        /// A business key (looked up in the last three days unless --begin is given).
        #[arg(long)]
        key: Option<String>,
        /// The message's topic, to read its store hop when no send record names it.
        #[arg(long)]
        topic: Option<String>,
        /// Window start, milliseconds since the epoch.
        #[arg(long)]
        begin: Option<i64>,
        /// Another trace topic than the connection's (default RMQ_SYS_TRACE_TOPIC).
        #[arg(long)]
        trace_topic: Option<String>,
    },
    /// Dead letters: overview, browse, replay (dry run unless --apply), resume, reports.
    Dlq {
        #[command(subcommand)]
        action: dlq::DlqCmd,
    },
    /// Saved connections.
    Connections {
        #[command(subcommand)]
        action: ConnectionsCmd,
    },
    /// Seed a sandbox cluster with topics, a consumer group with a backlog and keyed, tagged messages.
    SeedSandbox {
        #[arg(long)]
        namesrv: String,
    },
    /// Seed COUNT consumer groups (BenchG00000..) with offsets on every queue of a bench topic.
    SeedGroups {
        #[arg(long)]
        namesrv: String,
        #[arg(long)]
        count: usize,
        /// Also put three messages on every queue of these existing topics.
        #[arg(long, value_delimiter = ',')]
        fill: Vec<String>,
    },
    /// Fill an existing topic fast (batch sends over every writable queue): COUNT messages of
    /// BODY_SIZE bytes, tag `seed`, key `PREFIX-n`.
    SeedMessages {
        #[command(flatten)]
        target: Target,
        #[arg(long)]
        topic: String,
        #[arg(long)]
        count: u64,
        #[arg(long, default_value_t = 100)]
        body_size: usize,
        #[arg(long, default_value = "seed")]
        prefix: String,
        /// A key every message also carries (for key-lookup benchmarks).
        #[arg(long)]
        key: Option<String>,
    },
}

#[derive(Subcommand)]
enum ConnectionsCmd {
    /// List saved connections.
    List {
        #[arg(long, env = "RMQ_CONSOLE_DATA_DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Save a connection (updates it when the name exists).
    Save {
        #[arg(long, env = "RMQ_CONSOLE_DATA_DIR")]
        data_dir: Option<PathBuf>,
        #[arg(long)]
        name: String,
        #[arg(long)]
        namesrv: String,
        #[arg(long, default_value = "")]
        env_label: String,
        #[arg(long, default_value = "#64748b")]
        env_color: String,
        #[arg(long)]
        read_only: bool,
    },
    /// Export saved connections as JSON (never with secrets).
    Export {
        #[arg(long, env = "RMQ_CONSOLE_DATA_DIR")]
        data_dir: Option<PathBuf>,
    },
}

/// The app's data dir, as Tauri resolves it on Linux for the app identifier.
pub fn default_data_dir() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".local/share"));
    base.join("org.rmqconsole.app")
}

#[derive(Serialize)]
struct CliError<'a> {
    code: &'a str,
    message: String,
    detail: Option<String>,
    retryable: bool,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("RMQ_CONSOLE_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli.command)) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            let out = CliError {
                code: e.code().as_str(),
                message: e.to_string(),
                detail: e.detail(),
                retryable: e.retryable(),
            };
            eprintln!(
                "{}",
                serde_json::to_string(&out).unwrap_or_else(|_| e.to_string())
            );
            if e.code() == ErrorCode::Validation {
                ExitCode::from(2)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

fn json<T: Serialize>(v: &T) -> Result<String, Error> {
    serde_json::to_string_pretty(v).map_err(|e| Error::internal(format!("json: {e}")))
}

/// Opens a console and resolves the target to a connection id.
async fn open(target: &Target) -> Result<(Console, ConnectionId), Error> {
    if let Some(namesrv) = &target.namesrv {
        let console = Console::with_parts(
            Store::in_memory().await?,
            Secrets::session_only("ad-hoc CLI connection"),
        )?;
        let draft = ConnectionDraft {
            name: "cli".into(),
            namesrv_addrs: namesrv.clone(),
            access_key: target.access_key.clone(),
            secret_key: target.secret_key.clone(),
            ..Default::default()
        };
        let p = console.connection_create(&draft).await?;
        return Ok((console, p.id));
    }
    let Some(name) = &target.connection else {
        return Err(Error::validation("Give --namesrv ADDR or --connection NAME."));
    };
    let dir = target.data_dir.clone().unwrap_or_else(default_data_dir);
    let console = Console::open(&dir, ConsoleOptions::default()).await?;
    let p = console
        .connection_by_name(name)
        .await?
        .ok_or_else(|| Error::not_found(format!("saved connection '{name}'")))?;
    Ok((console, p.id))
}

async fn with_console<T, F, Fut>(target: &Target, f: F) -> Result<String, Error>
where
    T: Serialize,
    F: FnOnce(Console, ConnectionId) -> Fut,
    Fut: std::future::Future<Output = Result<T, Error>>,
{
    let (console, id) = open(target).await?;
    let result = f(console.clone(), id).await;
    console.shutdown().await;
    json(&result?)
}

async fn run(command: Command) -> Result<String, Error> {
    match command {
        Command::Cluster { target } => {
            with_console(&target, |c, id| async move { c.cluster_overview(&id).await }).await
        }
        Command::Broker { target, addr } => {
            with_console(&target, |c, id| async move { c.broker_detail(&id, &addr).await }).await
        }
        Command::Topics { target } => {
            with_console(&target, |c, id| async move { c.topic_list(&id).await }).await
        }
        Command::Topic { target, name } => {
            with_console(&target, |c, id| async move { c.topic_detail(&id, &name).await }).await
        }
        Command::Test { target } => {
            with_console(&target, |c, id| async move { c.connection_test_saved(&id).await }).await
        }
        Command::Trace {
            target,
            id,
            key,
            topic,
            begin,
            trace_topic,
        } => {
            let q = TraceQuery {
                msg_id: id,
                key,
                topic,
                begin: begin.map(Millis),
                end: None,
                trace_topic,
            };
            with_console(&target, |c, id| async move { c.message_trace(&id, &q).await }).await
        }
        Command::Dlq { action } => dlq::run(action).await,
        Command::Connections { action } => connections(action).await,
        Command::SeedSandbox { namesrv } => json(&seed::seed(&namesrv).await?),
        Command::SeedGroups { namesrv, count, fill } => {
            json(&seed::seed_groups(&namesrv, count, &fill).await?)
        }
        Command::SeedMessages {
            target,
            topic,
            count,
            body_size,
            prefix,
            key,
        } => {
            with_console(&target, |c, id| async move {
                c.seed_messages(&id, &topic, count, body_size, &prefix, key.as_deref())
                    .await
            })
            .await
        }
    }
}

async fn connections(action: ConnectionsCmd) -> Result<String, Error> {
    let dir = match &action {
        ConnectionsCmd::List { data_dir }
        | ConnectionsCmd::Save { data_dir, .. }
        | ConnectionsCmd::Export { data_dir } => data_dir.clone().unwrap_or_else(default_data_dir),
    };
    let console = Console::open(
        &dir,
        ConsoleOptions {
            no_keychain: true,
            ..Default::default()
        },
    )
    .await?;
    let out = match action {
        ConnectionsCmd::List { .. } => console.connection_list().await.and_then(|l| json(&l)),
        ConnectionsCmd::Export { .. } => console.connection_export(&[]).await,
        ConnectionsCmd::Save {
            name,
            namesrv,
            env_label,
            env_color,
            read_only,
            ..
        } => {
            let draft = ConnectionDraft {
                name: name.clone(),
                namesrv_addrs: namesrv,
                env_label,
                env_color,
                read_only,
                ..Default::default()
            };
            let saved = match console.connection_by_name(&name).await? {
                // Saving again keeps what this command does not set (ACL key, TLS, rewrites).
                Some(p) => {
                    let draft = ConnectionDraft {
                        vip_channel: p.vip_channel,
                        access_key: p.access_key.clone(),
                        tls: p.tls.clone(),
                        rewrites: p.rewrites.clone(),
                        ..draft
                    };
                    console.connection_update(&p.id, &draft).await
                }
                None => console.connection_create(&draft).await,
            };
            saved.and_then(|p| json(&p))
        }
    };
    console.shutdown().await;
    out
}
