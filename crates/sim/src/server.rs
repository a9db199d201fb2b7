//! Serves a simulator's router on loopback, over plain HTTP or TLS. Dropping the server stops it
//! and every connection it holds.

use crate::tls::TestCa;
use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use std::net::{Ipv4Addr, SocketAddr};
use tokio::net::TcpListener;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;

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
        let acceptor = tls.map(|ca| TlsAcceptor::from(ca.server_config()));
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
                        Some(acceptor) => {
                            if let Ok(tls) = acceptor.accept(stream).await {
                                let _ = builder.serve_connection(TokioIo::new(tls), service).await;
                            }
                        }
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
