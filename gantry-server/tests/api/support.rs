//! A server for one test, and a client that keeps its session cookie.

use gantry::{BackendConfig, BackendKind, Config, Gantry, SignupPolicy};
use reqwest::header::HeaderMap;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tempfile::TempDir;

pub(crate) const PASSWORD: &str = "correct horse battery";

/// A running server, stopped (and its Gantry closed) when dropped.
pub(crate) struct Server {
    pub(crate) url: String,
    pub(crate) gantry: Gantry,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    _dir: TempDir,
    /// The PostgreSQL schema the server runs on, when it does (dropped at the end).
    _postgres: Option<gantry_test::TestStore>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts a server on a fresh data directory, chatting with `llm` when given (else with a
/// backend that is down), sign-up open.
pub(crate) async fn start(llm: Option<&str>) -> Server {
    start_with(llm, |_| {}).await
}

/// Like [`start`], with the settings changed by `adjust`.
pub(crate) async fn start_with(llm: Option<&str>, adjust: impl FnOnce(&mut Config)) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let mut backend = BackendConfig::new("default", llm.unwrap_or("http://127.0.0.1:9/v1"));
    backend.kind = BackendKind::LlamaCpp;
    let mut config = Config {
        data_dir: dir.path().join("data"),
        backends: vec![backend],
        ..Config::default()
    };
    config.accounts.signup = SignupPolicy::Open;
    config.chat.context_length = Some(1024);
    config.chat.answer_tokens = 48;
    config.chat.max_context_tokens = 400;
    config.chat.title_with_model = false;
    config.server.listen = "127.0.0.1:0".into();
    config.server.max_body_bytes = 64 * 1024;
    adjust(&mut config);
    // `scripts/test` runs this suite a second time with the store on PostgreSQL.
    let postgres = match std::env::var("GANTRY_API_STORE").as_deref() {
        Ok("postgres") => Some(
            gantry_test::postgres()
                .await
                .expect("GANTRY_API_STORE=postgres needs GANTRY_TEST_POSTGRES_URL"),
        ),
        _ => None,
    };
    let mut builder = Gantry::builder(config);
    if let Some(postgres) = &postgres {
        builder = builder.store(postgres.store.clone());
    }
    let gantry = builder.open().await.unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (started, url) = tokio::sync::oneshot::channel();
    let serving = gantry.clone();
    tokio::spawn(async move {
        gantry_server::serve(
            serving,
            async {
                let _ = stopped.await;
            },
            move |listening| {
                let _ = started.send(listening.url.clone());
            },
        )
        .await
        .unwrap();
    });
    Server {
        url: url.await.unwrap(),
        gantry,
        stop: Some(stop),
        _dir: dir,
        _postgres: postgres,
    }
}

/// A client of one server, holding a session cookie once signed in.
#[derive(Clone)]
pub(crate) struct Client {
    pub(crate) url: String,
    http: reqwest::Client,
    pub(crate) cookie: Option<String>,
    /// Sent as `Origin` on changes (the server's own, by default).
    pub(crate) origin: Option<String>,
    pub(crate) bearer: Option<String>,
}

/// An answer: status, headers and JSON body (`Value::Null` when empty or not JSON).
pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
    pub(crate) text: String,
}

impl Answer {
    /// The error's `code`, or "" when the body is not an error.
    pub(crate) fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }

    /// The error's `field`, or "".
    pub(crate) fn field(&self) -> &str {
        self.body["error"]["field"].as_str().unwrap_or("")
    }
}

impl Client {
    pub(crate) fn new(server: &Server) -> Self {
        Self {
            url: server.url.clone(),
            http: reqwest::Client::new(),
            cookie: None,
            origin: Some(server.url.clone()),
            bearer: None,
        }
    }

    /// A request with this client's credentials and origin.
    pub(crate) fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.url));
        if let Some(cookie) = &self.cookie {
            request = request.header("cookie", format!("gantry_session={cookie}"));
        }
        if let Some(token) = &self.bearer {
            request = request.bearer_auth(token);
        }
        if let Some(origin) = &self.origin
            && method != Method::GET
        {
            request = request.header("origin", origin);
        }
        request
    }

    /// Sends `request`, keeping a session cookie it sets (or removes).
    pub(crate) async fn send(&mut self, request: reqwest::RequestBuilder) -> Answer {
        let response = request.send().await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        for cookie in headers.get_all("set-cookie") {
            let cookie = cookie.to_str().unwrap();
            if let Some(rest) = cookie.strip_prefix("gantry_session=") {
                let value = rest.split(';').next().unwrap();
                self.cookie = (!value.is_empty()).then(|| value.to_owned());
            }
        }
        let text = response.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Answer {
            status,
            headers,
            body,
            text,
        }
    }

    pub(crate) async fn get(&mut self, path: &str) -> Answer {
        let request = self.request(Method::GET, path);
        self.send(request).await
    }

    pub(crate) async fn post(&mut self, path: &str, body: Value) -> Answer {
        let request = self.request(Method::POST, path).json(&body);
        self.send(request).await
    }

    pub(crate) async fn patch(&mut self, path: &str, body: Value) -> Answer {
        let request = self.request(Method::PATCH, path).json(&body);
        self.send(request).await
    }

    pub(crate) async fn delete(&mut self, path: &str) -> Answer {
        let request = self.request(Method::DELETE, path);
        self.send(request).await
    }

    /// Creates the first admin (`POST /api/setup`), signed in.
    pub(crate) async fn set_up(server: &Server) -> Self {
        let mut client = Self::new(server);
        let answer = client
            .post(
                "/api/setup",
                json!({"email": "root@example.com", "display_name": "Root", "password": PASSWORD}),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
        client
    }

    /// Signs up `email` (sign-up is open), signed in.
    pub(crate) async fn register(server: &Server, email: &str) -> Self {
        let mut client = Self::new(server);
        let answer = client
            .post(
                "/api/auth/register",
                json!({"email": email, "display_name": email, "password": PASSWORD}),
            )
            .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
        client
    }

    /// A new conversation's id.
    pub(crate) async fn conversation(&mut self) -> String {
        let answer = self.post("/api/chat/conversations", json!({})).await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
        answer.body["id"].as_str().unwrap().to_owned()
    }
}
