//! One console per data directory. The first launch on a data directory takes an exclusive lock on
//! `instance.lock` in it, holds it for as long as it runs, and listens on `instance.sock` beside it.
//! A later launch on the same directory finds the lock taken, sends `focus` on the socket (the
//! running console shows and focuses its main window and answers `ok`) and exits before it opens
//! the database. Launches on other directories (tests, the sandbox) never see each other.
//!
//! The lock decides, not the socket: the OS releases it however its holder ends, so a socket file
//! left behind by a crash is removed by the next holder and never blocks a start. The socket is a
//! Unix domain socket; elsewhere a later launch still exits, it just cannot raise the window.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tauri::{AppHandle, Manager, Runtime, WebviewWindowBuilder};

/// The file whose exclusive lock marks the data directory's console (it holds that process's id).
const LOCK_FILE: &str = "instance.lock";
/// The socket on which the console takes requests from later launches.
const SOCKET_FILE: &str = "instance.sock";
/// The one request: show and focus the main window.
const FOCUS: &str = "focus";
/// The console's answer once it has done so.
const ACK: &str = "ok";
/// How long a later launch keeps trying to reach a console that may itself be starting, and how
/// long the console waits for a request line.
const TIMEOUT: Duration = Duration::from_secs(2);
/// The window a later launch brings forward (created from `tauri.conf.json`).
pub const MAIN_WINDOW: &str = "main";

#[cfg(unix)]
type Listener = std::os::unix::net::UnixListener;
#[cfg(not(unix))]
type Listener = std::convert::Infallible;

/// What [`acquire`] found in a data directory.
#[derive(Debug)]
pub enum Instance {
    /// This process is the directory's console: serve it ([`Primary::serve`]) until exit.
    Primary(Primary),
    /// Another console runs on the directory; `notified` says whether it acknowledged the request
    /// to show itself.
    AlreadyRunning { pid: Option<u32>, notified: bool },
}

/// The held lock on a data directory and the socket later launches reach it on.
#[derive(Debug)]
pub struct Primary {
    lock: File,
    socket: PathBuf,
    listener: Option<Listener>,
}

/// Takes `data_dir` for this process or, when another console holds it, asks that one to show
/// its main window. Errors only when the lock itself cannot be taken or tested.
pub fn acquire(data_dir: &Path) -> io::Result<Instance> {
    std::fs::create_dir_all(data_dir)?;
    let mut lock = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(data_dir.join(LOCK_FILE))?;
    let socket = data_dir.join(SOCKET_FILE);
    match lock.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut text = String::new();
            let pid = lock
                .read_to_string(&mut text)
                .ok()
                .and_then(|_| text.trim().parse().ok());
            let notified = match send_focus(&socket) {
                Ok(()) => true,
                Err(e) => {
                    tracing::warn!(
                        error = %e,
                        socket = %socket.display(),
                        "the running console did not answer"
                    );
                    false
                }
            };
            tracing::info!(
                data_dir = %data_dir.display(),
                ?pid,
                notified,
                "another console runs on this data directory: asked it to show itself, leaving"
            );
            return Ok(Instance::AlreadyRunning { pid, notified });
        }
        Err(TryLockError::Error(e)) => return Err(e),
    }
    lock.set_len(0)?;
    writeln!(lock, "{}", std::process::id())?;
    // The lock was free, so whoever made a socket file here is gone.
    match std::fs::remove_file(&socket) {
        Ok(()) => tracing::info!(socket = %socket.display(), "removed a stale instance socket"),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    let listener = bind(&socket)
        .inspect_err(|e| {
            tracing::warn!(
                error = %e,
                socket = %socket.display(),
                "no instance socket: a later launch cannot raise this console"
            );
        })
        .ok();
    tracing::info!(data_dir = %data_dir.display(), "this console holds the data directory");
    Ok(Instance::Primary(Primary {
        lock,
        socket,
        listener,
    }))
}

impl Primary {
    /// Answers later launches for as long as the app runs, calling `on_focus` for each request,
    /// and holds the data directory's lock while it does: spawn it on the app's async runtime.
    pub async fn serve<F: Fn() + Send + 'static>(self, on_focus: F) {
        let _held = self.lock;
        match self.listener {
            Some(listener) => serve_socket(listener, &self.socket, on_focus).await,
            None => std::future::pending().await,
        }
    }
}

/// Claims `data_dir` for the app and serves later launches on it. False when another console
/// already runs there: it was asked to show itself, and this launch should exit without opening
/// anything. A data directory that cannot be locked at all is used without the check.
pub fn claim<R: Runtime>(app: &AppHandle<R>, data_dir: &Path) -> bool {
    match acquire(data_dir) {
        Ok(Instance::Primary(primary)) => {
            let app = app.clone();
            tauri::async_runtime::spawn(primary.serve(move || focus_main_window(&app)));
            true
        }
        Ok(Instance::AlreadyRunning { .. }) => false,
        Err(e) => {
            tracing::warn!(
                error = %e,
                data_dir = %data_dir.display(),
                "cannot lock the data directory: starting without the one-console check"
            );
            true
        }
    }
}

/// Creates the main window from its `tauri.conf.json` entry (`"create": false` there, so that a
/// launch which hands over to a running console opens no window at all).
pub fn open_main_window<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    if let Some(config) = app.config().app.windows.iter().find(|w| w.label == MAIN_WINDOW) {
        WebviewWindowBuilder::from_config(app, config)?.build()?;
    }
    Ok(())
}

/// Shows, unminimizes and focuses the main window (reopening it if only connection windows are
/// left).
fn focus_main_window<R: Runtime>(app: &AppHandle<R>) {
    let result = match app.get_webview_window(MAIN_WINDOW) {
        Some(w) => w
            .unminimize()
            .and_then(|()| w.show())
            .and_then(|()| w.set_focus()),
        None => open_main_window(app),
    };
    match result {
        Ok(()) => tracing::info!("a later launch asked for this console: main window brought forward"),
        Err(e) => tracing::warn!(error = %e, "could not bring the main window forward"),
    }
}

#[cfg(unix)]
fn bind(socket: &Path) -> io::Result<Listener> {
    use std::os::unix::fs::PermissionsExt;
    let listener = Listener::bind(socket)?;
    // Only this user may ask the console for anything.
    std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o600))?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

#[cfg(not(unix))]
fn bind(_socket: &Path) -> io::Result<Listener> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "instance sockets are Unix only",
    ))
}

/// Sends `focus` and waits for `ok`, retrying the connection for a while: the console may hold
/// the lock but not be listening yet.
#[cfg(unix)]
fn send_focus(socket: &Path) -> io::Result<()> {
    use std::io::{BufRead, BufReader};
    use std::os::unix::net::UnixStream;
    let deadline = std::time::Instant::now() + TIMEOUT;
    let mut stream = loop {
        match UnixStream::connect(socket) {
            Ok(s) => break s,
            Err(e) if std::time::Instant::now() >= deadline => return Err(e),
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    };
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    writeln!(stream, "{FOCUS}")?;
    let mut answer = String::new();
    BufReader::new(stream).read_line(&mut answer)?;
    if answer.trim() == ACK {
        Ok(())
    } else {
        Err(io::Error::other(format!("unexpected answer {answer:?}")))
    }
}

#[cfg(not(unix))]
fn send_focus(_socket: &Path) -> io::Result<()> {
    Err(io::Error::new(
        io::ErrorKind::Unsupported,
        "instance sockets are Unix only",
    ))
}

/// Accepts connections one at a time; each gets [`TIMEOUT`] to send its line.
#[cfg(unix)]
async fn serve_socket<F: Fn()>(listener: Listener, socket: &Path, on_focus: F) {
    use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
    let listener = match tokio::net::UnixListener::from_std(listener) {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen on the instance socket");
            return std::future::pending().await;
        }
    };
    tracing::debug!(socket = %socket.display(), "listening for later launches");
    loop {
        let mut stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(e) => {
                tracing::warn!(error = %e, "instance socket accept failed");
                tokio::time::sleep(Duration::from_millis(200)).await;
                continue;
            }
        };
        let mut line = String::new();
        let request = {
            let mut reader = BufReader::new((&mut stream).take(64));
            tokio::time::timeout(TIMEOUT, reader.read_line(&mut line)).await
        };
        match request {
            Ok(Ok(_)) if line.trim() == FOCUS => {
                tracing::info!("a later launch on this data directory asked for the main window");
                on_focus();
                if let Err(e) = stream.write_all(format!("{ACK}\n").as_bytes()).await {
                    tracing::debug!(error = %e, "the later launch left before the answer");
                }
            }
            Ok(Ok(_)) => tracing::warn!(request = %line.trim(), "unknown request on the instance socket"),
            Ok(Err(e)) => tracing::warn!(error = %e, "instance socket read failed"),
            Err(_) => tracing::warn!("instance socket: no request within the timeout"),
        }
    }
}

#[cfg(not(unix))]
async fn serve_socket<F: Fn()>(listener: Listener, _socket: &Path, _on_focus: F) {
    match listener {}
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn primary(dir: &Path) -> Primary {
        match acquire(dir).unwrap() {
            Instance::Primary(p) => p,
            other => panic!("expected to hold {}, got {other:?}", dir.display()),
        }
    }

    /// `acquire` off the async runtime (it blocks while it waits for the answer).
    async fn acquire_blocking(dir: &Path) -> Instance {
        let dir = dir.to_owned();
        tokio::task::spawn_blocking(move || acquire(&dir))
            .await
            .unwrap()
            .unwrap()
    }

    /// Serves `p`, counting focus requests.
    fn serve_counting(p: Primary) -> Arc<AtomicUsize> {
        let count = Arc::new(AtomicUsize::new(0));
        let seen = Arc::clone(&count);
        tokio::spawn(p.serve(move || {
            seen.fetch_add(1, Ordering::SeqCst);
        }));
        count
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_second_acquire_is_told_already_running_and_its_request_reaches_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let focused = serve_counting(primary(dir.path()));

        let second = acquire_blocking(dir.path()).await;
        match second {
            Instance::AlreadyRunning { pid, notified } => {
                assert_eq!(pid, Some(std::process::id()), "the lock file names the holder");
                assert!(notified, "the first console answered");
            }
            Instance::Primary(_) => panic!("two consoles on one data directory"),
        }
        assert_eq!(focused.load(Ordering::SeqCst), 1);

        let third = acquire_blocking(dir.path()).await;
        assert!(matches!(third, Instance::AlreadyRunning { notified: true, .. }));
        assert_eq!(
            focused.load(Ordering::SeqCst),
            2,
            "every later launch is answered"
        );
    }

    #[test]
    fn another_data_directory_is_independent() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let _first = primary(a.path());
        let _second = primary(b.path());
    }

    #[test]
    fn the_lock_is_released_with_its_holder() {
        let dir = tempfile::tempdir().unwrap();
        drop(primary(dir.path()));
        let _again = primary(dir.path());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_stale_socket_without_a_lock_holder_does_not_block() {
        let dir = tempfile::tempdir().unwrap();
        let socket = dir.path().join(SOCKET_FILE);
        // A console that crashed: its socket file is left, nothing listens, nobody holds the lock.
        drop(std::os::unix::net::UnixListener::bind(&socket).unwrap());
        assert!(socket.exists());
        assert!(std::os::unix::net::UnixStream::connect(&socket).is_err());

        let focused = serve_counting(primary(dir.path()));
        let second = acquire_blocking(dir.path()).await;
        assert!(matches!(second, Instance::AlreadyRunning { notified: true, .. }));
        assert_eq!(
            focused.load(Ordering::SeqCst),
            1,
            "the new holder listens on a fresh socket"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_request_that_is_not_focus_is_ignored() {
        use std::io::BufRead;
        let dir = tempfile::tempdir().unwrap();
        let focused = serve_counting(primary(dir.path()));
        let socket = dir.path().join(SOCKET_FILE);
        let answer = tokio::task::spawn_blocking(move || {
            let mut s = std::os::unix::net::UnixStream::connect(&socket).unwrap();
            writeln!(s, "quit").unwrap();
            let mut answer = String::new();
            std::io::BufReader::new(s).read_line(&mut answer).unwrap();
            answer
        })
        .await
        .unwrap();
        assert_eq!(answer, "", "no answer to an unknown request");
        assert_eq!(focused.load(Ordering::SeqCst), 0);
    }
}
