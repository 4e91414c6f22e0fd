//! A mail catcher for development and tests: an SMTP server that keeps
//! every message it receives instead of delivering it, and an HTTP endpoint
//! that lists them as JSON (`GET /messages?to=<address>`).
//!
//! It speaks the subset of SMTP (RFC 5321) a submission client needs:
//! EHLO/HELO, MAIL, RCPT, DATA with dot-unstuffing, RSET, NOOP, QUIT. It
//! can be switched "down", answering 421 to every connection, to test what
//! Paydesk does while its SMTP server is unavailable.

use axum::{extract::Query, routing::get, Json, Router};
use serde::{Deserialize, Serialize};
use std::{
    net::SocketAddr,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::{TcpListener, TcpStream},
    sync::Notify,
};

/// One message, as received and as a reader sees it.
#[derive(Clone, Debug, Serialize)]
pub struct Caught {
    pub envelope_from: String,
    pub envelope_to: Vec<String>,
    pub from: String,
    pub to: String,
    pub subject: String,
    pub message_id: String,
    pub text: String,
    pub html: String,
    pub raw: String,
}

#[derive(Default)]
struct Shared {
    messages: Mutex<Vec<Caught>>,
    arrived: Notify,
    down: AtomicBool,
}

/// A running catcher. Dropping it does not stop it: it lives as long as
/// the runtime that started it.
#[derive(Clone)]
pub struct MailCatcher {
    pub smtp_addr: SocketAddr,
    shared: Arc<Shared>,
}

impl MailCatcher {
    /// Listens for SMTP on `addr` (port 0 for any free port).
    pub async fn start(addr: SocketAddr) -> std::io::Result<MailCatcher> {
        let listener = TcpListener::bind(addr).await?;
        let smtp_addr = listener.local_addr()?;
        let shared = Arc::new(Shared::default());
        let accepting = shared.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let shared = accepting.clone();
                tokio::spawn(async move {
                    if let Err(err) = session(stream, &shared).await {
                        tracing::debug!(error = %err, "mail catcher: session ended");
                    }
                });
            }
        });
        Ok(MailCatcher { smtp_addr, shared })
    }

    /// The URL Paydesk's `PAYDESK_SMTP_URL` takes to send here.
    pub fn smtp_url(&self) -> String {
        format!("smtp://{}", self.smtp_addr)
    }

    pub fn messages(&self) -> Vec<Caught> {
        lock(&self.shared.messages).clone()
    }

    /// Messages to `address`, oldest first.
    pub fn messages_to(&self, address: &str) -> Vec<Caught> {
        let address = address.to_lowercase();
        self.messages()
            .into_iter()
            .filter(|m| m.envelope_to.iter().any(|to| to.to_lowercase() == address))
            .collect()
    }

    /// Waits until at least `count` messages arrived in all, or the limit
    /// passes; returns them all either way.
    pub async fn wait_for(&self, count: usize, limit: Duration) -> Vec<Caught> {
        let waiting = async {
            loop {
                let arrived = self.shared.arrived.notified();
                if lock(&self.shared.messages).len() >= count {
                    return;
                }
                arrived.await;
            }
        };
        let _ = tokio::time::timeout(limit, waiting).await;
        self.messages()
    }

    /// While down, every connection is answered 421 and closed.
    pub fn set_down(&self, down: bool) {
        self.shared.down.store(down, Ordering::SeqCst);
    }

    /// The HTTP side: `GET /messages` and `GET /messages?to=<address>`.
    pub fn router(&self) -> Router {
        #[derive(Deserialize)]
        struct Filter {
            to: Option<String>,
        }
        let catcher = self.clone();
        Router::new().route(
            "/messages",
            get(move |Query(filter): Query<Filter>| {
                let catcher = catcher.clone();
                async move {
                    Json(match filter.to {
                        Some(to) => catcher.messages_to(&to),
                        None => catcher.messages(),
                    })
                }
            }),
        )
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Strips the `<...>` around an address in MAIL FROM / RCPT TO.
fn path_of(argument: &str) -> String {
    let argument = argument.trim();
    let inner = argument
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map_or(argument, |(inner, _)| inner);
    inner.trim().to_owned()
}

async fn session(stream: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    if shared.down.load(Ordering::SeqCst) {
        write
            .write_all(b"421 catcher is down, try again later\r\n")
            .await?;
        return Ok(());
    }
    write.write_all(b"220 paydesk-catcher ESMTP\r\n").await?;
    let mut from = String::new();
    let mut to: Vec<String> = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let command = line.trim_end();
        let upper = command.to_ascii_uppercase();
        let reply: &[u8] = if upper.starts_with("EHLO") {
            b"250-paydesk-catcher\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
        } else if upper.starts_with("HELO") || upper.starts_with("NOOP") {
            b"250 OK\r\n"
        } else if upper.starts_with("MAIL FROM:") {
            from = path_of(&command[10..]);
            to.clear();
            b"250 OK\r\n"
        } else if upper.starts_with("RCPT TO:") {
            to.push(path_of(&command[8..]));
            b"250 OK\r\n"
        } else if upper == "DATA" {
            if to.is_empty() {
                b"503 RCPT first\r\n"
            } else {
                write
                    .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                    .await?;
                let raw = read_data(&mut reader).await?;
                let caught = parse(std::mem::take(&mut from), std::mem::take(&mut to), raw);
                lock(&shared.messages).push(caught);
                shared.arrived.notify_waiters();
                b"250 OK: queued\r\n"
            }
        } else if upper == "RSET" {
            from.clear();
            to.clear();
            b"250 OK\r\n"
        } else if upper == "QUIT" {
            write.write_all(b"221 Bye\r\n").await?;
            return Ok(());
        } else {
            b"502 Command not implemented\r\n"
        };
        write.write_all(reply).await?;
    }
}

/// The message after DATA, up to the lone dot, with dot-stuffing undone.
async fn read_data(
    reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
) -> std::io::Result<String> {
    let mut raw = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        if line == ".\r\n" || line == ".\n" {
            return Ok(raw);
        }
        raw.push_str(line.strip_prefix('.').unwrap_or(&line));
    }
}

fn parse(envelope_from: String, envelope_to: Vec<String>, raw: String) -> Caught {
    let mut caught = Caught {
        envelope_from,
        envelope_to,
        from: String::new(),
        to: String::new(),
        subject: String::new(),
        message_id: String::new(),
        text: String::new(),
        html: String::new(),
        raw,
    };
    let Ok(parsed) = mailparse::parse_mail(caught.raw.as_bytes()) else {
        return caught;
    };
    use mailparse::MailHeaderMap;
    let header = |name: &str| parsed.headers.get_first_value(name).unwrap_or_default();
    caught.from = header("From");
    caught.to = header("To");
    caught.subject = header("Subject");
    caught.message_id = header("Message-ID");
    let mut parts = vec![&parsed];
    while let Some(part) = parts.pop() {
        parts.extend(part.subparts.iter());
        let body = || part.get_body().unwrap_or_default();
        match part.ctype.mimetype.as_str() {
            "text/plain" => caught.text = body(),
            "text/html" => caught.html = body(),
            _ => {}
        }
    }
    caught
}

/// `paydesk mail-catcher`: serves until interrupted.
pub async fn serve(smtp: SocketAddr, http: SocketAddr) -> anyhow::Result<()> {
    let catcher = MailCatcher::start(smtp).await?;
    let listener = TcpListener::bind(http).await?;
    println!(
        "mail catcher: SMTP on {} (PAYDESK_SMTP_URL={}), messages at http://{}/messages",
        catcher.smtp_addr,
        catcher.smtp_url(),
        listener.local_addr()?
    );
    axum::serve(listener, catcher.router())
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_lose_their_brackets_and_parameters() {
        assert_eq!(path_of("<ada@example.com>"), "ada@example.com");
        assert_eq!(path_of(" <a@b.c> BODY=8BITMIME"), "a@b.c");
        assert_eq!(path_of("a@b.c"), "a@b.c");
    }
}
