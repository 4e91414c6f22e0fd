//! What the parts of the incentives service share: limits, and why an id was left alone.

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

use super::error::IncentiveError;
use crate::entities::{asset, incentive};
use crate::incentives::{IncentiveAction, IncentiveStatus};
use crate::ui::Skipped;

/// Items in one earnings API call.
pub const BATCH_LIMIT: usize = 1_000;
/// Incentives in one bulk decision or one payment.
pub const BULK_LIMIT: usize = 20_000;
/// Setting: "true" creates (invites) a member for an unknown email.
pub const CREATE_MISSING_MEMBERS: &str = "incentives.create_missing_members";
/// Ids per `IN (...)` list, well inside every backend's parameter limit.
pub(super) const CHUNK: usize = 5_000;

pub(super) fn scale_of(asset: &asset::Model) -> u32 {
    u32::try_from(asset.scale).unwrap_or(0)
}

pub(super) fn check_ids(ids: &[i64]) -> Result<Vec<i64>, IncentiveError> {
    let mut unique = ids.to_vec();
    unique.sort_unstable();
    unique.dedup();
    if unique.is_empty() {
        return Err(IncentiveError::invalid("Select at least one incentive"));
    }
    if unique.len() > BULK_LIMIT {
        return Err(IncentiveError::invalid(format!(
            "At most {BULK_LIMIT} incentives at once"
        )));
    }
    Ok(unique)
}

/// Why each id not in `done` was left alone, from its status now.
pub(super) async fn skip_reasons(
    conn: &impl ConnectionTrait,
    ids: &[i64],
    done: &HashSet<i64>,
    action: IncentiveAction,
    extra: impl Fn(&incentive::Model) -> Option<String>,
) -> Result<Vec<Skipped>, IncentiveError> {
    let left: Vec<i64> = ids
        .iter()
        .copied()
        .filter(|id| !done.contains(id))
        .collect();
    let mut found: HashMap<i64, incentive::Model> = HashMap::new();
    for chunk in left.chunks(CHUNK) {
        for m in incentive::Entity::find()
            .filter(incentive::Column::Id.is_in(chunk.iter().copied()))
            .all(conn)
            .await?
        {
            found.insert(m.id, m);
        }
    }
    Ok(left
        .into_iter()
        .map(|id| {
            let reason = match found.get(&id) {
                None => "not found".to_owned(),
                Some(m) => extra(m).unwrap_or_else(|| {
                    match IncentiveStatus::parse(&m.status).map(|s| s.apply(action)) {
                        Some(Err(why)) => why.to_owned(),
                        Some(Ok(_)) => "changed by someone else meanwhile".to_owned(),
                        None => format!("unknown status {}", m.status),
                    }
                }),
            };
            Skipped { id, reason }
        })
        .collect())
}

/// "#1, #2, #3" for the first few ids, "and N more" after.
pub(super) fn id_list(ids: &[i64]) -> String {
    const SHOWN: usize = 20;
    let mut text: Vec<String> = ids.iter().take(SHOWN).map(|id| format!("#{id}")).collect();
    if ids.len() > SHOWN {
        text.push(format!("and {} more", ids.len() - SHOWN));
    }
    text.join(", ")
}

pub(super) fn check_text(
    value: &str,
    what: &str,
    max: usize,
    required: bool,
) -> Result<String, IncentiveError> {
    let value = value.trim();
    if required && value.is_empty() {
        return Err(IncentiveError::invalid(format!("{what}: required")));
    }
    if value.chars().count() > max {
        return Err(IncentiveError::invalid(format!(
            "{what}: at most {max} characters"
        )));
    }
    if value.chars().any(char::is_control) {
        return Err(IncentiveError::invalid(format!(
            "{what}: no control characters"
        )));
    }
    Ok(value.to_owned())
}
