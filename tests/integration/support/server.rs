//! A scripted HTTP server on 127.0.0.1 for client tests: records each request and answers it
//! with what the test's handler returns (or never answers).

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

/// One request as the server received it.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub method: String,
    /// Path and query string, as sent.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Recorded {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn path(&self) -> &str {
        self.url.split('?').next().unwrap()
    }

    /// Decoded query pairs, in order.
    pub(crate) fn query(&self) -> Vec<(String, String)> {
        let query = self.url.split_once('?').map(|(_, q)| q).unwrap_or("");
        reqwest::Url::parse(&format!("http://x/?{query}"))
            .unwrap()
            .query_pairs()
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    }

    pub(crate) fn param(&self, name: &str) -> Option<String> {
        self.query()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }
}

/// What to answer.
#[derive(Clone)]
pub(crate) enum Reply {
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: String,
    },
    /// Keep the connection open and never answer.
    Hang,
}

impl Reply {
    pub(crate) fn json(status: u16, body: serde_json::Value) -> Reply {
        Reply::Respond {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.to_string(),
        }
    }

    pub(crate) fn raw(status: u16, body: &str) -> Reply {
        Reply::Respond {
            status,
            headers: Vec::new(),
            body: body.to_owned(),
        }
    }

    pub(crate) fn header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Respond { headers, .. } = &mut self {
            headers.push((name.to_owned(), value.to_owned()));
        }
        self
    }
}

pub(crate) struct TestServer {
    pub base_url: String,
    requests: Arc<Mutex<Vec<Recorded>>>,
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server answering each request with `handler(request, index)`.
    pub(crate) fn start(
        handler: impl Fn(&Recorded, usize) -> Reply + Send + 'static,
    ) -> TestServer {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").unwrap());
        let port = server.server_addr().to_ip().unwrap().port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let server = Arc::clone(&server);
            let requests = Arc::clone(&requests);
            std::thread::spawn(move || {
                let mut held = Vec::new();
                while let Ok(mut request) = server.recv() {
                    let mut body = String::new();
                    request.as_reader().read_to_string(&mut body).unwrap();
                    let recorded = Recorded {
                        method: request.method().to_string(),
                        url: request.url().to_owned(),
                        headers: request
                            .headers()
                            .iter()
                            .map(|h| (h.field.to_string(), h.value.to_string()))
                            .collect(),
                        body,
                    };
                    let index = {
                        let mut log = requests.lock().unwrap();
                        log.push(recorded.clone());
                        log.len() - 1
                    };
                    match handler(&recorded, index) {
                        Reply::Hang => held.push(request),
                        Reply::Respond {
                            status,
                            headers,
                            body,
                        } => {
                            let mut response =
                                tiny_http::Response::from_string(body).with_status_code(status);
                            for (name, value) in headers {
                                response.add_header(
                                    tiny_http::Header::from_bytes(
                                        name.as_bytes(),
                                        value.as_bytes(),
                                    )
                                    .unwrap(),
                                );
                            }
                            let _ = request.respond(response);
                        }
                    }
                }
            })
        };
        TestServer {
            base_url: format!("http://127.0.0.1:{port}"),
            requests,
            server,
            thread: Some(thread),
        }
    }

    /// Answers the i-th request with the i-th reply (the last one repeats).
    pub(crate) fn scripted(replies: Vec<Reply>) -> TestServer {
        TestServer::start(move |_, index| replies[index.min(replies.len() - 1)].clone())
    }

    pub(crate) fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
