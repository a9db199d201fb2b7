//! A webhook receiver on loopback: records every request (path, headers, body) and answers
//! with the statuses it was told to, one per request in turn, then 200. A path can be held:
//! its requests wait until released, to fill a route's queue.

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use tokio::sync::Semaphore;

#[derive(Debug, Clone)]
pub struct Received {
    pub path: String,
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "{} got a body that is not JSON ({e}): {}",
                self.path,
                String::from_utf8_lossy(&self.body)
            )
        })
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
            .unwrap_or("")
    }
}

#[derive(Default)]
struct State {
    received: Mutex<Vec<Received>>,
    statuses: Mutex<HashMap<String, VecDeque<u16>>>,
    held: Mutex<HashMap<String, Arc<Semaphore>>>,
}

#[derive(Clone)]
pub struct Listener {
    state: Arc<State>,
    pub base: String,
}

impl Listener {
    pub async fn start() -> Listener {
        let state = Arc::new(State::default());
        let app = axum::Router::new().fallback({
            let state = state.clone();
            move |uri: Uri, headers: HeaderMap, body: Bytes| {
                let state = state.clone();
                async move { answer(state, uri, headers, body).await }
            }
        });
        let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", socket.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(socket, app).await.unwrap() });
        Listener { state, base }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The next requests to `path` get these statuses, in order.
    pub fn answer_with(&self, path: &str, statuses: &[u16]) {
        self.state
            .statuses
            .lock()
            .unwrap()
            .insert(path.to_string(), statuses.iter().copied().collect());
    }

    /// Requests to `path` wait until `release` lets them through.
    pub fn hold(&self, path: &str) {
        self.state
            .held
            .lock()
            .unwrap()
            .insert(path.to_string(), Arc::new(Semaphore::new(0)));
    }

    pub fn release(&self, path: &str) {
        if let Some(gate) = self.state.held.lock().unwrap().get(path) {
            gate.add_permits(1000);
        }
    }

    pub fn received(&self, path: &str) -> Vec<Received> {
        self.state
            .received
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

async fn answer(state: Arc<State>, uri: Uri, headers: HeaderMap, body: Bytes) -> StatusCode {
    let path = uri.path().to_string();
    state.received.lock().unwrap().push(Received {
        path: path.clone(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap_or("").to_string()))
            .collect(),
        body: body.to_vec(),
    });
    let gate = state.held.lock().unwrap().get(&path).cloned();
    if let Some(gate) = gate {
        let _ = gate.acquire().await;
    }
    let status = state
        .statuses
        .lock()
        .unwrap()
        .get_mut(&path)
        .and_then(|q| q.pop_front())
        .unwrap_or(200);
    StatusCode::from_u16(status).unwrap()
}
