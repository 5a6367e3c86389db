//! Reading server-sent events in tests.

use std::time::Duration;

use futures::StreamExt;
use reqwest::StatusCode;
use serde_json::Value;

use super::TestApp;

/// An open event stream and what has arrived of it.
pub struct Stream {
    body: futures::stream::BoxStream<'static, reqwest::Result<Vec<u8>>>,
    buffer: String,
}

/// One server-sent event.
#[derive(Debug)]
pub struct Sse {
    pub id: i64,
    pub kind: String,
    pub data: Value,
}

impl Stream {
    pub async fn open(app: &TestApp, path: &str, key: &str, last_event_id: Option<i64>) -> Self {
        let mut request = app
            .client
            .get(format!("{}{path}", app.base))
            .bearer_auth(key);
        if let Some(last) = last_event_id {
            request = request.header("Last-Event-ID", last.to_string());
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/event-stream")
        );
        Self {
            body: response
                .bytes_stream()
                .map(|r| r.map(|b| b.to_vec()))
                .boxed(),
            buffer: String::new(),
        }
    }

    /// The next event (keep-alive comments skipped); fails after five seconds.
    pub async fn next(&mut self) -> Sse {
        tokio::time::timeout(Duration::from_secs(5), self.read())
            .await
            .expect("an event arrives within five seconds")
    }

    async fn read(&mut self) -> Sse {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let field = |name: &str| {
                    block
                        .lines()
                        .find_map(|l| l.strip_prefix(&format!("{name}:")))
                        .map(|v| v.trim().to_owned())
                };
                let Some(data) = field("data") else { continue };
                return Sse {
                    id: field("id").unwrap().parse().unwrap(),
                    kind: field("event").unwrap(),
                    data: serde_json::from_str(&data).unwrap(),
                };
            }
            let chunk = self
                .body
                .next()
                .await
                .expect("the stream stays open")
                .unwrap();
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The events that arrive until nothing has for a while.
    pub async fn until_quiet(&mut self) -> Vec<Sse> {
        let mut events = Vec::new();
        while let Ok(event) = tokio::time::timeout(Duration::from_millis(300), self.read()).await {
            events.push(event);
        }
        events
    }

    /// Nothing arrives for a while.
    pub async fn quiet(&mut self) {
        let got = tokio::time::timeout(Duration::from_millis(300), self.read()).await;
        assert!(got.is_err(), "no event expected, got {:?}", got.ok());
    }
}
