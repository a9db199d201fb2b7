//! The control channel on Windows: a named pipe, `\\.\pipe\agentwatch-<user>-control`.
//!
//! Who may use it: the pipe keeps Windows' default security, which lets the user who created
//! it (and administrators and the system) write to it, and everyone else only read, so no other
//! user can send a request; callers from other machines are refused
//! (`PIPE_REJECT_REMOTE_CLIENTS`). Only the first AgentWatch creates it
//! (`FILE_FLAG_FIRST_PIPE_INSTANCE`): a second one, or anything that took the name first, is told
//! "another AgentWatch already answers", as on Unix. The exchange is the same one request line
//! and one answer line ([`super::exchange`]).

use super::exchange::{self, Accept};
pub use super::exchange::{BindError, ClientError, Handler};
use super::{ControlRequest, ControlResponse, REQUEST_TIME_LIMIT};
use std::io;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::net::windows::named_pipe::{ClientOptions, NamedPipeServer, ServerOptions};
use tokio_util::sync::CancellationToken;

/// Windows' "all pipe instances are busy": a server is between two callers.
const ERROR_PIPE_BUSY: i32 = 231;
/// Windows' "access denied": the name is taken (a first instance exists).
const ERROR_ACCESS_DENIED: i32 = 5;

/// This user's pipe: the user name, kept to letters, digits, `-` and `_`.
pub fn location() -> PathBuf {
    let user: String = std::env::var("USERNAME")
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .take(64)
        .collect();
    let user = if user.is_empty() { "user".into() } else { user };
    PathBuf::from(format!(r"\\.\pipe\agentwatch-{user}-control"))
}

/// A created control pipe: the instance waiting for the next caller.
pub struct ControlServer {
    next: NamedPipeServer,
    name: PathBuf,
}

fn instance(name: &Path, first: bool) -> io::Result<NamedPipeServer> {
    ServerOptions::new()
        .first_pipe_instance(first)
        .reject_remote_clients(true)
        .create(name)
}

impl ControlServer {
    /// Creates the pipe `name`; refused when it exists already (another AgentWatch answers).
    pub async fn bind(name: &Path) -> Result<ControlServer, BindError> {
        // Windows refuses a first instance of a name that exists; Wine 8 does not, so whoever
        // answers there already is asked first (a caller that says nothing gets an error
        // answer and nothing changes).
        match ClientOptions::new().open(name) {
            Ok(_) => return Err(BindError::InUse(name.to_path_buf())),
            Err(e) if e.raw_os_error() == Some(ERROR_PIPE_BUSY) => {
                return Err(BindError::InUse(name.to_path_buf()))
            }
            Err(_) => {}
        }
        match instance(name, true) {
            Ok(next) => Ok(ControlServer {
                next,
                name: name.to_path_buf(),
            }),
            Err(e) if e.raw_os_error() == Some(ERROR_ACCESS_DENIED) => {
                Err(BindError::InUse(name.to_path_buf()))
            }
            Err(e) => Err(e.into()),
        }
    }

    pub fn path(&self) -> &Path {
        &self.name
    }

    /// Answers requests until cancelled.
    pub async fn serve(self, handler: Handler, cancel: CancellationToken) {
        exchange::serve(self, handler, cancel).await
    }
}

impl Accept for ControlServer {
    type Stream = NamedPipeServer;

    async fn accept(&mut self) -> io::Result<(NamedPipeServer, Option<ControlResponse>)> {
        self.next.connect().await?;
        // The next caller gets a fresh instance; this one is handed to the exchange.
        let next = instance(&self.name, false)?;
        Ok((std::mem::replace(&mut self.next, next), None))
    }
}

/// Sends one request to the AgentWatch listening on the pipe `name` and reads its answer.
pub async fn send(name: &Path, request: &ControlRequest) -> Result<ControlResponse, ClientError> {
    let exchange = async {
        let pipe = loop {
            match ClientOptions::new().open(name) {
                Ok(pipe) => break pipe,
                // The server is between two callers: its next instance comes at once.
                Err(e) if e.raw_os_error() == Some(ERROR_PIPE_BUSY) => {
                    tokio::time::sleep(Duration::from_millis(20)).await
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    return Err(ClientError::NotRunning(name.to_path_buf()))
                }
                Err(e) => return Err(ClientError::Failed(e.to_string())),
            }
        };
        exchange::ask(pipe, request).await
    };
    tokio::time::timeout(REQUEST_TIME_LIMIT, exchange)
        .await
        .map_err(|_| ClientError::Failed("no answer within the time limit".into()))?
}
