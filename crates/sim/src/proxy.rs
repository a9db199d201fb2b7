//! Small forward proxies on loopback, for testing AgentWatch's `proxy` key with a real proxy in
//! the path: an HTTP proxy (CONNECT tunnels for https, absolute-form forwarding for plain http)
//! and a SOCKS5 proxy (with the host name resolved by the proxy, as `socks5h` asks). Either can
//! demand a user and password (Basic `Proxy-Authorization`, or RFC 1929 for SOCKS5). They count
//! what they relay and what they refuse, and remember the destinations asked for. Dropping the
//! proxy stops it and every connection it holds.

use base64::Engine as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// How long a client may take to say where it wants to go.
const HANDSHAKE_LIMIT: Duration = Duration::from_secs(10);
/// The largest request head the HTTP proxy reads.
const MAX_HEAD: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProxyKind {
    Http,
    Socks5,
}

#[derive(Default)]
struct Counters {
    relayed: AtomicU64,
    refused: AtomicU64,
    destinations: Mutex<Vec<String>>,
}

struct Setup {
    kind: ProxyKind,
    /// The user and password demanded, if any.
    credentials: Option<(String, String)>,
    counters: Counters,
}

pub struct TestProxy {
    addr: SocketAddr,
    setup: Arc<Setup>,
    accept_task: tokio::task::JoinHandle<()>,
}

impl TestProxy {
    /// Starts a proxy of `kind` on a free loopback port, demanding `credentials` when given.
    pub async fn start(
        kind: ProxyKind,
        credentials: Option<(&str, &str)>,
    ) -> std::io::Result<TestProxy> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0))).await?;
        let addr = listener.local_addr()?;
        let setup = Arc::new(Setup {
            kind,
            credentials: credentials.map(|(u, p)| (u.to_string(), p.to_string())),
            counters: Counters::default(),
        });
        let accept_task = tokio::spawn(accept_loop(listener, setup.clone()));
        Ok(TestProxy {
            addr,
            setup,
            accept_task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` or `socks5h://127.0.0.1:PORT`, with no user.
    pub fn url(&self) -> String {
        let scheme = match self.setup.kind {
            ProxyKind::Http => "http",
            ProxyKind::Socks5 => "socks5h",
        };
        format!("{scheme}://{}", self.addr)
    }

    /// The URL naming a user, as an AgentWatch config would: `http://USER@127.0.0.1:PORT`.
    pub fn url_with_user(&self, user: &str) -> String {
        self.url().replacen("://", &format!("://{user}@"), 1)
    }

    /// Connections relayed to a destination: CONNECT tunnels, forwarded plain-http requests
    /// and SOCKS5 connections.
    pub fn relayed(&self) -> u64 {
        self.setup.counters.relayed.load(Ordering::SeqCst)
    }

    /// Requests refused for missing or wrong credentials.
    pub fn refused(&self) -> u64 {
        self.setup.counters.refused.load(Ordering::SeqCst)
    }

    /// Every destination asked for, as `host:port` in the client's words (a SOCKS5 client that
    /// lets the proxy resolve names sends the name, not an address).
    pub fn destinations(&self) -> Vec<String> {
        self.setup.counters.destinations.lock().unwrap().clone()
    }
}

impl Drop for TestProxy {
    fn drop(&mut self) {
        self.accept_task.abort();
    }
}

async fn accept_loop(listener: TcpListener, setup: Arc<Setup>) {
    // Connections live in this set so that aborting the loop closes them too.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let setup = setup.clone();
                connections.spawn(async move {
                    let _ = match setup.kind {
                        ProxyKind::Http => serve_http(stream, &setup).await,
                        ProxyKind::Socks5 => serve_socks5(stream, &setup).await,
                    };
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

fn invalid(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string())
}

async fn within_limit<T>(
    work: impl std::future::Future<Output = std::io::Result<T>>,
) -> std::io::Result<T> {
    tokio::time::timeout(HANDSHAKE_LIMIT, work)
        .await
        .map_err(|_| std::io::Error::new(std::io::ErrorKind::TimedOut, "handshake too slow"))?
}

impl Setup {
    fn accepts(&self, user: &str, password: &str) -> bool {
        match &self.credentials {
            None => true,
            Some((u, p)) => u == user && p == password,
        }
    }

    fn refuse(&self) {
        self.counters.refused.fetch_add(1, Ordering::SeqCst);
    }

    async fn open(&self, destination: &str) -> std::io::Result<TcpStream> {
        self.counters
            .destinations
            .lock()
            .unwrap()
            .push(destination.to_string());
        let upstream = TcpStream::connect(destination).await?;
        self.counters.relayed.fetch_add(1, Ordering::SeqCst);
        Ok(upstream)
    }
}

/// Relays bytes both ways until either side closes.
async fn relay(
    mut client: impl AsyncRead + AsyncWrite + Unpin,
    mut upstream: TcpStream,
) -> std::io::Result<()> {
    tokio::io::copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}

// ---- HTTP ----

struct Head {
    method: String,
    target: String,
    version: String,
    headers: Vec<(String, String)>,
    /// Bytes read past the head (the start of a body).
    rest: Vec<u8>,
}

async fn read_head(stream: &mut TcpStream) -> std::io::Result<Head> {
    let mut buf = Vec::with_capacity(1024);
    let end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > MAX_HEAD {
            return Err(invalid("request head too large"));
        }
        let mut chunk = [0u8; 2048];
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Err(invalid("closed before the request head ended"));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let text = std::str::from_utf8(&buf[..end]).map_err(|_| invalid("head is not UTF-8"))?;
    let mut lines = text.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let (method, target, version) = match (first.next(), first.next(), first.next()) {
        (Some(m), Some(t), Some(v)) => (m.to_string(), t.to_string(), v.to_string()),
        _ => return Err(invalid("bad request line")),
    };
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Ok(Head {
        method,
        target,
        version,
        headers,
        rest: buf[end + 4..].to_vec(),
    })
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The Basic `Proxy-Authorization` user and password, if sent.
    fn proxy_credentials(&self) -> Option<(String, String)> {
        let value = self.header("proxy-authorization")?;
        let encoded = value.strip_prefix("Basic ")?.trim();
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (user, password) = text.split_once(':')?;
        Some((user.to_string(), password.to_string()))
    }
}

async fn serve_http(mut client: TcpStream, setup: &Setup) -> std::io::Result<()> {
    let head = within_limit(read_head(&mut client)).await?;
    let authorised = match (&setup.credentials, head.proxy_credentials()) {
        (None, _) => true,
        (Some(_), Some((user, password))) => setup.accepts(&user, &password),
        (Some(_), None) => false,
    };
    if !authorised {
        setup.refuse();
        client
            .write_all(
                b"HTTP/1.1 407 Proxy Authentication Required\r\n\
                  Proxy-Authenticate: Basic realm=\"agentwatch-sim\"\r\n\
                  Content-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .await?;
        return Ok(());
    }
    if head.method.eq_ignore_ascii_case("CONNECT") {
        let upstream = match setup.open(&head.target).await {
            Ok(u) => u,
            Err(_) => {
                client
                    .write_all(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                    .await?;
                return Ok(());
            }
        };
        client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .await?;
        return relay(client, upstream).await;
    }
    forward_plain(client, head, setup).await
}

/// Forwards one absolute-form request (`GET http://host:port/path`) and its answer, then closes:
/// one request per connection keeps the relay a plain byte copy.
async fn forward_plain(client: TcpStream, head: Head, setup: &Setup) -> std::io::Result<()> {
    let without_scheme = head
        .target
        .strip_prefix("http://")
        .ok_or_else(|| invalid("a plain request must name http://host:port"))?;
    let (authority, path) =
        without_scheme.split_at(without_scheme.find('/').unwrap_or(without_scheme.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut upstream = setup.open(authority).await?;
    let mut out = format!("{} {path} {}\r\n", head.method, head.version);
    for (name, value) in &head.headers {
        let hop_by_hop = ["proxy-authorization", "proxy-connection", "connection"]
            .iter()
            .any(|h| name.eq_ignore_ascii_case(h));
        if !hop_by_hop {
            out.push_str(&format!("{name}: {value}\r\n"));
        }
    }
    out.push_str("Connection: close\r\n\r\n");
    upstream.write_all(out.as_bytes()).await?;
    upstream.write_all(&head.rest).await?;
    relay(client, upstream).await
}

// ---- SOCKS5 (RFC 1928, user/password RFC 1929) ----

const SOCKS_VERSION: u8 = 5;
const NO_AUTH: u8 = 0x00;
const USER_PASSWORD: u8 = 0x02;
const NO_ACCEPTABLE: u8 = 0xFF;

async fn serve_socks5(mut client: TcpStream, setup: &Setup) -> std::io::Result<()> {
    let destination = match within_limit(socks5_handshake(&mut client, setup)).await? {
        Some(d) => d,
        None => return Ok(()),
    };
    let upstream = match setup.open(&destination).await {
        Ok(u) => u,
        Err(_) => {
            // 0x05: connection refused.
            client
                .write_all(&[SOCKS_VERSION, 0x05, 0, 1, 0, 0, 0, 0, 0, 0])
                .await?;
            return Ok(());
        }
    };
    client
        .write_all(&[SOCKS_VERSION, 0x00, 0, 1, 0, 0, 0, 0, 0, 0])
        .await?;
    relay(client, upstream).await
}

/// Greeting, authentication and CONNECT request; `None` when the client was turned away.
async fn socks5_handshake(
    client: &mut TcpStream,
    setup: &Setup,
) -> std::io::Result<Option<String>> {
    let mut greeting = [0u8; 2];
    client.read_exact(&mut greeting).await?;
    if greeting[0] != SOCKS_VERSION {
        return Err(invalid("not SOCKS5"));
    }
    let mut methods = vec![0u8; greeting[1] as usize];
    client.read_exact(&mut methods).await?;
    let wanted = if setup.credentials.is_some() {
        USER_PASSWORD
    } else {
        NO_AUTH
    };
    if !methods.contains(&wanted) {
        setup.refuse();
        client.write_all(&[SOCKS_VERSION, NO_ACCEPTABLE]).await?;
        return Ok(None);
    }
    client.write_all(&[SOCKS_VERSION, wanted]).await?;
    if wanted == USER_PASSWORD {
        let mut version_and_len = [0u8; 2];
        client.read_exact(&mut version_and_len).await?;
        let user = read_bytes(client, version_and_len[1] as usize).await?;
        let password_len = client.read_u8().await? as usize;
        let password = read_bytes(client, password_len).await?;
        if !setup.accepts(&user, &password) {
            setup.refuse();
            client.write_all(&[1, 1]).await?;
            return Ok(None);
        }
        client.write_all(&[1, 0]).await?;
    }
    let mut request = [0u8; 4];
    client.read_exact(&mut request).await?;
    if request[1] != 1 {
        // 0x07: command not supported (only CONNECT is).
        client
            .write_all(&[SOCKS_VERSION, 0x07, 0, 1, 0, 0, 0, 0, 0, 0])
            .await?;
        return Ok(None);
    }
    let host = match request[3] {
        1 => {
            let mut ip = [0u8; 4];
            client.read_exact(&mut ip).await?;
            std::net::Ipv4Addr::from(ip).to_string()
        }
        3 => {
            let len = client.read_u8().await? as usize;
            read_bytes(client, len).await?
        }
        4 => {
            let mut ip = [0u8; 16];
            client.read_exact(&mut ip).await?;
            format!("[{}]", std::net::Ipv6Addr::from(ip))
        }
        _ => return Err(invalid("unknown address type")),
    };
    let port = client.read_u16().await?;
    Ok(Some(format!("{host}:{port}")))
}

async fn read_bytes(client: &mut TcpStream, len: usize) -> std::io::Result<String> {
    let mut bytes = vec![0u8; len];
    client.read_exact(&mut bytes).await?;
    String::from_utf8(bytes).map_err(|_| invalid("not UTF-8"))
}
