//! The control channel's Unix socket: `$XDG_RUNTIME_DIR/agentwatch/control.sock` (without
//! `XDG_RUNTIME_DIR`: `<temp dir>/agentwatch-<uid>/control.sock`). The folder is made 0700 and
//! refused when another user owns it or others may enter it; the socket is 0600; the server
//! also checks each caller's user id (SO_PEERCRED). One request line per connection, at most
//! `MAX_REQUEST_BYTES`, read within `REQUEST_TIME_LIMIT`; anything else gets an error answer and
//! changes nothing.

use super::exchange::{self, Accept};
pub use super::exchange::{BindError, ClientError, Handler};
use super::{ControlRequest, ControlResponse, REQUEST_TIME_LIMIT};
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use tokio::net::{UnixListener, UnixStream};
use tokio_util::sync::CancellationToken;

pub const SOCKET_NAME: &str = "control.sock";

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

/// Where this user's AgentWatch listens: the socket's folder.
pub fn location() -> PathBuf {
    socket_dir()
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
        exchange::serve(self, handler, cancel).await
    }
}

impl Accept for ControlServer {
    type Stream = UnixStream;

    async fn accept(&mut self) -> io::Result<(UnixStream, Option<ControlResponse>)> {
        let (stream, _) = self.listener.accept().await?;
        let refusal = match stream.peer_cred().map(|c| c.uid() == euid()) {
            Ok(true) => None,
            Ok(false) => Some(ControlResponse::refused(
                "only the user running AgentWatch may control it",
            )),
            Err(e) => Some(ControlResponse::refused(format!(
                "cannot tell who is asking: {e}"
            ))),
        };
        Ok((stream, refusal))
    }
}

impl Drop for ControlServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
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
        let stream = match UnixStream::connect(&path).await {
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
        exchange::ask(stream, request).await
    };
    tokio::time::timeout(REQUEST_TIME_LIMIT, exchange)
        .await
        .map_err(|_| ClientError::Failed("no answer within the time limit".into()))?
}
