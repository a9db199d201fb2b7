//! The control channel's Unix socket: `$XDG_RUNTIME_DIR/agentwatch/control.sock` (without
//! `XDG_RUNTIME_DIR`: `<temp dir>/agentwatch-<uid>/control.sock`). The folder is made 0700 and
//! refused when another user owns it or others may enter it; the socket is 0600; the server
//! also checks each caller's user id (SO_PEERCRED). One request line per connection, at most
//! `MAX_REQUEST_BYTES`, read within `REQUEST_TIME_LIMIT`; anything else gets an error answer and
//! changes nothing.

use super::{ControlRequest, ControlResponse, MAX_REQUEST_BYTES, REQUEST_TIME_LIMIT};
use futures::future::BoxFuture;
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio_util::sync::CancellationToken;

pub const SOCKET_NAME: &str = "control.sock";
/// Connections served at once; more wait in the listen queue.
const MAX_CONNECTIONS: usize = 8;

/// What answers a request: the desktop app's or `watch`'s own way of applying it.
pub type Handler = Arc<dyn Fn(ControlRequest) -> BoxFuture<'static, ControlResponse> + Send + Sync>;

fn euid() -> u32 {
    // SAFETY: geteuid(2) cannot fail and touches no memory.
    unsafe { libc::geteuid() }
}

/// The folder the socket lives in.
pub fn socket_dir() -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|v| !v.is_empty()) {
        Some(runtime) => PathBuf::from(runtime).join("agentwatch"),
        None => std::env::temp_dir().join(format!("agentwatch-{}", euid())),
    }
}

pub fn socket_path() -> PathBuf {
    socket_dir().join(SOCKET_NAME)
}

/// Refuses a folder another user owns, or one others may enter (they could swap the socket).
pub fn check_dir(dir: &Path) -> io::Result<()> {
    let meta = std::fs::symlink_metadata(dir)?;
    let refuse = |why: String| {
        Err(io::Error::new(
            io::ErrorKind::PermissionDenied,
            format!("refusing the control folder {}: {why}", dir.display()),
        ))
    };
    if !meta.is_dir() {
        return refuse("it is not a folder".into());
    }
    if meta.uid() != euid() {
        return refuse(format!(
            "it belongs to user id {}, not to you ({})",
            meta.uid(),
            euid()
        ));
    }
    let mode = meta.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return refuse(format!(
            "other users may use it (mode {mode:o}; it must be 700)"
        ));
    }
    Ok(())
}

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("another AgentWatch already answers on {0}")]
    InUse(PathBuf),
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// A bound control socket, removed when dropped.
pub struct ControlServer {
    listener: UnixListener,
    path: PathBuf,
}

impl ControlServer {
    /// Binds `dir/control.sock`, making `dir` (0700) when missing. A socket file left by a
    /// process that died is replaced; one that still answers is not.
    pub async fn bind(dir: &Path) -> Result<ControlServer, BindError> {
        match std::fs::DirBuilder::new().mode(0o700).create(dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e.into()),
        }
        check_dir(dir)?;
        let path = dir.join(SOCKET_NAME);
        if std::fs::symlink_metadata(&path).is_ok() {
            if UnixStream::connect(&path).await.is_ok() {
                return Err(BindError::InUse(path));
            }
            std::fs::remove_file(&path)?;
        }
        let listener = UnixListener::bind(&path)?;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
        Ok(ControlServer { listener, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Answers requests until cancelled.
    pub async fn serve(self, handler: Handler, cancel: CancellationToken) {
        let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
        loop {
            let accepted = tokio::select! {
                accepted = self.listener.accept() => accepted,
                _ = cancel.cancelled() => break,
            };
            let stream = match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!("control channel: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                    continue;
                }
            };
            let Ok(slot) = slots.clone().acquire_owned().await else {
                break;
            };
            let handler = handler.clone();
            tokio::spawn(async move {
                answer(stream, handler).await;
                drop(slot);
            });
        }
    }
}

impl Drop for ControlServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Reads one request line and writes one answer line.
async fn answer(stream: UnixStream, handler: Handler) {
    let same_user = stream.peer_cred().map(|c| c.uid() == euid());
    let (mut read, mut write) = stream.into_split();
    let response = match same_user {
        Ok(true) => match tokio::time::timeout(REQUEST_TIME_LIMIT, read_line(&mut read)).await {
            Ok(Ok(line)) => match ControlRequest::parse(&line) {
                Ok(request) => handler(request).await,
                Err(why) => ControlResponse::refused(why),
            },
            Ok(Err(why)) => ControlResponse::refused(why),
            Err(_) => ControlResponse::refused("no request line within the time limit"),
        },
        Ok(false) => ControlResponse::refused("only the user running AgentWatch may control it"),
        Err(e) => ControlResponse::refused(format!("cannot tell who is asking: {e}")),
    };
    let mut line = serde_json::to_vec(&response).unwrap_or_default();
    line.push(b'\n');
    let _ = tokio::time::timeout(REQUEST_TIME_LIMIT, write.write_all(&line)).await;
    let _ = write.shutdown().await;
    // Closing with unread bytes would reset the connection before the caller reads the answer:
    // read (a bounded amount, briefly) what an oversized request still had to say.
    let mut rest = read.take(16 * MAX_REQUEST_BYTES as u64);
    let _ = tokio::time::timeout(
        std::time::Duration::from_secs(1),
        tokio::io::copy(&mut rest, &mut tokio::io::sink()),
    )
    .await;
}

async fn read_line(read: &mut (impl tokio::io::AsyncRead + Unpin)) -> Result<String, String> {
    let mut line = Vec::new();
    let mut limited = BufReader::new(read.take(MAX_REQUEST_BYTES as u64 + 1));
    limited
        .read_until(b'\n', &mut line)
        .await
        .map_err(|e| format!("the request was not read: {e}"))?;
    if line.len() > MAX_REQUEST_BYTES {
        return Err(format!(
            "the request is larger than {MAX_REQUEST_BYTES} bytes"
        ));
    }
    String::from_utf8(line).map_err(|_| "the request is not UTF-8 text".to_string())
}

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No AgentWatch listens (no socket, or a stale one).
    #[error("no AgentWatch is running (neither the desktop app nor `agentwatch watch`): nothing answers on {0}")]
    NotRunning(PathBuf),
    #[error("the control channel failed: {0}")]
    Failed(String),
}

/// Sends one request to the AgentWatch listening in `dir` and reads its answer.
pub async fn send(dir: &Path, request: &ControlRequest) -> Result<ControlResponse, ClientError> {
    let path = dir.join(SOCKET_NAME);
    match check_dir(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(ClientError::NotRunning(path)),
        Err(e) => return Err(ClientError::Failed(e.to_string())),
    }
    let exchange = async {
        let mut stream = match UnixStream::connect(&path).await {
            Ok(s) => s,
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused
                ) =>
            {
                return Err(ClientError::NotRunning(path.clone()))
            }
            Err(e) => return Err(ClientError::Failed(e.to_string())),
        };
        let mut line =
            serde_json::to_vec(request).map_err(|e| ClientError::Failed(e.to_string()))?;
        line.push(b'\n');
        stream
            .write_all(&line)
            .await
            .map_err(|e| ClientError::Failed(e.to_string()))?;
        let answer = read_line(&mut stream).await.map_err(ClientError::Failed)?;
        serde_json::from_str::<ControlResponse>(&answer)
            .map_err(|e| ClientError::Failed(format!("the answer is not understood: {e}")))
    };
    tokio::time::timeout(REQUEST_TIME_LIMIT, exchange)
        .await
        .map_err(|_| ClientError::Failed("no answer within the time limit".into()))?
}
