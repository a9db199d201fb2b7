//! One exchange on the control channel, whatever carries it (a Unix socket, a Windows named
//! pipe): the server reads one request line of at most `MAX_REQUEST_BYTES` within
//! `REQUEST_TIME_LIMIT` and writes one answer line; the client writes its line and reads the
//! answer. Anything malformed gets an error answer and changes nothing.

use super::{ControlRequest, ControlResponse, MAX_REQUEST_BYTES, REQUEST_TIME_LIMIT};
use futures::future::BoxFuture;
use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tokio_util::sync::CancellationToken;

/// What answers a request: the desktop app's or `watch`'s own way of applying it.
pub type Handler = Arc<dyn Fn(ControlRequest) -> BoxFuture<'static, ControlResponse> + Send + Sync>;

/// Connections served at once; more wait for their turn.
const MAX_CONNECTIONS: usize = 8;

/// Why the server did not start.
#[derive(Debug, thiserror::Error)]
pub enum BindError {
    #[error("another AgentWatch already answers on {0}")]
    InUse(PathBuf),
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// Where connections come from: a listening socket, or a named pipe's next instance.
pub(crate) trait Accept: Send {
    type Stream: AsyncRead + AsyncWrite + Unpin + Send + 'static;
    /// The next caller, with the refusal it gets instead of an answer (another user), if any.
    fn accept(
        &mut self,
    ) -> impl Future<Output = io::Result<(Self::Stream, Option<ControlResponse>)>> + Send;
}

/// Answers every caller `listener` accepts until cancelled, a few at a time.
pub(crate) async fn serve(mut listener: impl Accept, handler: Handler, cancel: CancellationToken) {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = cancel.cancelled() => break,
        };
        let (stream, refusal) = match accepted {
            Ok(accepted) => accepted,
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
            answer(stream, handler, refusal).await;
            drop(slot);
        });
    }
}

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No AgentWatch listens (no socket or pipe, or a stale socket).
    #[error("no AgentWatch is running (neither the desktop app nor `agentwatch watch`): nothing answers on {0}")]
    NotRunning(PathBuf),
    #[error("the control channel failed: {0}")]
    Failed(String),
}

/// Reads one request line from `stream` and writes one answer line: `refusal` when the caller
/// was already refused (another user), else what `handler` answers.
async fn answer<S>(stream: S, handler: Handler, refusal: Option<ControlResponse>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (mut read, mut write) = tokio::io::split(stream);
    let response = match refusal {
        Some(refused) => refused,
        None => match tokio::time::timeout(REQUEST_TIME_LIMIT, read_line(&mut read)).await {
            Ok(Ok(line)) => match ControlRequest::parse(&line) {
                Ok(request) => handler(request).await,
                Err(why) => ControlResponse::refused(why),
            },
            Ok(Err(why)) => ControlResponse::refused(why),
            Err(_) => ControlResponse::refused("no request line within the time limit"),
        },
    };
    let mut line = serde_json::to_vec(&response).unwrap_or_default();
    line.push(b'\n');
    let _ = tokio::time::timeout(REQUEST_TIME_LIMIT, write.write_all(&line)).await;
    let _ = write.flush().await;
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

/// Writes `request` as one line on `stream` and reads the answer line.
pub(crate) async fn ask<S>(
    stream: S,
    request: &ControlRequest,
) -> Result<ControlResponse, ClientError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let (mut read, mut write) = tokio::io::split(stream);
    let mut line = serde_json::to_vec(request).map_err(|e| ClientError::Failed(e.to_string()))?;
    line.push(b'\n');
    write
        .write_all(&line)
        .await
        .map_err(|e| ClientError::Failed(e.to_string()))?;
    write
        .flush()
        .await
        .map_err(|e| ClientError::Failed(e.to_string()))?;
    let answer = read_line(&mut read).await.map_err(ClientError::Failed)?;
    serde_json::from_str::<ControlResponse>(&answer)
        .map_err(|e| ClientError::Failed(format!("the answer is not understood: {e}")))
}

/// One line of at most `MAX_REQUEST_BYTES`, as UTF-8 text.
async fn read_line(read: &mut (impl AsyncRead + Unpin)) -> Result<String, String> {
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
