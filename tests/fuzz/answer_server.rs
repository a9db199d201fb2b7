//! A tiny HTTP/1.1 server on loopback that answers each request with whatever the current fuzz
//! case scripted for its route: any status, any header bytes, any body, and broken framing
//! (a body shorter than its Content-Length, chunked, close-delimited, or no answer at all).
//! Written on raw TCP because a well-behaved framework would refuse to send most of that.
//! One request per connection; every read and write is bounded in size and time.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// How the answer's bytes are framed on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// Content-Length and exactly that many bytes.
    Exact,
    /// Chunked transfer encoding, in small chunks.
    Chunked,
    /// Content-Length says more than is sent, then the connection closes.
    ShortBody,
    /// No length: the body ends when the connection closes.
    CloseDelimited,
    /// The connection closes before any answer.
    Hangup,
}

#[derive(Clone)]
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, Vec<u8>)>,
    pub body: Vec<u8>,
    pub framing: Framing,
}

impl std::fmt::Debug for Answer {
    // Bodies can be megabytes: show their start and size so that a failing case stays readable.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = &self.body[..self.body.len().min(400)];
        f.debug_struct("Answer")
            .field("status", &self.status)
            .field(
                "headers",
                &self
                    .headers
                    .iter()
                    .map(|(k, v)| format!("{k}: {}", String::from_utf8_lossy(v)))
                    .collect::<Vec<_>>(),
            )
            .field("framing", &self.framing)
            .field("body_len", &self.body.len())
            .field("body_start", &String::from_utf8_lossy(shown))
            .finish()
    }
}

impl Answer {
    pub fn json(status: u16, body: &str) -> Answer {
        Answer {
            status,
            headers: vec![(
                "Content-Type".into(),
                b"application/json; charset=UTF-8".to_vec(),
            )],
            body: body.as_bytes().to_vec(),
            framing: Framing::Exact,
        }
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut out = format!("HTTP/1.1 {} Fuzz\r\n", self.status).into_bytes();
        for (name, value) in &self.headers {
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(value);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"Connection: close\r\n");
        match self.framing {
            Framing::Exact => {
                out.extend_from_slice(
                    format!("Content-Length: {}\r\n\r\n", self.body.len()).as_bytes(),
                );
                out.extend_from_slice(&self.body);
            }
            Framing::ShortBody => {
                let declared = self.body.len() + 1 + self.body.len() / 2;
                out.extend_from_slice(format!("Content-Length: {declared}\r\n\r\n").as_bytes());
                out.extend_from_slice(&self.body);
            }
            Framing::CloseDelimited => {
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(&self.body);
            }
            Framing::Chunked => {
                out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
                for chunk in self.body.chunks(1000) {
                    out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                    out.extend_from_slice(chunk);
                    out.extend_from_slice(b"\r\n");
                }
                out.extend_from_slice(b"0\r\n\r\n");
            }
            Framing::Hangup => out.clear(),
        }
        out
    }
}

/// Which route a request is for, from its method and path (each vendor has its own).
pub type Classify = fn(method: &str, path: &str) -> &'static str;

/// One case's answers: per route a sequence, the last one repeating.
pub struct Script {
    pub classify: Classify,
    pub answers: HashMap<&'static str, Vec<Answer>>,
}

struct Current {
    script: Option<Script>,
    served: HashMap<&'static str, usize>,
}

pub struct AnswerServer {
    addr: SocketAddr,
    current: Arc<Mutex<Current>>,
    accept: tokio::task::JoinHandle<()>,
}

/// Largest request head or body read; the clients send far less.
const REQUEST_LIMIT: usize = 1 << 20;
const IO_LIMIT: Duration = Duration::from_secs(10);

impl AnswerServer {
    pub async fn start() -> AnswerServer {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("address");
        let current = Arc::new(Mutex::new(Current {
            script: None,
            served: HashMap::new(),
        }));
        let shared = current.clone();
        let accept = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let shared = shared.clone();
                tokio::spawn(async move {
                    let _ = tokio::time::timeout(IO_LIMIT, serve(stream, shared)).await;
                });
            }
        });
        AnswerServer {
            addr,
            current,
            accept,
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Sets the answers for the next case and forgets what the previous one served.
    pub fn script(&self, script: Script) {
        let mut current = self.current.lock().unwrap();
        current.script = Some(script);
        current.served.clear();
    }

    /// How many requests each route got in this case.
    pub fn served(&self) -> HashMap<&'static str, usize> {
        self.current.lock().unwrap().served.clone()
    }
}

impl Drop for AnswerServer {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

async fn serve(mut stream: TcpStream, current: Arc<Mutex<Current>>) {
    let Some((method, path)) = read_request(&mut stream).await else {
        return;
    };
    let answer = {
        let mut current = current.lock().unwrap();
        let Current { script, served } = &mut *current;
        let Some(script) = script.as_ref() else {
            return;
        };
        let route = (script.classify)(&method, &path);
        let n = served.entry(route).or_default();
        let answer = script
            .answers
            .get(route)
            .and_then(|list| list.get(*n).or(list.last()).cloned());
        *n += 1;
        answer.unwrap_or_else(|| {
            Answer::json(404, r#"{"detail":"no such route","reason":"NotFound"}"#)
        })
    };
    let _ = stream.write_all(&answer.to_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Reads the request head and its body (by Content-Length); returns the method and path.
async fn read_request(stream: &mut TcpStream) -> Option<(String, String)> {
    let mut buf = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > REQUEST_LIMIT {
            return None;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut words = head.split_whitespace();
    let method = words.next()?.to_string();
    let path = words.next()?.to_string();
    let length = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())
                .flatten()
        })
        .unwrap_or(0)
        .min(REQUEST_LIMIT);
    let mut body_read = buf.len() - head_end;
    while body_read < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body_read += n;
    }
    Some((method, path))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
