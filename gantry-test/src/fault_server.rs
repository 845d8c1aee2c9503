//! A fault-injecting HTTP server, for what a real llama-server cannot be made to do on
//! demand: cut a connection mid-stream, answer 429 then succeed, send a malformed chunk,
//! stall before the first token. It is a fake, named as such; everything that a real
//! server can show is tested against the real one (gantry-llm's `real_server.rs`). Shared
//! by the LLM client's suite and the HTTP server's, which checks what a person sees of
//! each fault.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with one request.
#[derive(Clone, Debug)]
pub enum Script {
    /// Answer with this status, headers and body, written in parts with a pause before each.
    Respond {
        /// The status.
        status: u16,
        /// The headers.
        headers: Vec<(&'static str, String)>,
        /// The body's parts, each after its pause.
        parts: Vec<(Duration, Vec<u8>)>,
    },
    /// Send headers for an event stream, then these parts, then close without `[DONE]`.
    StreamThenCut {
        /// The body's parts, each after its pause.
        parts: Vec<(Duration, Vec<u8>)>,
    },
    /// Accept the connection and say nothing for this long.
    Stall(Duration),
}

impl Script {
    /// A 200 `text/event-stream` answer with the given raw body parts.
    pub fn sse(parts: Vec<(Duration, Vec<u8>)>) -> Self {
        Self::Respond {
            status: 200,
            headers: vec![("Content-Type", "text/event-stream".into())],
            parts,
        }
    }

    /// A JSON answer.
    pub fn json(status: u16, body: &str) -> Self {
        Self::Respond {
            status,
            headers: vec![("Content-Type", "application/json".into())],
            parts: vec![(Duration::ZERO, body.as_bytes().to_vec())],
        }
    }
}

/// One `data:` line of a streamed chat completion carrying `text`.
pub fn token(text: &str) -> Vec<u8> {
    let chunk = serde_json::json!({"choices": [{"index": 0, "delta": {"content": text}}]});
    format!("data: {chunk}\n\n").into_bytes()
}

/// What the server saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// Request lines (`POST /v1/chat/completions`), in order.
    pub requests: Vec<String>,
    /// Request bodies, in order.
    pub bodies: Vec<String>,
    /// How many body parts were written before the client went away, per request that
    /// lost its client early.
    pub client_left_after_parts: Vec<usize>,
}

/// The running server.
#[derive(Debug)]
pub struct FaultServer {
    /// Its OpenAI-style base URL (`http://127.0.0.1:PORT/v1`).
    pub base_url: String,
    /// What it has seen.
    pub seen: Arc<Mutex<Seen>>,
}

impl FaultServer {
    /// Serves the scripts in order, one per request; the last one repeats.
    pub async fn start(scripts: Vec<Script>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}/v1", listener.local_addr().unwrap());
        let seen = Arc::new(Mutex::new(Seen::default()));
        let scripts = Arc::new(Mutex::new((scripts, 0usize)));
        let seen_by_server = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((socket, _)) = listener.accept().await else {
                    return;
                };
                let seen = seen_by_server.clone();
                let scripts = scripts.clone();
                tokio::spawn(async move {
                    serve(socket, seen, scripts).await;
                });
            }
        });
        Self { base_url, seen }
    }

    /// How many requests it has had.
    pub fn requests(&self) -> usize {
        self.seen.lock().unwrap().requests.len()
    }
}

async fn serve(
    mut socket: TcpStream,
    seen: Arc<Mutex<Seen>>,
    scripts: Arc<Mutex<(Vec<Script>, usize)>>,
) {
    // Read the request head and a Content-Length body.
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let length = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        match socket.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body = String::from_utf8_lossy(&buf[head_end..head_end + length]).to_string();
    let script = {
        let mut guard = scripts.lock().unwrap();
        let (list, next) = &mut *guard;
        let script = list[(*next).min(list.len() - 1)].clone();
        *next += 1;
        script
    };
    {
        let mut seen = seen.lock().unwrap();
        seen.requests
            .push(head.lines().next().unwrap_or_default().to_owned());
        seen.bodies.push(body);
    }
    let (status, headers, parts, cut) = match script {
        Script::Stall(d) => {
            tokio::time::sleep(d).await;
            return;
        }
        Script::Respond {
            status,
            headers,
            parts,
        } => (status, headers, parts, false),
        Script::StreamThenCut { parts } => (
            200,
            vec![("Content-Type", "text/event-stream".into())],
            parts,
            true,
        ),
    };
    let mut response = format!("HTTP/1.1 {status} X\r\nConnection: close\r\n");
    for (k, v) in headers {
        response.push_str(&format!("{k}: {v}\r\n"));
    }
    response.push_str("\r\n");
    if socket.write_all(response.as_bytes()).await.is_err() {
        return;
    }
    for (i, (pause, part)) in parts.iter().enumerate() {
        tokio::time::sleep(*pause).await;
        let wrote = socket.write_all(part).await.and(socket.flush().await);
        if wrote.is_err() {
            seen.lock().unwrap().client_left_after_parts.push(i);
            return;
        }
    }
    if cut {
        // Close abruptly: a reset, not an orderly end.
        let _ = socket.set_zero_linger();
    }
}
