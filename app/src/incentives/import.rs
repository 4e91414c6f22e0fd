//! CSV import of incentives: the admin uploads a file, sees each line
//! checked (and which were imported before), then confirms. The same rules
//! as the earnings API apply, line by line; external ids make a second
//! import of the same file change nothing.
//!
//! Columns, in any order (header names as below, case-insensitive):
//! `member_email`, `program`, `asset`, `amount`, `external_id`, and optional
//! `description`, `member_name`.

use std::collections::BTreeMap;

use sea_orm::DatabaseConnection;

use super::service::{self, Created, IncentiveError, Origin};
use super::{ImportOutcome, ImportPreview, ImportRow, IncentiveInput, IncentiveSource};
use crate::error::AppError;
use crate::ledger::money::Money;
use crate::platform::{
    audit::{self, AuditAction, AuditEntry},
    Clock,
};

/// Lines in one file.
pub const MAX_LINES: usize = 10_000;

const REQUIRED: [&str; 5] = ["member_email", "program", "asset", "amount", "external_id"];

/// The file's lines as incentives, each with its line number; a file that
/// cannot be read at all is refused as a whole.
fn parse(text: &str) -> Result<Vec<(u64, IncentiveInput)>, IncentiveError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .map_err(|err| IncentiveError::invalid(format!("The file is not CSV: {err}")))?
        .iter()
        .map(str::to_ascii_lowercase)
        .collect();
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|c| !header.iter().any(|h| h == c))
        .collect();
    if !missing.is_empty() {
        return Err(IncentiveError::invalid(format!(
            "The header must name the columns {}; missing: {}",
            REQUIRED.join(", "),
            missing.join(", ")
        )));
    }
    let column = |name: &str| header.iter().position(|h| h == name);
    let mut lines = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record.map_err(|err| {
            IncentiveError::invalid(format!("Line {}: not readable as CSV: {err}", index + 2))
        })?;
        if record.iter().all(str::is_empty) {
            continue;
        }
        if lines.len() == MAX_LINES {
            return Err(IncentiveError::invalid(format!(
                "At most {MAX_LINES} lines per file; split it"
            )));
        }
        let get = |name: &str| {
            column(name)
                .and_then(|i| record.get(i))
                .unwrap_or_default()
                .to_owned()
        };
        let line = record.position().map_or(index as u64 + 2, |p| p.line());
        lines.push((
            line,
            IncentiveInput {
                member_email: get("member_email"),
                member_name: Some(get("member_name")).filter(|n| !n.is_empty()),
                program: get("program"),
                asset: get("asset"),
                amount: get("amount"),
                description: get("description"),
                external_id: Some(get("external_id")),
            },
        ));
    }
    if lines.is_empty() {
        return Err(IncentiveError::invalid(
            "The file has no lines under its header",
        ));
    }
    Ok(lines)
}

const ORIGIN_SOURCE: IncentiveSource = IncentiveSource::Csv;

/// Each line checked, without writing anything.
pub async fn preview(db: &DatabaseConnection, text: &str) -> Result<ImportPreview, IncentiveError> {
    let lines = parse(text)?;
    let mut rows = Vec::with_capacity(lines.len());
    let mut totals: BTreeMap<String, Money> = BTreeMap::new();
    let (mut new, mut existing, mut invalid) = (0, 0, 0);
    let mut seen = std::collections::HashSet::new();
    for (line, input) in lines {
        let external = input.external_id.clone().unwrap_or_default();
        let checked = if !external.is_empty() && !seen.insert(external.clone()) {
            Err(IncentiveError::invalid(format!(
                "external_id: {external} appears twice in the file"
            )))
        } else {
            service::check_import(db, ORIGIN_SOURCE, &input).await
        };
        let (error, before) = match checked {
            Ok(service::LineCheck::New {
                asset,
                scale,
                minor,
            }) => {
                new += 1;
                let total = totals.entry(asset.clone()).or_insert(Money {
                    code: asset,
                    scale,
                    minor: 0,
                });
                total.minor = total.minor.saturating_add(minor);
                (None, None)
            }
            Ok(service::LineCheck::Existing(id)) => {
                existing += 1;
                (None, Some(id))
            }
            Err(err) => {
                invalid += 1;
                // What a client would be told, never an internal cause.
                (Some(AppError::from(err).message), None)
            }
        };
        rows.push(ImportRow {
            line,
            member_email: input.member_email,
            program: input.program,
            amount: input.amount,
            asset: input.asset,
            external_id: external,
            error,
            existing: before,
        });
    }
    Ok(ImportPreview {
        rows,
        new,
        existing,
        invalid,
        totals: totals.into_values().collect(),
    })
}

/// Imports every good line (each pending approval); bad lines are reported
/// and never block the good ones. One audit row for the file.
pub async fn run(
    db: &DatabaseConnection,
    clock: &Clock,
    admin_user_id: i64,
    text: &str,
    ip: Option<String>,
) -> Result<ImportOutcome, IncentiveError> {
    let lines = parse(text)?;
    let origin = Origin {
        source: ORIGIN_SOURCE,
        api_key_id: None,
        admin_user_id: None,
    };
    let mut outcome = ImportOutcome {
        created: 0,
        existing: 0,
        failed: Vec::new(),
    };
    let mut created_ids = Vec::new();
    for (line, input) in lines {
        match service::create(db, clock, origin, &input).await {
            Ok(Created::New(view)) => {
                outcome.created += 1;
                created_ids.push(view.id);
            }
            Ok(Created::Existing(_)) => outcome.existing += 1,
            Err(err) => outcome.failed.push((line, AppError::from(err).message)),
        }
    }
    audit::record(
        db,
        clock.now(),
        AuditEntry::new(AuditAction::IncentivesImported)
            .actor(admin_user_id)
            .subject("incentives:csv")
            .ip(ip)
            .detail(format!(
                "{} created, {} already imported, {} refused",
                outcome.created,
                outcome.existing,
                outcome.failed.len()
            )),
    )
    .await?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_checked_and_columns_found_by_name() {
        let lines = parse(
            "\u{feff}External_ID,amount,asset,program,member_email,description\n\
             d-1, 12.50 ,USD,SPIFF,ada@example.com,\"Deal, big\"\n\n",
        )
        .unwrap();
        assert_eq!(lines.len(), 1);
        let (line, input) = &lines[0];
        assert_eq!(*line, 2);
        assert_eq!(input.amount, "12.50");
        assert_eq!(input.description, "Deal, big");
        assert_eq!(input.external_id.as_deref(), Some("d-1"));

        let err = parse("member_email,amount\nada@example.com,1\n").unwrap_err();
        assert!(
            err.to_string()
                .contains("missing: program, asset, external_id"),
            "{}",
            err
        );
        let err = parse("member_email,program,asset,amount,external_id\n").unwrap_err();
        assert!(err.to_string().contains("no lines"), "{err}");
    }
}
