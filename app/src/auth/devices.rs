//! The sessions a person has open, as they (or an admin allowed to) see
//! them: which device, from where, since when, last seen; and ending them.
//! A session is named to the browser by a handle derived from its stored
//! digest, so neither the cookie's token nor its digest leaves the server.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder};
use sha2::{Digest, Sha256};

use super::SessionView;
use crate::entities::session;

fn handle(id: &str) -> String {
    let digest = Sha256::digest(format!("session handle:{id}").as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

fn at(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%d %H:%M").to_string()
}

/// "Firefox on Windows", from a user agent: enough to tell one's own
/// devices apart, not a fingerprint.
pub fn device(user_agent: Option<&str>) -> String {
    let Some(agent) = user_agent.filter(|a| !a.trim().is_empty()) else {
        return "Unknown device".to_owned();
    };
    let browser = if agent.contains("Firefox/") {
        "Firefox"
    } else if agent.contains("Edg/") {
        "Edge"
    } else if agent.contains("Chrome/") || agent.contains("Chromium/") {
        "Chrome"
    } else if agent.contains("Safari/") {
        "Safari"
    } else if agent.starts_with("curl/") {
        "curl"
    } else {
        "A browser"
    };
    let system = if agent.contains("Android") {
        Some("Android")
    } else if agent.contains("iPhone") || agent.contains("iPad") {
        Some("iOS")
    } else if agent.contains("Windows") {
        Some("Windows")
    } else if agent.contains("Mac OS X") || agent.contains("Macintosh") {
        Some("macOS")
    } else if agent.contains("Linux") {
        Some("Linux")
    } else {
        None
    };
    match system {
        Some(system) => format!("{browser} on {system}"),
        None => browser.to_owned(),
    }
}

/// The user's sessions, the most recently seen first; `current` is the
/// digest of the asking browser's session.
pub async fn list(
    conn: &impl ConnectionTrait,
    user_id: i64,
    current: Option<&str>,
) -> Result<Vec<SessionView>, DbErr> {
    let rows = session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .order_by_desc(session::Column::LastSeenAt)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| SessionView {
            handle: handle(&row.id),
            device: device(row.user_agent.as_deref()),
            ip: row.ip.clone(),
            signed_in_at: at(row.created_at),
            last_seen_at: at(row.last_seen_at),
            current: current == Some(row.id.as_str()),
        })
        .collect())
}

/// Ends the user's session with this handle; answers whether there was one.
pub async fn end(conn: &impl ConnectionTrait, user_id: i64, wanted: &str) -> Result<bool, DbErr> {
    let rows = session::Entity::find()
        .filter(session::Column::UserId.eq(user_id))
        .all(conn)
        .await?;
    let Some(found) = rows.into_iter().find(|row| handle(&row.id) == wanted) else {
        return Ok(false);
    };
    session::Entity::delete_by_id(found.id).exec(conn).await?;
    Ok(true)
}

/// Ends every session of the user but `keep` (a digest); answers how many.
pub async fn end_all(
    conn: &impl ConnectionTrait,
    user_id: i64,
    keep: Option<&str>,
) -> Result<u64, DbErr> {
    let mut delete = session::Entity::delete_many().filter(session::Column::UserId.eq(user_id));
    if let Some(keep) = keep {
        delete = delete.filter(session::Column::Id.ne(keep));
    }
    Ok(delete.exec(conn).await?.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::device;

    #[test]
    fn a_user_agent_reads_as_browser_and_system() {
        let cases = [
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
                "Firefox on Windows",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
                "Safari on iOS",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0",
                "Edge on macOS",
            ),
            ("curl/8.5.0", "curl"),
        ];
        for (agent, expected) in cases {
            assert_eq!(device(Some(agent)), expected, "{agent}");
        }
        assert_eq!(device(None), "Unknown device");
        assert_eq!(device(Some("  ")), "Unknown device");
    }
}
