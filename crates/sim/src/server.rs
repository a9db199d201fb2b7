//! Serves a simulator's router on loopback, over plain HTTP or TLS. Dropping the server stops it
//! and every connection it holds.

#[cfg(feature = "tls")]
use crate::TestCa;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use std::net::{Ipv4Addr, SocketAddr};
use tokio::net::TcpListener;
use tokio::task::JoinSet;

/// Without the `tls` feature there is no CA to give a server: the simulators speak plain HTTP
/// (the demo's case). The type has no value, so `None` is the only argument there is.
#[cfg(not(feature = "tls"))]
pub enum TestCa {}

#[cfg(feature = "tls")]
type TlsAcceptor = tokio_rustls::TlsAcceptor;
/// No acceptor without the `tls` feature (a type with no value).
#[cfg(not(feature = "tls"))]
#[derive(Clone)]
enum TlsAcceptor {}

#[cfg(feature = "tls")]
fn acceptor(ca: &TestCa) -> TlsAcceptor {
    TlsAcceptor::from(ca.server_config())
}

#[cfg(not(feature = "tls"))]
fn acceptor(ca: &TestCa) -> TlsAcceptor {
    match *ca {}
}

pub struct SimServer {
    addr: SocketAddr,
    tls: bool,
    accept_task: tokio::task::JoinHandle<()>,
}

impl SimServer {
    /// Binds `127.0.0.1:port` (0 = any free port) and starts serving.
    pub async fn start(
        router: Router,
        port: u16,
        tls: Option<&TestCa>,
    ) -> std::io::Result<SimServer> {
        let listener = TcpListener::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, port))).await?;
        let addr = listener.local_addr()?;
        let acceptor = tls.map(acceptor);
        let accept_task = tokio::spawn(accept_loop(listener, router, acceptor));
        Ok(SimServer {
            addr,
            tls: tls.is_some(),
            accept_task,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, or `https://localhost:PORT` (the name in the certificate).
    pub fn base_url(&self) -> String {
        if self.tls {
            format!("https://localhost:{}", self.addr.port())
        } else {
            format!("http://127.0.0.1:{}", self.addr.port())
        }
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.accept_task.abort();
    }
}

async fn accept_loop(listener: TcpListener, router: Router, acceptor: Option<TlsAcceptor>) {
    // Connections live in this set so that aborting the loop closes them too.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                let service = TowerToHyperService::new(router.clone());
                let acceptor = acceptor.clone();
                connections.spawn(async move {
                    let builder = auto::Builder::new(TokioExecutor::new());
                    match acceptor {
                        #[cfg(feature = "tls")]
                        Some(acceptor) => {
                            if let Ok(tls) = acceptor.accept(stream).await {
                                let _ = builder.serve_connection(TokioIo::new(tls), service).await;
                            }
                        }
                        #[cfg(not(feature = "tls"))]
                        Some(never) => match never {},
                        None => {
                            let _ = builder.serve_connection(TokioIo::new(stream), service).await;
                        }
                    }
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}
